// Block synchronisation: headers-first initial block download, parallel block download
// with a moving window, stalling detection, block validation off the event loop, and
// announcing new tips. Modelled on Bitcoin Core's net_processing (and btcd's netsync);
// see README.md for the simplifications.
//
// Headers: getheaders with a block locator, to one peer during initial download (more
//   when that one has nothing more), to every peer afterwards. Headers are checked for
//   continuity and proof of work here, then given to ChainAccess::process_header on the
//   query runner. Chains whose total work stays below the anti-DoS threshold are never
//   stored: a full batch of such headers starts a PRESYNC/REDOWNLOAD (headers_sync.h).
// Blocks: the window is the 1024 blocks after the last block our active chain shares
//   with the best header chain. Each peer that has them gets up to 16 requests at a
//   time. A peer that holds up the window's first block while another peer has nothing
//   to do is a staller: it gets 2 s (doubling, up to 64 s, after each staller dropped)
//   and is then disconnected. A peer that does not deliver within a block interval
//   (plus half per other downloading peer) is disconnected too.
// Validation: received blocks go to a queue (at most kMaxQueuedBlocks blocks and
//   kMaxQueuedBytes bytes; a peer whose block does not fit waits, which stops reading
//   from it) consumed by the validation runner; results come back to the event loop.
//   A peer whose header or block validation rejects is punished as Core's
//   MaybePunishNodeForBlock (misbehavior.h block_rejection_punishable: not for a
//   timestamp too far ahead; not for consensus, mutation or known-invalid failures of a
//   compact block; a known-invalid block only costs outbound peers).
//
// Dependencies (peer_logic.h): the chain state through ChainAccess, peers through
// PeerNetwork, time through Clock; chain-state calls run as jobs on the query runner
// (validation on the validation runner).
//
// Thread rules: event loop thread only (results of jobs are posted back to it), except
// ibd(), which any thread may read.
#pragma once

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "consensus/block.h"
#include "consensus/validation_state.h"
#include "net/peer.h"
#include "net/peer_logic.h"
#include "net/protocol.h"
#include "node/block_index.h"

namespace minicash::net {

class CompactRelay;

class BlockSync {
public:
    static constexpr int kDownloadWindow = 1024;       // BLOCK_DOWNLOAD_WINDOW
    static constexpr size_t kMaxInFlightPerPeer = 16;  // MAX_BLOCKS_IN_TRANSIT_PER_PEER
    static constexpr size_t kMaxQueuedBlocks = 256;
    static constexpr size_t kMaxQueuedBytes = 64u << 20;
    static constexpr size_t kMaxBlocksToAnnounce = 8;
    static constexpr size_t kMaxBlockSources = 4096;

    explicit BlockSync(const PeerLogicDeps& deps);
    ~BlockSync();

    // Reads the tip and the best header from the chain state (caller's thread, before the
    // event loop runs; may block).
    void init();

    void on_peer_ready(const std::shared_ptr<Peer>& peer);
    void on_peer_closed(Peer& peer);
    void on_block_connected(const BlockIndex* block);
    void on_block_disconnected(const BlockIndex* block);
    void tick();                                  // every 500 ms: stalling, timeouts, sync peer rotation, progress
    void shutdown() { queue_signal_->cancel(); }  // wakes peers waiting for the validation queue

    asio::awaitable<void> handle_headers(std::shared_ptr<Peer> peer, std::vector<BlockHeader> headers);
    // `via_compact`: rebuilt from a compact block (its sender is not punished when it
    // fails validation: BIP152 lets high-bandwidth peers relay before validating).
    asio::awaitable<void> handle_block(std::shared_ptr<Peer> peer, Bytes payload, bool via_compact = false);
    asio::awaitable<void> handle_block_inv(std::shared_ptr<Peer> peer, uint256 hash);
    asio::awaitable<void> handle_getheaders(std::shared_ptr<Peer> peer, GetHeadersMsg msg, bool getblocks);
    // Sends a block (getdata); false when we do not have it.
    asio::awaitable<bool> serve_block(std::shared_ptr<Peer> peer, Inv inv);
    void handle_notfound_block(Peer& peer, const uint256& hash);

    bool ibd() const { return ibd_.load(); }
    const BlockIndex* tip() const { return tip_; }
    const BlockIndex* best_header() const { return best_header_; }
    std::vector<int> in_flight_heights(const Peer& peer) const;
    size_t blocks_in_flight() const { return in_flight_.size(); }  // from every peer
    // A getheaders with the locator of `from`, unless one is outstanding (outbound
    // eviction's last chance for a lagging peer).
    void request_headers(Peer& peer, const BlockIndex* from) { send_getheaders(peer, from); }
    void schedule_downloads_soon();

    // ---- for compact block relay (compact_relay.h) ----
    void set_compact_relay(CompactRelay* c) { compact_ = c; }
    // Hands headers (connecting to a known block) to the chain state. Returns the last
    // one accepted, or nullptr (misbehaviour already dealt with). `via_compact`: the
    // header of a compact block (punished as Core does for those).
    asio::awaitable<const BlockIndex*> accept_headers(std::shared_ptr<Peer> peer, std::vector<BlockHeader> headers,
                                                      bool via_compact = false);
    // The peer a block is requested from, if any.
    std::optional<int64_t> in_flight_from(const uint256& hash) const;
    // Counts `b` in flight from the peer (unless it already is from someone).
    void mark_in_flight(Peer& peer, const BlockIndex* b);
    // The same, and asks for it (getdata of `inv_type`).
    void request_block(Peer& peer, const BlockIndex* b, uint32_t inv_type);
    void cancel_request(const uint256& hash) { remove_in_flight(hash); }
    // getblockfrompeer (Core's FetchBlock): drops any request for `b`, then asks `peer` for
    // it as a witness block; the answer is processed as a requested block (stored even off
    // the best chain). Core's message when the peer cannot be asked.
    std::optional<std::string> fetch_block(Peer& peer, const BlockIndex* b);
    // Received and being validated, or stored above the tip.
    bool have_or_queued(const uint256& hash) const { return queued_.count(hash) || have_data_.count(hash); }
    bool peer_has(const Peer& peer, const BlockIndex* b) const;
    bool can_direct_fetch() const;  // our tip is recent (within 20 block intervals)

private:
    struct InFlight {
        int64_t peer_id;
        const BlockIndex* block;
        SteadyTime requested;
    };
    enum class Outcome { STORED, KNOWN, INVALID, MALFORMED, IGNORED, FATAL };
    struct Validated {
        uint256 hash;
        int64_t peer_id = 0;
        size_t size = 0;
        Outcome outcome = Outcome::STORED;
        ValidationResult result = ValidationResult::VALID;
        std::string reason;
        uint256 culprit;  // the block actually found invalid (may be an ancestor)
        int height = -1;
        bool via_compact = false;
    };

    void maybe_start_sync(Peer& peer);
    void send_getheaders(Peer& peer, const BlockIndex* from, bool force = false);
    void send_getheaders_locator(Peer& peer, std::vector<uint256> locator);
    asio::awaitable<void> continue_presync(std::shared_ptr<Peer> peer, const std::vector<BlockHeader>& headers,
                                           bool full);
    asio::awaitable<void> direct_fetch(std::shared_ptr<Peer> peer, const BlockIndex* last);
    void update_peer_best(Peer& peer, const BlockIndex* b);
    void update_best_header(const BlockIndex* b);
    void recompute_best_header();
    asio::awaitable<void> recompute_best_header_async();
    void refresh_window();
    void schedule_downloads();
    void remove_in_flight(const uint256& hash);
    void validated(Validated v);
    Validated validate(const uint256& hash, const Bytes& bytes, int64_t peer_id, bool requested, bool via_compact);
    void update_ibd();
    void announce_tip();
    void log_progress(bool force);
    bool can_serve_blocks(const Peer& peer) const;
    void log_headers_progress(const BlockIndex* last);

    PeerLogicDeps deps_;
    CompactRelay* compact_ = nullptr;
    const BlockIndex* tip_ = nullptr;
    const BlockIndex* best_header_ = nullptr;
    std::atomic<bool> ibd_{true};
    int sync_peers_ = 0;  // peers with sync_started

    std::unordered_map<uint256, InFlight, Uint256Hasher> in_flight_;
    std::unordered_set<uint256, Uint256Hasher> queued_;          // handed to validation
    std::unordered_map<uint256, int, Uint256Hasher> have_data_;  // stored, above the tip: height
    std::unordered_map<uint256, std::pair<int64_t, bool>, Uint256Hasher> block_source_;  // peer, may punish
    std::deque<uint256> block_source_order_;
    size_t queued_bytes_ = 0;
    int queue_waiters_ = 0;
    std::shared_ptr<asio::steady_timer> queue_signal_;

    std::vector<const BlockIndex*> window_;
    bool window_dirty_ = true;
    bool schedule_pending_ = false;
    bool announce_pending_ = false;
    bool recompute_pending_ = false;
    const BlockIndex* last_announced_ = nullptr;
    std::chrono::milliseconds stall_timeout_{2000};
    bool downloads_paused_ = false;  // schedule_downloads() held back while blocks load from files

    // progress
    SteadyTime last_progress_log_{};
    SteadyTime last_headers_log_{};
    int last_logged_height_ = -1;
    std::deque<std::pair<SteadyTime, int>> rate_samples_;
    bool announced_synced_ = false;
};

}  // namespace minicash::net
