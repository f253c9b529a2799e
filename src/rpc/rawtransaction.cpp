// Raw transaction commands: getrawtransaction, decoderawtransaction, decodescript,
// createrawtransaction, combinerawtransaction, signrawtransactionwithkey.
#include "common/address.h"
#include "common/descriptor.h"
#include "common/raw_tx_signing.h"
#include "common/signer.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/tx_index.h"
#include "node/mempool.h"
#include "rpc/rawtransaction_util.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "storage/block_store.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// A transaction found in a block on disk.
struct FoundTx {
    std::shared_ptr<const Transaction> tx;
    const BlockIndex* block = nullptr;
};

std::optional<FoundTx> find_in_block(Chainstate& chain, const BlockIndex* b, const uint256& txid) {
    auto block = chain.read_block(b);
    if (!block) return std::nullopt;
    for (const Transaction& tx : block->txs)
        if (tx.txid() == txid) return FoundTx{std::make_shared<const Transaction>(tx), b};
    return std::nullopt;
}

// Core's CTxOut::ToString, as the "Missing amount" error prints it.
std::string txout_text(const TxOut& out) {
    return "CTxOut(nValue=" + format_amount(out.value) +
           ", scriptPubKey=" + hex_encode(out.script_pubkey.view()).substr(0, 30) + ")";
}

Script p2sh_of(const Script& s) {
    Script out;
    out.push_op(OP_HASH160).push_data(hash160(s.view())).push_op(OP_EQUAL);
    return out;
}

Script p2wsh_of(const Script& s) {
    Script out;
    out.push_op(OP_0).push_data(sha256(s.view()).view());
    return out;
}

// Core's ParsePrevouts: the prevtxs argument overrides (or supplies) the spent outputs and,
// for P2SH / P2WSH outputs, adds the redeem or witness script to the key store.
void parse_prevouts(const json::value& prevtxs, const Transaction& tx, std::vector<std::optional<TxOut>>& spent,
                    KeyStore& keys) {
    if (prevtxs.is_null()) return;
    for (const json::value& p : json_array(prevtxs)) {
        if (!p.is_object())
            throw RpcError(RPC_DESERIALIZATION_ERROR, "expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}");
        const json::object& o = p.get_object();
        for (const char* field : {"scriptPubKey", "txid", "vout"}) {
            const json::value& v = json_member(o, field);
            if (v.is_null()) throw RpcError(RPC_TYPE_ERROR, std::string("Missing ") + field);
            const bool number = v.is_number() || raw_number_text(v);
            const bool ok = std::string_view(field) == "vout" ? number : (v.is_string() && !number);
            if (!ok)
                throw RpcError(RPC_TYPE_ERROR, std::string("JSON value of type ") + json_type_name(v) + " for field " +
                                                   field + " is not of expected type " +
                                                   (std::string_view(field) == "vout" ? "number" : "string"));
        }
        OutPoint out;
        out.txid = parse_hash(json_member(o, "txid"), "txid");
        const int64_t n = json_int(json_member(o, "vout"), INT32_MIN, INT32_MAX);
        if (n < 0) throw RpcError(RPC_DESERIALIZATION_ERROR, "vout cannot be negative");
        out.index = uint32_t(n);
        const Script spk(parse_hex(json_member(o, "scriptPubKey"), "scriptPubKey"));

        TxOut coin{kMaxMoney, spk};
        if (o.contains("amount")) coin.value = amount_from_value(json_member(o, "amount"));
        for (size_t i = 0; i < tx.vin.size(); ++i) {
            if (tx.vin[i].prevout != out) continue;
            if (spent[i] && spent[i]->script_pubkey != spk)
                throw RpcError(RPC_DESERIALIZATION_ERROR, "Previous output scriptPubKey mismatch:\n" +
                                                              script_to_asm(spent[i]->script_pubkey) + "\nvs:\n" +
                                                              script_to_asm(spk));
            spent[i] = coin;
        }

        const bool is_p2sh = spk.is_p2sh();
        int version = 0;
        Bytes program;
        const bool is_p2wsh = spk.is_witness_program(version, program) && version == 0 && program.size() == 32;
        if (!is_p2sh && !is_p2wsh) continue;
        const json::value& rs = json_member(o, "redeemScript");
        const json::value& ws = json_member(o, "witnessScript");
        for (const auto& [name, v] :
             {std::pair<const char*, const json::value*>{"redeemScript", &rs}, {"witnessScript", &ws}}) {
            if (!v->is_null() && (!v->is_string() || raw_number_text(*v)))
                throw RpcError(RPC_TYPE_ERROR, std::string("JSON value of type ") + json_type_name(*v) + " for field " +
                                                   name + " is not of expected type string");
        }
        if (rs.is_null() && ws.is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Missing redeemScript/witnessScript");
        // The witness script when given, and its P2WSH form (for P2SH-P2WSH).
        const Script script(!ws.is_null() ? parse_hex(ws, "witnessScript") : parse_hex(rs, "redeemScript"));
        const Script wrapped = p2wsh_of(script);
        keys.add_script(script);
        keys.add_script(wrapped);
        if (!ws.is_null() && !rs.is_null() && ws.as_string() != rs.as_string()) {
            if (Script(parse_hex(rs, "redeemScript")) != wrapped)
                throw RpcError(RPC_INVALID_PARAMETER, "redeemScript does not correspond to witnessScript");
        }
        if (is_p2sh ? (spk != p2sh_of(script) && spk != p2sh_of(wrapped)) : spk != wrapped)
            throw RpcError(RPC_INVALID_PARAMETER, "redeemScript/witnessScript does not match scriptPubKey");
    }
}

const char* const kSighashChoices =
    "       \"DEFAULT\"\n"
    "       \"ALL\"\n"
    "       \"NONE\"\n"
    "       \"SINGLE\"\n"
    "       \"ALL|ANYONECANPAY\"\n"
    "       \"NONE|ANYONECANPAY\"\n"
    "       \"SINGLE|ANYONECANPAY\"";

json::value create_raw_transaction(NodeContext& node, const RpcRequest& req) {
    const Transaction tx = construct_transaction(req, node.params);
    return json::value(hex_encode(tx.serialize()));
}

json::value combine_raw_transaction(NodeContext& node, const RpcRequest& req) {
    const json::array& txs = req.at(0).as_array();
    std::vector<Transaction> variants;
    for (size_t i = 0; i < txs.size(); ++i) {
        auto tx = decode_hex_tx(json_str(txs[i]));
        if (!tx)
            throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed for tx " + std::to_string(i) +
                                                          ". Make sure the tx has at least one input.");
        variants.push_back(std::move(*tx));
    }
    if (variants.empty()) throw RpcError(RPC_DESERIALIZATION_ERROR, "Missing transactions");
    Transaction merged = variants[0];
    const std::vector<std::optional<TxOut>> spent = find_spent_outputs(node, merged);
    for (size_t i = 0; i < merged.vin.size(); ++i) {
        if (!spent[i]) throw RpcError(RPC_VERIFY_ERROR, "Input not found or already spent");
        combine_input_signatures(merged, i, variants, *spent[i]);
    }
    return json::value(hex_encode(merged.serialize()));
}

json::value sign_raw_transaction_with_key(NodeContext& node, const RpcRequest& req) {
    auto tx = decode_hex_tx(req.get_str(0));
    if (!tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
    KeyStore keys;
    for (const json::value& k : req.at(1).as_array()) {
        const std::optional<WifKey> wif = decode_wif(json_str(k), node.params);
        if (!wif) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid private key");
        keys.add_key_with_key_path_output(SecretKey(wif->secret));
    }
    std::vector<std::optional<TxOut>> spent = find_spent_outputs(node, *tx);
    parse_prevouts(req.at(2), *tx, spent, keys);
    const std::optional<int> hash_type = parse_sighash(req.at(3));

    std::map<size_t, std::string> errors;
    const bool complete = sign_raw_transaction(*tx, spent, keys, hash_type, errors);
    for (const auto& [i, message] : errors)
        if (message == "Missing amount") throw RpcError(RPC_TYPE_ERROR, "Missing amount for " + txout_text(*spent[i]));
    json::object result;
    result["hex"] = hex_encode(tx->serialize());
    result["complete"] = complete;
    if (!errors.empty()) result["errors"] = input_errors_json(*tx, errors);
    return result;
}

}  // namespace

void register_rawtransaction_commands(RpcTable& t) {
    t.add({"rawtransactions",
           "getrawtransaction",
           "By default, this call only returns a transaction if it is in the mempool. If -txindex is enabled\n"
           "and no blockhash argument is passed, it will return the transaction if it is in the mempool or any "
           "block.\nIf a blockhash argument is passed, it will return the transaction if\nthe specified block is "
           "available and the transaction is in that block.\n\n"
           "If verbosity is 0 or omitted, returns the serialized transaction as a hex-encoded string.\n"
           "If verbosity is 1, returns a JSON Object with information about the transaction.\n"
           "If verbosity is 2, returns a JSON Object with information about the transaction, including fee and "
           "prevout information.",
           {{"txid", ArgType::STR_HEX, true, "", "The transaction id"},
            {"verbosity|verbose", ArgType::ANY, false, "0",
             "0 for hex-encoded data, 1 for a JSON object, and 2 for JSON object with fee and prevout"},
            {"blockhash", ArgType::STR_HEX, false, "", "The block in which to look for the transaction"}},
           "\"data\" (verbosity 0) or { \"in_active_chain\", \"txid\", \"hash\", \"version\", \"size\", \"vsize\", "
           "\"weight\", \"locktime\", \"vin\", \"vout\", \"hex\", \"blockhash\", \"confirmations\", \"time\", "
           "\"blocktime\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               Chainstate& chain = require_chain(node);
               const uint256 txid = parse_hash(req.at(0), "parameter 1");
               const ChainParams& params = chain.params();
               if (!params.genesis.txs.empty() && txid == params.genesis.header.merkle_root)
                   throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                  "The genesis block coinbase is not considered an ordinary transaction and cannot "
                                  "be retrieved");
               const int verbosity = parse_verbosity(req.at(1), 0);
               const BlockIndex* given_block = nullptr;
               if (req.has(2)) {
                   const uint256 bh = parse_hash(req.at(2), "parameter 3");
                   given_block = chain.lookup(bh);
                   if (!given_block) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block hash not found");
               }
               std::optional<FoundTx> found;
               if (given_block) {
                   bool have_data = false;
                   chain.with_view([&](Chainstate::View&) { have_data = given_block->status & BLOCK_HAVE_DATA; });
                   if (!have_data) throw RpcError(RPC_MISC_ERROR, "Block not available");
                   found = find_in_block(chain, given_block, txid);
                   if (!found)
                       throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                      "No such transaction found in the provided block. Use gettransaction for "
                                      "wallet transactions.");
               } else {
                   if (node.mempool) {
                       if (auto tx = node.mempool->get(txid)) found = FoundTx{tx, nullptr};
                   }
                   if (!found && !node.tx_index)
                       throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                      "No such mempool transaction. Use -txindex or provide a block hash to enable "
                                      "blockchain transaction queries. Use gettransaction for wallet transactions.");
                   if (!found) {
                       const bool ready = node.tx_index->block_until_synced();
                       if (auto f = node.tx_index->find(txid)) {
                           // A block the chain state no longer knows (lost in a crash) does not count.
                           if (const BlockIndex* b = chain.lookup(f->block_hash))
                               found = FoundTx{std::make_shared<const Transaction>(std::move(f->tx)), b};
                       }
                       if (!found && !ready)
                           throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                          "No such mempool transaction. Blockchain transactions are still in the "
                                          "process of being indexed. Use gettransaction for wallet transactions.");
                       if (!found)
                           throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                                          "No such mempool or blockchain transaction. Use gettransaction for wallet "
                                          "transactions.");
                   }
               }
               const Transaction& tx = *found->tx;
               if (verbosity <= 0) return json::value(hex_encode(tx.serialize(true)));

               std::optional<TxUndo> undo;
               if (verbosity >= 2 && found->block && !tx.is_coinbase()) {
                   // The spent coins come from the block's undo data (the transaction's
                   // position in the block picks its entry).
                   FilePos undo_pos;
                   uint256 prev_hash;
                   chain.with_view([&](Chainstate::View&) {
                       undo_pos = found->block->undo;
                       if (found->block->prev) prev_hash = found->block->prev->hash;
                   });
                   if (!undo_pos.is_null()) {
                       try {
                           BlockStore reader(chain.blocks_dir(), params.magic);
                           auto block_undo = reader.read_undo(undo_pos, prev_hash);
                           auto block = chain.read_block(found->block);
                           if (block_undo && block && block_undo->txs.size() + 1 == block->txs.size()) {
                               for (size_t i = 1; i < block->txs.size(); ++i)
                                   if (block->txs[i].txid() == txid) undo = block_undo->txs[i - 1];
                           }
                       } catch (const std::exception&) {}
                   }
               }
               json::object o;
               if (given_block) o["in_active_chain"] = chain.in_active_chain(given_block);
               // getrawtransaction's verbosity 2 is TxToUniv's "details and prevout" level (3).
               json::object body =
                   tx_to_json(tx, params, uint256(), true, undo ? &undo->spent : nullptr, verbosity >= 2 ? 3 : 1);
               for (auto& kv : body) o[kv.key()] = kv.value();
               if (found->block) {
                   o["blockhash"] = found->block->hash.to_hex();
                   if (chain.in_active_chain(found->block)) {
                       o["confirmations"] = chain.height() - found->block->height + 1;
                       o["time"] = found->block->header.time;
                       o["blocktime"] = found->block->header.time;
                   } else {
                       o["confirmations"] = 0;
                   }
               }
               return o;
           }});

    t.add({"rawtransactions",
           "decoderawtransaction",
           "Return a JSON object representing the serialized, hex-encoded transaction.",
           {{"hexstring", ArgType::STR_HEX, true, "", "The transaction hex string"},
            {"iswitness", ArgType::BOOL, false, "depends on heuristic tests",
             "Whether the transaction hex is a serialized witness transaction."}},
           "{ \"txid\", \"hash\", \"size\", \"vsize\", \"weight\", \"version\", \"locktime\", \"vin\", \"vout\" }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const bool try_witness = req.has(1) ? req.get_bool(1, true) : true;
               const bool try_no_witness = req.has(1) ? !req.get_bool(1, true) : true;
               auto tx = decode_hex_tx(req.get_str(0), try_no_witness, try_witness);
               if (!tx) throw RpcError(RPC_DESERIALIZATION_ERROR, "TX decode failed");
               return tx_to_json(*tx, node.params, uint256(), false);
           },
           true});

    t.add({"rawtransactions",
           "decodescript",
           "Decode a hex-encoded script.",
           {{"hexstring", ArgType::STR_HEX, true, "", "the hex-encoded script"}},
           "{ \"asm\", \"desc\", \"address\", \"type\", \"p2sh\", \"segwit\": { \"asm\", \"desc\", \"hex\", "
           "\"address\", \"type\", \"p2sh-segwit\" } }",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const ChainParams& params = node.params;
               Script script;
               if (!req.get_str(0).empty()) script = Script(parse_hex(req.at(0), "argument"));
               json::object r = script_pubkey_json(script, params, false, true);
               const std::string type = script_type(script);
               auto p2sh_address = [&](const Script& s) {
                   Script p2sh;
                   p2sh.push_op(OP_HASH160).push_data(hash160(s.view())).push_op(OP_EQUAL);
                   return encode_address(p2sh, params).value_or("");
               };
               bool can_wrap = type == "multisig" || type == "nonstandard" || type == "pubkey" ||
                               type == "pubkeyhash" || type == "witness_v0_keyhash" || type == "witness_v0_scripthash";
               if (can_wrap) {
                   if (!has_valid_ops(script) || script.is_unspendable()) can_wrap = false;
                   size_t pc = 0;
                   Opcode op;
                   while (can_wrap && pc < script.size()) {
                       if (!script.get_op(pc, op) || op == OP_CHECKSIGADD || is_op_success(op)) can_wrap = false;
                   }
               }
               if (!can_wrap) return r;
               r["p2sh"] = p2sh_address(script);

               // Keys in the script (for pubkey / multisig): all must be compressed for segwit.
               std::vector<Bytes> keys;
               {
                   size_t pc = 0;
                   Opcode op;
                   ByteView data;
                   while (pc < script.size() && script.get_op(pc, op, &data))
                       if (op <= OP_PUSHDATA4 && (data.size() == 33 || data.size() == 65))
                           keys.emplace_back(data.begin(), data.end());
               }
               bool can_wrap_wsh = type == "nonstandard" || type == "pubkeyhash";
               if (type == "multisig" || type == "pubkey") {
                   can_wrap_wsh = true;
                   for (const Bytes& k : keys)
                       if (k.size() != 33) can_wrap_wsh = false;
               }
               if (!can_wrap_wsh) return r;
               Script segwit;
               std::string desc;
               if (type == "pubkey") {
                   segwit.push_op(OP_0).push_data(hash160(keys.at(0)));
               } else if (type == "pubkeyhash") {
                   segwit.push_op(OP_0).push_data(ByteView(script.bytes()).subspan(3, 20));
               } else {
                   segwit.push_op(OP_0).push_data(sha256(script.view()).view());
                   // Core knows the witness script here, so the descriptor shows it.
                   std::string inner = infer_descriptor(script, params);
                   inner = inner.substr(0, inner.find('#'));
                   if (inner.starts_with("addr(")) inner = "raw(" + hex_encode(script.view()) + ")";
                   desc = "wsh(" + inner + ")";
                   desc += "#" + minicash::descriptor_checksum(desc);
               }
               json::object sr = script_pubkey_json(segwit, params, true, true);
               if (!desc.empty()) sr["desc"] = desc;
               sr["p2sh-segwit"] = p2sh_address(segwit);
               r["segwit"] = std::move(sr);
               return r;
           },
           true});

    t.add({"rawtransactions", "createrawtransaction",
           "Create a transaction spending the given inputs and creating new outputs.\n"
           "Outputs can be addresses or data.\n"
           "Returns hex-encoded raw transaction.\n"
           "Note that the transaction's inputs are not signed, and\n"
           "it is not stored in the wallet or transmitted to the network.",
           create_tx_args(), "\"hex\"    (string) hex string of the transaction", create_raw_transaction, true});

    t.add({"rawtransactions",
           "combinerawtransaction",
           "Combine multiple partially signed transactions into one transaction.\n"
           "The combined transaction may be another partially signed transaction or a \n"
           "fully signed transaction.",
           {{"txs", ArgType::ARR, true, "",
             "The hex strings of partially signed transactions: [\"hexstring\",...], each a hex-encoded raw "
             "transaction"}},
           "\"str\"    (string) The hex-encoded raw transaction with signature(s)",
           combine_raw_transaction});

    t.add({"rawtransactions",
           "signrawtransactionwithkey",
           "Sign inputs for raw transaction (serialized, hex-encoded).\n"
           "The second argument is an array of base58-encoded private\n"
           "keys that will be the only keys used to sign the transaction.\n"
           "The third optional argument (may be null) is an array of previous transaction outputs that\n"
           "this transaction depends on but may not yet be in the block chain.",
           {{"hexstring", ArgType::STR, true, "", "The transaction hex string"},
            {"privkeys", ArgType::ARR, true, "",
             "The base58-encoded private keys for signing: [\"privatekey\",...], each a private key in "
             "base58-encoding"},
            {"prevtxs", ArgType::ARR, false, "",
             "The previous dependent transaction outputs: [{\"txid\":\"hex\" (required) The transaction id, "
             "\"vout\":n (required) The output number, \"scriptPubKey\":\"hex\" (required) output script, "
             "\"redeemScript\":\"hex\" (required for P2SH) redeem script, \"witnessScript\":\"hex\" (required "
             "for P2WSH or P2SH-P2WSH) witness script, \"amount\":amount (required for Segwit inputs) the amount "
             "spent},...]"},
            {"sighashtype", ArgType::STR, false, "\"DEFAULT for Taproot, ALL otherwise\"",
             std::string("The signature hash type. Must be one of:\n") + kSighashChoices}},
           "{\n"
           "  \"hex\" : \"hex\",         (string) The hex-encoded raw transaction with signature(s)\n"
           "  \"complete\" : true|false, (boolean) If the transaction has a complete set of signatures\n"
           "  \"errors\" : [             (json array, optional) Script verification errors (if there are any)\n"
           "    {\n"
           "      \"txid\" : \"hex\",       (string) The hash of the referenced, previous transaction\n"
           "      \"vout\" : n,           (numeric) The index of the output to spent and used as input\n"
           "      \"witness\" : [         (json array)\n"
           "        \"hex\",              (string)\n"
           "        ...\n"
           "      ],\n"
           "      \"scriptSig\" : \"hex\",  (string) The hex-encoded signature script\n"
           "      \"sequence\" : n,       (numeric) Script sequence number\n"
           "      \"error\" : \"str\"       (string) Verification or signing error related to the input\n"
           "    },\n"
           "    ...\n"
           "  ]\n"
           "}",
           sign_raw_transaction_with_key});
}

}  // namespace minicash::rpc
