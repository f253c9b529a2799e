// minicash-wallet: a non-custodial command-line wallet. Keys live only in its encrypted
// wallet file and this process; the node is reached through Core-compatible JSON-RPC
// (wallet/rpc_chain_source.h over rpc/client_session.h). See doc/ and src/wallet/README.md.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>

#include "app/wallet_cli.h"
#include "common/address.h"
#include "common/money.h"
#include "rpc/client.h"
#include "rpc/server.h"
#include "util/hex.h"
#include "wallet/spend.h"
#include "wallet/wallet_store.h"

namespace minicash::app {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Options minicash-wallet takes besides the connection options (app/rpc_connection.h).
const char* const kOptions[] = {
    "wallet",
    "passphrasefile",
    "newpassphrasefile",
    "json",
    "nosync",
    "words",
    "watchonly",
    "birthday",
    "bip39passphrasefile",
    "mnemonicfile",
    "type",
    "scan",
    "feerate",
    "conftarget",
    "subtractfee",
    "private",
    "internal",
    "syncsaveinterval",
    "debugcrashafter",
    "multisig",
    "cosigners",
    "silentpayments",
    "inputs",
    "addinputs",
    "change-address",
    "change-type",
    "change",
    "spendunconfirmed",
    "unconfirmeddepth",
    "label",
    "unlock",
    "minconf",
    "maxconf",
    "addresses",
    "minamount",
    "maxamount",
    "format",
    "spscan",
};

std::string usage() {
    return "minicash-wallet: non-custodial wallet for minicashd (or Bitcoin Core with -blockfilterindex)\n\n"
           "Usage: minicash-wallet [options] <command> [arguments]\n\n"
           "Commands (* = works without a node):\n"
           "  create [-words=12|24] [-watchonly=XPUB|DESCRIPTOR] [-birthday=HEIGHT] [-bip39passphrasefile=PATH]\n"
           "  create -multisig=M -cosigners=KEY,KEY,... [-type=bech32|p2sh-segwit|bech32m]   (KEY from getxpub)\n"
           "  restore [-mnemonicfile=PATH] [-birthday=HEIGHT] [-bip39passphrasefile=PATH] [-silentpayments]\n"
           "  getnewaddress [-type=bech32|bech32m|p2sh-segwit|legacy|silentpayment] [-internal] [-label=LABEL]\n"
           "  getxpub [-type=bech32|p2sh-segwit|bech32m]    this wallet's cosigner key for a multisig wallet\n"
           "  sync [-scan=filters|full] [-spscan=auto|index|blocks]\n"
           "  balance | history | getwalletinfo\n"
           "  listunspent [-minconf=N] [-maxconf=N] [-addresses=ADDR,...] [-minamount=BTC] [-maxamount=BTC] "
           "[-label=LABEL]\n"
           "  lockunspent TXID:VOUT ... | lockunspent -unlock [TXID:VOUT ...] | listlockunspent\n"
           "  setlabel ADDRESS|TXID|TXID:VOUT LABEL | listlabels | labels export [FILE] | labels import FILE\n"
           "  send ADDRESS AMOUNT [fee options] [-subtractfee] [coin options] [-label=LABEL]\n"
           "  sendmany ADDRESS=AMOUNT [ADDRESS=AMOUNT ...] [fee options] [coin options]\n"
           "  sendall ADDRESS [-inputs=TXID:VOUT,...] [fee options]\n"
           "  bumpfee TXID [-feerate=SAT_PER_VB]   cpfp TXID -feerate=SAT_PER_VB\n"
           "  psbt create ADDRESS=AMOUNT ... [fee options] [coin options]   funded, unsigned (watch-only wallets too)\n"
           "  psbt sign PSBT | psbt combine PSBT PSBT ... * | psbt finalize PSBT * | psbt extract PSBT * |\n"
           "  psbt decode PSBT * | psbt broadcast PSBT | psbt bumpfee TXID   (base64; \"-\" reads standard input)\n"
           "  export-descriptors [-private]   import-descriptor DESCRIPTOR [-internal]\n"
           "  backup PATH   change-passphrase [-newpassphrasefile=PATH]\n"
           "  validateaddress ADDRESS *   signmessage ADDRESS MESSAGE [-format=legacy|simple|full]\n"
           "  verifymessage ADDRESS SIGNATURE MESSAGE *   (legacy and BIP322 signatures)\n\n"
           "Fee options: -feerate=SAT_PER_VB | -conftarget=N\n"
           "Coin options: -inputs=TXID:VOUT,... [-addinputs], -change-address=ADDRESS | -change-type=TYPE | "
           "-nochange,\n"
           "  -spendunconfirmed [-unconfirmeddepth=N] (spend unconfirmed coins paid by others)\n\n"
           "Options:\n"
           "  -help                  Print this help message and exit\n"
           "  -wallet=<path>         Wallet file (default: <datadir>/<chain>/wallets/default.wallet)\n"
           "  -passphrasefile=<path> Read the wallet passphrase from the first line of <path>\n"
           "  -json                  Machine-readable JSON on standard output\n"
           "  -nosync                Do not sync with the node before the command\n"
           "  -syncsaveinterval=<n>  Save sync progress every <n> blocks (default: 1000)\n" +
           connection_options_help("minicash-wallet") +
           "\nExit status: 0 success, 1 usage or other error, 3 wrong passphrase, 4 corrupted wallet file,\n"
           "5 insufficient funds, 6 invalid address, 7 PSBT rejected (not for this wallet, wrong key origin,\n"
           "duplicate or missing signatures), 8 malformed input (label file, message signature). Errors are printed to "
           "standard error as\n"
           "\"error: <message>\" (with -json also {\"error\": {\"code\": <exit status>, \"message\": ...}} on\n"
           "standard output).\n";
}

std::string first_line(const std::string& s) {
    std::string line = s.substr(0, s.find('\n'));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

void wipe(std::string& s) {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Options

WalletCli::WalletCli(int argc, char** argv) { parse(argc, argv); }

WalletCli::~WalletCli() = default;

void WalletCli::parse(int argc, char** argv) {
    bool options_done = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (options_done || a.size() < 2 || a[0] != '-') {
            if (command_.empty()) command_ = a;
            else args_.push_back(a);
            continue;
        }
        if (a == "--") {
            options_done = true;
            continue;
        }
        const DashOption opt = parse_dash_option(a, [](const std::string& n) { return n != "nosync"; });
        // -nochange is -change=0 (the negation), like every -noNAME.
        const std::string& name = opt.name;
        const std::string value = opt.value.value_or("");
        const bool negated = opt.negated, has_value = opt.value.has_value();
        if (name == "?" || name == "h" || name == "help") {
            help_ = true;
            continue;
        }
        if (name == "version") {
            version_ = true;
            continue;
        }
        try {
            if (apply_connection_option(name, value, negated, rpc_)) continue;
        } catch (const std::exception& e) { throw WalletCliError(kExitError, e.what()); }
        bool known = false;
        for (const char* k : kOptions) known = known || name == k;
        if (!known) throw WalletCliError(kExitError, "Invalid parameter -" + (negated ? "no" + name : name));
        if (name == "json" || name == "nosync") {
            auto b = parse_bool_option(value);
            if (!b) throw WalletCliError(kExitError, "Invalid boolean value for -" + name);
            (name == "json" ? json_ : nosync_) = negated ? !*b : *b;
            continue;
        }
        if (negated) options_[name] = "0";
        else options_[name] = has_value ? value : "1";
    }
}

std::optional<std::string> WalletCli::option(const std::string& name) const {
    auto it = options_.find(name);
    if (it == options_.end()) return std::nullopt;
    return it->second;
}

bool WalletCli::flag(const std::string& name) const {
    auto v = option(name);
    if (!v) return false;
    auto b = parse_bool_option(*v);
    if (!b) throw WalletCliError(kExitError, "Invalid boolean value for -" + name);
    return *b;
}

std::optional<int64_t> WalletCli::int_option(const std::string& name) const {
    auto v = option(name);
    if (!v) return std::nullopt;
    if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos)
        throw WalletCliError(kExitError, "-" + name + " takes a non-negative whole number");
    return std::stoll(*v);
}

Network WalletCli::network() {
    if (!connection_) {
        try {
            connection_ = resolve_connection(rpc_);
            connection_->program = "minicash-wallet";
        } catch (const std::exception& e) { throw WalletCliError(kExitError, e.what()); }
    }
    return connection_->network;
}

const ChainParams& WalletCli::params() {
    if (!params_) params_ = make_chain_params(network());
    return *params_;
}

fs::path WalletCli::wallet_path() {
    network();
    if (auto w = option("wallet")) return fs::absolute(*w);
    return connection_->network_dir / "wallets" / "default.wallet";
}

wallet::RpcChainSource& WalletCli::node() {
    if (!source_) {
        network();
        session_ = std::make_unique<rpc::RpcSession>(*connection_);
        source_ = std::make_unique<wallet::RpcChainSource>(
            [session = session_.get()](const json::value& request) { return session->call(request); });
    }
    return *source_;
}

// ---------------------------------------------------------------------------------------
// Secrets

std::string WalletCli::prompt_secret(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY);
    if (fd < 0) throw WalletCliError(kExitError, "no terminal to ask for the passphrase: use -passphrasefile=PATH");
    termios old{};
    const bool is_tty = ::tcgetattr(fd, &old) == 0;
    if (is_tty) {
        termios silent = old;
        silent.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &silent);
    }
    (void)!::write(fd, prompt.data(), prompt.size());
    std::string line;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
    if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::optional<std::string> WalletCli::read_secret_file(const char* opt, bool whole) {
    auto path = option(opt);
    if (!path) return std::nullopt;
    std::ifstream in(*path, std::ios::binary);
    if (!in) throw WalletCliError(kExitError, std::string("cannot read -") + opt + " file " + *path);
    std::string content((std::istreambuf_iterator<char>(in)), {});
    std::string out = whole ? content : first_line(content);
    wipe(content);
    return out;
}

std::string WalletCli::read_passphrase(const std::string& prompt, bool confirm, const char* file_option) {
    if (auto p = read_secret_file(file_option)) {
        if (p->empty()) throw WalletCliError(kExitError, "the passphrase file's first line is empty");
        return *p;
    }
    std::string p = prompt_secret(prompt);
    if (p.empty()) throw WalletCliError(kExitError, "the passphrase must not be empty");
    if (confirm) {
        std::string again = prompt_secret("Repeat the passphrase: ");
        const bool same = again == p;
        wipe(again);
        if (!same) {
            wipe(p);
            throw WalletCliError(kExitError, "the passphrases do not match");
        }
    }
    return p;
}

// ---------------------------------------------------------------------------------------
// The wallet file

void WalletCli::lock_wallet() {
    if (!lock_) lock_ = std::make_unique<wallet::WalletFileLock>(wallet_path());
}

bool WalletCli::reads_only() const {
    return command_ == "balance" || command_ == "history" || command_ == "listunspent" ||
           command_ == "export-descriptors" || command_ == "getwalletinfo" || command_ == "signmessage" ||
           command_ == "backup";
}

void WalletCli::open_wallet() {
    if (state_) return;
    const fs::path path = wallet_path();
    if (!fs::exists(path))
        throw WalletCliError(kExitError,
                             "no wallet file at " + path.string() + " (create one with 'create', or use -wallet=PATH)");
    if (auto mode = wallet::wallet_file_mode(path); mode && *mode != 0600)
        std::fprintf(stderr, "warning: the wallet file %s has mode %04o, not 0600 (owner only); it is left as it is\n",
                     path.c_str(), *mode);
    std::string why;
    if (!wallet::wallet_file_writable(path, &why)) {
        if (!reads_only())
            throw WalletCliError(kExitError, "the wallet file " + path.string() + " cannot be written (" + why +
                                                 "); '" + command_ +
                                                 "' needs to write it (balance, history, listunspent, "
                                                 "export-descriptors, getwalletinfo, signmessage and backup "
                                                 "work read-only)");
        // Read-only: no lock file can be made, nothing is saved (a sync is kept in memory).
        read_only_ = true;
        std::fprintf(stderr, "note: the wallet file %s is opened read-only (%s); nothing is saved\n", path.c_str(),
                     why.c_str());
    } else {
        lock_wallet();
        for (const fs::path& stale : wallet::remove_stale_temporary_files(path))
            std::fprintf(stderr, "note: removed %s, left by a save that was interrupted\n", stale.c_str());
    }
    const Bytes bytes = wallet::read_wallet_file(path);
    std::string passphrase = read_passphrase("Wallet passphrase: ", false);
    wallet::UnsealedWallet w;
    try {
        w = wallet::unseal_wallet(bytes, passphrase);
    } catch (...) {
        wipe(passphrase);
        throw;
    }
    wipe(passphrase);
    if (w.state.network != network())
        throw WalletCliError(kExitError, "the wallet is for " + network_name(w.state.network) +
                                             " but the chain selected is " + network_name(network()) +
                                             " (use -chain=" + network_name(w.state.network) + ")");
    state_ = std::move(w.state);
    key_ = std::move(w.key);
    tip_height_ = state_->synced_height;
}

void WalletCli::create_wallet(wallet::WalletState state, const std::string& passphrase) {
    const fs::path path = wallet_path();
    wallet::prepare_new_wallet_path(path);
    auto key = wallet::WalletKey::create(passphrase);
    if (!key) throw WalletCliError(kExitError, "key derivation failed");
    lock_wallet();
    wallet::create_wallet_file(path, *key, state);
    state_ = std::move(state);
    key_ = std::move(*key);
}

void WalletCli::save() {
    if (read_only_) return;  // see open_wallet
    wallet::save_wallet(wallet_path(), *key_, *state_);
}

wallet::WalletState& WalletCli::state() {
    if (!state_) open_wallet();
    return *state_;
}

// ---------------------------------------------------------------------------------------
// Sync

wallet::SyncResult WalletCli::run_sync(wallet::ScanMode mode) {
    wallet::SyncOptions o;
    o.mode = mode;
    if (auto sp_scan = option("spscan")) {
        if (*sp_scan == "index") o.silent_payments = wallet::SilentPaymentSource::INDEX;
        else if (*sp_scan == "blocks") o.silent_payments = wallet::SilentPaymentSource::BLOCKS;
        else if (*sp_scan != "auto") throw WalletCliError(kExitError, "-spscan must be auto, index or blocks");
    }
    if (auto n = int_option("syncsaveinterval")) o.save_every = int(std::max<int64_t>(1, *n));
    o.save = [this](const wallet::WalletState&) { save(); };
    const bool tty = ::isatty(2) && !json_;
    const auto started = std::chrono::steady_clock::now();
    auto last_draw = started - std::chrono::seconds(1);
    const std::optional<int64_t> crash_after = int_option("debugcrashafter");
    o.progress = [&](const wallet::SyncProgress& p) {
        if (crash_after && p.blocks_done >= *crash_after) std::_Exit(137);  // test hook: a crash mid-sync
        if (!tty) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw < std::chrono::milliseconds(200) && p.height != p.tip) return;
        last_draw = now;
        const double secs = std::chrono::duration<double>(now - started).count();
        const int total = std::max(1, p.tip - p.start + 1);
        const double pct = 100.0 * p.blocks_done / total;
        char line[160];
        std::snprintf(line, sizeof line, "\rsync: height %d / %d  %5.1f%%  %.0f blocks/s  (%d downloaded)   ", p.height,
                      p.tip, pct, secs > 0 ? p.blocks_done / secs : 0.0, p.blocks_fetched);
        std::fputs(line, stderr);
        if (p.height == p.tip) std::fputs("\n", stderr);
    };
    wallet::SyncResult r;
    try {
        r = wallet::sync_wallet(*state_, node(), o);
    } catch (const wallet::ChainSourceError& e) {
        save();
        throw WalletCliError(kExitError, std::string("node error during sync: ") + e.what());
    } catch (const rpc::ConnectionError&) {
        save();
        throw;
    }
    if (r.fell_back && !json_)
        std::fputs("note: the node has no block filter index (-blockfilterindex); scanned full blocks\n", stderr);
    save();
    tip_height_ = r.tip_height;
    return r;
}

int WalletCli::sync_if_wanted(bool required) {
    state();
    if (nosync_) return tip_height_ = state_->synced_height;
    try {
        run_sync(wallet::ScanMode::FILTERS);
    } catch (const rpc::ConnectionError& e) {
        if (required) throw WalletCliError(kExitError, std::string("cannot reach the node: ") + e.what());
        std::fprintf(stderr, "warning: the node cannot be reached; showing the wallet as of block %d\n",
                     state_->synced_height);
        tip_height_ = state_->synced_height;
    }
    return tip_height_;
}

void WalletCli::print(const json::value& j, const std::string& text) {
    if (json_) std::cout << rpc::write_json(j, 2) << "\n";
    else std::cout << text << (text.empty() || text.back() == '\n' ? "" : "\n");
}

// ---------------------------------------------------------------------------------------
// Helpers

json::value btc_value(Amount sats) { return rpc::amount_value(sats); }

std::string address_or_script(const Script& script, const ChainParams& params) {
    if (auto a = encode_address(script, params)) return *a;
    return "script:" + hex_encode(script.bytes());
}

Script decode_address_or_throw(const std::string& address, const ChainParams& params) {
    std::string why;
    auto script = decode_address(address, params, &why);
    if (!script) throw WalletCliError(kExitInvalidAddress, "invalid address " + address + ": " + why);
    return *script;
}

namespace {

int dispatch(WalletCli& cli) {
    const std::string& c = cli.command();
    if (c == "create") return cmd_create(cli);
    if (c == "restore") return cmd_restore(cli);
    if (c == "getnewaddress") return cmd_getnewaddress(cli);
    if (c == "getxpub") return cmd_getxpub(cli);
    if (c == "sync") return cmd_sync(cli);
    if (c == "balance" || c == "getbalance") return cmd_balance(cli);
    if (c == "listunspent") return cmd_listunspent(cli);
    if (c == "history" || c == "listtransactions") return cmd_history(cli);
    if (c == "getwalletinfo") return cmd_getwalletinfo(cli);
    if (c == "setlabel") return cmd_setlabel(cli);
    if (c == "listlabels") return cmd_listlabels(cli);
    if (c == "labels") return cmd_labels(cli);
    if (c == "export-descriptors") return cmd_export_descriptors(cli);
    if (c == "import-descriptor") return cmd_import_descriptor(cli);
    if (c == "backup") return cmd_backup(cli);
    if (c == "change-passphrase") return cmd_change_passphrase(cli);
    if (c == "validateaddress") return cmd_validateaddress(cli);
    if (c == "signmessage") return cmd_signmessage(cli);
    if (c == "verifymessage") return cmd_verifymessage(cli);
    if (c == "send") return cmd_send(cli);
    if (c == "sendmany") return cmd_sendmany(cli);
    if (c == "sendall") return cmd_sendall(cli);
    if (c == "cpfp") return cmd_cpfp(cli);
    if (c == "lockunspent") return cmd_lockunspent(cli);
    if (c == "listlockunspent") return cmd_listlockunspent(cli);
    if (c == "bumpfee") return cmd_bumpfee(cli);
    if (c == "psbt") return cmd_psbt(cli);
    throw WalletCliError(kExitError, "unknown command '" + c + "' (see -help)");
}

int report(bool json_output, int code, const std::string& message) {
    std::cerr << "error: " << message << "\n";
    if (json_output) {
        json::object err;
        err["code"] = code;
        err["message"] = message;
        json::object doc;
        doc["error"] = std::move(err);
        std::cout << rpc::write_json(doc, 2) << "\n";
    }
    return code;
}

}  // namespace

}  // namespace minicash::app

int main(int argc, char** argv) {
    using namespace minicash::app;
    bool json_output = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "-json") == 0 || std::strcmp(argv[i], "--json") == 0) json_output = true;
    try {
        WalletCli cli(argc, argv);
        if (cli.help()) {
            std::cout << usage();
            return 0;
        }
        if (cli.version()) {
            std::cout << "minicash wallet version 0.1.0\n";
            return 0;
        }
        if (cli.command().empty()) {
            std::cerr << usage();
            return kExitError;
        }
        return dispatch(cli);
    } catch (const WalletCliError& e) {
        return report(json_output, e.exit_code, e.what());
    } catch (const minicash::wallet::WalletStoreError& e) {
        using Kind = minicash::wallet::WalletStoreError::Kind;
        return report(json_output,
                      e.kind == Kind::kWrongPassphrase ? kExitWrongPassphrase
                      : e.kind == Kind::kCorrupted     ? kExitCorrupted
                                                       : kExitError,
                      e.what());
    } catch (const minicash::wallet::SpendError& e) {
        using Kind = minicash::wallet::SpendError::Kind;
        return report(json_output,
                      e.kind == Kind::kInsufficientFunds ? kExitInsufficientFunds
                      : e.kind == Kind::kPsbtRejected    ? kExitPsbtRejected
                                                         : kExitError,
                      e.what());
    } catch (const minicash::rpc::ConnectionError& e) {
        return report(json_output, kExitError, std::string("cannot reach the node: ") + e.what());
    } catch (const minicash::wallet::ChainSourceError& e) {
        return report(json_output, kExitError, std::string("the node returned an error: ") + e.what());
    } catch (const std::exception& e) { return report(json_output, kExitError, e.what()); }
}
