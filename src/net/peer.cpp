#include "net/peer.h"

#include <chrono>

#include "net/net_permissions.h"
#include "util/logging.h"

namespace minicash::net {

const char* conn_type_name(ConnType t) {
    switch (t) {
    case ConnType::INBOUND: return "inbound";
    case ConnType::OUTBOUND_FULL_RELAY: return "outbound-full-relay";
    case ConnType::MANUAL: return "manual";
    case ConnType::FEELER: return "feeler";
    case ConnType::BLOCK_RELAY: return "block-relay-only";
    case ConnType::ADDR_FETCH: return "addr-fetch";
    }
    return "unknown";
}

void RollingHashSet::insert(const uint256& h) {
    if (!set_.insert(h).second) return;
    order_.push_back(h);
    while (order_.size() > capacity_) {
        set_.erase(order_.front());
        order_.pop_front();
    }
}

void RollingHashSet::clear() {
    set_.clear();
    order_.clear();
}

Peer::Peer(int64_t peer_id, Service address, ConnType conn_type, std::shared_ptr<Transport> transport,
           const Clock& clock)
    : id(peer_id), addr(address), type(conn_type), transport_(std::move(transport)) {
    connected_time = clock.unix_now();
    connected_steady = clock.steady_now();
    addr_tokens_time = connected_steady;
    netgroup = addr.addr.group();
    addr_name = addr.to_string();
}

void Peer::send(const std::string& command, ByteView payload) {
    const size_t n = transport_->send(command, payload);
    if (n == 0) return;
    bytes_sent_per_msg[command] += n;
    if (log_enabled(LogCategory::NET))
        log_debug(LogCategory::NET, "sending %s (%zu bytes) peer=%lld", command.c_str(), payload.size(), (long long)id);
}

void Peer::misbehaving(const std::string& reason) {
    if (disconnected()) return;
    const std::string who = addr.to_string();
    if (has_permission(PF_NOBAN)) {
        log_warning("not punishing noban peer=%lld (%s): %s", (long long)id, who.c_str(), reason.c_str());
        return;
    }
    if (manual()) {
        log_warning("not punishing manually connected peer=%lld (%s): %s", (long long)id, who.c_str(), reason.c_str());
        return;
    }
    // A local address stands for every peer behind it (an inbound onion peer comes from
    // the Tor daemon's address): disconnected, not discouraged (Core).
    if (addr.addr.is_loopback() || inbound_onion) {
        log_debug(LogCategory::NET, "Misbehaving: peer=%lld (%s): %s; disconnecting but not discouraging a %s peer",
                  (long long)id, who.c_str(), reason.c_str(), inbound_onion ? "inbound onion" : "local");
    } else {
        log_debug(LogCategory::NET, "Misbehaving: peer=%lld (%s): %s; disconnecting and discouraging", (long long)id,
                  who.c_str(), reason.c_str());
        discourage_on_close = true;
    }
    disconnect("misbehaving: " + reason);
}

}  // namespace minicash::net
