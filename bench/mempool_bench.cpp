// Mempool acceptance rate of standard transactions (Google Benchmark; items/s = tx/s).
//
// Set-up (not timed): a regtest chain in a temporary directory, 120 blocks whose first 20
// coinbases hold 100 P2WPKH outputs each, so 2000 mature coins. Each iteration builds a
// fresh Mempool on that chain and accepts 2000 one-input one-output P2WPKH spends, each
// spending a different coin:
//
//   BM_Mempool_AcceptP2WPKH         fresh signatures every iteration (the fee changes, so
//                                   the signature hash does): full cost, ECDSA included
//   BM_Mempool_AcceptP2WPKH_Cached  the same transactions every iteration: signatures
//                                   come from the signature cache, so this is the cost of
//                                   policy checks, UTXO lookups and pool bookkeeping
//   BM_Mempool_AcceptCluster/N      2000 transactions in chains of N (each spends the
//                                   previous one), so clusters of 1, 8 and 64: the cost of
//                                   merging and relinearizing clusters as they grow
//
// And, on the cluster mempool's structures:
//
//   BM_Mempool_BlockTemplate        select_for_block (a full 4 MWU template) from a pool
//                                   filled to the default -maxmempool (300 MB of usage):
//                                   ~300,000 transactions, a tenth of them in chains of 4,
//                                   random fees. Counters: entries, usage_per_entry (the
//                                   pool's own accounting) and rss_per_entry (resident
//                                   memory grown while filling, divided by the entries)
//   BM_Linearize/N                  cluster::linearize of a random cluster of N transactions
//                                   (each spending earlier ones with probability 3/N)
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <fstream>
#include <memory>
#include <random>

#include "node/cluster_linearize.h"

#include "node/mempool.h"
#include "test/node/mempool_test_util.h"

using namespace minicash;
using namespace minicash::test;

namespace {

constexpr int kCoinBlocks = 20;
constexpr int kOutputsPerCoinbase = 100;
constexpr size_t kBatch = size_t(kCoinBlocks) * kOutputsPerCoinbase;

struct Fixture {
    std::unique_ptr<TestChain> chain;
    std::vector<Utxo> coins;
};

Fixture& fixture() {
    static Fixture f = [] {
        Fixture x;
        x.chain = std::make_unique<TestChain>("bench");
        x.chain->mine_blocks(kCoinBlocks, kOutputsPerCoinbase);
        x.chain->mine_blocks(100, 1);
        for (int h = 1; h <= kCoinBlocks; ++h)
            for (const Utxo& u : x.chain->coinbase_utxos(h)) x.coins.push_back(u);
        return x;
    }();
    return f;
}

std::vector<Transaction> independent_spends(Amount fee) {
    Fixture& f = fixture();
    std::vector<Transaction> txs;
    txs.reserve(f.coins.size());
    for (const Utxo& u : f.coins) txs.push_back(f.chain->spend1(u, fee));
    return txs;
}

void accept_all(benchmark::State& state, const std::vector<Transaction>& txs, Mempool& pool) {
    for (const Transaction& tx : txs) {
        if (!pool.accept(tx).accepted) {
            state.SkipWithError("transaction rejected");
            return;
        }
    }
}

void BM_Mempool_AcceptP2WPKH(benchmark::State& state) {
    Fixture& f = fixture();
    Amount fee = 1000;
    for (auto _ : state) {
        state.PauseTiming();
        const std::vector<Transaction> txs = independent_spends(fee++);
        auto pool = std::make_unique<Mempool>(f.chain->chain(), MempoolOptions{});
        state.ResumeTiming();
        accept_all(state, txs, *pool);
        state.PauseTiming();
        pool.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kBatch));
}
BENCHMARK(BM_Mempool_AcceptP2WPKH)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Mempool_AcceptP2WPKH_Cached(benchmark::State& state) {
    Fixture& f = fixture();
    const std::vector<Transaction> txs = independent_spends(1000);
    {
        Mempool warm(f.chain->chain(), MempoolOptions{});
        for (const Transaction& tx : txs) (void)warm.accept(tx);  // only fills the signature cache
    }
    for (auto _ : state) {
        state.PauseTiming();
        auto pool = std::make_unique<Mempool>(f.chain->chain(), MempoolOptions{});
        state.ResumeTiming();
        accept_all(state, txs, *pool);
        state.PauseTiming();
        pool.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kBatch));
}
BENCHMARK(BM_Mempool_AcceptP2WPKH_Cached)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_Mempool_AcceptCluster(benchmark::State& state) {
    Fixture& f = fixture();
    const int length = int(state.range(0));
    Amount fee = 1000;
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<Transaction> txs;
        txs.reserve(kBatch);
        for (size_t c = 0; txs.size() < kBatch; ++c) {
            Utxo u = f.coins[c];
            for (int i = 0; i < length && txs.size() < kBatch; ++i) {
                txs.push_back(f.chain->spend1(u, fee));
                u = f.chain->outputs_of(txs.back())[0];
            }
        }
        ++fee;
        auto pool = std::make_unique<Mempool>(f.chain->chain(), MempoolOptions{});
        state.ResumeTiming();
        accept_all(state, txs, *pool);
        state.PauseTiming();
        pool.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(kBatch));
}
BENCHMARK(BM_Mempool_AcceptCluster)->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// ---- A full pool ----

size_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    size_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * size_t(sysconf(_SC_PAGESIZE));
}

struct FullPool {
    std::unique_ptr<TestChain> chain;
    std::unique_ptr<Mempool> pool;
    size_t entries = 0, usage = 0, rss_growth = 0;
};

FullPool& full_pool() {
    static FullPool fp = [] {
        FullPool x;
        x.chain = std::make_unique<TestChain>("bench-full");
        constexpr int kFanOut = 160;
        x.chain->mine_blocks(kCoinBlocks, kOutputsPerCoinbase);
        x.chain->mine_blocks(100, 1);
        // 2000 coinbase outputs, each split into 160 confirmed coins (320,000).
        std::vector<Utxo> seeds;
        for (int h = 1; h <= kCoinBlocks; ++h)
            for (const Utxo& u : x.chain->coinbase_utxos(h)) seeds.push_back(u);
        std::vector<Utxo> coins;
        std::vector<Transaction> batch;
        for (size_t i = 0; i < seeds.size(); ++i) {
            std::vector<TxOut> outs(kFanOut, TxOut{(seeds[i].out.value - 100000) / kFanOut, x.chain->keys[1].p2wpkh});
            batch.push_back(x.chain->spend({seeds[i]}, outs));
            if (batch.size() == 150 || i + 1 == seeds.size()) {
                x.chain->mine(batch, 1);
                for (const Transaction& t : batch)
                    for (const Utxo& u : x.chain->outputs_of(t)) coins.push_back(u);
                batch.clear();
            }
        }
        MempoolOptions o;
        o.persist = false;
        const size_t rss_before = resident_bytes();
        x.pool = std::make_unique<Mempool>(x.chain->chain(), o);
        std::mt19937 rng(300);
        for (size_t i = 0; i < coins.size() && x.pool->info().usage < o.max_bytes * 99 / 100; ++i) {
            Utxo u = coins[i];
            const int length = i % 10 == 0 ? 4 : 1;
            for (int k = 0; k < length; ++k) {
                const Transaction tx = x.chain->spend1(u, 200 + Amount(rng() % 20000));
                if (!x.pool->accept(tx).accepted) break;
                u = x.chain->outputs_of(tx)[0];
            }
        }
        const MempoolInfo info = x.pool->info();
        x.entries = info.size;
        x.usage = info.usage;
        x.rss_growth = resident_bytes() - rss_before;
        return x;
    }();
    return fp;
}

void BM_Mempool_BlockTemplate(benchmark::State& state) {
    FullPool& fp = full_pool();
    size_t selected = 0;
    for (auto _ : state) {
        Amount fees = 0;
        const auto txs = fp.pool->select_for_block(3996000, 79600, fees);
        selected = txs.size();
        benchmark::DoNotOptimize(fees);
    }
    state.counters["entries"] = double(fp.entries);
    state.counters["selected"] = double(selected);
    state.counters["usage_per_entry"] = double(fp.usage) / double(fp.entries);
    state.counters["rss_per_entry"] = double(fp.rss_growth) / double(fp.entries);
}
BENCHMARK(BM_Mempool_BlockTemplate)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// ---- Linearization ----

void BM_Linearize(benchmark::State& state) {
    const uint32_t n = uint32_t(state.range(0));
    std::mt19937_64 rng(n);
    std::vector<cluster::Graph> graphs(16);
    for (cluster::Graph& g : graphs) {
        std::bernoulli_distribution edge(n > 3 ? 3.0 / n : 0.5);
        for (uint32_t i = 0; i < n; ++i) {
            std::vector<uint32_t> ps;
            for (uint32_t j = 0; j < i; ++j)
                if (edge(rng)) ps.push_back(j);
            if (i > 0 && ps.empty()) ps.push_back(uint32_t(rng() % i));  // one cluster
            g.add(cluster::FeeFrac{int64_t(rng() % 50000), int64_t(400 + rng() % 4000)}, std::move(ps));
        }
    }
    size_t k = 0, optimal = 0, runs = 0;
    for (auto _ : state) {
        const cluster::Linearization lin = cluster::linearize(graphs[k++ % graphs.size()]);
        optimal += lin.optimal ? 1 : 0;
        ++runs;
        benchmark::DoNotOptimize(lin.order.data());
    }
    state.counters["optimal_share"] = runs ? double(optimal) / double(runs) : 0;
}
BENCHMARK(BM_Linearize)->Arg(2)->Arg(8)->Arg(16)->Arg(32)->Arg(64)->Unit(benchmark::kMicrosecond);

}  // namespace
