#include "net/sync.h"

#include <algorithm>
#include <cinttypes>

#include "consensus/block_check.h"
#include "consensus/pow.h"
#include "net/addrman.h"
#include "net/chain_access.h"
#include "net/clock.h"
#include "net/compact_relay.h"
#include "net/headers_sync.h"
#include "net/job_runner.h"
#include "net/net_permissions.h"
#include "net/peer_network.h"
#include "storage/database.h"
#include "util/hash.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

using namespace std::chrono_literals;

constexpr auto kGetheadersTimeout = 2min;  // answer to getheaders expected within
constexpr auto kMaxStallTimeout = 64s;     // BLOCK_STALLING_TIMEOUT_MAX
constexpr std::chrono::milliseconds kDefaultStallTimeout{2000};
constexpr int kNetworkLimitedBlocks = 288;  // NODE_NETWORK_LIMITED serves this many
constexpr auto kProgressInterval = 5s;
constexpr int64_t kMaxTipAgeForSync = 24 * 60 * 60;

std::string format_duration(double seconds) {
    if (seconds < 0 || seconds > 1e9) return "unknown";
    const int64_t s = int64_t(seconds);
    char buf[64];
    if (s >= 86400) std::snprintf(buf, sizeof buf, "%" PRId64 "d%02" PRId64 "h", s / 86400, (s % 86400) / 3600);
    else if (s >= 3600) std::snprintf(buf, sizeof buf, "%" PRId64 "h%02" PRId64 "m", s / 3600, (s % 3600) / 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%" PRId64 "s", s);
    return buf;
}

// "duplicate-invalid": already known invalid (Core's BLOCK_CACHED_INVALID).
bool cached_invalid(const std::string& reason) { return reason.rfind("duplicate-invalid", 0) == 0; }

}  // namespace

BlockSync::BlockSync(const PeerLogicDeps& deps)
    : deps_(deps), queue_signal_(std::make_shared<asio::steady_timer>(deps.io)) {
    queue_signal_->expires_at(SteadyTime::max());
}

BlockSync::~BlockSync() = default;

void BlockSync::init() {
    tip_ = deps_.chain.tip();
    best_header_ = tip_;
    last_announced_ = tip_;
    recompute_best_header();
    update_ibd();
    last_logged_height_ = tip_ ? tip_->height : -1;
}

void BlockSync::recompute_best_header() {
    if (const BlockIndex* best = deps_.chain.best_header()) best_header_ = best;
    window_dirty_ = true;
}

asio::awaitable<void> BlockSync::recompute_best_header_async() {
    ChainAccess& chain = deps_.chain;
    auto job = [&chain] { return chain.best_header(); };
    const BlockIndex* best = co_await deps_.query.run(job);
    recompute_pending_ = false;
    if (deps_.network.stopping()) co_return;
    if (best) best_header_ = best;
    if (tip_ && (!best_header_ || best_header_->chain_work < tip_->chain_work)) best_header_ = tip_;
    window_dirty_ = true;
    schedule_downloads_soon();
}

bool BlockSync::can_serve_blocks(const Peer& peer) const {
    return (peer.services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) != 0 && peer.type != ConnType::ADDR_FETCH;
}

bool BlockSync::peer_has(const Peer& peer, const BlockIndex* b) const {
    return b && peer.best_known && peer.best_known->height >= b->height && peer.best_known->ancestor(b->height) == b;
}

void BlockSync::update_peer_best(Peer& peer, const BlockIndex* b) {
    if (!b) return;
    if (!peer.best_known || b->chain_work > peer.best_known->chain_work) peer.best_known = b;
    if (peer.last_unknown_block == b->hash) peer.last_unknown_block = uint256();
}

void BlockSync::update_best_header(const BlockIndex* b) {
    if (b && (!best_header_ || b->chain_work > best_header_->chain_work)) {
        best_header_ = b;
        window_dirty_ = true;
    }
}

void BlockSync::update_ibd() {
    if (!ibd_ || !tip_) return;
    const arith_uint256 min_work = arith_uint256::from_uint256(deps_.params.consensus.minimum_chain_work);
    if (tip_->chain_work < min_work) return;
    if (int64_t(tip_->header.time) < deps_.clock.unix_now() - deps_.options.max_tip_age) return;
    ibd_ = false;
    log_info("leaving initial block download at height %d", tip_->height);
}

void BlockSync::schedule_downloads_soon() {
    if (schedule_pending_ || deps_.network.stopping()) return;
    schedule_pending_ = true;
    asio::post(deps_.io, [this] {
        schedule_pending_ = false;
        schedule_downloads();
    });
}

// ---- peers ----

void BlockSync::on_peer_ready(const std::shared_ptr<Peer>& peer) {
    maybe_start_sync(*peer);
    schedule_downloads_soon();
}

void BlockSync::on_peer_closed(Peer& peer) {
    for (const uint256& h : peer.blocks_in_flight) in_flight_.erase(h);
    peer.blocks_in_flight.clear();
    if (peer.sync_started) {
        peer.sync_started = false;
        --sync_peers_;
    }
    peer.headers_sync.reset();
    schedule_downloads_soon();
}

void BlockSync::maybe_start_sync(Peer& peer) {
    if (peer.sync_started || !peer.successfully_connected || peer.disconnected() || !can_serve_blocks(peer)) return;
    if (!best_header_) return;
    const bool recent = int64_t(best_header_->header.time) > deps_.clock.unix_now() - kMaxTipAgeForSync;
    const bool claims_more = peer.start_height > best_header_->height;
    if (!(sync_peers_ == 0 || recent || claims_more)) return;
    peer.sync_started = true;
    ++sync_peers_;
    // Start one block back, so that even a peer at our height answers with something.
    const BlockIndex* from = best_header_->prev ? best_header_->prev : best_header_;
    log_debug(LogCategory::NET, "initial getheaders (%d) to peer=%lld (startheight:%d)", from->height,
              (long long)peer.id, peer.start_height);
    send_getheaders(peer, from, true);
}

void BlockSync::send_getheaders(Peer& peer, const BlockIndex* from, bool force) {
    if (!from) return;
    if (!force && peer.getheaders_sent != SteadyTime{} &&
        deps_.clock.steady_now() - peer.getheaders_sent < kGetheadersTimeout)
        return;
    send_getheaders_locator(peer, block_locator(from));
}

void BlockSync::send_getheaders_locator(Peer& peer, std::vector<uint256> locator) {
    GetHeadersMsg m;
    m.version = uint32_t(kProtocolVersion);
    m.locator = std::move(locator);
    if (m.locator.size() > kMaxLocatorEntries) m.locator.resize(kMaxLocatorEntries);
    peer.getheaders_sent = deps_.clock.steady_now();
    peer.send(cmd::GETHEADERS, encode_getheaders(m));
}

// ---- headers ----

asio::awaitable<void> BlockSync::handle_headers(std::shared_ptr<Peer> peer, std::vector<BlockHeader> headers) {
    peer->getheaders_sent = SteadyTime{};
    peer->last_headers_received = deps_.clock.steady_now();
    const bool full = headers.size() == kMaxHeadersResults;
    if (headers.empty()) co_return;

    // Continuity and proof of work, before anything touches the chain state.
    const ConsensusParams& consensus = deps_.params.consensus;
    std::vector<uint256> hashes;
    hashes.reserve(headers.size());
    for (size_t i = 0; i < headers.size(); ++i) {
        hashes.push_back(headers[i].hash());
        if (i > 0 && headers[i].prev_block != hashes[i - 1]) {
            deps_.network.misbehaving(*peer, Misbehavior::NON_CONTINUOUS_HEADERS);
            co_return;
        }
        if (!check_proof_of_work(hashes[i], headers[i].bits, consensus)) {
            deps_.network.misbehaving(*peer, Misbehavior::HEADER_INVALID_POW);
            co_return;
        }
    }

    if (peer->headers_sync) {
        co_await continue_presync(peer, headers, full);
        co_return;
    }

    ChainAccess& chain = deps_.chain;
    struct Known {
        const BlockIndex* prev = nullptr;
        const BlockIndex* last = nullptr;
    };
    const uint256 prev_hash = headers.front().prev_block;
    const uint256 last_hash = hashes.back();
    auto lookup_job = [&chain, prev_hash, last_hash] {
        Known k;
        k.prev = chain.lookup(prev_hash);
        k.last = chain.lookup(last_hash);
        return k;
    };
    const Known known = co_await deps_.query.run(lookup_job);
    if (peer->disconnected()) co_return;

    if (!known.prev) {
        // Does not connect: ask for the headers in between (Core's handling of
        // unconnecting announcements, never punished since Core 28).
        log_debug(LogCategory::NET, "received header %s: missing prev block %s, sending getheaders to peer=%lld",
                  last_hash.to_hex().c_str(), prev_hash.to_hex().c_str(), (long long)peer->id);
        peer->last_unknown_block = last_hash;
        send_getheaders(*peer, best_header_, true);
        co_return;
    }

    if (!known.last) {
        arith_uint256 work = known.prev->chain_work;
        for (const BlockHeader& h : headers) work += block_proof(h.bits);
        const arith_uint256 threshold = anti_dos_work_threshold(tip_, consensus);
        if (work < threshold) {
            if (!full) {
                log_debug(LogCategory::NET, "ignoring low-work chain (height %d) from peer=%lld",
                          known.prev->height + int(headers.size()), (long long)peer->id);
                co_return;
            }
            log_debug(LogCategory::NET, "starting headers presync with peer=%lld from height %d", (long long)peer->id,
                      known.prev->height);
            peer->headers_sync = std::make_unique<HeadersSync>(consensus, known.prev, threshold, deps_.clock.unix_now(),
                                                               deps_.network.random_u64());
            co_await continue_presync(peer, headers, full);
            co_return;
        }
    }

    const BlockIndex* last = co_await accept_headers(peer, std::move(headers));
    if (!last || peer->disconnected()) co_return;
    // A header new to us with more work than our tip: the peer announced a block first
    // (outbound eviction keeps such peers).
    if (!known.last && tip_ && last->chain_work > tip_->chain_work)
        peer->last_block_announcement = deps_.clock.unix_now();
    // A full batch: the peer has more. Otherwise it has nothing more; other peers may
    // (maybe_start_sync runs on every tick).
    if (full) send_getheaders(*peer, last, true);
    else co_await direct_fetch(peer, last);
    schedule_downloads_soon();
}

// Core's HeadersDirectFetchBlocks: with a recent tip, the blocks of an announced chain
// with at least our tip's work (also equal work: a competing branch is kept, and may win
// a later tie-break) are requested from the announcer at once, when there are at most
// kMaxInFlightPerPeer of them (a longer reorg goes through the download window).
bool BlockSync::can_direct_fetch() const {
    const int64_t spacing = deps_.params.consensus.pow_target_spacing;
    return tip_ && int64_t(tip_->header.time) >= deps_.clock.unix_now() - 20 * spacing;
}

std::optional<int64_t> BlockSync::in_flight_from(const uint256& hash) const {
    auto it = in_flight_.find(hash);
    if (it == in_flight_.end()) return std::nullopt;
    return it->second.peer_id;
}

void BlockSync::mark_in_flight(Peer& peer, const BlockIndex* b) {
    if (in_flight_.count(b->hash)) return;
    const SteadyTime now = deps_.clock.steady_now();
    in_flight_[b->hash] = InFlight{peer.id, b, now};
    if (peer.blocks_in_flight.empty()) peer.downloading_since = now;
    peer.blocks_in_flight.push_back(b->hash);
}

std::optional<std::string> BlockSync::fetch_block(Peer& peer, const BlockIndex* b) {
    if (!(peer.services & NODE_WITNESS)) return std::string("Pre-SegWit peer");
    remove_in_flight(b->hash);
    request_block(peer, b, MSG_WITNESS_BLOCK);
    return std::nullopt;
}

void BlockSync::request_block(Peer& peer, const BlockIndex* b, uint32_t inv_type) {
    mark_in_flight(peer, b);
    peer.send(cmd::GETDATA, encode_inv({Inv{inv_type, b->hash}}));
}

asio::awaitable<void> BlockSync::direct_fetch(std::shared_ptr<Peer> peer, const BlockIndex* last) {
    if (!tip_ || !last || last->chain_work < tip_->chain_work || !can_serve_blocks(*peer)) co_return;
    if (!can_direct_fetch()) co_return;
    if (!(peer->services & NODE_WITNESS)) co_return;
    std::vector<const BlockIndex*> candidates;
    for (const BlockIndex* b = last; b && tip_->ancestor(b->height) != b; b = b->prev) {
        if (candidates.size() > kMaxInFlightPerPeer) co_return;  // a large reorg: the window's job
        if (!in_flight_.count(b->hash) && !queued_.count(b->hash) && !have_data_.count(b->hash))
            candidates.push_back(b);
    }
    if (candidates.empty()) co_return;
    ChainAccess& chain = deps_.chain;
    auto missing_job = [&chain, &candidates] {
        std::vector<const BlockIndex*> out;
        for (const BlockIndex* b : candidates)
            if (!chain.placement(b->hash, b->header).have_data) out.push_back(b);
        return out;
    };
    std::vector<const BlockIndex*> missing = co_await deps_.query.run(missing_job);
    if (peer->disconnected() || deps_.network.stopping()) co_return;
    std::reverse(missing.begin(), missing.end());
    const SteadyTime now = deps_.clock.steady_now();
    std::vector<Inv> request;
    for (const BlockIndex* b : missing) {
        if (peer->blocks_in_flight.size() >= kMaxInFlightPerPeer) break;
        if (in_flight_.count(b->hash) || queued_.count(b->hash) || have_data_.count(b->hash)) continue;
        in_flight_[b->hash] = InFlight{peer->id, b, now};
        if (peer->blocks_in_flight.empty()) peer->downloading_since = now;
        peer->blocks_in_flight.push_back(b->hash);
        request.push_back(Inv{MSG_WITNESS_BLOCK, b->hash});
    }
    if (request.empty()) co_return;
    // One block on top of our tip from a peer that speaks BIP152: ask for it as a compact
    // block (Core's low-bandwidth mode).
    if (request.size() == 1 && peer->provides_cmpct && missing.back()->prev == tip_ && !ibd_)
        request[0].type = MSG_CMPCT_BLOCK;
    log_debug(LogCategory::NET, "direct fetch of %zu blocks (up to %d) from peer=%lld", request.size(), last->height,
              (long long)peer->id);
    peer->send(cmd::GETDATA, encode_inv(request));
}

asio::awaitable<void> BlockSync::continue_presync(std::shared_ptr<Peer> peer, const std::vector<BlockHeader>& headers,
                                                  bool full) {
    HeadersSync& hs = *peer->headers_sync;
    HeadersSync::Result r = hs.process(headers, full);
    if (!r.success) {
        log_debug(LogCategory::NET, "headers presync with peer=%lld failed; dropped", (long long)peer->id);
        peer->headers_sync.reset();
        co_return;
    }
    if (hs.phase() == HeadersSync::Phase::PRESYNC && deps_.clock.steady_now() - last_headers_log_ > kProgressInterval) {
        last_headers_log_ = deps_.clock.steady_now();
        log_info("Pre-synchronizing blockheaders, height: %" PRId64 " (peer=%lld)", hs.presync_height(),
                 (long long)peer->id);
    }
    const BlockIndex* last = nullptr;
    if (!r.ready.empty()) {
        last = co_await accept_headers(peer, std::move(r.ready));
        if (peer->disconnected() || !peer->headers_sync) co_return;
    }
    if (r.request_more) {
        send_getheaders_locator(*peer, peer->headers_sync->locator());
    } else if (peer->headers_sync->phase() == HeadersSync::Phase::FINAL) {
        peer->headers_sync.reset();
        if (last) send_getheaders(*peer, last, true);
    }
    if (last) schedule_downloads_soon();
}

asio::awaitable<const BlockIndex*> BlockSync::accept_headers(std::shared_ptr<Peer> peer,
                                                             std::vector<BlockHeader> headers, bool via_compact) {
    struct HeadersOutcome {
        const BlockIndex* last = nullptr;
        bool failed = false;
        ValidationResult result = ValidationResult::VALID;
        std::string reason;
    };
    ChainAccess& chain = deps_.chain;
    auto accept_job = [&chain, &headers] {
        HeadersOutcome out;
        for (const BlockHeader& h : headers) {
            ValidationState state;
            const BlockIndex* b = nullptr;
            if (!chain.process_header(h, state, &b)) {
                out.failed = true;
                out.result = state.result();
                out.reason = state.to_string();
                break;
            }
            out.last = b;
        }
        return out;
    };
    const HeadersOutcome o = co_await deps_.query.run(accept_job);
    if (o.last) {
        update_peer_best(*peer, o.last);
        update_best_header(o.last);
        log_headers_progress(o.last);
    }
    if (o.failed) {
        if (block_rejection_punishable(o.result, cached_invalid(o.reason), via_compact, peer->inbound())) {
            deps_.network.misbehaving(*peer, Misbehavior::INVALID_HEADER, o.reason);
        } else {
            log_debug(LogCategory::NET, "header from peer=%lld not accepted: %s", (long long)peer->id,
                      o.reason.c_str());
        }
    }
    co_return o.last;
}

void BlockSync::log_headers_progress(const BlockIndex* last) {
    if (!last || last != best_header_) return;
    const int64_t now = deps_.clock.unix_now();
    if (int64_t(last->header.time) > now - 60 * 60) return;  // close to the present: nothing to report
    if (deps_.clock.steady_now() - last_headers_log_ < kProgressInterval) return;
    last_headers_log_ = deps_.clock.steady_now();
    const int64_t spacing = deps_.params.consensus.pow_target_spacing;
    const double expected = last->height + double(now - int64_t(last->header.time)) / double(spacing);
    log_info("Synchronizing blockheaders, height: %d (~%.2f%%)", last->height,
             100.0 * last->height / std::max(1.0, expected));
}

asio::awaitable<void> BlockSync::handle_block_inv(std::shared_ptr<Peer> peer, uint256 hash) {
    ChainAccess& chain = deps_.chain;
    auto lookup_job = [&chain, hash] { return chain.lookup(hash); };
    const BlockIndex* b = co_await deps_.query.run(lookup_job);
    if (peer->disconnected()) co_return;
    if (b) {
        update_peer_best(*peer, b);
        schedule_downloads_soon();
        co_return;
    }
    // Headers-first: ask for the headers leading to the announced block.
    peer->last_unknown_block = hash;
    send_getheaders(*peer, best_header_);
}

asio::awaitable<void> BlockSync::handle_getheaders(std::shared_ptr<Peer> peer, GetHeadersMsg msg, bool getblocks) {
    struct Answer {
        std::vector<BlockHeader> headers;
        std::vector<uint256> hashes;
        const BlockIndex* last = nullptr;
    };
    ChainAccess& chain = deps_.chain;
    const size_t limit = getblocks ? 500 : kMaxHeadersResults;
    auto answer_job = [&chain, &msg, limit, getblocks] {
        Answer out;
        for (const BlockIndex* b : chain.blocks_after_locator(msg.locator, msg.stop, limit, !getblocks)) {
            out.headers.push_back(b->header);
            out.hashes.push_back(b->hash);
            out.last = b;
        }
        return out;
    };
    Answer a = co_await deps_.query.run(answer_job);
    if (peer->disconnected()) co_return;
    if (getblocks) {
        std::vector<Inv> inv;
        for (const uint256& h : a.hashes) inv.push_back(Inv{MSG_BLOCK, h});
        if (!inv.empty()) peer->send(cmd::INV, encode_inv(inv));
        co_return;
    }
    peer->send(cmd::HEADERS, encode_headers(a.headers));
    if (a.last && (!peer->best_header_sent || a.last->chain_work > peer->best_header_sent->chain_work))
        peer->best_header_sent = a.last;
}

asio::awaitable<bool> BlockSync::serve_block(std::shared_ptr<Peer> peer, Inv inv) {
    co_await peer->wait_send_below(Peer::kSendSoftLimit);
    if (peer->disconnected()) co_return true;
    ChainAccess& chain = deps_.chain;
    const bool witness = (inv.type & MSG_WITNESS_FLAG) != 0;
    const uint256 hash = inv.hash;
    // A pruned node (NODE_NETWORK_LIMITED without NODE_NETWORK) serves only recent blocks:
    // a peer asking for one deeper than 288 + 2 (room for a race) is disconnected so it
    // does not wait for it, unless it has noban (Core; the depth also hides our prune height).
    const uint64_t ours = deps_.options.local_services;
    if ((ours & NODE_NETWORK_LIMITED) && !(ours & NODE_NETWORK) && !peer->has_permission(PF_NOBAN)) {
        const BlockIndex* b = chain.lookup(hash);
        const BlockIndex* tip = chain.tip();
        if (b && tip && tip->height - b->height > kNetworkLimitedBlocks + 2) {
            log_debug(LogCategory::NET,
                      "Ignore block request below NODE_NETWORK_LIMITED threshold, disconnecting peer=%lld",
                      (long long)peer->id);
            peer->disconnect("block request below the NODE_NETWORK_LIMITED threshold");
            co_return true;
        }
    }
    auto read_job = [&chain, hash, witness] { return chain.read_block_for_peer(hash, witness); };
    std::optional<Bytes> data = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return true;
    if (!data) co_return false;
    peer->send(cmd::BLOCK, *data);
    co_return true;
}

void BlockSync::handle_notfound_block(Peer& peer, const uint256& hash) {
    auto it = in_flight_.find(hash);
    if (it != in_flight_.end() && it->second.peer_id == peer.id) {
        remove_in_flight(hash);
        schedule_downloads_soon();
    }
}

// ---- blocks ----

void BlockSync::remove_in_flight(const uint256& hash) {
    auto it = in_flight_.find(hash);
    if (it == in_flight_.end()) return;
    if (auto peer = deps_.network.find_peer(it->second.peer_id)) {
        auto& q = peer->blocks_in_flight;
        q.erase(std::remove(q.begin(), q.end(), hash), q.end());
        if (q.empty()) peer->stalling_since.reset();
    }
    in_flight_.erase(it);
}

asio::awaitable<void> BlockSync::handle_block(std::shared_ptr<Peer> peer, Bytes payload, bool via_compact) {
    if (payload.size() < kBlockHeaderSize) {
        log_debug(LogCategory::NET, "block message of %zu bytes from peer=%lld dropped", payload.size(),
                  (long long)peer->id);
        co_return;
    }
    const uint256 hash = sha256d(ByteView(payload.data(), kBlockHeaderSize));
    bool requested = false;
    auto it = in_flight_.find(hash);
    if (it != in_flight_.end()) {
        requested = true;
        if (it->second.peer_id == peer->id) {
            peer->stalling_since.reset();
            peer->downloading_since = deps_.clock.steady_now();
            if (stall_timeout_ > kDefaultStallTimeout)
                stall_timeout_ = std::max(kDefaultStallTimeout,
                                          std::chrono::duration_cast<std::chrono::milliseconds>(stall_timeout_ * 0.85));
        }
        remove_in_flight(hash);
    }
    if (queued_.count(hash) || have_data_.count(hash)) co_return;  // already have it
    queued_.insert(hash);
    block_source_[hash] = {peer->id, !via_compact};
    block_source_order_.push_back(hash);
    while (block_source_order_.size() > kMaxBlockSources) {
        block_source_.erase(block_source_order_.front());
        block_source_order_.pop_front();
    }

    // Wait for room in the validation queue (this stops reading from the peer).
    const size_t size = payload.size();
    while (queued_bytes_ > 0 && (queued_bytes_ + size > kMaxQueuedBytes || queued_.size() > kMaxQueuedBlocks) &&
           !peer->disconnected() && !deps_.network.stopping()) {
        ++queue_waiters_;
        boost::system::error_code ec;
        auto signal = queue_signal_;
        co_await signal->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        --queue_waiters_;
    }
    if (deps_.network.stopping()) {
        queued_.erase(hash);
        co_return;
    }
    queued_bytes_ += size;
    const int64_t peer_id = peer->id;
    const bool posted =
        deps_.validation.post(Job([this, hash, peer_id, requested, via_compact, bytes = std::move(payload)]() mutable {
            Validated v = validate(hash, bytes, peer_id, requested, via_compact);
            bytes = Bytes();
            asio::post(deps_.io, [this, v = std::move(v)]() mutable { validated(std::move(v)); });
        }));
    if (!posted) {
        queued_bytes_ -= size;
        queued_.erase(hash);
    }
}

// Runs on the validation worker.
BlockSync::Validated BlockSync::validate(const uint256& hash, const Bytes& bytes, int64_t peer_id, bool requested,
                                         bool via_compact) {
    Validated v;
    v.via_compact = via_compact;
    v.hash = hash;
    v.peer_id = peer_id;
    v.size = bytes.size();
    v.outcome = Outcome::STORED;
    std::string error;
    const std::optional<Block> block = Block::decode(bytes, &error);
    if (!block) {
        v.outcome = Outcome::MALFORMED;
        v.reason = error;
        return v;
    }
    ChainAccess& chain = deps_.chain;
    try {
        if (!requested) {
            // Unrequested blocks are processed only if they could become our tip (Core's
            // rule), so nobody can fill our disk with cheap side branches.
            const BlockPlacement p = chain.placement(hash, block->header);
            if (p.known_invalid) {
                // A block already found invalid, sent again: Core's BLOCK_CACHED_INVALID
                // (AcceptBlockHeader answers it before any "do we want it" check), so the
                // sender is judged as for a cached invalid block (outbound peers only).
                v.outcome = Outcome::INVALID;
                v.result = ValidationResult::CONSENSUS;
                v.reason = "duplicate-invalid";
                v.culprit = hash;
                return v;
            }
            const bool wanted = p.parent_known && p.tip && !p.have_data && p.chain_work >= p.tip->chain_work &&
                                p.height <= p.tip->height + kNetworkLimitedBlocks;
            if (!wanted) {
                v.outcome = Outcome::IGNORED;
                return v;
            }
        }
        // Core's NewPoWValidBlock: a new block on our tip that passes the context-free
        // checks goes to high-bandwidth compact block peers before full validation.
        if (compact_ && !ibd_) {
            const BlockIndex* self = chain.lookup(hash);
            const BlockIndex* tip = chain.tip();
            ValidationState pre;
            if (self && tip && self->prev == tip && !chain.placement(hash, block->header).have_data &&
                check_block(*block, deps_.params.consensus, pre)) {
                auto shared = std::make_shared<const Block>(*block);
                CompactRelay* relay = compact_;
                asio::post(deps_.io, [relay, shared, self, peer_id, this] {
                    if (!deps_.network.stopping()) relay->on_new_pow_valid_block(shared, self, peer_id);
                });
            }
        }
        ValidationState state;
        bool is_new = false;
        const bool ok = chain.process_block(*block, state, &is_new);
        if (ok) {
            v.outcome = is_new ? Outcome::STORED : Outcome::KNOWN;
            if (const BlockIndex* b = chain.lookup(hash)) v.height = b->height;
            return v;
        }
        v.outcome = Outcome::INVALID;
        v.result = state.result();
        v.reason = state.to_string();
        // Which block broke a rule: this one, a stored ancestor it made us connect, or
        // (when neither is marked) a block on another branch: then nobody is blamed.
        v.culprit = chain.invalid_culprit(hash);
    } catch (const StorageError& e) {
        v.outcome = Outcome::FATAL;
        v.reason = e.what();
    } catch (const std::exception& e) {
        v.outcome = Outcome::FATAL;
        v.reason = e.what();
    }
    return v;
}

void BlockSync::validated(Validated v) {
    queued_.erase(v.hash);
    queued_bytes_ -= std::min(queued_bytes_, v.size);
    queue_signal_->cancel();
    std::shared_ptr<Peer> peer = deps_.network.find_peer(v.peer_id);
    switch (v.outcome) {
    case Outcome::FATAL: deps_.network.report_fatal("block " + v.hash.to_hex() + ": " + v.reason); return;
    case Outcome::STORED:
    case Outcome::KNOWN:
        if (peer && v.outcome == Outcome::STORED) peer->last_block_time = deps_.clock.unix_now();
        // The block is valid and nothing else is being downloaded: its sender becomes a
        // high-bandwidth compact block peer (Core's MaybeSetPeerAsAnnouncingHeaderAndIDs).
        if (peer && compact_ && v.outcome == Outcome::STORED && !ibd_ && in_flight_.empty()) compact_->promote(*peer);
        if (tip_ && v.height > tip_->height) {
            have_data_[v.hash] = v.height;
            window_dirty_ = true;
        }
        break;
    case Outcome::IGNORED:
        log_debug(LogCategory::NET, "unrequested block %s from peer=%lld ignored", v.hash.to_hex().c_str(),
                  (long long)v.peer_id);
        break;
    case Outcome::MALFORMED:
        // As Core, a block that does not decode (e.g. a non-canonical "bloated"
        // encoding) is dropped without punishing the peer: its header hash says nothing
        // about the block, and the canonical copy is still accepted.
        if (peer)
            deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "block " + v.hash.to_hex() + ": " + v.reason);
        else
            log_debug(LogCategory::NET, "block %s from peer=%lld does not decode (%s); dropped",
                      v.hash.to_hex().c_str(), (long long)v.peer_id, v.reason.c_str());
        break;
    case Outcome::INVALID: {
        log_info("invalid block %s from peer=%lld: %s", v.hash.to_hex().c_str(), (long long)v.peer_id,
                 v.reason.c_str());
        // Core's MaybePunishNodeForBlock, for whoever sent the block that broke the rule:
        // this one, or a stored ancestor it made us connect (nobody when neither is marked).
        if (!v.culprit.is_null()) {
            std::shared_ptr<Peer> source;
            bool via_compact = v.via_compact;
            if (v.culprit == v.hash) {
                source = peer;
            } else if (auto it = block_source_.find(v.culprit); it != block_source_.end()) {
                source = deps_.network.find_peer(it->second.first);
                via_compact = !it->second.second;
            }
            if (source &&
                block_rejection_punishable(v.result, cached_invalid(v.reason), via_compact, source->inbound()))
                deps_.network.misbehaving(*source, Misbehavior::INVALID_BLOCK, v.reason);
            else if (source)
                log_debug(LogCategory::NET, "peer=%lld: invalid block %s not punished: %s", (long long)source->id,
                          v.culprit.to_hex().c_str(), via_compact ? "came as a compact block" : v.reason.c_str());
        }
        if (!recompute_pending_) {
            recompute_pending_ = true;
            asio::co_spawn(deps_.io, recompute_best_header_async(), asio::detached);
        }
        break;
    }
    }
    schedule_downloads_soon();
}

void BlockSync::refresh_window() {
    window_dirty_ = false;
    window_.clear();
    if (!tip_ || !best_header_ || best_header_->chain_work <= tip_->chain_work) return;
    const BlockIndex* fork = last_common_ancestor(tip_, best_header_);
    if (!fork) return;
    const int end = std::min(best_header_->height, fork->height + kDownloadWindow);
    const BlockIndex* b = best_header_->ancestor(end);
    for (; b && b != fork; b = b->prev) window_.push_back(b);
    std::reverse(window_.begin(), window_.end());
}

void BlockSync::schedule_downloads() {
    if (deps_.network.stopping() || !tip_) return;
    if (deps_.chain.loading_blocks()) {  // resumed by tick() once the files are read
        downloads_paused_ = true;
        return;
    }
    if (window_dirty_) refresh_window();
    if (window_.empty()) return;
    const int window_end = window_.back()->height;
    const int segwit_height = deps_.params.consensus.segwit_height;
    const SteadyTime now = deps_.clock.steady_now();
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (!peer.successfully_connected || peer.disconnected() || !can_serve_blocks(peer) || !peer.best_known)
            continue;
        if (peer.blocks_in_flight.size() >= kMaxInFlightPerPeer) continue;
        const bool limited = !(peer.services & NODE_NETWORK);
        std::vector<Inv> request;
        std::optional<int64_t> waiting_for;
        for (const BlockIndex* b : window_) {
            if (have_data_.count(b->hash) || queued_.count(b->hash)) continue;
            auto f = in_flight_.find(b->hash);
            if (f != in_flight_.end()) {
                if (!waiting_for) waiting_for = f->second.peer_id;
                continue;
            }
            if (b->height > peer.best_known->height) break;
            if (!peer_has(peer, b)) continue;
            if (limited && b->height <= peer.best_known->height - kNetworkLimitedBlocks) continue;
            if (!(peer.services & NODE_WITNESS) && b->height >= segwit_height) continue;
            in_flight_[b->hash] = InFlight{peer.id, b, now};
            if (peer.blocks_in_flight.empty()) peer.downloading_since = now;
            peer.blocks_in_flight.push_back(b->hash);
            request.push_back(Inv{MSG_WITNESS_BLOCK, b->hash});
            if (peer.blocks_in_flight.size() >= kMaxInFlightPerPeer) break;
        }
        if (!request.empty()) {
            log_debug(LogCategory::NET, "requesting %zu blocks (%d..) from peer=%lld", request.size(),
                      in_flight_[request.front().hash].block->height, (long long)peer.id);
            peer.send(cmd::GETDATA, encode_inv(request));
            continue;
        }
        // Nothing to fetch although the peer could give us blocks beyond the window:
        // whoever holds the window's first missing block is stalling everyone.
        if (peer.blocks_in_flight.empty() && waiting_for && *waiting_for != peer.id &&
            peer.best_known->height > window_end && queue_waiters_ == 0) {
            if (auto staller = deps_.network.find_peer(*waiting_for); staller && !staller->stalling_since) {
                staller->stalling_since = now;
                log_debug(LogCategory::NET, "stall started peer=%lld", (long long)staller->id);
            }
        }
    }
}

void BlockSync::on_block_connected(const BlockIndex* block) {
    tip_ = block;
    have_data_.erase(block->hash);
    update_best_header(block);
    window_dirty_ = true;
    const bool was_ibd = ibd_;
    update_ibd();
    if (!was_ibd) { log_info("UpdateTip: new best=%s height=%d", block->hash.to_hex().c_str(), block->height); }
    const SteadyTime now = deps_.clock.steady_now();
    if (rate_samples_.empty() || now - rate_samples_.back().first >= 250ms)
        rate_samples_.emplace_back(now, block->height);
    if (!announce_pending_ && !ibd_) {
        announce_pending_ = true;
        asio::post(deps_.io, [this] {
            announce_pending_ = false;
            if (!deps_.network.stopping()) announce_tip();
        });
    }
    schedule_downloads_soon();
}

void BlockSync::on_block_disconnected(const BlockIndex* block) {
    if (block->prev) tip_ = block->prev;
    window_dirty_ = true;
    schedule_downloads_soon();
}

void BlockSync::announce_tip() {
    if (!tip_ || tip_ == last_announced_) return;
    // The new blocks since the last announcement (at most 8 of them, else just the tip).
    std::vector<const BlockIndex*> blocks;
    for (const BlockIndex* b = tip_; b && blocks.size() <= kMaxBlocksToAnnounce; b = b->prev) {
        if (last_announced_ && b == last_announced_) break;
        blocks.push_back(b);
    }
    std::reverse(blocks.begin(), blocks.end());
    last_announced_ = tip_;
    const SteadyTime now = deps_.clock.steady_now();
    std::vector<std::shared_ptr<Peer>> compact_peers;
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (!peer.successfully_connected || peer.disconnected()) continue;
        if (peer_has(peer, tip_)) continue;
        if (peer.best_header_sent && peer.best_header_sent->ancestor(tip_->height) == tip_) continue;
        // High-bandwidth compact block peers that have the parent get a cmpctblock.
        const bool has_parent =
            tip_->prev && (peer_has(peer, tip_->prev) ||
                           (peer.best_header_sent && peer.best_header_sent->height >= tip_->prev->height &&
                            peer.best_header_sent->ancestor(tip_->prev->height) == tip_->prev));
        if (compact_ && !ibd_ && peer.hb_from && peer.provides_cmpct && blocks.size() == 1 && has_parent) {
            compact_peers.push_back(p);
            peer.best_header_sent = tip_;
            peer.last_tip_announce = now;
            continue;
        }
        bool sent = false;
        if (!ibd_ && peer.prefer_headers && blocks.size() <= kMaxBlocksToAnnounce) {
            std::vector<BlockHeader> headers;
            const BlockIndex* first_prev = nullptr;
            for (const BlockIndex* b : blocks) {
                if (peer_has(peer, b)) continue;
                if (headers.empty()) first_prev = b->prev;
                headers.push_back(b->header);
            }
            const bool connects =
                first_prev && (peer_has(peer, first_prev) ||
                               (peer.best_header_sent && peer.best_header_sent->height >= first_prev->height &&
                                peer.best_header_sent->ancestor(first_prev->height) == first_prev));
            if (!headers.empty() && connects) {
                peer.send(cmd::HEADERS, encode_headers(headers));
                peer.best_header_sent = tip_;
                sent = true;
            }
        }
        // An inv does not give the peer the headers (it asks for them with getheaders): the
        // next announcement must not assume it has them, or it would not connect (as Core,
        // which moves pindexBestHeaderSent only when it sends headers).
        if (!sent) peer.send(cmd::INV, encode_inv({Inv{MSG_BLOCK, tip_->hash}}));
        peer.last_tip_announce = now;
    }
    if (!compact_peers.empty()) compact_->announce(tip_, compact_peers);
}

std::vector<int> BlockSync::in_flight_heights(const Peer& peer) const {
    std::vector<int> out;
    for (const uint256& h : peer.blocks_in_flight) {
        auto it = in_flight_.find(h);
        if (it != in_flight_.end()) out.push_back(it->second.block->height);
    }
    return out;
}

void BlockSync::tick() {
    if (deps_.network.stopping()) return;
    const SteadyTime now = deps_.clock.steady_now();
    update_ibd();
    if (downloads_paused_ && !deps_.chain.loading_blocks()) {
        downloads_paused_ = false;
        schedule_downloads_soon();
    }

    // Stalling and download timeouts; suspended while our own validation queue is the
    // bottleneck (a peer waiting for queue space cannot deliver).
    int downloading = 0;
    for (const auto& [id, p] : deps_.network.peers())
        if (!p->blocks_in_flight.empty()) ++downloading;
    const int64_t spacing = deps_.params.consensus.pow_target_spacing;
    std::vector<std::shared_ptr<Peer>> to_drop;
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (peer.disconnected()) continue;
        if (queue_waiters_ > 0) {
            peer.stalling_since.reset();
            if (!peer.blocks_in_flight.empty()) peer.downloading_since = now;
            continue;
        }
        if (peer.stalling_since && now - *peer.stalling_since > stall_timeout_) {
            log_info("peer=%lld is stalling block download (%lld ms), disconnecting", (long long)peer.id,
                     (long long)stall_timeout_.count());
            stall_timeout_ = std::min<std::chrono::milliseconds>(stall_timeout_ * 2, kMaxStallTimeout);
            to_drop.push_back(p);
            continue;
        }
        if (!peer.blocks_in_flight.empty()) {
            const double factor = 1.0 + 0.5 * std::max(0, downloading - 1);
            const auto limit = std::chrono::milliseconds(int64_t(double(spacing) * 1000.0 * factor));
            if (now - peer.downloading_since > limit) {
                log_info("timeout downloading block from peer=%lld, disconnecting", (long long)peer.id);
                to_drop.push_back(p);
                continue;
            }
        }
        // An unanswered getheaders: a sync peer that does not answer is replaced.
        if (peer.getheaders_sent != SteadyTime{} && now - peer.getheaders_sent > kGetheadersTimeout) {
            peer.getheaders_sent = SteadyTime{};
            if (peer.sync_started && ibd_) {
                peer.sync_started = false;
                --sync_peers_;
                if (!peer.manual()) {
                    log_info("timeout waiting for headers from peer=%lld, disconnecting", (long long)peer.id);
                    to_drop.push_back(p);
                    continue;
                }
            }
        }
    }
    for (auto& p : to_drop) p->disconnect("block sync timeout");

    for (const auto& [id, p] : deps_.network.peers()) maybe_start_sync(*p);

    // During initial download, tell peers about our progress at most once a second.
    if (ibd_ && tip_ != last_announced_) announce_tip();

    if (have_data_.size() > 2 * size_t(kDownloadWindow) && tip_) {
        for (auto it = have_data_.begin(); it != have_data_.end();)
            it = it->second <= tip_->height ? have_data_.erase(it) : std::next(it);
    }
    log_progress(false);
    schedule_downloads();
}

void BlockSync::log_progress(bool force) {
    if (!tip_) return;
    const SteadyTime now = deps_.clock.steady_now();
    while (!rate_samples_.empty() && now - rate_samples_.front().first > 60s) rate_samples_.pop_front();
    if (!force && (now - last_progress_log_ < kProgressInterval || tip_->height == last_logged_height_)) return;
    const int best = best_header_ ? std::max(best_header_->height, tip_->height) : tip_->height;
    if (!ibd_ && best - tip_->height <= 1) {
        last_logged_height_ = tip_->height;
        return;
    }
    double rate = 0;
    if (rate_samples_.size() >= 2) {
        const double secs =
            std::chrono::duration<double>(rate_samples_.back().first - rate_samples_.front().first).count();
        if (secs > 0) rate = double(rate_samples_.back().second - rate_samples_.front().second) / secs;
    }
    const int remaining = best - tip_->height;
    log_info("Synchronizing blocks: height %d of %d (%.2f%%), %.1f blocks/s, ETA %s, %zu in flight, %zu queued",
             tip_->height, best, 100.0 * tip_->height / std::max(1, best), rate,
             remaining <= 0 ? "0s"
             : rate > 0     ? format_duration(remaining / rate).c_str()
                            : "unknown",
             in_flight_.size(), queued_.size());
    last_progress_log_ = now;
    last_logged_height_ = tip_->height;
}

}  // namespace minicash::net
