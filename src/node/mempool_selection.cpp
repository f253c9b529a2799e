// Choosing transactions for a block template (by ancestor fee rate, as Core's BlockAssembler).
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

constexpr Amount kBlockMinFeeRate = 1;  // sat/kvB, Core 30's -blockmintxfee

}  // namespace

std::vector<std::shared_ptr<const Transaction>> Mempool::select_for_block(size_t max_weight, int64_t max_sigops_cost,
                                                                          Amount& fees) const {
    std::lock_guard lock(impl_->mutex);
    fees = 0;
    // Core's addPackageTxs: repeatedly take the best ancestor package (by the lower of the
    // transaction's own fee rate and its ancestors' with it), counting only ancestors not
    // yet in the block.
    struct Candidate {
        Entry* e;
        std::vector<Entry*> ancestors;  // not including e
        Amount fee;                     // modified fees of e and its ancestors not in the block
        size_t vsize, weight;
        int64_t sigops;
        uint64_t version = 0;
        bool in_block = false;
        bool failed = false;  // did not fit: skipped, but still unconfirmed for its descendants
    };
    std::vector<Candidate> cands;
    cands.reserve(impl_->by_txid.size());
    std::unordered_map<const Entry*, size_t> index;
    for (const auto& [txid, owned] : impl_->by_txid) {
        Entry* e = owned.get();
        EntrySet anc;
        Impl::collect_ancestors(e, anc);
        Candidate c{e, std::vector<Entry*>(anc.begin(), anc.end()), e->anc_fees, e->anc_size, e->weight, e->anc_sigops};
        for (const Entry* a : anc) c.weight += a->weight;
        index.emplace(e, cands.size());
        cands.push_back(std::move(c));
    }
    struct Key {
        double fee, size;
        const uint256* txid;
        size_t idx;
        uint64_t version;
    };
    auto key_of = [&](size_t i) {
        const Candidate& c = cands[i];
        const double own = double(c.e->modified_fee) * double(c.vsize);
        const double anc = double(c.fee) * double(c.e->vsize);
        Key k{double(c.e->modified_fee), double(c.e->vsize), &c.e->txid, i, c.version};
        if (own > anc) {
            k.fee = double(c.fee);
            k.size = double(c.vsize);
        }
        return k;
    };
    auto worse = [](const Key& a, const Key& b) {  // priority_queue: true when a ranks below b
        const double f1 = a.fee * b.size, f2 = a.size * b.fee;
        if (f1 == f2) return *b.txid < *a.txid;
        return f1 < f2;
    };
    std::priority_queue<Key, std::vector<Key>, decltype(worse)> queue(worse);
    for (size_t i = 0; i < cands.size(); ++i) queue.push(key_of(i));

    std::vector<std::shared_ptr<const Transaction>> out;
    size_t weight_used = 0;
    int64_t sigops_used = 0;
    int failures = 0;
    while (!queue.empty()) {
        const Key k = queue.top();
        queue.pop();
        Candidate& c = cands[k.idx];
        if (c.in_block || c.failed || k.version != c.version) continue;
        if (c.fee < FeeRate{kBlockMinFeeRate}.fee(c.vsize)) break;  // everything left pays less
        if (weight_used + c.weight > max_weight || sigops_used + c.sigops > max_sigops_cost) {
            c.failed = true;
            if (++failures > 1000 && weight_used + 4000 > max_weight) break;
            continue;
        }
        failures = 0;
        std::vector<Entry*> package;
        for (Entry* a : c.ancestors)
            if (!cands[index[a]].in_block) package.push_back(a);
        package.push_back(c.e);
        std::sort(package.begin(), package.end(), [](const Entry* a, const Entry* b) {
            return a->anc_count != b->anc_count ? a->anc_count < b->anc_count : a->sequence < b->sequence;
        });
        for (Entry* x : package) {
            cands[index[x]].in_block = true;
            out.push_back(x->tx);
            fees += x->fee;
            weight_used += x->weight;
            sigops_used += x->sigop_cost;
        }
        for (Entry* x : package) {
            EntrySet desc;
            Impl::collect_descendants(x, desc);
            for (Entry* d : desc) {
                Candidate& dc = cands[index[d]];
                if (dc.in_block) continue;
                dc.fee -= x->modified_fee;
                dc.vsize -= x->vsize;
                dc.weight -= x->weight;
                dc.sigops -= x->sigop_cost;
                ++dc.version;
                queue.push(key_of(index[d]));
            }
        }
    }
    return out;
}

}  // namespace minicash
