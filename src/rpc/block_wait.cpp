// waitfornewblock, waitforblock, waitforblockheight: a caller's RPC thread waits on the
// node's TipWaiter (node/tip_waiter.h) until the tip moves as asked, the timeout passes
// or the node shuts down; the other RPC threads (-rpcthreads) keep serving.
#include <chrono>

#include "node/chainstate.h"
#include "node/context.h"
#include "node/tip_waiter.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

const char* const kResultHelp =
    "{                       (json object)\n"
    "  \"hash\" : \"hex\",       (string) The blockhash\n"
    "  \"height\" : n          (numeric) Block height\n"
    "}";

const char* const kTimeoutHelp = "Time in milliseconds to wait for a response. 0 indicates no timeout.";

std::chrono::milliseconds parse_timeout(const RpcRequest& req, size_t i) {
    const int64_t ms = req.get_int(i, 0);
    if (ms < 0) throw RpcError(RPC_MISC_ERROR, "Negative timeout");
    return std::chrono::milliseconds(ms);
}

json::value tip_json(const BlockIndex* tip) {
    if (!tip) return json::object{{"hash", uint256().to_hex()}, {"height", -1}};
    return json::object{{"hash", tip->hash.to_hex()}, {"height", tip->height}};
}

json::value wait_for(NodeContext& node, const std::function<bool(const BlockIndex*)>& done,
                     std::chrono::milliseconds timeout) {
    require_chain(node);
    if (!node.tip_waiter) throw RpcError(RPC_INTERNAL_ERROR, "Waiting for blocks is not available");
    return tip_json(node.tip_waiter->wait(done, timeout, [&node] { return node.shutdown_requested.load(); }));
}

}  // namespace

void register_block_wait_commands(RpcTable& t) {
    t.add({"blockchain",
           "waitfornewblock",
           "Waits for any new block and returns useful info about it.\n\n"
           "Returns the current block on timeout or exit.\n\n"
           "Make sure to use no RPC timeout (minicash-cli -rpcclienttimeout=0)",
           {{"timeout", ArgType::NUM, false, "0", kTimeoutHelp},
            {"current_tip", ArgType::STR_HEX, false, "", "Method waits for the chain tip to differ from this."}},
           kResultHelp,
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const auto timeout = parse_timeout(req, 0);
               const Chainstate& chain = require_chain(node);
               uint256 start;
               if (req.has(1)) {
                   start = parse_hash(req.at(1), "current_tip");
               } else if (const BlockIndex* tip = chain.tip()) {
                   start = tip->hash;
               }
               return wait_for(
                   node, [start](const BlockIndex* tip) { return tip && tip->hash != start; }, timeout);
           }});
    t.add({"blockchain",
           "waitforblock",
           "Waits for a specific new block and returns useful info about it.\n\n"
           "Returns the current block on timeout or exit.\n\n"
           "Make sure to use no RPC timeout (minicash-cli -rpcclienttimeout=0)",
           {{"blockhash", ArgType::STR_HEX, true, "", "Block hash to wait for."},
            {"timeout", ArgType::NUM, false, "0", kTimeoutHelp}},
           kResultHelp,
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const uint256 want = parse_hash(req.at(0), "blockhash");
               const auto timeout = parse_timeout(req, 1);
               return wait_for(
                   node, [want](const BlockIndex* tip) { return tip && tip->hash == want; }, timeout);
           }});
    t.add({"blockchain",
           "waitforblockheight",
           "Waits for (at least) block height and returns the height and hash\n"
           "of the current tip.\n\n"
           "Returns the current block on timeout or exit.\n\n"
           "Make sure to use no RPC timeout (minicash-cli -rpcclienttimeout=0)",
           {{"height", ArgType::NUM, true, "", "Block height to wait for."},
            {"timeout", ArgType::NUM, false, "0", kTimeoutHelp}},
           kResultHelp,
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const int64_t height = req.get_int(0);
               const auto timeout = parse_timeout(req, 1);
               return wait_for(
                   node, [height](const BlockIndex* tip) { return tip && tip->height >= height; }, timeout);
           }});
}

}  // namespace minicash::rpc
