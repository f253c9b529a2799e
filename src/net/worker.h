// A single background thread that runs jobs in order, so that the network event loop
// never waits for the chain state (its lock is held for whole block validations) or
// the disk. Jobs are awaited from coroutines on the event loop: the job runs on the
// worker thread and the coroutine resumes on the loop with the job's result (or its
// exception).
//
// stop() finishes the running job and drops the queued ones; a dropped job's awaiting
// coroutine is destroyed without resuming (only during shutdown).
#pragma once

#include <boost/asio.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

namespace minicash::net {

namespace asio = boost::asio;

// A move-only callable of signature void() (std::function needs copyable targets).
class Job {
public:
    Job() = default;
    template <class F>
    explicit Job(F f) : impl_(std::make_unique<Model<F>>(std::move(f))) {}
    void operator()() { impl_->call(); }
    explicit operator bool() const { return bool(impl_); }

private:
    struct Concept {
        virtual ~Concept() = default;
        virtual void call() = 0;
    };
    template <class F>
    struct Model : Concept {
        explicit Model(F fn) : f(std::move(fn)) {}
        void call() override { f(); }
        F f;
    };
    std::unique_ptr<Concept> impl_;
};

class Worker {
public:
    explicit Worker(std::string name) : name_(std::move(name)) {}
    ~Worker() { stop(); }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    void start();
    void stop();
    // Queues a job; false (job destroyed) when stopped.
    bool post(Job job);
    size_t queued() const;

    // Runs `fn()` on the worker thread; the awaiting coroutine resumes on its own
    // executor with the result (or the exception `fn` threw). `fn` is taken by reference
    // and must stay alive until resumption: pass a named local of the awaiting coroutine.
    // (GCC 12 destroys lambda temporaries with non-trivial captures twice when they
    // appear inside a co_await expression, so job lambdas are never written inline.)
    // REQUIRES: the result type is default-constructible.
    template <class F>
    auto run(F& fn) -> asio::awaitable<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        static_assert(!std::is_void_v<R>, "worker jobs return a value");
        static_assert(std::is_default_constructible_v<R>, "worker job results must be default-constructible");
        auto initiation = [this, f = &fn](auto handler) {
            auto ex = asio::get_associated_executor(handler);
            post(Job([f, ex, handler = std::move(handler)]() mutable {
                std::exception_ptr e;
                R r{};
                try {
                    r = (*f)();
                } catch (...) {
                    e = std::current_exception();
                }
                asio::post(ex, [handler = std::move(handler), e, r = std::move(r)]() mutable {
                    std::move(handler)(e, std::move(r));
                });
            }));
        };
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(initiation,
                                                                                               asio::use_awaitable);
    }

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
