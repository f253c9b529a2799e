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

#include "app/rpc_connection.h"
#include "consensus/params.h"
#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"

using namespace minicash;
namespace json = boost::json;

namespace {

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
    {"createrawtransaction", 4, "version"},
    {"signrawtransactionwithkey", 1, "privkeys"},
    {"signrawtransactionwithkey", 2, "prevtxs"},
    {"combinerawtransaction", 0, "txs"},
    {"createmultisig", 0, "nrequired"},
    {"createmultisig", 1, "keys"},
    {"createpsbt", 0, "inputs"},
    {"createpsbt", 1, "outputs"},
    {"createpsbt", 2, "locktime"},
    {"createpsbt", 3, "replaceable"},
    {"createpsbt", 4, "version"},
    {"combinepsbt", 0, "txs"},
    {"joinpsbts", 0, "txs"},
    {"finalizepsbt", 1, "extract"},
    {"converttopsbt", 1, "permitsigdata"},
    {"converttopsbt", 2, "iswitness"},
    {"utxoupdatepsbt", 1, "descriptors"},
    {"descriptorprocesspsbt", 1, "descriptors"},
    {"descriptorprocesspsbt", 3, "bip32derivs"},
    {"descriptorprocesspsbt", 4, "finalize"},
    {"gettxspendingprevout", 0, "outputs"},
    {"scanblocks", 1, "scanobjects"},
    {"scanblocks", 2, "start_height"},
    {"scanblocks", 3, "stop_height"},
    {"scanblocks", 5, "options"},
    {"estimaterawfee", 0, "conf_target"},
    {"estimaterawfee", 1, "threshold"},
    {"deriveaddresses", 1, "range"},
    {"echojson", 0, "arg0"},
    {"echojson", 1, "arg1"},
    {"echojson", 2, "arg2"},
    {"echojson", 3, "arg3"},
    {"echojson", 4, "arg4"},
    {"echojson", 5, "arg5"},
    {"echojson", 6, "arg6"},
    {"echojson", 7, "arg7"},
    {"echojson", 8, "arg8"},
    {"echojson", 9, "arg9"},
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
    bool named = false, use_stdin = false, stdin_rpcpass = false, getinfo = false, help = false;
    bool version = false;
    std::optional<std::string> wallet;
    app::RpcConnectionOptions rpc;  // connection options (app/rpc_connection.h)
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
           "  -getinfo               Get general information from the node\n"
           "  -named                 Pass named instead of positional arguments\n"
           "  -rpcwallet=<name>      Send RPC for non-default wallet on RPC server\n"
           "  -stdin                 Read extra arguments from standard input, one per line until EOF\n"
           "  -stdinrpcpass          Read RPC password from standard input as a single line\n" +
           app::connection_options_help("minicash-cli");
}

// Parses leading -options; returns the index of the first non-option argument.
int parse_options(int argc, char** argv, CliOptions& o) {
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a.empty() || a[0] != '-' || a == "-") break;
        const app::DashOption opt = app::parse_dash_option(a, [](const std::string& n) { return n != "named"; });
        const std::string& name = opt.name;
        const std::string value = opt.value.value_or("");
        const bool negated = opt.negated;
        auto flag = [&](bool& target) {
            auto b = app::parse_bool_option(value);
            if (!b) throw std::runtime_error("Invalid boolean value for -" + name);
            target = negated ? !*b : *b;
        };
        if (name == "?" || name == "h" || name == "help") o.help = true;
        else if (name == "version") flag(o.version);
        else if (name == "named") flag(o.named);
        else if (name == "stdin") flag(o.use_stdin);
        else if (name == "stdinrpcpass") flag(o.stdin_rpcpass);
        else if (name == "getinfo") flag(o.getinfo);
        else if (name == "rpcwallet") {
            if (negated) o.wallet.reset();
            else o.wallet = value;
        } else if (app::apply_connection_option(name, value, negated, o.rpc)) {
            // handled
        } else if (name == "color" || name == "stdinwalletpassphrase" || name == "netinfo" || name == "generate")
            throw std::runtime_error("option -" + name + " is not supported by minicash-cli");
        else throw std::runtime_error("Invalid parameter -" + name);
    }
    return i;
}

using Connection = rpc::RpcConnection;

// Sends one request document (to the -rpcwallet endpoint if given), with -rpcwait retries.
json::value call_with_wait(Connection& c, const CliOptions& o, const json::value& request) {
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
    return rpc::call_with_wait(c, request, path);
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
        out += "Network: in " + field(net, "connections_in") + ", out " + field(net, "connections_out") + ", total " +
               field(net, "connections") + "\n";
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
        if (!std::getline(std::cin, pass))
            throw std::runtime_error("-stdinrpcpass specified but failed to read from standard input");
        o.rpc.password = pass;
    }
    if (o.use_stdin) {
        std::string line;
        while (std::getline(std::cin, line)) args.push_back(line);
    }
    Connection c = app::resolve_connection(o.rpc);
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
        if (result->is_string() && !rpc::raw_number_text(*result))
            std::cout << std::string_view(result->get_string()) << "\n";
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
