// Deserializing mainnet block 413567 (999,887 bytes, 1,557 transactions) and computing
// its merkle root (which hashes every transaction for its txid).
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>

#include "bench_util.h"
#include "consensus/block.h"
#include "consensus/merkle.h"

namespace minicash::bench {
namespace {

void BM_Block413567_DeserializeAndMerkleRoot(benchmark::State& state) {
    const auto dir = vectors_dir();
    if (!dir) {
        state.SkipWithError("test vectors not found: set MINICASH_VECTORS");
        return;
    }
    std::ifstream in(*dir / "chain/block413567.raw", std::ios::binary);
    const Bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto first = Block::decode(raw);
    if (!first || block_merkle_root(*first) != first->header.merkle_root) {
        state.SkipWithError("chain/block413567.raw missing or does not decode to a consistent block");
        return;
    }
    for (auto _ : state) {
        auto block = Block::decode(raw);
        uint256 root = block_merkle_root(*block);
        benchmark::DoNotOptimize(root);
    }
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(raw.size()));
    state.counters["txs"] = double(first->txs.size());
}
BENCHMARK(BM_Block413567_DeserializeAndMerkleRoot)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace minicash::bench
