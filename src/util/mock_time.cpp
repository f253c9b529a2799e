#include "util/mock_time.h"

#include <atomic>

namespace minicash {

namespace {

std::atomic<int64_t> g_mock_seconds{0};
std::atomic<int64_t> g_steady_offset_ms{0};  // only grows

int64_t real_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

int64_t unix_time() {
    if (const int64_t mock = g_mock_seconds.load()) return mock;
    return real_millis() / 1000;
}

int64_t unix_time_millis() {
    if (const int64_t mock = g_mock_seconds.load()) return mock * 1000;
    return real_millis();
}

void set_mock_time(int64_t seconds) {
    if (seconds < 0) seconds = 0;
    g_mock_seconds.store(seconds);
    if (seconds == 0) return;
    const int64_t ahead = seconds * 1000 - real_millis();
    int64_t current = g_steady_offset_ms.load();
    while (ahead > current && !g_steady_offset_ms.compare_exchange_weak(current, ahead)) {}
}

int64_t mock_time() { return g_mock_seconds.load(); }

std::chrono::milliseconds mock_steady_offset() { return std::chrono::milliseconds(g_steady_offset_ms.load()); }

}  // namespace minicash
