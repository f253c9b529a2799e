#include "net/clock.h"

namespace minicash::net {

int64_t SystemClock::unix_now() const {
    if (const int64_t mock = mock_unix_.load()) return mock;
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

int64_t SystemClock::unix_now_millis() const {
    if (const int64_t mock = mock_unix_.load()) return mock * 1000;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

SystemClock& system_clock() {
    static SystemClock clock;
    return clock;
}

}  // namespace minicash::net
