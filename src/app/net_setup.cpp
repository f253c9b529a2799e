#include "app/net_setup.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
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

// "host[:port]" as a service: numeric addresses, .onion/.i2p names, or a host name
// resolved now (start-up, so blocking is fine). nullopt when it does not resolve.
std::optional<net::Service> resolve_service(const std::string& text, uint16_t default_port) {
    std::string host;
    uint16_t port = default_port;
    if (!net::split_host_port(text, host, port) || host.empty()) return std::nullopt;
    if (auto a = net::NetAddr::parse(host)) return net::Service{*a, port};
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return std::nullopt;
    std::optional<net::Service> out;
    for (addrinfo* r = res; r && !out; r = r->ai_next) {
        if (r->ai_family == AF_INET) {
            const auto* sin = reinterpret_cast<const sockaddr_in*>(r->ai_addr);
            out = net::Service{net::NetAddr::from_v4_bytes(reinterpret_cast<const uint8_t*>(&sin->sin_addr)), port};
        } else if (r->ai_family == AF_INET6) {
            const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(r->ai_addr);
            out = net::Service{net::NetAddr::from_v6_bytes(sin6->sin6_addr.s6_addr), port};
        }
    }
    ::freeaddrinfo(res);
    if (out && !out->addr.is_valid()) return std::nullopt;
    return out;
}

// Core's check of a host:port option value: "Invalid port specified in -<option>".
void check_port(const std::string& option, const std::string& value) {
    std::string host;
    uint16_t port = 0;
    if (!net::split_host_port(value, host, port))
        throw OptionError("Invalid port specified in -" + option + ": '" + value + "'");
}

// A SOCKS5 proxy option value ("0" or empty: none).
std::optional<net::Proxy> parse_proxy(const std::string& option, const std::string& value, bool randomize) {
    if (value.empty() || value == "0") return std::nullopt;
    check_port(option, value);
    auto s = resolve_service(value, 9050);  // DEFAULT_TOR_SOCKS_PORT
    if (!s || !s->addr.is_ip()) throw OptionError("Invalid -" + option + " address or hostname: '" + value + "'");
    return net::Proxy{*s, randomize};
}

// -proxy, -onion, -onlynet, -cjdnsreachable, -proxyrandomize, -listenonion (Core's
// AppInitMain network section, in its order and with its messages).
void read_network_settings(const NodeOptions& o, net::NetworkSettings& n, bool& proxy_given) {
    using net::NetType;
    const std::vector<std::string> onlynets = o.get_list("onlynet");
    if (!onlynets.empty()) {
        n.reachable.fill(false);
        for (const std::string& name : onlynets) {
            auto net = net::parse_network(name);
            if (!net) throw OptionError("Unknown network specified in -onlynet: '" + name + "'");
            n.reachable[size_t(*net)] = true;
        }
    } else {
        n.reachable.fill(true);
        n.reachable[size_t(NetType::UNROUTABLE)] = false;
    }
    if (!o.get_bool("cjdnsreachable", false)) {
        if (!onlynets.empty() && n.reachable[size_t(NetType::CJDNS)])
            throw OptionError(
                "Outbound connections restricted to CJDNS (-onlynet=cjdns) but -cjdnsreachable is not provided");
        n.reachable[size_t(NetType::CJDNS)] = false;
    }

    const bool randomize = o.get_bool("proxyrandomize", true);
    std::optional<net::Proxy> ipv4, ipv6, onion, name, cjdns;
    proxy_given = false;
    for (const std::string& value : o.get_list("proxy")) {
        const size_t eq = value.rfind('=');
        const std::string proxy_text = value.substr(0, eq);
        std::string net_text;
        if (eq != std::string::npos) {
            if (eq + 1 == value.size())
                throw OptionError("Invalid -proxy address or hostname, ends with '=': '" + value + "'");
            net_text = value.substr(eq + 1);
            for (char& c : net_text) c = char(std::tolower(static_cast<unsigned char>(c)));
        }
        const std::optional<net::Proxy> proxy = parse_proxy("proxy", proxy_text, randomize);
        if (net_text.empty()) {
            ipv4 = ipv6 = name = cjdns = onion = proxy;
            proxy_given = proxy.has_value();
        } else if (net_text == "ipv4") {
            ipv4 = name = proxy;
        } else if (net_text == "ipv6") {
            ipv6 = name = proxy;
        } else if (net_text == "tor" || net_text == "onion") {
            onion = proxy;
        } else if (net_text == "cjdns") {
            cjdns = proxy;
        } else {
            throw OptionError("Unrecognized network in -proxy='" + value + "': '" + net_text + "'");
        }
    }
    n.proxy[size_t(NetType::IPV4)] = ipv4;
    n.proxy[size_t(NetType::IPV6)] = ipv6;
    n.proxy[size_t(NetType::CJDNS)] = cjdns;
    n.name_proxy = name;

    const bool onlynet_used_with_onion = !onlynets.empty() && n.reachable[size_t(NetType::ONION)];
    const std::string onion_arg = o.get_string("onion").value_or("");
    if (!onion_arg.empty()) {
        if (onion_arg == "0") {
            onion.reset();
            if (onlynet_used_with_onion)
                throw OptionError(
                    "Outbound connections restricted to Tor (-onlynet=onion) but the proxy for reaching the Tor "
                    "network is explicitly forbidden: -onion=0");
        } else {
            check_port("onion", onion_arg);
            auto s = resolve_service(onion_arg, 9050);
            if (!s || !s->addr.is_ip()) throw OptionError("Invalid -onion address or hostname: '" + onion_arg + "'");
            onion = net::Proxy{*s, randomize};
        }
    }
    if (onion) {
        n.proxy[size_t(NetType::ONION)] = onion;
    } else {
        // Core would ask Tor's control port for a proxy when -listenonion; minicash has
        // no Tor control client, so onion stays unreachable without -proxy or -onion.
        if (onlynet_used_with_onion && !o.get_bool("listenonion", true))
            throw OptionError(
                "Outbound connections restricted to Tor (-onlynet=onion) but the proxy for reaching the Tor network "
                "is not provided: none of -proxy, -onion or -listenonion is given");
        n.reachable[size_t(NetType::ONION)] = false;
    }
    // I2P is reached through an I2P router's SAM interface (-i2psam), not implemented.
    if (!onlynets.empty() && n.reachable[size_t(NetType::I2P)])
        throw OptionError("Outbound connections restricted to i2p (-onlynet=i2p) but -i2psam is not provided");
    n.reachable[size_t(NetType::I2P)] = false;
}

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
    o.add_list("whitelist", "[permissions@]IP address or network",
               "Add permission flags to the peers using the given IP address (e.g. 1.2.3.4) or CIDR-notated network "
               "(e.g. 1.2.3.0/24). Uses the same permissions as -whitebind. Additional flags \"in\" and \"out\" "
               "control whether permissions apply to incoming connections and/or manual (default: incoming only)");
    o.add_list("whitebind", "[permissions@]addr",
               "Bind to the given address and add permission flags to the peers connecting to it. Use [host]:port "
               "notation for IPv6. Allowed permissions: bloomfilter (accepted; minicash serves no BIP37 filters), "
               "noban (do not ban for misbehavior; implies download), forcerelay (relay transactions that are "
               "already in the mempool; implies relay), relay (unlimited transaction announcements), mempool "
               "(allow requesting BIP35 mempool contents), download (no effect: minicash has no upload target), "
               "addr (addresses from the peer are not rate-limited, its getaddr is answered uncached). Specify "
               "multiple permissions separated by commas (default: download,noban,mempool,relay)");
    o.add_bool("whitelistrelay",
               "Add 'relay' permission to whitelisted peers with default permissions. This will accept relayed "
               "transactions even when not relaying transactions (default: 1)");
    o.add_bool("whitelistforcerelay",
               "Add 'forcerelay' permission to whitelisted peers with default permissions. This will relay "
               "transactions even if the transactions were already in the mempool (default: 0)");
    o.add_list("proxy", "ip:port[=network]",
               "Connect through SOCKS5 proxy, set -noproxy to disable (default: disabled). The proxy may be limited "
               "to one network by appending =ipv4, =ipv6, =onion or =cjdns; the last value for a network wins");
    o.allow_negation("proxy");
    o.add_string("onion", "ip:port",
                 "Use separate SOCKS5 proxy to reach peers via Tor onion services, set -noonion to disable "
                 "(default: -proxy)");
    o.allow_negation("onion");
    o.add_bool("proxyrandomize",
               "Randomize credentials for every proxy connection. This enables Tor stream isolation (default: 1)");
    o.add_list("onlynet", "net",
               "Make automatic outbound connections only to network <net> (ipv4, ipv6, onion, i2p, cjdns). Inbound "
               "and manual connections are not affected by this option");
    o.add_bool("cjdnsreachable",
               "If set, then this host is configured for CJDNS (connecting to fc00::/8 addresses would lead us to "
               "the CJDNS network) (default: 0)");
    o.add_list("externalip", "ip", "Specify your own public address");
    o.add_bool("discover",
               "Advertise the address peers see us at (default: 1 when listening and no -externalip or -proxy)");
    o.add_bool("listenonion",
               "Automatically create Tor onion service (accepted for compatibility: minicash has no Tor control "
               "client and creates none; -listenonion=0 is the behaviour)");
    o.add_bool("v2transport", "Support v2 transport (default: 1)");
    o.add_bool("peerblockfilters", "Serve compact block filters to peers per BIP 157 (default: 0)");
    o.add_list("uacomment", "cmt", "Append comment to the user agent string");
    o.add_bool("blocksonly",
               "Whether to reject transactions from network peers. Disables automatic broadcast and rebroadcast of "
               "transactions, unless the source peer has the 'forcerelay' permission. RPC transactions are not "
               "affected. (default: 0)");
    o.add_int("maxtipage", "n",
              "Maximum tip age in seconds to consider node in initial block download (default: 86400)");
    o.add_int("peertimeout", "n",
              "Specify a p2p connection timeout delay in seconds. After connecting to a peer, wait this amount of "
              "time before considering disconnection based on inactivity (minimum: 1, default: 60)");
}

// BIP14 "/minicash:0.1.0(comment; comment)/" with Core's checks of -uacomment.
std::string user_agent_with_comments(const std::string& base, const std::vector<std::string>& comments) {
    static const std::string kSafe =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;-_?@";  // SAFE_CHARS_UA_COMMENT
    for (const std::string& c : comments)
        if (c.find_first_not_of(kSafe) != std::string::npos)
            throw OptionError("User Agent comment (" + c + ") contains unsafe characters.");
    if (comments.empty()) return base;
    std::string joined;
    for (const std::string& c : comments) joined += (joined.empty() ? "" : "; ") + c;
    std::string ua = base.substr(0, base.size() - 1) + "(" + joined + ")/";
    constexpr size_t kMaxSubversionLength = 256;
    if (ua.size() > kMaxSubversionLength)
        throw OptionError("Total length of network version string (" + std::to_string(ua.size()) +
                          ") exceeds maximum length (" + std::to_string(kMaxSubversionLength) +
                          "). Reduce the number or size of uacomments.");
    return ua;
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
    // Core's parameter interaction: -bind or -whitebind turn listening on, -connect (also
    // -connect=0) off, unless -listen is given; Core's test framework passes -bind, so its
    // nodes listen with connect=0.
    const bool binds = !c.bind.empty() || !o.get_list("whitebind").empty();
    c.listen = o.is_set("listen") ? o.get_bool("listen") : binds || !c.connect_only;
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
    for (const std::string& b : c.bind) {
        const size_t eq = b.rfind('=');
        const std::string addr = eq == std::string::npos ? b : b.substr(0, eq);
        if (eq != std::string::npos && b.substr(eq + 1) != "onion")
            throw OptionError("-bind: cannot parse address '" + b + "'");
        if (!net::Service::parse(addr, 1)) throw OptionError("-bind: cannot parse address '" + b + "'");
    }

    std::string error;
    for (const std::string& w : o.get_list("whitelist")) {
        auto e = net::parse_whitelist(w, &error);
        if (!e) throw OptionError(error);
        c.whitelist.push_back(*e);
    }
    for (const std::string& w : o.get_list("whitebind")) {
        auto e = net::parse_whitebind(w, &error);
        if (!e) throw OptionError(error);
        c.whitebind.push_back(*e);
    }
    c.whitelist_relay = o.get_bool("whitelistrelay", true);
    c.whitelist_forcerelay = o.get_bool("whitelistforcerelay", false);

    bool proxy_given = false;
    read_network_settings(o, c.networks, proxy_given);
    // Requesting DNS seeds means connecting over IPv4/IPv6, which -onlynet may forbid.
    using net::NetType;
    if (!c.networks.is_reachable(NetType::IPV4) && !c.networks.is_reachable(NetType::IPV6)) {
        if (o.is_set("dnsseed") && o.get_bool("dnsseed"))
            throw OptionError(
                "Incompatible options: -dnsseed=1 was explicitly specified, but -onlynet forbids connections to "
                "IPv4/IPv6");
        c.dnsseed = false;
    }
    // A proxy: do not listen (unless asked to) and do not advertise discovered addresses.
    if (proxy_given && !o.is_set("listen")) c.listen = false;

    const uint16_t port = c.port ? c.port : params.default_port;
    for (const std::string& e : o.get_list("externalip")) {
        auto svc = resolve_service(e, port);
        if (!svc) throw OptionError("Cannot resolve -externalip address: '" + e + "'");
        svc->addr = svc->addr.maybe_cjdns(c.networks.cjdns_reachable());
        c.external_addresses.push_back(*svc);
    }
    c.discover =
        o.is_set("discover") ? o.get_bool("discover") : c.listen && c.external_addresses.empty() && !proxy_given;
    if (o.is_set("listenonion") && o.get_bool("listenonion"))
        log_info("-listenonion: minicash does not create Tor onion services (no Tor control client)");
    c.user_agent = user_agent_with_comments(c.user_agent, o.get_list("uacomment"));
    c.blocks_only = o.get_bool("blocksonly", false);
    if (auto age = o.get_int("maxtipage")) {
        if (*age < 0) throw OptionError("-maxtipage must not be negative");
        c.max_tip_age = *age;
    }
    if (auto t = o.get_int("peertimeout")) {
        if (*t <= 0) throw OptionError("peertimeout must be a positive integer.");
        c.peer_timeout_seconds = *t;
    }
    // A pruned node offers only the recent blocks (BIP159), as Core: NODE_NETWORK goes.
    if (o.get_int("prune").value_or(0) != 0) c.local_services &= ~uint64_t(net::NODE_NETWORK);
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
    logic_options.blocks_only = options.blocks_only;
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
