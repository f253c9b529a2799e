// minicash-wallet commands that spend: send, sendmany, bumpfee and the PSBT workflow:
// their options and output. The pipeline itself (fee rate, funding, signing checked
// by the interpreter, testmempoolaccept, broadcast, fee bumps) is wallet/spend.h.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>

#include "app/wallet_cli.h"
#include "common/address.h"
#include "common/money.h"
#include "common/psbt.h"
#include "common/silent_payments.h"
#include "rpc/server.h"
#include "util/hex.h"
#include "wallet/coin_selection.h"
#include "wallet/keychain.h"
#include "wallet/signer.h"
#include "wallet/silent_payment_send.h"
#include "wallet/spend.h"
#include "wallet/tx_builder.h"

namespace minicash::app {

namespace json = boost::json;
using wallet::WalletState;

namespace {

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// -feerate (sat/vB) when given.
std::optional<wallet::FeeRate> given_fee_rate(WalletCli& cli) {
    auto f = cli.option("feerate");
    if (!f) return std::nullopt;
    auto rate = wallet::parse_fee_rate_sat_per_vb(*f);
    if (!rate) throw WalletCliError(kExitError, "-feerate takes a positive number of sat/vB (at most 3 decimals)");
    return rate;
}

// -feerate (sat/vB) or -conftarget (the node's estimate).
wallet::FeeRate choose_fee_rate(WalletCli& cli) {
    if (auto rate = given_fee_rate(cli)) {
        if (cli.option("conftarget")) throw WalletCliError(kExitError, "give either -feerate or -conftarget, not both");
        return *rate;
    }
    const int target = int(cli.int_option("conftarget").value_or(wallet::kDefaultConfTarget));
    return wallet::estimated_fee_rate(cli.node(), cli.network(), target);
}

Amount parse_amount_or_throw(const std::string& text) {
    auto v = parse_btc(text);
    if (!v || *v <= 0) throw WalletCliError(kExitError, "invalid amount '" + text + "' (BTC, e.g. 0.5)");
    return *v;
}

// A payment's outputs: silent payment addresses are funded as placeholders and made
// from the inputs afterwards (wallet/silent_payment_send.h).
struct Payment {
    std::vector<wallet::Recipient> recipients;
    std::vector<std::pair<size_t, sp::Address>> silent;  // recipient index, address
};

void add_recipient(WalletCli& cli, Payment& p, const std::string& address, Amount amount) {
    wallet::Recipient r;
    r.amount = amount;
    r.subtract_fee_from_amount = cli.flag("subtractfee");
    if (sp::looks_like_address(address)) {
        std::string why;
        auto a = sp::decode_address(address, cli.network(), &why);
        if (!a) throw WalletCliError(kExitInvalidAddress, "invalid address " + address + ": " + why);
        r.script_pubkey = wallet::silent_payment_placeholder();
        p.silent.emplace_back(p.recipients.size(), *a);
    } else {
        r.script_pubkey = decode_address_or_throw(address, cli.params());
    }
    p.recipients.push_back(std::move(r));
}

std::vector<OutPoint> inputs_option(WalletCli& cli) {
    std::vector<OutPoint> out;
    const std::string list = cli.option("inputs").value_or("");
    if (list.empty()) return out;
    for (size_t pos = 0; pos <= list.size();) {
        const size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        auto op = wallet::parse_outpoint(item);
        if (!op) throw WalletCliError(kExitError, "invalid -inputs entry '" + item + "' (TXID:VOUT)");
        out.push_back(*op);
        pos = comma + 1;
    }
    return out;
}

// The number of unconfirmed ancestors of the node's mempool transaction `txid` (itself
// included), for -spendunconfirmed's depth limit.
wallet::UnconfirmedPolicy unconfirmed_option(WalletCli& cli) {
    wallet::UnconfirmedPolicy u;
    u.spend_foreign = cli.flag("spendunconfirmed");
    if (auto d = cli.int_option("unconfirmeddepth")) {
        if (*d < 1 || *d > 1000) throw WalletCliError(kExitError, "-unconfirmeddepth must be between 1 and 1000");
        u.max_depth = int(*d);
    }
    u.ancestors = [&cli](const uint256& txid) -> std::optional<int> {
        auto e = cli.node().mempool_entry(txid);
        if (!e) return std::nullopt;
        return e->ancestor_count;
    };
    return u;
}

// Coin control and funding; silent payment outputs made from the chosen inputs.
wallet::BuiltTransaction fund(WalletCli& cli, const Payment& payment) {
    wallet::FundOptions o;
    o.rate = choose_fee_rate(cli);
    o.inputs = inputs_option(cli);
    o.add_inputs = cli.flag("addinputs");
    o.unconfirmed = unconfirmed_option(cli);
    if (cli.option("change") && !cli.flag("change")) {
        if (cli.option("change-address") || cli.option("change-type"))
            throw WalletCliError(kExitError, "-nochange cannot be combined with -change-address or -change-type");
        o.allow_change = false;
    }
    if (cli.option("change-address") && cli.option("change-type"))
        throw WalletCliError(kExitError, "give either -change-address or -change-type, not both");
    WalletState& s = cli.state();
    bool silent_change = false;
    if (auto a = cli.option("change-address")) {
        if (sp::looks_like_address(*a))
            throw WalletCliError(kExitInvalidAddress,
                                 "-change-address cannot be a silent payment address (use -change-type=silentpayment)");
        o.change = decode_address_or_throw(*a, cli.params());
    } else if (auto t = cli.option("change-type")) {
        if (*t == "silentpayment") {
            if (!s.silent_payments) throw WalletCliError(kExitError, "this wallet has no silent payment keys");
            o.change = wallet::silent_payment_placeholder();
            silent_change = true;
        } else {
            auto type = wallet::parse_address_type(*t);
            if (!type)
                throw WalletCliError(kExitError, "unknown -change-type '" + *t +
                                                     "' (bech32, bech32m, p2sh-segwit, legacy, silentpayment)");
            o.change = wallet::new_change_script(s, *type);
        }
    }
    wallet::BuiltTransaction built = wallet::fund_transaction(s, payment.recipients, o, cli.tip_height());
    std::vector<wallet::SilentPaymentRecipient> silent;
    const auto cp = built.change_position;
    for (const auto& [index, address] : payment.silent)
        silent.push_back({index + (cp && *cp <= index ? 1 : 0), address});
    if (silent_change && cp) silent.push_back({*cp, s.silent_payments->address(0u)});
    wallet::make_silent_payment_outputs(s, built, silent);
    return built;
}

// testmempoolaccept, then sendrawtransaction; records and saves the transaction as ours
// (with its label, and as a silent payment send when it made such outputs).
uint256 broadcast(WalletCli& cli, const Transaction& tx, bool record, bool silent = false) {
    const uint256 txid = wallet::test_and_broadcast(cli.node(), tx);
    if (record) {
        WalletState& s = cli.state();
        wallet::record_sent(s, tx, unix_now());
        if (silent) s.silent_payment_sends.insert(txid);
        if (auto label = cli.option("label")) s.labels.set("tx", txid.to_hex(), *label);
        cli.save();
    }
    return txid;
}

double sat_per_vb(Amount fee, size_t vsize) { return vsize ? double(fee) / double(vsize) : 0.0; }

json::object sent_json(const uint256& txid, const wallet::BuiltTransaction& built) {
    const size_t vsize = (built.tx.weight() + 3) / 4;
    json::object o;
    o["txid"] = txid.to_hex();
    o["fee"] = btc_value(built.fee);
    o["feerate"] = sat_per_vb(built.fee, vsize);
    o["vsize"] = vsize;
    o["replaceable"] = true;
    o["changepos"] = built.change_position ? int64_t(*built.change_position) : int64_t(-1);
    return o;
}

bool makes_silent_outputs(const Payment& p, WalletCli& cli) {
    return !p.silent.empty() || cli.option("change-type") == std::optional<std::string>("silentpayment");
}

int send_to(WalletCli& cli, const Payment& payment) {
    cli.state();
    cli.sync_if_wanted(true);
    wallet::BuiltTransaction built = fund(cli, payment);
    wallet::sign_and_verify(cli.state(), built.tx, built.spent_outputs);
    const uint256 txid = broadcast(cli, built.tx, true, makes_silent_outputs(payment, cli));
    cli.print(sent_json(txid, built), txid.to_hex());
    return kExitOk;
}

Payment parse_pairs(WalletCli& cli, const std::vector<std::string>& args, size_t first) {
    Payment out;
    for (size_t i = first; i < args.size(); ++i) {
        const size_t eq = args[i].find('=');
        if (eq == std::string::npos) throw WalletCliError(kExitError, "expected ADDRESS=AMOUNT, got '" + args[i] + "'");
        add_recipient(cli, out, args[i].substr(0, eq), parse_amount_or_throw(args[i].substr(eq + 1)));
    }
    if (out.recipients.empty()) throw WalletCliError(kExitError, "no recipients (ADDRESS=AMOUNT ...)");
    return out;
}

std::string read_psbt_arg(const std::string& arg) {
    if (arg != "-") return arg;
    std::string in((std::istreambuf_iterator<char>(std::cin)), {});
    while (!in.empty() && (in.back() == '\n' || in.back() == '\r' || in.back() == ' ')) in.pop_back();
    return in;
}

Psbt decode_psbt_arg(const std::string& arg) {
    std::string why;
    auto p = Psbt::decode_base64(read_psbt_arg(arg), &why);
    if (!p) throw WalletCliError(kExitPsbtRejected, "invalid PSBT: " + why);
    return std::move(*p);
}

json::object decode_json(WalletCli& cli, const Psbt& p) {
    const PsbtAnalysis a = analyze_psbt(p);
    json::object o;
    o["txid"] = p.tx.txid().to_hex();
    json::array ins;
    for (size_t i = 0; i < p.tx.vin.size(); ++i) {
        json::object in;
        in["txid"] = p.tx.vin[i].prevout.txid.to_hex();
        in["vout"] = p.tx.vin[i].prevout.index;
        if (i < a.inputs.size()) {
            if (a.inputs[i].amount) in["amount"] = btc_value(*a.inputs[i].amount);
            in["final"] = a.inputs[i].is_final;
            in["next"] = psbt_role_name(a.inputs[i].next);
        }
        ins.push_back(std::move(in));
    }
    o["inputs"] = std::move(ins);
    json::array outs;
    for (const TxOut& out : p.tx.vout) {
        json::object j;
        j["address"] = address_or_script(out.script_pubkey, cli.params());
        j["amount"] = btc_value(out.value);
        outs.push_back(std::move(j));
    }
    o["outputs"] = std::move(outs);
    if (a.fee) o["fee"] = btc_value(*a.fee);
    o["next"] = psbt_role_name(a.next);
    if (!a.error.empty()) o["error"] = a.error;
    return o;
}

}  // namespace

int cmd_send(WalletCli& cli) {
    if (cli.args().size() != 2)
        throw WalletCliError(
            kExitError,
            "usage: minicash-wallet send ADDRESS AMOUNT [-feerate=SAT_PER_VB | -conftarget=N] [-subtractfee]");
    Payment p;
    add_recipient(cli, p, cli.args()[0], parse_amount_or_throw(cli.args()[1]));
    return send_to(cli, p);
}

int cmd_sendmany(WalletCli& cli) { return send_to(cli, parse_pairs(cli, cli.args(), 0)); }

int cmd_sendall(WalletCli& cli) {
    if (cli.args().size() != 1)
        throw WalletCliError(kExitError,
                             "usage: minicash-wallet sendall ADDRESS [-inputs=TXID:VOUT,...] [fee options]");
    Payment p;
    add_recipient(cli, p, cli.args()[0], 1);
    WalletState& s = cli.state();
    cli.sync_if_wanted(true);
    wallet::BuiltTransaction built = wallet::fund_send_all(s, p.recipients[0].script_pubkey, choose_fee_rate(cli),
                                                           inputs_option(cli), cli.tip_height());
    if (!p.silent.empty()) wallet::make_silent_payment_outputs(s, built, {{0, p.silent[0].second}});
    wallet::sign_and_verify(s, built.tx, built.spent_outputs);
    const uint256 txid = broadcast(cli, built.tx, true, !p.silent.empty());
    json::object o = sent_json(txid, built);
    o["amount"] = btc_value(built.tx.vout[0].value);
    cli.print(o, txid.to_hex());
    return kExitOk;
}

int cmd_cpfp(WalletCli& cli) {
    if (cli.args().size() != 1)
        throw WalletCliError(kExitError, "usage: minicash-wallet cpfp TXID -feerate=SAT_PER_VB");
    auto parent = uint256::from_hex(cli.args()[0]);
    if (!parent) throw WalletCliError(kExitError, "invalid txid");
    WalletState& s = cli.state();
    cli.sync_if_wanted(true);
    const std::optional<wallet::MempoolEntry> entry = cli.node().mempool_entry(*parent);
    if (!entry) throw WalletCliError(kExitError, "the transaction is not in the node's mempool");
    const wallet::FeeRate rate = choose_fee_rate(cli);
    wallet::BuiltTransaction built =
        wallet::build_cpfp(s, *parent, rate, entry->ancestor_size, entry->ancestor_fees, cli.tip_height());
    wallet::sign_and_verify(s, built.tx, built.spent_outputs);
    const uint256 txid = broadcast(cli, built.tx, true);
    const size_t vsize = (built.tx.weight() + 3) / 4;
    json::object o = sent_json(txid, built);
    o["parent"] = parent->to_hex();
    o["package_vsize"] = entry->ancestor_size + vsize;
    o["package_fee"] = btc_value(entry->ancestor_fees + built.fee);
    o["package_feerate"] = sat_per_vb(entry->ancestor_fees + built.fee, entry->ancestor_size + vsize);
    cli.print(o, txid.to_hex());
    return kExitOk;
}

int cmd_lockunspent(WalletCli& cli) {
    const bool unlock = cli.flag("unlock");
    if (cli.args().empty() && !unlock)
        throw WalletCliError(kExitError,
                             "usage: minicash-wallet lockunspent TXID:VOUT ... | lockunspent -unlock [TXID:VOUT ...]");
    WalletState& s = cli.state();
    const int tip = cli.sync_if_wanted(false);
    if (unlock && cli.args().empty()) {
        s.locked.clear();  // unlock everything (Core's lockunspent true)
    } else {
        for (const std::string& a : cli.args()) {
            auto op = wallet::parse_outpoint(a);
            if (!op) throw WalletCliError(kExitError, "invalid output '" + a + "' (TXID:VOUT)");
            if (unlock) wallet::unlock_coin(s, *op);
            else wallet::lock_coin(s, *op, tip);
        }
    }
    cli.save();
    cli.print(json::value(true), "true");
    return kExitOk;
}

int cmd_listlockunspent(WalletCli& cli) {
    if (!cli.args().empty()) throw WalletCliError(kExitError, "usage: minicash-wallet listlockunspent");
    json::array arr;
    std::string text;
    for (const OutPoint& op : cli.state().locked) {
        json::object o;
        o["txid"] = op.txid.to_hex();
        o["vout"] = op.index;
        arr.push_back(std::move(o));
        text += wallet::format_outpoint(op) + "\n";
    }
    cli.print(arr, text.empty() ? "(no locked outputs)" : text);
    return kExitOk;
}

int cmd_bumpfee(WalletCli& cli) {
    if (cli.args().size() != 1)
        throw WalletCliError(kExitError, "usage: minicash-wallet bumpfee TXID [-feerate=SAT_PER_VB]");
    auto txid = uint256::from_hex(cli.args()[0]);
    if (!txid) throw WalletCliError(kExitError, "invalid txid");
    WalletState& s = cli.state();
    cli.sync_if_wanted(true);
    const std::optional<wallet::FeeRate> rate = given_fee_rate(cli);
    wallet::FeeBump bump = wallet::build_fee_bump(
        s, *txid, rate, [&] { return choose_fee_rate(cli); }, cli.tip_height());
    wallet::sign_and_verify(s, bump.built.tx, bump.built.spent_outputs);
    const uint256 new_txid = broadcast(cli, bump.built.tx, true);
    s.txs[*txid].state = wallet::TxState::CONFLICTED;
    cli.save();
    json::object o;
    o["txid"] = new_txid.to_hex();
    o["origfee"] = btc_value(bump.old_fee);
    o["fee"] = btc_value(bump.built.fee);
    o["errors"] = json::array();
    cli.print(o, new_txid.to_hex());
    return kExitOk;
}

int cmd_psbt(WalletCli& cli) {
    const auto& a = cli.args();
    if (a.empty())
        throw WalletCliError(
            kExitError,
            "usage: minicash-wallet psbt create|sign|combine|finalize|extract|decode|broadcast|bumpfee ...");
    const std::string sub = a[0];
    auto need = [&](size_t n) {
        if (a.size() != n + 1)
            throw WalletCliError(kExitError,
                                 "usage: minicash-wallet psbt " + sub + (sub == "bumpfee" ? " TXID" : " PSBT"));
    };
    if (sub == "bumpfee") {
        need(1);
        auto txid = uint256::from_hex(a[1]);
        if (!txid) throw WalletCliError(kExitError, "invalid txid");
        WalletState& s = cli.state();
        cli.sync_if_wanted(true);
        const std::optional<wallet::FeeRate> rate = given_fee_rate(cli);
        wallet::FeeBump bump = wallet::build_fee_bump(
            s, *txid, rate, [&] { return choose_fee_rate(cli); }, cli.tip_height());
        Psbt p = Psbt::from_transaction(bump.built.tx);
        wallet::update_psbt(s, p);
        cli.save();  // a change address may have been handed out
        json::object o;
        o["psbt"] = p.to_base64();
        o["origfee"] = btc_value(bump.old_fee);
        o["fee"] = btc_value(bump.built.fee);
        o["errors"] = json::array();
        cli.print(o, p.to_base64());
        return kExitOk;
    }
    if (sub == "create") {
        Payment payment = parse_pairs(cli, a, 1);
        cli.state();
        cli.sync_if_wanted(true);
        wallet::BuiltTransaction built = fund(cli, payment);
        Psbt p = Psbt::from_transaction(built.tx);
        wallet::update_psbt(cli.state(), p);
        cli.save();  // the change address is now handed out
        json::object o;
        o["psbt"] = p.to_base64();
        o["fee"] = btc_value(built.fee);
        o["changepos"] = built.change_position ? int64_t(*built.change_position) : int64_t(-1);
        cli.print(o, p.to_base64());
        return kExitOk;
    }
    if (sub == "sign") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        WalletState& s = cli.state();  // never syncs: signing works offline
        if (s.watch_only) throw WalletCliError(kExitError, "this wallet is watch-only: it cannot sign");
        const wallet::PsbtSigned r = wallet::sign_psbt_for_wallet(s, p);
        json::object o;
        o["psbt"] = p.to_base64();
        o["complete"] = r.complete;
        o["signatures_added"] = r.signatures_added;
        cli.print(o, p.to_base64());
        return kExitOk;
    }
    if (sub == "combine") {
        if (a.size() < 3) throw WalletCliError(kExitError, "usage: minicash-wallet psbt combine PSBT PSBT ...");
        std::vector<Psbt> list;
        for (size_t i = 1; i < a.size(); ++i) list.push_back(decode_psbt_arg(a[i]));
        const Psbt p = wallet::combine_cosigner_psbts(list);
        json::object o;
        o["psbt"] = p.to_base64();
        o["complete"] = wallet::psbt_complete(p);
        cli.print(o, p.to_base64());
        return kExitOk;
    }
    if (sub == "finalize") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        const bool complete = finalize_psbt(p);
        if (!complete) throw WalletCliError(kExitPsbtRejected, "the PSBT is not complete: " + wallet::psbt_missing(p));
        json::object o;
        o["psbt"] = p.to_base64();
        o["complete"] = complete;
        std::string text = p.to_base64();
        if (complete) {
            if (auto tx = extract_transaction(p)) {
                o["hex"] = hex_encode(tx->serialize());
                text = hex_encode(tx->serialize());
            }
        }
        cli.print(o, text);
        return kExitOk;
    }
    if (sub == "extract") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        std::string why;
        auto tx = extract_transaction(p, &why);
        if (!tx) throw WalletCliError(kExitError, "cannot extract: " + why);
        json::object o;
        o["hex"] = hex_encode(tx->serialize());
        o["txid"] = tx->txid().to_hex();
        cli.print(o, hex_encode(tx->serialize()));
        return kExitOk;
    }
    if (sub == "decode") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        json::object o = decode_json(cli, p);
        std::string text = "txid " + p.tx.txid().to_hex() + "\n";
        for (const TxOut& out : p.tx.vout)
            text += "  pays " + format_btc(out.value) + " BTC to " +
                    address_or_script(out.script_pubkey, cli.params()) + "\n";
        if (o.contains("fee")) text += "  fee " + format_btc(rpc::amount_from_value(o["fee"])) + " BTC\n";
        text += "next step: " + std::string(o["next"].as_string());
        cli.print(o, text);
        return kExitOk;
    }
    if (sub == "broadcast") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        if (!finalize_psbt(p))
            throw WalletCliError(kExitPsbtRejected, "the PSBT is not complete: " + wallet::psbt_missing(p));
        std::string why;
        auto tx = extract_transaction(p, &why);
        if (!tx) throw WalletCliError(kExitPsbtRejected, "the PSBT is not complete: " + why);
        if (!verify_transaction_scripts(*tx, wallet::psbt_spent_outputs(p), &why))
            throw WalletCliError(kExitError, "signature check failed, nothing was sent: " + why);
        const uint256 txid = broadcast(cli, *tx, false);
        json::object o;
        o["txid"] = txid.to_hex();
        cli.print(o, txid.to_hex());
        return kExitOk;
    }
    throw WalletCliError(kExitError, "unknown psbt command '" + sub + "'");
}

}  // namespace minicash::app
