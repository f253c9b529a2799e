// Coin selection over a wallet of 10,000 P2WPKH UTXOs with random (log-uniform, 1,000 to
// 10,000,000 sat, fixed seed) values at 10 sat/vB: one iteration is one full
// select_coins() call (eligibility, BnB, Knapsack, SRD, scoring by waste) for the target
// given as the argument in satoshis. BM_Bnb_10k times Branch and Bound alone, which is
// bounded by 100,000 tries.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "wallet/coin_selection.h"

namespace minicash::bench {
namespace {

using namespace minicash::wallet;

const std::vector<SpendableCoin>& wallet_coins() {
    static const std::vector<SpendableCoin> coins = [] {
        std::mt19937_64 rng(20240601);
        std::uniform_real_distribution<double> log_value(std::log(1000.0), std::log(10000000.0));
        Bytes p2wpkh{OP_0, 20};
        p2wpkh.resize(22, 0x11);
        std::vector<SpendableCoin> out;
        for (uint32_t i = 0; i < 10000; ++i) {
            OutPoint op;
            Bytes txid(32, 0);
            for (int b = 0; b < 4; ++b) txid[size_t(b)] = uint8_t(i >> (8 * b));
            op.txid = uint256(txid);
            op.index = i % 4;
            const Amount value = Amount(std::exp(log_value(rng)));
            out.push_back(*make_spendable_coin(op, TxOut{value, Script(p2wpkh)}, 10, false));
        }
        return out;
    }();
    return coins;
}

SelectionParams params_10_sat_vb(uint64_t seed) {
    SelectionParams p;
    p.fee_rate = FeeRate::from_sat_per_vb(10);
    p.seed = seed;
    return p;
}

void BM_SelectCoins_10k(benchmark::State& state) {
    const auto& coins = wallet_coins();
    const Amount target = Amount(state.range(0));
    uint64_t seed = 0;
    size_t inputs = 0, runs = 0;
    for (auto _ : state) {
        auto r = select_coins(coins, target, params_10_sat_vb(++seed));
        if (!r) {
            state.SkipWithError("selection failed");
            break;
        }
        inputs += r->selected.size();
        ++runs;
        benchmark::DoNotOptimize(r);
    }
    state.counters["inputs"] = runs ? double(inputs) / double(runs) : 0.0;
}
BENCHMARK(BM_SelectCoins_10k)->Arg(100000)->Arg(1000000)->Arg(10000000)->Arg(100000000)->Unit(benchmark::kMillisecond);

void BM_Bnb_10k(benchmark::State& state) {
    const auto& coins = wallet_coins();
    const SelectionParams params = params_10_sat_vb(1);
    const AlgorithmInput in = make_algorithm_input(coins, params);
    const Amount target = Amount(state.range(0));
    for (auto _ : state) {
        auto r = select_bnb(in, target, params.cost_of_change(), kMaxStandardTxWeight);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_Bnb_10k)->Arg(1000000)->Arg(100000000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minicash::bench
