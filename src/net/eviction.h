// Which inbound peer to evict when a new inbound connection arrives and every inbound
// slot is taken: a pure function over descriptions of the candidates (Core's
// SelectNodeToEvict), so the policy is testable without connections.
//
// Only inbound peers without the noban permission are candidates. Protected, in this
// order (each step removes its best from the candidates):
//   4 by keyed network group (deterministic under our secret key, so an attacker cannot
//     pick groups that win), 8 by lowest minimum ping, 4 by most recent new transaction,
//   up to 8 that do not relay transactions but sent us a new block, 4 by most recent new
//   block,
//   then half of the rest by longest uptime, of which up to half are reserved for peers
//   of disadvantaged networks (CJDNS, I2P, localhost, Tor: higher latency makes them lose
//   the ping criterion), the network with fewer candidates first.
// Of what is left, peers preferred for eviction (discouraged addresses let in while
// slots were free) are considered alone if any; then the network group with the most
// members (ties: the one whose youngest member connected last) loses its youngest.
//
// Thread rules: none (a pure function).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "net/clock.h"
#include "net/netaddress.h"

namespace minicash::net {

struct EvictionCandidate {
    int64_t id = 0;
    SteadyTime connected{};
    double min_ping_seconds = -1;     // -1: never measured (worst)
    int64_t last_block_time = 0;      // unix seconds of the last new block it gave us
    int64_t last_tx_time = 0;         // unix seconds of the last new transaction
    bool relevant_services = false;   // offers full blocks with witnesses
    bool relay_txs = false;           // asked for transaction relay in its version
    uint64_t keyed_netgroup = 0;      // its network group hashed under our secret key
    bool prefer_evict = false;        // a discouraged address let in while slots were free
    bool is_local = false;            // a loopback address
    NetType network = NetType::IPV4;  // the network it connected through
    bool noban = false;
    bool inbound = true;
};

// The id of the peer to evict, or nullopt when every candidate is protected.
std::optional<int64_t> select_node_to_evict(std::vector<EvictionCandidate> candidates);

// The last protection step alone (Core's ProtectEvictionCandidatesByRatio): removes from
// `candidates` the half protected by uptime, up to half of them by disadvantaged network.
void protect_candidates_by_ratio(std::vector<EvictionCandidate>& candidates);

}  // namespace minicash::net
