#include "node/cluster_linearize.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace minicash::cluster {

namespace {

using Wide = __int128;

// A max-flow network (Dinic) with 128-bit capacities, for maximum-weight closures.
class FlowNetwork {
public:
    explicit FlowNetwork(uint32_t nodes) : adj_(nodes), level_(nodes), next_(nodes) {}

    void add(uint32_t from, uint32_t to, Wide cap) {
        adj_[from].push_back(uint32_t(edges_.size()));
        edges_.push_back({to, cap});
        adj_[to].push_back(uint32_t(edges_.size()));
        edges_.push_back({from, 0});
    }

    // Maximum flow from s to t; `work` counts edge visits.
    Wide max_flow(uint32_t s, uint32_t t, uint64_t& work) {
        Wide total = 0;
        while (bfs(s, t, work)) {
            std::fill(next_.begin(), next_.end(), 0);
            while (Wide f = dfs(s, t, std::numeric_limits<Wide>::max(), work)) total += f;
        }
        return total;
    }

    // Nodes reachable from s in the residual network (the smallest minimum cut's source side).
    std::vector<char> source_side(uint32_t s) const {
        std::vector<char> seen(adj_.size(), 0);
        std::vector<uint32_t> stack{s};
        seen[s] = 1;
        while (!stack.empty()) {
            const uint32_t u = stack.back();
            stack.pop_back();
            for (uint32_t e : adj_[u]) {
                if (edges_[e].cap > 0 && !seen[edges_[e].to]) {
                    seen[edges_[e].to] = 1;
                    stack.push_back(edges_[e].to);
                }
            }
        }
        return seen;
    }

private:
    struct Edge {
        uint32_t to;
        Wide cap;
    };

    bool bfs(uint32_t s, uint32_t t, uint64_t& work) {
        std::fill(level_.begin(), level_.end(), -1);
        std::vector<uint32_t> queue{s};
        level_[s] = 0;
        for (size_t i = 0; i < queue.size(); ++i) {
            const uint32_t u = queue[i];
            for (uint32_t e : adj_[u]) {
                ++work;
                if (edges_[e].cap > 0 && level_[edges_[e].to] < 0) {
                    level_[edges_[e].to] = level_[u] + 1;
                    queue.push_back(edges_[e].to);
                }
            }
        }
        return level_[t] >= 0;
    }

    Wide dfs(uint32_t u, uint32_t t, Wide pushed, uint64_t& work) {
        if (u == t) return pushed;
        for (uint32_t& i = next_[u]; i < adj_[u].size(); ++i) {
            ++work;
            const uint32_t e = adj_[u][i];
            Edge& edge = edges_[e];
            if (edge.cap <= 0 || level_[edge.to] != level_[u] + 1) continue;
            if (Wide f = dfs(edge.to, t, std::min(pushed, edge.cap), work)) {
                edge.cap -= f;
                edges_[e ^ 1].cap += f;
                return f;
            }
        }
        return 0;
    }

    std::vector<Edge> edges_;
    std::vector<std::vector<uint32_t>> adj_;
    std::vector<int> level_;
    std::vector<uint32_t> next_;
};

// Remaining ancestors of `i` (including i) among `left`.
std::vector<uint32_t> ancestors_in(const Graph& g, uint32_t i, const std::vector<char>& left) {
    std::vector<char> seen(g.size(), 0);
    std::vector<uint32_t> out, stack{i};
    seen[i] = 1;
    while (!stack.empty()) {
        const uint32_t u = stack.back();
        stack.pop_back();
        out.push_back(u);
        for (uint32_t p : g.parents[u])
            if (left[p] && !seen[p]) {
                seen[p] = 1;
                stack.push_back(p);
            }
    }
    return out;
}

FeeFrac sum_of(const Graph& g, const std::vector<uint32_t>& set) {
    FeeFrac f;
    for (uint32_t i : set) f += g.tx[i];
    return f;
}

// Appends `set` (a closed subset of `left`) to `order` in topological order (within the
// set, by index among ready ones) and takes it out of `left`.
void emit(const Graph& g, std::vector<uint32_t> set, std::vector<char>& left, std::vector<uint32_t>& order) {
    std::sort(set.begin(), set.end());
    std::vector<char> in_set(g.size(), 0);
    for (uint32_t i : set) in_set[i] = 1;
    while (!set.empty()) {
        for (auto it = set.begin(); it != set.end(); ++it) {
            const bool ready =
                std::none_of(g.parents[*it].begin(), g.parents[*it].end(), [&](uint32_t p) { return in_set[p] != 0; });
            if (!ready) continue;
            order.push_back(*it);
            in_set[*it] = 0;
            left[*it] = 0;
            set.erase(it);
            break;
        }
    }
}

// The remaining ancestor set with the highest feerate (ties: the smaller set, then the
// lower index).
std::vector<uint32_t> best_ancestor_set(const Graph& g, const std::vector<char>& left) {
    std::vector<uint32_t> best;
    FeeFrac best_rate;
    for (uint32_t i = 0; i < g.size(); ++i) {
        if (!left[i]) continue;
        std::vector<uint32_t> anc = ancestors_in(g, i, left);
        const FeeFrac rate = sum_of(g, anc);
        if (best.empty()) {
            best = std::move(anc);
            best_rate = rate;
            continue;
        }
        const int c = compare_feerate(rate, best_rate);
        if (c > 0 || (c == 0 && anc.size() < best.size())) {
            best = std::move(anc);
            best_rate = rate;
        }
    }
    return best;
}

// When the remaining transaction with the highest own feerate (the first such) has no
// remaining parent, it alone is an optimal closure: no set beats its best member.
std::optional<uint32_t> best_single(const Graph& g, const std::vector<char>& left) {
    int64_t top = -1;
    for (uint32_t i = 0; i < g.size(); ++i) {
        if (!left[i]) continue;
        if (top < 0 || compare_feerate(g.tx[i], g.tx[uint32_t(top)]) > 0) top = i;
    }
    if (top < 0) return std::nullopt;
    const auto& ps = g.parents[uint32_t(top)];
    if (std::any_of(ps.begin(), ps.end(), [&](uint32_t p) { return left[p] != 0; })) return std::nullopt;
    return uint32_t(top);
}

// The highest-feerate closed subset of `left` (Dinkelbach over min cuts), starting from
// `best`. Returns false when the budget ran out (then `best` is the best found).
bool best_closure(const Graph& g, const std::vector<char>& left, std::vector<uint32_t>& best, uint64_t& work,
                  uint64_t budget) {
    std::vector<uint32_t> nodes;
    std::vector<uint32_t> local(g.size(), UINT32_MAX);
    for (uint32_t i = 0; i < g.size(); ++i)
        if (left[i]) {
            local[i] = uint32_t(nodes.size());
            nodes.push_back(i);
        }
    const uint32_t n = uint32_t(nodes.size());
    const uint32_t s = n, t = n + 1;
    for (int iteration = 0; iteration < 64; ++iteration) {
        if (work > budget) return false;
        const FeeFrac rate = sum_of(g, best);
        FlowNetwork net(n + 2);
        Wide positive = 0;
        Wide infinite = 1;
        for (uint32_t k = 0; k < n; ++k) {
            const FeeFrac& f = g.tx[nodes[k]];
            const Wide profit = Wide(f.fee) * rate.size - Wide(rate.fee) * f.size;
            if (profit > 0) {
                net.add(s, k, profit);
                positive += profit;
            } else if (profit < 0) {
                net.add(k, t, -profit);
            }
        }
        infinite = positive + 1;
        for (uint32_t k = 0; k < n; ++k)
            for (uint32_t p : g.parents[nodes[k]])
                if (local[p] != UINT32_MAX) net.add(k, local[p], infinite);
        const Wide cut = net.max_flow(s, t, work);
        if (positive - cut <= 0) return true;  // nothing beats `rate`: optimal
        const std::vector<char> side = net.source_side(s);
        std::vector<uint32_t> improved;
        for (uint32_t k = 0; k < n; ++k)
            if (side[k]) improved.push_back(nodes[k]);
        if (improved.empty()) return true;
        best = std::move(improved);
    }
    return false;
}

}  // namespace

int compare_feerate(const FeeFrac& a, const FeeFrac& b) {
    const Wide l = Wide(a.fee) * b.size, r = Wide(b.fee) * a.size;
    return l < r ? -1 : (l > r ? 1 : 0);
}

void chunk(const Graph& graph, Linearization& lin) {
    lin.chunks.clear();
    lin.chunk_ends.clear();
    for (uint32_t pos = 0; pos < lin.order.size(); ++pos) {
        lin.chunks.push_back(graph.tx[lin.order[pos]]);
        lin.chunk_ends.push_back(pos + 1);
        while (lin.chunks.size() >= 2 && compare_feerate(lin.chunks.back(), lin.chunks[lin.chunks.size() - 2]) > 0) {
            const FeeFrac last = lin.chunks.back();
            lin.chunks.pop_back();
            lin.chunk_ends.pop_back();
            lin.chunks.back() += last;
            lin.chunk_ends.back() = pos + 1;
        }
    }
}

Linearization linearize(const Graph& graph, uint64_t budget) {
    Linearization lin;
    lin.order.reserve(graph.size());
    std::vector<char> left(graph.size(), 1);
    uint64_t work = 0;
    bool optimal = true;
    uint32_t remaining = graph.size();
    while (remaining > 0) {
        std::vector<uint32_t> best;
        if (auto single = best_single(graph, left)) {
            best = {*single};
        } else if (!optimal || work > budget) {
            optimal = false;
            best = best_ancestor_set(graph, left);
        } else {
            best = best_ancestor_set(graph, left);
            // A set at least as good as every remaining transaction on its own is optimal.
            FeeFrac top;
            for (uint32_t i = 0; i < graph.size(); ++i)
                if (left[i] && (top.size == 0 || compare_feerate(graph.tx[i], top) > 0)) top = graph.tx[i];
            if (compare_feerate(sum_of(graph, best), top) < 0 && !best_closure(graph, left, best, work, budget))
                optimal = false;
        }
        remaining -= uint32_t(best.size());
        emit(graph, std::move(best), left, lin.order);
    }
    lin.optimal = optimal;
    chunk(graph, lin);
    return lin;
}

Linearization linearize_by_ancestors(const Graph& graph) {
    Linearization lin;
    std::vector<char> left(graph.size(), 1);
    uint32_t remaining = graph.size();
    while (remaining > 0) {
        std::vector<uint32_t> best = best_ancestor_set(graph, left);
        remaining -= uint32_t(best.size());
        emit(graph, std::move(best), left, lin.order);
    }
    chunk(graph, lin);
    return lin;
}

std::vector<std::vector<uint32_t>> components(const Graph& graph) {
    const uint32_t n = graph.size();
    std::vector<std::vector<uint32_t>> links(n);
    for (uint32_t i = 0; i < n; ++i)
        for (uint32_t p : graph.parents[i]) {
            links[i].push_back(p);
            links[p].push_back(i);
        }
    std::vector<int> comp(n, -1);
    std::vector<std::vector<uint32_t>> out;
    for (uint32_t i = 0; i < n; ++i) {
        if (comp[i] >= 0) continue;
        std::vector<uint32_t> members, stack{i};
        comp[i] = int(out.size());
        while (!stack.empty()) {
            const uint32_t u = stack.back();
            stack.pop_back();
            members.push_back(u);
            for (uint32_t v : links[u])
                if (comp[v] < 0) {
                    comp[v] = int(out.size());
                    stack.push_back(v);
                }
        }
        std::sort(members.begin(), members.end());
        out.push_back(std::move(members));
    }
    return out;
}

bool is_topological(const Graph& graph, const std::vector<uint32_t>& order) {
    if (order.size() != graph.size()) return false;
    std::vector<char> done(graph.size(), 0);
    for (uint32_t i : order) {
        if (i >= graph.size() || done[i]) return false;
        for (uint32_t p : graph.parents[i])
            if (!done[p]) return false;
        done[i] = 1;
    }
    return true;
}

std::vector<FeeFrac> diagram_points(std::vector<FeeFrac> chunks) {
    std::stable_sort(chunks.begin(), chunks.end(),
                     [](const FeeFrac& a, const FeeFrac& b) { return compare_feerate(a, b) > 0; });
    std::vector<FeeFrac> points{FeeFrac{}};
    for (const FeeFrac& c : chunks) points.push_back(points.back() + c);
    return points;
}

namespace {

// Sign of (the diagram `points` at x) - y; beyond its end the diagram stays flat.
int diagram_vs_point(const std::vector<FeeFrac>& points, const FeeFrac& at) {
    for (size_t k = 1; k < points.size(); ++k) {
        if (points[k].size < at.size) continue;
        const FeeFrac& a = points[k - 1];
        const FeeFrac& b = points[k];
        // Fee of the segment a-b at at.size, times (b.size - a.size), against at.fee times it.
        const Wide span = b.size - a.size;
        const Wide fee_here = Wide(a.fee) * span + Wide(b.fee - a.fee) * (at.size - a.size);
        const Wide target = Wide(at.fee) * span;
        return fee_here < target ? -1 : (fee_here > target ? 1 : 0);
    }
    const int64_t end_fee = points.back().fee;
    return end_fee < at.fee ? -1 : (end_fee > at.fee ? 1 : 0);
}

}  // namespace

DiagramOrder compare_diagrams(std::vector<FeeFrac> a, std::vector<FeeFrac> b) {
    const std::vector<FeeFrac> pa = diagram_points(std::move(a)), pb = diagram_points(std::move(b));
    bool a_above = false, b_above = false;
    for (const FeeFrac& p : pa) {  // a's vertices against b
        const int c = diagram_vs_point(pb, p);
        if (c < 0) a_above = true;
        if (c > 0) b_above = true;
    }
    for (const FeeFrac& p : pb) {  // b's vertices against a
        const int c = diagram_vs_point(pa, p);
        if (c < 0) b_above = true;
        if (c > 0) a_above = true;
    }
    if (a_above && b_above) return DiagramOrder::INCOMPARABLE;
    if (a_above) return DiagramOrder::BETTER;
    if (b_above) return DiagramOrder::WORSE;
    return DiagramOrder::EQUAL;
}

}  // namespace minicash::cluster
