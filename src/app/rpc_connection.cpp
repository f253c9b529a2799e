#include "app/rpc_connection.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "app/config_file.h"
#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"

namespace minicash::app {

namespace json = boost::json;

bool apply_connection_option(const std::string& name, const std::string& value, bool negated, RpcConnectionOptions& o) {
    auto flag = [&](bool& target) {
        auto b = parse_bool_option(value);
        if (!b) throw std::runtime_error("Invalid boolean value for -" + name);
        target = negated ? !*b : *b;
    };
    auto str = [&](std::optional<std::string>& target) {
        if (negated) target.reset();
        else target = value;
    };
    if (name == "rpcwait") flag(o.wait);
    else if (name == "rpcwaittimeout") o.wait_timeout = std::max(0, std::atoi(value.c_str()));
    else if (name == "rpcclienttimeout") o.client_timeout = std::max(0, std::atoi(value.c_str()));
    else if (name == "regtest" || name == "testnet4" || name == "signet") {
        bool on = false;
        flag(on);
        if (on) {
            if (o.chain && *o.chain != name)
                throw std::runtime_error(
                    "Invalid combination of -regtest, -signet, -testnet4 and -chain. Can use at most one.");
            o.chain = name;
        }
    } else if (name == "chain") {
        if (o.chain && *o.chain != value)
            throw std::runtime_error(
                "Invalid combination of -regtest, -signet, -testnet4 and -chain. Can use at most one.");
        o.chain = value;
    } else if (name == "datadir") str(o.datadir);
    else if (name == "conf") str(o.conf);
    else if (name == "rpcconnect") str(o.connect);
    else if (name == "rpcport") str(o.port);
    else if (name == "rpcuser") str(o.user);
    else if (name == "rpcpassword") str(o.password);
    else if (name == "rpccookiefile") str(o.cookiefile);
    else return false;
    return true;
}

std::string connection_options_help(const std::string& program) {
    (void)program;
    return "  -chain=<chain>         Use the chain <chain>: main, testnet4, signet, regtest\n"
           "  -regtest, -testnet4, -signet  Shorthands for -chain=...\n"
           "  -conf=<file>           Configuration file (default: minicash.conf in the data directory, else "
           "bitcoin.conf)\n"
           "  -datadir=<dir>         Data directory (default: ~/.minicash)\n"
           "  -rpcclienttimeout=<n>  Timeout in seconds during HTTP requests, or 0 for no timeout (default: 900)\n"
           "  -rpcconnect=<ip>       Send commands to node running on <ip> (default: 127.0.0.1)\n"
           "  -rpccookiefile=<loc>   Location of the auth cookie (default: data dir)\n"
           "  -rpcpassword=<pw>      Password for JSON-RPC connections\n"
           "  -rpcport=<port>        Connect to JSON-RPC on <port> (default: 8332, testnet4: 48332, signet: "
           "38332, regtest: 18443)\n"
           "  -rpcuser=<user>        Username for JSON-RPC connections\n"
           "  -rpcwait               Wait for RPC server to start\n"
           "  -rpcwaittimeout=<n>    Timeout in seconds to wait for the RPC server to start, or 0 for no "
           "timeout (default: 0)\n";
}

namespace {

// Reads the configuration file: top-level lines, then the chain's section, override.
void read_config(const std::filesystem::path& path, bool required, RpcConnectionOptions& o) {
    std::ifstream in(path);
    if (!in) {
        if (required)
            throw std::runtime_error("Error reading configuration file: specified config file \"" + path.string() +
                                     "\" could not be opened.");
        return;
    }
    std::vector<ConfigEntry> entries;
    try {
        entries = parse_config(in, path.filename().string());
    } catch (const ConfigSyntaxError& e) {
        throw std::runtime_error(std::string("Error reading configuration file: ") + e.what());
    }
    std::map<std::string, std::string> top;
    std::map<std::string, std::map<std::string, std::string>> sections;
    for (ConfigEntry& e : entries) {
        auto& target = e.section.empty() ? top : sections[e.section];
        target.emplace(std::move(e.key), std::move(e.value));  // first value wins inside a file
    }
    if (!o.chain) {
        for (const char* c : {"regtest", "testnet4", "signet"})
            if (auto it = top.find(c); it != top.end() && parse_bool_option(it->second).value_or(false)) o.chain = c;
        if (auto it = top.find("chain"); it != top.end()) o.chain = it->second;
    }
    const std::string chain = o.chain.value_or("main");
    o.config = top;
    for (const auto& [k, v] : sections[chain == "main" ? "main" : chain]) o.config[k] = v;
}

std::string config_or(const RpcConnectionOptions& o, const std::optional<std::string>& cli, const std::string& key,
                      const std::string& dflt) {
    if (cli) return *cli;
    if (auto it = o.config.find(key); it != o.config.end()) return it->second;
    return dflt;
}

}  // namespace

rpc::RpcConnection resolve_connection(RpcConnectionOptions& o) {
    std::filesystem::path datadir;
    if (o.datadir) {
        datadir = std::filesystem::absolute(*o.datadir);
        if (!std::filesystem::is_directory(datadir))
            throw std::runtime_error("Specified data directory \"" + *o.datadir + "\" does not exist.");
    } else if (const char* home = std::getenv("HOME")) {
        datadir = std::filesystem::path(home) / ".minicash";
    }
    std::filesystem::path conf = o.conf ? std::filesystem::path(*o.conf) : default_config_path(datadir);
    if (conf.is_relative()) conf = datadir / conf;
    read_config(conf, o.conf.has_value(), o);
    const std::string chain_name = o.chain.value_or("main");
    auto net = network_from_name(chain_name);
    if (!net) throw std::runtime_error("Invalid chain: " + chain_name);
    const ChainParams params = make_chain_params(*net);

    rpc::RpcConnection c;
    c.wait = o.wait;
    c.wait_timeout = o.wait_timeout;
    c.client_timeout = o.client_timeout;
    c.network = *net;
    c.datadir = datadir;
    c.network_dir = params.data_subdir.empty() ? datadir : datadir / params.data_subdir;
    c.config_path = conf.string();
    std::string host = config_or(o, o.connect, "rpcconnect", "127.0.0.1");
    uint16_t port = params.rpc_port;
    // -rpcconnect may carry a port ("host:port", "[v6]:port"); -rpcport wins.
    if (!host.empty() && host.front() == '[') {
        auto close = host.find(']');
        if (close != std::string::npos) {
            if (close + 2 < host.size() && host[close + 1] == ':') port = uint16_t(std::atoi(host.c_str() + close + 2));
            host = host.substr(1, close - 1);
        }
    } else if (auto colon = host.find(':');
               colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
        const int p = std::atoi(host.c_str() + colon + 1);
        if (p <= 0 || p > 65535) throw std::runtime_error("Invalid port provided in -rpcconnect: " + host);
        port = uint16_t(p);
        host = host.substr(0, colon);
    }
    const std::string port_text = config_or(o, o.port, "rpcport", "");
    if (!port_text.empty()) {
        const int p = std::atoi(port_text.c_str());
        if (p <= 0 || p > 65535) throw std::runtime_error("Invalid port provided in -rpcport: " + port_text);
        port = uint16_t(p);
    }
    c.host = host;
    c.port = port;

    const std::string password = config_or(o, o.password, "rpcpassword", "");
    if (password.empty()) {
        std::filesystem::path cookie =
            o.cookiefile ? std::filesystem::path(*o.cookiefile) : std::filesystem::path(".cookie");
        if (cookie.is_relative()) cookie = datadir / params.data_subdir / cookie;
        c.cookie_path = cookie;
        if (auto v = rpc::read_cookie_file(cookie)) c.credentials = *v;
        else c.cookie_missing = true;
    } else {
        c.credentials = config_or(o, o.user, "rpcuser", "") + ":" + password;
    }
    return c;
}

}  // namespace minicash::app
