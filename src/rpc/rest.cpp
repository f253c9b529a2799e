#include "rpc/rest.h"

#include <boost/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consensus/serialize.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/block_filter_index.h"
#include "node/index/tx_index.h"
#include "node/mempool.h"
#include "rpc/http_server.h"
#include "rpc/rest_uri.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "storage/block_store.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

constexpr size_t kMaxGetUtxosOutpoints = 15;     // Core's MAX_GETUTXOS_OUTPOINTS
constexpr uint64_t kMaxHeadersResults = 2000;    // Core's MAX_REST_HEADERS_RESULTS
constexpr uint32_t kMempoolHeight = 0x7fffffff;  // Core's MEMPOOL_HEIGHT: a coin created in the mempool

struct Rest {
    const RpcTable& table;
    NodeContext& node;
};

HttpResponse error(int status, const std::string& message) { return {status, "text/plain", message + "\r\n"}; }

HttpResponse format_not_found(const std::string& formats) {
    return error(404, "output format not found (available: " + formats + ")");
}

HttpResponse binary(const Bytes& data) {
    return {200, "application/octet-stream", std::string(data.begin(), data.end())};
}
HttpResponse hex(const Bytes& data) { return {200, "text/plain", hex_encode(data) + "\n"}; }
HttpResponse json_reply(const json::value& v) { return {200, "application/json", write_json(v) + "\n"}; }

// The reply in the asked format: the bytes as they are or in hex, or the JSON (built only
// when asked for); any other format is Core's 404.
HttpResponse by_format(RestFormat rf, const Bytes& data, const std::function<json::value()>& to_json) {
    switch (rf) {
    case RestFormat::BINARY: return binary(data);
    case RestFormat::HEX: return hex(data);
    case RestFormat::JSON: return json_reply(to_json());
    case RestFormat::UNDEF: break;
    }
    return format_not_found(available_formats());
}

// Core's CheckWarmup.
std::optional<HttpResponse> warming_up(const Rest& rest) {
    if (auto status = rest.table.warmup_status()) return error(503, "Service temporarily unavailable: " + *status);
    if (!rest.node.chainstate) return error(503, "Service temporarily unavailable: Loading block index...");
    return std::nullopt;
}

// A command of the RPC table with positional parameters: the RPC's own result.
json::value call(const Rest& rest, const std::string& method, json::array params) {
    RpcRequest request;
    request.method = method;
    request.user = "rest";
    return rest.table.execute(rest.node, request, json::value(std::move(params)));
}

// The query parameter, or the HTTP 400 Core gives for a target that is not a valid URI.
std::optional<std::string> query(const HttpRequest& req, const std::string& key, std::optional<HttpResponse>& fail) {
    try {
        return query_parameter(req.target, key);
    } catch (const UriError& e) {
        fail = error(400, e.what());
        return std::nullopt;
    }
}

// Blocks of the active chain from `hash` upwards, at most `count` (none when the block is
// unknown or not on the active chain).
std::vector<const BlockIndex*> active_chain_from(Chainstate& chain, const uint256& hash, size_t count) {
    std::vector<const BlockIndex*> out;
    chain.with_view([&](Chainstate::View& view) {
        const BlockIndex* b = view.lookup(hash);
        while (b && view.at_height(b->height) == b && out.size() < count) {
            out.push_back(b);
            b = view.at_height(b->height + 1);
        }
    });
    return out;
}

// ---- /rest/tx/ -------------------------------------------------------------------------

HttpResponse rest_tx(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string hash_str;
    const RestFormat rf = parse_data_format(hash_str, uri_part);
    const std::optional<uint256> txid = parse_hash_hex(hash_str);
    if (!txid) return error(400, "Invalid hash: " + hash_str);
    NodeContext& node = rest.node;
    // As Core: wait for the index to catch up, then answer from what it has either way.
    if (node.tx_index) (void)node.tx_index->block_until_synced();
    std::shared_ptr<const Transaction> tx = node.mempool ? node.mempool->get(*txid) : nullptr;
    uint256 block_hash;
    if (!tx && node.tx_index) {
        if (auto found = node.tx_index->find(*txid)) {
            tx = std::make_shared<const Transaction>(std::move(found->tx));
            block_hash = found->block_hash;
        }
    }
    if (!tx) return error(404, hash_str + " not found");
    return by_format(rf, tx->serialize(true),
                     [&] { return json::value(tx_to_json(*tx, node.chainstate->params(), block_hash)); });
}

// ---- /rest/block/, /rest/block/notxdetails/, /rest/blockpart/ --------------------------

// `verbosity`: getblock's verbosity for .json (none: JSON refused, as for block parts).
HttpResponse rest_block(const Rest& rest, const std::string& uri_part, std::optional<int> verbosity,
                        std::optional<std::pair<uint64_t, uint64_t>> part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string hash_str;
    const RestFormat rf = parse_data_format(hash_str, uri_part);
    const std::optional<uint256> hash = parse_hash_hex(hash_str);
    if (!hash) return error(400, "Invalid hash: " + hash_str);
    Chainstate& chain = *rest.node.chainstate;
    const BlockIndex* b = chain.lookup(*hash);
    if (!b) return error(404, hash_str + " not found");
    if (!chain.have_block_data(*hash)) return error(404, hash_str + " not available (not fully downloaded)");
    std::optional<Block> block = chain.read_block(b);
    if (!block) return error(404, hash_str + " not found");
    Bytes data = block->serialize(true);
    if (part) {
        const auto [offset, size] = *part;
        if (size == 0 || offset > data.size() || size > data.size() - offset)
            return error(400, "Bad block part offset/size " + std::to_string(offset) + "/" + std::to_string(size) +
                                  " for " + hash_str);
        data = Bytes(data.begin() + std::ptrdiff_t(offset), data.begin() + std::ptrdiff_t(offset + size));
    }
    if (rf == RestFormat::JSON && !verbosity) return error(400, "JSON output is not supported for this request type");
    return by_format(rf, data, [&] {
        json::array params{json::value(hash_str), json::value(*verbosity)};
        return call(rest, "getblock", std::move(params));
    });
}

HttpResponse rest_block_part(const Rest& rest, const HttpRequest& req, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::optional<HttpResponse> fail;
    const std::optional<std::string> offset_text = query(req, "offset", fail);
    if (fail) return *fail;
    const std::optional<uint64_t> offset = offset_text ? parse_unsigned(*offset_text) : std::nullopt;
    if (!offset) return error(400, "Block part offset missing or invalid");
    const std::optional<std::string> size_text = query(req, "size", fail);
    if (fail) return *fail;
    const std::optional<uint64_t> size = size_text ? parse_unsigned(*size_text) : std::nullopt;
    if (!size) return error(400, "Block part size missing or invalid");
    return rest_block(rest, uri_part, std::nullopt, std::make_pair(*offset, *size));
}

// ---- /rest/headers/ and /rest/blockfilterheaders/ -------------------------------------

// The count of a headers request: from the path (deprecated form) or ?count= (default 5).
std::optional<HttpResponse> header_count(const HttpRequest& req, const std::optional<std::string>& in_path,
                                         uint64_t& count) {
    std::string raw = "5";
    if (in_path) {
        raw = *in_path;
    } else {
        std::optional<HttpResponse> fail;
        const std::optional<std::string> q = query(req, "count", fail);
        if (fail) return fail;
        if (q) raw = *q;
    }
    const std::optional<uint64_t> parsed = parse_unsigned(raw);
    if (!parsed || *parsed < 1 || *parsed > kMaxHeadersResults)
        return error(400, "Header count is invalid or out of acceptable range (1-" +
                              std::to_string(kMaxHeadersResults) + "): " + raw);
    count = *parsed;
    return std::nullopt;
}

HttpResponse rest_headers(const Rest& rest, const HttpRequest& req, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    const std::vector<std::string> path = split_string(param, '/');
    if (path.size() != 1 && path.size() != 2)
        return error(400, "Invalid URI format. Expected /rest/headers/<hash>.<ext>?count=<count>");
    const std::string& hash_str = path.back();
    uint64_t count = 0;
    if (auto bad = header_count(req, path.size() == 2 ? std::optional(path[0]) : std::nullopt, count)) return *bad;
    const std::optional<uint256> hash = parse_hash_hex(hash_str);
    if (!hash) return error(400, "Invalid hash: " + hash_str);
    Chainstate& chain = *rest.node.chainstate;
    const std::vector<const BlockIndex*> headers = active_chain_from(chain, *hash, count);
    Bytes data;
    for (const BlockIndex* b : headers) append(data, b->header.serialize());
    return by_format(rf, data, [&] {
        json::array out;
        chain.with_view([&](Chainstate::View& view) {
            for (const BlockIndex* b : headers)
                out.push_back(header_to_json(*b, view.tip(), view.at_height(b->height + 1)));
        });
        return json::value(std::move(out));
    });
}

// The filter index for a filter type name, or Core's 400.
std::optional<HttpResponse> filter_index(const Rest& rest, const std::string& type, BlockFilterIndex*& index) {
    if (type != "basic") return error(400, "Unknown filtertype " + type);
    index = rest.node.block_filter_index.get();
    if (!index) return error(400, "Index is not enabled for filtertype " + type);
    return std::nullopt;
}

HttpResponse rest_filter_headers(const Rest& rest, const HttpRequest& req, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    const std::vector<std::string> parts = split_string(param, '/');
    if (parts.size() != 2 && parts.size() != 3)
        return error(
            400, "Invalid URI format. Expected /rest/blockfilterheaders/<filtertype>/<blockhash>.<ext>?count=<count>");
    const std::string& hash_str = parts.back();
    uint64_t count = 0;
    if (auto bad = header_count(req, parts.size() == 3 ? std::optional(parts[1]) : std::nullopt, count)) return *bad;
    const std::optional<uint256> hash = parse_hash_hex(hash_str);
    if (!hash) return error(400, "Invalid hash: " + hash_str);
    BlockFilterIndex* index = nullptr;
    if (auto bad = filter_index(rest, parts[0], index)) return *bad;
    const std::vector<const BlockIndex*> blocks = active_chain_from(*rest.node.chainstate, *hash, count);
    const bool ready = index->block_until_synced();
    std::vector<uint256> filter_headers;
    for (const BlockIndex* b : blocks) {
        const std::optional<BlockFilterIndex::Entry> entry = index->lookup(b->hash);
        if (!entry)
            return error(404, std::string("Filter not found.") +
                                  (ready ? " This error is unexpected and indicates index corruption."
                                         : " Block filters are still in the process of being indexed."));
        filter_headers.push_back(entry->header);
    }
    Bytes data;
    for (const uint256& h : filter_headers) append(data, h.view());
    return by_format(rf, data, [&] {
        json::array out;
        for (const uint256& h : filter_headers) out.push_back(json::value(h.to_hex()));
        return json::value(std::move(out));
    });
}

// ---- /rest/blockfilter/ ----------------------------------------------------------------

HttpResponse rest_block_filter(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    const std::vector<std::string> parts = split_string(param, '/');
    if (parts.size() != 2) return error(400, "Invalid URI format. Expected /rest/blockfilter/<filtertype>/<blockhash>");
    const std::optional<uint256> hash = parse_hash_hex(parts[1]);
    if (!hash) return error(400, "Invalid hash: " + parts[1]);
    BlockFilterIndex* index = nullptr;
    if (auto bad = filter_index(rest, parts[0], index)) return *bad;
    Chainstate& chain = *rest.node.chainstate;
    const BlockIndex* b = chain.lookup(*hash);
    if (!b) return error(404, parts[1] + " not found");
    bool was_connected = false;
    chain.with_view([&](Chainstate::View&) { was_connected = b->is_valid(BLOCK_VALID_SCRIPTS); });
    const bool ready = index->block_until_synced();
    const std::optional<BlockFilterIndex::Entry> entry = index->lookup(*hash);
    if (!entry) {
        std::string message = "Filter not found.";
        if (!was_connected) message += " Block was not connected to active chain.";
        else if (!ready) message += " Block filters are still in the process of being indexed.";
        else message += " This error is unexpected and indicates index corruption.";
        return error(404, message);
    }
    // Core's BlockFilter serialization: filter type, block hash, the encoded filter.
    Bytes data;
    Writer w(data);
    w.u8(0);  // BlockFilterType::BASIC
    w.hash(*hash);
    w.var_bytes(entry->filter);
    return by_format(rf, data, [&] {
        json::object o;
        o["filter"] = hex_encode(entry->filter);
        return json::value(std::move(o));
    });
}

// ---- /rest/spenttxouts/ -----------------------------------------------------------------

HttpResponse rest_spent_txouts(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    const std::vector<std::string> path = split_string(param, '/');
    if (path.size() != 1) return error(400, "Invalid URI format. Expected /rest/spenttxouts/<hash>.<ext>");
    const std::string& hash_str = path[0];
    const std::optional<uint256> hash = parse_hash_hex(hash_str);
    if (!hash) return error(400, "Invalid hash: " + hash_str);
    Chainstate& chain = *rest.node.chainstate;
    const BlockIndex* b = chain.lookup(*hash);
    if (!b) return error(404, hash_str + " not found");
    BlockUndo undo;
    if (b->height > 0) {
        FilePos pos;
        uint256 prev_hash;
        chain.with_view([&](Chainstate::View&) {
            if (b->status & BLOCK_HAVE_UNDO) pos = b->undo;
            prev_hash = b->prev->hash;
        });
        std::optional<BlockUndo> read;
        if (!pos.is_null()) {
            try {
                BlockStore reader(chain.blocks_dir(), chain.params().magic);
                read = reader.read_undo(pos, prev_hash);
            } catch (const std::exception&) { read.reset(); }
        }
        if (!read) return error(404, hash_str + " undo not available");
        undo = std::move(*read);
    }
    // Core's REST form: one list per transaction, an empty one standing for the coinbase.
    Bytes data;
    Writer w(data);
    w.compact_size(undo.txs.size() + 1);
    w.compact_size(0);
    for (const TxUndo& tx : undo.txs) {
        w.compact_size(tx.spent.size());
        for (const Coin& c : tx.spent) {
            w.i64(c.out.value);
            w.var_bytes(c.out.script_pubkey.view());
        }
    }
    return by_format(rf, data, [&] {
        json::array out;
        out.push_back(json::array());
        for (const TxUndo& tx : undo.txs) {
            json::array prevouts;
            for (const Coin& c : tx.spent) {
                json::object o;
                o["value"] = amount_value(c.out.value);
                o["scriptPubKey"] = script_pubkey_json(c.out.script_pubkey, chain.params());
                prevouts.push_back(std::move(o));
            }
            out.push_back(std::move(prevouts));
        }
        return json::value(std::move(out));
    });
}

// ---- /rest/blockhashbyheight/ -------------------------------------------------------------

HttpResponse rest_blockhash_by_height(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string height_str;
    const RestFormat rf = parse_data_format(height_str, uri_part);
    const std::optional<int32_t> height = parse_int32(height_str);
    if (!height || *height < 0) return error(400, "Invalid height: " + sanitize_uri(height_str));
    const BlockIndex* b = nullptr;
    rest.node.chainstate->with_view([&](Chainstate::View& view) {
        if (view.tip() && *height <= view.tip()->height) b = view.at_height(*height);
    });
    if (!b) return error(404, "Block height out of range");
    switch (rf) {
    case RestFormat::BINARY: return binary(Bytes(b->hash.begin(), b->hash.end()));
    case RestFormat::HEX: return {200, "text/plain", b->hash.to_hex() + "\n"};
    case RestFormat::JSON: {
        json::object o;
        o["blockhash"] = b->hash.to_hex();
        return json_reply(o);
    }
    case RestFormat::UNDEF: break;
    }
    return format_not_found(available_formats());
}

// ---- /rest/chaininfo, /rest/deploymentinfo -----------------------------------------------

HttpResponse rest_chaininfo(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    if (parse_data_format(param, uri_part) != RestFormat::JSON) return format_not_found("json");
    return json_reply(call(rest, "getblockchaininfo", {}));
}

HttpResponse rest_deploymentinfo(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string hash_str;
    if (parse_data_format(hash_str, uri_part) != RestFormat::JSON) return format_not_found("json");
    json::array params;
    if (!hash_str.empty()) {
        const std::optional<uint256> hash = parse_hash_hex(hash_str);
        if (!hash) return error(400, "Invalid hash: " + hash_str);
        if (!rest.node.chainstate->lookup(*hash)) return error(400, "Block not found");
        params.push_back(json::value(hash_str));
    }
    return json_reply(call(rest, "getdeploymentinfo", std::move(params)));
}

// ---- /rest/mempool/ -------------------------------------------------------------------------

// A true/false query parameter (Core's message when it is anything else).
std::optional<HttpResponse> bool_parameter(const HttpRequest& req, const std::string& key, bool dflt, bool& value) {
    std::optional<HttpResponse> fail;
    const std::string raw = query(req, key, fail).value_or(dflt ? "true" : "false");
    if (fail) return fail;
    if (raw != "true" && raw != "false")
        return error(400, "The \"" + key + "\" query parameter must be either \"true\" or \"false\".");
    value = raw == "true";
    return std::nullopt;
}

HttpResponse rest_mempool(const Rest& rest, const HttpRequest& req, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    if (param != "contents" && param != "info")
        return error(400, "Invalid URI format. Expected /rest/mempool/<info|contents>.json");
    if (!rest.node.mempool) return error(404, "Mempool disabled or instance not found");
    if (rf != RestFormat::JSON) return format_not_found("json");
    if (param == "info") return json_reply(call(rest, "getmempoolinfo", {}));
    bool verbose = true, sequence = false;
    if (auto bad = bool_parameter(req, "verbose", true, verbose)) return *bad;
    if (auto bad = bool_parameter(req, "mempool_sequence", false, sequence)) return *bad;
    if (verbose && sequence)
        return error(400, "Verbose results cannot contain mempool sequence values. (hint: set \"verbose=false\")");
    return json_reply(call(rest, "getrawmempool", {json::value(verbose), json::value(sequence)}));
}

// ---- /rest/getutxos -----------------------------------------------------------------------

HttpResponse rest_getutxos(const Rest& rest, const HttpRequest& req, const std::string& uri_part) {
    if (auto busy = warming_up(rest)) return *busy;
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    std::vector<std::string> uri_parts;
    if (param.size() > 1) uri_parts = split_string(param.substr(1), '/');
    std::string body = req.body;
    if (body.empty() && uri_parts.empty()) return error(400, "Error: empty request");

    bool inputs_in_uri = false, check_mempool = false;
    std::vector<OutPoint> outpoints;
    if (!uri_parts.empty()) {
        check_mempool = uri_parts[0] == "checkmempool";
        for (size_t i = check_mempool ? 1 : 0; i < uri_parts.size(); ++i) {
            const std::vector<std::string> txid_out = split_string(uri_parts[i], '-');
            if (txid_out.size() != 2) return error(400, "Parse error");
            const std::optional<uint256> txid = parse_hash_hex(txid_out[0]);
            const std::optional<uint64_t> n = parse_unsigned(txid_out[1], UINT32_MAX);
            if (!txid || !n) return error(400, "Parse error");
            outpoints.push_back(OutPoint{*txid, uint32_t(*n)});
        }
        if (outpoints.empty()) return error(400, "Error: empty request");
        inputs_in_uri = true;
    }

    switch (rf) {
    case RestFormat::HEX:
    case RestFormat::BINARY: {
        const Bytes raw = rf == RestFormat::HEX ? parse_hex_lenient(body) : Bytes(body.begin(), body.end());
        if (raw.empty()) break;
        if (inputs_in_uri) return error(400, "Combination of URI scheme inputs and raw post data is not allowed");
        // As Core: the body is streamed as a serialized string (its length first), then
        // read back as a bool and a vector of outpoints.
        Bytes stream;
        Writer w(stream);
        w.var_bytes(raw);
        Reader r(stream);
        check_mempool = r.u8() != 0;
        const uint64_t n = r.count(36);
        for (uint64_t i = 0; i < n && r.ok(); ++i) {
            OutPoint op;
            op.txid = r.hash();
            op.index = r.u32();
            outpoints.push_back(op);
        }
        if (!r.ok()) return error(400, "Parse error");
        break;
    }
    case RestFormat::JSON:
        if (!inputs_in_uri) return error(400, "Error: empty request");
        break;
    case RestFormat::UNDEF: return format_not_found(available_formats());
    }
    if (outpoints.size() > kMaxGetUtxosOutpoints)
        return error(400, "Error: max outpoints exceeded (max: " + std::to_string(kMaxGetUtxosOutpoints) +
                              ", tried: " + std::to_string(outpoints.size()) + ")");

    Mempool* mempool = nullptr;
    if (check_mempool) {
        if (!rest.node.mempool) return error(404, "Mempool disabled or instance not found");
        mempool = rest.node.mempool.get();
    }
    Chainstate& chain = *rest.node.chainstate;
    std::vector<bool> hits;
    std::vector<std::pair<uint32_t, TxOut>> outs;  // height, output
    int32_t active_height = 0;
    uint256 active_hash;
    chain.with_view([&](Chainstate::View& view) {
        for (const OutPoint& op : outpoints) {
            std::optional<std::pair<uint32_t, TxOut>> found;
            if (mempool && mempool->spender_of(op)) {
                // spent in the mempool: not a hit
            } else if (auto coin = view.coin(op)) {
                found.emplace(uint32_t(coin->height), coin->out);
            } else if (mempool) {
                if (auto tx = mempool->get(op.txid); tx && op.index < tx->vout.size())
                    found.emplace(kMempoolHeight, tx->vout[op.index]);
            }
            hits.push_back(found.has_value());
            if (found) outs.push_back(std::move(*found));
        }
        active_height = view.tip() ? view.tip()->height : -1;
        if (view.tip()) active_hash = view.tip()->hash;
    });
    Bytes bitmap((hits.size() + 7) / 8, 0);
    std::string bitmap_text;
    for (size_t i = 0; i < hits.size(); ++i) {
        bitmap_text += hits[i] ? '1' : '0';
        if (hits[i]) bitmap[i / 8] |= uint8_t(1u << (i % 8));
    }
    // BIP64's response: height, tip hash, bitmap, then each coin as (0, height, output).
    Bytes data;
    Writer w(data);
    w.i32(active_height);
    w.hash(active_hash);
    w.var_bytes(bitmap);
    w.compact_size(outs.size());
    for (const auto& [height, out] : outs) {
        w.u32(0);
        w.u32(height);
        w.i64(out.value);
        w.var_bytes(out.script_pubkey.view());
    }
    return by_format(rf, data, [&] {
        json::object o;
        o["chainHeight"] = active_height;
        o["chaintipHash"] = active_hash.to_hex();
        o["bitmap"] = bitmap_text;
        json::array utxos;
        for (const auto& [height, out] : outs) {
            json::object u;
            u["height"] = int32_t(height);
            u["value"] = amount_value(out.value);
            u["scriptPubKey"] = script_pubkey_json(out.script_pubkey, chain.params());
            utxos.push_back(std::move(u));
        }
        o["utxos"] = std::move(utxos);
        return json::value(std::move(o));
    });
}

using RestEndpoint = HttpResponse (*)(const Rest&, const HttpRequest&, const std::string&);

struct Prefix {
    const char* prefix;
    RestEndpoint endpoint;
};

HttpResponse rest_block_extended(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    return rest_block(rest, uri_part, 3, std::nullopt);  // Core's SHOW_DETAILS_AND_PREVOUT
}
HttpResponse rest_block_notxdetails(const Rest& rest, const HttpRequest&, const std::string& uri_part) {
    return rest_block(rest, uri_part, 1, std::nullopt);  // Core's SHOW_TXID
}

// Core's uri_prefixes, in its order (the first match wins: "/rest/block/notxdetails/"
// before "/rest/block/").
constexpr Prefix kPrefixes[] = {
    {"/rest/tx/", rest_tx},
    {"/rest/block/notxdetails/", rest_block_notxdetails},
    {"/rest/block/", rest_block_extended},
    {"/rest/blockpart/", rest_block_part},
    {"/rest/blockfilter/", rest_block_filter},
    {"/rest/blockfilterheaders/", rest_filter_headers},
    {"/rest/chaininfo", rest_chaininfo},
    {"/rest/mempool/", rest_mempool},
    {"/rest/headers/", rest_headers},
    {"/rest/getutxos", rest_getutxos},
    {"/rest/deploymentinfo/", rest_deploymentinfo},
    {"/rest/deploymentinfo", rest_deploymentinfo},
    {"/rest/blockhashbyheight/", rest_blockhash_by_height},
    {"/rest/spenttxouts/", rest_spent_txouts},
};

}  // namespace

void add_rest_handlers(HttpRpcServer& server, const RpcTable& table, NodeContext& node) {
    for (const Prefix& p : kPrefixes) {
        server.add_handler(
            p.prefix, false,
            [rest = Rest{table, node}, endpoint = p.endpoint](const HttpRequest& req, const std::string& uri_part) {
                try {
                    return endpoint(rest, req, uri_part);
                } catch (const RpcError& e) {
                    // An RPC the endpoint relies on failed (or does not exist).
                    return error(500, e.message);
                }
            });
    }
}

}  // namespace minicash::rpc
