// rpc/auth_throttle.h: the schedule of answers to failed RPC authentication.
#include "rpc/auth_throttle.h"

#include <gtest/gtest.h>

using namespace minicash::rpc;
using namespace std::chrono_literals;

namespace {

using Clock = AuthFailureThrottle::Clock;

AuthFailureThrottle::Options options() {
    AuthFailureThrottle::Options o;
    o.delay = 250ms;
    o.cap = 2000ms;
    o.forget_after = 60s;
    o.max_addresses = 3;
    return o;
}

}  // namespace

TEST(AuthFailureThrottle, ParallelFailuresOfOneAddressAreAnsweredInTurnWithGrowingWaits) {
    AuthFailureThrottle t(options());
    const Clock::time_point now{};
    // Six failures arriving at once, as from parallel connections.
    std::vector<Clock::duration> at;
    for (int i = 0; i < 6; ++i) at.push_back(t.on_failure("10.0.0.1", now).at - now);
    EXPECT_EQ(at, (std::vector<Clock::duration>{250ms, 750ms, 1750ms, 3750ms, 5750ms, 7750ms}));
    // Another address has its own schedule.
    EXPECT_EQ(t.on_failure("10.0.0.2", now).at - now, 250ms);
}

TEST(AuthFailureThrottle, LogsOnceWhenThrottlingStarts) {
    AuthFailureThrottle t(options());
    const Clock::time_point now{};
    EXPECT_FALSE(t.on_failure("a", now).throttling_started);
    EXPECT_TRUE(t.on_failure("a", now).throttling_started);
    EXPECT_FALSE(t.on_failure("a", now).throttling_started);
    EXPECT_EQ(t.on_failure("a", now).failures, 4);
}

TEST(AuthFailureThrottle, SuccessRestartsTheDoublingAndQuietForgets) {
    AuthFailureThrottle t(options());
    const Clock::time_point now{};
    (void)t.on_failure("a", now);
    const auto second = t.on_failure("a", now).at;  // 750 ms
    t.on_success("a");
    const auto after = t.on_failure("a", now);
    EXPECT_EQ(after.failures, 1);
    EXPECT_EQ(after.at, second + 250ms) << "answers already scheduled keep their turn";
    const auto later = now + 10min;
    const auto fresh = t.on_failure("a", later);
    EXPECT_EQ(fresh.failures, 1);
    EXPECT_EQ(fresh.at, later + 250ms);
}

TEST(AuthFailureThrottle, MemoryIsBounded) {
    AuthFailureThrottle t(options());
    const Clock::time_point now{};
    for (int i = 0; i < 3; ++i) (void)t.on_failure("old" + std::to_string(i), now);
    // Beyond max_addresses, idle addresses are dropped: "old0" starts over.
    (void)t.on_failure("new", now + 10min);
    EXPECT_EQ(t.on_failure("old0", now + 10min).failures, 1);
}
