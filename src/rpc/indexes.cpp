// Commands served by the optional indexes (src/node/index/): getblockfilter,
// getsilentpaymentblockdata, getindexinfo.
// getrawtransaction's -txindex path is in rawtransaction.cpp.
#include "node/block_index.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/address_index.h"
#include "node/index/block_filter_index.h"
#include "node/index/silent_payment_index.h"
#include "node/index/tx_index.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

void register_index_commands(RpcTable& t) {
    t.add({"blockchain",
           "getblockfilter",
           "Retrieve a BIP 157 content filter for a particular block.",
           {{"blockhash", ArgType::STR_HEX, true, "", "The hash of the block"},
            {"filtertype", ArgType::STR, false, "basic", "The type name of the filter"}},
           "{                      (json object)\n"
           "  \"filter\" : \"hex\",    (string) the hex-encoded filter data\n"
           "  \"header\" : \"hex\"     (string) the hex-encoded filter header\n"
           "}\n"
           "Needs -blockfilterindex.",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               const std::string type = req.opt_str(1).value_or("basic");
               if (type != "basic") throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown filtertype");
               BlockFilterIndex* index = node.block_filter_index.get();
               if (!index) throw RpcError(RPC_MISC_ERROR, "Index is not enabled for filtertype " + type);
               const BlockIndex* block = chain.lookup(hash);
               if (!block) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
               bool was_connected = false;
               chain.with_view([&](Chainstate::View&) { was_connected = block->is_valid(BLOCK_VALID_SCRIPTS); });
               const bool ready = index->block_until_synced();
               std::optional<BlockFilterIndex::Entry> entry = index->lookup(hash);
               if (!entry) {
                   if (!was_connected)
                       throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                      "Filter not found. Block was not connected to active chain.");
                   if (!ready)
                       throw RpcError(RPC_MISC_ERROR,
                                      "Filter not found. Block filters are still in the process of being indexed.");
                   throw RpcError(RPC_INTERNAL_ERROR,
                                  "Filter not found. This error is unexpected and indicates index corruption.");
               }
               json::object o;
               o["filter"] = hex_encode(entry->filter);
               o["header"] = entry->header.to_hex();
               return o;
           }});

    t.add({"blockchain",
           "getsilentpaymentblockdata",
           "Returns the BIP352 silent payment tweak data of a block: for every transaction a silent payment\n"
           "receiver has to scan, input_hash times the sum of its eligible input public keys, in block order.\n"
           "A receiver multiplies each by its scan key to find its outputs without the spent outputs.",
           {{"blockhash", ArgType::STR_HEX, true, "", "The hash of the block"}},
           "{                          (json object)\n"
           "  \"bip352_tweaks\" : [     (json array)\n"
           "    \"hex\",                (string) a 33-byte compressed public key\n"
           "    ...\n"
           "  ]\n"
           "}\n"
           "Needs -silentpaymentindex.",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               SilentPaymentIndex* index = node.silent_payment_index.get();
               if (!index) throw RpcError(RPC_MISC_ERROR, "Silent payment index is not enabled (-silentpaymentindex)");
               const BlockIndex* block = chain.lookup(hash);
               if (!block) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
               bool was_connected = false;
               chain.with_view([&](Chainstate::View&) { was_connected = block->is_valid(BLOCK_VALID_SCRIPTS); });
               const bool ready = index->block_until_synced();
               std::optional<std::vector<sp::PubKey>> tweaks = index->lookup(hash);
               if (!tweaks) {
                   if (!was_connected)
                       throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                      "Silent payment data not found. Block was not connected to active chain.");
                   if (!ready)
                       throw RpcError(RPC_MISC_ERROR, "Silent payment data not found. The index is still being built.");
                   throw RpcError(RPC_INTERNAL_ERROR,
                                  "Silent payment data not found. This error is unexpected and indicates index "
                                  "corruption.");
               }
               json::array list;
               for (const sp::PubKey& k : *tweaks)
                   list.push_back(json::string(hex_encode(ByteView(k.data(), k.size()))));
               json::object o;
               o["bip352_tweaks"] = std::move(list);
               return o;
           }});

    t.add({"util",
           "getindexinfo",
           "Returns the status of one or all available indices currently running in the node.",
           {{"index_name", ArgType::STR, false, "", "Filter results for an index with a specific name."}},
           "{                               (json object) One key per running index (\"txindex\",\n"
           "                                \"basic block filter index\", \"bip352 index\", \"addressindex\")\n"
           "  \"name\" : {                    (json object) The name of the index\n"
           "    \"synced\" : true|false,      (boolean) Whether the index is synced or not\n"
           "    \"best_block_height\" : n     (numeric) The block height to which the index is synced\n"
           "  }\n"
           "}",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const std::optional<std::string> wanted = req.opt_str(0);
               json::object out;
               const BaseIndex* indexes[] = {node.tx_index.get(), node.block_filter_index.get(),
                                             node.silent_payment_index.get(), node.address_index.get()};
               for (const BaseIndex* index : indexes) {
                   if (!index) continue;
                   const IndexSummary s = index->summary();
                   if (wanted && *wanted != s.name) continue;
                   json::object o;
                   o["synced"] = s.synced;
                   o["best_block_height"] = s.best_block_height;
                   out[s.name] = std::move(o);
               }
               return out;
           }});
}

}  // namespace minicash::rpc
