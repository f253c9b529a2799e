#include "node/block_index.h"

#include <algorithm>
#include <utility>

namespace minicash {
namespace {

int invert_lowest_one(int n) { return n & (n - 1); }

// Height to jump to from `height`: any deterministic choice below height works; this one
// makes ancestor() take O(log n) steps (the scheme Bitcoin Core uses).
int skip_height(int height) {
    if (height < 2) return 0;
    return (height & 1) ? invert_lowest_one(invert_lowest_one(height - 1)) + 1 : invert_lowest_one(height);
}

}  // namespace

bool BlockIndex::raise_validity(uint32_t level) {
    if (status & BLOCK_FAILED_MASK) return false;
    if ((status & BLOCK_VALID_MASK) < level) {
        status = (status & ~uint32_t(BLOCK_VALID_MASK)) | level;
        return true;
    }
    return false;
}

const BlockIndex* BlockIndex::ancestor(int h) const {
    if (h > height || h < 0) return nullptr;
    const BlockIndex* walk = this;
    int walk_height = height;
    while (walk_height > h) {
        const int skip_h = skip_height(walk_height);
        const int skip_prev_h = skip_height(walk_height - 1);
        // Take the skip pointer unless the parent's skip gets strictly closer.
        if (walk->skip && (skip_h == h || (skip_h > h && !(skip_prev_h < skip_h - 2 && skip_prev_h >= h)))) {
            walk = walk->skip;
            walk_height = skip_h;
        } else {
            walk = walk->prev;
            --walk_height;
        }
    }
    return walk;
}

BlockIndex* BlockIndex::ancestor(int h) { return const_cast<BlockIndex*>(std::as_const(*this).ancestor(h)); }

int64_t BlockIndex::median_time_past() const {
    int64_t times[11];
    int n = 0;
    for (const BlockIndex* b = this; b && n < 11; b = b->prev) times[n++] = b->header.time;
    std::sort(times, times + n);
    return times[n / 2];
}

void BlockIndex::build_skip() {
    if (prev) skip = prev->ancestor(skip_height(height));
}

DiskBlockIndex BlockIndex::to_disk() const {
    DiskBlockIndex d;
    d.header = header;
    d.height = height;
    d.status = status;
    d.tx_count = tx_count;
    d.data = data;
    d.undo = undo;
    return d;
}

void ActiveChain::set_tip(BlockIndex* tip) {
    if (!tip) {
        blocks_.clear();
        return;
    }
    blocks_.resize(tip->height + 1);
    for (BlockIndex* b = tip; b && blocks_[b->height] != b; b = b->prev) blocks_[b->height] = b;
}

const BlockIndex* ActiveChain::find_fork(const BlockIndex* b) const {
    if (b && b->height > height()) b = b->ancestor(height());
    while (b && !contains(b)) b = b->prev;
    return b;
}

const BlockIndex* last_common_ancestor(const BlockIndex* a, const BlockIndex* b) {
    if (!a || !b) return nullptr;
    if (a->height > b->height) a = a->ancestor(b->height);
    if (b->height > a->height) b = b->ancestor(a->height);
    while (a != b && a && b) {
        a = a->prev;
        b = b->prev;
    }
    return a;
}

}  // namespace minicash
