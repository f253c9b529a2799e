// getdescriptoractivity (Core 29+): spends from and payments to the scripts of descriptors
// in given blocks of the active chain (their data and undo data) and in the mempool.
#include <set>

#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "rpc/rawtransaction_util.h"
#include "rpc/server.h"
#include "rpc/util.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

struct Activity {
    const ChainParams& params;
    json::array events;

    void where(json::object& e, const BlockIndex* block) {
        if (!block) return;  // unconfirmed
        e["blockhash"] = block->hash.to_hex();
        e["height"] = block->height;
    }
    void spend(const TxOut& prev, const Transaction& tx, size_t vin, const BlockIndex* block) {
        json::object e{{"type", "spend"}, {"amount", amount_value(prev.value)}};
        where(e, block);
        e["spend_txid"] = tx.txid().to_hex();
        e["spend_vin"] = vin;
        e["prevout_txid"] = tx.vin[vin].prevout.txid.to_hex();
        e["prevout_vout"] = tx.vin[vin].prevout.index;
        e["prevout_spk"] = script_pubkey_json(prev.script_pubkey, params);
        events.push_back(std::move(e));
    }
    void receive(const Transaction& tx, size_t vout, const BlockIndex* block) {
        json::object e{{"type", "receive"}, {"amount", amount_value(tx.vout[vout].value)}};
        where(e, block);
        e["txid"] = tx.txid().to_hex();
        e["vout"] = vout;
        e["output_spk"] = script_pubkey_json(tx.vout[vout].script_pubkey, params);
        events.push_back(std::move(e));
    }
};

const char* const kScriptHelp =
    "{                       (json object)\n"
    "        \"asm\" : \"str\",          (string) Disassembly of the output script\n"
    "        \"desc\" : \"str\",         (string) Inferred descriptor for the output\n"
    "        \"hex\" : \"hex\",          (string) The raw output script bytes, hex-encoded\n"
    "        \"address\" : \"str\",      (string, optional) The Bitcoin address (only if a well-defined address "
    "exists)\n"
    "        \"type\" : \"str\"          (string) The type (one of: nonstandard, anchor, pubkey, pubkeyhash, "
    "scripthash, multisig, nulldata, witness_v0_scripthash, witness_v0_keyhash, witness_v1_taproot, "
    "witness_unknown)\n"
    "      }";

}  // namespace

void register_descriptor_activity_command(RpcTable& t) {
    t.add({"blockchain",
           "getdescriptoractivity",
           "Get spend and receive activity associated with a set of descriptors for a set of blocks. This command "
           "pairs well with the `relevant_blocks` output of `scanblocks()`.\n"
           "This call may take several minutes. If you encounter timeouts, try specifying no RPC timeout "
           "(minicash-cli -rpcclienttimeout=0)",
           {{"blockhashes", ArgType::ARR, true, "",
             "The list of blockhashes to examine for activity. Order doesn't matter. Must be along main chain or an "
             "error is thrown."},
            {"scanobjects", ArgType::ARR, true, "",
             "The list of descriptors (scan objects) to examine for activity. Every scan object is either a string "
             "descriptor or an object {\"desc\": \"str\", \"range\": n or [n,n]} (range default=1000)"},
            {"include_mempool", ArgType::BOOL, false, "true", "Whether to include unconfirmed activity"}},
           std::string("{                               (json object)\n"
                       "  \"activity\" : [                (json array) events\n"
                       "    {                           (json object)\n"
                       "      \"type\" : \"str\",           (string) always 'spend'\n"
                       "      \"amount\" : n,             (numeric) The total amount in BTC of the spent output\n"
                       "      \"blockhash\" : \"hex\",      (string, optional) The blockhash this spend appears in "
                       "(omitted if unconfirmed)\n"
                       "      \"height\" : n,             (numeric, optional) Height of the spend (omitted if "
                       "unconfirmed)\n"
                       "      \"spend_txid\" : \"hex\",     (string) The txid of the spending transaction\n"
                       "      \"spend_vin\" : n,          (numeric) The input index of the spend\n"
                       "      \"prevout_txid\" : \"hex\",   (string) The txid of the prevout\n"
                       "      \"prevout_vout\" : n,       (numeric) The vout of the prevout\n"
                       "      \"prevout_spk\" : ") +
               kScriptHelp +
               "\n    },\n"
               "    {                           (json object)\n"
               "      \"type\" : \"str\",           (string) always 'receive'\n"
               "      \"amount\" : n,             (numeric) The total amount in BTC of the new output\n"
               "      \"blockhash\" : \"hex\",      (string, optional) The block that this receive is in (omitted if "
               "unconfirmed)\n"
               "      \"height\" : n,             (numeric, optional) The height of the receive (omitted if "
               "unconfirmed)\n"
               "      \"txid\" : \"hex\",           (string) The txid of the receiving transaction\n"
               "      \"vout\" : n,               (numeric) The vout of the receiving output\n"
               "      \"output_spk\" : " +
               kScriptHelp +
               "\n    },\n"
               "    ...\n"
               "  ]\n"
               "}",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               auto by_height = [](const BlockIndex* a, const BlockIndex* b) { return a->height < b->height; };
               std::set<const BlockIndex*, decltype(by_height)> blocks(by_height);
               for (const json::value& h : json_array(req.at(0))) {
                   const BlockIndex* b = lookup_block(chain, parse_hash(h, "blockhash"));
                   if (!chain.in_active_chain(b)) throw RpcError(RPC_INVALID_PARAMETER, "Block is not in main chain");
                   blocks.insert(b);
               }
               std::set<Script> watched;
               for (const json::value& obj : json_array(req.at(1)))
                   expand_descriptor_argument(
                       parse_descriptor_argument(obj, chain.params()),
                       [&](const Descriptor&, uint32_t, const ExpandedScript& e) { watched.insert(e.script_pubkey); });
               Activity out{chain.params(), {}};
               for (const BlockIndex* b : blocks) {
                   BlockRead data = read_block_data(node, chain, b, true);
                   if (b->height > 0 && (!data.undo || data.undo->txs.size() + 1 != data.block.txs.size()))
                       throw RpcError(RPC_MISC_ERROR, "Can't read undo data from disk");
                   for (size_t i = 0; i < data.block.txs.size(); ++i) {
                       const Transaction& tx = data.block.txs[i];
                       if (!tx.is_coinbase()) {
                           const TxUndo& undo = data.undo->txs[i - 1];
                           for (size_t vin = 0; vin < tx.vin.size() && vin < undo.spent.size(); ++vin)
                               if (watched.count(undo.spent[vin].out.script_pubkey))
                                   out.spend(undo.spent[vin].out, tx, vin, b);
                       }
                       for (size_t vout = 0; vout < tx.vout.size(); ++vout)
                           if (watched.count(tx.vout[vout].script_pubkey)) out.receive(tx, vout, b);
                   }
               }
               if (req.get_bool(2, true)) {
                   const Mempool& mempool = require_mempool(node);
                   for (const uint256& txid : mempool.txids_and_sequence().first) {
                       const auto entry = mempool.entry(txid);
                       if (!entry) continue;  // left meanwhile
                       const Transaction& tx = *entry->tx;
                       const std::vector<std::optional<TxOut>> spent = find_spent_outputs(node, tx);
                       for (size_t vin = 0; vin < tx.vin.size() && vin < spent.size(); ++vin)
                           if (spent[vin] && watched.count(spent[vin]->script_pubkey))
                               out.spend(*spent[vin], tx, vin, nullptr);
                       for (size_t vout = 0; vout < tx.vout.size(); ++vout)
                           if (watched.count(tx.vout[vout].script_pubkey)) out.receive(tx, vout, nullptr);
                   }
               }
               return json::object{{"activity", std::move(out.events)}};
           }});
}

}  // namespace minicash::rpc
