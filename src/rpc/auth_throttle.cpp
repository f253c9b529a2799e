#include "rpc/auth_throttle.h"

#include <algorithm>

namespace minicash::rpc {

AuthFailureThrottle::Answer AuthFailureThrottle::on_failure(const std::string& address, Clock::time_point now) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (by_address_.size() >= options_.max_addresses) {
        std::erase_if(by_address_,
                      [&](const auto& entry) { return entry.second.last_answer + options_.forget_after < now; });
    }
    State& s = by_address_[address];
    if (s.failures > 0 && s.last_answer + options_.forget_after < now) s = State{};
    ++s.failures;
    // delay * 2^(failures - 1), at most cap.
    auto wait = options_.delay;
    for (int i = 1; i < s.failures && wait < options_.cap; ++i) wait *= 2;
    wait = std::min(wait, options_.cap);
    Answer a;
    a.at = std::max(now, s.last_answer) + wait;
    a.failures = s.failures;
    a.throttling_started = s.failures == 2;
    s.last_answer = a.at;
    return a;
}

void AuthFailureThrottle::on_success(const std::string& address) {
    const std::lock_guard<std::mutex> lock(mutex_);
    // The count starts over; answers already scheduled keep their turn.
    if (auto it = by_address_.find(address); it != by_address_.end()) it->second.failures = 0;
}

}  // namespace minicash::rpc
