// minicash-cli: command-line JSON-RPC client for minicashd, with bitcoin-cli's habits.
//
//   minicash-cli [options] <command> [params]      send one command
//   minicash-cli [options] -named <command> [name=value]...
//   minicash-cli [options] -getinfo                 summary of the node
//
// Parameters are strings unless the command's parameter is known to take JSON (numbers,
// booleans, arrays, objects: the conversion table below, as bitcoin-cli's). Results:
// strings are printed raw, JSON pretty-printed with 2 spaces; an RPC error prints
// "error code: N\nerror message:\n..." to stderr and exits with |N| (as bitcoin-cli);
// other failures print "error: ..." and exit 1.
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "consensus/params.h"
#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"

using namespace minicash;
namespace json = boost::json;

namespace {

constexpr int kDefaultClientTimeout = 900;

// Command parameters that take JSON rather than a string: (method, position, name).
struct ConvertParam {
    const char* method;
    int index;
    const char* name;
};
constexpr ConvertParam kConvertParams[] = {
    {"getblockhash", 0, "height"},
    {"getblockheader", 1, "verbose"},
    {"getblock", 1, "verbosity"},
    {"getblock", 1, "verbose"},
    {"gettxout", 1, "n"},
    {"gettxout", 2, "include_mempool"},
    {"gettxoutsetinfo", 1, "hash_or_height"},
    {"gettxoutsetinfo", 2, "use_index"},
    {"getrawtransaction", 1, "verbosity"},
    {"getrawtransaction", 1, "verbose"},
    {"decoderawtransaction", 1, "iswitness"},
    {"sendrawtransaction", 1, "maxfeerate"},
    {"sendrawtransaction", 2, "maxburnamount"},
    {"testmempoolaccept", 0, "rawtxs"},
    {"testmempoolaccept", 1, "maxfeerate"},
    {"getrawmempool", 0, "verbose"},
    {"getrawmempool", 1, "mempool_sequence"},
    {"getmempoolancestors", 1, "verbose"},
    {"getmempooldescendants", 1, "verbose"},
    {"estimatesmartfee", 0, "conf_target"},
    {"generatetoaddress", 0, "nblocks"},
    {"generatetoaddress", 2, "maxtries"},
    {"generatetodescriptor", 0, "num_blocks"},
    {"generatetodescriptor", 2, "maxtries"},
    {"generateblock", 1, "transactions"},
    {"generateblock", 2, "submit"},
    {"getblocktemplate", 0, "template_request"},
    {"prioritisetransaction", 1, "dummy"},
    {"prioritisetransaction", 2, "fee_delta"},
    {"getnetworkhashps", 0, "nblocks"},
    {"getnetworkhashps", 1, "height"},
    {"getchaintxstats", 0, "nblocks"},
    {"getblockstats", 0, "hash_or_height"},
    {"getblockstats", 1, "stats"},
    {"verifychain", 0, "checklevel"},
    {"verifychain", 1, "nblocks"},
    {"waitfornewblock", 0, "timeout"},
    {"waitforblock", 1, "timeout"},
    {"waitforblockheight", 0, "height"},
    {"waitforblockheight", 1, "timeout"},
    {"scantxoutset", 1, "scanobjects"},
    {"gettxoutproof", 0, "txids"},
    {"createrawtransaction", 0, "inputs"},
    {"createrawtransaction", 1, "outputs"},
    {"createrawtransaction", 2, "locktime"},
    {"createrawtransaction", 3, "replaceable"},
    {"deriveaddresses", 1, "range"},
    {"echojson", 0, "arg0"}, {"echojson", 1, "arg1"}, {"echojson", 2, "arg2"}, {"echojson", 3, "arg3"},
    {"echojson", 4, "arg4"}, {"echojson", 5, "arg5"}, {"echojson", 6, "arg6"}, {"echojson", 7, "arg7"},
    {"echojson", 8, "arg8"}, {"echojson", 9, "arg9"},
    {"logging", 0, "include"},
    {"logging", 1, "exclude"},
    // network (net/)
    {"setban", 2, "bantime"},
    {"setban", 3, "absolute"},
    {"setnetworkactive", 0, "state"},
    {"getnodeaddresses", 0, "count"},
    {"disconnectnode", 1, "nodeid"},
    {"addpeeraddress", 1, "port"},
    {"addpeeraddress", 2, "tried"},
    {"addnode", 2, "v2transport"},
    {"addconnection", 2, "v2transport"},
    {"sendmsgtopeer", 0, "peer_id"},
    {"getblockfrompeer", 1, "peer_id"},
    {"setmocktime", 0, "timestamp"},
    {"mockscheduler", 0, "delta_time"},
    {"pruneblockchain", 0, "height"},
};

bool param_is_json(const std::string& method, int index) {
    for (const ConvertParam& p : kConvertParams)
        if (method == p.method && p.index == index) return true;
    return false;
}
bool named_is_json(const std::string& method, const std::string& name) {
    for (const ConvertParam& p : kConvertParams)
        if (method == p.method && name == p.name) return true;
    return false;
}

json::value parse_json_arg(const std::string& text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw std::runtime_error("Error parsing JSON: " + text);
    return v;
}

struct CliOptions {
    bool named = false, use_stdin = false, stdin_rpcpass = false, wait = false, getinfo = false, help = false;
    bool version = false;
    int wait_timeout = 0;
    int client_timeout = kDefaultClientTimeout;
    std::optional<std::string> chain, datadir, conf, connect, port, user, password, cookiefile, wallet;
    std::map<std::string, std::string> config;  // from the configuration file, for the chosen chain
};

std::string usage() {
    return "minicash-cli: RPC client for minicashd\n\n"
           "Usage:\n"
           "  minicash-cli [options] <command> [params]  Send command to minicashd\n"
           "  minicash-cli [options] -named <command> [name=value]...  Send command with named arguments\n"
           "  minicash-cli [options] help                List commands\n"
           "  minicash-cli [options] help <command>      Get help for a command\n\n"
           "Options:\n"
           "  -?, -h, -help          Print this help message and exit\n"
           "  -version               Print version and exit\n"
           "  -chain=<chain>         Use the chain <chain>: main, testnet4, signet, regtest\n"
           "  -regtest, -testnet4, -signet  Shorthands for -chain=...\n"
           "  -conf=<file>           Configuration file (default: minicash.conf in the data directory)\n"
           "  -datadir=<dir>         Data directory (default: ~/.minicash)\n"
           "  -getinfo               Get general information from the node\n"
           "  -named                 Pass named instead of positional arguments\n"
           "  -rpcclienttimeout=<n>  Timeout in seconds during HTTP requests, or 0 for no timeout (default: 900)\n"
           "  -rpcconnect=<ip>       Send commands to node running on <ip> (default: 127.0.0.1)\n"
           "  -rpccookiefile=<loc>   Location of the auth cookie (default: data dir)\n"
           "  -rpcpassword=<pw>      Password for JSON-RPC connections\n"
           "  -rpcport=<port>        Connect to JSON-RPC on <port> (default: 8332, testnet4: 48332, signet: "
           "38332, regtest: 18443)\n"
           "  -rpcuser=<user>        Username for JSON-RPC connections\n"
           "  -rpcwait               Wait for RPC server to start\n"
           "  -rpcwaittimeout=<n>    Timeout in seconds to wait for the RPC server to start, or 0 for no "
           "timeout (default: 0)\n"
           "  -rpcwallet=<name>      Send RPC for non-default wallet on RPC server\n"
           "  -stdin                 Read extra arguments from standard input, one per line until EOF\n"
           "  -stdinrpcpass          Read RPC password from standard input as a single line\n";
}

std::optional<bool> bool_value(const std::string& v) {
    if (v.empty() || v == "1" || v == "true" || v == "yes") return true;
    if (v == "0" || v == "false" || v == "no") return false;
    return std::nullopt;
}

// Parses leading -options; returns the index of the first non-option argument.
int parse_options(int argc, char** argv, CliOptions& o) {
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a.empty() || a[0] != '-' || a == "-") break;
        a.erase(0, a[1] == '-' ? 2 : 1);
        std::string name = a, value;
        bool has_value = false;
        if (auto eq = a.find('='); eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            has_value = true;
        }
        bool negated = false;
        if (name.starts_with("no") && name != "named") {
            negated = true;
            name = name.substr(2);
        }
        auto flag = [&](bool& target) {
            auto b = bool_value(value);
            if (!b) throw std::runtime_error("Invalid boolean value for -" + name);
            target = negated ? !*b : *b;
        };
        auto str = [&](std::optional<std::string>& target) {
            if (negated) target.reset();
            else target = value;
        };
        if (name == "?" || name == "h" || name == "help") o.help = true;
        else if (name == "version") flag(o.version);
        else if (name == "named") flag(o.named);
        else if (name == "stdin") flag(o.use_stdin);
        else if (name == "stdinrpcpass") flag(o.stdin_rpcpass);
        else if (name == "rpcwait") flag(o.wait);
        else if (name == "getinfo") flag(o.getinfo);
        else if (name == "rpcwaittimeout") o.wait_timeout = std::max(0, std::atoi(value.c_str()));
        else if (name == "rpcclienttimeout") o.client_timeout = std::max(0, std::atoi(value.c_str()));
        else if (name == "regtest" || name == "testnet4" || name == "signet") {
            bool on = false;
            flag(on);
            if (on) {
                if (o.chain && *o.chain != name)
                    throw std::runtime_error("Invalid combination of -regtest, -signet, -testnet4 and -chain. Can use at most one.");
                o.chain = name;
            }
        } else if (name == "chain") {
            if (o.chain && *o.chain != value)
                throw std::runtime_error("Invalid combination of -regtest, -signet, -testnet4 and -chain. Can use at most one.");
            o.chain = value;
        } else if (name == "datadir") str(o.datadir);
        else if (name == "conf") str(o.conf);
        else if (name == "rpcconnect") str(o.connect);
        else if (name == "rpcport") str(o.port);
        else if (name == "rpcuser") str(o.user);
        else if (name == "rpcpassword") str(o.password);
        else if (name == "rpccookiefile") str(o.cookiefile);
        else if (name == "rpcwallet") str(o.wallet);
        else if (name == "color" || name == "stdinwalletpassphrase" || name == "netinfo" || name == "generate")
            throw std::runtime_error("option -" + name + " is not supported by minicash-cli");
        else throw std::runtime_error("Invalid parameter -" + name);
        (void)has_value;
    }
    return i;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

// Reads the configuration file: top-level lines, then the chain's section, override.
void read_config(const std::filesystem::path& path, bool required, CliOptions& o) {
    std::ifstream in(path);
    if (!in) {
        if (required) throw std::runtime_error("Error reading configuration file: specified config file \"" +
                                               path.string() + "\" could not be opened.");
        return;
    }
    std::map<std::string, std::string> top;
    std::map<std::string, std::map<std::string, std::string>> sections;
    std::string section, line;
    while (std::getline(in, line)) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.front() == '[' && line.back() == ']') {
            section = line.substr(1, line.size() - 2);
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        std::string sec = section;
        if (auto dot = key.find('.'); dot != std::string::npos) {
            sec = key.substr(0, dot);
            key = key.substr(dot + 1);
        }
        auto& target = sec.empty() ? top : sections[sec];
        target.emplace(key, value);  // first value wins inside a file
    }
    if (!o.chain) {
        for (const char* c : {"regtest", "testnet4", "signet"})
            if (auto it = top.find(c); it != top.end() && bool_value(it->second).value_or(false)) o.chain = c;
        if (auto it = top.find("chain"); it != top.end()) o.chain = it->second;
    }
    const std::string chain = o.chain.value_or("main");
    o.config = top;
    for (const auto& [k, v] : sections[chain == "main" ? "main" : chain]) o.config[k] = v;
}

std::string config_or(const CliOptions& o, const std::optional<std::string>& cli, const std::string& key,
                      const std::string& dflt) {
    if (cli) return *cli;
    if (auto it = o.config.find(key); it != o.config.end()) return it->second;
    return dflt;
}

struct Connection {
    std::string host;
    uint16_t port = 0;
    std::string credentials;
    bool cookie_missing = false;
    std::filesystem::path cookie_path;  // set when the cookie authenticates (re-read per attempt)
    std::string config_path;
};

Connection resolve_connection(CliOptions& o) {
    std::filesystem::path datadir;
    if (o.datadir) {
        datadir = std::filesystem::absolute(*o.datadir);
        if (!std::filesystem::is_directory(datadir))
            throw std::runtime_error("Specified data directory \"" + *o.datadir + "\" does not exist.");
    } else if (const char* home = std::getenv("HOME")) {
        datadir = std::filesystem::path(home) / ".minicash";
    }
    std::filesystem::path conf = o.conf ? std::filesystem::path(*o.conf) : std::filesystem::path("minicash.conf");
    if (conf.is_relative()) conf = datadir / conf;
    read_config(conf, o.conf.has_value(), o);
    const std::string chain_name = o.chain.value_or("main");
    auto net = network_from_name(chain_name);
    if (!net) throw std::runtime_error("Invalid chain: " + chain_name);
    const ChainParams params = make_chain_params(*net);

    Connection c;
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
    } else if (auto colon = host.find(':'); colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
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
        std::filesystem::path cookie = o.cookiefile ? std::filesystem::path(*o.cookiefile)
                                                    : std::filesystem::path(".cookie");
        if (cookie.is_relative()) cookie = datadir / params.data_subdir / cookie;
        c.cookie_path = cookie;
        if (auto v = rpc::read_cookie_file(cookie)) c.credentials = *v;
        else c.cookie_missing = true;
    } else {
        c.credentials = config_or(o, o.user, "rpcuser", "") + ":" + password;
    }
    return c;
}

[[noreturn]] void connection_failed(const Connection& c, const std::string& detail) {
    (void)detail;
    throw rpc::ConnectionError("Could not connect to the server " + c.host + ":" + std::to_string(c.port) +
                               "\n\nMake sure the minicashd server is running and that you are connecting to the "
                               "correct RPC port.\nUse \"minicash-cli -help\" for more info.");
}

// Sends one request document and returns the parsed reply document.
json::value call(Connection& c, const CliOptions& o, const json::value& request) {
    if (!c.cookie_path.empty()) {  // the node may have (re)written it since the last attempt
        auto v = rpc::read_cookie_file(c.cookie_path);
        c.cookie_missing = !v;
        c.credentials = v.value_or("");
    }
    rpc::HttpRpcClient client(c.host, c.port, c.credentials,
                              std::chrono::seconds(o.client_timeout > 0 ? o.client_timeout : 365 * 24 * 3600));
    std::string path = "/";
    if (o.wallet) {
        path = "/wallet/";
        for (unsigned char ch : *o.wallet) {
            if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') path += char(ch);
            else {
                char buf[4];
                std::snprintf(buf, sizeof buf, "%%%02X", ch);
                path += buf;
            }
        }
    }
    rpc::HttpReply r;
    try {
        r = client.post(rpc::write_json(request), path);
    } catch (const rpc::ConnectionError& e) {
        connection_failed(c, e.what());
    }
    if (r.status == 401) {
        if (c.cookie_missing)
            throw std::runtime_error("Could not locate RPC credentials. No authentication cookie could be found, and "
                                     "RPC password is not set.  See -rpcpassword and -stdinrpcpass.  Configuration "
                                     "file: (" + c.config_path + ")");
        throw std::runtime_error("Authorization failed: Incorrect rpcuser or rpcpassword");
    }
    if (r.status == 503) throw std::runtime_error("Server response: " + r.body);
    if (r.status >= 400 && r.status != 400 && r.status != 404 && r.status != 500)
        throw std::runtime_error("server returned HTTP error " + std::to_string(r.status));
    if (r.body.empty()) throw std::runtime_error("no response from server");
    boost::system::error_code ec;
    json::value reply = rpc::parse_json_preserving(r.body, ec);  // keeps "50.00000000" as sent
    if (ec) throw std::runtime_error("couldn't parse reply from server");
    return reply;
}

// Calls with -rpcwait retries (connection failures and warm-up).
json::value call_with_wait(Connection& c, const CliOptions& o, const json::value& request) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_timeout);
    while (true) {
        try {
            json::value reply = call(c, o, request);
            if (o.wait && reply.is_object()) {
                const json::value* err = reply.get_object().if_contains("error");
                if (err && err->is_object()) {
                    const json::value* code = err->get_object().if_contains("code");
                    if (code && code->is_int64() && code->get_int64() == rpc::RPC_IN_WARMUP)
                        throw rpc::ConnectionError("server in warmup");
                }
            }
            return reply;
        } catch (const rpc::ConnectionError& e) {
            if (o.wait && (o.wait_timeout <= 0 || std::chrono::steady_clock::now() < deadline)) {
                std::this_thread::sleep_for(std::chrono::seconds(1));
                continue;
            }
            throw rpc::ConnectionError(std::string("timeout on transient error: ") + e.what());
        }
    }
}

json::object make_request(const std::string& method, json::value params, int id) {
    json::object r;
    r["method"] = method;
    r["params"] = std::move(params);
    r["id"] = id;
    return r;
}

std::string value_text(const json::value& v) {
    if (auto raw = rpc::raw_number_text(v)) return *raw;
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return "";
    return rpc::write_json(v);
}

// -getinfo: Core's human-readable summary of getnetworkinfo + getblockchaininfo.
int run_getinfo(Connection& c, const CliOptions& o, const std::vector<std::string>& args) {
    if (!args.empty()) throw std::runtime_error("-getinfo takes no arguments");
    json::array batch;
    batch.push_back(make_request("getnetworkinfo", json::array(), 0));
    batch.push_back(make_request("getblockchaininfo", json::array(), 1));
    json::value reply = call_with_wait(c, o, batch);
    if (!reply.is_array()) throw std::runtime_error("expected reply to be a batch");
    json::value results[2];
    for (const json::value& r : reply.get_array()) {
        if (!r.is_object()) continue;
        const json::object& ro = r.get_object();
        const json::value* id = ro.if_contains("id");
        if (!id || !id->is_int64() || id->get_int64() < 0 || id->get_int64() > 1) continue;
        const json::value* err = ro.if_contains("error");
        const int idx = int(id->get_int64());
        // A node without networking has no getnetworkinfo: leave those fields out.
        if (err && !err->is_null()) {
            if (idx == 1) {
                const json::object& eo = err->get_object();
                std::cerr << "error code: " << value_text(eo.at("code")) << "\nerror message:\n"
                          << value_text(eo.at("message")) << "\n";
                return 1;
            }
            continue;
        }
        if (const json::value* res = ro.if_contains("result")) results[idx] = *res;
    }
    auto field = [](const json::value& obj, const char* key) -> std::string {
        if (!obj.is_object()) return "";
        const json::value* v = obj.get_object().if_contains(key);
        return v ? value_text(*v) : "";
    };
    const json::value& net = results[0];
    const json::value& bc = results[1];
    std::string out;
    out += "Chain: " + field(bc, "chain") + "\n";
    out += "Blocks: " + field(bc, "blocks") + "\n";
    out += "Headers: " + field(bc, "headers") + "\n";
    double progress = 0;
    if (bc.is_object())
        if (const json::value* p = bc.get_object().if_contains("verificationprogress")) {
            if (p->is_number()) progress = p->to_number<double>();
            else if (auto text = rpc::raw_number_text(*p)) progress = std::strtod(text->c_str(), nullptr);
        }
    std::string bar;
    if (progress < 0.99 && progress >= 0) {
        for (int i = 0; i < progress / 0.05; ++i) bar += "\u2592";
        for (int i = 0; i < (1 - progress) / 0.05; ++i) bar += "\u2591";
        bar += " ";
    }
    char pct[32];
    std::snprintf(pct, sizeof pct, "%.4f%%", progress * 100);
    out += "Verification progress: " + bar + pct + "\n";
    out += "Difficulty: " + field(bc, "difficulty") + "\n\n";
    if (net.is_object()) {
        out += "Network: in " + field(net, "connections_in") + ", out " + field(net, "connections_out") +
               ", total " + field(net, "connections") + "\n";
        out += "Version: " + field(net, "version") + "\n";
        out += "Time offset (s): " + field(net, "timeoffset") + "\n";
        std::vector<std::string> proxies;
        if (const json::value* nets = net.get_object().if_contains("networks"); nets && nets->is_array()) {
            std::map<std::string, std::vector<std::string>> by_proxy;
            std::vector<std::string> order;
            for (const json::value& n : nets->get_array()) {
                const std::string proxy = field(n, "proxy");
                if (proxy.empty()) continue;
                if (!by_proxy.count(proxy)) order.push_back(proxy);
                by_proxy[proxy].push_back(field(n, "name"));
            }
            for (const std::string& p : order) {
                std::string names;
                for (const std::string& n : by_proxy[p]) names += (names.empty() ? "" : ", ") + n;
                proxies.push_back(p + " (" + names + ")");
            }
        }
        std::string joined;
        for (const std::string& p : proxies) joined += (joined.empty() ? "" : ", ") + p;
        out += "Proxies: " + (joined.empty() ? std::string("n/a") : joined) + "\n";
        out += "Min tx relay fee rate (BTC/kvB): " + field(net, "relayfee") + "\n\n";
    } else {
        out += "Network: n/a (no getnetworkinfo)\n\n";
    }
    std::string warnings;
    const json::value* w = nullptr;
    if (net.is_object()) w = net.get_object().if_contains("warnings");
    if (!w && bc.is_object()) w = bc.get_object().if_contains("warnings");
    if (w && w->is_string()) warnings = std::string(w->get_string());
    if (w && w->is_array())
        for (const json::value& x : w->get_array()) warnings += "\n- " + value_text(x);
    out += "Warnings: " + (warnings.empty() ? std::string("(none)") : warnings);
    std::cout << out << "\n";
    return 0;
}

int run(int argc, char** argv) {
    CliOptions o;
    const int first = parse_options(argc, argv, o);
    if (o.help || (argc <= first && !o.getinfo && !o.use_stdin && !o.version)) {
        std::cout << usage();
        return o.help ? 0 : 1;
    }
    if (o.version) {
        std::cout << "minicash RPC client version 0.1.0\n";
        return 0;
    }
    std::vector<std::string> args(argv + first, argv + argc);
    if (o.stdin_rpcpass) {
        std::string pass;
        if (!std::getline(std::cin, pass)) throw std::runtime_error("-stdinrpcpass specified but failed to read from standard input");
        o.password = pass;
    }
    if (o.use_stdin) {
        std::string line;
        while (std::getline(std::cin, line)) args.push_back(line);
    }
    Connection c = resolve_connection(o);
    if (o.getinfo) return run_getinfo(c, o, args);
    if (args.empty()) throw std::runtime_error("too few parameters (need at least command)");
    const std::string method = args[0];
    args.erase(args.begin());

    json::value params;
    if (o.named) {
        json::object named;
        for (const std::string& a : args) {
            const size_t eq = a.find('=');
            if (eq == std::string::npos)
                throw std::runtime_error("No '=' in named argument '" + a +
                                         "', this needs to be presented as \"key=value\"");
            const std::string name = a.substr(0, eq), value = a.substr(eq + 1);
            named[name] = named_is_json(method, name) ? parse_json_arg(value) : json::value(value);
        }
        params = std::move(named);
    } else {
        json::array pos;
        for (size_t i = 0; i < args.size(); ++i)
            pos.push_back(param_is_json(method, int(i)) ? parse_json_arg(args[i]) : json::value(args[i]));
        params = std::move(pos);
    }
    json::value reply = call_with_wait(c, o, make_request(method, std::move(params), 1));
    if (!reply.is_object()) throw std::runtime_error("expected reply to have result, error and id properties");
    const json::object& ro = reply.get_object();
    const json::value* result = ro.if_contains("result");
    const json::value* error = ro.if_contains("error");
    if (!result && !error) throw std::runtime_error("expected reply to have result, error and id properties");
    if (error && !error->is_null()) {
        int code = 1;
        std::string text;
        if (error->is_object()) {
            const json::object& eo = error->get_object();
            if (const json::value* cv = eo.if_contains("code")) {
                text = "error code: " + value_text(*cv) + "\n";
                if (cv->is_int64()) code = int(std::llabs(cv->get_int64()));
            }
            if (const json::value* m = eo.if_contains("message"); m && m->is_string())
                text += "error message:\n" + std::string(m->get_string());
        } else {
            text = "error: " + rpc::write_json(*error);
        }
        std::cerr << text << "\n";
        return code;
    }
    if (result && !result->is_null()) {
        if (result->is_string() && !rpc::raw_number_text(*result)) std::cout << std::string_view(result->get_string()) << "\n";
        else std::cout << rpc::write_json(*result, 2) << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const rpc::ConnectionError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
