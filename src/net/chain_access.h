// What the sync and relay logic needs of the chain state, as an interface: headers and
// blocks go in, block index entries and block bytes come out. The production adapter
// (make_chain_access) wraps node::Chainstate; tests may wrap a regtest Chainstate in a
// temporary directory the same way.
//
// Thread rules: every method except subscribe() may block on the chain state's lock
// (held for whole block validations) or the disk, so the P2P logic calls them only from
// job-runner jobs (job_runner.h), never on the event loop. The BlockIndex pointers
// returned stay valid for the chain state's life; only their immutable fields (hash,
// header, height, prev/skip, chain work) may be read on the event loop.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/block.h"
#include "consensus/validation_state.h"
#include "node/block_index.h"

namespace minicash {
class Chainstate;
}

namespace minicash::net {

// Where a block with a given header would go, against one consistent tip.
struct BlockPlacement {
    const BlockIndex* tip = nullptr;
    bool parent_known = false;   // the block or its parent is in the block index
    bool have_data = false;      // the block's data is already stored
    bool known_invalid = false;  // the block itself is in the index, marked invalid
    int height = -1;             // its height, when parent_known
    arith_uint256 chain_work;    // its chain work, when parent_known
};

class ChainAccess {
public:
    virtual ~ChainAccess() = default;

    virtual const BlockIndex* tip() const = 0;
    // The most-work header whose ancestry (back to the active chain) has no block known
    // to be invalid; at least the tip.
    virtual const BlockIndex* best_header() const = 0;
    virtual const BlockIndex* lookup(const uint256& hash) const = 0;
    // Header-only acceptance (Chainstate::process_header).
    [[nodiscard]] virtual bool process_header(const BlockHeader& header, ValidationState& state,
                                              const BlockIndex** out) = 0;
    // Full validation and storage (Chainstate::process_block). Throws StorageError.
    [[nodiscard]] virtual bool process_block(const Block& block, ValidationState& state, bool* is_new) = 0;
    virtual BlockPlacement placement(const uint256& hash, const BlockHeader& header) const = 0;
    // After process_block(hash) failed: the block found invalid — `hash` itself, or a
    // stored ancestor off the active chain it made us connect — or null when neither is
    // marked (a block on another branch broke the rule: nobody is to blame).
    virtual uint256 invalid_culprit(const uint256& hash) const = 0;
    // Core's getheaders/getblocks walk: the active-chain blocks after the newest locator
    // entry on the active chain (or our tip, when an entry is ahead of it on our chain;
    // genesis when none is known), at most `limit`, ending at `stop` (included when
    // `stop_inclusive`). An empty locator names just `stop` (when known and not invalid).
    virtual std::vector<const BlockIndex*> blocks_after_locator(const std::vector<uint256>& locator,
                                                                const uint256& stop, size_t limit,
                                                                bool stop_inclusive) const = 0;
    // A block's serialization for a peer (with witness data when `witness`), only when it
    // is on the active chain or fully validated (Core's BlockRequestAllowed); nullopt
    // otherwise or when it cannot be read.
    [[nodiscard]] virtual std::optional<Bytes> read_block_for_peer(const uint256& hash, bool witness) const = 0;
    // Blocks are being loaded from files (-loadblock, -reindex): no block is downloaded
    // meanwhile (Core's LoadingBlocks), since the files may hold it. Takes no lock.
    virtual bool loading_blocks() const = 0;

    // Notifications, called on whatever thread moves the tip, under the chain state's
    // lock: they must not call back into the chain state (post to the event loop).
    struct Listener {
        std::function<void(const BlockIndex*)> connected;
        std::function<void(const BlockIndex*)> disconnected;
    };
    virtual void subscribe(Listener listener) = 0;
};

// The ChainAccess of a Chainstate (which must outlive it).
std::unique_ptr<ChainAccess> make_chain_access(Chainstate& chainstate);

}  // namespace minicash::net
