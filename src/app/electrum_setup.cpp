#include "app/electrum_setup.h"

#include <algorithm>

#include "util/logging.h"

namespace minicash::app {

namespace {

uint16_t default_port(Network n, bool tls) {
    uint16_t port = 50001;
    switch (n) {
    case Network::MAIN: port = 50001; break;
    case Network::TESTNET4: port = 60001; break;
    case Network::SIGNET: port = 60601; break;
    case Network::REGTEST: port = 60401; break;
    }
    return uint16_t(port + (tls ? 1 : 0));
}

// "", "1": 127.0.0.1 at the default port; "host", "host:port", "[v6]:port", ":port".
rpc::ElectrumEndpoint parse_endpoint(const std::string& option, const std::string& value, uint16_t port) {
    rpc::ElectrumEndpoint e{"127.0.0.1", port};
    if (value.empty() || value == "1") return e;
    std::string host = value, port_text;
    if (value.front() == '[') {
        const size_t close = value.find(']');
        if (close == std::string::npos) throw OptionError("Invalid -" + option + " address: " + value);
        host = value.substr(1, close - 1);
        const std::string rest = value.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw OptionError("Invalid -" + option + " address: " + value);
            port_text = rest.substr(1);
        }
    } else if (const size_t colon = value.rfind(':'); colon != std::string::npos) {
        if (value.find(':') != colon) throw OptionError("Invalid -" + option + " address (IPv6 needs [ ]): " + value);
        host = value.substr(0, colon);
        port_text = value.substr(colon + 1);
    }
    if (!host.empty()) e.host = host;
    if (!port_text.empty() || (value.back() == ':')) {
        if (port_text.empty() || port_text.size() > 5 ||
            !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(port_text) < 1 || std::stoi(port_text) > 65535)
            throw OptionError("Invalid port in -" + option + ": " + value);
        e.port = uint16_t(std::stoi(port_text));
    }
    return e;
}

size_t positive(const NodeOptions& o, const std::string& name, size_t dflt) {
    const std::optional<int64_t> v = o.get_int(name);
    if (!v) return dflt;
    if (*v < 1 || *v > 100000000) throw OptionError("-" + name + " must be between 1 and 100000000");
    return size_t(*v);
}

}  // namespace

void add_electrum_options(NodeOptions& o) {
    o.add_list("electrum", "host:port",
               "Serve the Electrum protocol (1.4) over TCP on <host:port> (default host 127.0.0.1; default port 50001, "
               "testnet4: 60001, signet: 60601, regtest: 60401). Needs -addressindex; turns on -txindex. Off unless "
               "given",
               "1");
    o.add_list("electrumtls", "host:port",
               "Serve the Electrum protocol over TLS on <host:port> with -electrumcert and -electrumkey (default host "
               "127.0.0.1; default port 50002, testnet4: 60002, signet: 60602, regtest: 60402)",
               "1");
    o.add_string("electrumcert", "file", "PEM certificate (chain) for -electrumtls");
    o.add_string("electrumkey", "file", "PEM private key for -electrumtls");
    o.add_string("electrumbanner", "text", "Text of the Electrum server.banner reply");
    o.add_int("electrummaxhistory", "n",
              "Most history entries (confirmed and mempool) the Electrum server returns for one script hash; more is "
              "an error (default: 10000)");
    o.add_int("electrummaxsubscriptions", "n",
              "Most script hash subscriptions of one Electrum connection (default: 10000)");
    o.add_int("electrumratelimit", "n", "Most Electrum requests per second on one connection (default: 1000)");
}

ElectrumSettings read_electrum_settings(const NodeOptions& o, bool addressindex) {
    ElectrumSettings s;
    const Network net = o.params().network;
    const auto last = [&](const std::string& name) -> std::optional<std::string> {
        std::vector<std::string> v = o.get_list(name);
        if (v.empty() || v.back() == "0") return std::nullopt;
        // A list option only for its bare form (-electrum); one address is served.
        std::sort(v.begin(), v.end());
        if (std::unique(v.begin(), v.end()) - v.begin() > 1)
            throw OptionError("-" + name + " takes one address; it was given " + std::to_string(v.size()) +
                              " different values");
        return o.get_list(name).back();
    };
    if (auto v = last("electrum")) s.server.tcp = parse_endpoint("electrum", *v, default_port(net, false));
    if (auto v = last("electrumtls")) {
        s.server.tls = parse_endpoint("electrumtls", *v, default_port(net, true));
        const auto cert = o.get_string("electrumcert"), key = o.get_string("electrumkey");
        if (!cert || cert->empty() || !key || key->empty())
            throw OptionError("-electrumtls needs -electrumcert and -electrumkey (PEM files)");
        s.server.tls_cert = std::filesystem::absolute(*cert);
        s.server.tls_key = std::filesystem::absolute(*key);
    }
    s.enabled = s.server.tcp || s.server.tls;
    if (!s.enabled) return s;
    if (!addressindex)
        throw OptionError(
            "-electrum and -electrumtls need -addressindex (the Electrum server answers from the "
            "address index)");
    rpc::ElectrumConfig& c = s.server.config;
    c.banner = o.get_string("electrumbanner").value_or("Welcome to minicash's Electrum server (protocol 1.4)");
    c.max_history = positive(o, "electrummaxhistory", c.max_history);
    c.max_subscriptions = positive(o, "electrummaxsubscriptions", c.max_subscriptions);
    s.server.requests_per_second = double(positive(o, "electrumratelimit", 1000));
    boost::json::object ports;
    if (s.server.tcp) ports["tcp_port"] = s.server.tcp->port;
    if (s.server.tls) ports["ssl_port"] = s.server.tls->port;
    const std::string host = s.server.tcp ? s.server.tcp->host : s.server.tls->host;
    c.hosts[host] = std::move(ports);
    return s;
}

std::unique_ptr<ElectrumService> ElectrumService::start(const ElectrumSettings& settings, NodeContext& node,
                                                        std::string* error) {
    std::unique_ptr<ElectrumService> svc(new ElectrumService());
    if (!settings.enabled) return svc;
    svc->server_ = rpc::ElectrumServer::start(settings.server, node, error);
    if (!svc->server_) return nullptr;
    if (auto e = svc->server_->tcp_endpoint()) log_info("Electrum server listening on %s (tcp)", e->c_str());
    if (auto e = svc->server_->tls_endpoint()) log_info("Electrum server listening on %s (tls)", e->c_str());
    return svc;
}

ElectrumService::~ElectrumService() { stop(); }

void ElectrumService::stop() {
    if (server_) server_->stop();
    server_.reset();
}

}  // namespace minicash::app
