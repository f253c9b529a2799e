// The chain state: the block tree, the active chain and the UTXO set, kept consistent
// on disk. Every block, from a peer, a file or RPC, enters through process_block().
//
// Consistency on disk (survives SIGKILL at any point): block and undo data are fsynced,
// then the block index is written, then the UTXO set and its best-block marker in one
// atomic batch. On open, the UTXO set's best block becomes the tip and any stored blocks
// beyond it are connected again, so the UTXO set always matches the tip it names.
// Blocks written to the last blk file after the block index's last flush are found
// again on open (the file's tail is read) and indexed where they are; appending then
// continues after the last such block and undo appending after the last recorded undo
// record, so no written block is lost and repeated crashes do not grow blocks/.
//
// Thread-safety: all public methods lock one internal mutex; script checks run on a
// worker pool while it is held.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "consensus/validation_state.h"
#include "node/block_index.h"
#include "node/prune.h"

namespace minicash {
class SignatureCache;
}

namespace minicash {

// -reindex and -reindex-chainstate (see Chainstate::open).
enum class Reindex {
    NONE,
    BLOCKS,      // -reindex: rebuild the block index and the UTXO set from blocks/blk*.dat
    CHAINSTATE,  // -reindex-chainstate: rebuild the UTXO set from the stored blocks
};

struct ChainstateOptions {
    std::filesystem::path datadir;     // network data directory (holds blocks/, chainstate/)
    size_t dbcache_bytes = 450 << 20;  // UTXO cache budget before a flush
    int script_threads = 0;            // 0: one per core; 1: verify on the calling thread
    std::function<int64_t()> clock;    // seconds since epoch; default: system clock
    bool wipe = false;                 // start from an empty chain state
    size_t signature_cache_bytes = 32 << 20;
    // Also flush after this many connected blocks (0: only when the cache is full, at
    // shutdown and on request). Small values make crash tests meaningful.
    int flush_interval_blocks = 0;
    // And at least this often while blocks connect, so a crash loses little replay work.
    int flush_interval_seconds = 3600;
    // Free space kept on the blocks directory's filesystem: a block or undo write that
    // would leave less fails (Core's 50 MiB).
    uint64_t min_free_disk_bytes = uint64_t(50) << 20;
    // Testing aid (-test=blockwritelimit): block and undo writes fail with ENOSPC once
    // this many bytes were written (0: never).
    uint64_t test_block_write_limit = 0;
    // Called once, under the chain state's lock, when a write failed and the chain state
    // stopped (see fatal_error); it must only record or post (minicashd shuts down).
    std::function<void(const std::string& why)> on_fatal_error;
    // -assumevalid: nullopt takes the network's default (default_assume_valid() in
    // node/assume_valid.h); a null hash verifies every script.
    std::optional<uint256> assume_valid;
    Reindex reindex = Reindex::NONE;
    // Asked between blocks while open() connects stored blocks (-reindex-chainstate, the
    // replay after a crash): true stops it early, the state stays consistent.
    std::function<bool()> interrupted;
    // -prune (node/prune.h): 0 keeps every block; kPruneTargetManual deletes only on
    // request (prune_manual); otherwise the automatic target in bytes of blk + rev files.
    uint64_t prune_target = 0;
    // -fastprune: block files of kFastPruneFileSize, regtest prunes after height 100.
    bool fast_prune = false;
    // -blocksdir: where blkNNNNN.dat and revNNNNN.dat live (empty: datadir/blocks). The
    // block index stays in datadir/blocks/index, as in Core.
    std::filesystem::path blocks_dir;
};

// Pruning as getblockchaininfo reports it.
struct PruneStatus {
    bool prune_mode = false;   // -prune set (automatic or manual)
    bool have_pruned = false;  // block files were deleted at some point (persisted)
    uint64_t target = 0;       // ChainstateOptions::prune_target
    // Core's GetPruneHeight: the highest block of the active chain whose data is gone
    // below the first block still stored; nullopt when nothing is pruned.
    std::optional<int> prune_height;
    int prune_after_height = 0;  // node/prune.h: the chain must be longer to prune
};

// What assumevalid does at the moment (getblockchaininfo, the log).
struct AssumeValidStatus {
    uint256 hash;                 // the configured block; null when disabled
    bool skipping = false;        // the last block connected had its scripts skipped
    uint64_t skipped_blocks = 0;  // blocks connected without script checks since start-up
};

struct UtxoStats {
    int height = 0;
    uint256 best_block;
    uint64_t txouts = 0;        // unspent outputs
    uint64_t transactions = 0;  // distinct txids with unspent outputs
    uint64_t bogosize = 0;      // Core's: sum of 50 + scriptPubKey size per output
    Amount total_amount = 0;
    uint256 hash_serialized_3;  // see doc/ and Core's gettxoutsetinfo
    uint64_t disk_size = 0;
};

struct ChainTip {
    const BlockIndex* block;
    int branch_length;   // blocks not on the active chain
    std::string status;  // "active", "valid-fork", "valid-headers", "headers-only", "invalid"
};

// The two mainnet blocks whose coinbases repeat earlier ones (before BIP34; BIP30 does
// not apply to them, and their coinbase outputs never entered the UTXO set).
bool is_bip30_repeat(const BlockIndex* b);

class Chainstate {
    struct Impl;

public:
    // Opens (or creates) the chain state in options.datadir, loads the block index and
    // replays stored blocks beyond the UTXO set's best block. nullptr with `error` set on
    // failure (unwritable directory, corrupt database, data of another network).
    //
    // Reindex::CHAINSTATE empties the UTXO set first, so the replay rebuilds it from
    // genesis (killed meanwhile, the next open continues from the last flush).
    // Reindex::BLOCKS empties the block index and the UTXO set (blocks/blk*.dat stay; the
    // undo files go) and leaves reindex_pending() true until finish_reindex(): the caller
    // then feeds the stored blocks back (node/reindex.h). The pending state is recorded
    // before anything is emptied, so an open after a crash at any point starts the
    // reindex again; so does an empty block index beside stored blocks.
    [[nodiscard]] static std::unique_ptr<Chainstate> open(const ChainParams& params, ChainstateOptions options,
                                                          std::string* error);
    ~Chainstate();  // flushes (errors are logged, not thrown)

    // Validates a block fully, stores it and makes the most-work valid chain active.
    // Returns false with `state` when the block is invalid (the block, or a block it made
    // us connect, broke a rule); true for valid or already-known blocks. `is_new` tells
    // whether the block's data was stored by this call. Throws StorageError on disk failure:
    // then nothing the failed write would have recorded is counted (the tip stays on
    // blocks whose data and undo data are written) and the chain state stops: every later
    // process_block throws at once (see fatal_error).
    // `stored_at`, when given, is where the block already lies in the block files (a
    // reindex): it is indexed there instead of being written again.
    [[nodiscard]] bool process_block(const Block& block, ValidationState& state, bool* is_new = nullptr,
                                     const FilePos* stored_at = nullptr);
    // Header-only acceptance (headers-first sync).
    [[nodiscard]] bool process_header(const BlockHeader& header, ValidationState& state,
                                      const BlockIndex** out = nullptr);

    // Marks a block and its descendants invalid and moves the tip off them (RPC invalidateblock).
    [[nodiscard]] bool invalidate_block(const uint256& hash, ValidationState& state);
    // Treats a block as if it had arrived before any other of the same work, and moves
    // the tip to it when it has as much work as the tip (RPC preciousblock, Core's PreciousBlock).
    [[nodiscard]] bool precious_block(const uint256& hash, ValidationState& state);
    // Clears invalid marks from a block, its ancestors and descendants (RPC reconsiderblock).
    [[nodiscard]] bool reconsider_block(const uint256& hash, ValidationState& state);

    // Makes everything durable. Throws StorageError.
    void flush();
    // Why the chain state stopped (a block, undo or database write failed), or nullopt.
    std::optional<std::string> fatal_error() const;

    const ChainParams& params() const { return params_; }
    // The chain state's clock (ChainstateOptions::clock); needs no lock.
    int64_t now() const;
    // Snapshot accessors (they lock; pointers stay valid for the Chainstate's life).
    const BlockIndex* tip() const;
    int height() const;
    const BlockIndex* lookup(const uint256& hash) const;
    // True when the block's full data is stored (read under the lock: a BlockIndex's
    // status may change while another thread validates).
    bool have_block_data(const uint256& hash) const;
    const BlockIndex* at_height(int height) const;  // on the active chain
    bool in_active_chain(const BlockIndex* b) const;
    [[nodiscard]] std::optional<Block> read_block(const BlockIndex* b) const;
    std::optional<Coin> coin(const OutPoint& outpoint) const;  // unspent output at the tip
    std::vector<ChainTip> chain_tips() const;
    // Statistics of the UTXO set at the tip (flushes first, then reads the database).
    UtxoStats utxo_stats();
    // Visits every unspent output at the tip in key order (txid bytes, then vout) until
    // `visit` returns false, the way utxo_stats reads them (flush, then the database);
    // the chain cannot move meanwhile. Returns the tip the outputs belong to.
    const BlockIndex* for_each_utxo(const std::function<bool(const OutPoint&, const Coin&)>& visit);

    // Consistent read access to the tip and the UTXO set: the chain cannot move while
    // `fn` runs. Used by mempool acceptance and RPC. Lock order: chain state before
    // mempool; `fn` must not call other Chainstate methods.
    class View {
    public:
        View(const View&) = delete;
        View& operator=(const View&) = delete;
        const BlockIndex* tip() const;
        std::optional<Coin> coin(const OutPoint& outpoint) const;
        const ChainParams& params() const;
        const BlockIndex* lookup(const uint256& hash) const;
        const BlockIndex* at_height(int height) const;
        SignatureCache& signature_cache() const;  // mempool stores verified signatures here
        int64_t now() const;                      // the chain state's clock
        // Chainstate::initial_block_download(), for listeners that skip work nobody
        // reads while catching up (fee estimation).
        bool initial_block_download() const;

    private:
        friend class Chainstate;
        explicit View(Impl& impl) : impl_(impl) {}
        Impl& impl_;
    };
    void with_view(const std::function<void(View&)>& fn);

    // Called under the chain state's lock. Listeners must not call back into the
    // Chainstate (they may take their own locks: chain state is always locked first).
    // `view` gives the same consistent access as with_view (the lock is already held).
    // Any of the functions may be empty.
    //  - connected: after each block is connected (tip moved forward), in registration order;
    //  - disconnected: after each block is disconnected, in reverse registration order, so
    //    that a listener registered later hears of a disconnection before the earlier ones
    //    react to it (the mempool, registered first, takes the block's transactions back
    //    last: Core's BlockDisconnected comes before the re-additions);
    //  - tip_updated: once a chain activation (a block processed, invalidateblock,
    //    reconsiderblock) has connected at least one block and the tip is not an ancestor
    //    of where the activation started (Core's UpdatedBlockTip): the new tip, the fork
    //    point with the old tip (nullptr on an empty chain) and initial_block_download().
    struct Listener {
        std::function<void(const Block&, const BlockIndex*, const View& view)> connected;
        std::function<void(const Block&, const BlockIndex*, const View& view)> disconnected;
        std::function<void(const BlockIndex* tip, const BlockIndex* fork, bool initial_download, const View& view)>
            tip_updated;
    };
    void add_listener(Listener listener);

    // Core's IsInitialBlockDownload: true until the tip has at least the network's
    // minimum chain work and a timestamp within 24 hours of now() (the chain state's
    // clock); then false for good (latched).
    // While blocks are loaded from files (-loadblock, -reindex, -reindex-chainstate) it is
    // also true, unless it had already latched to false (Core's LoadingBlocks()).
    bool initial_block_download() const;
    AssumeValidStatus assume_valid() const;

    // Reindex::BLOCKS: true until finish_reindex() (see open()).
    bool reindex_pending() const;
    // All stored blocks were fed back: makes everything durable and clears the pending
    // state. Throws StorageError.
    void finish_reindex();
    // blocks/blkNNNNN.dat for file number `file` (it may not exist).
    std::filesystem::path block_file_path(int file) const;
    // The directory holding the blk and rev files.
    std::filesystem::path blocks_dir() const;

    // ---- Pruning (node/prune.h) ----

    PruneStatus prune_status() const;
    // Core's IsBlockPruned: the block's data was stored once and deleted by pruning.
    bool is_block_pruned(const BlockIndex* b) const;
    // Deletes the file pairs whose blocks are all at or below `height` (further limited to
    // tip - 288 and by the prune locks). Returns the prune height afterwards (see
    // PruneStatus), -1 when nothing is pruned. REQUIRES: prune mode. Throws StorageError.
    int prune_manual(int height);
    // Automatic pruning runs from this call on (and checks at once), so that the indexes
    // started after open() registered their prune locks first.
    void start_pruning();
    // Where the indexes record how far they got (the heights pruning must keep above).
    PruneLocks& prune_locks();

    // Marks the start and end of loading blocks from files (see above).
    void set_loading_blocks(bool loading);
    // Whether blocks are being loaded from files; takes no lock (any thread may ask).
    bool loading_blocks() const;

    Chainstate(const Chainstate&) = delete;
    Chainstate& operator=(const Chainstate&) = delete;

private:
    Chainstate(const ChainParams& params, std::unique_ptr<Impl> impl);
    const ChainParams params_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash
