// What the JSON-RPC server adds to minicashd, kept out of minicashd.cpp: its options
// (-server, -rpcport, -rpcbind, -rpcallowip, -rpcuser, -rpcpassword, -rpcauth,
// -rpccookiefile, -rpcthreads, -rpcservertimeout, -rpcwhitelist, -rpcwhitelistdefault, -rest, -esplora, -txindex,
// -blockfilterindex, -addressindex), the cookie file's life, and the server's start and stop. With -rest the same
// server also answers Core's REST interface (rpc/rest.h), with -esplora the Esplora API.
//
// Other components add RPC commands by passing their registration functions to
// RpcService::start (see rpc/server.h); handlers receive the NodeContext, whose fields
// (connman, ...) may be filled in after start as long as handlers check for null.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/app_options.h"
#include "rpc/http_server.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::app {

void add_rpc_options(NodeOptions& o);

struct RpcSettings {
    bool server = true;
    rpc::HttpServerOptions http;
    std::string user, password;  // -rpcuser / -rpcpassword (never logged)
    std::vector<rpc::RpcAuthEntry> rpcauth;
    std::filesystem::path cookie_file;  // absolute
    bool txindex = false;
    bool blockfilterindex = false;
    bool silentpaymentindex = false;
    bool addressindex = false;  // -addressindex (also implied by -esplora)
    bool rest = false;          // -rest: REST on the RPC port (needs -server, as in Core)
    bool esplora = false;       // -esplora: the Esplora API on the RPC port (rpc/esplora.h)
};

// Validates and collects the options. Throws OptionError (e.g. malformed -rpcauth).
RpcSettings read_rpc_settings(const NodeOptions& o, const std::filesystem::path& netdir);

// Opens and starts the indexes asked for (node.txindex, node.blockfilterindex,
// node.silentpaymentindex) under
// node.datadir/indexes/, filling node.tx_index / node.block_filter_index. They catch up
// with the chain in their own threads. False with `error` when a database cannot be opened.
[[nodiscard]] bool start_indexes(NodeContext& node, std::string* error);
// Stops the index threads (before the chain state goes). Idempotent.
void stop_indexes(NodeContext& node);

class RpcService {
public:
    using Registration = std::function<void(rpc::RpcTable&)>;
    // Registers every command (ours and `extra`), writes the cookie when no password is
    // set, binds and starts the HTTP server. nullptr with `error` set on failure.
    [[nodiscard]] static std::unique_ptr<RpcService> start(const RpcSettings& settings, NodeContext& node,
                                                           const std::vector<Registration>& extra, std::string* error);
    ~RpcService();  // stop()s
    // Stops the server (requests in progress finish first; long ones such as
    // generatetoaddress see node.shutdown_requested and return early) and deletes the cookie.
    void stop();
    rpc::RpcTable& table() { return table_; }
    // Start-up is over (P2P is running): every command may run from now on.
    void end_warmup() { table_.set_warmup(false); }

private:
    RpcService() = default;
    rpc::RpcTable table_;
    std::unique_ptr<rpc::HttpRpcServer> server_;
    std::filesystem::path cookie_written_;
    NodeContext* node_ = nullptr;
};

}  // namespace minicash::app
