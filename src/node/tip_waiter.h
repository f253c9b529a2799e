// Lets RPC callers wait for the active chain's tip to change (waitfornewblock,
// waitforblock, waitforblockheight): every connection, disconnection and tip update of
// the chain state wakes the waiters, which then read the tip again.
//
// Thread-safety: any thread may wait; the chain state's listeners notify under its lock
// (they only take this object's mutex, never the chain state's).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace minicash {

class Chainstate;
struct BlockIndex;

class TipWaiter {
public:
    // Registers the listeners on `chain`, which must outlive this object. The listeners
    // hold only the shared wake-up state, so they stay harmless after this object is gone.
    explicit TipWaiter(Chainstate& chain);

    // Waits until `done(tip)` holds for the current tip, `timeout` has passed (zero: no
    // limit) or `stop()` turns true (polled at least every 200 ms). Returns the tip read last.
    const BlockIndex* wait(const std::function<bool(const BlockIndex*)>& done, std::chrono::milliseconds timeout,
                           const std::function<bool()>& stop);

private:
    struct Signal {
        std::mutex mutex;
        std::condition_variable changed;
        uint64_t changes = 0;  // guarded by mutex: bumped on every tip movement
        void notify();
    };
    Chainstate& chain_;
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
};

}  // namespace minicash
