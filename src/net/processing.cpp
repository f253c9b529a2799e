#include "net/processing.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "net/addrman.h"
#include "net/block_filter_serving.h"
#include "net/clock.h"
#include "net/compact_relay.h"
#include "net/job_runner.h"
#include "net/net_permissions.h"
#include "net/peer_network.h"
#include "net/sync.h"
#include "net/txpool.h"
#include "util/hash.h"
#include "util/logging.h"

// GCC 12 reports asio's coroutine-frame operator delete as "mismatched" with its
// operator new for large coroutines such as process_message (a false positive: both
// are asio's awaitable_frame_base allocation functions).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace minicash::net {

namespace {

using namespace std::chrono_literals;

constexpr int64_t kMaxMoney = int64_t(21000000) * 100000000;
constexpr auto kPingInterval = 2min;
constexpr double kAddrRatePerSecond = 0.1;  // MAX_ADDR_RATE_PER_SECOND
constexpr double kMaxAddrTokens = 1000;     // MAX_ADDR_PROCESSING_TOKEN_BUCKET
constexpr auto kAddrSendInterval = 30s;     // AVG_ADDRESS_BROADCAST_INTERVAL
constexpr auto kInboundInvInterval = 5s;    // INBOUND_INVENTORY_BROADCAST_INTERVAL
constexpr auto kOutboundInvInterval = 2s;   // OUTBOUND_INVENTORY_BROADCAST_INTERVAL
constexpr auto kFeeFilterInterval = 60s;
constexpr size_t kMaxTxDataBatchBytes = 1 << 20;
constexpr int64_t kUnconditionalRelayDelay = 2 * 60;  // UNCONDITIONAL_RELAY_DELAY, seconds

uint256 address_key(const Service& s) { return sha256(s.key()); }

std::string sanitize(const std::string& in) { return sanitize_command(in); }

}  // namespace

PeerManager::PeerManager(const PeerLogicDeps& deps, BlockSync& sync, CompactRelay& compact)
    : deps_(deps), sync_(sync), compact_(compact), filters_(deps) {}

bool PeerManager::is_our_nonce(uint64_t nonce) const {
    for (const auto& [id, n] : our_nonces_)
        if (n == nonce) return true;
    return false;
}

void PeerManager::malformed(Peer& peer, const std::string& command, const std::string& error) {
    // A list above its limit is what Core punishes (or disconnects for: a long locator);
    // bytes that do not decode are only dropped (Core: an exception, caught and logged).
    const bool inventory = command == cmd::INV || command == cmd::GETDATA;
    if (inventory && error == kErrTooManyInventory)
        return deps_.network.misbehaving(peer, Misbehavior::TOO_MANY_INVENTORY, command + " message");
    if (error == kErrTooManyAddresses)
        return deps_.network.misbehaving(peer, Misbehavior::TOO_MANY_ADDRESSES, command + " message");
    if (error == kErrTooManyHeaders)
        return deps_.network.misbehaving(peer, Misbehavior::TOO_MANY_HEADERS, command + " message");
    if (error == kErrLocatorTooLong)
        return deps_.network.misbehaving(peer, Misbehavior::LOCATOR_TOO_LONG, command + " message");
    deps_.network.misbehaving(peer, Misbehavior::UNDECODABLE, command + " message: " + error);
}

void PeerManager::send_version(Peer& peer) {
    VersionMsg m;
    m.version = kProtocolVersion;
    m.services = deps_.options.local_services;
    m.time = deps_.clock.unix_now();
    m.addr_recv.services = peer.services;
    m.addr_recv.service = peer.addr;
    m.addr_from.services = deps_.options.local_services;
    m.nonce = deps_.network.random_u64() | 1;
    m.user_agent = deps_.options.user_agent;
    m.start_height = sync_.tip() ? sync_.tip()->height : 0;
    m.relay = !rejects_incoming_txs(peer);  // block-relay-only, -blocksonly: relay=0
    peer.local_nonce = m.nonce;
    if (!peer.inbound()) our_nonces_[peer.id] = m.nonce;
    peer.version_sent = true;
    peer.send(cmd::VERSION, encode_version(m));
}

bool PeerManager::rejects_incoming_txs(const Peer& peer) const {
    return !peer.relays_txs_with_us() || (deps_.options.blocks_only && !peer.has_permission(PF_RELAY));
}

void PeerManager::on_peer_closed(Peer& peer) {
    for (const auto& [h, t] : peer.tx_in_flight) {
        auto it = tx_requested_.find(h);
        if (it != tx_requested_.end() && it->second.first == peer.id) tx_requested_.erase(it);
    }
    our_nonces_.erase(peer.id);
    for (auto& [wtxid, info] : orphans_) info.announcers.erase(peer.id);
    compact_.on_peer_closed(peer);
}

asio::awaitable<void> PeerManager::process_message(std::shared_ptr<Peer> peer, Message msg) {
    const std::string& c = msg.command;
    const ByteView payload(msg.payload);
    if (c == cmd::VERSION) {
        handle_version(*peer, payload);
        co_return;
    }
    if (!peer->version_received) {
        deps_.network.misbehaving(*peer, Misbehavior::BEFORE_VERSION, "'" + sanitize(c) + "'");
        co_return;
    }
    if (c == cmd::VERACK) {
        handle_verack(peer);
        co_return;
    }
    if (c == cmd::WTXIDRELAY) {
        if (peer->verack_received) deps_.network.misbehaving(*peer, Misbehavior::FEATURE_AFTER_VERACK, c);
        else if (peer->version >= kWtxidRelayVersion) peer->wtxid_relay = true;
        co_return;
    }
    if (c == cmd::SENDADDRV2) {
        if (peer->verack_received) deps_.network.misbehaving(*peer, Misbehavior::FEATURE_AFTER_VERACK, c);
        else peer->wants_addrv2 = true;
        co_return;
    }
    std::string error;
    // Preferences a peer may state before its verack too (Core handles both ahead of
    // its "prior to verack" check).
    if (c == cmd::SENDHEADERS) {
        peer->prefer_headers = true;
        co_return;
    }
    if (c == cmd::SENDCMPCT) {
        auto m = decode_sendcmpct(payload, &error);
        if (!m) co_return malformed(*peer, c, error);
        compact_.handle_sendcmpct(*peer, *m);
        co_return;
    }
    if (!peer->successfully_connected) {
        deps_.network.misbehaving(*peer, Misbehavior::BEFORE_VERACK, "'" + sanitize(c) + "'");
        co_return;
    }
    if (c == cmd::PING) {
        if (peer->version > kBip31Version || !payload.empty()) {
            auto nonce = decode_ping(payload, &error);
            if (!nonce) co_return malformed(*peer, c, error);
            peer->send(cmd::PONG, encode_u64(*nonce));
        }
    } else if (c == cmd::PONG) {
        auto nonce = decode_ping(payload, &error);
        if (!nonce) {
            peer->ping_nonce = 0;  // a short pong cancels the ping (Core)
            co_return malformed(*peer, c, error);
        }
        if (peer->ping_nonce != 0 && *nonce == peer->ping_nonce) {
            const double secs = std::chrono::duration<double>(deps_.clock.steady_now() - peer->ping_start).count();
            peer->last_ping_seconds = secs;
            if (peer->min_ping_seconds < 0 || secs < peer->min_ping_seconds) peer->min_ping_seconds = secs;
            peer->ping_nonce = 0;
        }
    } else if (c == cmd::CMPCTBLOCK) {
        co_await compact_.handle_cmpctblock(peer, payload);
    } else if (c == cmd::GETBLOCKTXN) {
        co_await compact_.handle_getblocktxn(peer, payload);
    } else if (c == cmd::BLOCKTXN) {
        co_await compact_.handle_blocktxn(peer, payload);
    } else if (c == cmd::GETCFILTERS || c == cmd::GETCFHEADERS || c == cmd::GETCFCHECKPT) {
        co_await filters_.handle(peer, c, payload);
    } else if (c == cmd::FEEFILTER) {
        auto fee = decode_feefilter(payload, &error);
        if (!fee) co_return malformed(*peer, c, error);
        if (*fee >= 0 && *fee <= kMaxMoney) peer->fee_filter = *fee;
        else deps_.network.misbehaving(*peer, Misbehavior::BAD_FEEFILTER, std::to_string(*fee));
    } else if ((c == cmd::ADDR || c == cmd::ADDRV2 || c == cmd::GETADDR) && !peer->relays_addrs_with_us()) {
        log_debug(LogCategory::NET, "ignoring %s message from %s peer=%lld", c.c_str(), conn_type_name(peer->type),
                  (long long)peer->id);
    } else if (c == cmd::ADDR || c == cmd::ADDRV2) {
        handle_addr(*peer, payload, c == cmd::ADDRV2);
    } else if (c == cmd::GETADDR) {
        handle_getaddr(*peer);
    } else if (c == cmd::MEMPOOL) {
        handle_mempool(*peer);
    } else if (c == cmd::INV) {
        co_await handle_inv(peer, payload);
    } else if (c == cmd::GETDATA) {
        auto items = decode_inv(payload, &error);
        if (!items) co_return malformed(*peer, c, error);
        co_await handle_getdata(peer, std::move(*items));
    } else if (c == cmd::NOTFOUND) {
        handle_notfound(*peer, payload);
    } else if (c == cmd::GETHEADERS || c == cmd::GETBLOCKS) {
        auto m = decode_getheaders(payload, &error);
        if (!m) co_return malformed(*peer, c, error);
        co_await sync_.handle_getheaders(peer, std::move(*m), c == cmd::GETBLOCKS);
    } else if (c == cmd::HEADERS) {
        auto headers = decode_headers(payload, &error);
        if (!headers) co_return malformed(*peer, c, error);
        co_await sync_.handle_headers(peer, std::move(*headers));
    } else if (c == cmd::BLOCK) {
        co_await sync_.handle_block(peer, std::move(msg.payload));
    } else if (c == cmd::TX) {
        co_await handle_tx(peer, std::move(msg.payload));
    } else {
        // reject (obsolete) and anything unknown: ignored.
        deps_.network.misbehaving(*peer, Misbehavior::UNKNOWN_COMMAND,
                                  "'" + sanitize(c) + "', " + std::to_string(payload.size()) + " bytes");
    }
}

void PeerManager::handle_version(Peer& peer, ByteView payload) {
    if (peer.version_received) {
        deps_.network.misbehaving(peer, Misbehavior::DUPLICATE_VERSION);
        return;
    }
    std::string error;
    auto v = decode_version(payload, &error);
    if (!v) return malformed(peer, cmd::VERSION, error);
    if (v->version < kMinPeerProtocolVersion) {
        log_debug(LogCategory::NET, "peer=%lld uses obsolete version %d; disconnecting", (long long)peer.id,
                  v->version);
        peer.disconnect("obsolete protocol version");
        return;
    }
    if (peer.inbound() && v->nonce != 0 && is_our_nonce(v->nonce)) {
        log_info("connected to self at %s, disconnecting", peer.addr.to_string().c_str());
        peer.disconnect("connected to self");
        return;
    }
    peer.version = v->version;
    peer.services = v->services;
    peer.user_agent = sanitize(v->user_agent);
    peer.start_height = v->start_height;
    // Block-relay-only and feeler connections never relay transactions (Core sets up no
    // transaction relay for them, whatever their version says).
    peer.relay_txs = v->relay && peer.relays_txs_with_us() && peer.type != ConnType::FEELER;
    peer.time_offset = v->time - deps_.clock.unix_now();
    peer.addr_as_seen = v->addr_recv.service;
    if (peer.expects_services()) {
        const bool blocks = (v->services & (NODE_NETWORK | NODE_NETWORK_LIMITED)) != 0;
        if (!blocks || !(v->services & NODE_WITNESS)) {
            log_debug(LogCategory::NET, "peer=%lld does not offer the expected services (%08llx); disconnecting",
                      (long long)peer.id, (unsigned long long)v->services);
            peer.disconnect("does not offer the expected services");
            return;
        }
    }
    peer.version_received = true;
    if (peer.inbound()) send_version(peer);
    if (v->version >= kWtxidRelayVersion) peer.send(cmd::WTXIDRELAY, Bytes{});
    peer.send(cmd::SENDADDRV2, Bytes{});
    peer.send(cmd::VERACK, Bytes{});
    if (peer.type == ConnType::FEELER) {
        // Feelers only check that the address answers: record it, and leave.
        const bool allow_local = deps_.options.allow_local_addresses;
        deps_.network.addrman().add(peer.addr, peer.services, deps_.clock.unix_now(), peer.addr.addr, 0, allow_local);
        deps_.network.addrman().good(peer.addr);
        deps_.network.addrman().set_services(peer.addr, peer.services);
        log_debug(LogCategory::NET, "feeler connection completed peer=%lld; disconnecting", (long long)peer.id);
        peer.disconnect("feeler connection completed");
    }
}

void PeerManager::handle_verack(const std::shared_ptr<Peer>& p) {
    Peer& peer = *p;
    if (peer.verack_received) {
        deps_.network.misbehaving(peer, Misbehavior::DUPLICATE_VERACK);
        return;
    }
    peer.verack_received = true;
    peer.successfully_connected = true;
    log_info("New %s peer connected: version: %d, blocks=%d, peer=%lld (%s)", conn_type_name(peer.type), peer.version,
             peer.start_height, (long long)peer.id, peer.addr.to_string().c_str());
    const bool allow_local = deps_.options.allow_local_addresses;
    if (!peer.inbound() && peer.type != ConnType::ADDR_FETCH) {
        deps_.network.addrman().add(peer.addr, peer.services, deps_.clock.unix_now(), peer.addr.addr, 0, allow_local);
        deps_.network.addrman().good(peer.addr);
        deps_.network.addrman().set_services(peer.addr, peer.services);
    }
    if (peer.version >= kSendHeadersVersion) peer.send(cmd::SENDHEADERS, Bytes{});
    compact_.on_verack(peer);
    // Block-relay-only peers: no addresses either way (nothing reveals these links).
    if (!peer.inbound() && !peer.getaddr_sent && peer.relays_addrs_with_us()) {
        peer.send(cmd::GETADDR, Bytes{});
        peer.getaddr_sent = true;
        peer.addr_tokens += kMaxAddrTokens;
    }
    // Advertise our address (an -externalip one, or how this peer sees us).
    if (!peer.inbound() && peer.relays_addrs_with_us()) {
        if (auto ours = deps_.network.local_address_for(peer))
            push_address(peer, AddrEntry{uint32_t(deps_.clock.unix_now()), deps_.options.local_services, *ours});
    }
    peer.next_fee_filter_send = deps_.clock.steady_now();
    send_ping(peer);
    sync_.on_peer_ready(p);
}

void PeerManager::send_ping(Peer& peer) {
    uint64_t nonce = 0;
    while (nonce == 0) nonce = deps_.network.random_u64();
    peer.ping_nonce = nonce;
    peer.ping_start = deps_.clock.steady_now();
    peer.next_ping = peer.ping_start + kPingInterval;
    if (peer.version > kBip31Version) peer.send(cmd::PING, encode_u64(nonce));
    else {
        peer.send(cmd::PING, Bytes{});
        peer.ping_nonce = 0;
    }
}

// ---- addresses ----

void PeerManager::push_address(Peer& peer, const AddrEntry& entry) {
    if (!entry.service) return;
    const uint256 key = address_key(*entry.service);
    if (peer.known_addresses.contains(key)) return;
    peer.known_addresses.insert(key);
    if (peer.addr_to_send.size() >= Peer::kMaxAddrToSend) {
        peer.addr_to_send[size_t(deps_.network.random_u64() % peer.addr_to_send.size())] = entry;
    } else {
        peer.addr_to_send.push_back(entry);
    }
}

void PeerManager::relay_address(const AddrEntry& entry, int64_t from_peer) {
    std::vector<Peer*> candidates;
    for (const auto& [id, p] : deps_.network.peers()) {
        if (id == from_peer || !p->successfully_connected || p->disconnected() || p->type == ConnType::ADDR_FETCH ||
            !p->relays_addrs_with_us())
            continue;
        candidates.push_back(p.get());
    }
    for (int i = 0; i < 2 && !candidates.empty(); ++i) {
        const size_t j = size_t(deps_.network.random_u64() % candidates.size());
        push_address(*candidates[j], entry);
        candidates.erase(candidates.begin() + long(j));
    }
}

void PeerManager::handle_addr(Peer& peer, ByteView payload, bool v2) {
    std::string error;
    auto entries = decode_addr(payload, v2, &error);
    if (!entries) return malformed(peer, v2 ? cmd::ADDRV2 : cmd::ADDR, error);
    const SteadyTime now_s = deps_.clock.steady_now();
    const double elapsed = std::chrono::duration<double>(now_s - peer.addr_tokens_time).count();
    peer.addr_tokens = std::min(kMaxAddrTokens, peer.addr_tokens + elapsed * kAddrRatePerSecond);
    peer.addr_tokens_time = now_s;
    const int64_t now = deps_.clock.unix_now();
    const bool allow_local = deps_.options.allow_local_addresses;
    size_t rate_limited = 0, added = 0;
    const bool rate_limit = !peer.has_permission(PF_ADDR);  // the addr permission: unlimited
    for (AddrEntry& e : *entries) {
        if (rate_limit && peer.addr_tokens < 1.0) {
            ++rate_limited;
            continue;
        }
        if (rate_limit) peer.addr_tokens -= 1.0;
        ++peer.addr_processed;
        if (!e.service) continue;
        peer.known_addresses.insert(address_key(*e.service));
        if (e.time <= 100000000 || int64_t(e.time) > now + 10 * 60) e.time = uint32_t(now - 5 * 24 * 60 * 60);
        const bool reachable = e.service->addr.is_routable() || (allow_local && e.service->addr.is_loopback());
        if (!reachable) continue;
        if (entries->size() <= 10 && int64_t(e.time) > now - 10 * 60 && !peer.getaddr_sent) relay_address(e, peer.id);
        if (deps_.network.addrman().add(*e.service, e.services, e.time, peer.addr.addr, 2 * 60 * 60, allow_local))
            ++added;
    }
    peer.addr_rate_limited += rate_limited;
    if (rate_limited)
        log_debug(LogCategory::NET, "rate-limited %zu addresses from peer=%lld", rate_limited, (long long)peer.id);
    log_debug(LogCategory::NET, "received %zu addresses (%zu new) from peer=%lld", entries->size(), added,
              (long long)peer.id);
    if (entries->size() < kMaxAddrEntries) peer.getaddr_sent = false;
    if (peer.type == ConnType::ADDR_FETCH) peer.disconnect("addr-fetch connection done");
}

void PeerManager::handle_getaddr(Peer& peer) {
    // Only inbound peers may ask, once per connection (answering outbound ones would let
    // them fingerprint us).
    if (!peer.inbound() || peer.getaddr_served) return;
    peer.getaddr_served = true;
    // From a cached answer (Core's m_addr_response_caches), one per local address and
    // network, kept 21 to 27 hours: repeated getaddr cannot map the address manager.
    const SteadyTime now = deps_.clock.steady_now();
    Bytes cache_key = peer.local_addr.key();
    cache_key.push_back(peer.addr.addr.is_ipv4() ? 1 : 2);
    AddrCache& cache = addr_caches_[cache_key];
    if (now >= cache.expires) {
        cache.entries.clear();
        for (const AddrInfo& a : deps_.network.addrman().get_addresses(kMaxAddrEntries, 23))
            cache.entries.push_back(AddrEntry{uint32_t(a.time), a.services, a.service});
        const auto jitter = std::chrono::seconds(deps_.network.random_u64() % (6 * 60 * 60));
        cache.expires = now + std::chrono::hours(21) + jitter;
    }
    for (const AddrEntry& e : cache.entries) push_address(peer, e);
    peer.next_addr_send = deps_.clock.steady_now();
}

void PeerManager::handle_mempool(Peer& peer) {
    // BIP35: only for peers with the mempool permission (we offer no bloom filters).
    if (!peer.has_permission(PF_MEMPOOL)) {
        if (!peer.has_permission(PF_NOBAN)) deps_.network.misbehaving(peer, Misbehavior::MEMPOOL_NOT_SERVED);
        else log_debug(LogCategory::NET, "ignoring mempool request from noban peer=%lld", (long long)peer.id);
        return;
    }
    if (peer.relay_txs) peer.send_mempool = true;
}

asio::awaitable<void> PeerManager::send_mempool_inv(std::shared_ptr<Peer> peer) {
    TxPool* pool = deps_.txpool;
    auto list_job = [pool] { return pool->entries(); };
    const std::vector<MempoolEntryInfo> entries = co_await deps_.query.run(list_job);
    if (peer->disconnected()) co_return;
    peer->last_mempool_request = deps_.clock.unix_now();
    std::vector<Inv> inv;
    for (const MempoolEntryInfo& e : entries) {
        const uint256& h = peer->wtxid_relay ? e.wtxid : e.txid;
        peer->tx_to_announce_set.erase(h);
        // Not what the peer would not accept (its fee filter).
        if (e.vsize && int64_t(e.fee) * 1000 < peer->fee_filter * int64_t(e.vsize)) continue;
        peer->known_inventory.insert(h);
        inv.push_back(Inv{peer->wtxid_relay ? uint32_t(MSG_WTX) : uint32_t(MSG_TX), h});
        if (inv.size() == kMaxInvEntries) {
            peer->send(cmd::INV, encode_inv(inv));
            inv.clear();
        }
    }
    if (!inv.empty()) peer->send(cmd::INV, encode_inv(inv));
}

void PeerManager::flush_addresses(Peer& peer) {
    if (peer.addr_to_send.empty() || deps_.clock.steady_now() < peer.next_addr_send) return;
    std::vector<AddrEntry> out;
    out.swap(peer.addr_to_send);
    if (out.size() > kMaxAddrEntries) out.resize(kMaxAddrEntries);
    peer.send(peer.wants_addrv2 ? cmd::ADDRV2 : cmd::ADDR, encode_addr(out, peer.wants_addrv2));
    peer.next_addr_send = deps_.clock.steady_now() + kAddrSendInterval;
}

// ---- inventory and transactions ----

asio::awaitable<void> PeerManager::handle_inv(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto items = decode_inv(payload, &error);
    if (!items) co_return malformed(*peer, cmd::INV, error);
    std::optional<uint256> last_block;
    std::vector<std::pair<uint256, bool>> txs;
    const bool want_txs = deps_.txpool && !sync_.ibd();
    for (const Inv& inv : *items) {
        if (inv.type == MSG_BLOCK || inv.type == MSG_WITNESS_BLOCK) {
            last_block = inv.hash;
        } else if (inv.type == MSG_TX || inv.type == MSG_WTX) {
            peer->known_inventory.insert(inv.hash);
            if (rejects_incoming_txs(*peer)) {
                deps_.network.misbehaving(*peer, Misbehavior::TX_RELAY_NOT_AGREED, "inv " + inv.hash.to_hex());
                co_return;
            }
            const bool is_wtx = inv.type == MSG_WTX;
            if (!want_txs || is_wtx != peer->wtxid_relay) continue;
            if (recently_rejected_.contains(inv.hash) || recently_rejected_reconsiderable_.contains(inv.hash) ||
                peer->tx_in_flight.count(inv.hash))
                continue;
            if (auto o = orphans_.find(inv.hash); o != orphans_.end()) {
                // Already held as an orphan: this peer may have its parents too.
                o->second.announcers.insert(peer->id);
                request_orphan_parents(o->second);
                continue;
            }
            if (peer->tx_to_request.size() + txs.size() >= Peer::kMaxTxToRequest && !peer->has_permission(PF_RELAY))
                continue;
            txs.emplace_back(inv.hash, is_wtx);
        }
    }
    if (last_block) {
        co_await sync_.handle_block_inv(peer, *last_block);
        if (peer->disconnected()) co_return;
    }
    if (txs.empty()) co_return;
    TxPool* pool = deps_.txpool;
    auto filter_job = [pool, &txs] {
        std::vector<std::pair<uint256, bool>> out;
        for (const auto& [h, wtx] : txs)
            if (!(wtx ? pool->contains_wtxid(h) : pool->contains(h)) && !pool->orphan(h, wtx)) out.emplace_back(h, wtx);
        return out;
    };
    std::vector<std::pair<uint256, bool>> unknown = co_await deps_.query.run(filter_job);
    if (peer->disconnected()) co_return;
    for (auto& t : unknown) peer->tx_to_request.push_back(t);
    request_txs(*peer);
}

void PeerManager::request_txs(Peer& peer) {
    std::vector<Inv> request;
    // Announcements requested from another peer meanwhile: kept, and asked for here once
    // that request has timed out (or its peer has gone) without the transaction.
    std::vector<std::pair<uint256, bool>> asked_elsewhere;
    const SteadyTime now = deps_.clock.steady_now();
    while (!peer.tx_to_request.empty() && peer.tx_in_flight.size() < Peer::kMaxTxInFlight) {
        auto [h, wtx] = peer.tx_to_request.front();
        peer.tx_to_request.pop_front();
        if (recently_received_.contains(h) || recently_rejected_.contains(h)) continue;
        auto it = tx_requested_.find(h);
        if (it != tx_requested_.end() && it->second.first == peer.id) continue;  // already asked it
        if (it != tx_requested_.end() && now - it->second.second < kTxRequestTimeout) {
            asked_elsewhere.emplace_back(h, wtx);
            continue;
        }
        if (tx_requested_.size() >= kMaxTxRequestsTracked) break;
        tx_requested_[h] = {peer.id, now};
        peer.tx_in_flight[h] = now;
        request.push_back(Inv{wtx ? uint32_t(MSG_WTX) : uint32_t(MSG_WITNESS_TX), h});
    }
    peer.tx_to_request.insert(peer.tx_to_request.begin(), asked_elsewhere.begin(), asked_elsewhere.end());
    if (!request.empty()) peer.send(cmd::GETDATA, encode_inv(request));
}

asio::awaitable<void> PeerManager::handle_getdata(std::shared_ptr<Peer> peer, std::vector<Inv> items) {
    std::vector<Inv> notfound;
    TxPool* pool = deps_.txpool;
    size_t i = 0;
    while (i < items.size() && !peer->disconnected() && !deps_.network.stopping()) {
        const Inv inv = items[i];
        if (inv.type == MSG_BLOCK || inv.type == MSG_WITNESS_BLOCK) {
            co_await sync_.serve_block(peer, inv);
            ++i;
            continue;
        }
        if (inv.type == MSG_CMPCT_BLOCK) {
            co_await compact_.serve(peer, inv.hash);
            ++i;
            continue;
        }
        if (inv.type != MSG_TX && inv.type != MSG_WTX && inv.type != MSG_WITNESS_TX) {
            ++i;  // filtered blocks and unknown types: not served
            continue;
        }
        if (!peer->relays_txs_with_us()) {
            ++i;  // block-relay-only peers get no transactions (not even a notfound)
            continue;
        }
        // A run of transaction requests, answered in batches of about a megabyte.
        std::vector<Inv> batch;
        while (i < items.size() && batch.size() < 1000 &&
               (items[i].type == MSG_TX || items[i].type == MSG_WTX || items[i].type == MSG_WITNESS_TX))
            batch.push_back(items[i++]);
        size_t done = 0;
        while (done < batch.size() && !peer->disconnected()) {
            co_await peer->wait_send_below(Peer::kSendSoftLimit);
            if (peer->disconnected()) co_return;
            std::vector<Inv> part(batch.begin() + long(done), batch.end());
            // Core's FindTxForGetData: only what we announced to this peer, or what has
            // been in the mempool for longer than UNCONDITIONAL_RELAY_DELAY, so that a
            // peer cannot learn about a transaction before we announced it.
            std::vector<bool> announced(part.size());
            for (size_t k = 0; k < part.size(); ++k) announced[k] = peer->recently_announced.contains(part[k].hash);
            const int64_t old_enough = deps_.clock.unix_now() - kUnconditionalRelayDelay;
            auto lookup_job = [pool, &part, &announced, old_enough] {
                std::vector<std::optional<Bytes>> out;
                size_t bytes = 0;
                for (size_t k = 0; k < part.size(); ++k) {
                    const Inv& x = part[k];
                    if (bytes > kMaxTxDataBatchBytes) break;
                    std::shared_ptr<const Transaction> tx;
                    if (pool) tx = x.type == MSG_WTX ? pool->get_by_wtxid(x.hash) : pool->get(x.hash);
                    if (tx && !announced[k]) {
                        const std::optional<int64_t> since = pool->entry_time(tx->txid());
                        if (!since || *since > old_enough) tx.reset();
                    }
                    if (tx) {
                        out.emplace_back(tx->serialize(x.type != MSG_TX));
                        bytes += out.back()->size();
                    } else {
                        out.emplace_back(std::nullopt);
                    }
                }
                return out;
            };
            std::vector<std::optional<Bytes>> found = co_await deps_.query.run(lookup_job);
            if (peer->disconnected()) co_return;
            for (size_t k = 0; k < found.size(); ++k) {
                if (found[k]) {
                    peer->send(cmd::TX, *found[k]);
                    forget_unbroadcast(part[k].hash, part[k].type == MSG_WTX);
                } else {
                    notfound.push_back(part[k]);
                }
            }
            done += std::max<size_t>(found.size(), 1);
        }
    }
    if (!notfound.empty() && !peer->disconnected()) {
        if (notfound.size() > kMaxInvEntries) notfound.resize(kMaxInvEntries);
        peer->send(cmd::NOTFOUND, encode_inv(notfound));
    }
}

void PeerManager::handle_notfound(Peer& peer, ByteView payload) {
    std::string error;
    auto items = decode_inv(payload, &error);
    if (!items) {
        // Core ignores a notfound above its limit rather than punishing it.
        if (error == kErrTooManyInventory)
            log_debug(LogCategory::NET, "ignoring notfound with too many entries from peer=%lld", (long long)peer.id);
        else malformed(peer, cmd::NOTFOUND, error);
        return;
    }
    for (const Inv& inv : *items) {
        if (inv.type == MSG_BLOCK || inv.type == MSG_WITNESS_BLOCK) {
            sync_.handle_notfound_block(peer, inv.hash);
        } else if (peer.tx_in_flight.erase(inv.hash)) {
            auto it = tx_requested_.find(inv.hash);
            if (it != tx_requested_.end() && it->second.first == peer.id) tx_requested_.erase(it);
        }
    }
}

asio::awaitable<void> PeerManager::handle_tx(std::shared_ptr<Peer> peer, Bytes payload) {
    TxPool* pool = deps_.txpool;
    if (rejects_incoming_txs(*peer)) {
        deps_.network.misbehaving(*peer, Misbehavior::TX_RELAY_NOT_AGREED, "tx");
        co_return;
    }
    if (!pool || sync_.ibd()) {  // Core ignores transactions during initial download
        log_debug(LogCategory::NET, "ignoring tx from peer=%lld: %s", (long long)peer->id,
                  pool ? "in initial block download" : "no mempool");
        co_return;
    }
    struct Outcome {
        bool malformed = false;
        std::string error;
        uint256 txid, wtxid;
        std::shared_ptr<const Transaction> tx;  // the decoded transaction
        AcceptResult result;
        std::optional<int64_t> force_relay_rate;  // forcerelay: the fee rate of the pool's copy
        // For compact block reconstruction: the transactions this one replaced.
        std::vector<std::shared_ptr<const Transaction>> replaced;
    };
    const bool force_relay = peer->has_permission(PF_FORCERELAY);
    auto accept_job = [pool, &payload, force_relay] {
        Outcome out;
        auto tx = Transaction::decode(payload, &out.error);
        if (!tx) {
            out.malformed = true;
            return out;
        }
        out.tx = std::make_shared<const Transaction>(std::move(*tx));
        out.txid = out.tx->txid();
        out.wtxid = out.tx->wtxid();
        std::vector<std::shared_ptr<const Transaction>> conflicts = pool->conflicts(*out.tx);
        out.result = pool->accept(*out.tx);
        if (out.result.accepted) {
            for (auto& c : conflicts)
                if (std::find(out.result.replaced.begin(), out.result.replaced.end(), c->txid()) !=
                    out.result.replaced.end())
                    out.replaced.push_back(std::move(c));
        }
        if (force_relay && out.result.already_known) {
            if (auto e = pool->entry(out.txid); e && e->vsize)
                out.force_relay_rate = int64_t(e->fee) * 1000 / int64_t(e->vsize);
        }
        return out;
    };
    Outcome o = co_await deps_.query.run(accept_job);
    if (o.malformed) co_return malformed(*peer, cmd::TX, o.error);
    for (const uint256& h : {o.txid, o.wtxid}) {
        peer->known_inventory.insert(h);
        peer->tx_in_flight.erase(h);
        auto it = tx_requested_.find(h);
        if (it != tx_requested_.end()) tx_requested_.erase(it);
    }
    if (o.result.accepted || o.result.already_known) {
        recently_received_.insert(o.txid);
        recently_received_.insert(o.wtxid);
    }
    if (o.force_relay_rate) {
        // forcerelay: announce it again, so that the peer behind us gets it out (Core).
        log_info("Force relaying tx %s (wtxid=%s) from peer=%lld", o.txid.to_hex().c_str(), o.wtxid.to_hex().c_str(),
                 (long long)peer->id);
        queue_announcement(o.txid, o.wtxid, *o.force_relay_rate);
    }
    // Rejected (or orphaned) and replaced transactions may still be in the next block.
    if (o.tx && !o.result.accepted && !o.result.already_known) compact_.add_extra(o.tx);
    for (auto& r : o.replaced) compact_.add_extra(r);
    if (o.result.accepted) {
        peer->last_tx_time = deps_.clock.unix_now();
        log_debug(LogCategory::MEMPOOL, "accepted %s from peer=%lld", o.txid.to_hex().c_str(), (long long)peer->id);
    } else if (!o.result.already_known) {
        log_debug(LogCategory::MEMPOOL, "rejected %s from peer=%lld: %s", o.txid.to_hex().c_str(), (long long)peer->id,
                  o.result.state.to_string().c_str());
        if (!o.result.missing_inputs.empty()) {
            // An orphan: fetch its parents from everyone who announced it, unless one of them
            // was refused outright (then the orphan cannot be valid either).
            const bool bad_parent = std::any_of(o.result.missing_inputs.begin(), o.result.missing_inputs.end(),
                                                [&](const uint256& p) { return recently_rejected_.contains(p); });
            if (bad_parent) {
                recently_rejected_.insert(o.wtxid);
                recently_rejected_.insert(o.txid);
            } else {
                track_orphan(o.wtxid, o.txid, o.result.missing_inputs, peer->id);
                // Every peer that announced it is a candidate for its parents too; it is not
                // requested from them again.
                for (const auto& [id, other] : deps_.network.peers()) {
                    if (id == peer->id) continue;
                    const size_t before = other->tx_to_request.size();
                    std::erase_if(other->tx_to_request,
                                  [&](const auto& e) { return e.first == o.wtxid || e.first == o.txid; });
                    if (other->tx_to_request.size() != before || other->tx_in_flight.count(o.wtxid) ||
                        other->tx_in_flight.count(o.txid))
                        track_orphan(o.wtxid, o.txid, {}, id);
                }
                if (auto it = orphans_.find(o.wtxid); it != orphans_.end()) request_orphan_parents(it->second);
            }
        } else if (o.result.reject == TxReject::RECONSIDERABLE) {
            recently_rejected_reconsiderable_.insert(o.wtxid);
            co_await try_one_parent_one_child(peer, o.tx);
            if (peer->disconnected()) co_return;
        } else {
            recently_rejected_.insert(o.wtxid);
            recently_rejected_.insert(o.txid);
        }
    }
    request_txs(*peer);
}

void PeerManager::track_orphan(const uint256& wtxid, const uint256& txid, std::vector<uint256> parents, int64_t peer) {
    auto [it, fresh] = orphans_.try_emplace(wtxid);
    if (fresh) {
        it->second.txid = txid;
        it->second.parents = std::move(parents);
        orphan_order_.push_back(wtxid);
        while (orphan_order_.size() > kMaxOrphansTracked) {
            orphans_.erase(orphan_order_.front());
            orphan_order_.pop_front();
        }
    }
    if (auto again = orphans_.find(wtxid); again != orphans_.end()) again->second.announcers.insert(peer);
}

void PeerManager::request_orphan_parents(const OrphanInfo& orphan) {
    const auto& peers = deps_.network.peers();
    for (int64_t id : orphan.announcers) {
        auto p = peers.find(id);
        if (p == peers.end() || p->second->disconnected()) continue;
        Peer& peer = *p->second;
        // Parents are known by txid only: asked for as MSG_WITNESS_TX (Core does the same).
        for (const uint256& parent : orphan.parents) {
            if (recently_received_.contains(parent) || peer.tx_in_flight.count(parent)) continue;
            if (std::find(peer.tx_to_request.begin(), peer.tx_to_request.end(), std::make_pair(parent, false)) !=
                peer.tx_to_request.end())
                continue;
            if (peer.tx_to_request.size() >= Peer::kMaxTxToRequest) break;
            peer.tx_to_request.emplace_front(parent, false);
        }
        request_txs(peer);
    }
}

asio::awaitable<void> PeerManager::try_one_parent_one_child(std::shared_ptr<Peer> peer,
                                                            std::shared_ptr<const Transaction> parent) {
    TxPool* pool = deps_.txpool;
    const uint256 parent_txid = parent->txid(), parent_wtxid = parent->wtxid();
    auto children_job = [pool, parent_txid] { return pool->orphan_children(parent_txid); };
    const std::vector<std::shared_ptr<const Transaction>> children = co_await deps_.query.run(children_job);
    if (peer->disconnected()) co_return;
    // The first orphan child this peer gave us, not refused, not tried with this parent.
    std::shared_ptr<const Transaction> child;
    uint256 package_hash;
    for (const auto& c : children) {
        const uint256 w = c->wtxid();
        auto info = orphans_.find(w);
        if (info == orphans_.end() || !info->second.announcers.count(peer->id)) continue;
        if (recently_rejected_.contains(w)) continue;
        Bytes both;
        const uint256 lo = std::min(parent_wtxid, w), hi = std::max(parent_wtxid, w);
        both.insert(both.end(), lo.begin(), lo.end());
        both.insert(both.end(), hi.begin(), hi.end());
        const uint256 h = sha256(both);
        if (rejected_packages_.contains(h)) continue;
        child = c;
        package_hash = h;
        break;
    }
    if (!child) co_return;
    std::vector<Transaction> package{*parent, *child};
    auto package_job = [pool, &package] { return pool->accept_package(package); };
    const PackageResult result = co_await deps_.query.run(package_job);
    const uint256 child_wtxid = child->wtxid();
    if (result.package_msg.empty()) {
        for (const Transaction& t : package) {
            recently_received_.insert(t.txid());
            recently_received_.insert(t.wtxid());
        }
        orphans_.erase(child_wtxid);
        peer->last_tx_time = deps_.clock.unix_now();
        log_debug(LogCategory::MEMPOOL, "accepted package %s + %s from peer=%lld", parent_txid.to_hex().c_str(),
                  child->txid().to_hex().c_str(), (long long)peer->id);
        co_return;
    }
    rejected_packages_.insert(package_hash);
    log_debug(LogCategory::MEMPOOL, "rejected package %s + %s from peer=%lld: %s", parent_txid.to_hex().c_str(),
              child->txid().to_hex().c_str(), (long long)peer->id, result.package_msg.c_str());
    // A child refused for a reason no package can fix is not tried again.
    if (auto it = result.results.find(child_wtxid); it != result.results.end()) {
        const AcceptResult& r = it->second;
        if (!r.accepted && !r.already_known && r.reject != TxReject::RECONSIDERABLE &&
            r.reject != TxReject::MISSING_INPUTS) {
            recently_rejected_.insert(child_wtxid);
            recently_rejected_.insert(child->txid());
            orphans_.erase(child_wtxid);
        }
    }
}

void PeerManager::on_transaction_added(const uint256& txid, const uint256& wtxid, int64_t fee_rate) {
    recently_received_.insert(txid);
    recently_received_.insert(wtxid);
    orphans_.erase(wtxid);  // an orphan whose parents came (the order deque forgets it later)
    if (unbroadcast_.size() < kMaxUnbroadcast) {
        unbroadcast_[wtxid] = Unbroadcast{txid, wtxid, fee_rate, deps_.clock.steady_now()};
        unbroadcast_wtxid_[txid] = wtxid;
    }
    queue_announcement(txid, wtxid, fee_rate);
}

void PeerManager::forget_unbroadcast(const uint256& hash, bool is_wtxid) {
    uint256 wtxid = hash;
    if (!is_wtxid) {
        auto it = unbroadcast_wtxid_.find(hash);
        if (it == unbroadcast_wtxid_.end()) return;
        wtxid = it->second;
    }
    auto it = unbroadcast_.find(wtxid);
    if (it == unbroadcast_.end()) return;
    unbroadcast_wtxid_.erase(it->second.txid);
    unbroadcast_.erase(it);
}

void PeerManager::queue_announcement(const uint256& txid, const uint256& wtxid, int64_t fee_rate) {
    size_t queued = 0;
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (!peer.successfully_connected || peer.disconnected() || !peer.relay_txs || peer.type == ConnType::ADDR_FETCH)
            continue;
        if (fee_rate < peer.fee_filter) continue;
        const uint256& h = peer.wtxid_relay ? wtxid : txid;
        if (peer.known_inventory.contains(h) || peer.tx_to_announce_set.size() >= Peer::kMaxTxToAnnounce) continue;
        if (peer.tx_to_announce_set.insert(h).second) {
            peer.tx_to_announce.emplace_back(txid, wtxid);
            ++queued;
        }
    }
    log_debug(LogCategory::MEMPOOL, "tx %s (%lld sat/kvB) queued for announcement to %zu peers", txid.to_hex().c_str(),
              (long long)fee_rate, queued);
}

void PeerManager::on_tip_changed() {
    recently_rejected_.clear();
    recently_rejected_reconsiderable_.clear();
    rejected_packages_.clear();
}

void PeerManager::flush_tx_announcements(Peer& peer, bool force) {
    const SteadyTime now = deps_.clock.steady_now();
    if (peer.tx_to_announce.empty() || (!force && now < peer.next_inv_send)) return;
    // In random order, so the order does not tell which transaction we saw first.
    for (size_t i = peer.tx_to_announce.size(); i > 1; --i)
        std::swap(peer.tx_to_announce[i - 1], peer.tx_to_announce[size_t(deps_.network.random_u64() % i)]);
    std::vector<Inv> inv;
    while (!peer.tx_to_announce.empty() && inv.size() < kMaxInvPerMessage) {
        const auto [txid, wtxid] = peer.tx_to_announce.front();
        peer.tx_to_announce.pop_front();
        const uint256& h = peer.wtxid_relay ? wtxid : txid;
        peer.tx_to_announce_set.erase(h);
        if (peer.known_inventory.contains(h)) continue;
        peer.known_inventory.insert(h);
        peer.recently_announced.insert(h);
        inv.push_back(Inv{peer.wtxid_relay ? uint32_t(MSG_WTX) : uint32_t(MSG_TX), h});
    }
    if (!inv.empty()) peer.send(cmd::INV, encode_inv(inv));
    // Poisson-distributed intervals, as Core: announcements do not reveal the origin.
    const auto mean = peer.inbound() ? kInboundInvInterval : kOutboundInvInterval;
    const double r = -std::log(1.0 - double(deps_.network.random_u64() >> 11) * (1.0 / 9007199254740992.0));
    peer.next_inv_send = now + std::chrono::milliseconds(int64_t(r * double(std::chrono::milliseconds(mean).count())));
}

void PeerManager::tick() {
    const SteadyTime now = deps_.clock.steady_now();
    if (now >= next_rebroadcast_) {
        next_rebroadcast_ = now + 30s;
        for (auto it = unbroadcast_.begin(); it != unbroadcast_.end();) {
            if (now - it->second.added > 10min) {
                unbroadcast_wtxid_.erase(it->second.txid);
                it = unbroadcast_.erase(it);
                continue;
            }
            queue_announcement(it->second.txid, it->second.wtxid, it->second.fee_rate);
            ++it;
        }
    }
    const int64_t fee = sync_.ibd() ? kMaxMoney : min_fee_;
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (!peer.successfully_connected || peer.disconnected()) continue;
        if (peer.ping_nonce == 0 && now >= peer.next_ping) send_ping(peer);
        if (peer.send_mempool && now >= peer.next_inv_send && deps_.txpool) {
            peer.send_mempool = false;  // answered at a trickle time, like any announcement
            asio::co_spawn(deps_.io, send_mempool_inv(p), asio::detached);
        }
        flush_tx_announcements(peer, false);
        flush_addresses(peer);
        // Out of initial download: lift the MAX_MONEY filter right away (as Core).
        if (peer.fee_filter_sent == kMaxMoney && fee != kMaxMoney) peer.next_fee_filter_send = now;
        // No feefilter where no transactions come in, nor to forcerelay peers (as Core).
        if (peer.version >= kFeeFilterVersion && peer.type != ConnType::ADDR_FETCH && deps_.txpool &&
            !rejects_incoming_txs(peer) && !peer.has_permission(PF_FORCERELAY) && now >= peer.next_fee_filter_send) {
            if (fee != peer.fee_filter_sent) {
                peer.send(cmd::FEEFILTER, encode_i64(fee));
                peer.fee_filter_sent = fee;
            }
            peer.next_fee_filter_send = now + kFeeFilterInterval;
        }
        // Requested transactions that never came: forget them (another peer may have it).
        for (auto it = peer.tx_in_flight.begin(); it != peer.tx_in_flight.end();) {
            if (now - it->second > kTxRequestTimeout) {
                auto r = tx_requested_.find(it->first);
                if (r != tx_requested_.end() && r->second.first == peer.id) tx_requested_.erase(r);
                it = peer.tx_in_flight.erase(it);
            } else {
                ++it;
            }
        }
        request_txs(peer);
    }
}

}  // namespace minicash::net
