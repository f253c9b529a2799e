// Cluster linearization (node/cluster_linearize.h): chunking, diagram comparison, and
// linearize() against an exhaustive optimum on small random graphs and against the
// ancestor-set reference on large ones.

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "node/cluster_linearize.h"

namespace minicash::cluster {
namespace {

// A random DAG: each transaction gets parents among the earlier ones.
Graph random_graph(std::mt19937_64& rng, uint32_t n, double edge_chance) {
    Graph g;
    std::uniform_int_distribution<int64_t> fee(0, 20000), size(200, 4000);
    std::bernoulli_distribution edge(edge_chance);
    for (uint32_t i = 0; i < n; ++i) {
        std::vector<uint32_t> ps;
        for (uint32_t j = 0; j < i; ++j)
            if (edge(rng)) ps.push_back(j);
        g.add(FeeFrac{fee(rng), size(rng)}, std::move(ps));
    }
    return g;
}

// The best diagram over every topological order (n small).
std::vector<FeeFrac> best_by_enumeration(const Graph& g) {
    std::vector<uint32_t> order(g.size());
    for (uint32_t i = 0; i < g.size(); ++i) order[i] = i;
    std::vector<FeeFrac> best;
    bool have = false;
    do {
        if (!is_topological(g, order)) continue;
        Linearization lin;
        lin.order = order;
        chunk(g, lin);
        if (!have || compare_diagrams(lin.chunks, best) == DiagramOrder::BETTER) {
            best = lin.chunks;
            have = true;
        }
    } while (std::next_permutation(order.begin(), order.end()));
    return best;
}

TEST(ClusterLinearize, ChunksMergeOnlyStrictlyBetterFollowers) {
    Graph g;
    g.add({100, 100}, {});   // 1 sat/WU
    g.add({300, 100}, {0});  // 3: merges with its parent
    g.add({200, 100}, {1});  // 2: equal to the merged 2 -> stays separate
    Linearization lin;
    lin.order = {0, 1, 2};
    chunk(g, lin);
    ASSERT_EQ(lin.chunks.size(), 2u);
    EXPECT_EQ(lin.chunks[0], (FeeFrac{400, 200}));
    EXPECT_EQ(lin.chunks[1], (FeeFrac{200, 100}));
    EXPECT_EQ(lin.chunk_ends, (std::vector<uint32_t>{2, 3}));
}

TEST(ClusterLinearize, DiagramComparisons) {
    const std::vector<FeeFrac> a{{1000, 100}, {100, 100}};
    // Equal, even when chunked differently on a straight segment.
    EXPECT_EQ(compare_diagrams(a, a), DiagramOrder::EQUAL);
    EXPECT_EQ(compare_diagrams({{200, 100}, {200, 100}}, {{400, 200}}), DiagramOrder::EQUAL);
    // More fee at the same size everywhere: better; the reverse: worse.
    EXPECT_EQ(compare_diagrams({{1000, 100}, {200, 100}}, a), DiagramOrder::BETTER);
    EXPECT_EQ(compare_diagrams(a, {{1000, 100}, {200, 100}}), DiagramOrder::WORSE);
    // Same total fee, concentrated earlier: better.
    EXPECT_EQ(compare_diagrams({{1100, 200}}, {{550, 100}, {550, 100}}), DiagramOrder::EQUAL);
    EXPECT_EQ(compare_diagrams({{1000, 100}, {100, 100}}, {{1100, 200}}), DiagramOrder::BETTER);
    // More total fee but a worse start (the "bigger, cheaper per byte" replacement).
    EXPECT_EQ(compare_diagrams({{2500, 8000}}, {{2000, 800}}), DiagramOrder::INCOMPARABLE);
    // Different lengths: the shorter one is extended flat.
    EXPECT_EQ(compare_diagrams({{1000, 100}}, {{1000, 100}, {0, 100}}), DiagramOrder::EQUAL);
    EXPECT_EQ(compare_diagrams({{1000, 100}, {10, 100}}, {{1000, 100}}), DiagramOrder::BETTER);
    // Chunks of different clusters combine by feerate.
    EXPECT_EQ(compare_diagrams({{100, 100}, {1000, 100}}, {{1000, 100}, {100, 100}}), DiagramOrder::EQUAL);
}

TEST(ClusterLinearize, ChildPaysForParent) {
    Graph g;
    g.add({0, 400}, {});      // zero-fee parent
    g.add({5000, 400}, {0});  // child paying for both
    g.add({1000, 400}, {});   // unrelated, 2.5 sat/WU
    const Linearization lin = linearize(g);
    EXPECT_TRUE(lin.optimal);
    EXPECT_EQ(lin.order, (std::vector<uint32_t>{0, 1, 2}));
    EXPECT_EQ(lin.chunks.front(), (FeeFrac{5000, 800}));
}

TEST(ClusterLinearize, OptimalOnSmallRandomGraphs) {
    std::mt19937_64 rng(16);
    for (int round = 0; round < 300; ++round) {
        const uint32_t n = 1 + uint32_t(rng() % 7);
        const Graph g = random_graph(rng, n, round % 3 == 0 ? 0.6 : 0.3);
        const Linearization lin = linearize(g);
        ASSERT_TRUE(is_topological(g, lin.order)) << round;
        ASSERT_TRUE(lin.optimal);
        EXPECT_EQ(compare_diagrams(lin.chunks, best_by_enumeration(g)), DiagramOrder::EQUAL) << "round " << round;
        for (size_t k = 1; k < lin.chunks.size(); ++k) EXPECT_LE(compare_feerate(lin.chunks[k], lin.chunks[k - 1]), 0);
    }
}

TEST(ClusterLinearize, LargeClustersNoWorseThanAncestorOrder) {
    std::mt19937_64 rng(64);
    for (int round = 0; round < 40; ++round) {
        const uint32_t n = 20 + uint32_t(rng() % 45);
        const Graph g = random_graph(rng, n, round % 2 ? 0.05 : 0.15);
        const Linearization lin = linearize(g);
        ASSERT_TRUE(is_topological(g, lin.order));
        EXPECT_TRUE(lin.optimal) << "default budget should suffice at n=" << n;
        const Linearization ref = linearize_by_ancestors(g);
        const DiagramOrder o = compare_diagrams(lin.chunks, ref.chunks);
        EXPECT_TRUE(o == DiagramOrder::BETTER || o == DiagramOrder::EQUAL) << round;
    }
}

TEST(ClusterLinearize, TinyBudgetStillValid) {
    std::mt19937_64 rng(7);
    const Graph g = random_graph(rng, 60, 0.1);
    const Linearization lin = linearize(g, /*budget=*/10);
    EXPECT_TRUE(is_topological(g, lin.order));
    EXPECT_FALSE(lin.optimal);
    const DiagramOrder o = compare_diagrams(lin.chunks, linearize_by_ancestors(g).chunks);
    EXPECT_TRUE(o == DiagramOrder::BETTER || o == DiagramOrder::EQUAL);
}

TEST(ClusterLinearize, Components) {
    Graph g;
    g.add({1, 1}, {});
    g.add({1, 1}, {});
    g.add({1, 1}, {0});
    g.add({1, 1}, {1, 2});
    g.add({1, 1}, {});
    const auto parts = components(g);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], (std::vector<uint32_t>{0, 1, 2, 3}));
    EXPECT_EQ(parts[1], (std::vector<uint32_t>{4}));
}

}  // namespace
}  // namespace minicash::cluster
