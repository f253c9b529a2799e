#include "net/eviction.h"

#include <algorithm>
#include <map>

#include "util/hash.h"

namespace minicash::net {

std::optional<int64_t> select_node_to_evict(std::vector<EvictionCandidate> candidates) {
    struct Candidate {
        const EvictionCandidate* peer;
        double min_ping;
        uint64_t group_key;
    };
    std::vector<Candidate> c;
    c.reserve(candidates.size());
    for (const EvictionCandidate& p : candidates) {
        HashWriter w;
        w.write_u64(0x65766963ull);
        w.write(p.netgroup);
        c.push_back(Candidate{&p, p.min_ping_seconds < 0 ? 1e9 : p.min_ping_seconds, w.sha256().low64()});
    }
    auto protect = [&c](size_t k, auto better) {  // removes the k best by `better`
        std::sort(c.begin(), c.end(), better);
        c.erase(c.begin(), c.begin() + long(std::min(k, c.size())));
    };
    protect(4, [](const Candidate& a, const Candidate& b) { return a.group_key > b.group_key; });
    protect(8, [](const Candidate& a, const Candidate& b) { return a.min_ping < b.min_ping; });
    protect(4, [](const Candidate& a, const Candidate& b) { return a.peer->last_tx_time > b.peer->last_tx_time; });
    protect(4,
            [](const Candidate& a, const Candidate& b) { return a.peer->last_block_time > b.peer->last_block_time; });
    protect(c.size() / 2, [](const Candidate& a, const Candidate& b) { return a.peer->connected < b.peer->connected; });
    if (c.empty()) return std::nullopt;
    std::map<Bytes, std::vector<const EvictionCandidate*>> groups;
    for (const Candidate& x : c) groups[x.peer->netgroup].push_back(x.peer);
    const std::vector<const EvictionCandidate*>* worst = nullptr;
    SteadyTime worst_youngest{};
    for (const auto& [g, members] : groups) {
        SteadyTime youngest{};
        for (const EvictionCandidate* m : members) youngest = std::max(youngest, m->connected);
        if (!worst || members.size() > worst->size() ||
            (members.size() == worst->size() && youngest > worst_youngest)) {
            worst = &members;
            worst_youngest = youngest;
        }
    }
    const EvictionCandidate* victim = worst->front();
    for (const EvictionCandidate* m : *worst)
        if (m->connected > victim->connected) victim = m;
    return victim->id;
}

}  // namespace minicash::net
