// The connection options of minicash-cli and minicash-wallet, as bitcoin-cli's:
// -regtest/-testnet4/-signet/-chain, -datadir, -conf, -rpcconnect (may carry a port),
// -rpcport, -rpcuser/-rpcpassword, -rpccookiefile, -rpcwait, -rpcwaittimeout,
// -rpcclienttimeout; the configuration file (top section, then the chain's section);
// and cookie discovery (<datadir>/<chain dir>/.cookie unless a password is set). They
// resolve to an rpc::RpcConnection (rpc/client_session.h), which makes the calls.
//
// Error messages never repeat passwords or cookie contents.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "app/command_line.h"
#include "consensus/params.h"
#include "rpc/client_session.h"

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
bool apply_connection_option(const std::string& name, const std::string& value, bool negated, RpcConnectionOptions& o);

// The help lines for the connection options (two-space indented, one per line).
std::string connection_options_help(const std::string& program);

// Reads the configuration file and resolves host, port, credentials and the chain.
// Throws std::runtime_error (bad datadir, unreadable -conf file, bad port, unknown chain).
rpc::RpcConnection resolve_connection(RpcConnectionOptions& o);

}  // namespace minicash::app
