// scanblocks start/status/abort (Core's rpc/blockchain.cpp): the blocks whose BIP158
// basic filter (-blockfilterindex) matches the scripts of a set of descriptors. One scan
// runs at a time; "status" and "abort" reach it from other RPC threads through atomics.
#include <atomic>
#include <set>

#include "common/block_filter.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/block_filter_index.h"
#include "rpc/scan_reservation.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "storage/block_store.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

ScanSlot g_scan;

// Core's CheckBlockFilterMatches: whether the block's filter elements (its output scripts
// and the scripts it spends) really hold one of the needles.
bool block_matches(NodeContext& node, Chainstate& chain, const BlockIndex* b, const std::set<Bytes>& needles) {
    const std::optional<Block> block = chain.read_block(b);
    if (!block) throw RpcError(RPC_INTERNAL_ERROR, "Can't read block from disk");
    FilePos undo_pos;
    uint256 prev_hash;
    chain.with_view([&](Chainstate::View&) {
        undo_pos = b->undo;
        if (b->prev) prev_hash = b->prev->hash;
    });
    std::vector<TxOut> spent;
    if (!undo_pos.is_null()) {
        const BlockStore reader(chain.blocks_dir(), chain.params().magic);
        const std::optional<BlockUndo> undo = reader.read_undo(undo_pos, prev_hash);
        if (!undo) throw RpcError(RPC_INTERNAL_ERROR, "Can't read undo data from disk");
        for (const TxUndo& t : undo->txs)
            for (const Coin& c : t.spent) spent.push_back(c.out);
    }
    for (const Bytes& e : basic_filter_elements(*block, spent))
        if (needles.count(e)) return true;
    return false;
}

json::value scan_blocks(NodeContext& node, const RpcRequest& req) {
    const std::string action = req.get_str(0);
    if (std::optional<json::value> answer = g_scan.answer_control(action, /*with_height=*/true)) return *answer;

    const ScanReservation reservation(g_scan);
    const std::string filtertype = req.opt_str(4).value_or("basic");
    if (filtertype != "basic") throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown filtertype");
    bool filter_false_positives = false;
    if (req.has(5)) {
        const json::value& f = json_member(req.at(5).as_object(), "filter_false_positives");
        if (!f.is_null()) filter_false_positives = json_bool(f);
    }
    BlockFilterIndex* index = node.block_filter_index.get();
    if (!index) throw RpcError(RPC_MISC_ERROR, "Index is not enabled for filtertype " + filtertype);
    Chainstate& chain = require_chain(node);

    const BlockIndex* start = chain.at_height(0);
    const BlockIndex* stop = chain.tip();
    if (req.has(2)) {
        const int64_t h = json_int(req.at(2), INT32_MIN, INT32_MAX);
        start = h < 0 ? nullptr : chain.at_height(int(h));
        if (!start) throw RpcError(RPC_MISC_ERROR, "Invalid start_height");
    }
    if (req.has(3)) {
        const int64_t h = json_int(req.at(3), INT32_MIN, INT32_MAX);
        stop = h < 0 ? nullptr : chain.at_height(int(h));
        if (!stop || stop->height < start->height) throw RpcError(RPC_MISC_ERROR, "Invalid stop_height");
    }

    std::set<Bytes> needles;
    for (const json::value& obj : json_array(req.at(1)))
        expand_descriptor_argument(
            parse_descriptor_argument(obj, chain.params()),
            [&](const Descriptor&, uint32_t, const ExpandedScript& e) { needles.insert(e.script_pubkey.bytes()); });
    const std::vector<Bytes> needle_list(needles.begin(), needles.end());

    // Waits a while for the index to reach the tip; blocks it has not indexed yet are
    // skipped below (their filter is not found), as Core's LookupFilterRange stops short.
    (void)index->block_until_synced();
    g_scan.progress_height = start->height;
    const int first = start->height;
    const int total = stop->height - first;
    bool completed = true;
    int last = first;
    json::array blocks;
    for (int h = first; h <= stop->height; ++h) {
        if (g_scan.abort || node.shutdown_requested) {
            completed = false;
            break;
        }
        const BlockIndex* b = chain.at_height(h);
        if (!b) break;  // the chain got shorter meanwhile
        last = h;
        if (const std::optional<BlockFilterIndex::Entry> entry = index->lookup(b->hash)) {
            const std::optional<BasicBlockFilter> filter = BasicBlockFilter::decode(b->hash, entry->filter);
            if (filter && filter->match_any(needle_list) &&
                (!filter_false_positives || block_matches(node, chain, b, needles)))
                blocks.push_back(json::value(b->hash.to_hex()));
        }
        g_scan.progress = total > 0 ? int(100.0 / total * (h - first)) : 100;
        g_scan.progress_height = h;
    }
    json::object r;
    r["from_height"] = first;
    r["to_height"] = last;
    r["relevant_blocks"] = std::move(blocks);
    r["completed"] = completed;
    return r;
}

}  // namespace

void register_scanblocks_command(RpcTable& t) {
    t.add({"blockchain",
           "scanblocks",
           "Return relevant blockhashes for given descriptors (requires blockfilterindex).\n"
           "This call may take several minutes. Make sure to use no RPC timeout (minicash-cli -rpcclienttimeout=0)",
           {{"action", ArgType::STR, true, "",
             "The action to execute\n"
             "\"start\" for starting a scan\n"
             "\"abort\" for aborting the current scan (returns true when abort was successful)\n"
             "\"status\" for progress report (in %) of the current scan"},
            {"scanobjects", ArgType::ARR, false, "",
             "Array of scan objects. Required for \"start\" action\n"
             "Every scan object is either a string descriptor or an object:\n"
             "    \"descriptor\": (string) An output descriptor\n"
             "    {\"desc\": (string, required) An output descriptor, \"range\": (numeric or array, optional, "
             "default=1000) The range of HD chain indexes to explore (either end or [begin,end])}"},
            {"start_height", ArgType::NUM, false, "0", "Height to start to scan from"},
            {"stop_height", ArgType::NUM, false, "chain tip", "Height to stop to scan"},
            {"filtertype", ArgType::STR, false, "\"basic\"", "The type name of the filter"},
            {"options", ArgType::OBJ, false, "",
             "{\"filter_false_positives\": (boolean, optional, default=false) Filter false positives (slower and "
             "may fail on pruned nodes). Otherwise they may occur at a rate of 1/M}"}},
           "Result (when action=='status' and a scan is currently in progress):\n"
           "{                    (json object)\n"
           "  \"progress\" : n,    (numeric) Approximate percent complete\n"
           "  \"current_height\" : n    (numeric) Height of the block currently being scanned\n"
           "}\n\n"
           "Result (When action=='status' and no scan is in progress - possibly already completed):\n"
           "null    (json null)\n\n"
           "Result (When action=='start' and only the blockhashes of the relevant blocks are returned):\n"
           "{                        (json object)\n"
           "  \"from_height\" : n,     (numeric) The height we started the scan from\n"
           "  \"to_height\" : n,       (numeric) The height we ended the scan at\n"
           "  \"relevant_blocks\" : [  (json array) Blocks that may have matched a scanobject.\n"
           "    \"hex\",               (string) A relevant blockhash\n"
           "    ...\n"
           "  ],\n"
           "  \"completed\" : true|false    (boolean) true if the scan process was not aborted\n"
           "}\n\n"
           "Result (when action=='abort'):\n"
           "true|false    (boolean) True if scan will be aborted (not necessarily before this RPC returns), or false "
           "if there is no scan to abort",
           scan_blocks});
}

}  // namespace minicash::rpc
