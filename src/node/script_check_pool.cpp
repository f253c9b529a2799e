#include "node/script_check_pool.h"

#include "consensus/interpreter.h"
#include "node/sig_cache.h"

namespace minicash {
namespace {
constexpr size_t kChunk = 16;  // checks claimed per lock acquisition
}

ScriptCheckPool::ScriptCheckPool(int threads, const SignatureCache* cache) : cache_(cache) {
    if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ScriptCheckPool::~ScriptCheckPool() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
}

bool ScriptCheckPool::check_one(const ScriptCheck& c, ScriptError& error) const {
    const TxIn& in = c.tx->vin[c.n_in];
    if (cache_) {
        // Block validation consults the cache filled by mempool acceptance but never adds to it.
        CachingTransactionSignatureChecker checker(*c.tx, c.n_in, c.spent->value, c.txdata,
                                                   const_cast<SignatureCache&>(*cache_), false);
        return verify_script(in.script_sig, c.spent->script_pubkey, &in.witness, c.flags, checker, &error);
    }
    TransactionSignatureChecker checker(*c.tx, c.n_in, c.spent->value, c.txdata);
    return verify_script(in.script_sig, c.spent->script_pubkey, &in.witness, c.flags, checker, &error);
}

// Claims chunks of the current batch until it is exhausted or a failure was found.
// REQUIRES: called with busy_ already counted for this thread.
void ScriptCheckPool::work_on_batch() {
    std::unique_lock lock(mutex_);
    const std::vector<ScriptCheck>* batch = batch_;
    while (batch && !failure_ && next_ < batch->size()) {
        const size_t begin = next_;
        const size_t end = std::min(batch->size(), begin + kChunk);
        next_ = end;
        lock.unlock();
        std::optional<ScriptCheckFailure> found;
        for (size_t i = begin; i < end && !found; ++i) {
            ScriptError error = ScriptError::OK;
            if (!check_one((*batch)[i], error)) found = ScriptCheckFailure{error, (*batch)[i].tx, (*batch)[i].n_in};
        }
        lock.lock();
        if (found && !failure_) failure_ = found;
    }
    if (--busy_ == 0) done_cv_.notify_all();
}

void ScriptCheckPool::worker_loop() {
    uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    while (true) {
        work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        ++busy_;
        lock.unlock();
        work_on_batch();
        lock.lock();
    }
}

std::optional<ScriptCheckFailure> ScriptCheckPool::run(const std::vector<ScriptCheck>& checks) {
    if (checks.empty()) return std::nullopt;
    {
        std::lock_guard lock(mutex_);
        batch_ = &checks;
        next_ = 0;
        failure_.reset();
        ++generation_;
        ++busy_;  // this thread
    }
    if (!workers_.empty() && checks.size() > kChunk) work_cv_.notify_all();
    work_on_batch();
    std::unique_lock lock(mutex_);
    done_cv_.wait(lock, [&] { return busy_ == 0; });
    batch_ = nullptr;
    return failure_;
}

}  // namespace minicash
