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

// Collects the coin of every input: from the pool (not yet confirmed: next block's height)
// or from the UTXO set.
struct InputCoins {
    std::vector<Coin> coins;
    std::vector<uint256> missing;  // parent txids of inputs found nowhere (unique, in order)
};

// Runs input `i`'s scripts with `flags` (signatures found valid go into the cache).
bool verify_input(const Transaction& tx, unsigned i, const std::vector<TxOut>& spent, const PrecomputedTxData& txdata,
                  ScriptFlags flags, SignatureCache& cache, ScriptError& error) {
    CachingTransactionSignatureChecker checker(tx, i, spent[i].value, &txdata, cache, /*store=*/true);
    error = ScriptError::OK;
    return verify_script(tx.vin[i].script_sig, spent[i].script_pubkey, &tx.vin[i].witness, flags, checker, &error);
}

AcceptResult reject(AcceptResult r, TxReject kind, std::string reason, std::string debug = {}) {
    ValidationResult result = ValidationResult::INPUTS;
    if (kind == TxReject::CONSENSUS) result = ValidationResult::CONSENSUS;
    if (kind == TxReject::WITNESS_MUTATED || kind == TxReject::WITNESS_STRIPPED) result = ValidationResult::MUTATED;
    r.accepted = false;
    r.reject = kind;
    r.state.invalid(std::move(reason), std::move(debug), result);
    return r;
}

}  // namespace

AcceptResult Mempool::Impl::try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                       const Args& args, std::vector<MempoolEntryInfo>& added) {
    const Transaction& tx = *ptx;
    AcceptResult r;
    r.txid = tx.txid();
    r.wtxid = tx.wtxid();
    const uint256& txid = r.txid;
    const BlockIndex* tip = v.tip();
    if (!tip) return reject(std::move(r), TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    const int next_height = tip->height + 1;

    // ---- PreChecks ----
    {
        ValidationState s;
        if (!check_transaction(tx, s)) return reject(std::move(r), TxReject::CONSENSUS, s.reason(), s.debug());
    }
    if (tx.is_coinbase()) return reject(std::move(r), TxReject::CONSENSUS, "coinbase");
    if (opts.require_standard) {
        policy::StandardOptions so;
        so.dust_relay_sat_per_kvb = opts.dust_relay_feerate.sat_per_kvb;
        so.permit_bare_multisig = opts.permit_bare_multisig;
        so.max_datacarrier_bytes = opts.max_datacarrier_bytes;
        std::string reason;
        if (!policy::is_standard_tx(tx, so, reason)) return reject(std::move(r), TxReject::NOT_STANDARD, reason);
    }
    // Smaller transactions could pass for inner merkle nodes (CVE-2017-12842).
    if (tx.stripped_size() < policy::kMinStandardTxNonWitnessSize)
        return reject(std::move(r), TxReject::NOT_STANDARD, "tx-size-small");
    if (!is_final_tx(tx, next_height, tip->median_time_past()))
        return reject(std::move(r), TxReject::PREMATURE_SPEND, "non-final");
    if (by_wtxid.count(r.wtxid)) {
        r.already_known = true;
        return reject(std::move(r), TxReject::CONFLICT, "txn-already-in-mempool");
    }
    if (by_txid.count(txid)) {
        r.already_known = true;
        return reject(std::move(r), TxReject::CONFLICT, "txn-same-nonwitness-data-in-mempool");
    }

    // Direct conflicts: in-pool spenders of the same outpoints.
    std::set<uint256> conflicts;
    for (const TxIn& in : tx.vin) {
        auto it = spenders.find(in.prevout);
        if (it == spenders.end()) continue;
        if (!args.allow_replacement)
            return reject(std::move(r), TxReject::MEMPOOL_POLICY, "bip125-replacement-disallowed");
        conflicts.insert(it->second->txid);
    }

    // Inputs: in-pool outputs count as coins of the next block.
    InputCoins in;
    in.coins.reserve(tx.vin.size());
    bool spends_coinbase = false;
    for (const TxIn& input : tx.vin) {
        if (const Entry* p = find(input.prevout.txid)) {
            if (input.prevout.index < p->tx->vout.size()) {
                in.coins.push_back(Coin{p->tx->vout[input.prevout.index], next_height, false});
                continue;
            }
        } else if (auto c = v.coin(input.prevout)) {
            spends_coinbase = spends_coinbase || c->coinbase;
            in.coins.push_back(std::move(*c));
            continue;
        }
        if (std::find(in.missing.begin(), in.missing.end(), input.prevout.txid) == in.missing.end())
            in.missing.push_back(input.prevout.txid);
        in.coins.emplace_back();
    }
    if (!in.missing.empty()) {
        // Inputs missing because this transaction is already confirmed?
        for (uint32_t o = 0; o < tx.vout.size(); ++o)
            if (v.coin(OutPoint{txid, o})) return reject(std::move(r), TxReject::CONFLICT, "txn-already-known");
        r.missing_inputs = in.missing;
        return reject(std::move(r), TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    }

    // BIP68 against the next block (always enforced by policy).
    std::vector<int> prev_heights;
    prev_heights.reserve(in.coins.size());
    for (const Coin& c : in.coins) prev_heights.push_back(c.height);
    const IndexAncestorView chain_view(tip);
    const bool relative_locks = uint32_t(tx.version) >= 2 &&
                                std::any_of(tx.vin.begin(), tx.vin.end(),
                                            [](const TxIn& i) { return !(i.sequence & TxIn::kSequenceDisableFlag); });
    if (relative_locks) {
        std::vector<int> heights = prev_heights;
        const SequenceLocks locks = calculate_sequence_locks(tx, true, heights, chain_view);
        if (!sequence_locks_satisfied(locks, chain_view))
            return reject(std::move(r), TxReject::PREMATURE_SPEND, "non-BIP68-final");
    }

    Amount fee = 0;
    {
        ValidationState s;
        if (!check_tx_inputs(tx, in.coins, next_height, fee, s)) {
            const TxReject kind =
                s.reason() == "bad-txns-premature-spend-of-coinbase" ? TxReject::PREMATURE_SPEND : TxReject::CONSENSUS;
            return reject(std::move(r), kind, s.reason(), s.debug());
        }
    }
    r.fee = fee;
    std::vector<TxOut> spent;
    spent.reserve(in.coins.size());
    for (const Coin& c : in.coins) spent.push_back(c.out);

    if (opts.require_standard && !policy::are_inputs_standard(tx, spent))
        return reject(std::move(r), TxReject::INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs");
    if (tx.has_witness() && opts.require_standard && !policy::is_witness_standard(tx, spent))
        return reject(std::move(r), TxReject::WITNESS_MUTATED, "bad-witness-nonstandard");

    const int64_t sigop_cost = transaction_sigop_cost(tx, in.coins, kStandardScriptFlags);
    const size_t vsize = policy::virtual_size(tx.weight(), sigop_cost, opts.bytes_per_sigop);
    auto delta = deltas.find(txid);
    const Amount modified_fee = fee + (delta == deltas.end() ? 0 : delta->second);
    r.vsize = vsize;
    r.effective_feerate = FeeRate{policy::rate_of(modified_fee, vsize)};
    r.effective_includes = {r.wtxid};

    // Ephemeral dust: a transaction with a dust output must pay nothing itself.
    if (opts.require_standard && (fee != 0 || modified_fee != 0) &&
        !policy::dust_outputs(tx, opts.dust_relay_feerate.sat_per_kvb).empty())
        return reject(std::move(r), TxReject::NOT_STANDARD, "dust", "tx with dust output must be 0-fee");

    if (sigop_cost > policy::kMaxStandardTxSigopsCost)
        return reject(std::move(r), TxReject::NOT_STANDARD, "bad-txns-too-many-sigops", std::to_string(sigop_cost));

    // Fee rate floors: the pool's rolling minimum, then the minimum relay fee. Transactions
    // returning from a disconnected block are exempt.
    if (!args.bypass_limits) {
        const Amount pool_reject = FeeRate{min_fee(args.now)}.fee(vsize);
        if (pool_reject > 0 && modified_fee < pool_reject)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "mempool min fee not met",
                          std::to_string(modified_fee) + " < " + std::to_string(pool_reject));
        const Amount relay = opts.min_relay_feerate.fee(vsize);
        if (modified_fee < relay)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "min relay fee not met",
                          std::to_string(modified_fee) + " < " + std::to_string(relay));
    }

    EntrySet conflict_entries;
    for (const uint256& c : conflicts) conflict_entries.insert(find(c));
    EntrySet parents;
    for (const TxIn& input : tx.vin)
        if (Entry* p = find(input.prevout.txid)) parents.insert(p);

    // Ancestor and descendant limits. With a single conflict, its descendants are about
    // to leave, so they do not count against the limit.
    Limits limits{opts.ancestor_count, opts.ancestor_size_vbytes, opts.descendant_count, opts.descendant_size_vbytes};
    if (conflicts.size() == 1 && args.allow_carveouts) {
        limits.descendant_count += 1;
        limits.descendant_size += (*conflict_entries.begin())->desc_size;
    }
    std::string limit_error;
    std::optional<EntrySet> ancestors = ancestors_within(parents, vsize, limits, limit_error);
    if (!ancestors) {
        // CPFP carve-out: one more small child of a transaction with no other unconfirmed
        // ancestors (not for TRUC, whose topology allows a single child).
        if (!args.allow_carveouts || vsize > policy::kExtraDescendantTxSizeLimit || tx.version == policy::kTrucVersion)
            return reject(std::move(r), TxReject::MEMPOOL_POLICY, "too-long-mempool-chain", limit_error);
        const Limits carve{2, limits.ancestor_size, limits.descendant_count + 1,
                           limits.descendant_size + policy::kExtraDescendantTxSizeLimit};
        std::string ignored;
        ancestors = ancestors_within(parents, vsize, carve, ignored);
        if (!ancestors) return reject(std::move(r), TxReject::MEMPOOL_POLICY, "too-long-mempool-chain", limit_error);
    }

    bool sibling_eviction = false;
    if (!args.bypass_limits) {
        if (auto err = truc_checks(tx, txid, r.wtxid, *ancestors, conflicts, vsize)) {
            if (args.allow_sibling_eviction && err->second) {
                conflicts.insert(err->second->txid);
                conflict_entries.insert(err->second);
                sibling_eviction = true;
            } else {
                return reject(std::move(r), TxReject::MEMPOOL_POLICY, "TRUC-violation", err->first);
            }
        }
    }

    // Spending an output of a transaction it replaces would make it inconsistent.
    for (const Entry* a : *ancestors)
        if (conflicts.count(a->txid))
            return reject(std::move(r), TxReject::CONSENSUS, "bad-txns-spends-conflicting-tx",
                          txid.to_hex() + " spends conflicting transaction " + a->txid.to_hex());

    // ---- ReplacementChecks (BIP125 rules 2-6; every transaction is replaceable) ----
    EntrySet all_conflicts;
    if (auto no = check_replacement(tx, txid, modified_fee, vsize, conflict_entries, sibling_eviction, all_conflicts))
        return reject(std::move(r), no->kind, std::move(no->reason), std::move(no->debug));

    // ---- PolicyScriptChecks / ConsensusScriptChecks ----
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
        return reject(std::move(r), kind, reason, "input " + std::to_string(i));
    }
    // Again with the tip's consensus flags, as Core (cheap: signatures are cached now).
    const ScriptFlags block_flags = block_script_flags(tip->height, tip->hash, v.params().consensus);
    for (unsigned i = 0; i < tx.vin.size(); ++i) {
        ScriptError err;
        if (!verify_input(tx, i, spent, txdata, block_flags, cache, err)) {
            log_error("mempool: %s passes standard script flags but fails the tip's flags", txid.to_hex().c_str());
            return reject(std::move(r), TxReject::CONSENSUS,
                          "mandatory-script-verify-flag-failed (" + script_error_message(err) + ")",
                          "input " + std::to_string(i));
        }
    }

    if (args.max_fee_rate > 0 && fee > FeeRate{args.max_fee_rate}.fee(vsize))
        return reject(std::move(r), TxReject::MEMPOOL_POLICY, "max-fee-exceeded",
                      format_money(fee) + " > " + format_money(FeeRate{args.max_fee_rate}.fee(vsize)));

    if (args.test_only) {
        r.accepted = true;
        return r;
    }

    // ---- Finalize ----
    for (const Entry* c : all_conflicts) r.replaced.push_back(c->txid);
    remove_entries(all_conflicts, Removal::REPLACED);
    const bool absolute_lock = tx.locktime != 0 && !std::all_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& i) {
                                   return i.sequence == TxIn::kSequenceFinal;
                               });
    Entry* e = add_entry(ptx, txid, r.wtxid, fee, vsize, sigop_cost, args.accept_time, tip->height, spends_coinbase,
                         absolute_lock || relative_locks);
    (void)e;
    if (args.track_fee && !args.bypass_limits && !args.tentative && parents.empty())
        estimator.track(txid, tip->height, policy::rate_of(fee, vsize));
    if (!args.tentative && !args.bypass_limits) {
        limit_size(args.now);
        // Evicted at once: its fee rate is below what the full pool keeps.
        if (!find(txid)) return reject(std::move(r), TxReject::RECONSIDERABLE, "mempool full");
    }
    r.accepted = true;
    if (!args.tentative) {
        // Reported after any evictions it caused, as Core signals the addition after Finalize.
        const Entry* entry = find(txid);
        record_event(*entry, std::nullopt);
        added.push_back(info_of(entry));
    }
    return r;
}

}  // namespace minicash
