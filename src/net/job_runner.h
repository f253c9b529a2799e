// Where the P2P logic runs work that may block (the chain state's lock is held for whole
// block validations; the mempool and the disk can be slow): a JobRunner runs jobs in the
// order posted, and a coroutine on the event loop awaits a job's result with run().
//
// Implementations: Worker (worker.h, one background thread, production) and, in tests,
// a runner whose jobs run only when the test says so (test/net/p2p_test_harness.h), so
// coroutines can be driven to quiescence on an io_context without threads racing.
//
// Thread rules: post() may be called from any thread. A job may block and must not touch
// event-loop state: it hands its result back through run()'s resumption (or an
// asio::post to the loop).
#pragma once

#include <boost/asio.hpp>

#include <exception>
#include <memory>
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

class JobRunner {
public:
    virtual ~JobRunner() = default;

    // Queues a job; false (job destroyed) when the runner is stopped.
    [[nodiscard]] virtual bool post(Job job) = 0;

    // Runs `fn()` as a job; the awaiting coroutine resumes on its own executor with the
    // result (or the exception `fn` threw). `fn` is taken by reference and must stay
    // alive until resumption: pass a named local of the awaiting coroutine. (GCC 12
    // destroys lambda temporaries with non-trivial captures twice when they appear
    // inside a co_await expression, so job lambdas are never written inline.) A job
    // dropped by a stopping runner destroys the awaiting coroutine without resuming it.
    // REQUIRES: the result type is default-constructible.
    template <class F>
    auto run(F& fn) -> asio::awaitable<std::invoke_result_t<F&>> {
        using R = std::invoke_result_t<F&>;
        static_assert(!std::is_void_v<R>, "jobs awaited with run() return a value");
        static_assert(std::is_default_constructible_v<R>, "job results must be default-constructible");
        auto initiation = [this, f = &fn](auto handler) {
            auto ex = asio::get_associated_executor(handler);
            post(Job([f, ex, handler = std::move(handler)]() mutable {
                std::exception_ptr e;
                R r{};
                try {
                    r = (*f)();
                } catch (...) { e = std::current_exception(); }
                asio::post(ex, [handler = std::move(handler), e, r = std::move(r)]() mutable {
                    std::move(handler)(e, std::move(r));
                });
            }));
        };
        return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::exception_ptr, R)>(initiation,
                                                                                                 asio::use_awaitable);
    }
};

}  // namespace minicash::net
