// Blockchain commands: getblockchaininfo, getblockcount, getbestblockhash, getblockhash,
// getblockheader, getblock, getchaintips, getdifficulty, gettxout, gettxoutsetinfo,
// invalidateblock, reconsiderblock, preciousblock.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "node/chain_tx_data.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "storage/block_store.h"
#include "util/hex.h"
#include "util/logging.h"
#include "util/mock_time.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

int64_t now_seconds() { return unix_time(); }

// Core's GuessVerificationProgress on Core's chain transaction data (node/chain_tx_data.h).
double verification_progress(const ChainParams& params, const BlockIndex* tip) {
    return guess_verification_progress(chain_tx_data(params), tip, now_seconds());
}

uint64_t blocks_disk_usage(const std::filesystem::path& blocks_dir) {
    uint64_t total = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(blocks_dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if ((name.starts_with("blk") || name.starts_with("rev")) && name.ends_with(".dat")) {
            std::error_code e2;
            const auto size = it->file_size(e2);
            if (!e2) total += size;
        }
    }
    return total;
}

// The best header's tip: the most-work tip not known invalid.
const BlockIndex* best_header(Chainstate& chain) {
    const BlockIndex* best = chain.tip();
    for (const ChainTip& ct : chain.chain_tips())
        if (ct.status != "invalid" && (!best || ct.block->chain_work > best->chain_work)) best = ct.block;
    return best;
}

}  // namespace

void register_blockchain_commands(RpcTable& t) {
    t.add({"blockchain",
           "getblockcount",
           "Returns the height of the most-work fully-validated chain.\nThe genesis block has height 0.",
           {},
           "n    (numeric) The current block count",
           [](NodeContext& node, const RpcRequest&) -> json::value { return require_chain(node).height(); }});

    t.add({"blockchain",
           "getbestblockhash",
           "Returns the hash of the best (tip) block in the most-work fully-validated chain.",
           {},
           "\"hex\"    (string) the block hash, hex-encoded",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const BlockIndex* tip = require_chain(node).tip();
               if (!tip) throw RpcError(RPC_MISC_ERROR, "No tip");
               return json::value(tip->hash.to_hex());
           }});

    t.add({"blockchain",
           "getblockhash",
           "Returns hash of block in best-block-chain at height provided.",
           {{"height", ArgType::NUM, true, "", "The height index"}},
           "\"hex\"    (string) The block hash",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const int64_t h = req.get_int(0);
               if (h < 0 || h > chain.height()) throw RpcError(RPC_INVALID_PARAMETER, "Block height out of range");
               const BlockIndex* b = chain.at_height(int(h));
               if (!b) throw RpcError(RPC_INVALID_PARAMETER, "Block height out of range");
               return json::value(b->hash.to_hex());
           }});

    t.add({"blockchain",
           "getblockheader",
           "If verbose is false, returns a string that is serialized, hex-encoded data for blockheader 'hash'.\n"
           "If verbose is true, returns an Object with information about blockheader <hash>.",
           {{"blockhash", ArgType::STR_HEX, true, "", "The block hash"},
            {"verbose", ArgType::BOOL, false, "true", "true for a json object, false for the hex-encoded data"}},
           "{ \"hash\", \"confirmations\", \"height\", \"version\", \"versionHex\", \"merkleroot\", \"time\",\n"
           "  \"mediantime\", \"nonce\", \"bits\", \"target\", \"difficulty\", \"chainwork\", \"nTx\",\n"
           "  \"previousblockhash\", \"nextblockhash\" }   or \"hex\" when verbose is false",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "hash");
               const bool verbose = req.get_bool(1, true);
               const BlockIndex* b = lookup_block(chain, hash);
               if (!verbose) return json::value(hex_encode(b->header.serialize()));
               json::object o;
               chain.with_view(
                   [&](Chainstate::View& view) { o = header_to_json(*b, view.tip(), view.at_height(b->height + 1)); });
               return o;
           }});

    t.add({"blockchain",
           "getblock",
           "If verbosity is 0, returns a string that is serialized, hex-encoded data for block 'hash'.\n"
           "If verbosity is 1, returns an Object with information about block <hash>.\n"
           "If verbosity is 2, returns an Object with information about block <hash> and information about each "
           "transaction, including fee (when undo data is available).\n"
           "If verbosity is 3, as 2 plus each input's prevout.",
           {{"blockhash", ArgType::STR_HEX, true, "", "The block hash"},
            {"verbosity|verbose", ArgType::ANY, false, "1",
             "0 for hex-encoded data, 1 for a JSON object, 2 for JSON object with transaction data, and 3 for JSON "
             "object with transaction data including prevout information for inputs"}},
           "(verbosity 0) \"hex\"\n(verbosity 1) { header fields..., \"strippedsize\", \"size\", \"weight\", "
           "\"tx\": [\"txid\", ...] }\n(verbosity 2, 3) as 1 with \"tx\": [ {decoded transaction, \"fee\"}, ... ]",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               const int verbosity = parse_verbosity(req.at(1), 1);
               const BlockIndex* b = lookup_block(chain, hash);
               BlockRead data = read_block_data(node, chain, b, verbosity >= 2);
               const Block& block = data.block;
               if (verbosity <= 0) return json::value(hex_encode(block.serialize(true)));
               json::object o;
               chain.with_view(
                   [&](Chainstate::View& view) { o = header_to_json(*b, view.tip(), view.at_height(b->height + 1)); });
               o["strippedsize"] = block.serialize(false).size();
               o["size"] = block.serialize(true).size();
               o["weight"] = block.weight();
               json::array txs;
               const bool undo_ok = data.undo && data.undo->txs.size() + 1 == block.txs.size();
               for (size_t i = 0; i < block.txs.size(); ++i) {
                   const Transaction& tx = block.txs[i];
                   if (verbosity == 1) {
                       txs.push_back(json::value(tx.txid().to_hex()));
                   } else {
                       const TxUndo* u = undo_ok && i > 0 ? &data.undo->txs[i - 1] : nullptr;
                       txs.push_back(
                           tx_to_json(tx, chain.params(), uint256(), true, u ? &u->spent : nullptr, verbosity));
                   }
               }
               o["tx"] = std::move(txs);
               return o;
           }});

    t.add({"blockchain",
           "getblockchaininfo",
           "Returns an object containing various state info regarding blockchain processing.",
           {},
           "{ \"chain\", \"blocks\", \"headers\", \"bestblockhash\", \"bits\", \"target\", \"difficulty\", \"time\",\n"
           "  \"mediantime\", \"verificationprogress\", \"initialblockdownload\", \"chainwork\", \"size_on_disk\",\n"
           "  \"pruned\", \"pruneheight\" (prune mode only: the lowest height with stored blocks),\n"
           "  \"automatic_pruning\" (prune mode only), \"prune_target_size\" (automatic pruning only: the target in\n"
           "  bytes), \"signet_challenge\" (signet only), \"warnings\",\n"
           "  \"assumevalid\": { \"blockhash\" (absent with -assumevalid=0), \"in_force\" (the last block connected\n"
           "  skipped its script checks), \"skipped_blocks\" (since start-up) } (minicash only) }",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               Chainstate& chain = require_chain(node);
               const ChainParams& params = chain.params();
               const BlockIndex* tip = chain.tip();
               if (!tip) throw RpcError(RPC_MISC_ERROR, "No tip");
               const BlockIndex* header = best_header(chain);
               json::object o;
               o["chain"] = network_name(params.network);
               o["blocks"] = tip->height;
               o["headers"] = header ? header->height : -1;
               o["bestblockhash"] = tip->hash.to_hex();
               o["bits"] = hex_u32(tip->header.bits);
               o["target"] = target_hex(tip->header.bits);
               o["difficulty"] = difficulty_from_bits(tip->header.bits);
               o["time"] = tip->header.time;
               o["mediantime"] = tip->median_time_past();
               o["verificationprogress"] = verification_progress(params, tip);
               o["initialblockdownload"] = chain.initial_block_download();
               o["chainwork"] = tip->chain_work.to_hex();
               o["size_on_disk"] = blocks_disk_usage(chain.blocks_dir());
               const PruneStatus prune = chain.prune_status();
               o["pruned"] = prune.prune_mode;
               if (prune.prune_mode) {
                   o["pruneheight"] = prune.prune_height ? *prune.prune_height + 1 : 0;
                   const bool automatic = prune.target != kPruneTargetManual;
                   o["automatic_pruning"] = automatic;
                   if (automatic) o["prune_target_size"] = prune.target;
               }
               if (params.network == Network::SIGNET)
                   o["signet_challenge"] = hex_encode(params.consensus.signet_challenge);
               o["warnings"] = json::array();
               const AssumeValidStatus av = chain.assume_valid();
               json::object a;
               if (!av.hash.is_null()) a["blockhash"] = av.hash.to_hex();
               a["in_force"] = av.skipping;
               a["skipped_blocks"] = av.skipped_blocks;
               o["assumevalid"] = std::move(a);
               return o;
           }});

    t.add({"blockchain",
           "getchaintips",
           "Return information about all known tips in the block tree, including the main chain as well as "
           "orphaned branches.",
           {},
           "[ { \"height\", \"hash\", \"branchlen\", \"status\" }, ... ]\n"
           "status: \"invalid\", \"headers-only\", \"valid-headers\", \"valid-fork\" or \"active\"",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               json::array out;
               for (const ChainTip& tip : require_chain(node).chain_tips()) {
                   json::object o;
                   o["height"] = tip.block->height;
                   o["hash"] = tip.block->hash.to_hex();
                   o["branchlen"] = tip.branch_length;
                   o["status"] = tip.status;
                   out.push_back(std::move(o));
               }
               return out;
           }});

    t.add({"blockchain",
           "getdifficulty",
           "Returns the proof-of-work difficulty as a multiple of the minimum difficulty.",
           {},
           "n.nnn    (numeric) the proof-of-work difficulty as a multiple of the minimum difficulty.",
           [](NodeContext& node, const RpcRequest&) -> json::value {
               const BlockIndex* tip = require_chain(node).tip();
               if (!tip) throw RpcError(RPC_MISC_ERROR, "No tip");
               return difficulty_from_bits(tip->header.bits);
           }});

    t.add({"blockchain",
           "gettxout",
           "Returns details about an unspent transaction output.",
           {{"txid", ArgType::STR, true, "", "The transaction id"},
            {"n", ArgType::NUM, true, "", "vout number"},
            {"include_mempool", ArgType::BOOL, false, "true",
             "Whether to include the mempool. Note that an unspent output that is spent in the mempool won't "
             "appear."}},
           "null when there is no such unspent output, else\n"
           "{ \"bestblock\", \"confirmations\", \"value\", \"scriptPubKey\": {\"asm\", \"desc\", \"hex\", "
           "\"address\", \"type\"}, \"coinbase\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 txid = parse_hash(req.at(0), "txid");
               const int64_t n = req.get_int(1);
               const bool include_mempool = req.get_bool(2, true);
               const OutPoint op{txid, uint32_t(n)};
               std::optional<Coin> coin;
               bool from_mempool = false;
               const BlockIndex* tip = nullptr;
               Mempool* mempool = include_mempool ? node.mempool.get() : nullptr;
               chain.with_view([&](Chainstate::View& view) {
                   tip = view.tip();
                   if (mempool && mempool->spender_of(op)) return;
                   coin = view.coin(op);
                   if (!coin && mempool) {
                       if (auto tx = mempool->get(txid); tx && op.index < tx->vout.size()) {
                           coin = Coin{tx->vout[op.index], 0, false};
                           from_mempool = true;
                       }
                   }
               });
               if (!coin || !tip) return nullptr;
               json::object o;
               o["bestblock"] = tip->hash.to_hex();
               o["confirmations"] = from_mempool ? 0 : tip->height - coin->height + 1;
               o["value"] = amount_value(coin->out.value);
               o["scriptPubKey"] = script_pubkey_json(coin->out.script_pubkey, chain.params());
               o["coinbase"] = coin->coinbase;
               return o;
           }});

    t.add({"blockchain",
           "gettxoutsetinfo",
           "Returns statistics about the unspent transaction output set.\nNote this call may take some time.",
           {{"hash_type", ArgType::STR, false, "hash_serialized_3",
             "Which UTXO set hash should be calculated. Options: 'hash_serialized_3' (the legacy algorithm), "
             "'none'."},
            {"hash_or_height", ArgType::ANY, false, "the current best block",
             "The block hash or height of the target height (only the current tip is supported)"},
            {"use_index", ArgType::BOOL, false, "true", "Use coinstatsindex, if available."}},
           "{ \"height\", \"bestblock\", \"txouts\", \"bogosize\", \"hash_serialized_3\", \"total_amount\",\n"
           "  \"transactions\", \"disk_size\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const std::string hash_type = req.opt_str(0).value_or("hash_serialized_3");
               if (hash_type == "muhash")
                   throw RpcError(RPC_INVALID_PARAMETER, "hash_type muhash is not supported by this node");
               if (hash_type != "hash_serialized_3" && hash_type != "none")
                   throw RpcError(RPC_INVALID_PARAMETER, "'" + hash_type + "' is not a valid hash_type");
               if (req.has(1)) {
                   const json::value& v = req.at(1);
                   bool is_tip = false;
                   if (v.is_string()) is_tip = chain.tip() && parse_hash(v, "hash_or_height") == chain.tip()->hash;
                   else is_tip = req.get_int(1) == chain.height();
                   if (!is_tip)
                       throw RpcError(RPC_INVALID_PARAMETER, "Querying specific block heights requires coinstatsindex");
               }
               const UtxoStats s = chain.utxo_stats();
               json::object o;
               o["height"] = s.height;
               o["bestblock"] = s.best_block.to_hex();
               o["txouts"] = s.txouts;
               o["bogosize"] = s.bogosize;
               if (hash_type == "hash_serialized_3") o["hash_serialized_3"] = s.hash_serialized_3.to_hex();
               o["total_amount"] = amount_value(s.total_amount);
               o["transactions"] = s.transactions;
               o["disk_size"] = s.disk_size;
               return o;
           }});

    t.add({"blockchain",
           "invalidateblock",
           "Permanently marks a block as invalid, as if it violated a consensus rule.",
           {{"blockhash", ArgType::STR_HEX, true, "", "the hash of the block to mark as invalid"}},
           "null",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               lookup_block(chain, hash);
               ValidationState state;
               if (!chain.invalidate_block(hash, state)) throw RpcError(RPC_DATABASE_ERROR, state.to_string());
               return nullptr;
           }});

    t.add({"blockchain",
           "reconsiderblock",
           "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for "
           "activation.\nThis can be used to undo the effects of invalidateblock.",
           {{"blockhash", ArgType::STR_HEX, true, "", "the hash of the block to reconsider"}},
           "null",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               lookup_block(chain, hash);
               ValidationState state;
               if (!chain.reconsider_block(hash, state)) throw RpcError(RPC_DATABASE_ERROR, state.to_string());
               return nullptr;
           }});

    t.add({"blockchain",
           "pruneblockchain",
           "Deletes the stored blocks up to a height (prune mode only; the last 288 blocks are always kept).",
           {{"height", ArgType::NUM, true, "",
             "The block height to prune up to, or a UNIX epoch time (above 1000000000): the blocks up to the "
             "first one with a timestamp at least 2 hours before it"}},
           "n    (numeric) Height of the last block pruned",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const PruneStatus status = chain.prune_status();
               if (!status.prune_mode)
                   throw RpcError(RPC_MISC_ERROR, "Cannot prune blocks because node is not in prune mode.");
               int64_t height = req.get_int(0);
               if (height < 0) throw RpcError(RPC_INVALID_PARAMETER, "Negative block height.");
               // Above a billion the value is a time (a height that large is decades away).
               if (height > 1000000000) {
                   constexpr int64_t kTimestampWindow = 2 * 60 * 60;  // Core's TIMESTAMP_WINDOW
                   const int64_t when = height - kTimestampWindow;
                   std::optional<int> found;
                   int64_t time_max = 0;
                   for (int h = 0; h <= chain.height() && !found; ++h) {
                       const BlockIndex* b = chain.at_height(h);
                       if (!b) break;
                       time_max = std::max<int64_t>(time_max, b->header.time);
                       if (time_max >= when) found = h;
                   }
                   if (!found)
                       throw RpcError(RPC_INVALID_PARAMETER,
                                      "Could not find block with at least the specified timestamp.");
                   height = *found;
               }
               const int chain_height = chain.height();
               if (chain_height < status.prune_after_height)
                   throw RpcError(RPC_MISC_ERROR, "Blockchain is too short for pruning.");
               if (height > chain_height)
                   throw RpcError(RPC_INVALID_PARAMETER, "Blockchain is shorter than the attempted prune height.");
               if (height > chain_height - kMinBlocksToKeep) {
                   log_debug(LogCategory::RPC,
                             "Attempt to prune blocks close to the tip.  Retaining the minimum number of blocks.");
                   height = chain_height - kMinBlocksToKeep;
               }
               return chain.prune_manual(int(height));
           }});

    t.add({"blockchain",
           "preciousblock",
           "Treats a block as if it were received before others with the same work.\n\n"
           "A later preciousblock call can override the effect of an earlier one.\n\n"
           "The effects of preciousblock are not retained across restarts.",
           {{"blockhash", ArgType::STR_HEX, true, "", "the hash of the block to mark as precious"}},
           "null    (json null)",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 hash = parse_hash(req.at(0), "blockhash");
               lookup_block(chain, hash);
               ValidationState state;
               if (!chain.precious_block(hash, state)) throw RpcError(RPC_DATABASE_ERROR, state.to_string());
               return nullptr;
           }});
}

}  // namespace minicash::rpc
