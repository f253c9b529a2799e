#include "wallet/spend.h"

#include <algorithm>
#include <set>

#include "common/money.h"
#include "common/script_solver.h"
#include "common/signer.h"
#include "util/hex.h"
#include "wallet/input_size.h"
#include "wallet/input_timelocks.h"
#include "wallet/keychain.h"

namespace minicash::wallet {

std::optional<FeeRate> parse_fee_rate_sat_per_vb(std::string_view text) {
    auto v = parse_btc(text);  // 8 decimals: sats -> value * 1e8
    if (!v || *v <= 0 || *v % 100000 != 0) return std::nullopt;
    return FeeRate{*v / 100000};  // sat/vB * 1e8 / 1e5 = sat/kvB
}

FeeRate estimated_fee_rate(ChainSource& node, Network network, int conf_target) {
    if (conf_target < 1 || conf_target > 1008) throw SpendError("-conftarget must be between 1 and 1008");
    if (auto est = node.estimate_fee(conf_target)) return FeeRate{*est};
    if (network == Network::REGTEST) return FeeRate{kRegtestFallbackFeeRate};
    throw SpendError("the node has no fee estimate for " + std::to_string(conf_target) +
                     " blocks yet; give -feerate=SAT_PER_VB");
}

std::optional<InputSize> wallet_input_size(const WalletState& state, const Script& script_pubkey) {
    if (const ScriptOwner* o = state.owner_of(script_pubkey); o && !o->is_silent_payment())
        if (auto s = descriptor_input_size(state.descriptors[o->descriptor].desc, o->index, script_pubkey)) return s;
    return estimate_input_size(script_pubkey);  // silent payment outputs: P2TR key path
}

namespace {
// The coin `c` as the builder spends it: its signed size, and the timelocks its
// satisfaction needs.
SpendableCoin spendable_coin(const WalletState& state, const WalletCoin& c, const InputSize& size, bool trusted) {
    SpendableCoin out{c.outpoint, c.out, size, c.confirmations, trusted};
    if (const ScriptOwner* o = state.owner_of(c.out.script_pubkey); o && !o->is_silent_payment()) {
        const InputTimelocks t =
            descriptor_input_timelocks(state.descriptors[o->descriptor].desc, o->index, c.out.script_pubkey);
        out.older = t.older;
        out.after = t.after;
    }
    return out;
}
}  // namespace

std::vector<SpendableCoin> spendable_coins(const WalletState& state, int tip, const UnconfirmedPolicy& unconfirmed) {
    std::vector<SpendableCoin> out;
    for (const WalletCoin& c : state.unspent(tip)) {
        if (c.coinbase && c.confirmations < kCoinbaseMaturity) continue;
        if (state.locked.count(c.outpoint)) continue;
        bool trusted = c.from_me;
        if (c.state != TxState::CONFIRMED && !c.from_me) {
            if (!unconfirmed.spend_foreign || !unconfirmed.ancestors) continue;
            const std::optional<int> ancestors = unconfirmed.ancestors(c.outpoint.txid);
            if (!ancestors || *ancestors + 1 > unconfirmed.max_depth) continue;
            trusted = true;  // selected like unconfirmed change: after every confirmed coin
        }
        if (auto size = wallet_input_size(state, c.out.script_pubkey))
            out.push_back(spendable_coin(state, c, *size, trusted));
    }
    return out;
}

namespace {

// The wallet's unspent output `op`, checked to be spendable by an explicit choice
// (-inputs): known, unspent, not locked, mature. Throws SpendError naming the problem.
SpendableCoin chosen_coin(const WalletState& state, const OutPoint& op, int tip) {
    const std::string name = format_outpoint(op);
    for (const WalletCoin& c : state.unspent(tip)) {
        if (c.outpoint != op) continue;
        if (state.locked.count(op))
            throw SpendError("input " + name + " is locked (unlock it with lockunspent -unlock " + name + ")");
        if (c.coinbase && c.confirmations < kCoinbaseMaturity)
            throw SpendError("input " + name + " is an immature coinbase output");
        auto size = wallet_input_size(state, c.out.script_pubkey);
        if (!size) throw SpendError("input " + name + " has a script whose signed size is unknown");
        return spendable_coin(state, c, *size, true);
    }
    throw SpendError("input " + name + " is not an unspent output of this wallet");
}

std::vector<SpendableCoin> chosen_coins(const WalletState& state, const std::vector<OutPoint>& inputs, int tip) {
    std::vector<SpendableCoin> out;
    std::set<OutPoint> seen;
    for (const OutPoint& op : inputs) {
        if (!seen.insert(op).second) throw SpendError("input " + format_outpoint(op) + " is given twice");
        out.push_back(chosen_coin(state, op, tip));
    }
    return out;
}

}  // namespace

Script new_change_script(WalletState& state) {
    for (AddressType t : {AddressType::BECH32, AddressType::BECH32M, AddressType::P2SH_SEGWIT, AddressType::LEGACY})
        if (state.active_descriptor(t, true)) {
            std::string why;
            if (auto script = state.new_script(t, true, &why)) return *script;
        }
    // Policies without an address type of their own (sh(multi), bare scripts): their
    // change descriptor, else their receive descriptor.
    for (bool internal : {true, false})
        for (WalletDescriptor& d : state.descriptors)
            if (d.internal == internal && d.desc.is_range()) {
                std::string why;
                if (auto script = state.next_script(d, &why)) return *script;
            }
    throw SpendError("the wallet has no descriptor to receive change");
}

namespace {

[[noreturn]] void build_failed(const BuildError& e) {
    throw SpendError(e.message, e.kind == BuildError::Kind::kInsufficientFunds ? SpendError::Kind::kInsufficientFunds
                                                                               : SpendError::Kind::kFailed);
}

}  // namespace

Script new_change_script(WalletState& state, AddressType type) {
    std::string why;
    if (!state.active_descriptor(type, true))
        throw SpendError(std::string("the wallet has no ") + address_type_name(type) + " descriptor for change");
    auto script = state.new_script(type, true, &why);
    if (!script) throw SpendError(why);
    return *script;
}

BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients, const FundOptions& fund,
                                  int tip) {
    std::vector<SpendableCoin> coins = spendable_coins(state, tip, fund.unconfirmed);
    BuildOptions options;
    options.fee_rate = fund.rate;
    options.rbf = true;
    if (tip >= 0) options.tip_height = uint32_t(tip);
    options.preset_inputs = chosen_coins(state, fund.inputs, tip);
    options.add_inputs = fund.inputs.empty() || fund.add_inputs;
    std::erase_if(coins, [&](const SpendableCoin& c) {
        return std::any_of(fund.inputs.begin(), fund.inputs.end(),
                           [&](const OutPoint& op) { return op == c.outpoint; });
    });
    Script change;
    if (fund.allow_change) change = fund.change ? *fund.change : new_change_script(state);
    if (!change.empty())
        if (auto size = wallet_input_size(state, change)) options.change_spend_vsize = (size->weight + 3) / 4;
    BuildError error;
    auto built = build_transaction(coins, recipients, change, options, &error);
    if (!built) {
        if (error.kind == BuildError::Kind::kNeedsChange)
            throw SpendError(
                "the inputs leave change and -nochange was given: choose inputs that match the amount, "
                "or let the fee come out of it with -subtractfee");
        if (error.kind == BuildError::Kind::kInsufficientFunds && !fund.inputs.empty() && !options.add_inputs)
            throw SpendError(error.message + " (only the -inputs given may be spent; add -addinputs for more)",
                             SpendError::Kind::kInsufficientFunds);
        build_failed(error);
    }
    return std::move(*built);
}

BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients, FeeRate rate, int tip) {
    FundOptions options;
    options.rate = rate;
    return fund_transaction(state, recipients, options, tip);
}

namespace {

// A replaceable transaction spending `coins` to one output (its value left 0), with
// its signed size estimated; `*total` gets the coins' value.
BuiltTransaction one_output_spend(const std::vector<SpendableCoin>& coins, const Script& to, int tip, Amount* total) {
    BuiltTransaction out;
    Transaction& tx = out.tx;
    tx.version = 2;
    tx.locktime = tip >= 0 ? uint32_t(tip) : 0;  // discourages fee sniping, as Core
    *total = 0;
    std::vector<InputSize> sizes;
    for (const SpendableCoin& c : coins) {
        TxIn in;
        in.prevout = c.outpoint;
        in.sequence = kSequenceRbf;
        tx.vin.push_back(in);
        out.spent_outputs.push_back(c.txout);
        sizes.push_back(c.input);
        *total += c.txout.value;
    }
    apply_input_timelocks(coins, tx);
    out.inputs = coins;
    tx.vout.push_back(TxOut{0, to});
    out.estimated_weight = estimate_signed_weight(tx, sizes);
    out.estimated_vsize = (out.estimated_weight + 3) / 4;
    return out;
}

}  // namespace

BuiltTransaction fund_send_all(WalletState& state, const Script& to, FeeRate rate, const std::vector<OutPoint>& inputs,
                               int tip) {
    std::vector<SpendableCoin> coins = inputs.empty() ? spendable_coins(state, tip) : chosen_coins(state, inputs, tip);
    if (coins.empty()) throw SpendError("the wallet has no spendable coins", SpendError::Kind::kInsufficientFunds);
    Amount total = 0;
    BuiltTransaction out = one_output_spend(coins, to, tip, &total);
    Transaction& tx = out.tx;
    out.fee = std::max(rate, kDefaultMinRelayFeeRate).fee(out.estimated_vsize);
    tx.vout[0].value = total - out.fee;
    if (tx.vout[0].value <= 0 || is_dust(tx.vout[0], kDefaultDustRelayFeeRate))
        throw SpendError("Total value of UTXO pool too low to pay for transaction",
                         SpendError::Kind::kInsufficientFunds);
    if (out.fee > kDefaultMaxTxFee)
        throw SpendError("Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
    if (out.estimated_weight > kMaxStandardTxWeight) throw SpendError("Transaction too large");
    return out;
}

BuiltTransaction build_cpfp(WalletState& state, const uint256& parent, FeeRate rate, size_t ancestor_vsize,
                            Amount ancestor_fees, int tip) {
    auto it = state.txs.find(parent);
    if (it == state.txs.end()) throw SpendError("the transaction is not in this wallet");
    if (it->second.state == TxState::CONFIRMED) throw SpendError("the transaction is already confirmed");
    if (it->second.state != TxState::MEMPOOL) throw SpendError("the transaction is not in the node's mempool");
    if (FeeRate::of(ancestor_fees, ancestor_vsize) >= rate)
        throw SpendError("the transaction and its unconfirmed ancestors already pay " +
                         FeeRate::of(ancestor_fees, ancestor_vsize).to_string() + ": nothing to speed up");
    std::vector<SpendableCoin> inputs;
    for (const WalletCoin& c : state.unspent(tip))
        if (c.outpoint.txid == parent && !state.locked.count(c.outpoint))
            if (auto size = wallet_input_size(state, c.out.script_pubkey))
                inputs.push_back(spendable_coin(state, c, *size, true));
    if (inputs.empty())
        throw SpendError("the transaction pays this wallet no unspent output: a child has nothing to spend");
    // More coins, largest first, when the parent's outputs cannot pay the child's fee.
    std::vector<SpendableCoin> extra;
    for (const SpendableCoin& c : spendable_coins(state, tip))
        if (c.confirmations > 0) extra.push_back(c);
    std::sort(extra.begin(), extra.end(),
              [](const SpendableCoin& a, const SpendableCoin& b) { return a.txout.value > b.txout.value; });
    const Script change = new_change_script(state);
    for (size_t used = 0;; ++used) {
        std::vector<SpendableCoin> chosen = inputs;
        chosen.insert(chosen.end(), extra.begin(), extra.begin() + ptrdiff_t(std::min(used, extra.size())));
        Amount total = 0;
        BuiltTransaction out = one_output_spend(chosen, change, tip, &total);
        Transaction& tx = out.tx;
        // The package (ancestors + child) at `rate`; the child alone at least at the relay minimum.
        out.fee = std::max(rate.fee(ancestor_vsize + out.estimated_vsize) - ancestor_fees,
                           kDefaultMinRelayFeeRate.fee(out.estimated_vsize));
        tx.vout[0].value = total - out.fee;
        out.change_position = 0;
        if (tx.vout[0].value > 0 && !is_dust(tx.vout[0], kDefaultDustRelayFeeRate)) {
            if (out.fee > kDefaultMaxTxFee)
                throw SpendError("Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
            return out;
        }
        if (used >= extra.size())
            throw SpendError("Insufficient funds: the child cannot pay " + format_money(out.fee) + " BTC of fees",
                             SpendError::Kind::kInsufficientFunds);
    }
}

void lock_coin(WalletState& state, const OutPoint& op, int tip) {
    auto it = state.txs.find(op.txid);
    if (it == state.txs.end()) throw SpendError("Invalid parameter, unknown transaction");
    if (op.index >= it->second.tx.vout.size()) throw SpendError("Invalid parameter, vout index out of bounds");
    if (state.locked.count(op)) throw SpendError("Invalid parameter, output already locked");
    const std::vector<WalletCoin> coins = state.unspent(tip);
    if (std::none_of(coins.begin(), coins.end(), [&](const WalletCoin& c) { return c.outpoint == op; }))
        throw SpendError("Invalid parameter, expected unspent output");
    state.locked.insert(op);
}

void unlock_coin(WalletState& state, const OutPoint& op) {
    if (!state.locked.erase(op)) throw SpendError("Invalid parameter, expected locked output");
}

void sign_and_verify(const WalletState& state, Transaction& tx, const std::vector<TxOut>& spent) {
    if (state.watch_only)
        throw SpendError(
            "this wallet is watch-only: use 'psbt create' and sign the PSBT with the wallet that holds "
            "the keys");
    KeyStore keys;
    std::vector<Script> scripts;
    for (const TxOut& o : spent) scripts.push_back(o.script_pubkey);
    add_keys_for_scripts(state, scripts, keys);
    std::string why;
    if (!sign_transaction(tx, spent, keys, {}, &why)) throw SpendError("signing failed: " + why);
    if (!verify_transaction_scripts(tx, spent, &why))
        throw SpendError("signature check failed, nothing was sent: " + why);
}

uint256 test_and_broadcast(ChainSource& node, const Transaction& tx) {
    const AcceptResult accept = node.test_accept(tx);
    if (!accept.allowed)
        throw SpendError("the node would reject the transaction (" + accept.reject_reason + "); nothing was sent");
    return node.broadcast(tx);
}

void record_sent(WalletState& state, const Transaction& tx, int64_t now) {
    state.add_transaction(tx, TxState::MEMPOOL, -1, {}, 0, now);
    if (auto it = state.txs.find(tx.txid()); it != state.txs.end()) it->second.from_me = true;
}

FeeBump build_fee_bump(WalletState& state, const uint256& txid, std::optional<FeeRate> new_rate,
                       const std::function<FeeRate()>& estimate, int tip) {
    auto it = state.txs.find(txid);
    if (it == state.txs.end()) throw SpendError("the transaction is not in this wallet");
    const WalletTx original = it->second;
    if (original.state == TxState::CONFIRMED) throw SpendError("the transaction is already confirmed");
    if (original.state == TxState::CONFLICTED)
        throw SpendError("the transaction was already replaced or conflicts with another one");
    bool signals = false;
    for (const TxIn& in : original.tx.vin) signals = signals || in.sequence < kSequenceLocktimeFinal;
    if (!signals) throw SpendError("the transaction does not signal replaceability (BIP125)");
    std::vector<TxOut> spent;
    for (const TxIn& in : original.tx.vin) {
        auto prev = state.wallet_output(in.prevout);
        if (!prev) throw SpendError("the transaction spends outputs that are not this wallet's");
        spent.push_back(*prev);
    }
    std::optional<size_t> change_index;
    for (size_t i = 0; i < original.tx.vout.size() && !change_index; ++i)
        if (const ScriptOwner* o = state.owner_of(original.tx.vout[i].script_pubkey);
            o &&
            (o->is_silent_payment() ? state.silent_payments->outputs.at(original.tx.vout[i].script_pubkey).label == 0u
                                    : state.descriptors[o->descriptor].internal))
            change_index = i;
    Amount in_total = 0;
    for (const TxOut& o : spent) in_total += o.value;
    const Amount old_fee = in_total - original.tx.value_out();
    const size_t old_vsize = (original.tx.weight() + 3) / 4;
    const FeeRate old_rate = FeeRate::of(old_fee, old_vsize);
    BumpOptions options;
    // Core's default: the estimate, but at least the old rate plus 1 sat/vB.
    options.new_fee_rate = new_rate ? *new_rate : std::max(estimate(), FeeRate{old_rate.sat_per_kvb + 1000});
    for (const TxOut& o : spent) {
        auto size = wallet_input_size(state, o.script_pubkey);
        if (!size) throw SpendError("the size of an input of the transaction cannot be estimated");
        options.original_input_sizes.push_back(*size);
    }
    options.fallback_change_script = new_change_script(state);
    const std::vector<SpendableCoin> extra = spendable_coins(state, tip);
    BuildError error;
    auto built = build_bump(original.tx, spent, change_index, extra, options, &error);
    if (!built) build_failed(error);
    if (state.silent_payment_sends.count(txid) && built->tx.vin.size() != original.tx.vin.size())
        throw SpendError(
            "the bump needs more inputs, which would change its silent payment outputs: the receiver "
            "could not find them (give a lower -feerate)");
    return FeeBump{std::move(*built), old_fee};
}

namespace {

// Signature records of a PSBT (partial, taproot key and script path) and final inputs.
size_t signature_count(const Psbt& p) {
    size_t n = 0;
    for (const PsbtInput& in : p.inputs)
        n += in.partial_sigs.size() + in.tap_script_sigs.size() + (in.tap_key_sig ? 1 : 0) + (in.is_final() ? 1 : 0);
    return n;
}

std::string fingerprint_hex(const Fingerprint& f) { return hex_encode(ByteView(f.data(), f.size())); }

// m of an m-of-n (CHECKMULTISIG or multi_a) script, or 0.
size_t threshold_of(const Script& s, size_t* keys) {
    std::vector<Bytes> sol;
    if (solve(s, &sol) == TxoutType::MULTISIG) {
        *keys = sol.size() - 2;
        return sol.front().empty() ? 0 : sol.front()[0];
    }
    // multi_a: <k> CHECKSIG ... <m> NUMEQUAL
    size_t pc = 0, n = 0;
    Opcode op, last = OP_INVALIDOPCODE;
    ByteView push, last_push;
    while (pc < s.size() && s.get_op(pc, op, &push)) {
        if (op == OP_CHECKSIG || op == OP_CHECKSIGADD) ++n;
        if (op == OP_NUMEQUAL && pc == s.size()) {
            *keys = n;
            if (last >= OP_1 && last <= OP_16) return size_t(last - OP_1 + 1);
            if (last_push.size() == 1) return last_push[0];
            return 0;
        }
        last = op;
        last_push = push;
    }
    return 0;
}

}  // namespace

PsbtSigned sign_psbt_for_wallet(const WalletState& state, Psbt& psbt) {
    if (psbt_complete(psbt))
        throw SpendError("the PSBT is already complete: broadcast it", SpendError::Kind::kPsbtRejected);
    const std::vector<std::string> mismatches = psbt_origin_mismatches(state, psbt);
    if (!mismatches.empty())
        throw SpendError("this PSBT is not for this wallet: " + mismatches.front(), SpendError::Kind::kPsbtRejected);
    update_psbt(state, psbt);
    KeyStore keys;
    add_keys_for_psbt(state, psbt, keys);
    const size_t before = signature_count(psbt);
    std::string why;
    sign_psbt(psbt, keys, {}, &why);
    if (!why.empty()) throw SpendError("cannot sign: " + why, SpendError::Kind::kPsbtRejected);
    PsbtSigned out;
    out.signatures_added = signature_count(psbt) - before;
    out.complete = psbt_complete(psbt);
    if (out.signatures_added > 0) return out;
    // Nothing signed: explain.
    const std::set<Fingerprint> mine = wallet_fingerprints(state);
    std::set<std::string> others;
    bool ours_named = false;
    auto note = [&](const Fingerprint& f) {
        if (mine.count(f)) ours_named = true;
        else others.insert(fingerprint_hex(f));
    };
    for (const PsbtInput& in : psbt.inputs) {
        for (const auto& [pub, origin] : in.bip32_derivs) note(origin.fingerprint);
        for (const auto& [x, tap] : in.tap_bip32_derivs) note(tap.origin.fingerprint);
    }
    if (ours_named)
        throw SpendError("this wallet's signatures are already in the PSBT (a duplicate: nothing to add)",
                         SpendError::Kind::kPsbtRejected);
    std::string msg = "nothing in this PSBT belongs to this wallet";
    if (!others.empty()) {
        msg += ": its keys are of fingerprint";
        msg += others.size() > 1 ? "s " : " ";
        bool first = true;
        for (const std::string& f : others) {
            msg += (first ? "" : ", ") + f;
            first = false;
        }
        if (!mine.empty()) msg += "; this wallet's is " + fingerprint_hex(*mine.begin());
    }
    throw SpendError(msg, SpendError::Kind::kPsbtRejected);
}

Psbt combine_cosigner_psbts(const std::vector<Psbt>& psbts) {
    if (psbts.empty()) throw SpendError("no PSBT to combine", SpendError::Kind::kPsbtRejected);
    const uint256 txid = psbts.front().tx.txid();
    std::vector<Psbt> done{psbts.front()};
    for (size_t i = 1; i < psbts.size(); ++i) {
        if (psbts[i].tx.txid() != txid)
            throw SpendError("PSBT " + std::to_string(i + 1) + " is for another transaction (" +
                                 psbts[i].tx.txid().to_hex() + ", not " + txid.to_hex() + ")",
                             SpendError::Kind::kPsbtRejected);
        std::string why;
        auto before = combine_psbts(done, &why);
        done.push_back(psbts[i]);
        auto after = combine_psbts(done, &why);
        if (!before || !after) throw SpendError("cannot combine: " + why, SpendError::Kind::kPsbtRejected);
        if (signature_count(psbts[i]) > 0 && signature_count(*after) == signature_count(*before))
            throw SpendError(
                "PSBT " + std::to_string(i + 1) + " carries only signatures the others already have (a duplicate)",
                SpendError::Kind::kPsbtRejected);
    }
    std::string why;
    auto p = combine_psbts(done, &why);
    if (!p) throw SpendError("cannot combine: " + why, SpendError::Kind::kPsbtRejected);
    return std::move(*p);
}

std::string psbt_missing(const Psbt& psbt) {
    std::string out;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        if (in.is_final()) continue;
        std::string clause = "input " + std::to_string(i);
        size_t n = 0, m = 0, have = 0;
        if (in.witness_script) m = threshold_of(*in.witness_script, &n), have = in.partial_sigs.size();
        else if (in.redeem_script) m = threshold_of(*in.redeem_script, &n), have = in.partial_sigs.size();
        if (m == 0 && !in.tap_scripts.empty()) {
            m = threshold_of(in.tap_scripts.begin()->first.first, &n);
            have = in.tap_script_sigs.size();
        }
        if (m > 0) clause += " has " + std::to_string(have) + " of the " + std::to_string(m) + " signatures it needs";
        else if (!psbt.spent_output(i)) clause += " lacks its UTXO";
        else clause += " is not signed";
        out += (out.empty() ? "" : "; ") + clause;
    }
    return out;
}

bool psbt_complete(const Psbt& psbt) {
    return std::all_of(psbt.inputs.begin(), psbt.inputs.end(), [](const PsbtInput& in) { return in.is_final(); });
}

std::vector<TxOut> psbt_spent_outputs(const Psbt& psbt) {
    std::vector<TxOut> out;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        auto o = psbt.spent_output(i);
        if (!o) throw SpendError("the PSBT lacks the UTXO of input " + std::to_string(i));
        out.push_back(*o);
    }
    return out;
}

}  // namespace minicash::wallet
