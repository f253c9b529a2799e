// Verifies the input scripts of a block on a pool of worker threads. The calling thread
// takes part, so one thread means "verify inline".
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "consensus/script_error.h"
#include "consensus/sighash.h"

namespace minicash {

class SignatureCache;

// One input to verify. Pointers must stay valid until run() returns.
struct ScriptCheck {
    const Transaction* tx;
    unsigned n_in;
    const TxOut* spent;
    const PrecomputedTxData* txdata;
    ScriptFlags flags;
};

struct ScriptCheckFailure {
    ScriptError error;
    const Transaction* tx;
    unsigned n_in;
};

class ScriptCheckPool {
public:
    // `threads` >= 1 counts the caller; 0 picks the number of cores. `cache` may be null;
    // block validation only reads it.
    ScriptCheckPool(int threads, const SignatureCache* cache);
    ~ScriptCheckPool();

    // Runs every check; returns the first failure found (any one, if several fail).
    // Not reentrant: one run() at a time.
    [[nodiscard]] std::optional<ScriptCheckFailure> run(const std::vector<ScriptCheck>& checks);

    int threads() const { return int(workers_.size()) + 1; }

private:
    void worker_loop();
    void work_on_batch();
    [[nodiscard]] bool check_one(const ScriptCheck& c, ScriptError& error) const;

    const SignatureCache* cache_;
    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable work_cv_, done_cv_;
    // Guarded by mutex_:
    const std::vector<ScriptCheck>* batch_ = nullptr;
    uint64_t generation_ = 0;
    size_t next_ = 0;
    int busy_ = 0;
    bool stop_ = false;
    std::optional<ScriptCheckFailure> failure_;
};

}  // namespace minicash
