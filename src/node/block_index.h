// The in-memory block tree: one BlockIndex per known header, linked to its parent, with
// cumulative work and validation status. Owned by the Chainstate; entries never move or
// die while it lives, so raw pointers to them are stable.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "consensus/block.h"
#include "consensus/pow.h"
#include "storage/block_index_db.h"

namespace minicash {

struct BlockIndex {
    uint256 hash;
    BlockIndex* prev = nullptr;
    BlockIndex* skip = nullptr;  // an ancestor further back, for O(log n) ancestor lookups
    int height = 0;
    BlockHeader header;
    arith_uint256 chain_work;  // work of this block and all its ancestors
    uint32_t status = 0;       // BlockStatus bits
    uint32_t tx_count = 0;     // 0 until the block's data is stored
    // Transactions in this block and all ancestors; non-zero only once every ancestor's
    // data is stored too (the block can then be connected).
    uint64_t chain_tx_count = 0;
    FilePos data;
    FilePos undo;
    // Order in which block data arrived: among equal-work tips the first seen wins.
    int64_t sequence_id = 0;

    bool is_valid(uint32_t level) const {
        return !(status & BLOCK_FAILED_MASK) && (status & BLOCK_VALID_MASK) >= level;
    }
    // Raises the validity level; returns true when it changed. REQUIRES: not failed.
    bool raise_validity(uint32_t level);

    const BlockIndex* ancestor(int h) const;  // nullptr when h < 0 or h > height
    BlockIndex* ancestor(int h);
    int64_t median_time_past() const;
    void build_skip();  // REQUIRES: prev set (or genesis)

    DiskBlockIndex to_disk() const;
};

// Ancestors of (and including) `tip`, for the consensus functions that need chain context.
class IndexAncestorView : public AncestorView {
public:
    explicit IndexAncestorView(const BlockIndex* tip) : tip_(tip) {}
    int tip_height() const override { return tip_->height; }
    uint32_t bits_at(int height) const override { return tip_->ancestor(height)->header.bits; }
    int64_t time_at(int height) const override { return tip_->ancestor(height)->header.time; }
    int64_t median_time_past_at(int height) const override { return tip_->ancestor(height)->median_time_past(); }

private:
    const BlockIndex* tip_;
};

// The active chain: blocks from genesis to the tip, by height.
class ActiveChain {
public:
    BlockIndex* tip() const { return blocks_.empty() ? nullptr : blocks_.back(); }
    BlockIndex* genesis() const { return blocks_.empty() ? nullptr : blocks_.front(); }
    int height() const { return int(blocks_.size()) - 1; }
    BlockIndex* at(int h) const { return h >= 0 && h < int(blocks_.size()) ? blocks_[h] : nullptr; }
    bool contains(const BlockIndex* b) const { return b && at(b->height) == b; }
    BlockIndex* next(const BlockIndex* b) const { return contains(b) ? at(b->height + 1) : nullptr; }
    void set_tip(BlockIndex* tip);  // rebuilds the vector back to the fork point
    // Last common block of the active chain and `b`'s ancestry.
    const BlockIndex* find_fork(const BlockIndex* b) const;

private:
    std::vector<BlockIndex*> blocks_;
};

// Last common ancestor of two blocks.
const BlockIndex* last_common_ancestor(const BlockIndex* a, const BlockIndex* b);

}  // namespace minicash
