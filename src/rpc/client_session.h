// A client's connection to a node's JSON-RPC server, as bitcoin-cli makes it: the
// resolved endpoint and credentials (a cookie file is re-read before each attempt, as
// the node may rewrite it), Core's messages for unreachable servers and refused
// credentials, -rpcwait retries, and a keep-alive session for many calls in a row.
// minicash-cli and minicash-wallet resolve the endpoint from their options and
// minicash.conf.
//
// Error messages never repeat passwords or cookie contents.
#pragma once

#include <boost/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "consensus/params.h"
#include "rpc/client.h"

namespace minicash::rpc {

struct RpcConnection {
    std::string host;
    uint16_t port = 0;
    std::string credentials;  // "user:password"
    bool cookie_missing = false;
    std::filesystem::path cookie_path;  // set when the cookie authenticates (re-read per call)
    std::string config_path;
    std::filesystem::path datadir;      // absolute ("" when HOME is unset and no -datadir)
    std::filesystem::path network_dir;  // datadir / chain subdirectory
    Network network = Network::MAIN;
    std::string program = "minicash-cli";  // names itself in "see -help" hints
    bool wait = false;                     // -rpcwait: retry while unreachable or warming up
    int wait_timeout = 0;                  // -rpcwaittimeout (seconds, 0: none)
    int client_timeout = 900;              // -rpcclienttimeout (seconds, 0: none)
};

// Sends one JSON-RPC request document to `path` and returns the parsed reply document
// (numbers keep their text, as rpc::parse_json_preserving). Throws rpc::ConnectionError
// when no HTTP reply arrives, std::runtime_error for authentication failures and
// malformed replies.
boost::json::value call(RpcConnection& c, const boost::json::value& request, const std::string& path = "/");
// The same, retrying while the server is unreachable or warming up when `c.wait`;
// then rpc::ConnectionError("timeout on transient error: ...").
boost::json::value call_with_wait(RpcConnection& c, const boost::json::value& request, const std::string& path = "/");

// A keep-alive connection for many calls in a row (the wallet's sync). Behaves as
// call_with_wait; after a dropped connection it reconnects once before failing.
class RpcSession {
public:
    explicit RpcSession(RpcConnection c);
    ~RpcSession();
    RpcSession(const RpcSession&) = delete;
    RpcSession& operator=(const RpcSession&) = delete;

    boost::json::value call(const boost::json::value& request, const std::string& path = "/");
    const RpcConnection& connection() const { return c_; }

private:
    RpcConnection c_;
    std::unique_ptr<HttpRpcClient> client_;
};

}  // namespace minicash::rpc
