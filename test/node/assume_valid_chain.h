// The chains of the assumevalid tests (unit and process tests), built in memory after
// Core's feature_assumevalid.py: 101 valid regtest blocks, block 102 spends block 1's
// coinbase with an invalid signature, then more than two weeks of equivalent work on top.
#pragma once

#include <vector>

#include "consensus/block.h"

namespace minicash::test {

inline constexpr int kAssumeValidBadHeight = 102;
// Regtest blocks are worth 600 s each at its difficulty: two weeks is 2016 blocks.
inline constexpr int kAssumeValidBuried = 2100;

// blocks[h - 1] is at height h.
struct AssumeValidChains {
    std::vector<Block> main;     // 1 .. bad + buried; the block at the bad height has the bad signature
    std::vector<Block> branch;   // forks after bad - 1, one block longer than main (more work)
    std::vector<Block> overpay;  // like main but valid at the bad height; block 50's coinbase pays 1 sat too much
};

// Built once per process (a few seconds); deterministic.
const AssumeValidChains& assume_valid_chains();

}  // namespace minicash::test
