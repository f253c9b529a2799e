// Rolling minimum fee, expiry and trimming to -maxmempool (Core's GetMinFee, Expire, TrimToSize).
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

namespace {

constexpr int64_t kRollingFeeHalflife = 12 * 60 * 60;  // ROLLING_FEE_HALFLIFE

}  // namespace

Amount Mempool::Impl::min_fee(int64_t now) const {
    if (!block_since_bump || rolling_min == 0) return Amount(std::llround(rolling_min));
    if (now > last_rolling_update + 10) {
        double halflife = double(kRollingFeeHalflife);
        if (total_usage < opts.max_bytes / 4) {
            halflife /= 4;
        } else if (total_usage < opts.max_bytes / 2) {
            halflife /= 2;
        }
        rolling_min = rolling_min / std::pow(2.0, double(now - last_rolling_update) / halflife);
        last_rolling_update = now;
        if (rolling_min < double(opts.incremental_relay_feerate.sat_per_kvb) / 2) {
            rolling_min = 0;
            return 0;
        }
    }
    return std::max(Amount(std::llround(rolling_min)), opts.incremental_relay_feerate.sat_per_kvb);
}

void Mempool::Impl::expire(int64_t cutoff) {
    EntrySet stage;
    for (auto it = by_time.begin(); it != by_time.end() && it->first < cutoff; ++it)
        collect_descendants(it->second, stage);
    remove_entries(stage, Removal::EXPIRY);
}

void Mempool::Impl::trim(size_t limit) {
    // Core 31's TrimToSize: the chunk with the lowest feerate goes first (always the last
    // chunk of some cluster, so it takes no transaction's parent without the child).
    while (!by_txid.empty() && total_usage > limit) {
        Cluster* worst = *worst_chunks.begin();
        const cluster::FeeFrac chunk = worst->chunks.back();
        // New entries must beat what was removed, by the incremental relay fee.
        const size_t chunk_vsize = size_t((chunk.size + 3) / 4);
        const Amount removed_rate =
            policy::rate_of(chunk.fee, chunk_vsize) + opts.incremental_relay_feerate.sat_per_kvb;
        if (double(removed_rate) > rolling_min) {
            rolling_min = double(removed_rate);
            block_since_bump = false;
        }
        const uint32_t begin = worst->chunks.size() >= 2 ? worst->chunk_ends[worst->chunks.size() - 2] : 0;
        EntrySet stage(worst->txs.begin() + begin, worst->txs.end());
        remove_entries(stage, Removal::SIZELIMIT);
    }
}

void Mempool::Impl::trim_oversized_clusters() {
    std::vector<Cluster*> oversized;
    for (const auto& [id, c] : clusters)
        if (c->txs.size() > opts.cluster_count || c->total.size > cluster_weight_limit()) oversized.push_back(c.get());
    for (Cluster* c : oversized) {
        // The longest prefix of the linearization within both limits stays; the rest (a
        // suffix of a topological order, so it takes every descendant with it) goes.
        size_t keep = 0;
        int64_t weight = 0;
        while (keep < c->txs.size() && keep < opts.cluster_count &&
               weight + c->txs[keep]->adjusted_weight <= cluster_weight_limit())
            weight += c->txs[keep++]->adjusted_weight;
        EntrySet stage(c->txs.begin() + long(keep), c->txs.end());
        remove_entries(stage, Removal::SIZELIMIT);
    }
}

void Mempool::Impl::limit_size(int64_t now) {
    expire(now - opts.expiry_seconds);
    trim(opts.max_bytes);
}

}  // namespace minicash
