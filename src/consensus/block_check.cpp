#include "consensus/block_check.h"

#include <cstdio>

#include "consensus/interpreter.h"
#include "consensus/merkle.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"

namespace minicash {
namespace {

std::string version_reason(int32_t version) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "bad-version(0x%08x)", uint32_t(version));
    return buf;
}

size_t non_witness_size(const Block& block) { return block.serialize(false).size(); }

bool check_witness_commitment(const Block& block, bool segwit_active, ValidationState& state) {
    if (segwit_active) {
        if (auto pos = witness_commitment_index(block)) {
            const Witness& reserved = block.txs[0].vin[0].witness;
            if (reserved.size() != 1 || reserved[0].size() != 32)
                return state.invalid("bad-witness-nonce-size", "invalid witness reserved value size",
                                     ValidationResult::MUTATED);
            const uint256 commitment = witness_commitment(block_witness_merkle_root(block), reserved[0]);
            const Bytes& spk = block.txs[0].vout[*pos].script_pubkey.bytes();
            if (!std::equal(commitment.begin(), commitment.end(), spk.begin() + 6))
                return state.invalid("bad-witness-merkle-match", "witness merkle commitment mismatch",
                                     ValidationResult::MUTATED);
            return true;
        }
    }
    // Witness data without a commitment would be unvalidated, free block space.
    for (const Transaction& tx : block.txs)
        if (tx.has_witness())
            return state.invalid("unexpected-witness", "unexpected witness data found", ValidationResult::MUTATED);
    return true;
}

}  // namespace

bool check_block_header(const BlockHeader& header, const ConsensusParams& params, ValidationState& state,
                        bool check_pow) {
    if (check_pow && !check_proof_of_work(header.hash(), header.bits, params))
        return state.invalid("high-hash", "proof of work failed", ValidationResult::INVALID_HEADER);
    return true;
}

bool check_block(const Block& block, const ConsensusParams& params, ValidationState& state, bool check_pow,
                 bool check_merkle) {
    if (!check_block_header(block.header, params, state, check_pow)) return false;
    if (params.signet_blocks && check_pow && !check_signet_block_solution(block, params))
        return state.invalid("bad-signet-blksig", "signet block signature validation failure");
    if (check_merkle) {
        bool mutated = false;
        if (block_merkle_root(block, &mutated) != block.header.merkle_root)
            return state.invalid("bad-txnmrklroot", "hashMerkleRoot mismatch", ValidationResult::MUTATED);
        if (mutated) return state.invalid("bad-txns-duplicate", "duplicate transaction", ValidationResult::MUTATED);
    }
    if (block.txs.empty() || block.txs.size() * kWitnessScaleFactor > kMaxBlockWeight ||
        non_witness_size(block) * kWitnessScaleFactor > kMaxBlockWeight)
        return state.invalid("bad-blk-length", "size limits failed");
    if (!block.txs[0].is_coinbase()) return state.invalid("bad-cb-missing", "first tx is not coinbase");
    for (size_t i = 1; i < block.txs.size(); ++i)
        if (block.txs[i].is_coinbase()) return state.invalid("bad-cb-multiple", "more than one coinbase");
    for (const Transaction& tx : block.txs) {
        ValidationState tx_state;
        if (!check_transaction(tx, tx_state))
            return state.invalid(tx_state.reason(),
                                 "Transaction check failed (tx hash " + tx.txid().to_hex() + ") " + tx_state.debug());
    }
    uint64_t sigops = 0;
    for (const Transaction& tx : block.txs) sigops += legacy_sigop_count(tx);
    if (sigops * kWitnessScaleFactor > uint64_t(kMaxBlockSigopsCost))
        return state.invalid("bad-blk-sigops", "out-of-bounds SigOpCount");
    return true;
}

bool contextual_check_block_header(const BlockHeader& header, const AncestorView& chain, int64_t now,
                                   const ConsensusParams& params, ValidationState& state) {
    const int height = chain.tip_height() + 1;
    if (header.bits != next_work_required(chain, header.time, params))
        return state.invalid("bad-diffbits", "incorrect proof of work", ValidationResult::INVALID_HEADER);
    if (int64_t(header.time) <= chain.median_time_past_at(chain.tip_height()))
        return state.invalid("time-too-old", "block's timestamp is too early", ValidationResult::INVALID_HEADER);
    if (params.enforce_bip94 && height % params.difficulty_adjustment_interval() == 0 &&
        int64_t(header.time) < chain.time_at(chain.tip_height()) - kMaxTimewarp)
        return state.invalid("time-timewarp-attack", "block's timestamp is too early on diff adjustment block",
                             ValidationResult::INVALID_HEADER);
    if (int64_t(header.time) > now + kMaxFutureBlockTime)
        return state.invalid("time-too-new", "block timestamp too far in the future", ValidationResult::TIME_FUTURE);
    if ((header.version < 2 && height >= params.bip34_height) ||
        (header.version < 3 && height >= params.bip66_height) || (header.version < 4 && height >= params.bip65_height))
        return state.invalid(version_reason(header.version), "rejected nVersion block",
                             ValidationResult::INVALID_HEADER);
    return true;
}

bool contextual_check_block(const Block& block, const AncestorView& chain, const ConsensusParams& params,
                            ValidationState& state) {
    const int height = chain.tip_height() + 1;
    // BIP113: lock times compare against the parent's median time past once CSV is active.
    const int64_t cutoff =
        height >= params.csv_height ? chain.median_time_past_at(chain.tip_height()) : int64_t(block.header.time);
    for (const Transaction& tx : block.txs)
        if (!is_final_tx(tx, height, cutoff)) return state.invalid("bad-txns-nonfinal", "non-final transaction");

    if (height >= params.bip34_height) {
        Script expect;
        expect.push_int(height);
        const Bytes& sig = block.txs[0].vin[0].script_sig.bytes();
        if (sig.size() < expect.size() || !std::equal(expect.bytes().begin(), expect.bytes().end(), sig.begin()))
            return state.invalid("bad-cb-height", "block height mismatch in coinbase");
    }
    if (!check_witness_commitment(block, height >= params.segwit_height, state)) return false;
    // Only now that the coinbase witness is known to be committed can weight be judged.
    if (block.weight() > kMaxBlockWeight) return state.invalid("bad-blk-weight", "weight limit failed");
    return true;
}

ScriptFlags block_script_flags(int height, const uint256& hash, const ConsensusParams& params) {
    ScriptFlags flags = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT;
    for (const ScriptFlagException& e : params.script_flag_exceptions)
        if (e.block_hash == hash) flags = e.flags;
    if (height >= params.bip66_height) flags |= SCRIPT_VERIFY_DERSIG;
    if (height >= params.bip65_height) flags |= SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY;
    if (height >= params.csv_height) flags |= SCRIPT_VERIFY_CHECKSEQUENCEVERIFY;
    if (height >= params.segwit_height) flags |= SCRIPT_VERIFY_NULLDUMMY;
    return flags;
}

bool enforce_sequence_locks(int height, const ConsensusParams& params) { return height >= params.csv_height; }

}  // namespace minicash
