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
//   BM_Mempool_AcceptChain          2000 transactions in chains of 25 (each spends the
//                                   previous one): ancestor/descendant bookkeeping
#include <benchmark/benchmark.h>

#include <memory>

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

void BM_Mempool_AcceptChain(benchmark::State& state) {
    Fixture& f = fixture();
    Amount fee = 1000;
    for (auto _ : state) {
        state.PauseTiming();
        std::vector<Transaction> txs;
        txs.reserve(kBatch);
        for (size_t c = 0; txs.size() < kBatch; ++c) {
            Utxo u = f.coins[c];
            for (int i = 0; i < 25 && txs.size() < kBatch; ++i) {
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
BENCHMARK(BM_Mempool_AcceptChain)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
