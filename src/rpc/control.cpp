// Control commands: help, stop, uptime.
#include <chrono>

#include "node/context.h"
#include "rpc/server.h"

namespace minicash::rpc {

namespace json = boost::json;

void register_control_commands(RpcTable& t) {
    RpcTable* table = &t;
    t.add({"control",
           "help",
           "List all commands, or get help for a specified command.",
           {{"command", ArgType::STR, false, "all commands", "The command to get help on"}},
           "\"text\"    (string) The help text",
           [table](NodeContext&, const RpcRequest& req) -> json::value {
               return json::value(table->help(req.opt_str(0).value_or("")));
           },
           true});
    t.add({"control",
           "stop",
           "Request a graceful shutdown of the node.",
           {},
           "\"minicash server stopping\"    (string) A string with the content 'minicash server stopping'",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               node.shutdown_requested = true;
               if (node.request_shutdown) node.request_shutdown();
               return json::value("minicash server stopping");
           },
           true});
    t.add({"control",
           "uptime",
           "Returns the total uptime of the server.",
           {},
           "n    (numeric) The number of seconds that the server has been running",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const int64_t now =
                   std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                       .count();
               return json::value(now - node.start_time);
           },
           true});
}

void register_all_commands(RpcTable& t) {
    register_control_commands(t);
    register_blockchain_commands(t);
    register_rawtransaction_commands(t);
    register_mempool_commands(t);
    register_mining_commands(t);
    register_index_commands(t);
    register_scantxoutset_command(t);
    register_txoutproof_commands(t);
    register_psbt_commands(t);
    register_output_script_commands(t);
    register_signmessage_commands(t);
    register_mempool_query_commands(t);
    register_fee_commands(t);
    register_scanblocks_command(t);
}

}  // namespace minicash::rpc
