// Control commands: help, stop, uptime, getrpcinfo, getmemoryinfo; the test-support
// commands setmocktime, mockscheduler, echo, echojson, syncwithvalidationinterfacequeue.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "node/context.h"
#include "rpc/server.h"
#include "util/mock_time.h"

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
           {{"wait", ArgType::NUM, false, "", "how long to wait in ms", true}},
           "\"minicash server stopping\"    (string) A string with the content 'minicash server stopping'",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               node.shutdown_requested = true;
               if (node.request_shutdown) node.request_shutdown();
               // Core's hidden test argument: answer only after `wait` ms (the shutdown has begun).
               if (req.has(0)) {
                   const int64_t ms = req.get_int(0);
                   if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(ms, 3600000)));
               }
               return json::value("minicash server stopping");
           },
           true});
    t.add({"control",
           "uptime",
           "Returns the total uptime of the server.",
           {},
           "n    (numeric) The number of seconds that the server has been running",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               return json::value(unix_time() - node.start_time);  // mock time moves it, as Core's GetTime
           },
           true});
    t.add({"control",
           "getrpcinfo",
           "Returns details of the RPC server.",
           {},
           "{                          (json object)\n"
           "  \"active_commands\" : [     (json array) All active commands\n"
           "    {                      (json object) Information about an active command\n"
           "      \"method\" : \"str\",     (string) The name of the RPC command\n"
           "      \"duration\" : n       (numeric) The running time in microseconds\n"
           "    },\n"
           "    ...\n"
           "  ],\n"
           "  \"logpath\" : \"str\"        (string) The complete file path to the debug log\n"
           "}",
           [table](NodeContext& node, const RpcRequest&) -> json::value {
               json::array active;
               for (const RpcTable::ActiveCommand& c : table->active_commands())
                   active.push_back(json::object{{"method", c.method}, {"duration", c.duration_us}});
               std::error_code ec;
               const std::filesystem::path log = std::filesystem::absolute(node.datadir / "debug.log", ec);
               return json::object{{"active_commands", std::move(active)}, {"logpath", log.string()}};
           },
           true});
    t.add({"control",
           "getmemoryinfo",
           "Returns an object containing information about memory usage.",
           {{"mode", ArgType::STR, false, "\"stats\"",
             "determines what kind of information is returned.\n"
             "       - \"stats\" returns general statistics about memory usage in the daemon.\n"
             "       - \"mallocinfo\" returns an XML string describing low-level heap state (only available if "
             "compiled with glibc)."}},
           "Result (mode \"stats\"):\n"
           "{                         (json object)\n"
           "  \"locked\" : {            (json object) Information about locked memory manager\n"
           "    \"used\" : n,           (numeric) Number of bytes used\n"
           "    \"free\" : n,           (numeric) Number of bytes available in current arenas\n"
           "    \"total\" : n,          (numeric) Total number of bytes managed\n"
           "    \"locked\" : n,         (numeric) Amount of bytes that succeeded locking. If this number is "
           "smaller than total, locking pages failed at some point and key data could be swapped to disk.\n"
           "    \"chunks_used\" : n,    (numeric) Number allocated chunks\n"
           "    \"chunks_free\" : n     (numeric) Number unused chunks\n"
           "  }\n"
           "}\n\n"
           "Result (mode \"mallocinfo\"):\n"
           "\"str\"    (string) \"<malloc version=\"1\">...\"",
           [](NodeContext&, const RpcRequest& req) -> json::value {
               const std::string mode = req.opt_str(0).value_or("stats");
               if (mode == "stats") {
                   // The node keeps no secrets in a locked pool (it has no wallet): all zero.
                   json::object locked{{"used", 0},   {"free", 0},        {"total", 0},
                                       {"locked", 0}, {"chunks_used", 0}, {"chunks_free", 0}};
                   return json::object{{"locked", std::move(locked)}};
               }
               if (mode == "mallocinfo") {
                   char* buf = nullptr;
                   size_t size = 0;
                   FILE* f = ::open_memstream(&buf, &size);
                   if (!f) throw RpcError(RPC_MISC_ERROR, "mallocinfo mode not available");
                   ::malloc_info(0, f);
                   std::fclose(f);
                   std::string xml(buf ? buf : "", size);
                   std::free(buf);
                   return json::value(xml);
               }
               throw RpcError(RPC_INVALID_PARAMETER, "unknown mode " + mode);
           }});
    t.add({"hidden",
           "setmocktime",
           "Set the local time to given timestamp (-regtest only)",
           {{"timestamp", ArgType::NUM, true, "",
             "Unix seconds-since-epoch timestamp\n       Pass 0 to go back to using the system time."}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               if (node.params.network != Network::REGTEST)
                   throw RpcError(RPC_MISC_ERROR, "setmocktime is for regression testing (-regtest mode) only");
               const int64_t time = req.get_int(0);
               if (time < 0 || time > kMaxMockTime)
                   throw RpcError(RPC_INVALID_PARAMETER, "Mocktime must be in the range [0, " +
                                                             std::to_string(kMaxMockTime) + "], not " +
                                                             std::to_string(time) + ".");
               set_mock_time(time);
               return json::value(nullptr);
           }});
    t.add({"hidden",
           "mockscheduler",
           "Bump the scheduler into the future (-regtest only)",
           {{"delta_time", ArgType::NUM, true, "", "Number of seconds to forward the scheduler into the future."}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               if (node.params.network != Network::REGTEST)
                   throw RpcError(RPC_MISC_ERROR, "mockscheduler is for regression testing (-regtest mode) only");
               const int64_t delta = req.get_int(0);
               if (delta <= 0 || delta > 3600) throw RpcError(RPC_MISC_ERROR, "delta_time must be between 1 and 3600");
               // minicash has no scheduler thread: its periodic work (peer timeouts, mempool
               // expiry, address and fee-estimate flushes) runs from loops that read the
               // mock clock, so there is nothing queued to bring forward.
               return json::value(nullptr);
           }});
    t.add({"hidden",
           "syncwithvalidationinterfacequeue",
           "Waits for the validation interface queue to catch up on everything that was there when we entered this "
           "function.",
           {},
           "null    (json null)",
           [](NodeContext&, const RpcRequest&) -> json::value {
               // Chain and mempool listeners run synchronously, under the chain state's and
               // the mempool's locks, before the call that caused them returns: nothing waits.
               return json::value(nullptr);
           }});
    t.add({"hidden",
           "generate",
           "has been replaced by the -generate cli option. Refer to -help for more information.",
           {},
           "",
           [table](NodeContext&, const RpcRequest&) -> json::value {
               throw RpcError(RPC_METHOD_NOT_FOUND, table->usage(*table->find("generate")));
           }});
    for (const char* name : {"echo", "echojson"}) {
        std::vector<RpcArg> args;
        for (int i = 0; i < 10; ++i) args.push_back({"arg" + std::to_string(i), ArgType::ANY, false, "", ""});
        t.add({"hidden", name,
               "Simply echo back the input arguments. This command is for testing.\n\n"
               "It will return an internal bug report when arg9='trigger_internal_bug' is passed.\n\n"
               "The difference between echo and echojson is that echojson has argument conversion enabled in the "
               "client-side table in minicash-cli. There is no server-side difference.",
               std::move(args), "any    (any) Returns whatever was passed in",
               [](NodeContext&, const RpcRequest& req) -> json::value {
                   if (req.params[9].is_string() && req.params[9].get_string() == "trigger_internal_bug")
                       throw RpcError(RPC_MISC_ERROR,
                                      "Internal bug detected: request.params[9].get_str() != \"trigger_internal_bug\"\n"
                                      "rpc/control.cpp (echo)\nminicash\nPlease report this issue.\n");
                   json::array out(req.params.begin(), req.params.begin() + std::ptrdiff_t(req.given));
                   return out;
               }});
    }
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
    register_block_wait_commands(t);
    register_block_stats_commands(t);
    register_deployment_info_command(t);
    register_descriptor_activity_command(t);
}

}  // namespace minicash::rpc
