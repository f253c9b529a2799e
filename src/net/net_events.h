// How the connection manager sees the protocol logic (sync and relay): a handful of
// events (Core's NetEventsInterface). Connman owns the sockets, the peer table and the
// event loop and calls these; everything the protocol decides happens behind them
// (peer_logic.h builds the implementation).
//
// Thread rules: start() runs on the caller's thread before the event loop runs;
// interrupt() and in_initial_block_download() may be called from any thread; every
// other method runs on the event loop thread only.
#pragma once

#include <boost/asio.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/protocol.h"

namespace minicash {
struct BlockIndex;
}

namespace minicash::net {

namespace asio = boost::asio;
class Peer;

// What getpeerinfo shows of a peer's sync state.
struct PeerSyncStats {
    int synced_headers = -1;  // best header we know the peer has
    int synced_blocks = -1;   // last block it shares with our active chain
    std::vector<int> inflight;
};

class NetEvents {
public:
    virtual ~NetEvents() = default;

    // Reads the chain state and subscribes to chain and mempool notifications.
    virtual void start() = 0;
    // First step of shutdown: notifications are no longer forwarded to the event loop.
    virtual void interrupt() = 0;
    // On the loop, while shutting down: wakes every coroutine that waits for the logic.
    virtual void shutdown() = 0;

    // A new connection (outbound: our version message goes out now).
    virtual void on_peer_connected(const std::shared_ptr<Peer>& peer) = 0;
    // One message; the next one from this peer is not read before this completes.
    virtual asio::awaitable<void> on_message(std::shared_ptr<Peer> peer, Message msg) = 0;
    // The connection is gone (its reader ended); the peer is removed right after.
    virtual void on_peer_closed(Peer& peer) = 0;
    // Every 500 ms: timeouts, announcements, pings, download scheduling.
    virtual void on_tick() = 0;

    virtual PeerSyncStats sync_stats(const Peer& peer) const = 0;
    // getblockfrompeer: asks `peer` for `block` (whose header we have), forgetting any other
    // request for it; Core's FetchBlock message when it cannot.
    virtual std::optional<std::string> fetch_block(Peer& peer, const BlockIndex* block) = 0;
    virtual bool in_initial_block_download() const = 0;
};

}  // namespace minicash::net
