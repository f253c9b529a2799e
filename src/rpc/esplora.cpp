#include "rpc/esplora.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/address.h"
#include "common/merkle_proof.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/fee_histogram.h"
#include "node/index/address_index.h"
#include "node/index/address_mempool.h"
#include "node/index/tx_index.h"
#include "node/index/tx_lookup.h"
#include "node/mempool.h"
#include "rpc/explorer_assets.h"
#include "rpc/http_server.h"
#include "rpc/server.h"
#include "rpc/tx_json.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr size_t kBlocksPerPage = 10;       // /blocks
constexpr size_t kBlockTxsPerPage = 25;     // /block/:hash/txs
constexpr size_t kChainTxsPerPage = 25;     // /address/:a/txs/chain
constexpr size_t kMempoolTxsPerPage = 50;   // /address/:a/txs/mempool
constexpr size_t kRecentMempool = 10;       // /mempool/recent
constexpr size_t kMaxHistoryScan = 100000;  // history entries read for one page
constexpr size_t kMaxUtxos = 1000;          // /utxo, as electrs's default limit

struct HttpFail {
    int status;
    std::string message;
};

HttpResponse text(const std::string& body) { return {200, "text/plain", body}; }
HttpResponse json_reply(const json::value& v) { return {200, "application/json", write_json(v)}; }
HttpResponse binary(const Bytes& b) { return {200, "application/octet-stream", std::string(b.begin(), b.end())}; }
[[noreturn]] void fail(int status, const std::string& message) { throw HttpFail{status, message}; }

uint256 parse_hash(const std::string& s) {
    if (s.size() != 64 || !is_hex(s)) fail(400, "Invalid hex string");
    return *uint256::from_hex(s);
}

uint64_t parse_number(const std::string& s) {
    uint64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) fail(400, "Invalid number");
    return v;
}

std::vector<std::string> split_path(const std::string& rest) {
    std::string path = rest.substr(0, rest.find('?'));
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string::npos ? path.size() : slash;
        if (end > start) parts.push_back(path.substr(start, end - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts;
}

class Esplora {
public:
    Esplora(const RpcTable& table, NodeContext& node) : table_(table), node_(node) {}

    HttpResponse handle(const HttpRequest& req, const std::string& rest) {
        try {
            if (auto status = table_.warmup_status()) fail(503, "Service temporarily unavailable: " + *status);
            if (!node_.chainstate || !node_.address_index || !node_.tx_index)
                fail(503, "Service temporarily unavailable: indexes not running");
            const std::vector<std::string> p = split_path(rest);
            if (req.method == "POST") {
                if (p.size() == 1 && p[0] == "tx") return post_tx(req.body);
                fail(404, "endpoint does not exist");
            }
            return route(p);
        } catch (const HttpFail& f) { return {f.status, "text/plain", f.message}; }
    }

private:
    Chainstate& chain() { return *node_.chainstate; }

    HttpResponse route(const std::vector<std::string>& p) {
        const size_t n = p.size();
        if (n >= 1 && p[0] == "blocks") {
            if (n == 3 && p[1] == "tip" && p[2] == "height") return text(std::to_string(chain().height()));
            if (n == 3 && p[1] == "tip" && p[2] == "hash") return text(chain().tip()->hash.to_hex());
            if (n == 1) return blocks(chain().height());
            if (n == 2) return blocks(int64_t(std::min<uint64_t>(parse_number(p[1]), INT32_MAX)));
        }
        if (n == 2 && p[0] == "block-height") {
            const uint64_t h = parse_number(p[1]);
            const BlockIndex* b = h <= uint64_t(chain().height()) ? chain().at_height(int(h)) : nullptr;
            if (!b) fail(404, "Block not found");
            return text(b->hash.to_hex());
        }
        if (n >= 2 && p[0] == "block") return block(p);
        if (n >= 2 && p[0] == "tx") return tx(p);
        if (n >= 2 && (p[0] == "address" || p[0] == "scripthash")) return address(p);
        if (n >= 1 && p[0] == "mempool") return mempool(p);
        if (n == 1 && p[0] == "fee-estimates") return fee_estimates();
        fail(404, "endpoint does not exist");
    }

    // ---- blocks --------------------------------------------------------------------

    // An active-chain block and its data, or 404.
    std::pair<const BlockIndex*, Block> active_block(const std::string& hash_text) {
        const uint256 hash = parse_hash(hash_text);
        const BlockIndex* b = chain().lookup(hash);
        if (!b || !chain().have_block_data(hash)) fail(404, "Block not found");
        std::optional<Block> data = chain().read_block(b);
        if (!data) fail(404, "Block not found");
        return {b, std::move(*data)};
    }

    json::object block_json(const BlockIndex* b, const Block& data) {
        json::object o;
        o["id"] = b->hash.to_hex();
        o["height"] = b->height;
        o["version"] = b->header.version;
        o["timestamp"] = b->header.time;
        o["tx_count"] = data.txs.size();
        const Bytes with = data.serialize(true), without = data.serialize(false);
        o["size"] = with.size();
        o["weight"] = without.size() * 3 + with.size();
        o["merkle_root"] = b->header.merkle_root.to_hex();
        o["previousblockhash"] = b->prev ? json::value(b->prev->hash.to_hex()) : json::value(nullptr);
        o["mediantime"] = b->median_time_past();
        o["nonce"] = b->header.nonce;
        o["bits"] = b->header.bits;
        o["difficulty"] = difficulty_from_bits(b->header.bits);
        return o;
    }

    HttpResponse blocks(int64_t start) {
        json::array out;
        const int tip = chain().height();
        for (int64_t h = std::min<int64_t>(start, tip); h >= 0 && out.size() < kBlocksPerPage; --h) {
            const BlockIndex* b = chain().at_height(int(h));
            std::optional<Block> data = b ? chain().read_block(b) : std::nullopt;
            if (!data) break;
            out.push_back(block_json(b, *data));
        }
        return json_reply(out);
    }

    HttpResponse block(const std::vector<std::string>& p) {
        const size_t n = p.size();
        // As electrs: a block not in the best chain, known or not, is {"in_best_chain": false}
        // (200), so clients (the explorer's search) can ask whether a hash is a block.
        if (n == 3 && p[2] == "status") {
            const BlockIndex* b = chain().lookup(parse_hash(p[1]));
            json::object o;
            const bool active = b && chain().in_active_chain(b);
            o["in_best_chain"] = active;
            if (active) {
                o["height"] = b->height;
                const BlockIndex* next = chain().at_height(b->height + 1);
                o["next_best"] = next ? json::value(next->hash.to_hex()) : json::value(nullptr);
            }
            return json_reply(o);
        }
        auto [b, data] = active_block(p[1]);
        if (n == 2) return json_reply(block_json(b, data));
        if (n == 3 && p[2] == "header") return text(hex_encode(data.header.serialize()));
        if (n == 3 && p[2] == "raw") return binary(data.serialize(true));
        if (n == 3 && p[2] == "txids") {
            json::array out;
            for (const Transaction& tx : data.txs) out.push_back(json::value(tx.txid().to_hex()));
            return json_reply(out);
        }
        if (n == 4 && p[2] == "txid") {
            const uint64_t i = parse_number(p[3]);
            if (i >= data.txs.size()) fail(404, "Transaction not found");
            return text(data.txs[i].txid().to_hex());
        }
        if ((n == 3 || n == 4) && p[2] == "txs") {
            const uint64_t start = n == 4 ? parse_number(p[3]) : 0;
            if (start % kBlockTxsPerPage) fail(400, "start index must be a multipication of 25");
            if (start >= data.txs.size()) fail(404, "start index out of range");
            json::array out;
            for (size_t i = start; i < data.txs.size() && out.size() < kBlockTxsPerPage; ++i)
                if (auto f = transaction_in_block(node_, b, data, uint32_t(i), true)) out.push_back(tx_json(*f));
            return json_reply(out);
        }
        fail(404, "endpoint does not exist");
    }

    // ---- transactions --------------------------------------------------------------

    json::object status_json(const BlockIndex* b) {
        json::object s;
        s["confirmed"] = b != nullptr;
        if (b) {
            s["block_height"] = b->height;
            s["block_hash"] = b->hash.to_hex();
            s["block_time"] = b->header.time;
        }
        return s;
    }

    json::object output_json(const TxOut& out) {
        json::object o;
        o["scriptpubkey"] = hex_encode(out.script_pubkey.bytes());
        o["scriptpubkey_asm"] = script_to_asm(out.script_pubkey);
        o["scriptpubkey_type"] = esplora_type(out.script_pubkey);
        if (auto a = encode_address(out.script_pubkey, node_.params)) o["scriptpubkey_address"] = *a;
        o["value"] = out.value;
        return o;
    }

    // electrs's names for output types.
    static std::string esplora_type(const Script& s) {
        const std::string core = script_type(s);
        if (core == "pubkeyhash") return "p2pkh";
        if (core == "scripthash") return "p2sh";
        if (core == "witness_v0_keyhash") return "v0_p2wpkh";
        if (core == "witness_v0_scripthash") return "v0_p2wsh";
        if (core == "witness_v1_taproot") return "v1_p2tr";
        if (core == "pubkey") return "p2pk";
        if (core == "nulldata") return "op_return";
        if (core == "multisig") return "multisig";
        if (core == "anchor") return "anchor";
        if (s.empty()) return "empty";
        return "unknown";
    }

    json::object tx_json(const FoundTx& f) {
        const Transaction& tx = *f.tx;
        json::object o;
        o["txid"] = tx.txid().to_hex();
        o["version"] = tx.version;
        o["locktime"] = tx.locktime;
        json::array vin;
        for (size_t i = 0; i < tx.vin.size(); ++i) {
            const TxIn& in = tx.vin[i];
            json::object v;
            const bool coinbase = tx.is_coinbase();
            v["txid"] = in.prevout.txid.to_hex();
            v["vout"] = coinbase ? json::value(0xffffffffu) : json::value(in.prevout.index);
            v["prevout"] = i < f.prevouts.size() && f.prevouts[i] ? json::value(output_json(*f.prevouts[i]))
                                                                  : json::value(nullptr);
            v["scriptsig"] = hex_encode(in.script_sig.bytes());
            v["scriptsig_asm"] = script_to_asm(in.script_sig);
            if (!in.witness.empty()) {
                json::array w;
                for (const Bytes& item : in.witness) w.push_back(json::value(hex_encode(item)));
                v["witness"] = std::move(w);
            }
            v["is_coinbase"] = coinbase;
            v["sequence"] = in.sequence;
            vin.push_back(std::move(v));
        }
        o["vin"] = std::move(vin);
        json::array vout;
        for (const TxOut& out : tx.vout) vout.push_back(output_json(out));
        o["vout"] = std::move(vout);
        o["size"] = tx.total_size();
        o["weight"] = tx.weight();
        o["fee"] = f.fee.value_or(0);
        o["status"] = status_json(f.block);
        return o;
    }

    FoundTx find_tx(const std::string& txid_text, bool with_prevouts) {
        const uint256 txid = parse_hash(txid_text);
        std::optional<FoundTx> f = find_transaction(node_, txid, with_prevouts);
        if (!f) fail(404, "Transaction not found");
        return std::move(*f);
    }

    HttpResponse tx(const std::vector<std::string>& p) {
        const size_t n = p.size();
        if (n == 2) return json_reply(tx_json(find_tx(p[1], true)));
        const FoundTx f = find_tx(p[1], false);
        if (n == 3 && p[2] == "hex") return text(hex_encode(f.tx->serialize(true)));
        if (n == 3 && p[2] == "raw") return binary(f.tx->serialize(true));
        if (n == 3 && p[2] == "status") return json_reply(status_json(f.block));
        if (n == 3 && (p[2] == "merkle-proof" || p[2] == "merkleblock-proof")) {
            if (!f.block) fail(404, "Transaction not found");
            std::optional<Block> data = chain().read_block(f.block);
            if (!data) fail(404, "Block not found");
            if (p[2] == "merkleblock-proof") return text(hex_encode(merkle_block(*data, {f.tx->txid()})));
            std::vector<uint256> leaves;
            for (const Transaction& t : data->txs) leaves.push_back(t.txid());
            json::object o;
            o["block_height"] = f.block->height;
            json::array branch;
            for (const uint256& h : merkle_branch(std::move(leaves), f.position))
                branch.push_back(json::value(h.to_hex()));
            o["merkle"] = std::move(branch);
            o["pos"] = f.position;
            return json_reply(o);
        }
        if (n == 4 && p[2] == "outspend") {
            const uint64_t vout = parse_number(p[3]);
            if (vout >= f.tx->vout.size()) fail(404, "Output not found");
            return json_reply(outspend(f, uint32_t(vout)));
        }
        if (n == 3 && p[2] == "outspends") {
            json::array out;
            for (uint32_t v = 0; v < f.tx->vout.size(); ++v) out.push_back(outspend(f, v));
            return json_reply(out);
        }
        fail(404, "endpoint does not exist");
    }

    // Who spends output `vout` of `f`: the mempool, else the history of the output's
    // script (a confirmed spender touches the same script, at the output's height or later).
    json::object outspend(const FoundTx& f, uint32_t vout) {
        json::object o;
        const OutPoint outpoint{f.tx->txid(), vout};
        const Script& script = f.tx->vout[vout].script_pubkey;
        if (node_.address_mempool) {
            if (auto s = node_.address_mempool->spender(outpoint)) {
                o["spent"] = true;
                o["txid"] = s->first.to_hex();
                o["vin"] = s->second;
                o["status"] = status_json(nullptr);
                return o;
            }
        }
        if (f.block && !script.is_unspendable()) {
            const uint256 sh = electrum_script_hash(script);
            if (!node_.address_index->is_unspent(sh, outpoint, f.block->height)) {
                for (const AddressHistoryEntry& e : node_.address_index->history(sh, kMaxHistoryScan)) {
                    if (e.height < f.block->height) continue;
                    const BlockIndex* b = chain().at_height(e.height);
                    std::optional<Block> data = b ? chain().read_block(b) : std::nullopt;
                    if (!data || e.position >= data->txs.size()) continue;
                    const Transaction& spender = data->txs[e.position];
                    for (uint32_t i = 0; i < spender.vin.size(); ++i) {
                        if (spender.vin[i].prevout != outpoint) continue;
                        o["spent"] = true;
                        o["txid"] = spender.txid().to_hex();
                        o["vin"] = i;
                        o["status"] = status_json(b);
                        return o;
                    }
                }
            }
        }
        o["spent"] = false;
        return o;
    }

    HttpResponse post_tx(const std::string& body) {
        std::string hex = body;
        while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
        RpcRequest request;
        request.method = "sendrawtransaction";
        request.user = "esplora";
        json::array params{json::value(hex)};
        try {
            const json::value r = table_.execute(node_, request, json::value(std::move(params)));
            if (node_.address_mempool) node_.address_mempool->sync();
            return text(json::value_to<std::string>(r));
        } catch (const RpcError& e) {
            json::object err{{"code", e.code}, {"message", e.message}};
            fail(400, "sendrawtransaction RPC error: " + write_json(err));
        }
    }

    // ---- addresses -----------------------------------------------------------------

    HttpResponse address(const std::vector<std::string>& p) {
        uint256 sh;
        json::object o;
        if (p[0] == "address") {
            std::optional<Script> script = decode_address(p[1], node_.params);
            if (!script) fail(400, "Invalid Bitcoin address");
            sh = electrum_script_hash(*script);
            o["address"] = p[1];
        } else {
            sh = parse_hash(p[1]);
            o["scripthash"] = p[1];
        }
        (void)node_.address_index->block_until_synced();
        if (node_.address_mempool) node_.address_mempool->sync();
        const size_t n = p.size();
        if (n == 2) {
            o["chain_stats"] = stats_json(node_.address_index->stats(sh));
            o["mempool_stats"] = stats_json(node_.address_mempool ? node_.address_mempool->stats(sh) : AddressStats{});
            return json_reply(o);
        }
        if (n == 3 && p[2] == "utxo") return json_reply(utxos(sh));
        if (p[2] == "txs") {
            if (n == 3) {
                json::array out = mempool_txs(sh);
                json::value chain = chain_txs(sh, std::nullopt);  // kept alive through the loop
                for (json::value& v : chain.as_array()) out.push_back(std::move(v));
                return json_reply(out);
            }
            if (n == 4 && p[3] == "mempool") return json_reply(mempool_txs(sh));
            if (n == 4 && p[3] == "chain") return json_reply(chain_txs(sh, std::nullopt));
            if (n == 5 && p[3] == "chain") return json_reply(chain_txs(sh, parse_hash(p[4])));
        }
        fail(404, "endpoint does not exist");
    }

    static json::object stats_json(const AddressStats& s) {
        json::object o;
        o["funded_txo_count"] = s.funded_txo_count;
        o["funded_txo_sum"] = s.funded_txo_sum;
        o["spent_txo_count"] = s.spent_txo_count;
        o["spent_txo_sum"] = s.spent_txo_sum;
        o["tx_count"] = s.tx_count;
        return o;
    }

    json::array mempool_txs(const uint256& sh) {
        json::array out;
        if (!node_.address_mempool) return out;
        std::vector<MempoolAddressTx> txs = node_.address_mempool->transactions(sh);
        std::sort(txs.begin(), txs.end(), [](const auto& a, const auto& b) { return a.time > b.time; });
        for (const MempoolAddressTx& m : txs) {
            if (out.size() == kMempoolTxsPerPage) break;
            FoundTx f;
            f.tx = m.tx;
            f.prevouts = m.prevouts;
            f.fee = m.fee;
            out.push_back(tx_json(f));
        }
        return out;
    }

    // Confirmed transactions newest first, kChainTxsPerPage of them after `last_seen`.
    json::value chain_txs(const uint256& sh, std::optional<uint256> last_seen) {
        std::vector<AddressHistoryEntry> h = node_.address_index->history(sh, kMaxHistoryScan);
        std::reverse(h.begin(), h.end());
        size_t start = 0;
        if (last_seen) {
            auto it = std::find_if(h.begin(), h.end(), [&](const auto& e) { return e.txid == *last_seen; });
            start = it == h.end() ? h.size() : size_t(it - h.begin()) + 1;
        }
        json::array out;
        const BlockIndex* cached = nullptr;
        std::optional<Block> data;
        for (size_t i = start; i < h.size() && out.size() < kChainTxsPerPage; ++i) {
            const BlockIndex* b = chain().at_height(h[i].height);
            if (!b) continue;
            if (b != cached) {
                data = chain().read_block(b);
                cached = b;
            }
            if (!data) continue;
            if (auto f = transaction_in_block(node_, b, *data, h[i].position, true)) out.push_back(tx_json(*f));
        }
        return out;
    }

    json::array utxos(const uint256& sh) {
        json::array out;
        bool truncated = false;
        std::vector<AddressUtxo> all = node_.address_index->utxos(sh, kMaxUtxos, &truncated);
        if (truncated) fail(400, "Too many unspent outputs (more than " + std::to_string(kMaxUtxos) + ")");
        if (node_.address_mempool) {
            std::erase_if(all, [&](const AddressUtxo& u) { return node_.address_mempool->spender(u.outpoint); });
            for (const AddressUtxo& u : node_.address_mempool->utxos(sh)) all.push_back(u);
        }
        for (const AddressUtxo& u : all) {
            json::object o;
            o["txid"] = u.outpoint.txid.to_hex();
            o["vout"] = u.outpoint.index;
            o["status"] = status_json(u.height > 0 ? chain().at_height(u.height) : nullptr);
            o["value"] = u.value;
            out.push_back(std::move(o));
        }
        return out;
    }

    // ---- mempool and fees -----------------------------------------------------------

    HttpResponse mempool(const std::vector<std::string>& p) {
        Mempool* pool = node_.mempool.get();
        if (!pool) fail(503, "Service temporarily unavailable: mempool disabled");
        if (p.size() == 1) {
            json::object o;
            uint64_t vsize = 0;
            Amount fees = 0;
            std::vector<std::pair<double, uint64_t>> rates;
            const std::vector<uint256> txids = pool->txids();
            for (const uint256& txid : txids) {
                auto e = pool->entry(txid);
                if (!e) continue;
                vsize += e->vsize;
                fees += e->fee;
                rates.push_back({double(e->modified_fee) / double(std::max<size_t>(1, e->vsize)), e->vsize});
            }
            o["count"] = txids.size();
            o["vsize"] = vsize;
            o["total_fee"] = fees;
            json::array histogram;
            for (const auto& [rate, size] : fee_histogram(std::move(rates)))
                histogram.push_back(json::array{json::value(rate), json::value(size)});
            o["fee_histogram"] = std::move(histogram);
            return json_reply(o);
        }
        if (p.size() == 2 && p[1] == "txids") {
            json::array out;
            for (const uint256& txid : pool->txids()) out.push_back(json::value(txid.to_hex()));
            return json_reply(out);
        }
        if (p.size() == 2 && p[1] == "recent") {
            json::array out;
            if (node_.address_mempool) {
                node_.address_mempool->sync();
                for (const MempoolAddressTx& m : node_.address_mempool->recent(kRecentMempool)) {
                    Amount value = 0;
                    for (const TxOut& o : m.tx->vout) value += o.value;
                    out.push_back(
                        json::object{{"txid", m.txid.to_hex()}, {"fee", m.fee}, {"vsize", m.vsize}, {"value", value}});
                }
            }
            return json_reply(out);
        }
        fail(404, "endpoint does not exist");
    }

    HttpResponse fee_estimates() {
        json::object o;
        if (node_.mempool) {
            static const int kTargets[] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,  13,  14,
                                           15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 144, 504, 1008};
            for (int t : kTargets)
                if (auto est = node_.mempool->estimate_fee(t))
                    o[std::to_string(t)] = double(est->first.sat_per_kvb) / 1000.0;
        }
        return json_reply(o);
    }

    const RpcTable& table_;
    NodeContext& node_;
};

}  // namespace

void add_esplora_handlers(HttpRpcServer& server, const RpcTable& table, NodeContext& node) {
    auto esplora = std::make_shared<Esplora>(table, node);
    server.add_handler("/api/", false, [esplora](const HttpRequest& req, const std::string& rest) {
        return esplora->handle(req, rest);
    });
    server.add_handler("/explorer", false,
                       [](const HttpRequest&, const std::string& rest) { return explorer_asset(rest); });
}

}  // namespace minicash::rpc
