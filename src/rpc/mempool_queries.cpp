// Mempool queries beyond getrawmempool (Core's rpc/mempool.cpp): getmempoolancestors,
// getmempooldescendants, gettxspendingprevout, savemempool, importmempool, getorphantxs (hidden).
#include <set>

#include "node/context.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hex.h"
#include "util/logging.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// Every in-mempool ancestor (or descendant) of `txid`, without `txid` itself, in txid
// order (Core's std::set of entries by hash). RPC_INVALID_ADDRESS_OR_KEY when `txid` is
// not in the mempool.
std::set<uint256> relatives(const Mempool& mempool, const uint256& txid, bool ancestors) {
    if (!mempool.entry(txid)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool");
    std::set<uint256> found;
    std::vector<uint256> todo{txid};
    while (!todo.empty()) {
        const uint256 id = todo.back();
        todo.pop_back();
        const std::optional<MempoolEntryInfo> e = mempool.entry(id);
        if (!e) continue;  // left the pool meanwhile
        for (const uint256& next : ancestors ? e->depends : e->spent_by)
            if (next != txid && found.insert(next).second) todo.push_back(next);
    }
    return found;
}

json::value relatives_json(NodeContext& node, const RpcRequest& req, bool ancestors) {
    const bool verbose = req.get_bool(1, false);
    const uint256 txid = parse_hash(req.at(0), "parameter 1");
    const Mempool& mempool = require_mempool(node);
    const std::set<uint256> ids = relatives(mempool, txid, ancestors);
    return mempool_txids_json(mempool, std::vector<uint256>(ids.begin(), ids.end()), verbose);
}

json::value get_tx_spending_prevout(NodeContext& node, const RpcRequest& req) {
    const json::array& outputs = req.at(0).as_array();
    if (outputs.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, outputs are missing");
    std::vector<OutPoint> prevouts;
    for (const json::value& v : outputs) {
        const json::object& o = json_object(v);
        for (const char* field : {"txid", "vout"}) {
            const json::value& f = json_member(o, field);
            if (f.is_null()) throw RpcError(RPC_TYPE_ERROR, std::string("Missing ") + field);
            const bool number = f.is_number() || raw_number_text(f);
            const bool is_txid = std::string_view(field) == "txid";
            if (is_txid ? (!f.is_string() || number) : !number)
                throw RpcError(RPC_TYPE_ERROR, std::string("JSON value of type ") + json_type_name(f) + " for field " +
                                                   field + " is not of expected type " +
                                                   (is_txid ? "string" : "number"));
        }
        for (const auto& kv : o)
            if (kv.key() != "txid" && kv.key() != "vout")
                throw RpcError(RPC_TYPE_ERROR, "Unexpected key " + std::string(kv.key()));
        OutPoint p;
        p.txid = parse_hash(json_member(o, "txid"), "txid");
        const int64_t n = json_int(json_member(o, "vout"), INT32_MIN, INT32_MAX);
        if (n < 0) throw RpcError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative");
        p.index = uint32_t(n);
        prevouts.push_back(p);
    }
    const Mempool& mempool = require_mempool(node);
    json::array result;
    for (const OutPoint& p : prevouts) {
        json::object o;
        o["txid"] = p.txid.to_hex();
        o["vout"] = p.index;
        if (const std::optional<uint256> spender = mempool.spender_of(p)) o["spendingtxid"] = spender->to_hex();
        result.push_back(std::move(o));
    }
    return result;
}

json::value save_mempool(NodeContext& node, const RpcRequest&) {
    const Mempool& mempool = require_mempool(node);
    const std::filesystem::path file = node.datadir / "mempool.dat";
    std::string error;
    if (!mempool.save(file, &error)) throw RpcError(RPC_MISC_ERROR, "Unable to dump mempool to disk");
    json::object r;
    r["filename"] = file.string();
    return r;
}

// Core's importmempool: the node must be out of initial block download; the file is read
// as at start-up, taking over only the metadata the options ask for.
json::value import_mempool(NodeContext& node, const RpcRequest& req) {
    Mempool& mempool = require_mempool(node);
    if (require_chain(node).initial_block_download())
        throw RpcError(RPC_CLIENT_IN_INITIAL_DOWNLOAD,
                       "Can only import the mempool after the block download and sync is done.");
    const std::filesystem::path file = req.get_str(0);
    Mempool::LoadOptions opts;
    opts.use_current_time = true;
    opts.apply_fee_delta_priority = false;
    opts.apply_unbroadcast_set = false;
    if (req.has(1)) {
        const json::object& o = req.at(1).as_object();
        const auto flag = [&](const char* key, bool& out) {
            const json::value& v = json_member(o, key);
            if (!v.is_null()) out = json_bool(v);
        };
        flag("use_current_time", opts.use_current_time);
        flag("apply_fee_delta_priority", opts.apply_fee_delta_priority);
        flag("apply_unbroadcast_set", opts.apply_unbroadcast_set);
    }
    std::string error;
    Mempool::LoadStats stats;
    if (!mempool.load(file, &error, &stats, opts)) {
        log_warning("importmempool: %s", error.c_str());
        throw RpcError(RPC_MISC_ERROR, "Unable to import mempool file, see debug log for details.");
    }
    log_info("Imported mempool transactions from %s: %llu succeeded, %llu failed, %llu expired, %llu already there",
             file.c_str(), (unsigned long long)stats.accepted, (unsigned long long)stats.failed,
             (unsigned long long)stats.expired, (unsigned long long)stats.already_there);
    return json::object{};
}

const char* const kVerboseEntryHelp =
    "{                           (json object)\n"
    "  \"transactionid\" : {       (json object)\n"
    "    ...                     (same as getmempoolentry)\n"
    "  },\n"
    "  ...\n"
    "}";

}  // namespace

void register_mempool_query_commands(RpcTable& t) {
    t.add({"hidden",
           "getorphantxs",
           "Shows transactions in the tx orphanage.\n\nEXPERIMENTAL warning: this call may be changed in future "
           "releases.",
           {{"verbosity", ArgType::NUM, false, "0",
             "0 for an array of txids (may contain duplicates), 1 for an array of objects with tx details, and 2 for "
             "details from (1) and tx hex"}},
           "Result (verbosity=0):\n"
           "[           (json array)\n"
           "  \"hex\",    (string) The transaction hash in hex\n"
           "  ...\n"
           "]\n\n"
           "Result (verbosity=1):\n"
           "[                       (json array)\n"
           "  {                     (json object)\n"
           "    \"txid\" : \"hex\",       (string) The transaction hash in hex\n"
           "    \"wtxid\" : \"hex\",      (string) The transaction witness hash in hex\n"
           "    \"bytes\" : n,          (numeric) The serialized transaction size in bytes\n"
           "    \"vsize\" : n,          (numeric) The virtual transaction size as defined in BIP 141. This is "
           "different from actual serialized size for witness transactions as witness data is discounted.\n"
           "    \"weight\" : n,         (numeric) The transaction weight as defined in BIP 141.\n"
           "    \"from\" : [            (json array) List of peer ids that we store this transaction for.\n"
           "      n,                (numeric) peer id\n"
           "      ...\n"
           "    ]\n"
           "  },\n"
           "  ...\n"
           "]\n\n"
           "Result (verbosity=2): as verbosity 1, each object with\n"
           "    \"hex\" : \"hex\"         (string) The serialized, hex-encoded transaction data",
           [](NodeContext& node, const RpcRequest& req) -> json::value {
               const Mempool& mempool = require_mempool(node);
               const int64_t verbosity = req.get_int(0, 0);
               if (verbosity < 0 || verbosity > 2)
                   throw RpcError(RPC_INVALID_PARAMETER, "Invalid verbosity value " + std::to_string(verbosity));
               json::array out;
               for (const auto& tx : mempool.orphan_list()) {
                   if (verbosity == 0) {
                       out.push_back(json::value(tx->txid().to_hex()));
                       continue;
                   }
                   json::object o;
                   o["txid"] = tx->txid().to_hex();
                   o["wtxid"] = tx->wtxid().to_hex();
                   o["bytes"] = tx->total_size();
                   o["vsize"] = (tx->weight() + 3) / 4;
                   o["weight"] = tx->weight();
                   // The orphanage does not record which peers sent an orphan.
                   o["from"] = json::array{};
                   if (verbosity == 2) o["hex"] = hex_encode(tx->serialize());
                   out.push_back(std::move(o));
               }
               return out;
           }});
    t.add({"blockchain",
           "getmempoolancestors",
           "If txid is in the mempool, returns all in-mempool ancestors.",
           {{"txid", ArgType::STR_HEX, true, "", "The transaction id (must be in mempool)"},
            {"verbose", ArgType::BOOL, false, "false", "True for a json object, false for array of transaction ids"}},
           std::string("Result (for verbose = false):\n"
                       "[           (json array)\n"
                       "  \"hex\",    (string) The transaction id of an in-mempool ancestor transaction\n"
                       "  ...\n"
                       "]\n\n"
                       "Result (for verbose = true):\n") +
               kVerboseEntryHelp,
           [](NodeContext& node, const RpcRequest& req) { return relatives_json(node, req, true); }});
    t.add({"blockchain",
           "getmempooldescendants",
           "If txid is in the mempool, returns all in-mempool descendants.",
           {{"txid", ArgType::STR_HEX, true, "", "The transaction id (must be in mempool)"},
            {"verbose", ArgType::BOOL, false, "false", "True for a json object, false for array of transaction ids"}},
           std::string("Result (for verbose = false):\n"
                       "[           (json array)\n"
                       "  \"hex\",    (string) The transaction id of an in-mempool descendant transaction\n"
                       "  ...\n"
                       "]\n\n"
                       "Result (for verbose = true):\n") +
               kVerboseEntryHelp,
           [](NodeContext& node, const RpcRequest& req) { return relatives_json(node, req, false); }});
    t.add({"blockchain",
           "gettxspendingprevout",
           "Scans the mempool to find transactions spending any of the given outputs",
           {{"outputs", ArgType::ARR, true, "",
             "The transaction outputs that we want to check, and within each, the txid (string) vout (numeric): "
             "[{\"txid\":\"hex\",\"vout\":n},...]"}},
           "[                              (json array)\n"
           "  {                            (json object)\n"
           "    \"txid\" : \"hex\",            (string) the transaction id of the checked output\n"
           "    \"vout\" : n,                (numeric) the vout value of the checked output\n"
           "    \"spendingtxid\" : \"hex\"     (string, optional) the transaction id of the mempool transaction "
           "spending this output (omitted if unspent)\n"
           "  },\n"
           "  ...\n"
           "]",
           get_tx_spending_prevout});
    t.add({"blockchain",
           "savemempool",
           "Dumps the mempool to disk. It will fail until the previous dump is fully loaded.",
           {},
           "{                        (json object)\n"
           "  \"filename\" : \"str\"     (string) the directory and file where the mempool was saved\n"
           "}",
           save_mempool});
    t.add({"blockchain",
           "importmempool",
           "Import a mempool.dat file and attempt to add its contents to the mempool.\n"
           "Warning: Importing untrusted files is dangerous, especially if metadata from the file is taken over.",
           {{"filepath", ArgType::STR, true, "", "The mempool file"},
            {"options", ArgType::OBJ, false, "",
             "{\n"
             "  \"use_current_time\": bool,          (boolean, optional, default=true) Whether to use the current "
             "system time or use the entry time metadata from the mempool file.\n"
             "                                     Warning: Importing untrusted metadata may lead to unexpected issues "
             "and undesirable behavior.\n"
             "  \"apply_fee_delta_priority\": bool,  (boolean, optional, default=false) Whether to apply the fee "
             "delta metadata from the mempool file.\n"
             "                                     It will be added to any existing fee deltas.\n"
             "                                     The fee delta can be set by the prioritisetransaction RPC.\n"
             "                                     Warning: Importing untrusted metadata may lead to unexpected issues "
             "and undesirable behavior.\n"
             "                                     Only set this bool if you understand what it does.\n"
             "  \"apply_unbroadcast_set\": bool,     (boolean, optional, default=false) Whether to apply the "
             "unbroadcast set metadata from the mempool file.\n"
             "                                     Warning: Importing untrusted metadata may lead to unexpected issues "
             "and undesirable behavior.\n"
             "}"}},
           "{}    (json object) (empty)",
           import_mempool});
}

}  // namespace minicash::rpc
