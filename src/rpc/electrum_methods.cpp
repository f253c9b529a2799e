#include "rpc/electrum_methods.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <utility>

#include "common/merkle_proof.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/fee_histogram.h"
#include "node/index/address_index.h"
#include "node/index/address_mempool.h"
#include "node/mempool.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr int kMaxHeadersPerRequest = 2016;  // blockchain.block.headers' "max"

[[noreturn]] void bad_request(const std::string& message) { throw ElectrumError{kElectrumBadRequest, message}; }

// The positional parameters of a call: an array as given, or an object mapped through
// the method's parameter names. Extra parameters are an error, as in ElectrumX.
class Params {
public:
    Params(const json::value& raw, const std::vector<std::string>& names) {
        if (raw.is_null()) return;
        if (raw.is_array()) {
            const json::array& a = raw.as_array();
            if (a.size() > names.size())
                throw ElectrumError{RPC_INVALID_PARAMS,
                                    "too many arguments: at most " + std::to_string(names.size()) + " expected"};
            values_.assign(a.begin(), a.end());
            return;
        }
        if (!raw.is_object()) throw ElectrumError{RPC_INVALID_PARAMS, "params must be an array or an object"};
        values_.resize(names.size());
        for (const auto& [key, v] : raw.as_object()) {
            auto it = std::find(names.begin(), names.end(), std::string(key));
            if (it == names.end()) throw ElectrumError{RPC_INVALID_PARAMS, "unknown parameter " + std::string(key)};
            values_[size_t(it - names.begin())] = v;
        }
    }
    bool has(size_t i) const { return i < values_.size() && !values_[i].is_null(); }
    const json::value& at(size_t i, const char* name) const {
        if (!has(i)) throw ElectrumError{RPC_INVALID_PARAMS, std::string("missing parameter ") + name};
        return values_[i];
    }
    std::string str(size_t i, const char* name) const {
        const json::value& v = at(i, name);
        if (!v.is_string()) throw ElectrumError{RPC_INVALID_PARAMS, std::string(name) + " must be a string"};
        return std::string(v.as_string());
    }
    int64_t integer(size_t i, const char* name) const {
        const json::value& v = at(i, name);
        if (v.is_int64()) return v.as_int64();
        if (v.is_uint64() && v.as_uint64() <= uint64_t(std::numeric_limits<int64_t>::max()))
            return int64_t(v.as_uint64());
        throw ElectrumError{RPC_INVALID_PARAMS, std::string(name) + " must be an integer"};
    }
    int64_t integer(size_t i, const char* name, int64_t dflt) const { return has(i) ? integer(i, name) : dflt; }
    bool boolean(size_t i, const char* name, bool dflt) const {
        if (!has(i)) return dflt;
        const json::value& v = values_[i];
        if (!v.is_bool()) throw ElectrumError{RPC_INVALID_PARAMS, std::string(name) + " must be a boolean"};
        return v.as_bool();
    }
    uint256 hash(size_t i, const char* name, const char* what) const {
        const std::string s = str(i, name);
        if (s.size() != 64 || !is_hex(s)) bad_request(s + " is not a valid " + what);
        return *uint256::from_hex(s);
    }

private:
    std::vector<json::value> values_;
};

int nonnegative_height(int64_t v, const char* name) {
    if (v < 0 || v > std::numeric_limits<int>::max())
        bad_request(std::string(name) + " must be a non-negative integer");
    return int(v);
}

// "1.4.2" -> {1, 4, 2}; nullopt when not a dotted number.
std::optional<std::vector<int>> parse_version(const std::string& s) {
    std::vector<int> parts;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t dot = std::min(s.find('.', start), s.size());
        const std::string part = s.substr(start, dot - start);
        if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), ::isdigit)) return std::nullopt;
        parts.push_back(std::stoi(part));
        start = dot + 1;
    }
    while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
    return parts;
}

std::string hex_of_digest(const uint256& digest) { return hex_encode(digest.view()); }

}  // namespace

ElectrumMethods::ElectrumMethods(NodeContext& node, ElectrumConfig config) : node_(node), config_(std::move(config)) {
    register_all_commands(table_);
}

const BlockIndex* ElectrumMethods::tip() const {
    const BlockIndex* best = node_.address_index ? node_.address_index->best_block() : nullptr;
    return best ? best : node_.chainstate->tip();
}

json::object ElectrumMethods::header_json(const BlockIndex* block) {
    return json::object{{"hex", hex_encode(block->header.serialize())}, {"height", block->height}};
}

void ElectrumMethods::sync_indexes() {
    // Answers reflect the chain state's tip and this client's own broadcasts once the
    // indexes have caught up; during the first catch-up they reflect what is indexed.
    if (node_.address_index) (void)node_.address_index->block_until_synced(std::chrono::seconds(10));
    if (node_.address_mempool) node_.address_mempool->sync();
}

std::vector<ElectrumMethods::HistoryItem> ElectrumMethods::history(const uint256& script_hash, bool confirmed,
                                                                   bool mempool) {
    std::vector<HistoryItem> out;
    const auto too_many = [&] {
        bad_request("too many history entries (more than " + std::to_string(config_.max_history) + ")");
    };
    if (confirmed && node_.address_index) {
        bool truncated = false;
        for (const AddressHistoryEntry& e : node_.address_index->history(script_hash, config_.max_history, &truncated))
            out.push_back({e.txid, e.height, std::nullopt});
        if (truncated) too_many();
    }
    if (mempool && node_.address_mempool) {
        for (const MempoolAddressTx& m : node_.address_mempool->transactions(script_hash)) {
            if (out.size() >= config_.max_history) too_many();
            out.push_back({m.txid, m.unconfirmed_parents ? -1 : 0, m.fee});
        }
    }
    return out;
}

std::optional<std::string> ElectrumMethods::status(const uint256& script_hash) {
    const std::vector<HistoryItem> items = history(script_hash, true, true);
    if (items.empty()) return std::nullopt;
    Sha256Stream hasher;
    for (const HistoryItem& h : items) {
        const std::string part = h.txid.to_hex() + ":" + std::to_string(h.height) + ":";
        hasher.write(ByteView(reinterpret_cast<const uint8_t*>(part.data()), part.size()));
    }
    return hex_of_digest(hasher.finalize());
}

json::value ElectrumMethods::call_rpc(const std::string& method, json::array params) {
    RpcRequest request;
    request.method = method;
    request.user = "electrum";
    return table_.execute(node_, request, json::value(std::move(params)));
}

// The header checkpoint: the branch from block `height`'s hash to the merkle root of the
// hashes of blocks 0..cp_height (display order hex, as ElectrumX sends them).
json::value ElectrumMethods::merkle_proof(int height, int cp_height) {
    const int tip_height = tip()->height;
    if (!(height <= cp_height && cp_height <= tip_height))
        bad_request("header height " + std::to_string(height) + " must be <= cp_height " + std::to_string(cp_height) +
                    " which must be <= chain height " + std::to_string(tip_height));
    std::vector<uint256> leaves;
    leaves.reserve(size_t(cp_height) + 1);
    for (int h = 0; h <= cp_height; ++h) {
        const BlockIndex* b = node_.chainstate->at_height(h);
        if (!b) bad_request("block at height " + std::to_string(h) + " is not in the active chain");
        leaves.push_back(b->hash);
    }
    const uint256 leaf = leaves[size_t(height)];
    std::vector<uint256> branch = merkle_branch(std::move(leaves), size_t(height));
    const uint256 root = merkle_root_from_branch(leaf, branch, size_t(height));
    json::array b;
    for (const uint256& h : branch) b.push_back(json::value(h.to_hex()));
    return json::object{{"branch", std::move(b)}, {"root", root.to_hex()}};
}

json::value ElectrumMethods::call(ElectrumSession& session, const std::string& method, const json::value& raw) {
    Chainstate& chain = *node_.chainstate;

    // ---- server.* ------------------------------------------------------------------
    if (method == "server.version") {
        Params p(raw, {"client_name", "protocol_version"});
        if (p.has(0) && !p.at(0, "client_name").is_string())
            throw ElectrumError{RPC_INVALID_PARAMS, "client_name must be a string"};
        std::string min = kElectrumProtocol, max = kElectrumProtocol;
        if (p.has(1)) {
            const json::value& v = p.at(1, "protocol_version");
            if (v.is_string()) {
                min = max = std::string(v.as_string());
            } else if (v.is_array() && v.as_array().size() == 2 && v.as_array()[0].is_string() &&
                       v.as_array()[1].is_string()) {
                min = std::string(v.as_array()[0].as_string());
                max = std::string(v.as_array()[1].as_string());
            } else {
                throw ElectrumError{RPC_INVALID_PARAMS, "protocol_version must be a string or [min, max]"};
            }
        }
        const auto lo = parse_version(min), hi = parse_version(max), ours = parse_version(kElectrumProtocol);
        if (!lo || !hi) throw ElectrumError{RPC_INVALID_PARAMS, "invalid protocol version: " + min + ", " + max};
        if (session.version_negotiated) bad_request("server.version already sent");
        if (!(*lo <= *ours && *ours <= *hi)) {
            session.close_after_reply = true;
            bad_request("unsupported protocol version: " + (min == max ? min : "[" + min + ", " + max + "]"));
        }
        session.version_negotiated = true;
        return json::array{json::value(config_.server_version), json::value(kElectrumProtocol)};
    }
    if (method == "server.features") {
        Params p(raw, {});
        json::object o;
        o["genesis_hash"] = node_.params.consensus.genesis_hash.to_hex();
        o["hosts"] = config_.hosts;
        o["protocol_max"] = kElectrumProtocol;
        o["protocol_min"] = kElectrumProtocol;
        o["pruning"] = nullptr;
        o["server_version"] = config_.server_version;
        o["hash_function"] = "sha256";
        o["services"] = json::array{};
        return o;
    }
    if (method == "server.banner") {
        Params p(raw, {});
        return json::value(config_.banner);
    }
    if (method == "server.ping") {
        Params p(raw, {});
        return nullptr;
    }
    if (method == "server.donation_address") {
        Params p(raw, {});
        return json::value("");
    }
    if (method == "server.peers.subscribe") {
        Params p(raw, {});
        return json::array{};  // no peer discovery: this server announces no one
    }

    // ---- headers -------------------------------------------------------------------
    if (method == "blockchain.headers.subscribe") {
        Params p(raw, {"raw"});  // protocol 1.2's "raw" flag, still sent by some clients: ignored
        const BlockIndex* t = tip();
        session.headers_subscribed = true;
        session.last_header = t->hash;
        return header_json(t);
    }
    if (method == "blockchain.block.header") {
        Params p(raw, {"height", "cp_height"});
        const int height = nonnegative_height(p.integer(0, "height"), "height");
        const int cp_height = nonnegative_height(p.integer(1, "cp_height", 0), "cp_height");
        const BlockIndex* b = height <= tip()->height ? chain.at_height(height) : nullptr;
        if (!b) bad_request("height " + std::to_string(height) + " out of range");
        const std::string hex = hex_encode(b->header.serialize());
        if (cp_height == 0) return json::value(hex);
        json::object o = merkle_proof(height, cp_height).as_object();
        o["header"] = hex;
        return o;
    }
    if (method == "blockchain.block.headers") {
        Params p(raw, {"start_height", "count", "cp_height"});
        const int start = nonnegative_height(p.integer(0, "start_height"), "start_height");
        const int64_t requested = p.integer(1, "count");
        if (requested < 0) bad_request("count must be a non-negative integer");
        const int cp_height = nonnegative_height(p.integer(2, "cp_height", 0), "cp_height");
        const int tip_height = tip()->height;
        const int count = int(std::min<int64_t>(
            {requested, kMaxHeadersPerRequest, std::max<int64_t>(0, int64_t(tip_height) - start + 1)}));
        std::string hex;
        hex.reserve(size_t(count) * 160);
        for (int h = start; h < start + count; ++h) {
            const BlockIndex* b = chain.at_height(h);
            if (!b) break;
            hex += hex_encode(b->header.serialize());
        }
        json::object o{{"count", count}, {"hex", std::move(hex)}, {"max", kMaxHeadersPerRequest}};
        if (cp_height != 0 && count > 0) {
            json::object proof = merkle_proof(start + count - 1, cp_height).as_object();
            o["branch"] = proof["branch"];
            o["root"] = proof["root"];
        }
        return o;
    }

    // ---- script hashes -------------------------------------------------------------
    static const std::set<std::string> kScriptHashMethods = {"get_balance", "get_history", "get_mempool",
                                                             "listunspent", "subscribe",   "unsubscribe"};
    if (method.rfind("blockchain.scripthash.", 0) == 0 &&
        kScriptHashMethods.count(method.substr(std::string("blockchain.scripthash.").size()))) {
        Params p(raw, {"scripthash"});
        const uint256 sh = p.hash(0, "scripthash", "script hash");
        const std::string what = method.substr(std::string("blockchain.scripthash.").size());
        if (what == "unsubscribe") return json::value(session.scripthashes.erase(sh) > 0);
        sync_indexes();
        if (what == "get_balance") {
            const AddressStats c = node_.address_index ? node_.address_index->stats(sh) : AddressStats{};
            const AddressStats m = node_.address_mempool ? node_.address_mempool->stats(sh) : AddressStats{};
            return json::object{{"confirmed", c.funded_txo_sum - c.spent_txo_sum},
                                {"unconfirmed", m.funded_txo_sum - m.spent_txo_sum}};
        }
        if (what == "get_history" || what == "get_mempool") {
            json::array out;
            for (const HistoryItem& h : history(sh, what == "get_history", true)) {
                json::object o{{"tx_hash", h.txid.to_hex()}, {"height", h.height}};
                if (h.fee) o["fee"] = *h.fee;
                out.push_back(std::move(o));
            }
            return out;
        }
        if (what == "listunspent") {
            bool truncated = false;
            std::vector<AddressUtxo> all;
            if (node_.address_index) all = node_.address_index->utxos(sh, config_.max_history, &truncated);
            if (truncated)
                bad_request("too many unspent outputs (more than " + std::to_string(config_.max_history) + ")");
            if (node_.address_mempool) {
                std::erase_if(all, [&](const AddressUtxo& u) { return node_.address_mempool->spender(u.outpoint); });
                for (const AddressUtxo& u : node_.address_mempool->utxos(sh)) all.push_back(u);
            }
            json::array out;
            for (const AddressUtxo& u : all)
                out.push_back(json::object{{"tx_hash", u.outpoint.txid.to_hex()},
                                           {"tx_pos", u.outpoint.index},
                                           {"height", u.height},
                                           {"value", u.value}});
            return out;
        }
        if (what == "subscribe") {
            if (!session.scripthashes.count(sh) && session.scripthashes.size() >= config_.max_subscriptions)
                bad_request("too many subscriptions (at most " + std::to_string(config_.max_subscriptions) +
                            " per connection)");
            std::optional<std::string> s = status(sh);
            session.scripthashes[sh] = s;
            return s ? json::value(*s) : json::value(nullptr);
        }
    }

    // ---- transactions --------------------------------------------------------------
    if (method == "blockchain.transaction.get") {
        Params p(raw, {"tx_hash", "verbose"});
        const uint256 txid = p.hash(0, "tx_hash", "transaction hash");
        const bool verbose = p.boolean(1, "verbose", false);
        if (node_.address_mempool) node_.address_mempool->sync();
        try {
            return call_rpc("getrawtransaction", json::array{json::value(txid.to_hex()), json::value(verbose)});
        } catch (const RpcError& e) { throw ElectrumError{kElectrumDaemonError, e.message}; }
    }
    if (method == "blockchain.transaction.broadcast") {
        Params p(raw, {"raw_tx"});
        const std::string hex = p.str(0, "raw_tx");
        try {
            json::value txid = call_rpc("sendrawtransaction", json::array{json::value(hex)});
            if (node_.address_mempool) node_.address_mempool->sync();
            return txid;
        } catch (const RpcError& e) {
            // ElectrumX's wording, which wallets show to their users.
            bad_request("the transaction was rejected by network rules.\n\n" + e.message + "\n[" + hex + "]");
        }
    }
    if (method == "blockchain.transaction.get_merkle" || method == "blockchain.transaction.id_from_pos") {
        const bool from_pos = method == "blockchain.transaction.id_from_pos";
        Params p(raw, from_pos ? std::vector<std::string>{"height", "tx_pos", "merkle"}
                               : std::vector<std::string>{"tx_hash", "height"});
        const uint256 txid = from_pos ? uint256() : p.hash(0, "tx_hash", "transaction hash");
        const int height = nonnegative_height(p.integer(from_pos ? 0 : 1, "height"), "height");
        const BlockIndex* b = height <= chain.height() ? chain.at_height(height) : nullptr;
        std::optional<Block> data = b ? chain.read_block(b) : std::nullopt;
        if (!data) bad_request("block at height " + std::to_string(height) + " not found");
        std::vector<uint256> leaves;
        for (const Transaction& tx : data->txs) leaves.push_back(tx.txid());
        size_t pos = 0;
        if (from_pos) {
            const int64_t want = p.integer(1, "tx_pos");
            if (want < 0 || uint64_t(want) >= leaves.size())
                bad_request("no tx at position " + std::to_string(want) + " in block at height " +
                            std::to_string(height));
            pos = size_t(want);
            if (!p.boolean(2, "merkle", false)) return json::value(leaves[pos].to_hex());
        } else {
            auto it = std::find(leaves.begin(), leaves.end(), txid);
            if (it == leaves.end())
                bad_request("tx " + txid.to_hex() + " not in block " + b->hash.to_hex() + " at height " +
                            std::to_string(height));
            pos = size_t(it - leaves.begin());
        }
        const uint256 id = leaves[pos];
        json::array merkle;
        for (const uint256& h : merkle_branch(std::move(leaves), pos)) merkle.push_back(json::value(h.to_hex()));
        if (from_pos) return json::object{{"tx_hash", id.to_hex()}, {"merkle", std::move(merkle)}};
        return json::object{{"block_height", height}, {"merkle", std::move(merkle)}, {"pos", pos}};
    }

    // ---- fees ----------------------------------------------------------------------
    if (method == "blockchain.estimatefee") {
        Params p(raw, {"number", "mode"});
        const int64_t target = p.integer(0, "number");
        if (p.has(1) && !p.at(1, "mode").is_string()) throw ElectrumError{RPC_INVALID_PARAMS, "mode must be a string"};
        if (target < 0 || target > 1008) bad_request("number must be between 0 and 1008");
        if (!node_.mempool) return json::value(-1);
        auto est = node_.mempool->estimate_fee(int(std::max<int64_t>(1, target)));
        if (!est) return json::value(-1);
        return amount_value(est->first.sat_per_kvb);  // BTC per 1000 virtual bytes
    }
    if (method == "blockchain.relayfee") {
        Params p(raw, {});
        return amount_value(node_.mempool ? node_.mempool->info().min_relay_feerate.sat_per_kvb : 100);
    }
    if (method == "mempool.get_fee_histogram") {
        Params p(raw, {});
        json::array out;
        if (node_.mempool)
            for (const auto& [rate, vsize] : fee_histogram(*node_.mempool))
                out.push_back(json::array{json::value(rate), json::value(vsize)});
        return out;
    }
    throw ElectrumError{RPC_METHOD_NOT_FOUND, "unknown method \"" + method + "\""};
}

}  // namespace minicash::rpc
