// Which inbound peer to evict when a new inbound connection arrives and every inbound
// slot is taken: a pure function over descriptions of the candidates (Core's
// SelectNodeToEvict, simplified), so the policy is testable without connections.
//
// Protected, in this order (each step removes its best from the candidates): 4 peers by
// keyed network group, 8 by lowest minimum ping, 4 by most recent new transaction, 4 by
// most recent new block, then half of the rest by longest uptime. From what is left, the
// network group with the most members (ties: the one whose youngest member connected
// last) loses its youngest member.
//
// Thread rules: none (a pure function).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "net/clock.h"
#include "util/bytes.h"

namespace minicash::net {

struct EvictionCandidate {
    int64_t id = 0;
    SteadyTime connected{};
    double min_ping_seconds = -1;  // -1: never measured (worst)
    int64_t last_block_time = 0;   // unix seconds of the last new block it gave us
    int64_t last_tx_time = 0;      // unix seconds of the last new transaction
    Bytes netgroup;
};

// The id of the peer to evict, or nullopt when every candidate is protected.
std::optional<int64_t> select_node_to_evict(std::vector<EvictionCandidate> candidates);

}  // namespace minicash::net
