// Signing transaction inputs with given keys (the wallet's, or those passed to the node's
// signing RPCs): ECDSA (legacy and BIP143 inputs)
// with low-R grinding as Bitcoin Core does, BIP340 Schnorr for taproot key path (tweaked
// key) and script path (pk and multi_a leaves). Every completed input is checked with the
// consensus interpreter before it is accepted, so the wallet never hands out a
// transaction with a signature that does not verify.
//
// Keys are held in a KeyStore; they never leave this process. The signing context is
// common/key.h's signing_context() (created once, randomized).
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/descriptor.h"
#include "common/key.h"
#include "common/psbt.h"
#include "common/taproot.h"
#include "consensus/interpreter.h"
#include "consensus/transaction.h"
#include "util/hash.h"
#include "util/uint256.h"

namespace minicash {

// ---------------------------------------------------------------------------------------
// Primitive signatures

// DER-encoded ECDSA signature (without hash type) of `hash`, RFC6979 nonces, low S. With
// `grind_low_r`, retries with extra entropy (a counter, as Core) until R < 2^255 so the
// signature is at most 71 bytes. REQUIRES: key.valid().
Bytes sign_ecdsa(const SecretKey& key, const uint256& hash, bool grind_low_r = true);

// BIP340 signature of `msg` with `key`. `aux` is the 32-byte auxiliary randomness; when
// absent, 32 fresh bytes come from OpenSSL's RAND_bytes. The signature is verified before
// it is returned. nullopt only if signing or that check fails. REQUIRES: key.valid().
[[nodiscard]] std::optional<std::array<uint8_t, 64>> sign_schnorr(
    const SecretKey& key, const uint256& msg, const std::optional<std::array<uint8_t, 32>>& aux = std::nullopt);

// The BIP341 key-path secret: internal secret (negated if its point has odd Y) plus
// TapTweak(x(P) || merkle_root). nullopt if the result is invalid.
[[nodiscard]] std::optional<SecretKey> taproot_tweak_secret(const SecretKey& internal,
                                                            const std::optional<uint256>& merkle_root);

// ---------------------------------------------------------------------------------------
// Keys and scripts the signer may use

class KeyStore {
public:
    // Adds a secret; it is found by its compressed and uncompressed public keys, their
    // HASH160s, and its x-only key.
    void add_key(const SecretKey& key);
    // Adds a redeem or witness script, found by HASH160 (P2SH) and SHA256 (P2WSH).
    void add_script(const Script& script);
    // Adds a taproot output's spend data, found by its output key.
    void add_taproot(const TaprootSpendData& data);
    // Adds `key` and the spend data of its key-path-only taproot output (BIP86: the
    // output key is the key tweaked with no script tree), so that tr(KEY) outputs can be
    // signed given just the private key (signrawtransactionwithkey).
    void add_key_with_key_path_output(const SecretKey& key);
    // Adds the private keys, scripts and taproot data of `desc` at `index`.
    void add_descriptor(const Descriptor& desc, uint32_t index);

    // Secret for a 33/65-byte public key.
    const SecretKey* key_for_pubkey(ByteView pubkey) const;
    // Public key (as hashed) and secret whose HASH160 is `hash`.
    std::optional<std::pair<Bytes, const SecretKey*>> key_for_hash160(ByteView hash) const;
    // Secret whose x-only point is `xonly`: an internal key, or an output key spent by its
    // key path without the BIP341 tweak (rawtr(), silent payment outputs; add_key them).
    const SecretKey* key_for_xonly(const XOnlyPubkey& xonly) const;
    const Script* script_for_hash160(ByteView hash) const;
    const Script* script_for_sha256(ByteView hash) const;
    const TaprootSpendData* taproot_for_output(const XOnlyPubkey& output_key) const;
    // A Miniscript witness script or tapscript leaf from the descriptors added, for the
    // finalizer (see finalize_input).
    void add_miniscript(const MiniscriptScript& ms);
    const MiniscriptScript* miniscript_for(const Script& script) const;
    MiniscriptLookup miniscript_lookup() const {
        return [this](const Script& s) { return miniscript_for(s); };
    }

private:
    std::vector<SecretKey> keys_;
    std::map<Bytes, size_t> by_pubkey_;      // 33 or 65 bytes -> index
    std::map<Bytes, Bytes> hash_to_pubkey_;  // HASH160 -> pubkey
    std::map<XOnlyPubkey, size_t> by_xonly_;
    std::map<Bytes, Script> by_hash160_, by_sha256_;
    std::map<XOnlyPubkey, TaprootSpendData> taproot_;
    std::map<Script, MiniscriptScript> miniscripts_;
};

struct SignOptions {
    // Hash type to sign with; nullopt: the PSBT input's, else ALL (ECDSA) / DEFAULT (taproot).
    std::optional<int> hash_type;
    // Fixed BIP340 auxiliary randomness (tests); nullopt: fresh random bytes per signature.
    std::optional<std::array<uint8_t, 32>> aux_rand;
    bool grind_low_r = true;
    // The spent outputs come from the signer's caller (a raw transaction and its known
    // coins), not from an untrusted PSBT: a witness UTXO alone may back a legacy signature.
    bool trust_witness_utxos = false;
};

// ---------------------------------------------------------------------------------------
// Signing

// PSBT Signer: adds signatures for input `i` with the keys in `keys`, following BIP174's
// signer checks (non-witness UTXO must match the prevout; no legacy signature on a
// witness UTXO alone; redeemScript/witnessScript must match the UTXO; the input's sighash
// type must match the requested one). Missing redeem/witness scripts and taproot data
// are filled in from `keys`. Taproot inputs need every input's UTXO. Returns false with
// `*error` when a check fails; returns true (possibly without adding anything) otherwise.
[[nodiscard]] bool sign_psbt_input(Psbt& psbt, size_t i, const KeyStore& keys, const SignOptions& options = {},
                                   std::string* error = nullptr);

// Signs and finalizes every input of `psbt` it can. Returns the number of inputs that are
// final afterwards; `*error` gets the first signer-check failure, if any.
size_t sign_psbt(Psbt& psbt, const KeyStore& keys, const SignOptions& options = {}, std::string* error = nullptr);

// Signs input `i` of `tx` in place (scriptSig and witness), given the outputs spent by
// every input of `tx` (in input order; amounts are trusted, they come from the wallet),
// then verifies it with the consensus interpreter. Returns false (and leaves the input
// unchanged) when the keys are missing or verification fails.
[[nodiscard]] bool sign_transaction_input(Transaction& tx, size_t i, const std::vector<TxOut>& spent_outputs,
                                          const KeyStore& keys, const SignOptions& options = {},
                                          std::string* error = nullptr);

// All inputs; true when every input is signed and verified.
[[nodiscard]] bool sign_transaction(Transaction& tx, const std::vector<TxOut>& spent_outputs, const KeyStore& keys,
                                    const SignOptions& options = {}, std::string* error = nullptr);

// Verifies every input of a fully signed `tx` against `spent_outputs` with the standard
// script flags. On failure names the input and the script error.
[[nodiscard]] bool verify_transaction_scripts(const Transaction& tx, const std::vector<TxOut>& spent_outputs,
                                              std::string* error = nullptr);

}  // namespace minicash
