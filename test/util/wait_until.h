// Polling until a condition holds, for tests that watch other processes.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <thread>

namespace minicash::test {

// Calls `cond` every `interval` until it returns true or `timeout` passes; returns the
// last answer. A condition that throws counts as "not yet" (a node that is still
// starting or stopping does not answer RPC).
inline bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds interval = std::chrono::milliseconds(100)) {
    const auto holds = [&] {
        try {
            return cond();
        } catch (const std::exception&) { return false; }
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (holds()) return true;
        std::this_thread::sleep_for(interval);
    }
    return holds();
}

}  // namespace minicash::test
