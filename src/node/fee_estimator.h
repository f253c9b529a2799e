// A fee estimator after the idea of Bitcoin Core's estimatesmartfee, much simplified.
//
// What it records: transactions that entered our mempool while we were in sync (no
// in-mempool parents, not re-added after a reorganisation), by fee rate bucket (buckets
// 5% apart from 0.1 sat/vB to 10000 sat/vB); for each, how many blocks passed until a
// block confirmed it, or that it left the mempool unconfirmed (replaced, evicted,
// expired) after waiting some blocks. All counts decay by kDecay per block, so old
// blocks weigh less (half-life about 350 blocks).
//
// How it answers for a target of N blocks: buckets are walked from the highest fee rate
// down and merged into groups until a group holds at least kMinSamples transactions.
// A group passes when at least 85% of its transactions confirmed within N blocks,
// counting as failures those that left unconfirmed after waiting N or more blocks and
// those still in the mempool that have waited N or more. The walk stops at the first
// failing group; the answer is the average fee rate of the confirmed transactions in the
// last (lowest) passing group.
//
// Differences from Core: one decay horizon instead of three, no conservative/economical
// modes, no median inside a group, no persistence (fee_estimates.dat): the estimator
// starts empty on every start. As in Core a target of 1 is answered as 2, and targets
// beyond half the number of blocks observed are lowered to that.
//
// Not thread-safe: the mempool calls it under its own lock.
#pragma once

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "consensus/amount.h"
#include "util/uint256.h"

namespace minicash {

class FeeEstimator {
public:
    static constexpr int kMaxTarget = 1008;
    static constexpr double kDecay = 0.998;
    static constexpr double kSuccessThreshold = 0.85;
    static constexpr double kMinSamples = 1.0;

    FeeEstimator();

    // A transaction entered the mempool at chain height `height` (the tip then).
    void track(const uint256& txid, int height, Amount sat_per_kvb);
    // It left the mempool: confirmed by a block at `height` (in_block), or otherwise.
    void untrack(const uint256& txid, int height, bool in_block);
    // A block at `height` was connected; `confirmed` are its transactions. Blocks at or
    // below the highest height seen (reorganisations) are ignored, as in Core.
    void process_block(int height, const std::vector<uint256>& confirmed);

    // See above. `tip_height` is the current chain height. Returns the fee rate (sat/kvB)
    // and the target it answers for, or nullopt without enough data.
    std::optional<std::pair<Amount, int>> estimate(int target, int tip_height) const;

    // estimaterawfee's view (Core's estimateRawFee and EstimationResult): the same walk
    // from the highest fee rate bucket down with a caller-chosen success `threshold`
    // (0..1), reporting the lowest passing range of buckets and the first failing one.
    // Ranges are fee rates in sat/kvB; counts are the decayed ones. `feerate` is the
    // average fee rate confirmed in the passing range, nullopt when no range passes.
    struct Range {
        double start = -1, end = -1;  // start -1: no such range
        double within_target = 0, total_confirmed = 0, in_mempool = 0, left_mempool = 0;
    };
    struct RawEstimate {
        std::optional<Amount> feerate;
        Range pass, fail;
    };
    RawEstimate estimate_raw(int target, double threshold, int tip_height) const;

    size_t tracked() const { return tracked_.size(); }

private:
    struct Tracked {
        int bucket;
        int height;
        Amount rate;
    };
    size_t bucket_for(Amount sat_per_kvb) const;
    double& confirmed_at(size_t bucket, int blocks) { return confirmed_[bucket * (kMaxTarget + 1) + size_t(blocks)]; }
    double& failed_at(size_t bucket, int blocks) { return failed_[bucket * (kMaxTarget + 1) + size_t(blocks)]; }

    std::vector<Amount> bounds_;  // lower fee rate bound of each bucket (sat/kvB)
    // Per bucket and number of blocks waited (index kMaxTarget: that many or more):
    std::vector<double> confirmed_;   // confirmed after exactly that many blocks
    std::vector<double> failed_;      // left unconfirmed after waiting that many blocks
    std::vector<double> rate_sum_;    // per bucket: sum of fee rates of confirmed transactions
    std::vector<double> rate_count_;  // per bucket: number of confirmed transactions
    std::unordered_map<uint256, Tracked, Uint256Hasher> tracked_;
    int best_height_ = -1;
    int first_height_ = -1;  // first block processed
};

}  // namespace minicash
