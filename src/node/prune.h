// Block pruning as Bitcoin Core does it (-prune): which blk/rev file pairs may be deleted.
//
// Rules (Core's FindFilesToPrune / FindFilesToPruneManual):
// - only whole file pairs go, and never the file blocks are appended to now;
// - a file goes only when every block it holds is at or below the last prunable height:
//   tip - kMinBlocksToKeep (288), lowered by the prune locks of the indexes (an index
//   keeps every block above its best block - kPruneLockBuffer);
// - automatic pruning starts once the chain is longer than the network's prune-after
//   height and deletes the oldest eligible files until usage + buffer is below the target;
// - manual pruning (pruneblockchain) deletes every eligible file up to a height.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"

namespace minicash {

// Core's MIN_BLOCKS_TO_KEEP: the last blocks a pruned node always keeps (and serves, as
// NODE_NETWORK_LIMITED).
inline constexpr int kMinBlocksToKeep = 288;
// Core's MIN_DISK_SPACE_FOR_BLOCK_FILES: the smallest automatic target (-prune=550).
inline constexpr uint64_t kMinPruneTargetBytes = uint64_t(550) << 20;
// -prune=1: prune only on request (Core's PRUNE_TARGET_MANUAL).
inline constexpr uint64_t kPruneTargetManual = std::numeric_limits<uint64_t>::max();
// Core's PRUNE_LOCK_BUFFER: blocks kept below an index's best block (a reorg may need them).
inline constexpr int kPruneLockBuffer = 10;
// -fastprune: block files of 64 KiB (Core's test aid) instead of 128 MiB.
inline constexpr uint64_t kFastPruneFileSize = uint64_t(64) << 10;

// Core's nPruneAfterHeight: no automatic pruning before the chain is this long
// (regtest with -fastprune: 100).
int prune_after_height(Network network, bool fast_prune);

// The space kept free under the target for the allocations before the next check (Core:
// a block chunk and an undo chunk, 17 MiB; with -fastprune one small block file). During
// initial block download a tenth of the target more, so pruning does not run too often.
uint64_t prune_buffer(uint64_t target, bool fast_prune, bool initial_download);

// What the selection needs to know about one blk/rev file pair.
struct BlockFileUsage {
    int file = 0;
    uint64_t bytes = 0;    // blk + rev
    int height_last = -1;  // the highest block (on any branch) stored in it; -1: none
};

// The highest height that may be deleted: tip - 288, and below every prune lock (index
// best height - 10, at least 1). -1 when nothing may go.
int last_prunable_height(int tip_height, const std::vector<int>& lock_heights);

// Automatic pruning: files (ascending numbers, `current_file` excluded) to delete so that
// `usage` + `buffer` drops below `target`. Oldest first; files holding a block above
// `last_prunable` are skipped.
std::vector<int> select_files_to_prune(const std::vector<BlockFileUsage>& files, int current_file, uint64_t usage,
                                       uint64_t target, uint64_t buffer, int last_prunable);

// Manual pruning: every file (but `current_file`) whose blocks are all at or below `last_prunable`.
std::vector<int> select_files_to_prune_manual(const std::vector<BlockFileUsage>& files, int current_file,
                                              int last_prunable);

// The heights the indexes still need (Core's prune locks), by index name. Thread-safe; a
// leaf lock (taken under the chain state's mutex, never the other way round).
class PruneLocks {
public:
    // `height`: the index's best block height (-1: it has indexed nothing yet).
    void set(const std::string& name, int height);
    void remove(const std::string& name);
    std::vector<int> heights() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, int> heights_;
};

}  // namespace minicash
