// Orphans: transactions whose parents are missing, kept until the parents arrive.
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

void Mempool::Impl::erase_orphan(const uint256& wtxid) {
    auto it = orphans.find(wtxid);
    if (it == orphans.end()) return;
    for (const TxIn& in : it->second.tx->vin) {
        auto range = orphan_spends.equal_range(in.prevout);
        for (auto s = range.first; s != range.second;) {
            if (s->second == wtxid) {
                s = orphan_spends.erase(s);
            } else {
                ++s;
            }
        }
    }
    orphan_weight -= it->second.weight;
    orphans.erase(it);
}

void Mempool::Impl::add_orphan(const std::shared_ptr<const Transaction>& tx, const uint256& txid, const uint256& wtxid,
                               int64_t now) {
    // Expired ones go first.
    std::vector<uint256> expired;
    for (const auto& [w, o] : orphans)
        if (o.expires <= now) expired.push_back(w);
    for (const uint256& w : expired) erase_orphan(w);
    const size_t weight = tx->weight();
    if (weight > policy::kMaxStandardTxWeight || orphans.count(wtxid) || opts.max_orphans == 0) return;
    Orphan o{tx, txid, now + opts.orphan_expiry_seconds, weight, ++orphan_sequence};
    orphans.emplace(wtxid, o);
    for (const TxIn& in : tx->vin) orphan_spends.emplace(in.prevout, wtxid);
    orphan_weight += weight;
    while (orphans.size() > opts.max_orphans || orphan_weight > opts.max_orphan_weight) {
        auto oldest = std::min_element(orphans.begin(), orphans.end(), [](const auto& a, const auto& b) {
            return a.second.sequence < b.second.sequence;
        });
        erase_orphan(oldest->first);
    }
}

std::vector<uint256> Mempool::Impl::orphans_spending(const uint256& txid, size_t outputs) const {
    std::vector<std::pair<uint64_t, uint256>> found;
    auto lo = orphan_spends.lower_bound(OutPoint{txid, 0});
    for (auto it = lo; it != orphan_spends.end() && it->first.txid == txid; ++it) {
        if (it->first.index >= outputs) break;
        auto o = orphans.find(it->second);
        if (o != orphans.end()) found.emplace_back(o->second.sequence, it->second);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    std::vector<uint256> out;
    for (const auto& f : found) out.push_back(f.second);
    return out;
}

AcceptResult Mempool::Impl::accept_with_orphans(const Chainstate::View& v,
                                                const std::shared_ptr<const Transaction>& ptx, const Args& args,
                                                std::vector<MempoolEntryInfo>& added) {
    AcceptResult r = try_accept(v, ptx, args, added);
    if (args.test_only || args.tentative) return r;
    if (r.reject == TxReject::MISSING_INPUTS && args.allow_orphan) add_orphan(ptx, r.txid, r.wtxid, args.now);
    if (r.accepted) {
        erase_orphan(r.wtxid);
        process_orphans(v, {r.txid}, added);
    }
    return r;
}

void Mempool::Impl::process_orphans(const Chainstate::View& v, std::deque<uint256> parents,
                                    std::vector<MempoolEntryInfo>& added) {
    // Parents are txids whose outputs may now be available (accepted, or confirmed).
    const int64_t now = v.now();
    while (!parents.empty()) {
        const uint256 parent = parents.front();
        parents.pop_front();
        for (const uint256& wtxid : orphans_spending(parent, SIZE_MAX)) {
            auto it = orphans.find(wtxid);
            if (it == orphans.end()) continue;
            const std::shared_ptr<const Transaction> tx = it->second.tx;
            Args a;
            a.now = a.accept_time = now;
            a.allow_orphan = false;
            const AcceptResult r = try_accept(v, tx, a, added);
            if (r.reject == TxReject::MISSING_INPUTS) continue;  // still waiting for another parent
            erase_orphan(wtxid);
            if (r.accepted) parents.push_back(r.txid);
        }
    }
}

}  // namespace minicash
