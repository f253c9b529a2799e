// The process's wall clock, with Bitcoin Core's mock time (-mocktime, setmocktime).
//
// Everything that compares "now" with a block, transaction or peer timestamp reads
// unix_time(): block time checks, the miner's timestamps, mempool entry times and expiry,
// uptime, the P2P layer's unix readings. While a mock time is set, unix_time() returns it
// and stands still, as Core's NodeClock does.
//
// Durations measured on the steady clock (peer timeouts, ping intervals) move with it by
// mock_steady_offset(): how far a mock time has ever been ahead of the real clock. That
// offset never decreases, so a steady reading plus the offset stays monotonic whatever
// mock times are set.
//
// Thread-safety: every function may be called from any thread (the state is atomic).
#pragma once

#include <chrono>
#include <cstdint>

namespace minicash {

// Seconds since the epoch: the mock time when one is set, else the system clock.
int64_t unix_time();
// The same in milliseconds (a mock time is a whole second).
int64_t unix_time_millis();

// Core's SetMockTime: seconds > 0 fixes unix_time() there; 0 returns to the real clock.
// Negative values are the caller's to refuse (treated as 0).
void set_mock_time(int64_t seconds);
// The mock time in seconds, 0 when the real clock is in use.
int64_t mock_time();

// How far a mock time has ever been ahead of the real clock (0 when never).
std::chrono::milliseconds mock_steady_offset();

// Core's largest mock time: what fits in nanoseconds since the epoch (9223372036 s).
constexpr int64_t kMaxMockTime = 9223372036;

}  // namespace minicash
