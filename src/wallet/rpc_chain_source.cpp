#include "wallet/rpc_chain_source.h"

#include "common/money.h"
#include "rpc/server.h"
#include "util/hex.h"

namespace minicash::wallet {

namespace json = boost::json;

namespace {

json::object request(const std::string& method, json::array params, int id) {
    json::object r;
    r["jsonrpc"] = "1.0";
    r["id"] = id;
    r["method"] = method;
    r["params"] = std::move(params);
    return r;
}

// The result of one reply object, or the node's error.
json::value take_result(const json::value& reply, std::optional<ChainSourceError>* error) {
    if (!reply.is_object()) throw std::runtime_error("malformed reply from the node");
    const json::object& o = reply.get_object();
    const json::value* err = o.if_contains("error");
    if (err && !err->is_null()) {
        int code = -1;
        std::string message = "unknown error";
        if (err->is_object()) {
            if (const json::value* c = err->get_object().if_contains("code"); c && c->is_int64())
                code = int(c->get_int64());
            if (const json::value* m = err->get_object().if_contains("message"); m && m->is_string())
                message = std::string(m->get_string());
        }
        if (error) {
            *error = ChainSourceError(code, message);
            return nullptr;
        }
        throw ChainSourceError(code, message);
    }
    const json::value* result = o.if_contains("result");
    if (!result) throw std::runtime_error("malformed reply from the node (no result)");
    return *result;
}

std::string as_string(const json::value& v, const char* what) {
    if (!v.is_string()) throw std::runtime_error(std::string("malformed ") + what + " from the node");
    return std::string(v.get_string());
}

uint256 as_hash(const json::value& v, const char* what) {
    auto h = uint256::from_hex(as_string(v, what));
    if (!h) throw std::runtime_error(std::string("malformed ") + what + " from the node");
    return *h;
}

int64_t as_int(const json::value& v, const char* what) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return int64_t(v.get_uint64());
    if (auto raw = rpc::raw_number_text(v)) return std::stoll(*raw);
    throw std::runtime_error(std::string("malformed ") + what + " from the node");
}

bool filter_unavailable(const ChainSourceError& e) {
    return e.code == rpc::RPC_METHOD_NOT_FOUND || e.code == rpc::RPC_MISC_ERROR;
}

}  // namespace

json::value RpcChainSource::call(const std::string& method, json::array params) {
    return take_result(transport_(request(method, std::move(params), 1)), nullptr);
}

std::vector<json::value> RpcChainSource::batch(const std::string& method, const std::vector<json::array>& params,
                                               std::vector<std::optional<ChainSourceError>>* errors) {
    if (params.empty()) return {};
    json::array reqs;
    for (size_t i = 0; i < params.size(); ++i) reqs.push_back(request(method, params[i], int(i)));
    json::value reply = transport_(reqs);
    if (!reply.is_array()) {
        // A server without batch support answers with one error object.
        take_result(reply, nullptr);
        throw std::runtime_error("malformed batch reply from the node");
    }
    std::vector<json::value> out(params.size());
    if (errors) errors->assign(params.size(), std::nullopt);
    std::vector<bool> seen(params.size(), false);
    for (const json::value& r : reply.get_array()) {
        if (!r.is_object()) throw std::runtime_error("malformed batch reply from the node");
        const json::value* id = r.get_object().if_contains("id");
        if (!id || !id->is_int64() || id->get_int64() < 0 || size_t(id->get_int64()) >= params.size())
            throw std::runtime_error("malformed batch reply from the node (bad id)");
        const size_t i = size_t(id->get_int64());
        seen[i] = true;
        out[i] = take_result(r, errors ? &(*errors)[i] : nullptr);
    }
    for (bool s : seen)
        if (!s) throw std::runtime_error("incomplete batch reply from the node");
    return out;
}

ChainTip RpcChainSource::tip() {
    const json::value r = call("getblockchaininfo", {});
    if (!r.is_object()) throw std::runtime_error("malformed getblockchaininfo reply");
    ChainTip t;
    t.chain = as_string(r.at("chain"), "chain name");
    t.height = int(as_int(r.at("blocks"), "block count"));
    t.hash = as_hash(r.at("bestblockhash"), "block hash");
    return t;
}

uint256 RpcChainSource::block_hash(int height) { return as_hash(call("getblockhash", {height}), "block hash"); }

std::vector<uint256> RpcChainSource::block_hashes(int from, int count) {
    std::vector<json::array> params;
    for (int h = from; h < from + count; ++h) params.push_back(json::array{h});
    std::vector<uint256> out;
    for (const json::value& v : batch("getblockhash", params)) out.push_back(as_hash(v, "block hash"));
    return out;
}

namespace {
Bytes filter_bytes(const json::value& v) {
    if (!v.is_object()) throw std::runtime_error("malformed getblockfilter reply");
    auto bytes = hex_decode(as_string(v.at("filter"), "filter"));
    if (!bytes) throw std::runtime_error("malformed filter hex from the node");
    return *bytes;
}
}  // namespace

std::optional<Bytes> RpcChainSource::block_filter(const uint256& hash) {
    try {
        return filter_bytes(call("getblockfilter", {json::string(hash.to_hex())}));
    } catch (const ChainSourceError& e) {
        if (filter_unavailable(e)) return std::nullopt;
        throw;
    }
}

std::vector<std::optional<Bytes>> RpcChainSource::block_filters(const std::vector<uint256>& hashes) {
    std::vector<json::array> params;
    for (const uint256& h : hashes) params.push_back(json::array{json::string(h.to_hex())});
    std::vector<std::optional<ChainSourceError>> errors;
    std::vector<json::value> results = batch("getblockfilter", params, &errors);
    std::vector<std::optional<Bytes>> out;
    for (size_t i = 0; i < results.size(); ++i) {
        if (errors[i]) {
            if (filter_unavailable(*errors[i])) {
                out.push_back(std::nullopt);
                continue;
            }
            throw *errors[i];
        }
        out.push_back(filter_bytes(results[i]));
    }
    return out;
}

Block RpcChainSource::block(const uint256& hash) {
    auto bytes = hex_decode(as_string(call("getblock", {json::string(hash.to_hex()), 0}), "block"));
    if (!bytes) throw std::runtime_error("malformed block hex from the node");
    std::string why;
    auto block = Block::decode(*bytes, &why);
    if (!block) throw std::runtime_error("the node sent an undecodable block: " + why);
    return std::move(*block);
}

std::vector<uint256> RpcChainSource::mempool() {
    const json::value r = call("getrawmempool", {});
    if (!r.is_array()) throw std::runtime_error("malformed getrawmempool reply");
    std::vector<uint256> out;
    for (const json::value& v : r.get_array()) out.push_back(as_hash(v, "txid"));
    return out;
}

std::optional<Transaction> RpcChainSource::mempool_tx(const uint256& txid) {
    try {
        auto bytes = hex_decode(as_string(call("getrawtransaction", {json::string(txid.to_hex())}), "transaction"));
        if (!bytes) throw std::runtime_error("malformed transaction hex from the node");
        auto tx = Transaction::decode(*bytes);
        if (!tx) throw std::runtime_error("the node sent an undecodable transaction");
        return tx;
    } catch (const ChainSourceError& e) {
        if (e.code == rpc::RPC_INVALID_ADDRESS_OR_KEY) return std::nullopt;  // left the mempool meanwhile
        throw;
    }
}

uint256 RpcChainSource::broadcast(const Transaction& tx) {
    return as_hash(call("sendrawtransaction", {json::string(hex_encode(tx.serialize()))}), "txid");
}

AcceptResult RpcChainSource::test_accept(const Transaction& tx) {
    const json::value r = call("testmempoolaccept", {json::array{json::string(hex_encode(tx.serialize()))}});
    if (!r.is_array() || r.get_array().empty() || !r.get_array()[0].is_object())
        throw std::runtime_error("malformed testmempoolaccept reply");
    const json::object& o = r.get_array()[0].get_object();
    AcceptResult a;
    if (const json::value* allowed = o.if_contains("allowed"); allowed && allowed->is_bool())
        a.allowed = allowed->get_bool();
    if (const json::value* reason = o.if_contains("reject-reason"); reason && reason->is_string())
        a.reject_reason = std::string(reason->get_string());
    return a;
}

std::optional<Amount> RpcChainSource::estimate_fee(int target) {
    const json::value r = call("estimatesmartfee", {target});
    if (!r.is_object()) throw std::runtime_error("malformed estimatesmartfee reply");
    const json::value* rate = r.get_object().if_contains("feerate");
    if (!rate) return std::nullopt;
    std::string text;
    if (auto raw = rpc::raw_number_text(*rate)) text = *raw;
    else if (rate->is_double()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.8f", rate->get_double());
        text = buf;
    } else {
        return std::nullopt;
    }
    auto sats = parse_btc(text);  // BTC per kvB -> sat per kvB
    if (!sats || *sats <= 0) return std::nullopt;
    return *sats;
}

}  // namespace minicash::wallet
