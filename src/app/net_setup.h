// What the P2P layer adds to minicashd, kept out of minicashd.cpp: its options (-listen,
// -port, -bind, -connect, -addnode, -seednode, -dnsseed, -maxconnections,
// -networkactive, -whitelist, -whitebind, -whitelistrelay, -whitelistforcerelay, -proxy,
// -onion, -proxyrandomize, -onlynet, -cjdnsreachable, -externalip, -discover,
// -listenonion, -uacomment, -maxtipage, -peertimeout, -blocksonly), and the connection manager's start
// and stop.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/app_options.h"
#include "net/connman.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::net {
class ChainAccess;
class BlockFilterSource;
class TxPool;
}  // namespace minicash::net

namespace minicash::app {

void add_net_options(NodeOptions& o);

struct NetSettings {
    net::ConnmanOptions connman;  // with -blocksonly (net/peer_logic.h's PeerLogicOptions)
};

// Validates and collects the options (Core's interactions: -connect turns off -listen
// and -dnsseed unless they are given; -proxy turns off -listen and -discover, -externalip
// -discover; an -onlynet without IPv4 and IPv6 turns off -dnsseed). Throws OptionError
// with Core's messages for malformed -whitelist, -whitebind, -proxy, -onion, -onlynet,
// -externalip values.
NetSettings read_net_settings(const NodeOptions& o, const std::filesystem::path& netdir);

// `base` ("/minicash:0.1.0/") with the -uacomment values in BIP14 form:
// "/minicash:0.1.0(a; b)/". Throws OptionError with Core's messages for unsafe characters
// or a result longer than 256 characters.
std::string user_agent_with_comments(const std::string& base, const std::vector<std::string>& comments);

class NetService {
public:
    // Creates the Connman (node.connman) and the sync/relay logic (net::make_peer_logic)
    // over node.chainstate, node.mempool and the system clock, loads
    // peers.dat/banlist.json, binds the sockets and starts it. nullptr with
    // `error` on failure (e.g. the port is taken).
    [[nodiscard]] static std::unique_ptr<NetService> start(const NetSettings& settings, NodeContext& node,
                                                           std::string* error);
    ~NetService();  // stop()s
    // Closes every connection and saves peers.dat and banlist.json. Idempotent.
    void stop();

private:
    NetService() = default;
    // The adapters the logic uses; they outlive the Connman's running (stop() ends it).
    std::unique_ptr<net::TxPool> txpool_;
    std::unique_ptr<net::ChainAccess> chain_;
    std::unique_ptr<net::BlockFilterSource> filters_;  // -peerblockfilters
    std::shared_ptr<Connman> connman_;
};

// Set when block processing on the network's validation thread hit a storage error; the
// daemon must then stop with its storage exit code.
std::optional<std::string> net_fatal_error();

}  // namespace minicash::app
