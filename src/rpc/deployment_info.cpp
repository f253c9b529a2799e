// getdeploymentinfo: Core's buried deployments (by height) and BIP9 deployments (through
// node/versionbits.h) as seen from a block.
#include "node/chainstate.h"
#include "node/context.h"
#include "node/versionbits.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

json::object buried(const BlockIndex* b, int height) {
    // Active from the block after `b` on, as Core's DeploymentActiveAfter.
    return json::object{{"type", "buried"}, {"active", b->height + 1 >= height}, {"height", height}};
}

json::object bip9(const BlockIndex& b, const Bip9Deployment& d) {
    const Bip9Info info = bip9_info(b, d);
    json::object p;
    if (info.stats) p["bit"] = d.bit;
    p["start_time"] = d.start_time;
    p["timeout"] = d.timeout;
    p["min_activation_height"] = d.min_activation_height;
    p["status"] = bip9_state_name(info.current);
    p["since"] = info.since;
    p["status_next"] = bip9_state_name(info.next);
    if (info.stats) {
        json::object s{{"period", info.stats->period}, {"elapsed", info.stats->elapsed}, {"count", info.stats->count}};
        if (info.stats->threshold > 0 || info.stats->possible) {
            s["threshold"] = info.stats->threshold;
            s["possible"] = info.stats->possible;
        }
        p["statistics"] = std::move(s);
        p["signalling"] = info.signalling;
    }
    json::object r{{"type", "bip9"}};
    bool active = false;
    if (info.active_since) {
        r["height"] = *info.active_since;
        active = *info.active_since <= b.height + 1;
    }
    r["active"] = active;
    r["bip9"] = std::move(p);
    return r;
}

}  // namespace

void register_deployment_info_command(RpcTable& t) {
    t.add({"blockchain",
           "getdeploymentinfo",
           "Returns an object containing various state info regarding deployments of consensus changes.",
           {{"blockhash", ArgType::STR_HEX, false, "\"hash of current chain tip\"",
             "The block hash at which to query deployment state"}},
           "{                                    (json object)\n"
           "  \"hash\" : \"str\",                    (string) requested block hash (or tip)\n"
           "  \"height\" : n,                      (numeric) requested block height (or tip)\n"
           "  \"deployments\" : {                  (json object)\n"
           "    \"xxxx\" : {                        (json object) name of the deployment\n"
           "      \"type\" : \"str\",                (string) one of \"buried\", \"bip9\"\n"
           "      \"height\" : n,                  (numeric, optional) height of the first block which the rules "
           "are or will be enforced (only for \"buried\" type, or \"bip9\" type with \"active\" status)\n"
           "      \"active\" : true|false,         (boolean) true if the rules are enforced for the mempool and the "
           "next block\n"
           "      \"bip9\" : {                     (json object, optional) status of bip9 softforks (only for "
           "\"bip9\" type)\n"
           "        \"bit\" : n,                   (numeric, optional) the bit (0-28) in the block version field "
           "used to signal this softfork (only for \"started\" and \"locked_in\" status)\n"
           "        \"start_time\" : xxx,          (numeric) the minimum median time past of a block at which the "
           "bit gains its meaning\n"
           "        \"timeout\" : xxx,             (numeric) the median time past of a block at which the deployment "
           "is considered failed if not yet locked in\n"
           "        \"min_activation_height\" : n, (numeric) minimum height of blocks for which the rules may be "
           "enforced\n"
           "        \"status\" : \"str\",            (string) status of deployment at specified block (one of "
           "\"defined\", \"started\", \"locked_in\", \"active\", \"failed\")\n"
           "        \"since\" : n,                 (numeric) height of the first block to which the status applies\n"
           "        \"status_next\" : \"str\",       (string) status of deployment at the next block\n"
           "        \"statistics\" : {             (json object, optional) numeric statistics about signalling for a "
           "softfork (only for \"started\" and \"locked_in\" status)\n"
           "          \"period\" : n,              (numeric) the length in blocks of the signalling period\n"
           "          \"threshold\" : n,           (numeric, optional) the number of blocks with the version bit set "
           "required to activate the feature (only for \"started\" status)\n"
           "          \"elapsed\" : n,             (numeric) the number of blocks elapsed since the beginning of the "
           "current period\n"
           "          \"count\" : n,               (numeric) the number of blocks with the version bit set in the "
           "current period\n"
           "          \"possible\" : true|false    (boolean, optional) returns false if there are not enough blocks "
           "left in this period to pass activation threshold (only for \"started\" status)\n"
           "        },\n"
           "        \"signalling\" : \"str\"         (string, optional) indicates blocks that signalled with a # and "
           "blocks that did not with a -\n"
           "      }\n"
           "    },\n"
           "    ...\n"
           "  }\n"
           "}",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const BlockIndex* b = req.has(0) ? lookup_block(chain, parse_hash(req.at(0), "blockhash")) : chain.tip();
               if (!b) throw RpcError(RPC_MISC_ERROR, "No blocks");
               const ConsensusParams& c = chain.params().consensus;
               json::object deployments;
               deployments["bip34"] = buried(b, c.bip34_height);
               deployments["bip66"] = buried(b, c.bip66_height);
               deployments["bip65"] = buried(b, c.bip65_height);
               deployments["csv"] = buried(b, c.csv_height);
               deployments["segwit"] = buried(b, c.segwit_height);
               for (const Bip9Deployment& d : bip9_deployments(chain.params().network))
                   deployments[d.name] = bip9(*b, d);
               return json::object{
                   {"hash", b->hash.to_hex()}, {"height", b->height}, {"deployments", std::move(deployments)}};
           }});
}

}  // namespace minicash::rpc
