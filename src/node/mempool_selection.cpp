// Choosing transactions for a block template (by chunk feerate, as Core 31's BlockAssembler).
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

std::vector<std::shared_ptr<const Transaction>> Mempool::select_for_block(size_t max_weight, int64_t max_sigops_cost,
                                                                          Amount& fees, FeeRate min_fee_rate) const {
    std::lock_guard lock(impl_->mutex);
    fees = 0;
    // Core 31's BlockAssembler over the TxGraph's block builder: every chunk of every
    // cluster, best feerate first (chunks of one cluster stay in their order: their
    // feerates never increase, and equal ones are ordered by position). A chunk that does
    // not fit is skipped together with the rest of its cluster, which may depend on it.
    struct Candidate {
        cluster::FeeFrac feerate;
        const Cluster* c;
        uint32_t chunk;
    };
    std::vector<Candidate> chunks;
    chunks.reserve(impl_->by_txid.size());
    for (const auto& [id, c] : impl_->clusters)
        for (uint32_t k = 0; k < c->chunks.size(); ++k) chunks.push_back({c->chunks[k], c.get(), k});
    std::sort(chunks.begin(), chunks.end(), [](const Candidate& a, const Candidate& b) {
        const int r = cluster::compare_feerate(a.feerate, b.feerate);
        if (r != 0) return r > 0;
        if (a.c != b.c) return a.c->id < b.c->id;
        return a.chunk < b.chunk;
    });

    std::vector<std::shared_ptr<const Transaction>> out;
    std::unordered_set<const Cluster*> skipped;
    size_t weight_used = 0;
    int64_t sigops_used = 0;
    int failures = 0;
    for (const Candidate& cand : chunks) {
        if (skipped.count(cand.c)) continue;
        const size_t chunk_vsize = size_t((cand.feerate.size + 3) / 4);
        if (cand.feerate.fee < min_fee_rate.fee(chunk_vsize)) break;  // everything left pays less
        const uint32_t begin = cand.chunk == 0 ? 0 : cand.c->chunk_ends[cand.chunk - 1];
        const uint32_t end = cand.c->chunk_ends[cand.chunk];
        size_t weight = 0;
        int64_t sigops = 0;
        for (uint32_t pos = begin; pos < end; ++pos) {
            weight += cand.c->txs[pos]->weight;
            sigops += cand.c->txs[pos]->sigop_cost;
        }
        if (weight_used + weight > max_weight || sigops_used + sigops > max_sigops_cost) {
            skipped.insert(cand.c);
            if (++failures > 1000 && weight_used + 4000 > max_weight) break;
            continue;
        }
        failures = 0;
        for (uint32_t pos = begin; pos < end; ++pos) {
            const Entry* e = cand.c->txs[pos];
            out.push_back(e->tx);
            fees += e->fee;
        }
        weight_used += weight;
        sigops_used += sigops;
    }
    return out;
}

}  // namespace minicash
