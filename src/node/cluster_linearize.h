// Cluster linearization: ordering a small dependency graph of transactions (a mempool
// cluster) so that mining its prefixes collects fees as fast as possible, and cutting
// that order into chunks. The ideas are Bitcoin Core 31's (cluster_linearize.h, txgraph):
// a linearization is a topological order; its chunks are the groups that a miner takes
// together (each merged into the previous one while its feerate is strictly higher);
// the chunk feerates drawn as a cumulative (size, fee) curve are its "feerate diagram",
// and one linearization is better than another when its diagram is nowhere below and
// somewhere above.
//
// linearize() builds the order by repeatedly taking the highest-feerate topologically
// closed subset of what is left (which gives an optimal diagram). That subset is found
// exactly as a maximum-ratio closure: Dinkelbach iterations, each a maximum-weight
// closure solved by a minimum cut. Work is bounded by a budget; when it runs out the
// best closure found so far is used (always at least as good as the best ancestor set),
// and the result is marked not optimal. Clusters of Core's default sizes (64
// transactions) finish well within the default budget.
//
// Sizes are Core's sigops-adjusted weights; fees are modified fees (satoshis).
// Pure code: no I/O, no globals, deterministic (ties broken by graph index).
#pragma once

#include <cstdint>
#include <vector>

namespace minicash::cluster {

// A fee and a size, compared as the feerate fee/size (Core's FeeFrac).
struct FeeFrac {
    int64_t fee = 0;
    int64_t size = 0;

    FeeFrac& operator+=(const FeeFrac& o) {
        fee += o.fee;
        size += o.size;
        return *this;
    }
    FeeFrac& operator-=(const FeeFrac& o) {
        fee -= o.fee;
        size -= o.size;
        return *this;
    }
    friend FeeFrac operator+(FeeFrac a, const FeeFrac& b) { return a += b; }
    friend bool operator==(const FeeFrac&, const FeeFrac&) = default;
};

// Sign of feerate(a) - feerate(b): -1, 0 or 1. REQUIRES: both sizes > 0.
int compare_feerate(const FeeFrac& a, const FeeFrac& b);

// A dependency graph: transaction i has feerate `tx[i]` and the direct parents
// `parents[i]` (indices into the same graph). REQUIRES: acyclic, sizes > 0.
struct Graph {
    std::vector<FeeFrac> tx;
    std::vector<std::vector<uint32_t>> parents;
    uint32_t size() const { return uint32_t(tx.size()); }
    uint32_t add(FeeFrac feerate, std::vector<uint32_t> parent_indices) {
        tx.push_back(feerate);
        parents.push_back(std::move(parent_indices));
        return size() - 1;
    }
};

struct Linearization {
    std::vector<uint32_t> order;       // every index once, parents before children
    std::vector<FeeFrac> chunks;       // feerate of each chunk, in order (never increasing)
    std::vector<uint32_t> chunk_ends;  // position in `order` one past each chunk's last
    bool optimal = false;              // proven optimal (the budget sufficed)
};

inline constexpr uint64_t kDefaultBudget = 2'000'000;

// The chunks of `order` (Core's ChunkLinearization): fills lin.chunks and lin.chunk_ends.
void chunk(const Graph& graph, Linearization& lin);

// An optimal linearization when `budget` (units of min-cut work) suffices, else a good one.
Linearization linearize(const Graph& graph, uint64_t budget = kDefaultBudget);

// The simple reference: repeatedly the remaining transaction whose remaining ancestor set
// has the highest feerate, with those ancestors (Core's old ancestor-score order).
Linearization linearize_by_ancestors(const Graph& graph);

// Connected components (parents and children alike), each in increasing index order.
std::vector<std::vector<uint32_t>> components(const Graph& graph);

// Whether `order` lists every index once, parents first.
bool is_topological(const Graph& graph, const std::vector<uint32_t>& order);

// Feerate diagrams given by chunk lists (chunks of several clusters may be mixed: they
// are merged by feerate, which is how independent clusters combine).
enum class DiagramOrder { WORSE, EQUAL, BETTER, INCOMPARABLE };
// How diagram `a` compares with diagram `b` (Core's CompareChunks). The shorter one is
// extended horizontally.
DiagramOrder compare_diagrams(std::vector<FeeFrac> a, std::vector<FeeFrac> b);
// Cumulative points (0,0), then one per chunk, chunks sorted by feerate.
std::vector<FeeFrac> diagram_points(std::vector<FeeFrac> chunks);

}  // namespace minicash::cluster
