#include "node/tip_waiter.h"

#include <algorithm>

#include "node/chainstate.h"

namespace minicash {

TipWaiter::TipWaiter(Chainstate& chain) : chain_(chain) {
    Chainstate::Listener l;
    l.connected = [this](const Block&, const BlockIndex*, const Chainstate::View&) { notify(); };
    l.disconnected = [this](const Block&, const BlockIndex*, const Chainstate::View&) { notify(); };
    l.tip_updated = [this](const BlockIndex*, const BlockIndex*, bool, const Chainstate::View&) { notify(); };
    chain_.add_listener(std::move(l));
}

void TipWaiter::notify() {
    {
        std::lock_guard lock(mutex_);
        ++changes_;
    }
    changed_.notify_all();
}

const BlockIndex* TipWaiter::wait(const std::function<bool(const BlockIndex*)>& done,
                                  std::chrono::milliseconds timeout, const std::function<bool()>& stop) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    constexpr auto kPoll = std::chrono::milliseconds(200);
    for (;;) {
        uint64_t seen;
        {
            std::lock_guard lock(mutex_);
            seen = changes_;
        }
        const BlockIndex* tip = chain_.tip();
        if (done(tip) || (stop && stop())) return tip;
        auto until = std::chrono::steady_clock::now() + kPoll;
        if (timeout.count() > 0) {
            if (std::chrono::steady_clock::now() >= deadline) return tip;
            until = std::min(until, deadline);
        }
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, until, [&] { return changes_ != seen; });
    }
}

}  // namespace minicash
