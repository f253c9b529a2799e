#include "node/fee_estimator.h"

#include <algorithm>
#include <cmath>

namespace minicash {
namespace {

constexpr Amount kMinBucket = 100;       // 0.1 sat/vB
constexpr Amount kMaxBucket = 10000000;  // 10000 sat/vB
constexpr double kSpacing = 1.05;

}  // namespace

FeeEstimator::FeeEstimator() {
    for (double b = double(kMinBucket); b <= double(kMaxBucket); b *= kSpacing) bounds_.push_back(Amount(b));
    const size_t cells = bounds_.size() * size_t(kMaxTarget + 1);
    confirmed_.assign(cells, 0.0);
    failed_.assign(cells, 0.0);
    rate_sum_.assign(bounds_.size(), 0.0);
    rate_count_.assign(bounds_.size(), 0.0);
}

size_t FeeEstimator::bucket_for(Amount rate) const {
    // The last bucket whose lower bound is <= rate (rates below the first go there too).
    auto it = std::upper_bound(bounds_.begin(), bounds_.end(), rate);
    return it == bounds_.begin() ? 0 : size_t(it - bounds_.begin()) - 1;
}

void FeeEstimator::track(const uint256& txid, int height, Amount sat_per_kvb) {
    tracked_[txid] = Tracked{int(bucket_for(sat_per_kvb)), height, sat_per_kvb};
}

void FeeEstimator::untrack(const uint256& txid, int height, bool in_block) {
    auto it = tracked_.find(txid);
    if (it == tracked_.end()) return;
    if (!in_block) {
        const int waited = std::min(height - it->second.height, kMaxTarget);
        if (waited >= 1) failed_at(size_t(it->second.bucket), waited) += 1.0;
    }
    tracked_.erase(it);
}

void FeeEstimator::process_block(int height, const std::vector<uint256>& confirmed) {
    if (height <= best_height_) return;  // reorganisation: ignored
    best_height_ = height;
    if (first_height_ < 0) first_height_ = height;
    for (double& v : confirmed_) v *= kDecay;
    for (double& v : failed_) v *= kDecay;
    for (double& v : rate_sum_) v *= kDecay;
    for (double& v : rate_count_) v *= kDecay;
    for (const uint256& txid : confirmed) {
        auto it = tracked_.find(txid);
        if (it == tracked_.end()) continue;
        const Tracked& t = it->second;
        const int blocks = std::clamp(height - t.height, 1, kMaxTarget);
        confirmed_at(size_t(t.bucket), blocks) += 1.0;
        rate_sum_[size_t(t.bucket)] += double(t.rate);
        rate_count_[size_t(t.bucket)] += 1.0;
        tracked_.erase(it);
    }
}

std::optional<std::pair<Amount, int>> FeeEstimator::estimate(int target, int tip_height) const {
    if (best_height_ < 0) return std::nullopt;
    target = std::max(target, 2);
    const int max_usable = std::min(kMaxTarget, (best_height_ - first_height_) / 2);
    if (max_usable < 2) return std::nullopt;
    target = std::min(target, max_usable);

    const size_t n = bounds_.size();
    const size_t row = size_t(kMaxTarget + 1);
    std::vector<double> waiting(n, 0.0);  // still unconfirmed after `target` or more blocks
    for (const auto& [txid, t] : tracked_)
        if (tip_height - t.height >= target) waiting[size_t(t.bucket)] += 1.0;

    struct Group {
        double within = 0, total = 0, rate_sum = 0, rate_count = 0;
    };
    Group group, best;
    bool found = false;
    for (size_t b = n; b-- > 0;) {
        const double* conf = &confirmed_[b * row];
        const double* fail = &failed_[b * row];
        double within = 0, all = 0, failures = 0;
        for (int k = 1; k <= kMaxTarget; ++k) {
            all += conf[k];
            if (k <= target) within += conf[k];
            if (k >= target) failures += fail[k];
        }
        group.within += within;
        group.total += all + failures + waiting[b];
        group.rate_sum += rate_sum_[b];
        group.rate_count += rate_count_[b];
        if (group.total < kMinSamples) continue;
        if (group.within / group.total < kSuccessThreshold) break;
        best = group;
        found = true;
        group = Group{};
    }
    if (!found || best.rate_count <= 0) return std::nullopt;
    return std::make_pair(Amount(std::llround(best.rate_sum / best.rate_count)), target);
}

FeeEstimator::RawEstimate FeeEstimator::estimate_raw(int target, double threshold, int tip_height) const {
    RawEstimate r;
    if (best_height_ < 0 || target < 1 || target > kMaxTarget) return r;
    const size_t n = bounds_.size();
    const size_t row = size_t(kMaxTarget + 1);
    std::vector<double> waiting(n, 0.0);  // still unconfirmed after `target` or more blocks
    for (const auto& [txid, t] : tracked_)
        if (tip_height - t.height >= target) waiting[size_t(t.bucket)] += 1.0;
    Range group;
    double rate_sum = 0, rate_count = 0, best_rate_sum = 0, best_rate_count = 0;
    auto upper = [&](size_t b) { return b + 1 < n ? double(bounds_[b + 1]) : double(bounds_[b]) * kSpacing; };
    for (size_t b = n; b-- > 0;) {
        const double* conf = &confirmed_[b * row];
        const double* fail = &failed_[b * row];
        if (group.end < 0) group.end = upper(b);
        group.start = double(bounds_[b]);
        for (int k = 1; k <= kMaxTarget; ++k) {
            group.total_confirmed += conf[k];
            if (k <= target) group.within_target += conf[k];
            if (k >= target) group.left_mempool += fail[k];
        }
        group.in_mempool += waiting[b];
        rate_sum += rate_sum_[b];
        rate_count += rate_count_[b];
        const double total = group.total_confirmed + group.left_mempool + group.in_mempool;
        if (total < kMinSamples) continue;
        if (group.within_target / total < threshold) {
            r.fail = group;
            break;
        }
        r.pass = group;
        best_rate_sum = rate_sum;
        best_rate_count = rate_count;
        group = Range{};
        rate_sum = rate_count = 0;
    }
    if (r.pass.start >= 0 && best_rate_count > 0) r.feerate = Amount(std::llround(best_rate_sum / best_rate_count));
    return r;
}

}  // namespace minicash
