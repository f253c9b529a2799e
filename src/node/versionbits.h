// BIP9 version-bits deployments as Bitcoin Core reports them (getdeploymentinfo): each
// network's deployments (testdummy, taproot) with Core's parameters, and the BIP9 state
// machine over the block tree (defined, started, locked_in, active, failed; with
// min_activation_height). minicash enforces taproot by its buried rules; this is the
// report of what Core's version-bits logic would say for a block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"

namespace minicash {

struct BlockIndex;

struct Bip9Deployment {
    std::string name;
    int bit = 28;
    int64_t start_time = 0;  // median time past; kAlwaysActive / kNeverActive are special
    int64_t timeout = 0;
    int min_activation_height = 0;
    int period = 2016;
    int threshold = 1815;
    static constexpr int64_t kAlwaysActive = -1;
    static constexpr int64_t kNeverActive = -2;
    static constexpr int64_t kNoTimeout = INT64_MAX;
};

// Core's deployments of `network`, in Core's order (NEVER_ACTIVE ones left out).
std::vector<Bip9Deployment> bip9_deployments(Network network);

enum class Bip9State { DEFINED, STARTED, LOCKED_IN, ACTIVE, FAILED };
const char* bip9_state_name(Bip9State s);  // "defined", "started", ...

struct Bip9Stats {
    int period = 0, threshold = 0, elapsed = 0, count = 0;
    bool possible = false;
};

// Core's VersionBitsCache::Info for `block`: the state at it and at the next block, the
// height its state started, and signalling statistics while started or locked in.
struct Bip9Info {
    Bip9State current = Bip9State::DEFINED;
    Bip9State next = Bip9State::DEFINED;
    int since = 0;
    std::optional<Bip9Stats> stats;
    std::string signalling;           // '#' signalled, '-' did not, for this period so far
    std::optional<int> active_since;  // height from which the rules apply, once known
};
// REQUIRES: the caller holds what keeps `block`'s ancestry stable (the block tree only grows).
Bip9Info bip9_info(const BlockIndex& block, const Bip9Deployment& d);

}  // namespace minicash
