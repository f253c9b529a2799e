// How minicash-cli and minicash-wallet reach a node's JSON-RPC server, as bitcoin-cli:
// the options -regtest/-testnet4/-signet/-chain, -datadir, -conf, -rpcconnect (may carry
// a port), -rpcport, -rpcuser/-rpcpassword, -rpccookiefile, -rpcwait, -rpcwaittimeout,
// -rpcclienttimeout; the configuration file (top section, then the chain's section);
// and cookie discovery (<datadir>/<chain dir>/.cookie unless a password is set).
//
// Error messages never repeat passwords or cookie contents.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/command_line.h"
#include "consensus/params.h"
#include "rpc/client.h"

namespace minicash::app {

struct RpcConnectionOptions {
    bool wait = false;
    int wait_timeout = 0;
    int client_timeout = 900;
    std::optional<std::string> chain, datadir, conf, connect, port, user, password, cookiefile;
    std::map<std::string, std::string> config;  // from the configuration file, for the chosen chain
};

// Applies one command-line option (`name` without dashes and without a "no" prefix,
// `negated` when it had one) if it is a connection option. Returns false for other
// names; throws std::runtime_error for a malformed value or conflicting chain options.
bool apply_connection_option(const std::string& name, const std::string& value, bool negated,
                             RpcConnectionOptions& o);

// The help lines for the connection options (two-space indented, one per line).
std::string connection_options_help(const std::string& program);

struct RpcConnection {
    std::string host;
    uint16_t port = 0;
    std::string credentials;              // "user:password"
    bool cookie_missing = false;
    std::filesystem::path cookie_path;    // set when the cookie authenticates (re-read per call)
    std::string config_path;
    std::filesystem::path datadir;        // absolute ("" when HOME is unset and no -datadir)
    std::filesystem::path network_dir;    // datadir / chain subdirectory
    Network network = Network::MAIN;
    std::string program = "minicash-cli";  // names itself in "see -help" hints
};

// Reads the configuration file and resolves host, port, credentials and the chain.
// Throws std::runtime_error (bad datadir, unreadable -conf file, bad port, unknown chain).
RpcConnection resolve_connection(RpcConnectionOptions& o);

// Sends one JSON-RPC request document to `path` and returns the parsed reply document
// (numbers keep their text, as rpc::parse_json_preserving). Throws rpc::ConnectionError
// when no HTTP reply arrives, std::runtime_error for authentication failures and
// malformed replies.
boost::json::value rpc_call(RpcConnection& c, const RpcConnectionOptions& o, const boost::json::value& request,
                            const std::string& path = "/");
// The same, retrying while the server is unreachable or warming up when -rpcwait;
// then rpc::ConnectionError("timeout on transient error: ...").
boost::json::value rpc_call_with_wait(RpcConnection& c, const RpcConnectionOptions& o,
                                      const boost::json::value& request, const std::string& path = "/");

// A keep-alive connection for many calls in a row (the wallet's sync). Behaves as
// rpc_call_with_wait; after a dropped connection it reconnects once before failing.
class RpcSession {
public:
    RpcSession(RpcConnection c, RpcConnectionOptions o);
    ~RpcSession();
    RpcSession(const RpcSession&) = delete;
    RpcSession& operator=(const RpcSession&) = delete;

    boost::json::value call(const boost::json::value& request, const std::string& path = "/");
    const RpcConnection& connection() const { return c_; }

private:
    RpcConnection c_;
    RpcConnectionOptions o_;
    std::unique_ptr<rpc::HttpRpcClient> client_;
};

}  // namespace minicash::app
