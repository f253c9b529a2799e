#include "node/versionbits.h"

#include "node/block_index.h"

namespace minicash {

namespace {

constexpr uint32_t kTopMask = 0xE0000000u;
constexpr uint32_t kTopBits = 0x20000000u;

bool signals(const BlockIndex* b, const Bip9Deployment& d) {
    const uint32_t v = uint32_t(b->header.version);
    return (v & kTopMask) == kTopBits && (v >> d.bit) & 1u;
}

// The last block of the period before the one `prev`'s successor lies in.
const BlockIndex* period_end(const BlockIndex* prev, const Bip9Deployment& d) {
    if (!prev) return nullptr;
    return prev->ancestor(prev->height - ((prev->height + 1) % d.period));
}

// Core's GetStateFor: the state of the block after `prev` (states change on period boundaries).
Bip9State state_for(const BlockIndex* prev, const Bip9Deployment& d) {
    if (d.start_time == Bip9Deployment::kAlwaysActive) return Bip9State::ACTIVE;
    if (d.start_time == Bip9Deployment::kNeverActive) return Bip9State::FAILED;
    std::vector<const BlockIndex*> ends;  // period ends from old to new, after the last DEFINED one
    for (const BlockIndex* p = period_end(prev, d); p && p->median_time_past() >= d.start_time;
         p = p->ancestor(p->height - d.period))
        ends.insert(ends.begin(), p);
    Bip9State state = Bip9State::DEFINED;
    for (const BlockIndex* p : ends) {
        switch (state) {
        case Bip9State::DEFINED:
            if (p->median_time_past() >= d.start_time) state = Bip9State::STARTED;
            break;
        case Bip9State::STARTED: {
            int count = 0;
            const BlockIndex* b = p;
            for (int i = 0; i < d.period && b; ++i, b = b->prev)
                if (signals(b, d)) ++count;
            if (count >= d.threshold) state = Bip9State::LOCKED_IN;
            else if (p->median_time_past() >= d.timeout) state = Bip9State::FAILED;
            break;
        }
        case Bip9State::LOCKED_IN:
            if (p->height + 1 >= d.min_activation_height) state = Bip9State::ACTIVE;
            break;
        case Bip9State::ACTIVE:
        case Bip9State::FAILED: break;
        }
    }
    return state;
}

// Core's GetStateSinceHeightFor: the first height of the run of periods in `prev`'s state.
int state_since(const BlockIndex* prev, const Bip9Deployment& d) {
    if (d.start_time == Bip9Deployment::kAlwaysActive || d.start_time == Bip9Deployment::kNeverActive) return 0;
    const Bip9State initial = state_for(prev, d);
    if (initial == Bip9State::DEFINED) return 0;
    const BlockIndex* p = period_end(prev, d);
    for (;;) {
        const BlockIndex* earlier = p->height >= d.period ? p->ancestor(p->height - d.period) : nullptr;
        if (!earlier || state_for(earlier, d) != initial) break;
        p = earlier;
    }
    return p->height + 1;
}

}  // namespace

std::vector<Bip9Deployment> bip9_deployments(Network network) {
    Bip9Deployment dummy{"testdummy", 28, 1199145601, 1230767999, 0, 2016, 1815};  // 2008-01-01 .. 2008-12-31
    Bip9Deployment taproot{"taproot", 2, Bip9Deployment::kAlwaysActive, Bip9Deployment::kNoTimeout, 0, 2016, 1815};
    switch (network) {
    case Network::MAIN:
        taproot.start_time = 1619222400;  // 2021-04-24
        taproot.timeout = 1628640000;     // 2021-08-11
        taproot.min_activation_height = 709632;
        taproot.threshold = 1815;
        return {dummy, taproot};
    case Network::TESTNET4: dummy.threshold = taproot.threshold = 1512; return {dummy, taproot};
    case Network::SIGNET:
        dummy.threshold = taproot.threshold = 1815;
        return {taproot};  // testdummy is NEVER_ACTIVE there
    case Network::REGTEST:
        dummy.start_time = 0;
        dummy.timeout = Bip9Deployment::kNoTimeout;
        dummy.period = taproot.period = 144;
        dummy.threshold = taproot.threshold = 108;
        return {dummy, taproot};
    }
    return {};
}

const char* bip9_state_name(Bip9State s) {
    switch (s) {
    case Bip9State::DEFINED: return "defined";
    case Bip9State::STARTED: return "started";
    case Bip9State::LOCKED_IN: return "locked_in";
    case Bip9State::ACTIVE: return "active";
    case Bip9State::FAILED: return "failed";
    }
    return "";
}

Bip9Info bip9_info(const BlockIndex& block, const Bip9Deployment& d) {
    Bip9Info r;
    r.current = state_for(block.prev, d);
    r.next = state_for(&block, d);
    r.since = state_since(block.prev, d);
    if (r.current == Bip9State::STARTED || r.current == Bip9State::LOCKED_IN) {
        Bip9Stats s;
        s.period = d.period;
        s.threshold = d.threshold;
        int in_period = 1 + block.height % d.period;
        r.signalling.assign(size_t(in_period), '-');
        const BlockIndex* b = &block;
        while (in_period > 0 && b) {
            ++s.elapsed;
            --in_period;
            if (signals(b, d)) {
                ++s.count;
                r.signalling[size_t(in_period)] = '#';
            }
            b = b->prev;
        }
        s.possible = (s.period - s.threshold) >= (s.elapsed - s.count);
        if (r.current == Bip9State::LOCKED_IN) {
            s.threshold = 0;
            s.possible = false;
        }
        r.stats = s;
    }
    if (r.current == Bip9State::ACTIVE) r.active_since = r.since;
    else if (r.next == Bip9State::ACTIVE) r.active_since = block.height + 1;
    return r;
}

}  // namespace minicash
