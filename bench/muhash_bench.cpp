// MuHash3072 (util/muhash.h): the cost of inserting one element, the per-coin work of
// `gettxoutsetinfo hash_type=muhash` and of -coinstatsindex, and of finalizing.
// An element here is 60 bytes, about the size of a serialized small coin.
#include <benchmark/benchmark.h>

#include "util/muhash.h"

namespace minicash::bench {
namespace {

// insert = SHA256 of the element, 384 bytes of ChaCha20 keystream, one 3072-bit modular
// multiplication. Counters report elements per second.
void BM_MuHash3072_Insert(benchmark::State& state) {
    Bytes element(60, 0x42);
    MuHash3072 acc;
    uint32_t i = 0;
    for (auto _ : state) {
        write_le32(element.data(), i++);  // a different element each time
        acc.insert(element);
    }
    benchmark::DoNotOptimize(acc.finalize());
    state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_MuHash3072_Insert);

// The modular multiplication alone, as when combining two set hashes.
void BM_MuHash3072_Combine(benchmark::State& state) {
    MuHash3072 acc(Bytes(60, 1));
    const MuHash3072 other(Bytes(60, 2));
    for (auto _ : state) acc *= other;
    benchmark::DoNotOptimize(acc.finalize());
}
BENCHMARK(BM_MuHash3072_Combine);

// finalize: one 3072-bit modular inverse and multiplication, then SHA256.
void BM_MuHash3072_Finalize(benchmark::State& state) {
    MuHash3072 acc(Bytes(60, 1));
    acc.remove(Bytes(60, 2));
    for (auto _ : state) benchmark::DoNotOptimize(acc.finalize());
}
BENCHMARK(BM_MuHash3072_Finalize);

}  // namespace
}  // namespace minicash::bench
