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

Amount as_amount(const json::value& v, const char* what) {
    std::string text;
    if (auto raw = rpc::raw_number_text(v)) text = *raw;
    else if (v.is_double()) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.8f", v.get_double());
        text = buf;
    } else if (v.is_int64()) {
        text = std::to_string(v.get_int64());
    } else {
        throw std::runtime_error(std::string("malformed ") + what + " from the node");
    }
    auto sats = parse_btc(text);
    if (!sats) throw std::runtime_error(std::string("malformed ") + what + " from the node");
    return *sats;
}

std::vector<sp::PubKey> tweaks_of(const json::value& v) {
    if (!v.is_object()) throw std::runtime_error("malformed getsilentpaymentblockdata reply");
    std::vector<sp::PubKey> out;
    for (const json::value& t : v.at("bip352_tweaks").as_array()) {
        auto bytes = hex_decode(as_string(t, "silent payment tweak"));
        if (!bytes || bytes->size() != 33) throw std::runtime_error("malformed silent payment tweak from the node");
        sp::PubKey k;
        std::copy(bytes->begin(), bytes->end(), k.begin());
        out.push_back(k);
    }
    return out;
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

template <typename T>
std::vector<std::optional<T>> RpcChainSource::batch_per_block(const std::string& method,
                                                              const std::vector<uint256>& hashes,
                                                              T (*parse)(const json::value&)) {
    std::vector<json::array> params;
    for (const uint256& h : hashes) params.push_back(json::array{json::string(h.to_hex())});
    std::vector<std::optional<ChainSourceError>> errors;
    std::vector<json::value> results = batch(method, params, &errors);
    std::vector<std::optional<T>> out;
    for (size_t i = 0; i < results.size(); ++i) {
        if (errors[i]) {
            if (filter_unavailable(*errors[i])) {
                out.push_back(std::nullopt);
                continue;
            }
            throw *errors[i];
        }
        out.push_back(parse(results[i]));
    }
    return out;
}

std::vector<std::optional<Bytes>> RpcChainSource::block_filters(const std::vector<uint256>& hashes) {
    return batch_per_block<Bytes>("getblockfilter", hashes, filter_bytes);
}

Block RpcChainSource::block(const uint256& hash) {
    auto bytes = hex_decode(as_string(call("getblock", {json::string(hash.to_hex()), 0}), "block"));
    if (!bytes) throw std::runtime_error("malformed block hex from the node");
    std::string why;
    auto block = Block::decode(*bytes, &why);
    if (!block) throw std::runtime_error("the node sent an undecodable block: " + why);
    return std::move(*block);
}

std::optional<MempoolEntry> RpcChainSource::mempool_entry(const uint256& txid) {
    json::value r;
    try {
        r = call("getmempoolentry", {json::string(txid.to_hex())});
    } catch (const ChainSourceError& e) {
        if (e.code == rpc::RPC_INVALID_ADDRESS_OR_KEY) return std::nullopt;
        throw;
    }
    if (!r.is_object()) throw std::runtime_error("malformed getmempoolentry reply");
    MempoolEntry e;
    e.vsize = size_t(as_int(r.at("vsize"), "vsize"));
    e.ancestor_count = int(as_int(r.at("ancestorcount"), "ancestor count"));
    e.ancestor_size = size_t(as_int(r.at("ancestorsize"), "ancestor size"));
    e.fee = as_amount(r.at("fees").at("base"), "fee");
    e.ancestor_fees = as_amount(r.at("fees").at("ancestor"), "ancestor fees");
    return e;
}

std::optional<std::vector<sp::PubKey>> RpcChainSource::silent_payment_tweaks(const uint256& hash) {
    try {
        return tweaks_of(call("getsilentpaymentblockdata", {json::string(hash.to_hex())}));
    } catch (const ChainSourceError& e) {
        if (filter_unavailable(e)) return std::nullopt;
        throw;
    }
}

std::vector<std::optional<std::vector<sp::PubKey>>> RpcChainSource::silent_payment_tweaks(
    const std::vector<uint256>& hashes) {
    return batch_per_block<std::vector<sp::PubKey>>("getsilentpaymentblockdata", hashes, tweaks_of);
}

BlockWithPrevouts RpcChainSource::block_with_prevouts(const uint256& hash) {
    const json::value r = call("getblock", {json::string(hash.to_hex()), 3});
    if (!r.is_object()) throw std::runtime_error("malformed getblock reply");
    BlockWithPrevouts out;
    BlockHeader& h = out.block.header;
    h.version = int32_t(as_int(r.at("version"), "block version"));
    if (const json::value* prev = r.as_object().if_contains("previousblockhash"))
        h.prev_block = as_hash(*prev, "block hash");
    h.merkle_root = as_hash(r.at("merkleroot"), "merkle root");
    h.time = uint32_t(as_int(r.at("time"), "block time"));
    h.bits = uint32_t(std::stoul(as_string(r.at("bits"), "bits"), nullptr, 16));
    h.nonce = uint32_t(as_int(r.at("nonce"), "nonce"));
    for (const json::value& t : r.at("tx").as_array()) {
        auto bytes = hex_decode(as_string(t.at("hex"), "transaction"));
        if (!bytes) throw std::runtime_error("malformed transaction hex from the node");
        auto tx = Transaction::decode(*bytes);
        if (!tx) throw std::runtime_error("the node sent an undecodable transaction");
        if (!tx->is_coinbase()) {
            std::vector<Script> spent;
            for (const json::value& in : t.at("vin").as_array()) {
                const json::value* prevout = in.as_object().if_contains("prevout");
                if (!prevout) throw std::runtime_error("the node sent no prevouts (getblock verbosity 3)");
                auto spk = hex_decode(as_string(prevout->at("scriptPubKey").at("hex"), "prevout script"));
                if (!spk) throw std::runtime_error("malformed prevout script from the node");
                spent.push_back(Script(*spk));
            }
            if (spent.size() != tx->vin.size()) throw std::runtime_error("the node sent prevouts that do not match");
            out.spent.push_back(std::move(spent));
        }
        out.block.txs.push_back(std::move(*tx));
    }
    if (out.block.hash() != hash) throw std::runtime_error("the node sent another block than " + hash.to_hex());
    return out;
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
