#include "net/eviction.h"

#include <algorithm>
#include <array>
#include <functional>
#include <map>

namespace minicash::net {

namespace {

using Candidates = std::vector<EvictionCandidate>;

double ping_or_worst(const EvictionCandidate& c) { return c.min_ping_seconds < 0 ? 1e18 : c.min_ping_seconds; }

// Sorts by `before` (best last) and removes, among the last k, those `eligible`.
template <class Less>
void protect_last(Candidates& c, Less before, size_t k,
                  const std::function<bool(const EvictionCandidate&)>& eligible = nullptr) {
    std::sort(c.begin(), c.end(), before);
    const size_t n = std::min(k, c.size());
    auto first = c.end() - long(n);
    if (!eligible) {
        c.erase(first, c.end());
        return;
    }
    c.erase(std::remove_if(first, c.end(), eligible), c.end());
}

bool younger_first(const EvictionCandidate& a, const EvictionCandidate& b) { return a.connected > b.connected; }

}  // namespace

void protect_candidates_by_ratio(Candidates& c) {
    const size_t total_protect = c.size() / 2;
    struct Net {
        bool is_local;
        NetType id;
        size_t count;
    };
    // Equal counts: earlier entries get the first chance at unused slots.
    std::array<Net, 4> nets{{{false, NetType::CJDNS, 0},
                             {false, NetType::I2P, 0},
                             {true, NetType::UNROUTABLE, 0},
                             {false, NetType::ONION, 0}}};
    auto member = [](const Net& n) {
        return [n](const EvictionCandidate& x) { return n.is_local ? x.is_local : x.network == n.id; };
    };
    for (Net& n : nets) n.count = size_t(std::count_if(c.begin(), c.end(), member(n)));
    std::stable_sort(nets.begin(), nets.end(), [](const Net& a, const Net& b) { return a.count < b.count; });

    const size_t max_by_network = total_protect / 2;
    size_t protected_count = 0;
    while (protected_count < max_by_network) {
        const size_t networks = size_t(std::count_if(nets.begin(), nets.end(), [](const Net& n) { return n.count; }));
        if (networks == 0) break;
        const size_t per_network = std::max<size_t>((max_by_network - protected_count) / networks, 1);
        bool any = false;
        for (Net& n : nets) {
            if (n.count == 0) continue;
            const size_t before = c.size();
            // Members of the network last (the oldest of them last of all).
            auto order = [n](const EvictionCandidate& a, const EvictionCandidate& b) {
                if (n.is_local && a.is_local != b.is_local) return b.is_local;
                if ((a.network == n.id) != (b.network == n.id)) return b.network == n.id;
                return a.connected > b.connected;
            };
            protect_last(c, order, per_network, member(n));
            const size_t removed = before - c.size();
            if (removed == 0) continue;
            any = true;
            protected_count += removed;
            if (protected_count >= max_by_network) break;
            n.count -= removed;
        }
        if (!any) break;
    }
    protect_last(c, younger_first, total_protect - protected_count);
}

std::optional<int64_t> select_node_to_evict(std::vector<EvictionCandidate> candidates) {
    Candidates c;
    for (EvictionCandidate& x : candidates)
        if (x.inbound && !x.noban) c.push_back(std::move(x));

    protect_last(
        c, [](const auto& a, const auto& b) { return a.keyed_netgroup < b.keyed_netgroup; }, 4);
    protect_last(
        c, [](const auto& a, const auto& b) { return ping_or_worst(a) > ping_or_worst(b); }, 8);
    protect_last(
        c,
        [](const auto& a, const auto& b) {
            if (a.last_tx_time != b.last_tx_time) return a.last_tx_time < b.last_tx_time;
            if (a.relay_txs != b.relay_txs) return b.relay_txs;
            return a.connected > b.connected;
        },
        4);
    protect_last(
        c,
        [](const auto& a, const auto& b) {
            if (a.relay_txs != b.relay_txs) return a.relay_txs;
            if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
            if (a.relevant_services != b.relevant_services) return b.relevant_services;
            return a.connected > b.connected;
        },
        8, [](const EvictionCandidate& x) { return !x.relay_txs && x.relevant_services; });
    protect_last(
        c,
        [](const auto& a, const auto& b) {
            if (a.last_block_time != b.last_block_time) return a.last_block_time < b.last_block_time;
            if (a.relevant_services != b.relevant_services) return b.relevant_services;
            return a.connected > b.connected;
        },
        4);
    protect_candidates_by_ratio(c);
    if (c.empty()) return std::nullopt;

    if (std::any_of(c.begin(), c.end(), [](const auto& x) { return x.prefer_evict; }))
        c.erase(std::remove_if(c.begin(), c.end(), [](const auto& x) { return !x.prefer_evict; }), c.end());

    // Youngest first, so that a group's first member is its youngest.
    std::sort(c.begin(), c.end(), younger_first);
    std::map<uint64_t, std::vector<const EvictionCandidate*>> groups;
    uint64_t worst = 0;
    size_t worst_size = 0;
    SteadyTime worst_youngest{};
    for (const EvictionCandidate& x : c) {
        auto& g = groups[x.keyed_netgroup];
        g.push_back(&x);
        const SteadyTime youngest = g.front()->connected;
        if (g.size() > worst_size || (g.size() == worst_size && youngest > worst_youngest)) {
            worst = x.keyed_netgroup;
            worst_size = g.size();
            worst_youngest = youngest;
        }
    }
    return groups[worst].front()->id;
}

}  // namespace minicash::net
