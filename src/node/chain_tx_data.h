// How many transactions the network's chain holds, for progress estimates (Core's
// ChainTxData and GuessVerificationProgress): a count at a known time from Bitcoin Core
// 30's chain parameters and the rate at which transactions were added since.
#pragma once

#include <cstdint>

#include "consensus/params.h"
#include "node/block_index.h"

namespace minicash {

struct ChainTxData {
    int64_t time = 0;       // UNIX time of the last block counted
    uint64_t tx_count = 0;  // transactions up to and including that block
    double tx_rate = 0;     // transactions per second after it
};

// Bitcoin Core 30's figures (regtest: none counted, 0.001 tx/s; a custom signet: none).
ChainTxData chain_tx_data(const ChainParams& params);

// Estimated share [0..1] of the chain's transactions that `tip` and its ancestors hold,
// at time `now`: tip->chain_tx_count over the count expected by then. 0 without a tip
// (or before its ancestors' data is all stored).
double guess_verification_progress(const ChainTxData& data, const BlockIndex* tip, int64_t now);

}  // namespace minicash
