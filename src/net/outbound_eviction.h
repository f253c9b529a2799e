// Keeping outbound peers useful (Core's ConsiderEviction, EvictExtraOutboundPeers and
// CheckForStaleTipAndEvictPeers):
//   - a lagging chain: an outbound (full-relay or block-relay-only) peer whose best
//     known block has less work than our tip gets 20 minutes to catch up with the tip of
//     that moment, then one getheaders and 2 more minutes, then it is disconnected. Up to
//     4 full-relay peers that had our tip's work once are protected for good.
//   - a stale tip: when no new block connected for 3 block intervals (30 minutes on
//     mainnet) and no block is in flight, the connection manager is asked for one extra
//     full-relay peer (checked every 10 minutes).
//   - extra peers: with more full-relay peers than the target, the unprotected one that
//     least recently announced a new block (ties: the youngest) is disconnected, unless
//     it is the only full-relay or manual connection of its network; with more
//     block-relay-only peers than the target, the youngest is disconnected unless it gave
//     us a block more recently than the next youngest. Never a peer connected for less
//     than 30 s or one we are downloading blocks from. Checked every 45 s.
//   - once our tip is recent (within 20 block intervals), extra block-relay-only peers
//     are enabled (a rotating one every ~5 minutes).
//
// Thread rules: event loop thread only (part of the peer logic).
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "net/clock.h"
#include "net/peer_logic.h"
#include "node/block_index.h"

namespace minicash::net {

class BlockSync;
class Peer;

class OutboundEviction {
public:
    static constexpr int64_t kChainSyncTimeout = 20 * 60;    // CHAIN_SYNC_TIMEOUT
    static constexpr int64_t kHeadersResponseTime = 2 * 60;  // HEADERS_RESPONSE_TIME
    static constexpr int64_t kMinimumConnectTime = 30;       // MINIMUM_CONNECT_TIME
    static constexpr int64_t kStaleCheckInterval = 10 * 60;  // STALE_CHECK_INTERVAL
    static constexpr int64_t kExtraPeerCheckInterval = 45;   // EXTRA_PEER_CHECK_INTERVAL
    static constexpr int kMaxProtectedOutbound = 4;          // MAX_OUTBOUND_PEERS_TO_PROTECT_FROM_DISCONNECT

    OutboundEviction(const PeerLogicDeps& deps, BlockSync& sync);

    void on_tip_changed();  // a block was connected
    void on_peer_closed(const Peer& peer);
    void tick();  // every 500 ms: lagging chains; every 45 s: stale tip and extra peers

    bool is_protected(const Peer& peer) const;

private:
    struct ChainSync {
        int64_t timeout = 0;                      // unix seconds; 0: not lagging
        const BlockIndex* work_header = nullptr;  // our tip when the timeout was set
        bool sent_getheaders = false;
        bool protect = false;
    };

    void consider_eviction(Peer& peer, ChainSync& state, int64_t now);
    void evict_extra_outbound_peers(int64_t now);
    void check_for_stale_tip(int64_t now);
    bool tip_may_be_stale(int64_t now);

    PeerLogicDeps deps_;
    BlockSync& sync_;
    std::unordered_map<int64_t, ChainSync> state_;  // by peer id
    int protected_count_ = 0;
    int64_t last_tip_update_ = 0;
    int64_t stale_tip_check_time_ = 0;
    int64_t next_extra_peer_check_ = 0;
    bool initial_sync_finished_ = false;
};

}  // namespace minicash::net
