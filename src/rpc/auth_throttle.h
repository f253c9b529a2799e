// Throttling of failed RPC authentication, per source address.
//
// Every failed attempt is answered (401) only at a time this schedule gives: the
// failures of one address are answered one after another, each `delay` after the
// previous answer, and the delay doubles with each consecutive failure up to `cap`.
// So parallel connections from one address guess no faster than one connection, and
// guessing slows down the longer it goes on. A successful authentication from the
// address starts the doubling over (answers already scheduled keep their turn);
// `forget_after` without a failure forgets the address.
//
// Thread-safety: all methods lock one internal mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace minicash::rpc {

class AuthFailureThrottle {
public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        std::chrono::milliseconds delay{250};  // the first failure's wait (Core's)
        std::chrono::milliseconds cap{8000};   // the longest wait between two answers
        std::chrono::seconds forget_after{60};
        size_t max_addresses = 4096;  // beyond this, addresses idle for forget_after are dropped
    };

    struct Answer {
        Clock::time_point at;             // send the 401 then, not before
        int failures = 0;                 // consecutive failures of the address, this one included
        bool throttling_started = false;  // the first failure whose wait is longer than `delay`
    };

    explicit AuthFailureThrottle(Options options) : options_(options) {}
    AuthFailureThrottle() : AuthFailureThrottle(Options{}) {}

    // Records a failed attempt from `address` at `now`: when to answer it.
    Answer on_failure(const std::string& address, Clock::time_point now);
    // A successful authentication from `address`: its count of failures starts over.
    void on_success(const std::string& address);

private:
    struct State {
        int failures = 0;
        Clock::time_point last_answer{};  // the latest answer scheduled
    };
    Options options_;
    std::mutex mutex_;
    std::unordered_map<std::string, State> by_address_;  // guarded by mutex_
};

}  // namespace minicash::rpc
