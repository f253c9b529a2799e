#include "net/worker.h"

#include <pthread.h>

namespace minicash::net {

void Worker::start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
    thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), name_.substr(0, 15).c_str());
        loop();
    });
}

void Worker::stop() {
    std::deque<Job> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(jobs_);
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    // Dropped jobs are destroyed here, outside the lock.
}

bool Worker::post(Job job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || !started_) return false;
        jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
}

size_t Worker::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void Worker::loop() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        job();
    }
}

}  // namespace minicash::net
