// Silent payments (BIP352, version 0): addresses, the public keys a transaction's inputs
// contribute, the per-transaction tweak data (input_hash·A), the outputs a sender
// creates and the outputs a receiver finds. Shared by the wallet (sending, scanning) and
// the node's -silentpaymentindex (tweak data per block); the elliptic-curve work is
// libsecp256k1's (ECDH, key combination and tweaks).
//
// Notation (the BIP's): a/A the sum of the eligible input keys, B_scan/B_spend the
// receiver's keys, input_hash = hash_BIP0352/Inputs(smallest outpoint || A),
// t_k = hash_BIP0352/SharedSecret(ecdh || ser32(k)), output P_k = B_spend + t_k·G (+ a
// label's point), label tweak = hash_BIP0352/Label(b_scan || ser32(m)).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/key.h"
#include "common/taproot.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash::sp {

using PubKey = std::array<uint8_t, 33>;  // compressed

// K_max: outputs per receiver group (one scan key) a sender may create and a receiver
// looks for in one transaction.
inline constexpr uint32_t kMaxOutputsPerGroup = 2323;
// Longest address accepted (BIP352 suggests BIP173's checksum design limit).
inline constexpr size_t kMaxAddressLength = 1023;

// ---------------------------------------------------------------------------------------
// Addresses

struct Address {
    uint8_t version = 0;
    PubKey scan{};
    PubKey spend{};  // B_m: the spend key, plus a label's point for a labelled address
    friend bool operator==(const Address&, const Address&) = default;
};

// "sp" on mainnet, "tsp" on testnet4 and signet, "sprt" on regtest.
const char* address_hrp(Network network);
// Bech32m of hrp, the version character and the two keys.
std::string encode_address(const Address& a, Network network);
// Decodes and checks an address for `network`: its network (the HRP), the checksum
// (bech32m), the version (v0: exactly 66 bytes; v1..v30: the first 66 bytes; v31
// refused) and both keys. nullopt with `*error` naming the problem.
std::optional<Address> decode_address(std::string_view text, Network network, std::string* error = nullptr);
// True when `text` looks like a silent payment address of any network (its HRP).
bool looks_like_address(std::string_view text);

// ---------------------------------------------------------------------------------------
// Inputs and tweak data

// The public key input `in` (spending `spent`) contributes under "Inputs For Shared
// Secret Derivation": the output key of a P2TR (unless a script-path spend with the NUMS
// internal key H), the last witness item of a P2WPKH or P2SH-P2WPKH, the key hashed by a
// P2PKH found anywhere in its scriptSig. Only compressed keys; nullopt otherwise.
std::optional<PubKey> input_public_key(const TxIn& in, const Script& spent);

// A transaction worth scanning: not a coinbase, at least one taproot output, and no input
// spending a witness version above 1. `spent[i]` is the output input i spends.
bool is_eligible(const Transaction& tx, std::span<const Script> spent);

// The smallest outpoint of `tx`'s inputs in its serialized (little-endian) form.
OutPoint smallest_outpoint(const Transaction& tx);

// input_hash·A for an eligible transaction: the 33 bytes the index serves per transaction
// and the receiver multiplies by b_scan. nullopt when the transaction is not eligible,
// has no eligible input, A is the point at infinity or input_hash is not a valid scalar.
std::optional<PubKey> tweak_data(const Transaction& tx, std::span<const Script> spent);
// The same from the input keys and the smallest outpoint (the keys as input_public_key
// returned them; empty gives nullopt).
std::optional<PubKey> tweak_data(std::span<const PubKey> input_keys, const OutPoint& smallest);

// ---------------------------------------------------------------------------------------
// Sending

struct SenderInput {
    OutPoint outpoint;
    SecretKey key;         // for P2TR: the key of the output key (already tweaked)
    bool taproot = false;  // negated when its point has an odd Y
};

// The taproot output keys for `recipients`, in recipient order (one output per entry;
// several entries may share a scan key, and each gets the next k of its group).
// `smallest` is the smallest outpoint of the whole transaction. Fails with `*error`
// when no input is eligible, the keys sum to zero, a group exceeds K_max, or a scalar
// is invalid.
std::optional<std::vector<XOnlyPubkey>> sender_outputs(std::span<const SenderInput> inputs, const OutPoint& smallest,
                                                       std::span<const Address> recipients,
                                                       std::string* error = nullptr);

// ---------------------------------------------------------------------------------------
// Receiving

// hash_BIP0352/Label(ser256(b_scan) || ser32(m)).
uint256 label_tweak(const SecretKey& scan, uint32_t m);
// B_m = B_spend + label_tweak·G; nullopt only for a (practically impossible) invalid sum.
std::optional<PubKey> labelled_spend_key(const PubKey& spend, const SecretKey& scan, uint32_t m);

// The labels a receiver scans for: the label point label_tweak·G -> m.
using LabelPoints = std::map<PubKey, uint32_t>;
// Adds label m (its point) to `labels`.
void add_label(LabelPoints& labels, const SecretKey& scan, uint32_t m);

struct FoundOutput {
    XOnlyPubkey output_key{};
    uint256 tweak;                  // t_k (a labelled output adds its label's tweak: output_tweak)
    std::optional<uint32_t> label;  // m, for a labelled output
};

// The whole tweak of a found output: t_k, plus label_tweak(scan, m) for a labelled one.
std::optional<uint256> output_tweak(const FoundOutput& found, const SecretKey& scan);

// ecdh_shared_secret = b_scan·(input_hash·A).
std::optional<PubKey> shared_secret(const SecretKey& scan, const PubKey& tweak_data);

// The outputs among `outputs` (taproot output keys of one transaction) that pay the
// receiver (scan key, spend key, labels in use; the change label m = 0 should always be
// among them), by the BIP's scanning loop, at most K_max of them.
std::vector<FoundOutput> scan_outputs(const PubKey& shared, const PubKey& spend, std::span<const XOnlyPubkey> outputs,
                                      const LabelPoints& labels);

// The candidate output keys for k = 0: B_spend + t_0·G and, for each label, that plus
// the label's point (as 34-byte P2TR scripts), for matching against a block filter.
std::vector<Script> first_output_scripts(const PubKey& shared, const PubKey& spend, const LabelPoints& labels);

// The secret key of a found output: (b_spend + tweak) mod n.
std::optional<SecretKey> output_secret(const SecretKey& spend, const uint256& tweak);

}  // namespace minicash::sp
