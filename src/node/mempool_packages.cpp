// Packages: Core's IsWellFormedPackage, AcceptPackage (submitpackage and 1p1c relay) and
// AcceptMultipleTransactions (testmempoolaccept, and the package step of AcceptPackage).
// A package is evaluated as a whole before anything is inserted: when a check fails,
// the pool is as it was (transactions accepted on their own before the package step stay,
// as in Core).
#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "node/mempool_internal.h"
#include "node/policy.h"

namespace minicash {

using namespace mempool_internal;

namespace {

std::string short_id(const Workspace& ws) { return ws.txid.to_hex() + " (wtxid=" + ws.wtxid.to_hex() + ")"; }

// Core's PackageTRUCChecks for the package-internal relations (the in-pool ones were
// checked by SingleTRUCChecks in pre_checks). Returns the error text.
std::optional<std::string> package_truc_checks(const std::vector<Workspace>& ws, size_t i) {
    using namespace policy;
    const Workspace& tx = ws[i];
    for (uint32_t p : tx.package_parents) {
        const Workspace& parent = ws[p];
        if (tx.ptx->version != kTrucVersion && parent.ptx->version == kTrucVersion)
            return "non-version=3 tx " + short_id(tx) + " cannot spend from version=3 tx " + short_id(parent);
        if (tx.ptx->version == kTrucVersion && parent.ptx->version != kTrucVersion)
            return "version=3 tx " + short_id(tx) + " cannot spend from non-version=3 tx " + short_id(parent);
    }
    if (tx.ptx->version != kTrucVersion) return std::nullopt;
    const size_t parents = tx.parents.size() + tx.package_parents.size();
    if (parents + 1 > kTrucAncestorLimit) return "tx " + short_id(tx) + " would have too many ancestors";
    if (tx.package_parents.empty()) return std::nullopt;
    const Workspace& parent = ws[tx.package_parents[0]];
    // A TRUC parent in the package may itself have no unconfirmed parent.
    if (!parent.parents.empty() || !parent.package_parents.empty())
        return "tx " + short_id(tx) + " would have too many ancestors";
    if (tx.vsize > kTrucChildMaxVsize)
        return "version=3 child tx " + short_id(tx) + " is too big: " + std::to_string(tx.vsize) + " > " +
               std::to_string(kTrucChildMaxVsize) + " virtual bytes";
    // The parent may have only this child in the package.
    for (size_t j = 0; j < ws.size(); ++j) {
        if (j == i) continue;
        const auto& pp = ws[j].package_parents;
        if (std::find(pp.begin(), pp.end(), tx.package_parents[0]) != pp.end())
            return "tx " + short_id(parent) + " would exceed descendant count limit";
    }
    return std::nullopt;
}

AcceptResult success_of(const Workspace& ws, FeeRate effective, std::vector<uint256> includes) {
    AcceptResult r;
    r.accepted = true;
    r.txid = ws.txid;
    r.wtxid = ws.wtxid;
    r.fee = ws.fee;
    r.vsize = ws.vsize;
    r.effective_feerate = effective;
    r.effective_includes = std::move(includes);
    return r;
}

AcceptResult failure_of(const Workspace& ws, Rejection why) {
    AcceptResult r;
    r.txid = ws.txid;
    r.wtxid = ws.wtxid;
    r.fee = ws.fee;
    r.vsize = ws.vsize;
    if (why.kind == TxReject::MISSING_INPUTS) r.missing_inputs = ws.missing;
    return rejected(std::move(r), std::move(why));
}

}  // namespace

std::string mempool_internal::package_shape_error(const std::vector<std::shared_ptr<const Transaction>>& txs) {
    if (txs.size() > policy::kMaxPackageCount) return "package-too-many-transactions";
    size_t weight = 0;
    for (const auto& tx : txs) weight += tx->weight();
    if (txs.size() > 1 && weight > policy::kMaxPackageWeight) return "package-too-large";
    std::unordered_set<uint256, Uint256Hasher> later;
    for (const auto& tx : txs) later.insert(tx->txid());
    if (later.size() != txs.size()) return "package-contains-duplicates";
    for (const auto& tx : txs) {
        for (const TxIn& in : tx->vin)
            if (later.count(in.prevout.txid)) return "package-not-sorted";
        later.erase(tx->txid());
    }
    std::set<OutPoint> seen;
    for (const auto& tx : txs) {
        if (tx->vin.empty()) return "package-empty-tx";
        for (const TxIn& in : tx->vin)
            if (seen.count(in.prevout)) return "conflict-in-package";
        for (const TxIn& in : tx->vin) seen.insert(in.prevout);
    }
    return "";
}

bool mempool_internal::is_child_with_parents(const std::vector<std::shared_ptr<const Transaction>>& txs) {
    if (txs.size() < 2) return false;
    std::set<uint256> spent;
    for (const TxIn& in : txs.back()->vin) spent.insert(in.prevout.txid);
    return std::all_of(txs.begin(), txs.end() - 1, [&](const auto& p) { return spent.count(p->txid()) > 0; });
}

std::string Mempool::Impl::accept_together(const Chainstate::View& v,
                                           const std::vector<std::shared_ptr<const Transaction>>& txs, const Args& args,
                                           std::map<uint256, AcceptResult>& results, bool& policy_error,
                                           std::vector<MempoolEntryInfo>& added) {
    policy_error = false;
    std::vector<Workspace> ws(txs.size());
    PackageView view;
    for (size_t i = 0; i < txs.size(); ++i) {
        ws[i].ptx = txs[i];
        if (auto why = pre_checks(v, ws[i], args, &view)) {
            results[ws[i].wtxid] = failure_of(ws[i], std::move(*why));
            return "transaction failed";
        }
        if (args.client_max_feerate > 0 && policy::rate_of(ws[i].modified_fee, ws[i].vsize) > args.client_max_feerate) {
            results[ws[i].wtxid] = failure_of(ws[i], Rejection{TxReject::MEMPOOL_POLICY, "max feerate exceeded", ""});
            return "transaction failed";
        }
        view.index.emplace(ws[i].txid, uint32_t(i));
        view.members.push_back(&ws[i]);
    }
    if (!args.bypass_limits) {
        for (size_t i = 0; i < ws.size(); ++i) {
            if (auto err = package_truc_checks(ws, i)) {
                policy_error = true;
                return "TRUC-violation, " + *err;
            }
        }
    }

    Amount package_fee = 0;
    size_t package_vsize = 0;
    std::vector<uint256> all_wtxids;
    for (const Workspace& w : ws) {
        package_fee += w.modified_fee;
        package_vsize += w.vsize;
        all_wtxids.push_back(w.wtxid);
    }
    const FeeRate package_rate{policy::rate_of(package_fee, package_vsize)};
    if (args.package_feerates && !args.bypass_limits) {
        std::optional<Rejection> low;
        const Amount pool_reject = FeeRate{min_fee(args.now)}.fee(package_vsize);
        const Amount relay = opts.min_relay_feerate.fee(package_vsize);
        if (pool_reject > 0 && package_fee < pool_reject) {
            low = Rejection{TxReject::RECONSIDERABLE, "mempool min fee not met",
                            std::to_string(package_fee) + " < " + std::to_string(pool_reject)};
        } else if (package_fee < relay) {
            low = Rejection{TxReject::RECONSIDERABLE, "min relay fee not met",
                            std::to_string(package_fee) + " < " + std::to_string(relay)};
        }
        if (low) {
            AcceptResult r = failure_of(ws.back(), std::move(*low));
            r.effective_feerate = package_rate;
            r.effective_includes = all_wtxids;
            results[ws.back().wtxid] = std::move(r);
            return "transaction failed";
        }
    }

    Proposal proposal;
    for (const Workspace& w : ws)
        proposal.adds.push_back({{w.modified_fee, w.adjusted_weight}, w.parents, w.package_parents});
    EntrySet direct_conflicts, all_conflicts;
    for (const Workspace& w : ws) direct_conflicts.insert(w.conflict_entries.begin(), w.conflict_entries.end());
    if (!direct_conflicts.empty()) {
        // ---- Package RBF (Core's PackageMempoolChecks) ----
        policy_error = true;
        if (ws.size() != 2 || !is_child_with_parents(txs))
            return "package RBF failed: package must be 1-parent-1-child";
        for (const Workspace& w : ws)
            if (!w.parents.empty()) return "package RBF failed: new transaction cannot have mempool ancestors";
        const Workspace& parent = ws[0];
        const Workspace& child = ws[1];
        std::set<const Cluster*> clusters_hit;
        for (const Entry* c : direct_conflicts) clusters_hit.insert(c->cluster);
        if (clusters_hit.size() > policy::kMaxReplacementCandidates)
            return "package RBF failed: too many potential replacements, rejecting replacement " + child.txid.to_hex() +
                   "; too many conflicting clusters (" + std::to_string(clusters_hit.size()) + " > " +
                   std::to_string(policy::kMaxReplacementCandidates) + ")";
        for (Entry* c : direct_conflicts) collect_descendants(c, all_conflicts);
        Amount conflicting_fees = 0;
        for (const Entry* c : all_conflicts) conflicting_fees += c->modified_fee;
        if (package_fee < conflicting_fees)
            return "package RBF failed: insufficient anti-DoS fees, rejecting replacement " + child.txid.to_hex() +
                   ", less fees than conflicting txs; " + format_money(package_fee) + " < " +
                   format_money(conflicting_fees);
        const Amount needed = opts.incremental_relay_feerate.fee(package_vsize);
        if (package_fee - conflicting_fees < needed)
            return "package RBF failed: insufficient anti-DoS fees, rejecting replacement " + child.txid.to_hex() +
                   ", not enough additional fees to relay; " + format_money(package_fee - conflicting_fees) + " < " +
                   format_money(needed);
        const Amount parent_rate = policy::rate_of(parent.modified_fee, parent.vsize);
        if (package_rate.sat_per_kvb <= parent_rate)
            return "package RBF failed: package feerate is less than or equal to parent feerate, package feerate " +
                   policy::format_feerate(package_rate.sat_per_kvb) + " <= parent feerate is " +
                   policy::format_feerate(parent_rate);
        proposal.removals = all_conflicts;
        const ProposalEffect effect = evaluate(proposal, true);
        if (!effect.within_limits) return "too-large-cluster";
        if (cluster::compare_diagrams(effect.new_chunks, effect.old_chunks) != cluster::DiagramOrder::BETTER)
            return "package RBF failed: insufficient feerate: does not improve feerate diagram";
        policy_error = false;
    } else if (!args.bypass_limits && !evaluate(proposal, false).within_limits) {
        policy_error = true;
        return "too-large-cluster";
    }

    if (opts.require_standard) {
        if (auto bad = check_ephemeral_spends(txs)) {
            results[ws[bad->first].wtxid] = failure_of(ws[bad->first], std::move(bad->second));
            return "unspent-dust";
        }
    }

    for (const Workspace& w : ws) {
        if (auto why = script_checks(v, w)) {
            results[w.wtxid] = failure_of(w, std::move(*why));
            return "transaction failed";
        }
    }

    std::vector<uint256> replaced;
    for (const Entry* c : all_conflicts) replaced.push_back(c->txid);
    for (const Workspace& w : ws) {
        AcceptResult r = args.package_feerates
                             ? success_of(w, package_rate, all_wtxids)
                             : success_of(w, FeeRate{policy::rate_of(w.modified_fee, w.vsize)}, {w.wtxid});
        r.replaced = replaced;
        results[w.wtxid] = std::move(r);
    }
    if (args.test_only) return "";

    remove_entries(all_conflicts, Removal::REPLACED);
    for (const Workspace& w : ws) insert(w, args, v);
    for (const Workspace& w : ws) {
        const Entry* entry = find(w.txid);
        record_event(*entry, std::nullopt);
        added.push_back(info_of(entry));
    }
    return "";
}

PackageResult Mempool::Impl::accept_package(const Chainstate::View& v,
                                            const std::vector<std::shared_ptr<const Transaction>>& txs,
                                            const Args& args, std::vector<MempoolEntryInfo>& added) {
    PackageResult out;
    if (std::string shape = package_shape_error(txs); !shape.empty()) {
        out.package_msg = shape;
        out.policy_error = true;
        return out;
    }
    if (txs.size() > 1 && !is_child_with_parents(txs)) {
        out.package_msg = "package-not-child-with-parents";
        out.policy_error = true;
        return out;
    }

    std::map<uint256, AcceptResult> final_results, individual;
    bool quit_early = false;
    std::vector<std::shared_ptr<const Transaction>> package_eval;
    Args single = args;
    single.package_feerates = false;
    single.package_submission = true;
    single.allow_orphan = false;
    for (const auto& ptx : txs) {
        const uint256 txid = ptx->txid(), wtxid = ptx->wtxid();
        if (auto it = by_wtxid.find(wtxid); it != by_wtxid.end()) {
            AcceptResult r;
            r.txid = txid;
            r.wtxid = wtxid;
            r.already_known = true;
            r.fee = it->second->fee;
            r.vsize = it->second->vsize;
            final_results[wtxid] = r;
        } else if (const Entry* same = find(txid)) {
            AcceptResult r;
            r.txid = txid;
            r.wtxid = wtxid;
            r.already_known = true;
            r.other_wtxid = same->wtxid;
            final_results[wtxid] = r;
        } else {
            const AcceptResult r = try_accept(v, ptx, single, added);
            if (r.accepted) {
                final_results[wtxid] = r;
            } else if (txs.size() == 1 ||
                       (r.reject != TxReject::RECONSIDERABLE && r.reject != TxReject::MISSING_INPUTS)) {
                quit_early = true;
                out.package_msg = "transaction failed";
                individual[wtxid] = r;
            } else {
                individual[wtxid] = r;
                package_eval.push_back(ptx);
            }
        }
    }

    std::map<uint256, AcceptResult> together;
    if (!quit_early && !package_eval.empty()) {
        Args pkg = args;
        pkg.package_feerates = true;
        pkg.package_submission = true;
        pkg.allow_sibling_eviction = false;
        pkg.allow_orphan = false;
        bool policy_error = false;
        out.package_msg = accept_together(v, package_eval, pkg, together, policy_error, added);
        out.policy_error = policy_error;
    }

    limit_size(args.now);
    std::erase_if(added, [&](const MempoolEntryInfo& i) { return !find(i.txid); });
    for (const auto& ptx : txs) {
        const uint256 wtxid = ptx->wtxid();
        AcceptResult full;
        full.txid = ptx->txid();
        full.wtxid = wtxid;
        full.reject = TxReject::MEMPOOL_POLICY;
        full.state.invalid("mempool full", "", ValidationResult::INPUTS);
        if (auto it = together.find(wtxid); it != together.end()) {
            if (it->second.accepted && !by_wtxid.count(wtxid)) {
                out.package_msg = "transaction failed";
                out.results[wtxid] = full;
            } else {
                out.results[wtxid] = it->second;
            }
        } else if (auto f = final_results.find(wtxid); f != final_results.end()) {
            if (!find(ptx->txid())) {
                out.package_msg = "transaction failed";
                out.results[wtxid] = full;
            } else {
                out.results[wtxid] = f->second;
            }
        } else if (auto ind = individual.find(wtxid); ind != individual.end()) {
            out.results[wtxid] = ind->second;
        }
    }
    return out;
}

}  // namespace minicash
