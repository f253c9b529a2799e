// Signature hashes: legacy (original), BIP143 (witness v0) and BIP341 (taproot).
#pragma once

#include <optional>
#include <vector>

#include "consensus/interpreter.h"
#include "consensus/transaction.h"

namespace minicash {

// Per-transaction hashes shared by every input, computed once so that hashing a
// transaction with n inputs costs O(n) in total for SegWit and Taproot.
struct PrecomputedTxData {
    // BIP341 single-SHA256 aggregates (need every spent output).
    uint256 prevouts_single_hash;
    uint256 sequences_single_hash;
    uint256 outputs_single_hash;
    uint256 spent_amounts_single_hash;
    uint256 spent_scripts_single_hash;
    // BIP143 double-SHA256 aggregates.
    uint256 hash_prevouts;
    uint256 hash_sequence;
    uint256 hash_outputs;

    bool bip341_ready = false;
    bool bip143_ready = false;
    std::vector<TxOut> spent_outputs;  // one per input, in input order; empty if unknown
    bool spent_outputs_ready = false;

    PrecomputedTxData() = default;
    // Computes what the transaction's inputs need. `spent_outputs` (one per input) is
    // required for taproot hashes; pass an empty vector when unknown. With `force`, both
    // BIP143 and BIP341 data are computed even when no input seems to need them.
    PrecomputedTxData(const Transaction& tx, std::vector<TxOut> spent_outputs, bool force = false);
    void init(const Transaction& tx, std::vector<TxOut> spent_outputs, bool force = false);
};

// Original algorithm, with its quirks: OP_CODESEPARATORs are removed from the script
// code, and SIGHASH_SINGLE with n_in >= outputs returns the number one. The whole
// 32-bit `hash_type` is appended to the preimage.
uint256 legacy_signature_hash(const Script& script_code, const Transaction& tx, unsigned n_in, int32_t hash_type);

// BIP143. `cache` may be null (aggregates are then computed for this call).
uint256 witness_v0_signature_hash(const Script& script_code, const Transaction& tx, unsigned n_in, int32_t hash_type,
                                  Amount amount, const PrecomputedTxData* cache);

// BIP341/342 signature message hash (TapSighash). Returns nullopt when the hash type
// is invalid or SIGHASH_SINGLE has no matching output. REQUIRES: cache.bip341_ready.
// For TAPSCRIPT, execdata must have tapleaf_hash and codeseparator_pos initialised.
[[nodiscard]] std::optional<uint256> taproot_signature_hash(const ScriptExecutionData& execdata, const Transaction& tx,
                                                            unsigned n_in, uint8_t hash_type, SigVersion sigversion,
                                                            const PrecomputedTxData& cache);

}  // namespace minicash
