// What every optional block index (-txindex, -blockfilterindex) shares: its LevelDB
// database, the block it has indexed up to ("best block"), and a background thread that
// catches up with the chain state's tip and then follows it.
//
// Life cycle: open (derived class) -> start() -> ... -> stop(). On start the best block is
// found from the stored locator; if the chain moved to another branch meanwhile (or a
// crash lost blocks the index had already seen) the index first rewinds to the fork
// point, then indexes forward block by block up to the tip, reading block and undo data
// from the block files with its own read-only BlockStore.
//
// Invariants:
// - A block's entries and the locator naming it as best block are written in one atomic
//   batch, so the stored best block never runs ahead of its data (crash safe).
// - Entries are keyed by block hash or txid and depend only on the block (and its
//   ancestry), so an entry once written stays correct; a reorg only moves the best block.
//   An index whose entries describe the chain as a whole (the address index) says so with
//   rewinds_blocks(): then a reorg takes each disconnected block's entries back
//   (remove_block), one block per batch together with the locator, newest first.
// - The chain state listener only wakes the thread: it never reads or writes disk and
//   never waits for the index, so block validation (and the P2P loop) is never held up.
//   Lock order: chain state's mutex, then the index's wake-up mutex; the index thread
//   never holds an index mutex while calling into the Chainstate.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "consensus/block.h"
#include "storage/database.h"
#include "storage/undo.h"

namespace minicash {

class BlockStore;
class Chainstate;
struct BlockIndex;

// What an index is given for each block it adds.
struct IndexedBlock {
    const BlockIndex* index;
    const Block& block;
    // Offset of each transaction within the serialized block (the record payload).
    const std::vector<uint32_t>& tx_offsets;
    // The block's undo data (nullptr for the genesis block or when the index does not
    // ask for it): one TxUndo per non-coinbase transaction.
    const BlockUndo* undo;
};

struct IndexSummary {
    std::string name;     // "txindex", "basic block filter index" (Core's getindexinfo names)
    bool synced = false;  // has caught up with the tip at least once since start
    int best_block_height = 0;
};

class BaseIndex {
public:
    virtual ~BaseIndex();  // stops the thread
    BaseIndex(const BaseIndex&) = delete;
    BaseIndex& operator=(const BaseIndex&) = delete;

    // Loads the best block, registers with the chain state and starts the thread.
    // REQUIRES: called once.
    void start();
    // Stops and joins the thread (the block being indexed is finished first). Idempotent.
    void stop();

    IndexSummary summary() const;
    // Core's BlockUntilSyncedToCurrentChain: false while the first catch-up is still
    // running; otherwise waits (at most `timeout`) until the index has reached the tip
    // the chain state has now, then returns true.
    [[nodiscard]] bool block_until_synced(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
    // The last block indexed (nullptr: none yet).
    const BlockIndex* best_block() const;

protected:
    // `db` holds this index's entries; `blocks_dir` is the node's blocks/ directory.
    BaseIndex(std::string name, Chainstate& chain, std::unique_ptr<Database> db,
              const std::filesystem::path& blocks_dir);

    // Adds the block's entries to `batch`. Runs on the index thread. May throw
    // StorageError (the index then stops with an error in the log).
    virtual void append_block(const IndexedBlock& block, Database::Batch& batch) = 0;
    // Whether append_block needs IndexedBlock::undo.
    virtual bool needs_undo() const { return false; }
    // Whether a reorg must undo each disconnected block's entries (remove_block) rather
    // than only move the best block back.
    virtual bool rewinds_blocks() const { return false; }
    // Takes `block`'s entries back into `batch` (its parent becomes the best block in the
    // same batch). Only called when rewinds_blocks(); `block` is the current best block.
    virtual void remove_block(const IndexedBlock& block, Database::Batch& batch) {
        (void)block;
        (void)batch;
    }
    // After a batch of append_block or remove_block reached the database (index thread).
    virtual void block_written(const BlockIndex* best) { (void)best; }
    // The index now ends at `block` (nullptr: empty), after loading or a rewind. Return
    // false when the entries needed to continue from there are missing: the index then
    // starts over from the genesis block.
    virtual bool rewound_to(const BlockIndex* block) {
        (void)block;
        return true;
    }

    Database& db() const { return *db_; }
    const BlockStore& block_store() const { return *store_; }
    Chainstate& chain() const { return chain_; }

private:
    struct Wakeup;
    void run();
    // Indexes forward (rewinding first if needed) until the tip is reached or stop().
    void sync_to_tip();
    void index_block(const BlockIndex* b);
    void unindex_block(const BlockIndex* b);
    // The block, its transactions' offsets and (when needs_undo) its undo data, from disk.
    struct StoredBlock;
    StoredBlock read_stored(const BlockIndex* b) const;
    void set_best(const BlockIndex* b, Database::Batch& batch);
    // The stored best block; `exact` false when only an older locator entry is known.
    const BlockIndex* load_best(bool* exact) const;

    const std::string name_;
    Chainstate& chain_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<BlockStore> store_;
    std::shared_ptr<Wakeup> wakeup_;  // shared with the chain state listener
    std::thread thread_;

    mutable std::mutex state_mutex_;
    mutable std::condition_variable state_cv_;  // best_ moved, synced_ set or stopped
    const BlockIndex* best_ = nullptr;          // guarded by state_mutex_
    bool synced_ = false;                       // guarded by state_mutex_
    bool failed_ = false;                       // guarded by state_mutex_
    std::atomic<bool> stopping_{false};
};

}  // namespace minicash
