#include "consensus/pow.h"

#include <algorithm>
#include <vector>

namespace minicash {

int64_t AncestorView::median_time_past_at(int height) const {
    std::vector<int64_t> times;
    for (int h = height; h >= 0 && h > height - 11; --h) times.push_back(time_at(h));
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

bool check_proof_of_work(const uint256& hash, uint32_t bits, const ConsensusParams& params) {
    bool negative = false, overflow = false;
    const arith_uint256 target = arith_uint256::from_compact(bits, &negative, &overflow);
    if (negative || overflow || target == arith_uint256(0) || target > arith_uint256::from_uint256(params.pow_limit))
        return false;
    return arith_uint256::from_uint256(hash) <= target;
}

uint32_t next_work_required(const AncestorView& chain, int64_t new_block_time, const ConsensusParams& params) {
    const int last = chain.tip_height();
    const int64_t interval = params.difficulty_adjustment_interval();
    const uint32_t limit_bits = arith_uint256::from_uint256(params.pow_limit).to_compact();

    if ((last + 1) % interval != 0) {
        if (params.pow_allow_min_difficulty_blocks) {
            // Testnet: a block more than twice the spacing after its parent may use the
            // minimum difficulty; otherwise the last "real" difficulty applies.
            if (new_block_time > chain.time_at(last) + params.pow_target_spacing * 2) return limit_bits;
            int h = last;
            while (h > 0 && h % interval != 0 && chain.bits_at(h) == limit_bits) --h;
            return chain.bits_at(h);
        }
        return chain.bits_at(last);
    }
    const int first = last - int(interval - 1);
    return calculate_next_work_required(chain, chain.time_at(first), params);
}

uint32_t calculate_next_work_required(const AncestorView& chain, int64_t first_block_time,
                                      const ConsensusParams& params) {
    const int last = chain.tip_height();
    if (params.pow_no_retargeting) return chain.bits_at(last);

    int64_t timespan = chain.time_at(last) - first_block_time;
    timespan = std::max(timespan, params.pow_target_timespan / 4);
    timespan = std::min(timespan, params.pow_target_timespan * 4);

    const int period_first = last - int(params.difficulty_adjustment_interval() - 1);
    arith_uint256 target =
        arith_uint256::from_compact(params.enforce_bip94 ? chain.bits_at(period_first) : chain.bits_at(last));
    target *= arith_uint256(uint64_t(timespan));
    target /= arith_uint256(uint64_t(params.pow_target_timespan));
    const arith_uint256 limit = arith_uint256::from_uint256(params.pow_limit);
    if (target > limit) target = limit;
    return target.to_compact();
}

arith_uint256 block_proof(uint32_t bits) {
    bool negative = false, overflow = false;
    const arith_uint256 target = arith_uint256::from_compact(bits, &negative, &overflow);
    if (negative || overflow || target == arith_uint256(0)) return arith_uint256(0);
    // 2^256 / (target+1) == ~target / (target+1) + 1, computed without 257-bit numbers.
    return (~target / (target + arith_uint256(1))) + arith_uint256(1);
}

Amount block_subsidy(int height, const ConsensusParams& params) {
    const int halvings = height / params.subsidy_halving_interval;
    if (halvings >= 64) return 0;  // shifting by 64 or more is undefined
    return (50 * kCoin) >> halvings;
}

}  // namespace minicash
