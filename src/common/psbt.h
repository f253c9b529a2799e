// Partially Signed Bitcoin Transactions: BIP174 version 0 with the BIP371 taproot fields.
//
// Roles implemented here: parsing and serializing (binary and base64; unknown and
// proprietary records are kept and written back), Creator (from_transaction), Combiner
// (combine), Input Finalizer (finalize_input / finalize), Transaction Extractor
// (extract_transaction) and an analysis for decodepsbt/analyzepsbt style summaries.
// Signing is common/signer.h (the wallet, and the node's RPCs that sign with keys the caller
// passes in and that are forgotten when the call returns).
//
// Finalizing understands P2PKH, P2WPKH, P2SH-P2WPKH, P2PK, bare and P2SH / P2WSH /
// P2SH-P2WSH multisig (and single-key pk/pkh witness scripts), P2TR key path, and P2TR
// script path with `<key> CHECKSIG` and multi_a leaves; and any Miniscript witness script
// or tapscript leaf (miniscript_satisfier.h), its expression from the caller (a
// MiniscriptLookup, from descriptors) or recognized in the script (miniscript_from_script.h).
// The result is checked with the consensus interpreter before it is stored.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bip32.h"
#include "common/taproot.h"
#include "consensus/amount.h"
#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash {

struct MiniscriptScript;  // common/descriptor.h

// The Miniscript expression of a witness script or tapscript leaf, when the caller knows
// it (from a descriptor); nullptr otherwise.
using MiniscriptLookup = std::function<const MiniscriptScript*(const Script& script)>;

// Record types (key type bytes).
enum : uint8_t {
    PSBT_GLOBAL_UNSIGNED_TX = 0x00,
    PSBT_GLOBAL_XPUB = 0x01,
    PSBT_GLOBAL_VERSION = 0xfb,
    PSBT_IN_NON_WITNESS_UTXO = 0x00,
    PSBT_IN_WITNESS_UTXO = 0x01,
    PSBT_IN_PARTIAL_SIG = 0x02,
    PSBT_IN_SIGHASH = 0x03,
    PSBT_IN_REDEEMSCRIPT = 0x04,
    PSBT_IN_WITNESSSCRIPT = 0x05,
    PSBT_IN_BIP32_DERIVATION = 0x06,
    PSBT_IN_SCRIPTSIG = 0x07,
    PSBT_IN_SCRIPTWITNESS = 0x08,
    PSBT_IN_RIPEMD160 = 0x0a,
    PSBT_IN_SHA256 = 0x0b,
    PSBT_IN_HASH160 = 0x0c,
    PSBT_IN_HASH256 = 0x0d,
    PSBT_IN_TAP_KEY_SIG = 0x13,
    PSBT_IN_TAP_SCRIPT_SIG = 0x14,
    PSBT_IN_TAP_LEAF_SCRIPT = 0x15,
    PSBT_IN_TAP_BIP32_DERIVATION = 0x16,
    PSBT_IN_TAP_INTERNAL_KEY = 0x17,
    PSBT_IN_TAP_MERKLE_ROOT = 0x18,
    PSBT_OUT_REDEEMSCRIPT = 0x00,
    PSBT_OUT_WITNESSSCRIPT = 0x01,
    PSBT_OUT_BIP32_DERIVATION = 0x02,
    PSBT_OUT_TAP_INTERNAL_KEY = 0x05,
    PSBT_OUT_TAP_TREE = 0x06,
    PSBT_OUT_TAP_BIP32_DERIVATION = 0x07,
    PSBT_PROPRIETARY = 0xfc,
};

// Leaf hashes a taproot key is used in, and its origin.
struct TapKeyOrigin {
    std::set<uint256> leaf_hashes;
    KeyOriginInfo origin;
    friend bool operator==(const TapKeyOrigin&, const TapKeyOrigin&) = default;
};

struct PsbtInput {
    std::optional<Transaction> non_witness_utxo;
    std::optional<TxOut> witness_utxo;
    // pubkey (33/65) -> DER signature || hash type; written ordered by HASH160(pubkey).
    std::map<Bytes, Bytes> partial_sigs;
    std::optional<uint32_t> sighash_type;
    std::optional<Script> redeem_script;
    std::optional<Script> witness_script;
    std::map<Bytes, KeyOriginInfo> bip32_derivs;  // pubkey (33/65) -> origin
    std::optional<Script> final_script_sig;
    std::optional<Witness> final_script_witness;
    std::map<Bytes, Bytes> ripemd160_preimages, sha256_preimages, hash160_preimages, hash256_preimages;
    // BIP371
    std::optional<Bytes> tap_key_sig;                                   // 64 or 65 bytes
    std::map<std::pair<XOnlyPubkey, uint256>, Bytes> tap_script_sigs;   // (key, leaf hash) -> sig
    std::map<std::pair<Script, uint8_t>, std::set<Bytes>> tap_scripts;  // (script, leaf version) -> control blocks
    std::map<XOnlyPubkey, TapKeyOrigin> tap_bip32_derivs;
    std::optional<XOnlyPubkey> tap_internal_key;
    std::optional<uint256> tap_merkle_root;
    // Unknown and proprietary records: full key (type || key data) -> value.
    std::map<Bytes, Bytes> unknown;

    bool is_final() const { return final_script_sig.has_value() || final_script_witness.has_value(); }
    // Adds what `other` has and this input lacks (for the Combiner).
    void merge(const PsbtInput& other);
    friend bool operator==(const PsbtInput&, const PsbtInput&) = default;
};

struct TapTreeLeaf {
    uint8_t depth;
    uint8_t leaf_version;
    Script script;
    friend bool operator==(const TapTreeLeaf&, const TapTreeLeaf&) = default;
};

struct PsbtOutput {
    std::optional<Script> redeem_script;
    std::optional<Script> witness_script;
    std::map<Bytes, KeyOriginInfo> bip32_derivs;
    std::optional<XOnlyPubkey> tap_internal_key;
    std::vector<TapTreeLeaf> tap_tree;  // depth-first order; empty = absent
    std::map<XOnlyPubkey, TapKeyOrigin> tap_bip32_derivs;
    std::map<Bytes, Bytes> unknown;

    void merge(const PsbtOutput& other);
    friend bool operator==(const PsbtOutput&, const PsbtOutput&) = default;
};

class Psbt {
public:
    Transaction tx;                        // unsigned: every scriptSig and witness empty
    std::map<Bytes, KeyOriginInfo> xpubs;  // 78-byte serialized extended public key -> origin
    std::optional<uint32_t> version;       // PSBT_GLOBAL_VERSION if present (always 0 here)
    std::map<Bytes, Bytes> unknown;
    std::vector<PsbtInput> inputs;
    std::vector<PsbtOutput> outputs;

    // Creator: a PSBT for `tx` with empty input and output maps. Any scriptSigs and
    // witnesses in `tx` are cleared.
    static Psbt from_transaction(Transaction tx);

    // Parses the binary form, applying BIP174/BIP371 validity rules: magic, no duplicate
    // keys, exact key and value sizes per type, valid public keys, unsigned transaction
    // present (legacy serialization, empty scriptSigs/witnesses), one map per input and
    // output, non-witness UTXOs matching the spent txid, preimages matching their hash,
    // taproot trees well formed, version 0. On failure returns nullopt and sets *error.
    [[nodiscard]] static std::optional<Psbt> decode(ByteView data, std::string* error = nullptr);
    [[nodiscard]] static std::optional<Psbt> decode_base64(std::string_view text, std::string* error = nullptr);

    Bytes serialize() const;
    std::string to_base64() const;

    // The output spent by input `i`, from its witness UTXO or non-witness UTXO.
    std::optional<TxOut> spent_output(size_t i) const;
    // Core's GetInputUTXO: the non-witness UTXO's output when there is one (nullopt when it
    // is not the transaction the input spends), else the witness UTXO.
    [[nodiscard]] std::optional<TxOut> input_utxo(size_t i) const;

    friend bool operator==(const Psbt&, const Psbt&) = default;
};

// Combiner: merges `others` into a copy of `first`. Fails when the unsigned transactions
// differ.
[[nodiscard]] std::optional<Psbt> combine_psbts(const std::vector<Psbt>& psbts, std::string* error = nullptr);

// Input Finalizer: builds the final scriptSig / witness of input `i` from the signatures
// and scripts present, verifies it with the consensus interpreter (standard flags), and
// on success clears everything but the UTXOs, final fields and unknown records.
// Returns true when the input is final (also if it already was). A Miniscript script (found
// by `miniscripts`, else recognized) is satisfied with the cheapest non-malleable witness the
// signatures, preimages and the transaction's nSequence / nLockTime allow.
[[nodiscard]] bool finalize_input(Psbt& psbt, size_t i, const MiniscriptLookup& miniscripts = {});
// Finalizes every input it can; true when all are final.
[[nodiscard]] bool finalize_psbt(Psbt& psbt, const MiniscriptLookup& miniscripts = {});

// Transaction Extractor: the network transaction, when every input is final.
[[nodiscard]] std::optional<Transaction> extract_transaction(const Psbt& psbt, std::string* error = nullptr);

// The hash type a signer uses for input `in` spending `script_pubkey`, with Core's checks
// (SignPSBTInput): `requested` (nullopt: SIGHASH_DEFAULT for taproot, ALL otherwise) must
// equal the input's PSBT_IN_SIGHASH when present, and the signatures already in the input
// must have been made with it. nullopt on a mismatch (Core's SIGHASH_MISMATCH).
[[nodiscard]] std::optional<int> psbt_input_sighash(const PsbtInput& in, const Script& script_pubkey,
                                                    std::optional<int> requested);
// Core's rule for recording the hash type in the input: when it is not the default
// (DEFAULT for taproot; DEFAULT or ALL for other outputs).
bool psbt_records_sighash(const Script& script_pubkey, int hash_type);

// What a PSBT still needs (decodepsbt / analyzepsbt).
enum class PsbtRole { CREATOR, UPDATER, SIGNER, FINALIZER, EXTRACTOR };
const char* psbt_role_name(PsbtRole role);  // "creator", "updater", ...

struct PsbtInputAnalysis {
    bool has_utxo = false;
    bool is_final = false;
    PsbtRole next = PsbtRole::UPDATER;
    std::optional<Amount> amount;
};

struct PsbtAnalysis {
    std::vector<PsbtInputAnalysis> inputs;
    std::optional<Amount> fee;  // when every input's UTXO is known and amounts are sane
    PsbtRole next = PsbtRole::UPDATER;
    std::string error;  // set when the PSBT is inconsistent (e.g. outputs exceed inputs)
};
PsbtAnalysis analyze_psbt(const Psbt& psbt);

}  // namespace minicash
