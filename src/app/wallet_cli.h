// minicash-wallet's command context: parsed options, passphrase prompts, the node
// connection, the open wallet (wallet/wallet_store.h) and output in text or JSON.
// Commands are free functions taking it (app/wallet_commands.cpp, app/wallet_spend.cpp:
// options and printing; the logic is in src/wallet/); main() is in app/minicash_wallet.cpp.
#pragma once

#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/rpc_connection.h"
#include "consensus/params.h"
#include "wallet/rpc_chain_source.h"
#include "wallet/sync.h"
#include "wallet/wallet_file.h"
#include "wallet/wallet_state.h"
#include "wallet/wallet_store.h"

namespace minicash::app {

// Exit statuses (documented in -help).
enum ExitCode : int {
    kExitOk = 0,
    kExitError = 1,
    kExitWrongPassphrase = 3,
    kExitCorrupted = 4,
    kExitInsufficientFunds = 5,
    kExitInvalidAddress = 6,
    kExitPsbtRejected = 7,  // a PSBT not for this wallet, wrong fingerprint, duplicate or missing signatures
    kExitBadInput = 8,      // a malformed file or signature (label file, message signature)
};

// A failure to report as "error: <message>" with an exit status.
struct WalletCliError : std::runtime_error {
    int exit_code;
    WalletCliError(int code, const std::string& message) : std::runtime_error(message), exit_code(code) {}
};

class WalletCli {
public:
    // Parses argv (options may appear anywhere; "--" ends them). Throws WalletCliError.
    WalletCli(int argc, char** argv);
    ~WalletCli();

    const std::string& command() const { return command_; }
    const std::vector<std::string>& args() const { return args_; }
    bool help() const { return help_; }
    bool version() const { return version_; }
    bool json() const { return json_; }
    bool nosync() const { return nosync_; }

    // A command option's value ("1" for a bare -name, "0" for -noname).
    std::optional<std::string> option(const std::string& name) const;
    bool flag(const std::string& name) const;
    std::optional<int64_t> int_option(const std::string& name) const;  // throws on a non-number

    const ChainParams& params();
    Network network();
    std::filesystem::path wallet_path();

    // The node (connects on first use).
    wallet::RpcChainSource& node();

    // Passphrases: -passphrasefile's first line, else a prompt on the terminal (twice
    // when `confirm`). Throws when neither is possible.
    std::string read_passphrase(const std::string& prompt, bool confirm, const char* file_option = "passphrasefile");
    // A secret from a file's first line (or whole file when `whole`), or nullopt if the
    // option is absent.
    std::optional<std::string> read_secret_file(const char* option, bool whole = false);
    std::string prompt_secret(const std::string& prompt);

    // Opens the wallet file (locks it for this process, removes temporary files an
    // interrupted save left, asks for the passphrase). Warns when the file's mode is not
    // 0600 (and leaves it). When the file cannot be written (mode, directory, read-only
    // filesystem): opens it read-only for the commands that do not write it (reads_only()),
    // without a lock and saving nothing; refuses for the others.
    void open_wallet();
    bool reads_only() const;
    // Creates a new wallet file (refusing to overwrite) for `state`.
    void create_wallet(wallet::WalletState state, const std::string& passphrase);
    void save();  // re-encrypts and replaces the file atomically (nothing when read-only)
    wallet::WalletState& state();
    const wallet::WalletKey& key() const { return *key_; }
    void set_key(wallet::WalletKey key) { key_ = std::move(key); }

    // Syncs with the node unless -nosync. Returns the height to compute confirmations
    // with. When the node cannot be reached and `required` is false, warns and uses
    // the last synced height.
    int sync_if_wanted(bool required);
    // Runs a sync (with the progress bar on a terminal).
    wallet::SyncResult run_sync(wallet::ScanMode mode);
    int tip_height() const { return tip_height_; }

    // Writes `json_value` (with -json) or `text` (a trailing newline is added) to stdout.
    void print(const boost::json::value& json_value, const std::string& text);

private:
    void parse(int argc, char** argv);
    void lock_wallet();

    std::string command_;
    std::vector<std::string> args_;
    std::map<std::string, std::string> options_;
    bool help_ = false, version_ = false, json_ = false, nosync_ = false;
    RpcConnectionOptions rpc_;
    std::optional<rpc::RpcConnection> connection_;
    std::unique_ptr<rpc::RpcSession> session_;
    std::unique_ptr<wallet::RpcChainSource> source_;
    std::optional<ChainParams> params_;
    std::optional<wallet::WalletState> state_;
    std::optional<wallet::WalletKey> key_;
    std::unique_ptr<wallet::WalletFileLock> lock_;
    int tip_height_ = -1;
    bool read_only_ = false;  // opened read-only: save() does nothing
};

// Commands (app/wallet_commands.cpp).
int cmd_create(WalletCli& cli);
int cmd_restore(WalletCli& cli);
int cmd_getnewaddress(WalletCli& cli);
int cmd_getxpub(WalletCli& cli);
int cmd_sync(WalletCli& cli);
int cmd_balance(WalletCli& cli);
int cmd_listunspent(WalletCli& cli);
int cmd_history(WalletCli& cli);
int cmd_getwalletinfo(WalletCli& cli);
int cmd_setlabel(WalletCli& cli);
int cmd_listlabels(WalletCli& cli);
int cmd_labels(WalletCli& cli);
int cmd_export_descriptors(WalletCli& cli);
int cmd_import_descriptor(WalletCli& cli);
int cmd_backup(WalletCli& cli);
int cmd_change_passphrase(WalletCli& cli);
int cmd_validateaddress(WalletCli& cli);
int cmd_signmessage(WalletCli& cli);
int cmd_verifymessage(WalletCli& cli);
// (app/wallet_spend.cpp)
int cmd_send(WalletCli& cli);
int cmd_sendmany(WalletCli& cli);
int cmd_sendall(WalletCli& cli);
int cmd_cpfp(WalletCli& cli);
int cmd_lockunspent(WalletCli& cli);
int cmd_listlockunspent(WalletCli& cli);
int cmd_bumpfee(WalletCli& cli);
int cmd_psbt(WalletCli& cli);

// Helpers shared by the command files.
boost::json::value btc_value(Amount sats);  // a JSON number printed with 8 decimals
std::string address_or_script(const Script& script, const ChainParams& params);
// Decodes an address for the wallet's network; throws WalletCliError(kExitInvalidAddress).
Script decode_address_or_throw(const std::string& address, const ChainParams& params);

}  // namespace minicash::app
