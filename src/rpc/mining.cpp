// Mining commands: generatetoaddress, generatetodescriptor, generateblock, getblocktemplate,
// submitblock, submitheader, getmininginfo, getnetworkhashps.
#include <atomic>
#include <set>

#include "common/address.h"
#include "consensus/merkle.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "node/miner.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hex.h"
#include "util/mock_time.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr uint64_t kDefaultMaxTries = 1000000;
// Core's m_last_block_weight / m_last_block_num_txs, for getmininginfo.
std::atomic<int64_t> g_last_block_weight{-1};
std::atomic<int64_t> g_last_block_txs{-1};

double to_double(const arith_uint256& v) {
    double d = 0;
    for (char c : v.to_hex()) d = d * 16 + double(c <= '9' ? c - '0' : c - 'a' + 10);
    return d;
}

void remember_template(const Block& block) {
    g_last_block_weight = int64_t(block.weight());
    g_last_block_txs = int64_t(block.txs.size()) - 1;
}

// Mines `block` (nonce only) and processes it. Returns false when out of tries.
// Throws on an unexpected rejection.
bool mine_and_process(NodeContext& node, Chainstate& chain, Block& block, int height, uint64_t& max_tries,
                      bool process) {
    if (!grind_block(block, height, max_tries, chain.params().consensus, &node.shutdown_requested)) return false;
    if (!process) return true;
    ValidationState state;
    if (!chain.process_block(block, state))
        throw RpcError(RPC_INTERNAL_ERROR, "ProcessNewBlock, block not accepted: " + state.to_string());
    return true;
}

// -blockmaxweight and -blockmintxfee for templates from the mempool.
TemplateOptions template_options(const NodeContext& node) {
    TemplateOptions o;
    if (node.block_max_weight > 0) o.max_weight = node.block_max_weight;
    if (node.block_min_tx_fee >= 0) o.min_fee_rate = node.block_min_tx_fee;
    return o;
}

json::array generate_blocks(NodeContext& node, const Script& script, int64_t count, uint64_t max_tries) {
    Chainstate& chain = require_chain(node);
    json::array hashes;
    while (count > 0 && !node.shutdown_requested) {
        BlockTemplate t = create_block_template(chain, node.mempool.get(), script, template_options(node));
        remember_template(t.block);
        if (!mine_and_process(node, chain, t.block, t.height, max_tries, true)) break;
        hashes.push_back(json::value(t.block.hash().to_hex()));
        --count;
    }
    return hashes;
}

uint64_t parse_max_tries(const RpcRequest& req, size_t i) {
    const int64_t v = req.get_int(i, int64_t(kDefaultMaxTries));
    if (v < 0) throw RpcError(RPC_INVALID_PARAMETER, "maxtries must be non-negative");
    return uint64_t(v);
}

// Core's BIP22ValidationResult.
json::value bip22_result(const ValidationState& state) {
    if (state.valid()) return nullptr;
    if (state.reason().empty()) return json::value("rejected");
    return json::value(state.reason());
}

json::value network_hash_ps(Chainstate& chain, int64_t lookup, int64_t height) {
    const BlockIndex* pb = chain.tip();
    if (height >= 0 && height < chain.height()) pb = chain.at_height(int(height));
    if (!pb || pb->height == 0) return 0;
    if (lookup <= 0) lookup = pb->height % chain.params().consensus.difficulty_adjustment_interval() + 1;
    if (lookup > pb->height) lookup = pb->height;
    const BlockIndex* pb0 = pb;
    int64_t min_time = pb0->header.time, max_time = min_time;
    for (int64_t i = 0; i < lookup; ++i) {
        pb0 = pb0->prev;
        min_time = std::min<int64_t>(min_time, pb0->header.time);
        max_time = std::max<int64_t>(max_time, pb0->header.time);
    }
    if (min_time == max_time) return 0;
    return to_double(pb->chain_work - pb0->chain_work) / double(max_time - min_time);
}

}  // namespace

void register_mining_commands(RpcTable& t) {
    t.add({"generating",
           "generatetoaddress",
           "Mine blocks immediately to a specified address (before the RPC call returns)",
           {{"nblocks", ArgType::NUM, true, "", "How many blocks are generated."},
            {"address", ArgType::STR, true, "", "The address to send the newly generated bitcoin to."},
            {"maxtries", ArgType::NUM, false, "1000000", "How many iterations to try."}},
           "[ \"hex\", ... ]    hashes of blocks generated",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const int64_t n = req.get_int(0);
               const uint64_t tries = parse_max_tries(req, 2);
               auto script = decode_address(req.get_str(1), chain.params());
               if (!script) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address");
               return generate_blocks(node, *script, n, tries);
           }});

    t.add({"generating",
           "generatetodescriptor",
           "Mine to a specified descriptor and return the block hashes.",
           {{"num_blocks", ArgType::NUM, true, "", "How many blocks are generated."},
            {"descriptor", ArgType::STR, true, "", "The descriptor to send the newly generated bitcoin to."},
            {"maxtries", ArgType::NUM, false, "1000000", "How many iterations to try."}},
           "[ \"hex\", ... ]    hashes of blocks generated",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const int64_t n = req.get_int(0);
               const uint64_t tries = parse_max_tries(req, 2);
               std::string error;
               auto script = script_from_descriptor(req.get_str(1), chain.params(), error);
               if (!script) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
               return generate_blocks(node, *script, n, tries);
           }});

    t.add({"generating",
           "generateblock",
           "Mine a set of ordered transactions to a specified address or descriptor and return the block hash.",
           {{"output", ArgType::STR, true, "", "The address or descriptor to send the newly generated bitcoin to."},
            {"transactions", ArgType::ARR, true, "",
             "An array of hex strings which are either txids or raw transactions.\nTxids must reference "
             "transactions currently in the mempool.\nAll transactions must be valid and in valid order, "
             "otherwise the block will be rejected."},
            {"submit", ArgType::BOOL, false, "true",
             "Whether to submit the block before the RPC call returns or to return it as hex."}},
           "{ \"hash\", \"hex\" (only when submit is false) }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const std::string output = req.get_str(0);
               std::string error;
               auto script = script_from_descriptor(output, chain.params(), error);
               if (!script) script = decode_address(output, chain.params());
               if (!script) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address or descriptor");
               std::vector<std::shared_ptr<const Transaction>> txs;
               for (const json::value& v : req.at(1).get_array()) {
                   if (!v.is_string()) throw RpcError(RPC_TYPE_ERROR, "JSON value is not a string as expected");
                   const std::string s(v.get_string());
                   if (s.size() == 64 && is_hex(s)) {
                       const uint256 txid = *uint256::from_hex(s);
                       auto tx = node.mempool ? node.mempool->get(txid) : nullptr;
                       if (!tx) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction " + s + " not in mempool.");
                       txs.push_back(tx);
                   } else if (auto tx = decode_hex_tx(s)) {
                       txs.push_back(std::make_shared<const Transaction>(std::move(*tx)));
                   } else {
                       throw RpcError(RPC_DESERIALIZATION_ERROR, "Transaction decode failed for " + s +
                                                                     ". Make sure the tx has at least one input.");
                   }
               }
               const bool submit = req.get_bool(2, true);
               TemplateOptions opts;
               opts.transactions.emplace();  // an empty template: no mempool transactions
               BlockTemplate tpl = create_block_template(chain, nullptr, *script, opts);
               for (const auto& tx : txs) tpl.block.txs.push_back(*tx);
               regenerate_commitments(tpl.block);
               ValidationState state;
               if (!test_block_validity(chain, tpl.block, state, false, false))
                   throw RpcError(RPC_VERIFY_ERROR,
                                  "TestBlockValidity failed: " +
                                      (state.debug().empty() ? state.reason() : state.reason() + ", " + state.debug()));
               uint64_t tries = kDefaultMaxTries;
               if (!mine_and_process(node, chain, tpl.block, tpl.height, tries, submit))
                   throw RpcError(RPC_MISC_ERROR, "Failed to make block.");
               json::object o;
               o["hash"] = tpl.block.hash().to_hex();
               if (!submit) o["hex"] = hex_encode(tpl.block.serialize(true));
               return o;
           }});

    t.add({"mining",
           "getblocktemplate",
           "If the request parameters include a 'mode' key, that is used to explicitly select between the "
           "default 'template' request or a 'proposal'.\nIt returns data needed to construct a block to work on.\n"
           "For full specification, see BIPs 22, 23, 9, and 145:\n"
           "    https://github.com/bitcoin/bips/blob/master/bip-0022.mediawiki\n"
           "    https://github.com/bitcoin/bips/blob/master/bip-0023.mediawiki\n"
           "    https://github.com/bitcoin/bips/blob/master/bip-0009.mediawiki#getblocktemplate_changes\n"
           "    https://github.com/bitcoin/bips/blob/master/bip-0145.mediawiki\n"
           "Long polling is not supported: a longpollid is accepted and answered at once.",
           {{"template_request", ArgType::OBJ, false, "{}",
             "Format of the template: {\"mode\": \"template\"|\"proposal\", \"capabilities\": [...], \"rules\": "
             "[\"segwit\", ...], \"longpollid\": \"str\", \"data\": \"hex\" (proposal mode)}"}},
           "{ \"capabilities\", \"version\", \"rules\", \"vbavailable\", \"vbrequired\", \"previousblockhash\",\n"
           "  \"transactions\": [ { \"data\", \"txid\", \"hash\", \"depends\", \"fee\", \"sigops\", \"weight\" } ],\n"
           "  \"coinbaseaux\", \"coinbasevalue\", \"longpollid\", \"target\", \"mintime\", \"mutable\", "
           "\"noncerange\",\n  \"sigoplimit\", \"sizelimit\", \"weightlimit\", \"curtime\", \"bits\", \"height\", "
           "\"signet_challenge\",\n  \"default_witness_commitment\" }   or, for a proposal, null or a reject reason",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const ChainParams& params = chain.params();
               std::string mode = "template";
               std::set<std::string> rules;
               if (req.has(0)) {
                   const json::object& o = req.at(0).get_object();
                   if (auto it = o.find("mode"); it != o.end()) {
                       if (it->value().is_string()) mode = std::string(it->value().get_string());
                       else if (!it->value().is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid mode");
                   }
                   if (mode == "proposal") {
                       auto data = o.find("data");
                       if (data == o.end() || !data->value().is_string())
                           throw RpcError(RPC_TYPE_ERROR, "Missing data String key for proposal");
                       auto block = decode_hex_block(std::string(data->value().get_string()));
                       if (!block) throw RpcError(RPC_DESERIALIZATION_ERROR, "Block decode failed");
                       const uint256 hash = block->hash();
                       if (const BlockIndex* b = chain.lookup(hash)) {
                           uint32_t status = 0;
                           chain.with_view([&](Chainstate::View&) { status = b->status; });
                           if ((status & BLOCK_VALID_MASK) >= BLOCK_VALID_SCRIPTS && !(status & BLOCK_FAILED_MASK))
                               return json::value("duplicate");
                           if (status & BLOCK_FAILED_MASK) return json::value("duplicate-invalid");
                           return json::value("duplicate-inconclusive");
                       }
                       const BlockIndex* tip = chain.tip();
                       if (!tip || block->header.prev_block != tip->hash)
                           return json::value("inconclusive-not-best-prevblk");
                       ValidationState state;
                       if (test_block_validity(chain, *block, state, false, true)) return json::value(nullptr);
                       return bip22_result(state);
                   }
                   if (auto it = o.find("rules"); it != o.end() && it->value().is_array())
                       for (const json::value& r : it->value().get_array())
                           if (r.is_string()) rules.insert(std::string(r.get_string()));
               }
               if (mode != "template") throw RpcError(RPC_INVALID_PARAMETER, "Invalid mode");
               if (params.network == Network::MAIN) {
                   if (!node.connman) throw RpcError(RPC_CLIENT_NOT_CONNECTED, "minicash is not connected!");
                   const BlockIndex* tip = chain.tip();
                   const int64_t now = unix_time();
                   if (!tip || int64_t(tip->header.time) < now - 24 * 3600)
                       throw RpcError(RPC_CLIENT_IN_INITIAL_DOWNLOAD,
                                      "minicash is in initial sync and waiting for blocks...");
               }
               if (params.consensus.signet_blocks && !rules.count("signet"))
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "getblocktemplate must be called with the signet rule set (call with {\"rules\": "
                                  "[\"segwit\", \"signet\"]})");
               if (!rules.count("segwit"))
                   throw RpcError(RPC_INVALID_PARAMETER,
                                  "getblocktemplate must be called with the segwit rule set (call with {\"rules\": "
                                  "[\"segwit\"]})");
               Mempool& mempool = require_mempool(node);
               Script op_true;
               op_true.push_op(OP_TRUE);
               BlockTemplate tpl = create_block_template(chain, &mempool, op_true, template_options(node));
               remember_template(tpl.block);
               const Block& block = tpl.block;
               const bool pre_segwit = tpl.height < params.consensus.segwit_height;

               json::array transactions;
               std::map<uint256, int64_t> index;
               for (size_t i = 0; i < block.txs.size(); ++i) {
                   const Transaction& tx = block.txs[i];
                   const uint256 txid = tx.txid();
                   index[txid] = int64_t(i);
                   if (tx.is_coinbase()) continue;
                   json::object e;
                   e["data"] = hex_encode(tx.serialize(true));
                   e["txid"] = txid.to_hex();
                   e["hash"] = tx.wtxid().to_hex();
                   json::array deps;
                   for (const TxIn& in : tx.vin)
                       if (auto it = index.find(in.prevout.txid); it != index.end()) deps.push_back(it->second);
                   e["depends"] = std::move(deps);
                   e["fee"] = tpl.fees[i];
                   int64_t sigops = tpl.sigops_cost[i];
                   if (pre_segwit) sigops /= kWitnessScaleFactor;
                   e["sigops"] = sigops;
                   e["weight"] = tx.weight();
                   transactions.push_back(std::move(e));
               }
               json::object r;
               r["capabilities"] = json::array{"proposal"};
               r["version"] = block.header.version;
               json::array rule_list{"csv"};
               if (!pre_segwit) rule_list.push_back("!segwit");
               rule_list.push_back("taproot");
               if (params.consensus.signet_blocks) rule_list.push_back("!signet");
               r["rules"] = std::move(rule_list);
               r["vbavailable"] = json::object();
               r["vbrequired"] = 0;
               r["previousblockhash"] = block.header.prev_block.to_hex();
               r["transactions"] = std::move(transactions);
               r["coinbaseaux"] = json::object();
               r["coinbasevalue"] = tpl.coinbase_value;
               r["longpollid"] = block.header.prev_block.to_hex() + std::to_string(mempool.info().size);
               r["target"] = target_hex(block.header.bits);
               r["mintime"] = tpl.min_time;
               r["mutable"] = json::array{"time", "transactions", "prevblock"};
               r["noncerange"] = "00000000ffffffff";
               r["sigoplimit"] = pre_segwit ? kMaxBlockSigopsCost / kWitnessScaleFactor : kMaxBlockSigopsCost;
               r["sizelimit"] = pre_segwit ? kMaxBlockWeight / kWitnessScaleFactor : kMaxBlockWeight;
               if (!pre_segwit) r["weightlimit"] = kMaxBlockWeight;
               r["curtime"] = block.header.time;
               r["bits"] = hex_u32(block.header.bits);
               r["height"] = tpl.height;
               if (params.consensus.signet_blocks)
                   r["signet_challenge"] = hex_encode(params.consensus.signet_challenge);
               if (!tpl.witness_commitment.empty())
                   r["default_witness_commitment"] = hex_encode(tpl.witness_commitment.view());
               return r;
           }});

    t.add({"mining",
           "submitblock",
           "Attempts to submit new block to network.\nSee https://en.bitcoin.it/wiki/BIP_0022 for full "
           "specification.",
           {{"hexdata", ArgType::STR_HEX, true, "", "the hex-encoded block data to submit"},
            {"dummy", ArgType::STR, false, "ignored",
             "dummy value, for compatibility with BIP22. This value is ignored."}},
           "null on success, else \"duplicate\", \"duplicate-invalid\", \"inconclusive\" or the reject reason",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               auto block = decode_hex_block(req.get_str(0));
               if (!block) throw RpcError(RPC_DESERIALIZATION_ERROR, "Block decode failed");
               // A block without a coinbase goes to validation, which answers bad-cb-missing (Core 28+).
               const uint256 hash = block->hash();
               if (const BlockIndex* b = chain.lookup(hash)) {
                   uint32_t status = 0;
                   chain.with_view([&](Chainstate::View&) { status = b->status; });
                   if (status & BLOCK_FAILED_MASK) return json::value("duplicate-invalid");
                   if ((status & BLOCK_VALID_MASK) >= BLOCK_VALID_SCRIPTS) return json::value("duplicate");
               }
               if (const BlockIndex* prev = chain.lookup(block->header.prev_block))
                   add_witness_nonce(*block, prev->height + 1 >= chain.params().consensus.segwit_height);
               ValidationState state;
               bool is_new = false;
               const bool accepted = chain.process_block(*block, state, &is_new);
               if (!accepted) return bip22_result(state);
               if (!is_new) return json::value("duplicate");
               const BlockIndex* b = chain.lookup(hash);
               if (b && chain.in_active_chain(b)) return nullptr;
               return json::value("inconclusive");
           }});

    t.add({"mining",
           "submitheader",
           "Decode the given hexdata as a header and submit it as a candidate chain tip if valid.\n"
           "Throws when the header is invalid.",
           {{"hexdata", ArgType::STR_HEX, true, "", "the hex-encoded block header data"}},
           "null",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               auto bytes = hex_decode(req.get_str(0));
               std::optional<BlockHeader> h;
               // As Core, the header is read from the start: a whole block is accepted too.
               constexpr size_t kHeaderSize = 80;
               if (bytes && bytes->size() >= kHeaderSize) h = BlockHeader::decode(ByteView(bytes->data(), kHeaderSize));
               if (!h) throw RpcError(RPC_DESERIALIZATION_ERROR, "Block header decode failed");
               if (!chain.lookup(h->prev_block))
                   throw RpcError(RPC_VERIFY_ERROR,
                                  "Must submit previous header (" + h->prev_block.to_hex() + ") first");
               ValidationState state;
               if (!chain.process_header(*h, state)) throw RpcError(RPC_VERIFY_ERROR, state.to_string());
               return nullptr;
           }});

    t.add({"mining",
           "getnetworkhashps",
           "Returns the estimated network hashes per second based on the last n blocks.\n"
           "Pass in [blocks] to override # of blocks, -1 specifies since last difficulty change.\n"
           "Pass in [height] to estimate the network speed at the time when a certain block was found.",
           {{"nblocks", ArgType::NUM, false, "120",
             "The number of previous blocks to calculate estimate from, or -1 for blocks since last difficulty "
             "change."},
            {"height", ArgType::NUM, false, "-1", "To estimate at the time of the given height."}},
           "x    (numeric) Hashes per second estimated",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const int64_t lookup = req.get_int(0, 120);
               if (lookup < -1 || lookup == 0)
                   throw RpcError(RPC_INVALID_PARAMETER, "Invalid nblocks. Must be a positive number or -1.");
               const int64_t height = req.get_int(1, -1);
               if (height > chain.height())
                   throw RpcError(RPC_INVALID_PARAMETER, "Block does not exist at specified height");
               return network_hash_ps(chain, lookup, height);
           }});

    t.add({"mining",
           "getmininginfo",
           "Returns a json object containing mining-related information.",
           {},
           "{ \"blocks\", \"currentblockweight\", \"currentblocktx\", \"bits\", \"difficulty\", \"target\",\n"
           "  \"networkhashps\", \"pooledtx\", \"chain\", \"warnings\" }",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               Chainstate& chain = require_chain(node);
               const BlockIndex* tip = chain.tip();
               if (!tip) throw RpcError(RPC_MISC_ERROR, "No tip");
               json::object o;
               o["blocks"] = tip->height;
               if (g_last_block_weight >= 0) o["currentblockweight"] = g_last_block_weight.load();
               if (g_last_block_txs >= 0) o["currentblocktx"] = g_last_block_txs.load();
               o["bits"] = hex_u32(tip->header.bits);
               o["difficulty"] = difficulty_from_bits(tip->header.bits);
               o["target"] = target_hex(tip->header.bits);
               o["networkhashps"] = network_hash_ps(chain, 120, -1);
               o["pooledtx"] = node.mempool ? node.mempool->info().size : 0;
               o["chain"] = network_name(chain.params().network);
               o["warnings"] = json::array();
               return o;
           }});
}

}  // namespace minicash::rpc
