#include "net/clock.h"

#include "util/mock_time.h"

namespace minicash::net {

SteadyTime SystemClock::steady_now() const { return std::chrono::steady_clock::now() + mock_steady_offset(); }

int64_t SystemClock::unix_now() const { return unix_time(); }

int64_t SystemClock::unix_now_millis() const { return unix_time_millis(); }

SystemClock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace minicash::net
