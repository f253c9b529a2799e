// minicash-wallet commands that manage keys, the file and the view of the chain.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "app/wallet_cli.h"
#include "common/address.h"
#include "common/money.h"
#include "common/silent_payments.h"
#include "rpc/client.h"
#include "util/hash.h"
#include "util/hex.h"
#include "wallet/bip39.h"
#include "wallet/keychain.h"
#include "wallet/message_signing.h"
#include "wallet/spend.h"

namespace minicash::app {

namespace json = boost::json;
using wallet::WalletState;

namespace {

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

void need_args(const WalletCli& cli, size_t n, const std::string& usage) {
    if (cli.args().size() != n) throw WalletCliError(kExitError, "usage: minicash-wallet " + usage);
}

json::array public_descriptors(const WalletState& s) {
    json::array out;
    for (const wallet::WalletDescriptor& d : s.descriptors) out.push_back(json::string(d.desc.to_string(false)));
    return out;
}

// The node's height, or 0 when it cannot be asked.
int node_height_or_zero(WalletCli& cli) {
    try {
        return std::max(0, cli.node().tip().height);
    } catch (const std::exception&) {
        std::fputs("note: the node cannot be reached; the birthday is block 0 (the whole chain will be scanned)\n",
                   stderr);
        return 0;
    }
}

WalletState new_state(WalletCli& cli, int birthday, const std::vector<wallet::DescriptorSpec>& specs, bool watch_only) {
    std::string why;
    auto s = wallet::new_wallet_state(cli.network(), birthday, specs, watch_only, &why);
    if (!s) throw WalletCliError(kExitError, why);
    return std::move(*s);
}

// What a mnemonic gives a wallet: its descriptors, multisig signing accounts and
// silent payment keys.
struct FromSeed {
    std::vector<wallet::DescriptorSpec> specs;
    wallet::SeedKeys keys;
};

// The keys of a mnemonic (checked), wiping the seed afterwards.
FromSeed from_mnemonic(WalletCli& cli, const std::string& mnemonic) {
    std::string bip39_passphrase = cli.read_secret_file("bip39passphrasefile").value_or("");
    std::string why;
    auto seed = mnemonic_to_seed(mnemonic, bip39_passphrase, &why);
    wipe(bip39_passphrase);
    if (!seed) throw WalletCliError(kExitError, "invalid recovery phrase: " + why);
    const ByteView seed_view(seed->data(), seed->size());
    auto specs = wallet::descriptors_from_seed(seed_view, cli.params(), &why);
    FromSeed out;
    if (specs) out.keys = wallet::keys_from_seed(seed_view, cli.params());
    OPENSSL_cleanse(seed->data(), seed->size());
    if (!specs) throw WalletCliError(kExitError, why);
    out.specs = std::move(*specs);
    return out;
}

// Adds the seed's extra keys to a new wallet; silent payment scanning starts at
// `scan_from` when `scan_silent_payments` (a restore asked to look for them).
void add_seed_keys(WalletState& s, const wallet::SeedKeys& keys, bool scan_silent_payments) {
    s.signing_accounts = keys.accounts;
    s.silent_payments = keys.silent_payments;
    if (s.silent_payments) {
        s.silent_payments->active = scan_silent_payments;
        s.silent_payments->scan_from = s.birthday;
    }
}

json::object created_json(WalletCli& cli, const WalletState& s) {
    json::object o;
    o["wallet"] = cli.wallet_path().string();
    o["network"] = network_name(s.network);
    o["birthday"] = s.birthday;
    o["watch_only"] = s.watch_only;
    o["descriptors"] = public_descriptors(s);
    return o;
}

std::string describe_tip(int height) { return height < 0 ? "none" : std::to_string(height); }

// A coin's label: its own (BIP329 output record), else its address's (for a silent
// payment output, the labelled silent payment address it was paid to).
std::optional<std::string> coin_label(const WalletState& s, const wallet::WalletCoin& c, const std::string& address) {
    if (auto l = s.labels.get("output", wallet::format_outpoint(c.outpoint))) return l;
    if (c.owner.is_silent_payment()) {
        const wallet::SilentPaymentOutput& o = s.silent_payments->outputs.at(c.out.script_pubkey);
        if (o.label && *o.label > 0)
            return s.labels.get("addr", sp::encode_address(s.silent_payments->address(o.label), s.network));
        return std::nullopt;
    }
    return s.labels.get("addr", address);
}

// A transaction's label: its own, else the label of an address of ours it pays.
std::optional<std::string> tx_label(const WalletState& s, const uint256& txid, const ChainParams& params) {
    if (auto l = s.labels.get("tx", txid.to_hex())) return l;
    auto it = s.txs.find(txid);
    if (it == s.txs.end()) return std::nullopt;
    for (const TxOut& o : it->second.tx.vout)
        if (s.is_mine(o.script_pubkey))
            if (auto l = s.labels.get("addr", address_or_script(o.script_pubkey, params))) return l;
    return std::nullopt;
}

// The BIP329 type of a reference: an address, a txid or txid:vout.
std::string label_type_of(const std::string& ref, const ChainParams& params) {
    if (wallet::parse_outpoint(ref)) return "output";
    if (ref.size() == 64 && uint256::from_hex(ref)) return "tx";
    if (sp::looks_like_address(ref)) {
        std::string why;
        if (!sp::decode_address(ref, params.network, &why))
            throw WalletCliError(kExitInvalidAddress, "invalid address " + ref + ": " + why);
        return "addr";
    }
    decode_address_or_throw(ref, params);
    return "addr";
}

}  // namespace

int cmd_create(WalletCli& cli) {
    need_args(cli, 0,
              "create [-words=12|24] [-watchonly=XPUB|DESCRIPTOR] [-multisig=M -cosigners=KEY,KEY,... "
              "[-type=bech32|p2sh-segwit|bech32m]] [-birthday=HEIGHT]");
    const std::optional<int64_t> birthday_opt = cli.int_option("birthday");
    std::vector<wallet::DescriptorSpec> specs;
    wallet::SeedKeys seed_keys;
    std::string mnemonic;
    const bool multisig = cli.option("multisig").has_value();
    const bool watch_only = cli.option("watchonly").has_value() || multisig;
    if (multisig) {
        // A watch-only wallet for an M-of-N policy over the cosigners' keys: it makes
        // PSBTs, each cosigner's own wallet signs them.
        if (cli.option("watchonly")) throw WalletCliError(kExitError, "give either -multisig or -watchonly, not both");
        const int64_t m = cli.int_option("multisig").value_or(0);
        const std::string list = cli.option("cosigners").value_or("");
        if (list.empty() || list == "1")
            throw WalletCliError(kExitError, "-multisig needs -cosigners=KEY,KEY,... (each from 'getxpub')");
        std::vector<std::string> keys;
        for (size_t pos = 0; pos <= list.size();) {
            const size_t comma = std::min(list.find(',', pos), list.size());
            keys.push_back(list.substr(pos, comma - pos));
            pos = comma + 1;
        }
        const std::string type_name = cli.option("type").value_or("bech32");
        auto type = wallet::parse_address_type(type_name);
        if (!type) throw WalletCliError(kExitError, "unknown -type '" + type_name + "' (bech32, p2sh-segwit, bech32m)");
        std::string why;
        auto text = wallet::multisig_descriptor(int(m), keys, *type, &why);
        if (!text) throw WalletCliError(kExitError, why);
        auto w = wallet::descriptors_from_watch(*text, cli.params(), &why);
        if (!w) throw WalletCliError(kExitError, why);
        specs = *w;
    } else if (watch_only) {
        std::string why;
        auto w = wallet::descriptors_from_watch(*cli.option("watchonly"), cli.params(), &why);
        if (!w) throw WalletCliError(kExitError, why);
        specs = *w;
    } else {
        const int64_t words = cli.int_option("words").value_or(12);
        if (words != 12 && words != 24) throw WalletCliError(kExitError, "-words must be 12 or 24");
        std::array<uint8_t, 32> entropy{};
        const size_t len = words == 12 ? 16 : 32;
        if (RAND_bytes(entropy.data(), int(len)) != 1) throw WalletCliError(kExitError, "no randomness available");
        auto m = mnemonic_from_entropy(ByteView(entropy.data(), len));
        OPENSSL_cleanse(entropy.data(), entropy.size());
        if (!m) throw WalletCliError(kExitError, "mnemonic generation failed");
        mnemonic = std::move(*m);
        FromSeed f = from_mnemonic(cli, mnemonic);
        specs = std::move(f.specs);
        seed_keys = std::move(f.keys);
    }
    if (std::filesystem::exists(cli.wallet_path()))
        throw WalletCliError(kExitError, cli.wallet_path().string() + " already exists; refusing to overwrite it");
    const int birthday = birthday_opt ? int(*birthday_opt) : node_height_or_zero(cli);
    WalletState s = new_state(cli, birthday, specs, watch_only);
    add_seed_keys(s, seed_keys, false);
    std::string passphrase = cli.read_passphrase("New wallet passphrase: ", true);
    cli.create_wallet(std::move(s), passphrase);
    wipe(passphrase);
    json::object o = created_json(cli, cli.state());
    std::string text =
        "Wallet created: " + cli.wallet_path().string() + "\nBirthday: block " + std::to_string(birthday);
    if (!mnemonic.empty()) {
        o["mnemonic"] = mnemonic;
        text += "\n\nRecovery phrase (" + std::to_string(std::count(mnemonic.begin(), mnemonic.end(), ' ') + 1) +
                " words). Write it down and keep it safe; it is shown only this once:\n\n  " + mnemonic + "\n";
    } else {
        text += "\nWatch-only: it can see payments and create PSBTs, but not sign.";
    }
    cli.print(o, text);
    wipe(text);
    if (o.contains("mnemonic")) {
        json::string& js = o["mnemonic"].as_string();
        OPENSSL_cleanse(js.data(), js.size());
    }
    wipe(mnemonic);
    return kExitOk;
}

int cmd_restore(WalletCli& cli) {
    need_args(cli, 0, "restore [-mnemonicfile=PATH] [-birthday=HEIGHT] [-silentpayments]");
    if (std::filesystem::exists(cli.wallet_path()))
        throw WalletCliError(kExitError, cli.wallet_path().string() + " already exists; refusing to overwrite it");
    std::string raw = cli.read_secret_file("mnemonicfile", true).value_or("");
    if (!cli.option("mnemonicfile")) raw = cli.prompt_secret("Recovery phrase: ");
    // Words separated by any whitespace, joined by single spaces.
    std::string mnemonic;
    {
        std::istringstream in(raw);
        std::string w;
        while (in >> w) {
            if (!mnemonic.empty()) mnemonic += ' ';
            mnemonic += w;
            wipe(w);
        }
    }
    wipe(raw);
    FromSeed f = from_mnemonic(cli, mnemonic);
    wipe(mnemonic);
    const int birthday = int(cli.int_option("birthday").value_or(0));
    WalletState s = new_state(cli, birthday, f.specs, false);
    add_seed_keys(s, f.keys, cli.flag("silentpayments"));
    std::string passphrase = cli.read_passphrase("New wallet passphrase: ", true);
    cli.create_wallet(std::move(s), passphrase);
    wipe(passphrase);
    cli.print(created_json(cli, cli.state()), "Wallet restored: " + cli.wallet_path().string() +
                                                  "\nIt scans from block " + std::to_string(birthday) +
                                                  " on its first sync.");
    return kExitOk;
}

// A silent payment address (labelled when -label is given: each label gets its own m).
std::string new_silent_payment_address(WalletCli& cli, WalletState& s) {
    if (!s.silent_payments)
        throw WalletCliError(kExitError, s.watch_only ? "a watch-only wallet has no silent payment keys"
                                                      : "this wallet has no silent payment keys (it was made before "
                                                        "they existed: restore it from its words to get them)");
    wallet::SilentPaymentAccount& a = *s.silent_payments;
    if (!a.active) {
        // Payments can only come from now on: scanning starts after the last synced block.
        a.active = true;
        a.scan_from = std::max(s.synced_height + 1, s.birthday);
    }
    std::optional<uint32_t> m;
    if (auto label = cli.option("label"); label && !label->empty()) m = a.next_label++;
    return sp::encode_address(a.address(m), s.network);
}

int cmd_getnewaddress(WalletCli& cli) {
    need_args(cli, 0, "getnewaddress [-type=bech32|bech32m|p2sh-segwit|legacy|silentpayment] [-label=LABEL]");
    const std::string type_name = cli.option("type").value_or("bech32");
    WalletState& s = cli.state();
    std::string address;
    if (type_name == "silentpayment") {
        address = new_silent_payment_address(cli, s);
    } else {
        auto type = wallet::parse_address_type(type_name);
        if (!type)
            throw WalletCliError(kExitError, "unknown address type '" + type_name +
                                                 "' (bech32, bech32m, p2sh-segwit, legacy, silentpayment)");
        std::string why;
        auto script = s.new_script(*type, cli.flag("internal"), &why);
        if (!script) throw WalletCliError(kExitError, why);
        address = address_or_script(*script, cli.params());
    }
    if (auto label = cli.option("label"); label && !label->empty()) s.labels.set("addr", address, *label);
    cli.save();
    json::object o;
    o["address"] = address;
    cli.print(o, address);
    return kExitOk;
}

int cmd_getxpub(WalletCli& cli) {
    need_args(cli, 0, "getxpub [-type=bech32|p2sh-segwit|bech32m]");
    const std::string type_name = cli.option("type").value_or("bech32");
    auto type = wallet::parse_address_type(type_name);
    if (!type) throw WalletCliError(kExitError, "unknown -type '" + type_name + "' (bech32, p2sh-segwit, bech32m)");
    std::string why;
    auto key = wallet::cosigner_key(cli.state(), *type, &why);
    if (!key) throw WalletCliError(kExitError, why);
    json::object o;
    o["key"] = *key;
    o["type"] = type_name;
    cli.print(o, *key);
    return kExitOk;
}

int cmd_sync(WalletCli& cli) {
    need_args(cli, 0, "sync [-scan=filters|full]");
    const std::string scan = cli.option("scan").value_or("filters");
    if (scan != "filters" && scan != "full") throw WalletCliError(kExitError, "-scan must be filters or full");
    cli.state();
    wallet::SyncResult r;
    try {
        r = cli.run_sync(scan == "full" ? wallet::ScanMode::FULL : wallet::ScanMode::FILTERS);
    } catch (const rpc::ConnectionError& e) {
        throw WalletCliError(kExitError, std::string("cannot reach the node: ") + e.what());
    }
    json::object o;
    o["height"] = r.tip_height;
    o["blocks_scanned"] = r.blocks_scanned;
    o["blocks_fetched"] = r.blocks_fetched;
    o["scan"] = r.used_filters ? "filters" : "full";
    o["reorg_depth"] = r.reorg_depth;
    if (!r.silent_payment_source.empty()) {
        json::object sp;
        sp["source"] = r.silent_payment_source;
        sp["tweaks"] = r.silent_payment_tweaks;
        sp["found"] = r.silent_payment_found;
        o["silent_payments"] = std::move(sp);
    }
    std::string text = "Synced to block " + std::to_string(r.tip_height) + ": " + std::to_string(r.blocks_scanned) +
                       " blocks scanned, " + std::to_string(r.blocks_fetched) + " downloaded (" +
                       (r.used_filters ? "block filters" : "full blocks") + ")";
    if (!r.silent_payment_source.empty())
        text += "; silent payments: " + std::to_string(r.silent_payment_found) + " found in " +
                std::to_string(r.silent_payment_tweaks) + " transactions (" +
                (r.silent_payment_source == "index" ? "the node's index" : "blocks with prevouts") + ")";
    if (r.reorg_depth) text += "; followed a reorg of " + std::to_string(r.reorg_depth) + " blocks";
    cli.print(o, text);
    return kExitOk;
}

int cmd_balance(WalletCli& cli) {
    need_args(cli, 0, "balance");
    const int tip = cli.sync_if_wanted(false);
    const wallet::Balances b = cli.state().balances(tip);
    json::object o;
    o["confirmed"] = btc_value(b.confirmed);
    o["unconfirmed"] = btc_value(b.unconfirmed);
    o["immature"] = btc_value(b.immature);
    cli.print(o, "confirmed:   " + format_btc(b.confirmed) + " BTC\nunconfirmed: " + format_btc(b.unconfirmed) +
                     " BTC\nimmature:    " + format_btc(b.immature) + " BTC");
    return kExitOk;
}

int cmd_listunspent(WalletCli& cli) {
    need_args(cli, 0,
              "listunspent [-minconf=N] [-maxconf=N] [-addresses=ADDR,...] [-minamount=BTC] [-maxamount=BTC] "
              "[-label=LABEL]");
    const int64_t minconf = cli.int_option("minconf").value_or(0);
    const int64_t maxconf = cli.int_option("maxconf").value_or(9999999);
    std::set<std::string> addresses;
    if (auto list = cli.option("addresses")) {
        for (size_t pos = 0; pos <= list->size();) {
            const size_t comma = std::min(list->find(',', pos), list->size());
            const std::string a = list->substr(pos, comma - pos);
            decode_address_or_throw(a, cli.params());
            addresses.insert(a);
            pos = comma + 1;
        }
    }
    auto amount_option = [&](const char* name) -> std::optional<Amount> {
        auto v = cli.option(name);
        if (!v) return std::nullopt;
        auto a = parse_btc(*v);
        if (!a || *a < 0) throw WalletCliError(kExitError, std::string("-") + name + " takes an amount in BTC");
        return a;
    };
    const std::optional<Amount> minamount = amount_option("minamount"), maxamount = amount_option("maxamount");
    const std::optional<std::string> want_label = cli.option("label");
    const int tip = cli.sync_if_wanted(false);
    WalletState& s = cli.state();
    json::array arr;
    std::string text;
    for (const wallet::WalletCoin& c : s.unspent(tip)) {
        if (s.locked.count(c.outpoint)) continue;  // listlockunspent shows them
        const std::string address = address_or_script(c.out.script_pubkey, cli.params());
        const std::optional<std::string> label = coin_label(s, c, address);
        if (c.confirmations < minconf || c.confirmations > maxconf) continue;
        if (!addresses.empty() && !addresses.count(address)) continue;
        if ((minamount && c.out.value < *minamount) || (maxamount && c.out.value > *maxamount)) continue;
        if (want_label && label.value_or("") != *want_label) continue;
        const bool immature = c.coinbase && c.confirmations < wallet::kCoinbaseMaturity;
        json::object o;
        if (label) o["label"] = *label;
        o["txid"] = c.outpoint.txid.to_hex();
        o["vout"] = c.outpoint.index;
        o["address"] = address_or_script(c.out.script_pubkey, cli.params());
        o["scriptPubKey"] = hex_encode(c.out.script_pubkey.bytes());
        o["amount"] = btc_value(c.out.value);
        o["confirmations"] = c.confirmations;
        o["coinbase"] = c.coinbase;
        o["spendable"] = !immature && (c.state == wallet::TxState::CONFIRMED || c.from_me);
        o["change"] = c.owner.is_silent_payment() ? s.silent_payments->outputs.at(c.out.script_pubkey).label == 0u
                                                  : s.descriptors[c.owner.descriptor].internal;
        arr.push_back(std::move(o));
        text += c.outpoint.txid.to_hex() + ":" + std::to_string(c.outpoint.index) + "  " + address + "  " +
                format_btc(c.out.value) + " BTC  " + std::to_string(c.confirmations) + " conf" +
                (immature ? " (immature)" : "") + (label ? "  [" + *label + "]" : "") + "\n";
    }
    if (text.empty()) text = "(no unspent outputs)";
    cli.print(arr, text);
    return kExitOk;
}

int cmd_history(WalletCli& cli) {
    need_args(cli, 0, "history");
    const int tip = cli.sync_if_wanted(false);
    json::array arr;
    std::string text;
    const WalletState& s = cli.state();
    for (const wallet::HistoryEntry& e : s.history(tip)) {
        const Amount net = e.received - e.sent;
        const std::optional<std::string> label = tx_label(s, e.txid, cli.params());
        json::object o;
        o["txid"] = e.txid.to_hex();
        if (label) o["label"] = *label;
        o["state"] = wallet::tx_state_name(e.state);
        o["height"] = e.height;
        o["confirmations"] = e.confirmations;
        o["amount"] = btc_value(net);
        if (e.fee) o["fee"] = btc_value(*e.fee);
        o["coinbase"] = e.coinbase;
        o["time"] = e.time;
        arr.push_back(std::move(o));
        char line[256];
        std::snprintf(line, sizeof line, "%s  %-10s %8s  %s%s BTC%s%s", e.txid.to_hex().c_str(),
                      wallet::tx_state_name(e.state), e.height >= 0 ? std::to_string(e.height).c_str() : "-",
                      net >= 0 ? "+" : "", format_btc(net).c_str(),
                      e.fee ? ("  fee " + format_btc(*e.fee)).c_str() : "", e.coinbase ? "  (coinbase)" : "");
        text += line;
        text += (label ? "  [" + *label + "]" : "") + "\n";
    }
    if (text.empty()) text = "(no transactions)";
    cli.print(arr, text);
    return kExitOk;
}

int cmd_setlabel(WalletCli& cli) {
    need_args(cli, 2, "setlabel ADDRESS|TXID|TXID:VOUT LABEL");
    WalletState& s = cli.state();
    const std::string& ref = cli.args()[0];
    const std::string type = label_type_of(ref, cli.params());
    s.labels.set(type, ref, cli.args()[1]);
    cli.save();
    json::object o;
    o["type"] = type;
    o["ref"] = ref;
    o["label"] = cli.args()[1];
    cli.print(o, type + " " + ref + ": " + (cli.args()[1].empty() ? "(label removed)" : cli.args()[1]));
    return kExitOk;
}

int cmd_listlabels(WalletCli& cli) {
    need_args(cli, 0, "listlabels");
    json::array arr;
    std::string text;
    for (const auto& [key, record] : cli.state().labels.records()) {
        const json::value* label = record.if_contains("label");
        if (!label || !label->is_string()) continue;
        json::object o;
        o["type"] = key.first;
        o["ref"] = key.second;
        o["label"] = *label;
        arr.push_back(std::move(o));
        text += key.first + "  " + key.second + "  " + std::string(label->as_string()) + "\n";
    }
    cli.print(arr, text.empty() ? "(no labels)" : text);
    return kExitOk;
}

int cmd_labels(WalletCli& cli) {
    const auto& a = cli.args();
    if (a.empty() || (a[0] != "export" && a[0] != "import") || a.size() > 2 || (a[0] == "import" && a.size() != 2))
        throw WalletCliError(kExitError, "usage: minicash-wallet labels export [FILE] | labels import FILE");
    WalletState& s = cli.state();
    if (a[0] == "export") {
        // Locked coins are written as unspendable outputs (BIP329's "spendable": false).
        wallet::Labels out = s.labels;
        for (const OutPoint& op : s.locked) out.set_spendable(wallet::format_outpoint(op), false);
        const std::string text = out.to_jsonl();
        if (a.size() == 2) {
            std::string why;
            if (!wallet::write_file_exclusive(std::filesystem::absolute(a[1]), Bytes(text.begin(), text.end()), &why))
                throw WalletCliError(kExitError, why);
            json::object o;
            o["exported"] = out.records().size();
            o["file"] = a[1];
            cli.print(o, "Exported " + std::to_string(out.records().size()) + " records to " + a[1]);
        } else {
            std::cout << text;
        }
        return kExitOk;
    }
    std::ifstream in(a[1], std::ios::binary);
    if (!in) throw WalletCliError(kExitError, "cannot read " + a[1]);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::vector<boost::json::object> records;
    try {
        records = wallet::Labels::parse_jsonl(text);
    } catch (const wallet::LabelFileError& e) {
        throw WalletCliError(kExitBadInput, a[1] + ": " + e.what() + " (nothing was imported)");
    }
    // "spendable": false locks the output, whether or not the wallet has seen it yet
    // (a restored wallet learns its coins on its next sync); true unlocks it.
    size_t locked = 0;
    for (const boost::json::object& r : records) {
        if (r.at("type").as_string() != "output") continue;
        const json::value* spendable = r.if_contains("spendable");
        if (!spendable) continue;
        auto op = wallet::parse_outpoint(std::string(r.at("ref").as_string()));
        if (!spendable->as_bool()) locked += s.locked.insert(*op).second ? 1 : 0;
        else s.locked.erase(*op);
    }
    wallet::Labels merged = s.labels;
    merged.merge(records);
    s.labels = std::move(merged);
    cli.save();
    json::object o;
    o["imported"] = records.size();
    o["locked"] = locked;
    cli.print(o, "Imported " + std::to_string(records.size()) + " records" +
                     (locked ? " (" + std::to_string(locked) + " outputs locked as unspendable)" : ""));
    return kExitOk;
}

int cmd_getwalletinfo(WalletCli& cli) {
    need_args(cli, 0, "getwalletinfo");
    const int tip = cli.sync_if_wanted(false);
    WalletState& s = cli.state();
    json::object o;
    o["wallet"] = cli.wallet_path().string();
    o["network"] = network_name(s.network);
    o["birthday"] = s.birthday;
    o["synced_height"] = s.synced_height;
    o["watch_only"] = s.watch_only;
    o["txcount"] = s.txs.size();
    o["descriptors"] = public_descriptors(s);
    const wallet::Balances b = s.balances(tip);
    o["balance"] = btc_value(b.confirmed);
    std::string text = "wallet:        " + cli.wallet_path().string() + "\nnetwork:       " + network_name(s.network) +
                       "\nbirthday:      " + std::to_string(s.birthday) +
                       "\nsynced height: " + describe_tip(s.synced_height) +
                       "\nwatch-only:    " + (s.watch_only ? "yes" : "no") +
                       "\ntransactions:  " + std::to_string(s.txs.size()) + "\ndescriptors:\n";
    for (const wallet::WalletDescriptor& d : s.descriptors) text += "  " + d.desc.to_string(false) + "\n";
    cli.print(o, text);
    return kExitOk;
}

int cmd_export_descriptors(WalletCli& cli) {
    need_args(cli, 0, "export-descriptors [-private]");
    const bool priv = cli.flag("private");
    WalletState& s = cli.state();
    if (priv && s.watch_only) throw WalletCliError(kExitError, "this wallet is watch-only: it has no private keys");
    json::array arr;
    std::string text;
    for (const wallet::WalletDescriptor& d : s.descriptors) {
        json::object o;
        o["desc"] = d.desc.to_string(priv);
        o["internal"] = d.internal;
        o["active"] = d.type.has_value();
        if (d.type) o["type"] = wallet::address_type_name(*d.type);
        o["next_index"] = d.next_index;
        o["range"] = json::array{0, d.range_end() - 1};
        text += d.desc.to_string(priv) + "\n";
        arr.push_back(std::move(o));
    }
    json::object doc;
    doc["descriptors"] = std::move(arr);
    cli.print(doc, text);
    // Best effort: private descriptors should not linger in memory.
    wipe(text);
    return kExitOk;
}

int cmd_import_descriptor(WalletCli& cli) {
    need_args(cli, 1, "import-descriptor DESCRIPTOR [-internal]");
    WalletState& s = cli.state();
    std::string why;
    auto desc = Descriptor::parse(cli.args()[0], cli.params(), &why);
    if (!desc) throw WalletCliError(kExitError, "invalid descriptor: " + why);
    const auto imported = wallet::import_descriptor(s, *desc, cli.flag("internal"), &why);
    if (!imported) throw WalletCliError(kExitError, why);
    cli.save();
    std::string text = "Imported; the wallet rescans from block " + std::to_string(s.birthday) + ".";
    if (!cli.nosync()) {
        try {
            cli.run_sync(wallet::ScanMode::FILTERS);
            text = "Imported and rescanned from block " + std::to_string(s.birthday) + ".";
        } catch (const rpc::ConnectionError&) { text += " (the node cannot be reached now; run 'sync' later)"; }
    }
    json::object o;
    o["imported"] = *imported;
    o["rescan_from"] = s.birthday;
    cli.print(o, text);
    return kExitOk;
}

int cmd_backup(WalletCli& cli) {
    need_args(cli, 1, "backup PATH");
    cli.state();  // checks the passphrase and that the file is intact
    std::string why;
    auto bytes = wallet::read_file(cli.wallet_path(), &why);
    if (!bytes) throw WalletCliError(kExitError, why);
    const std::filesystem::path dest = std::filesystem::absolute(cli.args()[0]);
    if (!wallet::write_file_exclusive(dest, *bytes, &why)) throw WalletCliError(kExitError, why);
    json::object o;
    o["backup"] = dest.string();
    cli.print(o, "Backup written to " + dest.string() + " (encrypted with the same passphrase)");
    return kExitOk;
}

int cmd_change_passphrase(WalletCli& cli) {
    need_args(cli, 0, "change-passphrase [-newpassphrasefile=PATH]");
    cli.state();
    std::string fresh = cli.read_passphrase("New wallet passphrase: ", true, "newpassphrasefile");
    auto key = wallet::WalletKey::create(fresh);
    wipe(fresh);
    if (!key) throw WalletCliError(kExitError, "key derivation failed");
    cli.set_key(std::move(*key));
    cli.save();
    json::object o;
    o["changed"] = true;
    cli.print(o, "Passphrase changed.");
    return kExitOk;
}

int cmd_validateaddress(WalletCli& cli) {
    need_args(cli, 1, "validateaddress ADDRESS");
    const std::string& address = cli.args()[0];
    AddressError err;
    auto script = decode_address(address, cli.params(), err);
    json::object o;
    o["isvalid"] = script.has_value();
    std::string text;
    if (script) {
        o["address"] = address;
        o["scriptPubKey"] = hex_encode(script->bytes());
        auto dest = extract_destination(*script);
        const bool is_script = dest && (std::holds_alternative<ScriptHashDest>(*dest) ||
                                        std::holds_alternative<WitnessV0ScriptHashDest>(*dest));
        int version = 0;
        Bytes program;
        const bool witness = script->is_witness_program(version, program);
        o["isscript"] = is_script;
        o["iswitness"] = witness;
        std::string kind = "unknown";
        if (dest) {
            if (std::holds_alternative<PKHashDest>(*dest)) kind = "P2PKH (legacy)";
            else if (std::holds_alternative<ScriptHashDest>(*dest)) kind = "P2SH";
            else if (std::holds_alternative<WitnessV0KeyHashDest>(*dest)) kind = "P2WPKH (segwit v0)";
            else if (std::holds_alternative<WitnessV0ScriptHashDest>(*dest)) kind = "P2WSH (segwit v0)";
            else if (std::holds_alternative<WitnessV1TaprootDest>(*dest)) kind = "P2TR (taproot, segwit v1)";
            else kind = "segwit v" + std::to_string(version) + " (not yet defined; spendable by anyone today)";
        }
        if (witness) {
            o["witness_version"] = version;
            o["witness_program"] = hex_encode(program);
        }
        text = "valid " + network_name(cli.network()) + " address: " + kind +
               "\nscriptPubKey: " + hex_encode(script->bytes());
    } else {
        o["error"] = err.message;
        json::array positions;
        for (size_t p : err.positions) positions.push_back(p);
        o["error_locations"] = std::move(positions);
        text = "invalid address: " + err.message;
        if (!err.positions.empty()) {
            text += "\n  " + address + "\n  ";
            std::string marks(address.size(), ' ');
            for (size_t p : err.positions)
                if (p < marks.size()) marks[p] = '^';
            text += marks;
        }
    }
    cli.print(o, text);
    return script ? kExitOk : kExitInvalidAddress;
}

int cmd_signmessage(WalletCli& cli) {
    need_args(cli, 2, "signmessage ADDRESS MESSAGE [-format=legacy|simple|full]");
    const Script script = decode_address_or_throw(cli.args()[0], cli.params());
    WalletState& s = cli.state();
    const wallet::ScriptOwner* owner = s.owner_of(script);
    if (!owner) throw WalletCliError(kExitError, "the address does not belong to this wallet");
    if (!owner->is_silent_payment() && !s.descriptors[owner->descriptor].desc.has_private_keys())
        throw WalletCliError(kExitError, "this wallet has no private key for the address (watch-only)");
    wallet::MessageFormat format = wallet::default_message_format(script);
    if (auto f = cli.option("format")) {
        auto parsed = wallet::parse_message_format(*f);
        if (!parsed) throw WalletCliError(kExitError, "-format must be legacy, simple or full");
        format = *parsed;
    }
    std::optional<std::string> sig;
    if (format == wallet::MessageFormat::kLegacy) {
        // Core's signmessage (P2PKH), with BIP137's header byte for P2SH-P2WPKH and P2WPKH.
        auto dest = extract_destination(script);
        wallet::MessageSigType type;
        if (dest && std::holds_alternative<PKHashDest>(*dest)) type = wallet::MessageSigType::kP2pkh;
        else if (dest && std::holds_alternative<WitnessV0KeyHashDest>(*dest)) type = wallet::MessageSigType::kP2wpkh;
        else if (dest && std::holds_alternative<ScriptHashDest>(*dest)) type = wallet::MessageSigType::kP2shP2wpkh;
        else
            throw WalletCliError(kExitError,
                                 "the legacy format covers legacy, p2sh-segwit and bech32 (P2WPKH) addresses: use "
                                 "-format=simple or full");
        const Descriptor& d = s.descriptors[owner->descriptor].desc;
        auto keys = d.private_keys(owner->index);
        if (keys.empty()) throw WalletCliError(kExitError, "no private key for the address");
        sig = wallet::sign_message(keys.front().second, cli.args()[1], keys.front().first.size() == 33, type);
        if (!sig) throw WalletCliError(kExitError, "signing failed");
    } else {
        KeyStore keys;
        wallet::add_keys_for_scripts(s, {script}, keys);
        wallet::Bip322SignOptions o;
        o.format = format;
        std::string why;
        sig = wallet::sign_message_bip322(keys, script, cli.args()[1], o, &why);
        if (!sig) throw WalletCliError(kExitError, why);
    }
    json::object o;
    o["signature"] = *sig;
    cli.print(o, *sig);
    return kExitOk;
}

int cmd_verifymessage(WalletCli& cli) {
    need_args(cli, 3, "verifymessage ADDRESS SIGNATURE MESSAGE");
    std::string why;
    auto c = wallet::check_message(cli.args()[0], cli.args()[1], cli.args()[2], cli.params(), &why);
    if (!c) throw WalletCliError(kExitInvalidAddress, "invalid address " + cli.args()[0] + ": " + why);
    json::object o;
    std::string text;
    if (c->legacy) {
        const wallet::MessageRpcError e = wallet::verify_message_rpc_error(c->legacy_result);
        if (e.code != 0) throw WalletCliError(kExitBadInput, e.message);
        o["valid"] = c->valid();
        o["format"] = "legacy";
        text = c->valid() ? "true" : "false";
    } else {
        const bip322::Result& r = c->bip322;
        // A signature that cannot be read is bad input; one that does not verify is "false".
        if (r.error.find("base64") != std::string::npos || r.error.find("parsing") != std::string::npos ||
            r.error.find("too short") != std::string::npos)
            throw WalletCliError(kExitBadInput, "malformed BIP322 signature: " + r.error);
        o["valid"] = r.state == bip322::State::kValid;
        o["format"] = bip322::format_name(r.format);
        text = r.state == bip322::State::kValid ? "true" : "false";
        if (r.state == bip322::State::kValid && (r.locktime || r.sequence)) {
            o["locktime"] = r.locktime;
            o["sequence"] = r.sequence;
            text += " (valid at time " + std::to_string(r.locktime) + " and age " + std::to_string(r.sequence) + ")";
        }
        if (r.format == bip322::Format::kProofOfFunds) o["proven_amount"] = btc_value(r.proven_amount);
        if (r.state == bip322::State::kInconclusive) {
            o["inconclusive"] = true;
            text = "inconclusive: " + r.error;
        }
        if (r.state != bip322::State::kValid) o["reason"] = r.error;
    }
    cli.print(o, text);
    return kExitOk;
}

}  // namespace minicash::app
