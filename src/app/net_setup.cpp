#include "app/net_setup.h"

#include <algorithm>
#include <mutex>

#include "net/block_filter_serving.h"
#include "net/chain_access.h"
#include "net/peer_logic.h"
#include "net/txpool.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "util/logging.h"

namespace minicash::app {

namespace {

std::mutex g_fatal_mutex;
std::optional<std::string> g_fatal;

std::vector<std::string> non_empty(const std::vector<std::string>& in, const char* option) {
    std::vector<std::string> out;
    for (const std::string& s : in) {
        if (s.empty()) throw OptionError(std::string("-") + option + " needs an address");
        out.push_back(s);
    }
    return out;
}

}  // namespace

void add_net_options(NodeOptions& o) {
    o.add_bool("listen", "Accept connections from outside (default: 1 if no -connect)");
    o.add_int("port", "port",
              "Listen for connections on <port> (default: 8333, testnet4: 48333, signet: 38333, "
              "regtest: 18444)");
    o.add_list("bind", "addr[:port]", "Bind to the given address and always listen on it (default: 0.0.0.0 and ::)");
    o.add_list("connect", "ip[:port]",
               "Connect only to the specified node(s); -connect=0 disables automatic connections");
    o.add_list("addnode", "ip[:port]", "Add a node to connect to and attempt to keep the connection open");
    o.add_list("seednode", "ip[:port]", "Connect to a node to retrieve peer addresses, and disconnect");
    o.add_bool("dnsseed", "Query for peer addresses via DNS lookup, if low on addresses (default: 1 unless -connect)");
    o.add_int("maxconnections", "n", "Maintain at most <n> connections to peers (default: 125)");
    o.add_bool("networkactive", "Enable all P2P network activity (default: 1). Can be changed by setnetworkactive");
    o.add_bool("v2transport", "Support v2 transport (default: 1)");
    o.add_bool("peerblockfilters", "Serve compact block filters to peers per BIP 157 (default: 0)");
}

NetSettings read_net_settings(const NodeOptions& o, const std::filesystem::path& netdir) {
    NetSettings s;
    net::ConnmanOptions& c = s.connman;
    c.netdir = netdir;
    const ChainParams& params = o.params();
    c.allow_local_addresses = params.network == Network::REGTEST;
    std::vector<std::string> connect = o.get_list("connect");
    c.connect_only = !connect.empty();
    connect.erase(std::remove(connect.begin(), connect.end(), "0"), connect.end());
    c.connect = non_empty(connect, "connect");
    c.addnode = non_empty(o.get_list("addnode"), "addnode");
    c.seednode = non_empty(o.get_list("seednode"), "seednode");
    c.bind = non_empty(o.get_list("bind"), "bind");
    c.listen = o.is_set("listen") ? o.get_bool("listen") : !c.connect_only;
    c.dnsseed = o.is_set("dnsseed") ? o.get_bool("dnsseed") : !c.connect_only;
    c.network_active = o.get_bool("networkactive", true);
    if (auto p = o.get_int("port")) {
        if (*p < 1 || *p > 65535) throw OptionError("-port must be between 1 and 65535");
        c.port = uint16_t(*p);
    }
    if (auto m = o.get_int("maxconnections")) {
        if (*m < 0 || *m > 100000) throw OptionError("-maxconnections must be between 0 and 100000");
        c.max_connections = int(*m);
    }
    for (const std::string& b : c.bind)
        if (!net::Service::parse(b, 1)) throw OptionError("-bind: cannot parse address '" + b + "'");
    c.v2transport = o.get_bool("v2transport", true);
    if (c.v2transport) c.local_services |= net::NODE_P2P_V2;
    if (o.get_bool("peerblockfilters", false)) {
        const std::vector<std::string> types = o.get_list("blockfilterindex");
        const bool indexed = !types.empty() && types.back() != "0";
        if (!indexed) throw OptionError("Cannot set -peerblockfilters without -blockfilterindex.");
        c.local_services |= net::NODE_COMPACT_FILTERS;
    }
    return s;
}

std::unique_ptr<NetService> NetService::start(const NetSettings& settings, NodeContext& node, std::string* error) {
    if (!node.chainstate) {
        if (error) *error = "no chain state";
        return nullptr;
    }
    std::unique_ptr<NetService> svc(new NetService());
    if (node.mempool) svc->txpool_ = net::make_txpool(*node.mempool);
    net::ConnmanOptions options = settings.connman;
    auto request_shutdown = node.request_shutdown;
    options.fatal_error = [request_shutdown](const std::string& what) {
        {
            std::lock_guard lock(g_fatal_mutex);
            if (!g_fatal) g_fatal = what;
        }
        if (request_shutdown) request_shutdown();
    };
    net::PeerLogicOptions logic_options;
    logic_options.user_agent = options.user_agent;
    logic_options.allow_local_addresses = options.allow_local_addresses;
    logic_options.max_tip_age = options.max_tip_age;
    logic_options.local_services = options.local_services;
    if ((options.local_services & net::NODE_COMPACT_FILTERS) && node.block_filter_index)
        svc->filters_ = net::make_block_filter_source(*node.block_filter_index);
    svc->chain_ = net::make_chain_access(*node.chainstate);
    svc->connman_ = std::make_shared<Connman>(node.params, std::move(options));
    Connman& c = *svc->connman_;
    auto logic = net::make_peer_logic(net::PeerLogicDeps{node.params, logic_options, net::system_clock(), *svc->chain_,
                                                         svc->txpool_.get(), c, c.query_runner(), c.validation_runner(),
                                                         c.io(), svc->filters_.get()});
    if (!c.start(std::move(logic), error)) return nullptr;
    node.connman = svc->connman_;
    return svc;
}

NetService::~NetService() { stop(); }

void NetService::stop() {
    if (connman_) connman_->stop();
}

std::optional<std::string> net_fatal_error() {
    std::lock_guard lock(g_fatal_mutex);
    return g_fatal;
}

}  // namespace minicash::app
