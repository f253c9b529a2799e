#include "node/tip_waiter.h"

#include <algorithm>

#include "node/chainstate.h"

namespace minicash {

TipWaiter::TipWaiter(Chainstate& chain) : chain_(chain) {
    Chainstate::Listener l;
    std::shared_ptr<Signal> s = signal_;
    l.connected = [s](const Block&, const BlockIndex*, const Chainstate::View&) { s->notify(); };
    l.disconnected = [s](const Block&, const BlockIndex*, const Chainstate::View&) { s->notify(); };
    l.tip_updated = [s](const BlockIndex*, const BlockIndex*, bool, const Chainstate::View&) { s->notify(); };
    chain_.add_listener(std::move(l));
}

void TipWaiter::Signal::notify() {
    {
        std::lock_guard lock(mutex);
        ++changes;
    }
    changed.notify_all();
}

const BlockIndex* TipWaiter::wait(const std::function<bool(const BlockIndex*)>& done, std::chrono::milliseconds timeout,
                                  const std::function<bool()>& stop) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    constexpr auto kPoll = std::chrono::milliseconds(200);
    for (;;) {
        uint64_t seen;
        {
            std::lock_guard lock(signal_->mutex);
            seen = signal_->changes;
        }
        const BlockIndex* tip = chain_.tip();
        if (done(tip) || (stop && stop())) return tip;
        auto until = std::chrono::steady_clock::now() + kPoll;
        if (timeout.count() > 0) {
            if (std::chrono::steady_clock::now() >= deadline) return tip;
            until = std::min(until, deadline);
        }
        std::unique_lock lock(signal_->mutex);
        signal_->changed.wait_until(lock, until, [&] { return signal_->changes != seen; });
    }
}

}  // namespace minicash
