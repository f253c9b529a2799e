// The RPC command table: how JSON-RPC methods are declared, documented, checked and run.
//
// HOW ANOTHER COMPONENT ADDS COMMANDS (e.g. net/):
//   1. In your .cpp, write a function `void register_net_commands(rpc::RpcTable& t)` that
//      calls t.add() once per method:
//
//        t.add({"network", "getconnectioncount",
//               "Returns the number of connections to other nodes.",
//               {},                                              // arguments, see RpcArg
//               "n    (numeric) The connection count",           // "Result:" help text
//               [](NodeContext& node, const RpcRequest& req) -> boost::json::value {
//                   if (!node.connman) throw RpcError(RPC_CLIENT_P2P_DISABLED,
//                       "Error: Peer-to-peer functionality missing or disabled");
//                   return ...;
//               }});
//
//   2. Declare it in your own header (not here) and call it from minicashd's start-up code
//      next to rpc::register_all_commands(table) before the HTTP server starts.
//
// Arguments arrive as positional params or as a named object; the table maps names to
// positions using the RpcArg list, checks JSON types (Core's "Wrong type passed" -3) and
// the argument count (usage help as a -1 error), so handlers read req.params[i]
// (null = omitted) through the typed accessors below. Throw RpcError for a JSON-RPC
// error; any other exception becomes RPC_MISC_ERROR with its what() text.
//
// Amounts: return amount_value(satoshis); the HTTP layer's writer (write_json) prints them
// like Core (e.g. 50.00000000). Never put BTC values in doubles.
//
// Thread-safety: add() only before the server starts; execute() is thread-safe and
// handlers run concurrently on the HTTP worker threads.
#pragma once

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/money.h"
#include "consensus/amount.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::rpc {

// Bitcoin Core's error codes (rpc/protocol.h), same numbers.
enum RpcErrorCode : int {
    // JSON-RPC 2.0 standard
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_PARSE_ERROR = -32700,
    // general application errors
    RPC_MISC_ERROR = -1,
    RPC_TYPE_ERROR = -3,
    RPC_INVALID_ADDRESS_OR_KEY = -5,
    RPC_OUT_OF_MEMORY = -7,
    RPC_INVALID_PARAMETER = -8,
    RPC_DATABASE_ERROR = -20,
    RPC_DESERIALIZATION_ERROR = -22,
    RPC_VERIFY_ERROR = -25,
    RPC_VERIFY_REJECTED = -26,
    RPC_VERIFY_ALREADY_IN_CHAIN = -27,
    RPC_IN_WARMUP = -28,
    RPC_METHOD_DEPRECATED = -32,
    // P2P client errors
    RPC_CLIENT_NOT_CONNECTED = -9,
    RPC_CLIENT_IN_INITIAL_DOWNLOAD = -10,
    RPC_CLIENT_NODE_ALREADY_ADDED = -23,
    RPC_CLIENT_NODE_NOT_ADDED = -24,
    RPC_CLIENT_NODE_NOT_CONNECTED = -29,
    RPC_CLIENT_INVALID_IP_OR_SUBNET = -30,
    RPC_CLIENT_P2P_DISABLED = -31,
    RPC_CLIENT_NODE_CAPACITY_REACHED = -34,
    // chain errors
    RPC_CLIENT_MEMPOOL_DISABLED = -33,
    // wallet errors (used by minicash-wallet's own RPC, if any)
    RPC_WALLET_ERROR = -4,
    RPC_WALLET_INSUFFICIENT_FUNDS = -6,
    RPC_WALLET_NOT_FOUND = -18,
};

// A JSON-RPC error. Throw it from a handler; it becomes {"code":..,"message":..}.
struct RpcError : std::runtime_error {
    int code;
    std::string message;
    RpcError(int c, std::string msg) : std::runtime_error(msg), code(c), message(std::move(msg)) {}
};

// JSON types an argument may have (Core's RPCArg::Type). A null value for an optional
// argument always counts as "omitted".
enum class ArgType {
    STR,      // string
    STR_HEX,  // string of hex digits (checked by the handler, for Core's exact messages)
    NUM,      // number
    AMOUNT,   // number or string, in BTC (parse with amount_from_value)
    BOOL,
    OBJ,
    ARR,
    RANGE,  // number or [begin,end]
    ANY,    // not checked (e.g. getblock's verbosity which also takes a bool)
};
const char* arg_type_name(ArgType t);  // as printed by help: "string", "numeric", ...
// Core's UniValue type names, as in "JSON value of type X is not of expected type Y":
// "null", "bool", "object", "array", "string", "number".
const char* json_type_name(const boost::json::value& v);

struct RpcArg {
    std::string name;  // may list aliases "verbosity|verbose": first is canonical
    ArgType type = ArgType::STR;
    bool required = false;
    std::string default_hint;  // shown as "optional, default=<hint>" when not required
    std::string description;
    bool hidden = false;  // accepted but left out of help (as Core's hidden arguments, e.g. stop's wait)
};

struct RpcRequest {
    std::optional<boost::json::value> id;  // echoed in the reply; nullopt: request had no "id"
    std::string method;
    boost::json::array params;  // positional, after mapping; size == number of declared args
    std::string user;           // authenticated user name ("__cookie__" for the cookie)
    bool json_rpc_v2 = false;   // request said "jsonrpc":"2.0"
    size_t given = 0;           // how many params the caller passed (after named mapping), as echo returns them

    // Typed access (i is the argument position). `has` is false for a missing or null
    // parameter. The getters throw RpcError(RPC_TYPE_ERROR) on a type mismatch (only
    // possible for ArgType::ANY / AMOUNT) and RPC_INVALID_PARAMETER when required but missing.
    bool has(size_t i) const { return i < params.size() && !params[i].is_null(); }
    const boost::json::value& at(size_t i) const;  // null value when missing
    std::string get_str(size_t i) const;
    std::optional<std::string> opt_str(size_t i) const;
    int64_t get_int(size_t i) const;  // rejects fractions
    int64_t get_int(size_t i, int64_t dflt) const;
    bool get_bool(size_t i, bool dflt) const;
};

using RpcHandler = std::function<boost::json::value(NodeContext&, const RpcRequest&)>;

struct RpcCommand {
    std::string category;  // "blockchain", "control", "mining", "network", ...; "hidden": not listed by help
    std::string name;
    std::string description;  // first line: one-sentence summary
    std::vector<RpcArg> args;
    std::string result_help;  // free text after "Result:" in help
    RpcHandler handler;
    bool ok_in_warmup = false;  // allowed before the node finished starting (e.g. stop, help)
};

class RpcTable {
public:
    // Throws std::logic_error on a duplicate name.
    void add(RpcCommand command);
    const RpcCommand* find(const std::string& name) const;
    std::vector<const RpcCommand*> commands() const;  // sorted by category, then name

    // Maps named params to positions, checks the argument count and JSON types, runs the
    // handler. `raw_params` is the request's "params" (array, object or null). Throws
    // RpcError. `request.params` is filled here.
    boost::json::value execute(NodeContext& node, RpcRequest& request, const boost::json::value& raw_params) const;

    // `help` output: the list of all commands by category, or one command's usage.
    std::string help(const std::string& name = {}) const;
    std::string usage(const RpcCommand& command) const;  // "name arg1 ( arg2 )" + details

    // While warming up, commands without ok_in_warmup fail with RPC_IN_WARMUP and this text.
    void set_warmup(bool on, std::string status = "Loading block index...");
    bool in_warmup() const;
    // The warm-up status text while warming up (REST's 503 answers), nullopt after.
    std::optional<std::string> warmup_status() const;

    // The commands running now (getrpcinfo): method and microseconds since it started.
    struct ActiveCommand {
        std::string method;
        int64_t duration_us;
    };
    std::vector<ActiveCommand> active_commands() const;

private:
    struct Running {
        std::string method;
        std::chrono::steady_clock::time_point start;
    };
    mutable std::mutex active_mutex_;
    mutable std::list<Running> active_;  // one entry per execute() in progress
    std::map<std::string, RpcCommand> commands_;
    mutable std::mutex warmup_mutex_;
    bool warmup_ = false;
    std::string warmup_status_;
};

// ---- JSON helpers shared by handlers, the HTTP server and minicash-cli -------------

// An amount in satoshis as a JSON number with exactly 8 decimals, like Core. The value
// is held as a tagged string inside boost::json; write_json prints it as a bare number.
boost::json::value amount_value(Amount sats);
// Parses an AMOUNT argument (number or string, e.g. 0.1 or "0.00010000") into
// satoshis; throws RpcError(RPC_TYPE_ERROR, "Invalid amount") / ("Amount out of range").
Amount amount_from_value(const boost::json::value& v);
// Satoshis from a tagged amount produced by amount_value (for tests and in-process use).
[[nodiscard]] std::optional<Amount> amount_of(const boost::json::value& v);
// Exact decimal formatting of satoshis: 5000000000 -> "50.00000000" (common/money.h).
inline std::string format_amount(Amount sats) { return format_btc(sats); }

// A JSON number kept as its exact text (e.g. "50.00000000" from a server's reply), held
// like amounts as a tagged string; write_json prints it unchanged. nullopt-like null
// value when `text` is not a JSON number.
boost::json::value raw_number(std::string_view text);
// The text of a raw number or amount; nullopt for any other value.
std::optional<std::string> raw_number_text(const boost::json::value& v);
// Parses JSON keeping every non-integer number (and integers beyond 64 bits) as a
// raw_number, so that printing it again reproduces the server's text (minicash-cli).
boost::json::value parse_json_preserving(std::string_view text, boost::system::error_code& ec);

// Serializes like Core's UniValue::write: compact when indent == 0, otherwise pretty
// with `indent` spaces; doubles with 16 significant digits; amounts as above.
std::string write_json(const boost::json::value& v, int indent = 0);

// Core's JSON-RPC reply shapes.
boost::json::object make_error(int code, const std::string& message);
// 1.0/legacy: {"result","error","id"}; 2.0: {"jsonrpc":"2.0","result"|"error","id"}.
// "id" is left out when the request had none (nullopt), as Core does.
boost::json::object make_reply(const boost::json::value& result, const boost::json::value& error,
                               const std::optional<boost::json::value>& id, bool json_rpc_v2);

// Registration functions of the command files in this directory.
void register_blockchain_commands(RpcTable& t);
void register_rawtransaction_commands(RpcTable& t);
void register_mining_commands(RpcTable& t);
void register_mempool_commands(RpcTable& t);
void register_control_commands(RpcTable& t);  // help, stop, uptime, ...
void register_index_commands(RpcTable& t);    // getblockfilter, getindexinfo (indexes.cpp)
void register_scantxoutset_command(RpcTable& t);
void register_txoutproof_commands(RpcTable& t);          // gettxoutproof, verifytxoutproof (txoutproof.cpp)
void register_psbt_commands(RpcTable& t);                // createpsbt, decodepsbt, ... (psbt.cpp)
void register_output_script_commands(RpcTable& t);       // validateaddress, createmultisig, ... (output_script.cpp)
void register_signmessage_commands(RpcTable& t);         // verifymessage, signmessagewithprivkey (signmessage.cpp)
void register_mempool_query_commands(RpcTable& t);       // getmempoolancestors, ..., savemempool (mempool_queries.cpp)
void register_fee_commands(RpcTable& t);                 // estimaterawfee (fees.cpp)
void register_scanblocks_command(RpcTable& t);           // scanblocks (scanblocks.cpp)
void register_block_wait_commands(RpcTable& t);          // waitfornewblock, waitforblock, ... (block_wait.cpp)
void register_block_stats_commands(RpcTable& t);         // getblockstats, getchaintxstats (block_stats.cpp)
void register_deployment_info_command(RpcTable& t);      // getdeploymentinfo (deployment_info.cpp)
void register_descriptor_activity_command(RpcTable& t);  // getdescriptoractivity (descriptor_activity.cpp)
// All of the above.
void register_all_commands(RpcTable& t);

}  // namespace minicash::rpc
