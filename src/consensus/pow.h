// Proof of work: target checks, difficulty retargeting (incl. testnet rules and BIP94),
// chain work, and the block subsidy schedule.
#pragma once

#include <cstdint>

#include "consensus/amount.h"
#include "consensus/params.h"
#include "util/arith_uint256.h"

namespace minicash {

// The ancestors of a block being checked, by height. Implemented by the block index.
class AncestorView {
public:
    virtual ~AncestorView() = default;
    virtual int tip_height() const = 0;              // height of the new block's parent
    virtual uint32_t bits_at(int height) const = 0;  // REQUIRES: 0 <= height <= tip_height()
    virtual int64_t time_at(int height) const = 0;   // REQUIRES: 0 <= height <= tip_height()
    // Median of the timestamps of the block at `height` and up to ten before it (BIP113).
    virtual int64_t median_time_past_at(int height) const;
};

// True when `hash` meets the target encoded by `bits` and that target is valid
// (positive, no overflow, not above the network's proof-of-work limit).
[[nodiscard]] bool check_proof_of_work(const uint256& hash, uint32_t bits, const ConsensusParams& params);

// The nBits the block after `chain.tip_height()` must carry, given its timestamp.
// REQUIRES: chain.tip_height() >= 0.
uint32_t next_work_required(const AncestorView& chain, int64_t new_block_time, const ConsensusParams& params);

// Retarget at the end of a period: last period's target scaled by the time it took
// (clamped to a factor of four), never above the limit. BIP94 scales the target of
// the period's first block instead of its last.
uint32_t calculate_next_work_required(const AncestorView& chain, int64_t first_block_time,
                                      const ConsensusParams& params);

// Expected number of hashes for a block with this target: 2^256 / (target + 1).
arith_uint256 block_proof(uint32_t bits);

// New coins in the coinbase of a block at `height`: 50 BTC halved every interval.
Amount block_subsidy(int height, const ConsensusParams& params);

}  // namespace minicash
