// Block templates and regtest mining.
//
// A template is built on the current tip: a coinbase paying `coinbase_script` with a
// BIP34 height push and an extra nonce, the mempool's best transactions
// (Mempool::select_for_block, parents first), version 0x20000000, time max(MTP+1, now)
// (and BIP94's timewarp floor on testnet4), bits from next_work_required, and a BIP141
// witness commitment whenever segwit is active (as Core, even without witness txs).
//
// Thread-safety: functions take the chain state's lock through with_view; they may
// run concurrently with block processing (the template then refers to an old tip and
// process_block rejects or orphans the mined block, nothing more).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "consensus/validation_state.h"
#include "node/chainstate.h"

namespace minicash {

class Mempool;

// Core's default -blockmaxweight and the weight/sigops kept back for the coinbase.
inline constexpr size_t kDefaultBlockMaxWeight = kMaxBlockWeight - 4000;
inline constexpr size_t kCoinbaseReservedWeight = 4000;
inline constexpr int64_t kCoinbaseReservedSigops = 400;

struct BlockTemplate {
    Block block;                       // header nonce 0, merkle root set
    std::vector<Amount> fees;          // per transaction; [0] (coinbase) = -(total fees)
    std::vector<int64_t> sigops_cost;  // per transaction
    Amount coinbase_value = 0;         // subsidy + fees
    int height = 0;
    int64_t min_time = 0;  // median time past + 1
    const BlockIndex* prev = nullptr;
    Script witness_commitment;  // the commitment output's script (empty before segwit)
};

struct TemplateOptions {
    // Explicit transactions instead of the mempool's selection (generateblock); they
    // are included in this order and must be valid in it.
    std::optional<std::vector<std::shared_ptr<const Transaction>>> transactions;
    size_t max_weight = kDefaultBlockMaxWeight;
    Amount min_fee_rate = 1;  // sat/kvB: -blockmintxfee (Mempool::kDefaultBlockMinTxFee)
    uint32_t extra_nonce = 0;
};

// Builds a template on the current tip. Throws std::runtime_error when the chain state
// has no tip. `mempool` may be null (empty blocks). Transactions given in `options`
// whose inputs are missing make this throw with Core's reason text.
BlockTemplate create_block_template(Chainstate& chain, const Mempool* mempool, const Script& coinbase_script,
                                    const TemplateOptions& options = {});

// Rewrites the coinbase's extra nonce and recomputes the merkle root (and the witness
// commitment, which does not depend on it).
void set_extra_nonce(Block& block, int height, uint32_t extra_nonce);

// After a template's transaction list changed: recomputes the witness commitment (when
// the coinbase has one) and the merkle root (Core's RegenerateCommitments).
void regenerate_commitments(Block& block);
// Core's UpdateUncommittedBlockStructures: when segwit is active and the coinbase commits
// to witnesses but carries no witness, gives it the 32-byte zero reserved value.
void add_witness_nonce(Block& block, bool segwit_active);

// Context-free and contextual checks of a block built on its parent, plus input
// availability, amounts and sigops against the current UTXO set (Core's
// TestBlockValidity without script verification). The parent must be the current tip.
[[nodiscard]] bool test_block_validity(Chainstate& chain, const Block& block, ValidationState& state,
                                       bool check_pow = true, bool check_merkle = true);

// Searches nonces (and extra nonces) until the header meets its target, at most
// `max_tries` hashes. False when the tries ran out or `interrupt` became true.
[[nodiscard]] bool grind_block(Block& block, int height, uint64_t& max_tries, const ConsensusParams& params,
                               const std::atomic<bool>* interrupt = nullptr);

}  // namespace minicash
