// Low-work headers anti-DoS (a simplified version of Bitcoin Core's PRESYNC/REDOWNLOAD
// in headerssync.cpp).
//
// A peer could feed us an endless chain of cheap headers forking from genesis. Headers
// are only handed to the chain state (which keeps them forever) once the chain they
// belong to is known to carry enough work: at least the anti-DoS threshold (our tip's
// work minus 144 blocks', or the network's minimum chain work, whichever is larger).
//
// PRESYNC: the peer's chain is downloaded once without storing it: continuity,
//   proof of work (checked by the caller) and permitted difficulty transitions are
//   verified and the work is summed. Every `commitment_period`-th header (at a random
//   offset) contributes one bit — a salted hash of it — to a commitment list; that is
//   all that is kept (about 1 bit per 600 headers, and at most as many as the time
//   since the fork point allows at 6 blocks a second).
// REDOWNLOAD: once the sum reaches the threshold, the same chain is requested again from
//   the fork point. Headers are checked against the commitments and buffered; they are
//   released to the chain state only when `redownload_buffer` more headers have been
//   checked after them, or when the redownloaded work itself reaches the threshold. A
//   peer that serves a different chain the second time fails a commitment with
//   probability 1/2 per commitment; with ~23 commitments inside the buffer, the chance
//   of getting a fake header stored is about 2^-23 per attempt.
//
// Memory: the commitment bits plus at most redownload_buffer + 2000 headers per peer.
// Not thread-safe; used on the network event loop only.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "consensus/block.h"
#include "consensus/params.h"
#include "node/block_index.h"
#include "util/arith_uint256.h"

namespace minicash::net {

// Whether a header with `new_bits` at `height` may follow one with `old_bits`, as far as
// it can be told without the chain (Core's PermittedDifficultyTransition).
bool permitted_difficulty_transition(const ConsensusParams& params, int64_t height, uint32_t old_bits,
                                     uint32_t new_bits);

// The anti-DoS work threshold: max(tip work - 144 blocks' work, minimum chain work).
arith_uint256 anti_dos_work_threshold(const BlockIndex* tip, const ConsensusParams& params);

// A block locator: hashes of `start` and its ancestors, dense for the last 10 then
// doubling steps, ending with genesis (at most about 2*log2(height)+10 entries).
std::vector<uint256> block_locator(const BlockIndex* start);

class HeadersSync {
public:
    enum class Phase { PRESYNC, REDOWNLOAD, FINAL };

    struct Params {
        int commitment_period = 600;
        size_t redownload_buffer = 14000;
    };

    struct Result {
        std::vector<BlockHeader> ready;  // to hand to the chain state, in order
        bool success = true;             // false: the peer sent something inconsistent
        bool request_more = false;       // ask the peer for the next batch (see locator())
    };

    // REQUIRES: chain_start stays valid (a BlockIndex of the chain state).
    HeadersSync(const ConsensusParams& consensus, const BlockIndex* chain_start, const arith_uint256& minimum_work,
                int64_t now, uint64_t salt, Params params);
    HeadersSync(const ConsensusParams& consensus, const BlockIndex* chain_start, const arith_uint256& minimum_work,
                int64_t now, uint64_t salt)
        : HeadersSync(consensus, chain_start, minimum_work, now, salt, Params{}) {}

    // Feeds one headers message (continuous, PoW already checked by the caller).
    // `full_message`: it carried the maximum number of headers (the peer has more).
    [[nodiscard]] Result process(const std::vector<BlockHeader>& headers, bool full_message);
    // The locator for the next getheaders to this peer.
    std::vector<uint256> locator() const;

    Phase phase() const { return phase_; }
    const BlockIndex* chain_start() const { return chain_start_; }
    int64_t presync_height() const { return height_; }
    const arith_uint256& presync_work() const { return work_; }
    uint32_t presync_time() const { return last_header_.time; }

private:
    bool commitment_bit(const uint256& hash) const;
    Result fail();

    const ConsensusParams& consensus_;
    const BlockIndex* chain_start_;
    arith_uint256 minimum_work_;
    uint64_t salt_;
    Params params_;
    int commit_offset_;
    size_t max_commitments_;
    Phase phase_ = Phase::PRESYNC;

    // PRESYNC
    BlockHeader last_header_;
    uint256 last_hash_;
    int64_t height_;
    arith_uint256 work_;
    std::deque<bool> commitments_;

    // REDOWNLOAD
    std::deque<BlockHeader> buffer_;
    uint256 redownload_last_hash_;
    uint32_t redownload_last_bits_ = 0;
    int64_t redownload_height_ = 0;
    arith_uint256 redownload_work_;
    bool release_all_ = false;
};

}  // namespace minicash::net
