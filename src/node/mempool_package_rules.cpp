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

std::optional<EntrySet> Mempool::Impl::ancestors_within(const EntrySet& parents, size_t vsize, const Limits& limits,
                                                        std::string& error) {
    if (parents.size() + 1 > limits.ancestor_count) {
        error = "too many unconfirmed parents [limit: " + std::to_string(limits.ancestor_count) + "]";
        return std::nullopt;
    }
    EntrySet staged = parents, ancestors;
    size_t total_size = vsize;
    while (!staged.empty()) {
        Entry* a = *staged.begin();
        staged.erase(staged.begin());
        ancestors.insert(a);
        total_size += a->vsize;
        if (a->desc_size + vsize > limits.descendant_size) {
            error = "exceeds descendant size limit for tx " + a->txid.to_hex() +
                    " [limit: " + std::to_string(limits.descendant_size) + "]";
            return std::nullopt;
        }
        if (a->desc_count + 1 > limits.descendant_count) {
            error = "too many descendants for tx " + a->txid.to_hex() +
                    " [limit: " + std::to_string(limits.descendant_count) + "]";
            return std::nullopt;
        }
        if (total_size > limits.ancestor_size) {
            error = "exceeds ancestor size limit [limit: " + std::to_string(limits.ancestor_size) + "]";
            return std::nullopt;
        }
        for (Entry* p : a->parents) {
            if (!ancestors.count(p)) staged.insert(p);
            if (staged.size() + ancestors.size() + 1 > limits.ancestor_count) {
                error = "too many unconfirmed ancestors [limit: " + std::to_string(limits.ancestor_count) + "]";
                return std::nullopt;
            }
        }
    }
    return ancestors;
}

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

// BIP125 rules 2-6 for a transaction that conflicts with `conflict_entries` (Core's
// ReplacementChecks; every transaction is replaceable). Fills `all_conflicts` with what
// it would evict (the conflicts and their descendants).
std::optional<Rejection> Mempool::Impl::check_replacement(const Transaction& tx, const uint256& txid,
                                                          Amount modified_fee, size_t vsize,
                                                          const EntrySet& conflict_entries, bool sibling_eviction,
                                                          EntrySet& all_conflicts) const {
    if (!conflict_entries.empty()) {
        const std::string suffix = sibling_eviction ? " (including sibling eviction)" : "";
        const Amount new_rate = policy::rate_of(modified_fee, vsize);
        // Rule 6: a higher fee rate than every transaction directly replaced.
        for (const Entry* c : conflict_entries) {
            const Amount old_rate = policy::rate_of(c->modified_fee, c->vsize);
            if (new_rate <= old_rate)
                return Rejection{TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                                 "rejecting replacement " + txid.to_hex() + "; new feerate " +
                                     policy::format_feerate(new_rate) + " <= old feerate " +
                                     policy::format_feerate(old_rate)};
        }
        // Rule 5: not too many transactions evicted (descendants counted per conflict).
        uint64_t count = 0;
        for (const Entry* c : conflict_entries) {
            count += c->desc_count;
            if (count > policy::kMaxReplacementCandidates)
                return Rejection{TxReject::MEMPOOL_POLICY, "too many potential replacements" + suffix,
                                 "rejecting replacement " + txid.to_hex() + "; too many potential replacements (" +
                                     std::to_string(count) + " > " + std::to_string(policy::kMaxReplacementCandidates) +
                                     ")\n"};
        }
        for (Entry* c : conflict_entries) collect_descendants(c, all_conflicts);
        // Rule 2: no new unconfirmed inputs.
        std::set<uint256> parents_of_conflicts;
        for (const Entry* c : conflict_entries)
            for (const TxIn& i : c->tx->vin) parents_of_conflicts.insert(i.prevout.txid);
        for (size_t j = 0; j < tx.vin.size(); ++j) {
            const uint256& p = tx.vin[j].prevout.txid;
            if (!parents_of_conflicts.count(p) && find(p))
                return Rejection{TxReject::MEMPOOL_POLICY, "replacement-adds-unconfirmed" + suffix,
                                 "replacement " + txid.to_hex() + " adds unconfirmed input, idx " + std::to_string(j)};
        }
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
    }
    return std::nullopt;
}

}  // namespace minicash
