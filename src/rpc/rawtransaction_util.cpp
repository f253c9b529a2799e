#include "rpc/rawtransaction_util.h"

#include <set>

#include "common/address.h"
#include "consensus/interpreter.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr uint32_t kMaxBip125Sequence = 0xfffffffd;
constexpr int64_t kMinStandardTxVersion = 1, kMaxStandardTxVersion = 3;

void add_inputs(Transaction& tx, const json::value& inputs_in, std::optional<bool> replaceable) {
    if (inputs_in.is_null()) return;
    for (const json::value& input : json_array(inputs_in)) {
        const json::object& o = json_object(input);
        TxIn in;
        in.prevout.txid = parse_hash(json_member(o, "txid"), "txid");
        const json::value& vout = json_member(o, "vout");
        if (!vout.is_number() && !raw_number_text(vout))
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, missing vout key");
        const int64_t n = json_int(vout, INT32_MIN, INT32_MAX);
        if (n < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative");
        in.prevout.index = uint32_t(n);
        if (replaceable.value_or(true)) in.sequence = kMaxBip125Sequence;
        else if (tx.locktime) in.sequence = TxIn::kSequenceFinal - 1;
        else in.sequence = TxIn::kSequenceFinal;
        const json::value& seq = json_member(o, "sequence");
        if (seq.is_number() || raw_number_text(seq)) {
            const int64_t s = json_int(seq);
            if (s < 0 || s > int64_t(TxIn::kSequenceFinal))
                throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, sequence number is out of range");
            in.sequence = uint32_t(s);
        }
        tx.vin.push_back(std::move(in));
    }
}

// Outputs as (key, value) pairs in order: an object, or an array of one-key objects.
std::vector<std::pair<std::string, const json::value*>> normalize_outputs(const json::value& outputs) {
    if (outputs.is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, output argument must be non-null");
    std::vector<std::pair<std::string, const json::value*>> out;
    if (outputs.is_object()) {
        for (const auto& kv : outputs.get_object()) out.emplace_back(std::string(kv.key()), &kv.value());
        return out;
    }
    for (const json::value& pair : json_array(outputs)) {
        if (!pair.is_object())
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, key-value pair not an object as expected");
        if (pair.get_object().size() != 1)
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, key-value pair must contain exactly one key");
        const auto& kv = *pair.get_object().begin();
        out.emplace_back(std::string(kv.key()), &kv.value());
    }
    return out;
}

// UniValue's getValStr: a string's text, a number's digits, "" for anything else.
std::string value_text(const json::value& v) {
    if (auto raw = raw_number_text(v)) return *raw;
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_int64() || v.is_uint64() || v.is_double()) return write_json(v);
    if (v.is_bool()) return v.get_bool() ? "1" : "";
    return "";
}

void add_outputs(Transaction& tx, const json::value& outputs_in, const ChainParams& params) {
    std::set<Script> destinations;
    bool has_data = false;
    for (const auto& [key, value] : normalize_outputs(outputs_in)) {
        if (key == "data") {
            if (has_data) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicate key: data");
            has_data = true;
            const Bytes data = parse_hex(json::value(value_text(*value)), "Data");
            Script s;
            s.push_op(OP_RETURN).push_data(data);
            tx.vout.push_back(TxOut{0, std::move(s)});
            continue;
        }
        const std::optional<Script> script = decode_address(key, params);
        const Amount amount = amount_from_value(*value);
        if (!script) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid Bitcoin address: " + key);
        if (!destinations.insert(*script).second)
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, duplicated address: " + key);
        tx.vout.push_back(TxOut{amount, *script});
    }
}

}  // namespace

std::vector<RpcArg> create_tx_args() {
    return {
        {"inputs", ArgType::ARR, true, "",
         "The inputs: [{\"txid\":\"hex\",\"vout\":n,\"sequence\":n},...]\n"
         "    \"txid\": (string, required) The transaction id\n"
         "    \"vout\": (numeric, required) The output number\n"
         "    \"sequence\": (numeric, optional, default=depends on the value of the 'replaceable' and 'locktime' "
         "arguments) The sequence number"},
        {"outputs", ArgType::ANY, true, "",
         "The outputs specified as key-value pairs.\n"
         "Each key may only appear once, i.e. there can only be one 'data' output, and no address may be "
         "duplicated.\n"
         "At least one output of either type must be specified.\n"
         "For compatibility reasons, a dictionary, which holds the key-value pairs directly, is also\n"
         "accepted as second parameter.\n"
         "    [{\"address\":amount,...},{\"data\":\"hex\"},...]\n"
         "    \"address\": (numeric or string, required) A key-value pair. The key (string) is the bitcoin address, "
         "the value (float or string) is the amount in BTC\n"
         "    \"data\": (string, required) A key-value pair. The key must be \"data\", the value is hex-encoded data "
         "that becomes a part of an OP_RETURN output"},
        {"locktime", ArgType::NUM, false, "0", "Raw locktime. Non-0 value also locktime-activates inputs"},
        {"replaceable", ArgType::BOOL, false, "true",
         "Marks this transaction as BIP125-replaceable.\n"
         "Allows this transaction to be replaced by a transaction with higher fees. If provided, it is an error if "
         "explicit sequence numbers are incompatible."},
        {"version", ArgType::NUM, false, "2", "Transaction version"},
    };
}

Transaction construct_transaction(const RpcRequest& req, const ChainParams& params) {
    const json::value& inputs = req.at(0);
    const json::value& outputs = req.at(1);
    const json::value& locktime = req.at(2);
    std::optional<bool> replaceable;
    if (req.has(3)) replaceable = req.get_bool(3, true);
    const json::value& version = req.at(4);
    Transaction tx;
    tx.version = 2;
    if (!locktime.is_null()) {
        const int64_t lt = json_int(locktime);
        if (lt < 0 || lt > int64_t(0xffffffff))
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, locktime out of range");
        tx.locktime = uint32_t(lt);
    }
    if (!version.is_null()) {
        const int64_t v = json_int(version, 0, 0xffffffff);
        if (v < kMinStandardTxVersion || v > kMaxStandardTxVersion)
            throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, version out of range(1~3)");
        tx.version = int32_t(v);
    }
    add_inputs(tx, inputs, replaceable);
    add_outputs(tx, outputs, params);
    if (replaceable.value_or(false) && !tx.vin.empty()) {
        bool signals = false;
        for (const TxIn& in : tx.vin) signals = signals || in.sequence <= kMaxBip125Sequence;
        if (!signals)
            throw RpcError(RPC_INVALID_PARAMETER,
                           "Invalid parameter combination: Sequence number(s) contradict replaceable option");
    }
    return tx;
}

std::optional<int> parse_sighash(const json::value& v) {
    if (v.is_null()) return std::nullopt;
    const std::string s = json_str(v);
    static const std::pair<const char*, int> kNames[] = {
        {"DEFAULT", SIGHASH_DEFAULT},
        {"ALL", SIGHASH_ALL},
        {"ALL|ANYONECANPAY", SIGHASH_ALL | SIGHASH_ANYONECANPAY},
        {"NONE", SIGHASH_NONE},
        {"NONE|ANYONECANPAY", SIGHASH_NONE | SIGHASH_ANYONECANPAY},
        {"SINGLE", SIGHASH_SINGLE},
        {"SINGLE|ANYONECANPAY", SIGHASH_SINGLE | SIGHASH_ANYONECANPAY},
    };
    for (const auto& [name, value] : kNames)
        if (s == name) return value;
    throw RpcError(RPC_INVALID_PARAMETER, "'" + s + "' is not a valid sighash parameter.");
}

std::vector<std::optional<TxOut>> find_spent_outputs(NodeContext& node, const Transaction& tx) {
    std::vector<std::optional<TxOut>> out(tx.vin.size());
    Chainstate& chain = require_chain(node);
    Mempool& mempool = require_mempool(node);
    chain.with_view([&](Chainstate::View& view) {
        for (size_t i = 0; i < tx.vin.size(); ++i) {
            const OutPoint& prev = tx.vin[i].prevout;
            if (auto parent = mempool.get(prev.txid)) {
                if (prev.index < parent->vout.size()) out[i] = parent->vout[prev.index];
            } else if (auto coin = view.coin(prev)) {
                out[i] = coin->out;
            }
        }
    });
    return out;
}

json::array input_errors_json(const Transaction& tx, const std::map<size_t, std::string>& errors) {
    json::array out;
    for (const auto& [i, message] : errors) {
        const TxIn& in = tx.vin.at(i);
        json::object e;
        e["txid"] = in.prevout.txid.to_hex();
        e["vout"] = in.prevout.index;
        json::array witness;
        for (const Bytes& item : in.witness) witness.push_back(json::value(hex_encode(item)));
        e["witness"] = std::move(witness);
        e["scriptSig"] = hex_encode(in.script_sig.view());
        e["sequence"] = in.sequence;
        e["error"] = message;
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace minicash::rpc
