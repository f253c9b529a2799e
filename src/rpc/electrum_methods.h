// The methods of the Electrum protocol 1.4 (as ElectrumX documents them and electrs and
// Fulcrum serve them) answered from the address index (node/index/address_index.h, its
// mempool half address_mempool.h), -txindex and the chain state. Transport, batching,
// limits on lines, rates and write queues, and the delivery of notifications live in
// rpc/electrum_server.h; this file turns one method call into a result or an error.
//
// Thread-safety: call() may run on any thread; one session's calls must not overlap
// (its ElectrumSession is not locked here).
#pragma once

#include <boost/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rpc/server.h"
#include "util/uint256.h"

namespace minicash {
struct NodeContext;
struct BlockIndex;
}  // namespace minicash

namespace minicash::rpc {

// The protocol version served (the only one: 1.4 is what electrs and Fulcrum's clients use).
inline constexpr const char* kElectrumProtocol = "1.4";
// ElectrumX's application error codes (JSON-RPC's own codes are in rpc/server.h).
inline constexpr int kElectrumBadRequest = 1;
inline constexpr int kElectrumDaemonError = 2;

// A protocol error: becomes {"code":..,"message":..}.
struct ElectrumError {
    int code;
    std::string message;
};

struct ElectrumConfig {
    std::string server_version = "minicash 0.1.0";  // server.version's first element
    std::string banner;                             // server.banner
    // server.features' "hosts": host -> {"tcp_port": p, "ssl_port": p} (as bound).
    boost::json::object hosts;
    size_t max_history = 10000;        // history entries of one script hash, confirmed + mempool
    size_t max_subscriptions = 10000;  // script hash subscriptions of one connection
};

// What one connection has negotiated and subscribed to.
struct ElectrumSession {
    bool version_negotiated = false;
    bool close_after_reply = false;  // set by a failed version negotiation
    bool headers_subscribed = false;
    uint256 last_header;  // the tip last sent (answer or notification)
    // Subscribed script hash -> the status last sent (nullopt: no history).
    std::map<uint256, std::optional<std::string>> scripthashes;
};

class ElectrumMethods {
public:
    ElectrumMethods(NodeContext& node, ElectrumConfig config);

    // Runs `method` with `params` (array or object; null as []). Throws ElectrumError.
    boost::json::value call(ElectrumSession& session, const std::string& method, const boost::json::value& params);

    // The status of a script hash: hex sha256 of "txid:height:" for every history entry in
    // get_history's order, nullopt without history. Throws ElectrumError (too much history).
    std::optional<std::string> status(const uint256& script_hash);
    // {"hex": header, "height": h} of a block.
    static boost::json::object header_json(const BlockIndex* block);
    // Waits (bounded) until the address index has reached the chain state's tip and its
    // mempool half has applied every event so far, so that an answer or a notification
    // never shows a state between the two (a mined transaction in neither or in both).
    void sync_indexes();
    // The tip the server reports: the address index's best block (what answers reflect).
    const BlockIndex* tip() const;

private:
    struct HistoryItem {
        uint256 txid;
        int height;                  // 0 / -1 for the mempool (unconfirmed parents: -1)
        std::optional<int64_t> fee;  // mempool entries only
    };
    std::vector<HistoryItem> history(const uint256& script_hash, bool confirmed, bool mempool);
    boost::json::value call_rpc(const std::string& method, boost::json::array params);
    boost::json::value merkle_proof(int height, int cp_height);

    NodeContext& node_;
    ElectrumConfig config_;
    RpcTable table_;  // Core's commands, for getrawtransaction and sendrawtransaction
};

}  // namespace minicash::rpc
