// The production JobRunner (job_runner.h): one background thread that runs jobs in
// order, so that the network event loop never waits for the chain state or the disk.
//
// Thread rules: start(), stop() and post() may be called from any thread; jobs run on
// the worker's own thread. stop() finishes the running job and drops the queued ones; a
// dropped job's awaiting coroutine is destroyed without resuming (only during shutdown).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "net/job_runner.h"

namespace minicash::net {

class Worker final : public JobRunner {
public:
    explicit Worker(std::string name) : name_(std::move(name)) {}
    ~Worker() override { stop(); }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start();
    void stop();
    [[nodiscard]] bool post(Job job) override;
    size_t queued() const;

private:
    void loop();

    std::string name_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Job> jobs_;
    bool stopping_ = false;
    bool started_ = false;
    std::thread thread_;
};

}  // namespace minicash::net
