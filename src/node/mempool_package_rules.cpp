// Topology rules: ancestor/descendant limits, TRUC (version 3), BIP125 replacement.
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

std::string short_id(const uint256& txid, const uint256& wtxid) {
    return txid.to_hex() + " (wtxid=" + wtxid.to_hex() + ")";
}

}  // namespace

// Core's SingleTRUCChecks. Returns an error and, when the only obstacle is an existing
// sibling that may be evicted, that sibling.
std::optional<std::pair<std::string, Entry*>> mempool_internal::truc_checks(const Transaction& tx, const uint256& txid,
                                                                            const uint256& wtxid,
                                                                            const EntrySet& ancestors,
                                                                            const std::set<uint256>& direct_conflicts,
                                                                            size_t vsize) {
    using namespace policy;
    for (const Entry* a : ancestors) {
        if (tx.version != kTrucVersion && a->tx->version == kTrucVersion)
            return std::make_pair("non-version=3 tx " + short_id(txid, wtxid) + " cannot spend from version=3 tx " +
                                      short_id(a->txid, a->wtxid),
                                  nullptr);
        if (tx.version == kTrucVersion && a->tx->version != kTrucVersion)
            return std::make_pair("version=3 tx " + short_id(txid, wtxid) + " cannot spend from non-version=3 tx " +
                                      short_id(a->txid, a->wtxid),
                                  nullptr);
    }
    if (tx.version != kTrucVersion) return std::nullopt;
    if (vsize > kTrucMaxVsize)
        return std::make_pair("version=3 tx " + short_id(txid, wtxid) + " is too big: " + std::to_string(vsize) +
                                  " > " + std::to_string(kTrucMaxVsize) + " virtual bytes",
                              nullptr);
    if (ancestors.size() + 1 > kTrucAncestorLimit)
        return std::make_pair("tx " + short_id(txid, wtxid) + " would have too many ancestors", nullptr);
    if (ancestors.empty()) return std::nullopt;
    if (vsize > kTrucChildMaxVsize)
        return std::make_pair("version=3 child tx " + short_id(txid, wtxid) + " is too big: " + std::to_string(vsize) +
                                  " > " + std::to_string(kTrucChildMaxVsize) + " virtual bytes",
                              nullptr);
    const Entry* parent = *ancestors.begin();
    const bool child_replaced = std::any_of(parent->children.begin(), parent->children.end(),
                                            [&](const Entry* c) { return direct_conflicts.count(c->txid) > 0; });
    if (parent->desc_count + 1 > kTrucDescendantLimit && !child_replaced) {
        // One existing child (without children of its own) may be evicted as a sibling.
        Entry* sibling = nullptr;
        if (parent->desc_count == 2 && parent->children.size() == 1 && (*parent->children.begin())->anc_count == 2)
            sibling = *parent->children.begin();
        return std::make_pair("tx " + short_id(parent->txid, parent->wtxid) + " would exceed descendant count limit",
                              sibling);
    }
    return std::nullopt;
}

// Core 31's GetEntriesForConflicts and PaysForRBF.
std::optional<Rejection> Mempool::Impl::check_replacement_fees(const uint256& txid, Amount modified_fee, size_t vsize,
                                                               const EntrySet& conflict_entries, bool sibling_eviction,
                                                               EntrySet& all_conflicts) const {
    const std::string suffix = sibling_eviction ? " (including sibling eviction)" : "";
    // Rule 5: at most 100 distinct clusters directly in conflict (each bounded in size).
    std::set<const Cluster*> clusters_hit;
    for (const Entry* c : conflict_entries) clusters_hit.insert(c->cluster);
    if (clusters_hit.size() > policy::kMaxReplacementCandidates)
        return Rejection{TxReject::MEMPOOL_POLICY, "too many potential replacements" + suffix,
                         "rejecting replacement " + txid.to_hex() + "; too many conflicting clusters (" +
                             std::to_string(clusters_hit.size()) + " > " +
                             std::to_string(policy::kMaxReplacementCandidates) + ")"};
    for (Entry* c : conflict_entries) collect_descendants(c, all_conflicts);
    // Rules 3 and 4: pays for what it evicts, plus its own relay at the incremental rate.
    Amount conflicting_fees = 0;
    for (const Entry* c : all_conflicts) conflicting_fees += c->modified_fee;
    if (modified_fee < conflicting_fees)
        return Rejection{TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                         "rejecting replacement " + txid.to_hex() + ", less fees than conflicting txs; " +
                             format_money(modified_fee) + " < " + format_money(conflicting_fees)};
    const Amount additional = modified_fee - conflicting_fees;
    const Amount needed = opts.incremental_relay_feerate.fee(vsize);
    if (additional < needed)
        return Rejection{TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                         "rejecting replacement " + txid.to_hex() + ", not enough additional fees to relay; " +
                             format_money(additional) + " < " + format_money(needed)};
    return std::nullopt;
}

// Core's CheckEphemeralSpends: a parent's dust output must be spent by the child that
// comes with it (in the same package, or the parent already in the pool).
std::optional<std::pair<size_t, Rejection>> Mempool::Impl::check_ephemeral_spends(
    const std::vector<std::shared_ptr<const Transaction>>& package) const {
    std::map<uint256, const Transaction*> in_package;
    for (const auto& tx : package) in_package.emplace(tx->txid(), tx.get());
    for (size_t i = 0; i < package.size(); ++i) {
        const Transaction& tx = *package[i];
        std::set<OutPoint> unspent_dust;
        std::set<uint256> parents_seen;
        for (const TxIn& in : tx.vin) {
            const uint256& p = in.prevout.txid;
            if (!parents_seen.insert(p).second) continue;
            const Transaction* parent = nullptr;
            if (auto it = in_package.find(p); it != in_package.end()) {
                parent = it->second;
            } else if (const Entry* e = find(p)) {
                parent = e->tx.get();
            }
            if (!parent) continue;
            for (uint32_t o : policy::dust_outputs(*parent, opts.dust_relay_feerate.sat_per_kvb))
                unspent_dust.insert(OutPoint{p, o});
        }
        if (unspent_dust.empty()) continue;
        for (const TxIn& in : tx.vin) unspent_dust.erase(in.prevout);
        if (!unspent_dust.empty())
            return std::make_pair(i, Rejection{TxReject::MEMPOOL_POLICY, "missing-ephemeral-spends",
                                               "tx " + tx.txid().to_hex() + " (wtxid=" + tx.wtxid().to_hex() +
                                                   ") did not spend parent's ephemeral dust"});
    }
    return std::nullopt;
}

}  // namespace minicash
