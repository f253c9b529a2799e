// Blocks connected and disconnected: confirmed and conflicting transactions leave,
// a disconnected block's transactions return, reorg clean-up.
#include "node/mempool_internal.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "consensus/block_check.h"
#include "consensus/interpreter.h"
#include "consensus/sighash.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "node/fee_estimator.h"
#include "node/policy.h"
#include "node/sig_cache.h"
#include "util/atomic_file.h"
#include "util/logging.h"

namespace minicash {

using namespace mempool_internal;

void Mempool::Impl::block_connected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                                    std::vector<MempoolEntryInfo>& added) {
    tip_height = index->height;
    last_rolling_update = v.now();
    block_since_bump = true;
    // While catching up (initial block download, -loadblock, -reindex) nothing is tracked
    // for fee estimation (Core's IsCurrentForFeeEstimation), so the estimator is left
    // alone; and a block can change nothing in an empty pool: neither costs a hash.
    const bool catching_up = v.initial_block_download();
    if (catching_up && by_txid.empty() && orphans.empty() && deltas.empty()) return;
    std::vector<uint256> txids;
    txids.reserve(block.txs.size());
    for (const Transaction& tx : block.txs) txids.push_back(tx.txid());
    if (!catching_up) estimator.process_block(index->height, txids);
    for (size_t t = 0; t < block.txs.size(); ++t) {
        const Transaction& tx = block.txs[t];
        if (Entry* e = find(txids[t])) remove_entries(EntrySet{e}, Removal::BLOCK);
        if (!tx.is_coinbase()) {
            for (const TxIn& in : tx.vin) {
                auto it = spenders.find(in.prevout);
                if (it == spenders.end() || it->second->txid == txids[t]) continue;
                EntrySet stage;
                collect_descendants(it->second, stage);
                remove_entries(stage, Removal::CONFLICT);
            }
        }
        deltas.erase(txids[t]);
    }

    // Orphans the block confirmed or made impossible go; those it may complete are retried.
    std::set<uint256> gone;
    for (const Transaction& tx : block.txs) {
        if (tx.is_coinbase()) continue;
        for (const TxIn& in : tx.vin) {
            auto range = orphan_spends.equal_range(in.prevout);
            for (auto it = range.first; it != range.second; ++it) gone.insert(it->second);
        }
    }
    for (const uint256& w : gone) erase_orphan(w);
    process_orphans(v, std::deque<uint256>(txids.begin(), txids.end()), added);
}

void Mempool::Impl::block_disconnected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                                       std::vector<MempoolEntryInfo>& added) {
    tip_height = index->height - 1;
    const int64_t now = v.now();
    for (const Transaction& tx : block.txs) {
        const uint256 txid = tx.txid();
        if (!tx.is_coinbase()) {
            Args a;
            a.now = a.accept_time = now;
            a.bypass_limits = true;
            a.allow_orphan = false;
            a.track_fee = false;
            const AcceptResult r = try_accept(v, std::make_shared<const Transaction>(tx), a, added);
            if (r.accepted || find(txid)) continue;
        }
        // Not back in the pool (or a coinbase, gone for good): its spenders are orphans now.
        remove_spenders_of(tx, txid, Removal::REORG);
    }
    remove_for_reorg(v);
    trim_oversized_clusters();
    limit_size(now);
    std::erase_if(added, [&](const MempoolEntryInfo& i) { return !find(i.txid); });
}

void Mempool::Impl::remove_for_reorg(const Chainstate::View& v) {
    const BlockIndex* tip = v.tip();
    if (!tip) return;
    const int next_height = tip->height + 1;
    const int64_t mtp = tip->median_time_past();
    const IndexAncestorView chain_view(tip);
    EntrySet stage;
    for (const auto& [txid, owned] : by_txid) {
        Entry* e = owned.get();
        if (!e->spends_coinbase && !e->has_locks) continue;
        const Transaction& tx = *e->tx;
        bool bad = !is_final_tx(tx, next_height, mtp);
        std::vector<int> heights;
        for (size_t i = 0; i < tx.vin.size() && !bad; ++i) {
            if (find(tx.vin[i].prevout.txid)) {
                heights.push_back(next_height);
                continue;
            }
            const auto coin = v.coin(tx.vin[i].prevout);
            if (!coin || (coin->coinbase && next_height - coin->height < kCoinbaseMaturity)) {
                bad = true;
            } else {
                heights.push_back(coin->height);
            }
        }
        if (!bad && e->has_locks) {
            const SequenceLocks locks = calculate_sequence_locks(tx, true, heights, chain_view);
            bad = !sequence_locks_satisfied(locks, chain_view);
        }
        if (bad) collect_descendants(e, stage);
    }
    remove_entries(stage, Removal::REORG);
}

}  // namespace minicash
