#include "net/headers_sync.h"

#include <algorithm>

#include "consensus/pow.h"
#include "util/hash.h"

namespace minicash::net {

namespace {
constexpr int64_t kMaxFutureBlockTime = 2 * 60 * 60;
constexpr int kAntiDosTipBlocks = 144;
}  // namespace

bool permitted_difficulty_transition(const ConsensusParams& params, int64_t height, uint32_t old_bits,
                                     uint32_t new_bits) {
    if (params.pow_allow_min_difficulty_blocks) return true;
    if (params.pow_no_retargeting) return old_bits == new_bits;
    const int64_t interval = params.difficulty_adjustment_interval();
    if (interval > 0 && height % interval == 0) {
        const int64_t timespan = params.pow_target_timespan;
        const arith_uint256 limit = arith_uint256::from_uint256(params.pow_limit);
        const arith_uint256 observed = arith_uint256::from_compact(new_bits);
        const arith_uint256 old_target = arith_uint256::from_compact(old_bits);

        arith_uint256 largest = old_target * uint32_t(timespan * 4) / arith_uint256(uint64_t(timespan));
        if (largest > limit) largest = limit;
        const arith_uint256 max_new = arith_uint256::from_compact(largest.to_compact());
        if (max_new < observed) return false;

        arith_uint256 smallest = old_target * uint32_t(timespan / 4) / arith_uint256(uint64_t(timespan));
        if (smallest > limit) smallest = limit;
        const arith_uint256 min_new = arith_uint256::from_compact(smallest.to_compact());
        if (min_new > observed) return false;
        return true;
    }
    return old_bits == new_bits;
}

arith_uint256 anti_dos_work_threshold(const BlockIndex* tip, const ConsensusParams& params) {
    arith_uint256 near_tip;
    if (tip) {
        const arith_uint256 allowance = block_proof(tip->header.bits) * uint32_t(kAntiDosTipBlocks);
        near_tip = tip->chain_work > allowance ? tip->chain_work - allowance : arith_uint256(0);
    }
    const arith_uint256 min_work = arith_uint256::from_uint256(params.minimum_chain_work);
    return std::max(near_tip, min_work);
}

std::vector<uint256> block_locator(const BlockIndex* start) {
    std::vector<uint256> out;
    if (!start) return out;
    int step = 1;
    int height = start->height;
    while (true) {
        const BlockIndex* b = start->ancestor(height);
        if (!b) break;
        out.push_back(b->hash);
        if (height == 0) break;
        height = std::max(height - step, 0);
        if (out.size() > 10) step *= 2;
    }
    return out;
}

HeadersSync::HeadersSync(const ConsensusParams& consensus, const BlockIndex* chain_start,
                         const arith_uint256& minimum_work, int64_t now, uint64_t salt, Params params)
    : consensus_(consensus),
      chain_start_(chain_start),
      minimum_work_(minimum_work),
      salt_(salt),
      params_(params),
      commit_offset_(int(salt % uint64_t(params.commitment_period))),
      last_header_(chain_start->header),
      last_hash_(chain_start->hash),
      height_(chain_start->height),
      work_(chain_start->chain_work) {
    // At most 6 blocks per second since the fork point's median time past.
    const int64_t span = std::max<int64_t>(0, now + kMaxFutureBlockTime - chain_start->median_time_past());
    max_commitments_ = size_t(6 * span / params.commitment_period) + 1;
}

bool HeadersSync::commitment_bit(const uint256& hash) const {
    HashWriter w;
    w.write_u64(salt_);
    w.write_hash(hash);
    return w.sha256().data()[0] & 1;
}

HeadersSync::Result HeadersSync::fail() {
    phase_ = Phase::FINAL;
    commitments_.clear();
    buffer_.clear();
    Result r;
    r.success = false;
    return r;
}

HeadersSync::Result HeadersSync::process(const std::vector<BlockHeader>& headers, bool full_message) {
    Result r;
    if (phase_ == Phase::FINAL || headers.empty()) {
        r.success = phase_ != Phase::FINAL;
        return r;
    }
    if (phase_ == Phase::PRESYNC) {
        if (headers.front().prev_block != last_hash_) return fail();
        for (const BlockHeader& h : headers) {
            const int64_t next = height_ + 1;
            if (!permitted_difficulty_transition(consensus_, next, last_header_.bits, h.bits)) return fail();
            const uint256 hash = h.hash();
            if (h.prev_block != last_hash_) return fail();
            if (next % params_.commitment_period == commit_offset_) {
                commitments_.push_back(commitment_bit(hash));
                if (commitments_.size() > max_commitments_) return fail();
            }
            work_ += block_proof(h.bits);
            last_header_ = h;
            last_hash_ = hash;
            height_ = next;
        }
        if (work_ >= minimum_work_) {
            phase_ = Phase::REDOWNLOAD;
            buffer_.clear();
            redownload_last_hash_ = chain_start_->hash;
            redownload_last_bits_ = chain_start_->header.bits;
            redownload_height_ = chain_start_->height;
            redownload_work_ = chain_start_->chain_work;
            r.request_more = true;
        } else if (full_message) {
            r.request_more = true;
        } else {
            // The peer's chain ended without enough work: nothing to store.
            phase_ = Phase::FINAL;
        }
        return r;
    }

    // REDOWNLOAD
    if (headers.front().prev_block != redownload_last_hash_) return fail();
    for (const BlockHeader& h : headers) {
        const int64_t next = redownload_height_ + 1;
        if (h.prev_block != redownload_last_hash_) return fail();
        if (!permitted_difficulty_transition(consensus_, next, redownload_last_bits_, h.bits)) return fail();
        const uint256 hash = h.hash();
        redownload_work_ += block_proof(h.bits);
        if (redownload_work_ >= minimum_work_) release_all_ = true;
        if (next % params_.commitment_period == commit_offset_ && !release_all_) {
            // Running out of commitments means the peer now serves a longer chain than
            // the one it presynced without reaching the work: not the same chain.
            if (commitments_.empty() || commitments_.front() != commitment_bit(hash)) return fail();
            commitments_.pop_front();
        }
        buffer_.push_back(h);
        redownload_last_hash_ = hash;
        redownload_last_bits_ = h.bits;
        redownload_height_ = next;
    }
    while (!buffer_.empty() && (buffer_.size() > params_.redownload_buffer || release_all_)) {
        r.ready.push_back(buffer_.front());
        buffer_.pop_front();
    }
    if (release_all_ && buffer_.empty() && !full_message) {
        phase_ = Phase::FINAL;
    } else if (full_message) {
        r.request_more = true;
    } else {
        // Chain ended before the redownloaded work reached the threshold: it lied or
        // changed its chain; drop what is buffered.
        phase_ = Phase::FINAL;
        buffer_.clear();
    }
    return r;
}

std::vector<uint256> HeadersSync::locator() const {
    std::vector<uint256> loc;
    if (phase_ == Phase::PRESYNC) loc.push_back(last_hash_);
    else if (phase_ == Phase::REDOWNLOAD) loc.push_back(redownload_last_hash_);
    for (const uint256& h : block_locator(chain_start_))
        if (loc.empty() || h != loc.front()) loc.push_back(h);
    return loc;
}

}  // namespace minicash::net
