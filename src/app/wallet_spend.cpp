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
#include "rpc/server.h"
#include "util/hex.h"
#include "wallet/coin_selection.h"
#include "wallet/keychain.h"
#include "wallet/signer.h"
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

// -feerate (sat/vB) or -conftarget (the node's estimate).
wallet::FeeRate choose_fee_rate(WalletCli& cli) {
    if (auto f = cli.option("feerate")) {
        if (cli.option("conftarget")) throw WalletCliError(kExitError, "give either -feerate or -conftarget, not both");
        auto rate = wallet::parse_fee_rate_sat_per_vb(*f);
        if (!rate) throw WalletCliError(kExitError, "-feerate takes a positive number of sat/vB (at most 3 decimals)");
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

// Funds `recipients` at the chosen fee rate from the synced wallet.
wallet::BuiltTransaction fund(WalletCli& cli, const std::vector<wallet::Recipient>& recipients) {
    const wallet::FeeRate rate = choose_fee_rate(cli);
    return wallet::fund_transaction(cli.state(), recipients, rate, cli.tip_height());
}

// testmempoolaccept, then sendrawtransaction; records and saves the transaction as ours.
uint256 broadcast(WalletCli& cli, const Transaction& tx, bool record) {
    const uint256 txid = wallet::test_and_broadcast(cli.node(), tx);
    if (record) {
        wallet::record_sent(cli.state(), tx, unix_now());
        cli.save();
    }
    return txid;
}

double sat_per_vb(Amount fee, size_t vsize) { return vsize ? double(fee) / double(vsize) : 0.0; }

int send_to(WalletCli& cli, std::vector<wallet::Recipient> recipients) {
    cli.state();
    cli.sync_if_wanted(true);
    wallet::BuiltTransaction built = fund(cli, recipients);
    wallet::sign_and_verify(cli.state(), built.tx, built.spent_outputs);
    const uint256 txid = broadcast(cli, built.tx, true);
    const size_t vsize = (built.tx.weight() + 3) / 4;
    json::object o;
    o["txid"] = txid.to_hex();
    o["fee"] = btc_value(built.fee);
    o["feerate"] = sat_per_vb(built.fee, vsize);
    o["vsize"] = vsize;
    o["replaceable"] = true;
    o["changepos"] = built.change_position ? int64_t(*built.change_position) : int64_t(-1);
    cli.print(o, txid.to_hex());
    return kExitOk;
}

std::vector<wallet::Recipient> parse_pairs(WalletCli& cli, const std::vector<std::string>& args, size_t first) {
    std::vector<wallet::Recipient> out;
    for (size_t i = first; i < args.size(); ++i) {
        const size_t eq = args[i].find('=');
        if (eq == std::string::npos) throw WalletCliError(kExitError, "expected ADDRESS=AMOUNT, got '" + args[i] + "'");
        wallet::Recipient r;
        r.script_pubkey = decode_address_or_throw(args[i].substr(0, eq), cli.params());
        r.amount = parse_amount_or_throw(args[i].substr(eq + 1));
        r.subtract_fee_from_amount = cli.flag("subtractfee");
        out.push_back(std::move(r));
    }
    if (out.empty()) throw WalletCliError(kExitError, "no recipients (ADDRESS=AMOUNT ...)");
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
    if (!p) throw WalletCliError(kExitError, "invalid PSBT: " + why);
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
    wallet::Recipient r;
    r.script_pubkey = decode_address_or_throw(cli.args()[0], cli.params());
    r.amount = parse_amount_or_throw(cli.args()[1]);
    r.subtract_fee_from_amount = cli.flag("subtractfee");
    return send_to(cli, {r});
}

int cmd_sendmany(WalletCli& cli) {
    auto recipients = parse_pairs(cli, cli.args(), 0);
    return send_to(cli, recipients);
}

int cmd_bumpfee(WalletCli& cli) {
    if (cli.args().size() != 1)
        throw WalletCliError(kExitError, "usage: minicash-wallet bumpfee TXID [-feerate=SAT_PER_VB]");
    auto txid = uint256::from_hex(cli.args()[0]);
    if (!txid) throw WalletCliError(kExitError, "invalid txid");
    WalletState& s = cli.state();
    cli.sync_if_wanted(true);
    std::optional<wallet::FeeRate> rate;
    if (auto f = cli.option("feerate")) {
        rate = wallet::parse_fee_rate_sat_per_vb(*f);
        if (!rate) throw WalletCliError(kExitError, "-feerate takes a positive number of sat/vB (at most 3 decimals)");
    }
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
        throw WalletCliError(kExitError,
                             "usage: minicash-wallet psbt create|sign|combine|finalize|extract|decode|broadcast ...");
    const std::string sub = a[0];
    auto need = [&](size_t n) {
        if (a.size() != n + 1) throw WalletCliError(kExitError, "usage: minicash-wallet psbt " + sub + " PSBT");
    };
    if (sub == "create") {
        auto recipients = parse_pairs(cli, a, 1);
        cli.state();
        cli.sync_if_wanted(true);
        wallet::BuiltTransaction built = fund(cli, recipients);
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
        wallet::update_psbt(s, p);
        KeyStore keys;
        wallet::add_keys_for_psbt(s, p, keys);
        std::string why;
        sign_psbt(p, keys, {}, &why);
        if (!why.empty()) throw WalletCliError(kExitError, "cannot sign: " + why);
        json::object o;
        o["psbt"] = p.to_base64();
        o["complete"] = wallet::psbt_complete(p);
        cli.print(o, p.to_base64());
        return kExitOk;
    }
    if (sub == "combine") {
        if (a.size() < 3) throw WalletCliError(kExitError, "usage: minicash-wallet psbt combine PSBT PSBT ...");
        std::vector<Psbt> list;
        for (size_t i = 1; i < a.size(); ++i) list.push_back(decode_psbt_arg(a[i]));
        std::string why;
        auto p = combine_psbts(list, &why);
        if (!p) throw WalletCliError(kExitError, "cannot combine: " + why);
        json::object o;
        o["psbt"] = p->to_base64();
        cli.print(o, p->to_base64());
        return kExitOk;
    }
    if (sub == "finalize") {
        need(1);
        Psbt p = decode_psbt_arg(a[1]);
        const bool complete = finalize_psbt(p);
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
        return complete ? kExitOk : kExitError;
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
        (void)finalize_psbt(p);  // finalizes what it can; extract_transaction() says what is missing
        std::string why;
        auto tx = extract_transaction(p, &why);
        if (!tx) throw WalletCliError(kExitError, "the PSBT is not complete: " + why);
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
