// Acceptance policy: Core's MemPoolAccept (PreChecks, fee floors, script checks, finalize).
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

// Runs input `i`'s scripts with `flags` (signatures found valid go into the cache).
bool verify_input(const Transaction& tx, unsigned i, const std::vector<TxOut>& spent, const PrecomputedTxData& txdata,
                  ScriptFlags flags, SignatureCache& cache, ScriptError& error) {
    CachingTransactionSignatureChecker checker(tx, i, spent[i].value, &txdata, cache, /*store=*/true);
    error = ScriptError::OK;
    return verify_script(tx.vin[i].script_sig, spent[i].script_pubkey, &tx.vin[i].witness, flags, checker, &error);
}

Rejection no(TxReject kind, std::string reason, std::string debug = {}) {
    return Rejection{kind, std::move(reason), std::move(debug)};
}

}  // namespace

AcceptResult mempool_internal::rejected(AcceptResult r, Rejection why) {
    ValidationResult result = ValidationResult::INPUTS;
    if (why.kind == TxReject::CONSENSUS) result = ValidationResult::CONSENSUS;
    if (why.kind == TxReject::WITNESS_MUTATED || why.kind == TxReject::WITNESS_STRIPPED)
        result = ValidationResult::MUTATED;
    r.accepted = false;
    r.reject = why.kind;
    r.state.invalid(std::move(why.reason), std::move(why.debug), result);
    return r;
}

std::optional<Rejection> Mempool::Impl::pre_checks(const Chainstate::View& v, Workspace& ws, const Args& args,
                                                   const PackageView* package) const {
    const Transaction& tx = *ws.ptx;
    ws.txid = tx.txid();
    ws.wtxid = tx.wtxid();
    const uint256& txid = ws.txid;
    const BlockIndex* tip = v.tip();
    if (!tip) return no(TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    const int next_height = tip->height + 1;

    {
        ValidationState s;
        if (!check_transaction(tx, s)) return no(TxReject::CONSENSUS, s.reason(), s.debug());
    }
    if (tx.is_coinbase()) return no(TxReject::CONSENSUS, "coinbase");
    if (opts.require_standard) {
        policy::StandardOptions so;
        so.dust_relay_sat_per_kvb = opts.dust_relay_feerate.sat_per_kvb;
        so.permit_bare_multisig = opts.permit_bare_multisig;
        so.max_datacarrier_bytes = opts.max_datacarrier_bytes;
        std::string reason;
        if (!policy::is_standard_tx(tx, so, reason)) return no(TxReject::NOT_STANDARD, reason);
    }
    // Smaller transactions could pass for inner merkle nodes (CVE-2017-12842).
    if (tx.stripped_size() < policy::kMinStandardTxNonWitnessSize) return no(TxReject::NOT_STANDARD, "tx-size-small");
    if (!is_final_tx(tx, next_height, tip->median_time_past())) return no(TxReject::PREMATURE_SPEND, "non-final");
    if (by_wtxid.count(ws.wtxid)) return no(TxReject::CONFLICT, "txn-already-in-mempool");
    if (by_txid.count(txid)) return no(TxReject::CONFLICT, "txn-same-nonwitness-data-in-mempool");

    // Direct conflicts: in-pool spenders of the same outpoints.
    for (const TxIn& in : tx.vin) {
        auto it = spenders.find(in.prevout);
        if (it == spenders.end()) continue;
        if (!args.allow_replacement) return no(TxReject::MEMPOOL_POLICY, "bip125-replacement-disallowed");
        ws.conflicts.insert(it->second->txid);
        ws.conflict_entries.insert(it->second);
    }

    // Inputs: in-pool and in-package outputs count as coins of the next block.
    ws.coins.clear();
    ws.coins.reserve(tx.vin.size());
    for (const TxIn& input : tx.vin) {
        const Workspace* earlier = nullptr;
        uint32_t earlier_index = 0;
        if (package) {
            auto it = package->index.find(input.prevout.txid);
            if (it != package->index.end()) {
                earlier = package->members[it->second];
                earlier_index = it->second;
            }
        }
        if (Entry* p = find(input.prevout.txid)) {
            if (input.prevout.index < p->tx->vout.size()) {
                ws.coins.push_back(Coin{p->tx->vout[input.prevout.index], next_height, false});
                ws.parents.insert(p);
                continue;
            }
        } else if (earlier) {
            if (input.prevout.index < earlier->ptx->vout.size()) {
                ws.coins.push_back(Coin{earlier->ptx->vout[input.prevout.index], next_height, false});
                if (std::find(ws.package_parents.begin(), ws.package_parents.end(), earlier_index) ==
                    ws.package_parents.end())
                    ws.package_parents.push_back(earlier_index);
                continue;
            }
        } else if (auto c = v.coin(input.prevout)) {
            ws.spends_coinbase = ws.spends_coinbase || c->coinbase;
            ws.coins.push_back(std::move(*c));
            continue;
        }
        if (std::find(ws.missing.begin(), ws.missing.end(), input.prevout.txid) == ws.missing.end())
            ws.missing.push_back(input.prevout.txid);
        ws.coins.emplace_back();
    }
    if (!ws.missing.empty()) {
        // Inputs missing because this transaction is already confirmed?
        for (uint32_t o = 0; o < tx.vout.size(); ++o)
            if (v.coin(OutPoint{txid, o})) return no(TxReject::CONFLICT, "txn-already-known");
        return no(TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    }

    // BIP68 against the next block (always enforced by policy).
    const IndexAncestorView chain_view(tip);
    const bool relative_locks = uint32_t(tx.version) >= 2 &&
                                std::any_of(tx.vin.begin(), tx.vin.end(),
                                            [](const TxIn& i) { return !(i.sequence & TxIn::kSequenceDisableFlag); });
    if (relative_locks) {
        std::vector<int> heights;
        heights.reserve(ws.coins.size());
        for (const Coin& c : ws.coins) heights.push_back(c.height);
        const SequenceLocks locks = calculate_sequence_locks(tx, true, heights, chain_view);
        if (!sequence_locks_satisfied(locks, chain_view)) return no(TxReject::PREMATURE_SPEND, "non-BIP68-final");
    }
    const bool absolute_lock = tx.locktime != 0 && !std::all_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& i) {
                                   return i.sequence == TxIn::kSequenceFinal;
                               });
    ws.has_locks = absolute_lock || relative_locks;

    {
        ValidationState s;
        if (!check_tx_inputs(tx, ws.coins, next_height, ws.fee, s)) {
            const TxReject kind =
                s.reason() == "bad-txns-premature-spend-of-coinbase" ? TxReject::PREMATURE_SPEND : TxReject::CONSENSUS;
            return no(kind, s.reason(), s.debug());
        }
    }
    std::vector<TxOut> spent;
    spent.reserve(ws.coins.size());
    for (const Coin& c : ws.coins) spent.push_back(c.out);
    if (opts.require_standard && !policy::are_inputs_standard(tx, spent))
        return no(TxReject::INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs");
    if (tx.has_witness() && opts.require_standard && !policy::is_witness_standard(tx, spent))
        return no(TxReject::WITNESS_MUTATED, "bad-witness-nonstandard");

    ws.sigop_cost = transaction_sigop_cost(tx, ws.coins, kStandardScriptFlags);
    ws.vsize = policy::virtual_size(tx.weight(), ws.sigop_cost, opts.bytes_per_sigop);
    ws.adjusted_weight = std::max<int64_t>(int64_t(tx.weight()), ws.sigop_cost * int64_t(opts.bytes_per_sigop));
    auto delta = deltas.find(txid);
    ws.modified_fee = ws.fee + (delta == deltas.end() ? 0 : delta->second);

    // Ephemeral dust (Core's PreCheckEphemeralTx): a transaction with a dust output pays nothing.
    if (opts.require_standard && (ws.fee != 0 || ws.modified_fee != 0) &&
        !policy::dust_outputs(tx, opts.dust_relay_feerate.sat_per_kvb).empty())
        return no(TxReject::NOT_STANDARD, "dust", "tx with dust output must be 0-fee");

    if (ws.sigop_cost > policy::kMaxStandardTxSigopsCost)
        return no(TxReject::NOT_STANDARD, "bad-txns-too-many-sigops", std::to_string(ws.sigop_cost));

    // Fee floors: the pool's rolling minimum, then the minimum relay fee (Core's
    // CheckFeeRate). In a package the package feerate is checked instead; transactions
    // returning from a disconnected block are exempt.
    if (!args.bypass_limits && !args.package_feerates) {
        const Amount pool_reject = FeeRate{min_fee(args.now)}.fee(ws.vsize);
        if (pool_reject > 0 && ws.modified_fee < pool_reject)
            return no(TxReject::RECONSIDERABLE, "mempool min fee not met",
                      std::to_string(ws.modified_fee) + " < " + std::to_string(pool_reject));
        const Amount relay = opts.min_relay_feerate.fee(ws.vsize);
        if (ws.modified_fee < relay)
            return no(TxReject::RECONSIDERABLE, "min relay fee not met",
                      std::to_string(ws.modified_fee) + " < " + std::to_string(relay));
    }

    if (!args.bypass_limits) {
        EntrySet ancestors;
        for (Entry* p : ws.parents) {
            ancestors.insert(p);
            collect_ancestors(p, ancestors);
        }
        if (auto err = truc_checks(tx, txid, ws.wtxid, ancestors, ws.conflicts, ws.vsize)) {
            if (args.allow_sibling_eviction && err->second) {
                ws.conflicts.insert(err->second->txid);
                ws.conflict_entries.insert(err->second);
                ws.sibling_eviction = true;
            } else {
                return no(TxReject::MEMPOOL_POLICY, "TRUC-violation", err->first);
            }
        }
    }
    return std::nullopt;
}

std::optional<Rejection> Mempool::Impl::script_checks(const Chainstate::View& v, const Workspace& ws) const {
    const Transaction& tx = *ws.ptx;
    std::vector<TxOut> spent;
    spent.reserve(ws.coins.size());
    for (const Coin& c : ws.coins) spent.push_back(c.out);
    const PrecomputedTxData txdata(tx, spent);
    SignatureCache& cache = v.signature_cache();
    for (unsigned i = 0; i < tx.vin.size(); ++i) {
        ScriptError err;
        if (verify_input(tx, i, spent, txdata, kStandardScriptFlags, cache, err)) continue;
        // Policy-only flag, or a consensus rule? Ask the same input again.
        ScriptError mandatory_err;
        TxReject kind;
        std::string reason;
        if (verify_input(tx, i, spent, txdata, kMandatoryScriptFlags, cache, mandatory_err)) {
            kind = TxReject::NOT_STANDARD;
            reason = "mempool-script-verify-flag-failed (" + script_error_message(err) + ")";
        } else {
            kind = TxReject::CONSENSUS;
            reason = "mandatory-script-verify-flag-failed (" + script_error_message(mandatory_err) + ")";
        }
        // A witness spend without any witness: maybe stripped in transit.
        if (!tx.has_witness() && policy::spends_non_anchor_witness_program(tx, spent))
            kind = TxReject::WITNESS_STRIPPED;
        return no(kind, reason, "input " + std::to_string(i));
    }
    // Again with the tip's consensus flags, as Core (cheap: signatures are cached now).
    const BlockIndex* tip = v.tip();
    const ScriptFlags block_flags = block_script_flags(tip->height, tip->hash, v.params().consensus);
    for (unsigned i = 0; i < tx.vin.size(); ++i) {
        ScriptError err;
        if (!verify_input(tx, i, spent, txdata, block_flags, cache, err)) {
            log_error("mempool: %s passes standard script flags but fails the tip's flags", ws.txid.to_hex().c_str());
            return no(TxReject::CONSENSUS, "mandatory-script-verify-flag-failed (" + script_error_message(err) + ")",
                      "input " + std::to_string(i));
        }
    }
    return std::nullopt;
}

Mempool::Impl::Entry* Mempool::Impl::insert(const Workspace& ws, const Args& args, const Chainstate::View& v) {
    const int height = v.tip()->height;
    Entry* e = add_entry(ws.ptx, ws.txid, ws.wtxid, ws.fee, ws.vsize, ws.sigop_cost, args.accept_time, height,
                         ws.spends_coinbase, ws.has_locks);
    // Nobody reads fee estimates made while catching up (Core skips them in IBD too).
    if (args.track_fee && !args.bypass_limits && !args.tentative && ws.parents.empty() && ws.package_parents.empty() &&
        !v.initial_block_download())
        estimator.track(ws.txid, height, policy::rate_of(ws.fee, ws.vsize));
    return e;
}

AcceptResult Mempool::Impl::try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                       const Args& args, std::vector<MempoolEntryInfo>& added) {
    Workspace ws;
    ws.ptx = ptx;
    AcceptResult r;
    r.txid = ptx->txid();
    r.wtxid = ptx->wtxid();
    if (auto why = pre_checks(v, ws, args, nullptr)) {
        r.already_known =
            why->reason == "txn-already-in-mempool" || why->reason == "txn-same-nonwitness-data-in-mempool";
        r.fee = ws.fee;
        r.vsize = ws.vsize;
        if (why->kind == TxReject::MISSING_INPUTS) r.missing_inputs = ws.missing;
        if (why->kind == TxReject::RECONSIDERABLE) {
            r.effective_feerate = FeeRate{policy::rate_of(ws.modified_fee, ws.vsize)};
            r.effective_includes = {r.wtxid};
        }
        return rejected(std::move(r), std::move(*why));
    }
    r.fee = ws.fee;
    r.vsize = ws.vsize;
    r.effective_feerate = FeeRate{policy::rate_of(ws.modified_fee, ws.vsize)};
    r.effective_includes = {r.wtxid};

    Proposal proposal;
    proposal.adds.push_back({{ws.modified_fee, ws.adjusted_weight}, ws.parents, {}});
    EntrySet all_conflicts;
    if (!ws.conflict_entries.empty()) {
        // ---- ReplacementChecks (Core 31): rule 5, rules 3 and 4, cluster limits, diagram ----
        if (auto why = check_replacement_fees(ws.txid, ws.modified_fee, ws.vsize, ws.conflict_entries,
                                              ws.sibling_eviction, all_conflicts))
            return rejected(std::move(r), std::move(*why));
        proposal.removals = all_conflicts;
        const ProposalEffect effect = evaluate(proposal, true);
        if (!effect.within_limits) return rejected(std::move(r), no(TxReject::MEMPOOL_POLICY, "too-large-cluster"));
        if (cluster::compare_diagrams(effect.new_chunks, effect.old_chunks) != cluster::DiagramOrder::BETTER)
            return rejected(std::move(r), no(TxReject::RECONSIDERABLE, "replacement-failed",
                                             "insufficient feerate: does not improve feerate diagram"));
    } else if (!args.bypass_limits && !evaluate(proposal, false).within_limits) {
        return rejected(std::move(r), no(TxReject::MEMPOOL_POLICY, "too-large-cluster"));
    }

    // Spending an output of a transaction it replaces would make it inconsistent.
    if (!ws.conflicts.empty()) {
        EntrySet ancestors;
        for (Entry* p : ws.parents) {
            ancestors.insert(p);
            collect_ancestors(p, ancestors);
        }
        for (const Entry* a : ancestors)
            if (ws.conflicts.count(a->txid))
                return rejected(std::move(r),
                                no(TxReject::CONSENSUS, "bad-txns-spends-conflicting-tx",
                                   ws.txid.to_hex() + " spends conflicting transaction " + a->txid.to_hex()));
    }

    if (args.client_max_feerate > 0 && policy::rate_of(ws.modified_fee, ws.vsize) > args.client_max_feerate)
        return rejected(std::move(r), no(TxReject::MEMPOOL_POLICY, "max feerate exceeded"));

    if (opts.require_standard) {
        if (auto bad = check_ephemeral_spends({ptx})) return rejected(std::move(r), std::move(bad->second));
    }

    if (auto why = script_checks(v, ws)) return rejected(std::move(r), std::move(*why));

    if (args.max_fee_rate > 0 && ws.fee > FeeRate{args.max_fee_rate}.fee(ws.vsize))
        return rejected(std::move(r),
                        no(TxReject::MEMPOOL_POLICY, "max-fee-exceeded",
                           format_money(ws.fee) + " > " + format_money(FeeRate{args.max_fee_rate}.fee(ws.vsize))));

    if (args.test_only) {
        r.accepted = true;
        return r;
    }

    // ---- Finalize ----
    for (const Entry* c : all_conflicts) r.replaced.push_back(c->txid);
    remove_entries(all_conflicts, Removal::REPLACED);
    insert(ws, args, v);
    if (!args.tentative && !args.bypass_limits && !args.package_submission) {
        limit_size(args.now);
        // Evicted at once: its fee rate is below what the full pool keeps.
        if (!find(ws.txid)) return rejected(std::move(r), no(TxReject::RECONSIDERABLE, "mempool full"));
    }
    r.accepted = true;
    if (!args.tentative) {
        // Reported after any evictions it caused, as Core signals the addition after Finalize.
        const Entry* entry = find(ws.txid);
        record_event(*entry, std::nullopt);
        added.push_back(info_of(entry));
    }
    return r;
}

}  // namespace minicash
