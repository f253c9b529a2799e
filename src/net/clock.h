// The time source of the P2P layer: every timeout, interval, rate limit and timestamp in
// net/ reads "now" through a Clock, so that sync, relay, eviction and timeout logic can be
// driven by a test with a FakeClock instead of real waiting.
//
// Two readings: steady (monotonic, for durations and deadlines) and unix (seconds since
// the epoch, for what is compared with block or peer timestamps).
//
// Thread rules: every method of SystemClock and FakeClock may be called from any thread
// (their state is atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace minicash::net {

using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
public:
    virtual ~Clock() = default;
    virtual SteadyTime steady_now() const = 0;
    virtual int64_t unix_now() const = 0;  // seconds since the epoch
    // Milliseconds since the epoch (getnettotals' timemillis).
    virtual int64_t unix_now_millis() const = 0;
};

// The machine's clocks, read through the process's mock time (util/mock_time.h, Core's
// mocktime): the unix reading is the mock time while one is set, and the steady reading
// moves forward with it (mock_steady_offset), so peer timeouts follow setmocktime.
class SystemClock final : public Clock {
public:
    SteadyTime steady_now() const override;
    int64_t unix_now() const override;
    int64_t unix_now_millis() const override;
};

// The process's system clock (one instance, so a mock time applies to all of net/).
SystemClock& system_clock();

// A clock that moves only when told: advance() moves both readings together.
class FakeClock final : public Clock {
public:
    explicit FakeClock(int64_t unix_start = 1700000000)
        : steady_(SteadyTime{} + std::chrono::hours(1000)), unix_ms_(unix_start * 1000) {}
    SteadyTime steady_now() const override { return steady_.load(); }
    int64_t unix_now() const override { return unix_ms_.load() / 1000; }
    int64_t unix_now_millis() const override { return unix_ms_.load(); }
    void advance(std::chrono::milliseconds d) {
        steady_.store(steady_.load() + d);
        unix_ms_.fetch_add(d.count());
    }
    void set_unix(int64_t seconds) { unix_ms_.store(seconds * 1000); }

private:
    std::atomic<SteadyTime> steady_;
    std::atomic<int64_t> unix_ms_;
};

}  // namespace minicash::net
