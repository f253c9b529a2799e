// BIP143 signature hashes of every input of a SegWit transaction with n inputs,
// including building the PrecomputedTxData. Each input's hash reads the shared
// aggregates instead of rehashing all prevouts/sequences/outputs, so the total is
// linear in n (the legacy algorithm is quadratic). Complexity is fitted to O(n).
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "consensus/sighash.h"

namespace minicash::bench {
namespace {

void BM_WitnessV0Sighash_AllInputs(benchmark::State& state) {
    const size_t n = size_t(state.range(0));
    const SegwitTx s = make_segwit_tx(n);
    for (auto _ : state) {
        const PrecomputedTxData txdata(s.tx, s.spent);
        for (size_t i = 0; i < n; ++i) {
            uint256 h =
                witness_v0_signature_hash(s.script_code, s.tx, unsigned(i), SIGHASH_ALL, s.spent[i].value, &txdata);
            benchmark::DoNotOptimize(h);
        }
    }
    state.SetComplexityN(int64_t(n));
    state.counters["inputs"] = double(n);
}
BENCHMARK(BM_WitnessV0Sighash_AllInputs)->Arg(500)->Arg(1000)->Arg(2000)->Complexity(benchmark::oN);

}  // namespace
}  // namespace minicash::bench
