#include "net/outbound_eviction.h"

#include <limits>
#include <map>

#include "net/peer.h"
#include "net/peer_network.h"
#include "net/sync.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

bool chain_sync_candidate(const Peer& p) {
    return p.type == ConnType::OUTBOUND_FULL_RELAY || p.type == ConnType::BLOCK_RELAY;
}

}  // namespace

OutboundEviction::OutboundEviction(const PeerLogicDeps& deps, BlockSync& sync) : deps_(deps), sync_(sync) {}

void OutboundEviction::on_tip_changed() { last_tip_update_ = deps_.clock.unix_now(); }

void OutboundEviction::on_peer_closed(const Peer& peer) {
    auto it = state_.find(peer.id);
    if (it == state_.end()) return;
    if (it->second.protect) --protected_count_;
    state_.erase(it);
}

bool OutboundEviction::is_protected(const Peer& peer) const {
    auto it = state_.find(peer.id);
    return it != state_.end() && it->second.protect;
}

void OutboundEviction::tick() {
    const int64_t now = deps_.clock.unix_now();
    if (last_tip_update_ == 0) last_tip_update_ = now;
    const BlockIndex* tip = sync_.tip();
    if (!tip || deps_.network.stopping()) return;
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (peer.disconnected() || !peer.successfully_connected || !chain_sync_candidate(peer)) continue;
        ChainSync& st = state_[id];
        // A full-relay peer that had our tip's work is kept for good (at most 4 of them).
        if (peer.type == ConnType::OUTBOUND_FULL_RELAY && !st.protect && peer.best_known &&
            protected_count_ < kMaxProtectedOutbound && peer.best_known->chain_work >= tip->chain_work) {
            log_debug(LogCategory::NET, "Protecting outbound peer=%lld from eviction", (long long)id);
            st.protect = true;
            ++protected_count_;
        }
        consider_eviction(peer, st, now);
    }
    if (now >= next_extra_peer_check_) {
        next_extra_peer_check_ = now + kExtraPeerCheckInterval;
        evict_extra_outbound_peers(now);
        check_for_stale_tip(now);
    }
}

void OutboundEviction::consider_eviction(Peer& peer, ChainSync& st, int64_t now) {
    if (st.protect || !peer.sync_started) return;
    const BlockIndex* tip = sync_.tip();
    const BlockIndex* best = peer.best_known;
    if (best && best->chain_work >= tip->chain_work) {
        // It has (at least) our tip's work: nothing to wait for.
        if (st.timeout != 0) st = ChainSync{0, nullptr, false, false};
    } else if (st.timeout == 0 || (st.work_header && best && best->chain_work >= st.work_header->chain_work)) {
        // Behind our tip, noticed now (or it caught up with the tip we timed it against,
        // but we moved on): it has CHAIN_SYNC_TIMEOUT to reach our present tip.
        st.timeout = now + kChainSyncTimeout;
        st.work_header = tip;
        st.sent_getheaders = false;
    } else if (now > st.timeout) {
        if (st.sent_getheaders) {
            log_info("Disconnecting outbound peer %lld for old chain, best known block = %s", (long long)peer.id,
                     best ? best->hash.to_hex().c_str() : "<none>");
            peer.disconnect("outbound peer on an old chain");
        } else {
            // A last chance: ask for headers from just below the tip it must reach.
            sync_.request_headers(peer, st.work_header->prev ? st.work_header->prev : st.work_header);
            log_debug(LogCategory::NET,
                      "sending getheaders to outbound peer=%lld to verify chain work (current best known block: %s, "
                      "benchmark blockhash: %s)",
                      (long long)peer.id, best ? best->hash.to_hex().c_str() : "<none>",
                      st.work_header->hash.to_hex().c_str());
            st.sent_getheaders = true;
            st.timeout = now + kHeadersResponseTime;
        }
    }
}

void OutboundEviction::evict_extra_outbound_peers(int64_t now) {
    PeerNetwork& net = deps_.network;
    if (net.extra_block_relay_count() > 0) {
        // The youngest block-relay-only peer is the extra one, unless it gave us a block
        // more recently than the next youngest (then that one goes).
        std::pair<int64_t, int64_t> youngest{-1, 0}, next_youngest{-1, 0};  // (id, last block time)
        for (const auto& [id, p] : net.peers()) {
            if (!p->block_relay_only() || p->disconnected()) continue;
            if (id > youngest.first) {
                next_youngest = youngest;
                youngest = {id, p->last_block_time};
            }
        }
        const int64_t victim = youngest.second > next_youngest.second ? next_youngest.first : youngest.first;
        if (auto p = net.find_peer(victim)) {
            if (now - p->connected_time >= kMinimumConnectTime && p->blocks_in_flight.empty()) {
                log_debug(LogCategory::NET,
                          "disconnecting extra block-relay-only peer=%lld (last block received at time %lld)",
                          (long long)p->id, (long long)p->last_block_time);
                p->disconnect("extra block-relay-only peer");
            } else {
                log_debug(
                    LogCategory::NET,
                    "keeping block-relay-only peer=%lld chosen for eviction (connect time: %lld, blocks_in_flight: "
                    "%zu)",
                    (long long)p->id, (long long)p->connected_time, p->blocks_in_flight.size());
            }
        }
    }

    if (net.extra_full_outbound_count() > 0) {
        // Full-relay and manual connections per network: the only one of its network is kept.
        std::map<NetType, int> per_network;
        for (const auto& [id, p] : net.peers())
            if (p->type == ConnType::OUTBOUND_FULL_RELAY || p->manual()) ++per_network[p->addr.addr.network()];
        int64_t worst = -1;
        int64_t oldest_announcement = std::numeric_limits<int64_t>::max();
        for (const auto& [id, p] : net.peers()) {
            if (p->type != ConnType::OUTBOUND_FULL_RELAY || p->disconnected()) continue;
            if (is_protected(*p)) continue;
            if (per_network[p->addr.addr.network()] <= 1) continue;
            if (p->last_block_announcement < oldest_announcement ||
                (p->last_block_announcement == oldest_announcement && id > worst)) {
                worst = id;
                oldest_announcement = p->last_block_announcement;
            }
        }
        if (auto p = net.find_peer(worst)) {
            if (now - p->connected_time > kMinimumConnectTime && p->blocks_in_flight.empty()) {
                log_debug(LogCategory::NET,
                          "disconnecting extra outbound peer=%lld (last block announcement received at time %lld)",
                          (long long)p->id, (long long)oldest_announcement);
                p->disconnect("extra outbound peer");
                // We found a better peer since the stale tip: no more extra peers until the next one.
                net.set_try_new_outbound_peer(false);
            } else {
                log_debug(LogCategory::NET,
                          "keeping outbound peer=%lld chosen for eviction (connect time: %lld, blocks_in_flight: %zu)",
                          (long long)p->id, (long long)p->connected_time, p->blocks_in_flight.size());
            }
        }
    }
}

bool OutboundEviction::tip_may_be_stale(int64_t now) {
    const int64_t spacing = deps_.params.consensus.pow_target_spacing;
    return last_tip_update_ < now - spacing * 3 && sync_.blocks_in_flight() == 0;
}

void OutboundEviction::check_for_stale_tip(int64_t now) {
    PeerNetwork& net = deps_.network;
    if (now > stale_tip_check_time_) {
        if (net.automatic_outbound() && tip_may_be_stale(now)) {
            log_info(
                "Potential stale tip detected, will try using extra outbound peer (last tip update: %lld seconds ago)",
                (long long)(now - last_tip_update_));
            net.set_try_new_outbound_peer(true);
        } else if (net.try_new_outbound_peer()) {
            net.set_try_new_outbound_peer(false);
        }
        stale_tip_check_time_ = now + kStaleCheckInterval;
    }
    const int64_t spacing = deps_.params.consensus.pow_target_spacing;
    if (!initial_sync_finished_ && int64_t(sync_.tip()->header.time) > now - spacing * 20) {
        net.start_extra_block_relay_peers();
        initial_sync_finished_ = true;
    }
}

}  // namespace minicash::net
