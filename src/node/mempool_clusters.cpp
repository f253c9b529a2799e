// Clusters: the pool's connected components, each kept linearized into chunks (Core 31's
// TxGraph), the worst-chunk index used for eviction, and the effect of proposed changes
// on the cluster limits and the feerate diagram.
#include <algorithm>
#include <map>
#include <set>

#include "node/mempool_internal.h"

namespace minicash {

using namespace mempool_internal;
using cluster::FeeFrac;

namespace mempool_internal {

bool WorstChunkLess::operator()(const Cluster* a, const Cluster* b) const {
    const int c = cluster::compare_feerate(a->chunks.back(), b->chunks.back());
    if (c != 0) return c < 0;
    return a->id > b->id;
}

}  // namespace mempool_internal

namespace {

// The dependency graph of `txs` (indices as in `txs`; parents outside `txs` ignored).
cluster::Graph graph_of(const std::vector<Entry*>& txs) {
    std::unordered_map<const Entry*, uint32_t> index;
    index.reserve(txs.size());
    for (uint32_t i = 0; i < txs.size(); ++i) index.emplace(txs[i], i);
    cluster::Graph g;
    g.tx.reserve(txs.size());
    g.parents.reserve(txs.size());
    for (const Entry* e : txs) {
        std::vector<uint32_t> ps;
        for (const Entry* p : e->parents)
            if (auto it = index.find(p); it != index.end()) ps.push_back(it->second);
        g.add(FeeFrac{e->modified_fee, e->adjusted_weight}, std::move(ps));
    }
    return g;
}

}  // namespace

void Mempool::Impl::relinearize(Cluster* c) {
    if (c->indexed) {
        worst_chunks.erase(c->worst_pos);
        c->indexed = false;
    }
    if (c->txs.empty()) return;
    // Deterministic input order: by arrival (ties in the linearization go to the older).
    std::sort(c->txs.begin(), c->txs.end(), [](const Entry* a, const Entry* b) { return a->sequence < b->sequence; });
    c->total = FeeFrac{};
    if (c->txs.size() == 1) {
        Entry* e = c->txs[0];
        c->chunks = {FeeFrac{e->modified_fee, e->adjusted_weight}};
        c->chunk_ends = {1};
        c->optimal = true;
    } else {
        const cluster::Graph g = graph_of(c->txs);
        cluster::Linearization lin = cluster::linearize(g);
        std::vector<Entry*> ordered;
        ordered.reserve(c->txs.size());
        for (uint32_t i : lin.order) ordered.push_back(c->txs[i]);
        c->txs = std::move(ordered);
        c->chunks = std::move(lin.chunks);
        c->chunk_ends = std::move(lin.chunk_ends);
        c->optimal = lin.optimal;
    }
    uint32_t chunk = 0;
    for (uint32_t pos = 0; pos < c->txs.size(); ++pos) {
        while (pos >= c->chunk_ends[chunk]) ++chunk;
        Entry* e = c->txs[pos];
        e->cluster = c;
        e->position = pos;
        e->chunk = chunk;
        c->total += FeeFrac{e->modified_fee, e->adjusted_weight};
    }
    c->worst_pos = worst_chunks.insert(c).first;
    c->indexed = true;
}

void Mempool::Impl::join_cluster(Entry* e) {
    if (e->parents.empty() && e->children.empty()) {  // the common case: a cluster of its own
        auto owned = std::make_unique<Cluster>();
        owned->id = next_cluster_id++;
        Cluster* c = owned.get();
        clusters.emplace(c->id, std::move(owned));
        c->txs.push_back(e);
        relinearize(c);
        return;
    }
    std::set<Cluster*> linked;
    for (const Entry* p : e->parents) linked.insert(p->cluster);
    for (const Entry* ch : e->children) linked.insert(ch->cluster);
    if (linked.size() == 1 && e->children.empty()) {
        // Appended to one optimally linearized cluster at a feerate no higher than its last
        // chunk: the old chunks stay optimal and the new transaction is a chunk of its own
        // (no chunk can gain from it, and it has no children).
        Cluster* c = *linked.begin();
        const FeeFrac mine{e->modified_fee, e->adjusted_weight};
        if (c->optimal && cluster::compare_feerate(mine, c->chunks.back()) <= 0) {
            worst_chunks.erase(c->worst_pos);
            e->cluster = c;
            e->position = uint32_t(c->txs.size());
            e->chunk = uint32_t(c->chunks.size());
            c->txs.push_back(e);
            c->chunks.push_back(mine);
            c->chunk_ends.push_back(uint32_t(c->txs.size()));
            c->total += mine;
            c->worst_pos = worst_chunks.insert(c).first;
            return;
        }
    }
    Cluster* target = nullptr;
    for (Cluster* c : linked)
        if (!target || c->txs.size() > target->txs.size()) target = c;
    if (!target) {
        auto owned = std::make_unique<Cluster>();
        owned->id = next_cluster_id++;
        target = owned.get();
        clusters.emplace(target->id, std::move(owned));
    }
    for (Cluster* c : linked) {
        if (c == target) continue;
        if (c->indexed) worst_chunks.erase(c->worst_pos);
        for (Entry* x : c->txs) {
            x->cluster = target;
            target->txs.push_back(x);
        }
        clusters.erase(c->id);
    }
    e->cluster = target;
    target->txs.push_back(e);
    relinearize(target);
}

void Mempool::Impl::split_clusters(const std::set<Cluster*>& affected) {
    for (Cluster* c : affected) {
        // REQUIRES: removed entries were already taken out of c->txs.
        std::vector<Entry*> left = c->txs;
        if (c->indexed) {
            worst_chunks.erase(c->worst_pos);
            c->indexed = false;
        }
        if (left.empty()) {
            clusters.erase(c->id);
            continue;
        }
        const cluster::Graph g = graph_of(left);
        const auto parts = cluster::components(g);
        // The first component keeps the cluster; the others get new ones.
        for (size_t k = 0; k < parts.size(); ++k) {
            Cluster* target = c;
            if (k > 0) {
                auto owned = std::make_unique<Cluster>();
                owned->id = next_cluster_id++;
                target = owned.get();
                clusters.emplace(target->id, std::move(owned));
            }
            target->txs.clear();
            for (uint32_t i : parts[k]) {
                left[i]->cluster = target;
                target->txs.push_back(left[i]);
            }
        }
        // Relinearize after every member has its final cluster.
        std::set<Cluster*> made;
        for (Entry* e : left) made.insert(e->cluster);
        for (Cluster* m : made) relinearize(m);
    }
}

ProposalEffect Mempool::Impl::evaluate(const Proposal& p, bool with_diagram) const {
    ProposalEffect effect;
    if (p.removals.empty() && p.adds.size() == 1 && p.adds[0].pool_parents.empty() && !with_diagram) {
        effect.within_limits = opts.cluster_count >= 1 && p.adds[0].feerate.size <= cluster_weight_limit();
        return effect;
    }
    std::set<const Cluster*> touched;
    for (const auto& a : p.adds)
        for (const Entry* parent : a.pool_parents)
            if (!p.removals.count(const_cast<Entry*>(parent))) touched.insert(parent->cluster);
    for (const Entry* r : p.removals) touched.insert(r->cluster);

    // Fast path (one addition, no removals): the merged cluster is the union of the
    // parents' clusters.
    if (p.removals.empty() && !with_diagram && p.adds.size() == 1) {
        int64_t count = int64_t(p.adds.size()), weight = 0;
        for (const auto& a : p.adds) weight += a.feerate.size;
        for (const Cluster* c : touched) {
            count += int64_t(c->txs.size());
            weight += c->total.size;
        }
        effect.within_limits = count <= int64_t(opts.cluster_count) && weight <= cluster_weight_limit();
        return effect;
    }

    // The graph of everything touched, less the removals, plus the additions.
    std::vector<Entry*> kept;
    for (const Cluster* c : touched) {
        for (const FeeFrac& f : c->chunks) effect.old_chunks.push_back(f);
        for (Entry* e : c->txs)
            if (!p.removals.count(e)) kept.push_back(e);
    }
    cluster::Graph g = graph_of(kept);
    std::unordered_map<const Entry*, uint32_t> index;
    for (uint32_t i = 0; i < kept.size(); ++i) index.emplace(kept[i], i);
    const uint32_t first_added = g.size();
    for (const auto& a : p.adds) {
        std::vector<uint32_t> ps;
        for (const Entry* parent : a.pool_parents)
            if (auto it = index.find(parent); it != index.end()) ps.push_back(it->second);
        for (uint32_t k : a.added_parents) ps.push_back(first_added + k);
        g.add(a.feerate, std::move(ps));
    }
    for (const auto& part : cluster::components(g)) {
        cluster::Graph sub;
        std::unordered_map<uint32_t, uint32_t> local;
        int64_t weight = 0;
        for (uint32_t i : part) {
            local.emplace(i, uint32_t(local.size()));
            weight += g.tx[i].size;
        }
        if (int64_t(part.size()) > int64_t(opts.cluster_count) || weight > cluster_weight_limit())
            effect.within_limits = false;
        if (!with_diagram || !effect.within_limits) continue;
        for (uint32_t i : part) {
            std::vector<uint32_t> ps;
            for (uint32_t q : g.parents[i]) ps.push_back(local.at(q));
            sub.add(g.tx[i], std::move(ps));
        }
        const cluster::Linearization lin = cluster::linearize(sub);
        effect.new_chunks.insert(effect.new_chunks.end(), lin.chunks.begin(), lin.chunks.end());
    }
    return effect;
}

std::optional<std::string> Mempool::Impl::check_clusters() const {
    size_t members = 0;
    for (const auto& [id, owned] : clusters) {
        const Cluster* c = owned.get();
        const std::string name = "cluster " + std::to_string(id);
        if (c->id != id || c->txs.empty()) return name + ": bad id or empty";
        if (!c->indexed || *c->worst_pos != c) return name + ": not in the worst-chunk index";
        members += c->txs.size();
        FeeFrac total;
        for (uint32_t pos = 0; pos < c->txs.size(); ++pos) {
            const Entry* e = c->txs[pos];
            if (e->cluster != c || e->position != pos) return name + ": member link of " + e->txid.to_hex();
            if (find(e->txid) != e) return name + ": member not in the pool";
            for (const Entry* p : e->parents)
                if (p->cluster != c || p->position >= pos) return name + ": not topological at " + e->txid.to_hex();
            for (const Entry* ch : e->children)
                if (ch->cluster != c) return name + ": child in another cluster";
            if (e->chunk >= c->chunks.size() || pos >= c->chunk_ends[e->chunk] ||
                (e->chunk > 0 && pos < c->chunk_ends[e->chunk - 1]))
                return name + ": chunk index of " + e->txid.to_hex();
            if (e->adjusted_weight !=
                std::max<int64_t>(int64_t(e->weight), e->sigop_cost * int64_t(opts.bytes_per_sigop)))
                return name + ": adjusted weight";
            total += FeeFrac{e->modified_fee, e->adjusted_weight};
        }
        if (!(total == c->total)) return name + ": total";
        const cluster::Graph g = graph_of(c->txs);
        if (cluster::components(g).size() != 1) return name + ": not connected";
        cluster::Linearization lin;
        for (uint32_t i = 0; i < g.size(); ++i) lin.order.push_back(i);
        if (!cluster::is_topological(g, lin.order)) return name + ": order not topological";
        cluster::chunk(g, lin);
        if (lin.chunks != c->chunks || lin.chunk_ends != c->chunk_ends) return name + ": chunks do not match the order";
        const cluster::Linearization reference = cluster::linearize_by_ancestors(g);
        const auto order = cluster::compare_diagrams(c->chunks, reference.chunks);
        if (order == cluster::DiagramOrder::WORSE || order == cluster::DiagramOrder::INCOMPARABLE)
            return name + ": linearization worse than the ancestor-set reference";
    }
    if (members != by_txid.size()) return std::string("cluster membership count");
    if (!std::is_sorted(worst_chunks.begin(), worst_chunks.end(), WorstChunkLess{}))
        return std::string("worst-chunk order");
    return std::nullopt;
}

}  // namespace minicash
