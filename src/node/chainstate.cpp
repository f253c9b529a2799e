#include "node/chainstate.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "consensus/blk_records.h"
#include "consensus/block_check.h"
#include "consensus/interpreter.h"
#include "consensus/sighash.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "node/assume_valid.h"
#include "node/chain_tx_data.h"
#include "node/coins_cache.h"
#include "node/script_check_pool.h"
#include "node/sig_cache.h"
#include "storage/block_store.h"
#include "storage/coins_db.h"
#include "util/duration_text.h"
#include "util/hash.h"
#include "util/logging.h"
#include "util/mock_time.h"

namespace minicash {

bool is_bip30_repeat(const BlockIndex* b) {
    static const uint256 h91842 =
        *uint256::from_hex("00000000000a4d0a398161ffc163c503763b1f4360639393e0e4c8e300e0caec");
    static const uint256 h91880 =
        *uint256::from_hex("00000000000743f190a18c5577a3c2d2a1f610ae9601ac046a38084ccb7cd721");
    return (b->height == 91842 && b->hash == h91842) || (b->height == 91880 && b->hash == h91880);
}

namespace {

// "blkNNNNN.dat".
std::string entry_name(int file) {
    char name[32];
    std::snprintf(name, sizeof name, "blk%05d.dat", file);
    return name;
}

// Below this height BIP34 guarantees unique coinbases; from it on, BIP30 is checked again
// (an early coinbase may commit to this height).
constexpr int kBip34ImpliesBip30Limit = 1983702;

// Core's DEFAULT_MAX_TIP_AGE: a tip older than this keeps the node in initial block download.
constexpr int64_t kMaxTipAgeSeconds = 24 * 60 * 60;

// Better candidates sort first: more work, then the block whose data arrived first.
struct CandidateOrder {
    bool operator()(const BlockIndex* a, const BlockIndex* b) const {
        if (a->chain_work != b->chain_work) return a->chain_work > b->chain_work;
        if (a->sequence_id != b->sequence_id) return a->sequence_id < b->sequence_id;
        return a < b;
    }
};

}  // namespace

struct Chainstate::Impl {
    const ChainParams& params;
    ChainstateOptions options;
    mutable std::mutex mutex;

    std::unique_ptr<BlockIndexDB> index_db;
    std::unique_ptr<CoinsDB> coins_db;
    std::unique_ptr<BlockStore> store;
    std::unique_ptr<CoinsCache> coins;
    std::unique_ptr<SignatureCache> sig_cache;
    std::unique_ptr<ScriptCheckPool> pool;

    std::unordered_map<uint256, std::unique_ptr<BlockIndex>, Uint256Hasher> index;
    ActiveChain chain;
    BlockIndex* best_header = nullptr;
    std::set<BlockIndex*, CandidateOrder> candidates;
    std::multimap<BlockIndex*, BlockIndex*> unlinked;  // parent without data -> child with data
    std::unordered_set<BlockIndex*> dirty;
    int64_t next_sequence = 1;
    // preciousblock (Core's nBlockReverseSequenceId): precious blocks get ids below every
    // arrival's, newest lowest; reset once the chain has grown past the last call's work.
    int64_t reverse_sequence = -1;
    arith_uint256 last_precious_work;
    int blocks_since_flush = 0;
    std::chrono::steady_clock::time_point last_flush = std::chrono::steady_clock::now();
    std::vector<Listener> listeners;
    bool left_initial_download = false;       // initial_block_download() latched to false
    std::optional<std::string> fatal;         // set once a write failed: the chain state stopped
    std::atomic<bool> loading_blocks{false};  // set_loading_blocks(): importing or reindexing
    uint256 assume_valid;                     // null: verify every script
    bool reindex_pending = false;             // Reindex::BLOCKS until finish_reindex()
    AssumeValidStatus assume_valid_status;
    // Pruning (node/prune.h).
    bool have_pruned = false;          // the "prunedblockfiles" flag: files were deleted once
    bool pruning_started = false;      // start_pruning() was called
    int last_prune_check_file = -1;    // the append file at the last automatic check
    int blocks_since_prune_check = 0;  // connected since then
    PruneLocks prune_locks;
    // The progress line while catching up (log_sync_progress).
    ChainTxData tx_data;
    std::chrono::steady_clock::time_point last_progress{};
    uint64_t last_progress_tx = 0;
    int last_progress_height = 0;

    // Latches the chain state's stop after a failed write.
    void fail(const std::string& why) {
        if (fatal) return;
        fatal = why;
        if (options.on_fatal_error) options.on_fatal_error(why);
    }
    void throw_if_stopped() const {
        if (fatal) throw StorageError("the chain state stopped after a write error: " + *fatal);
    }

    Impl(const ChainParams& p, ChainstateOptions o) : params(p), options(std::move(o)) {
        assume_valid = options.assume_valid.value_or(default_assume_valid(params));
        assume_valid_status.hash = assume_valid;
        tx_data = chain_tx_data(params);
    }

    const ConsensusParams& consensus() const { return params.consensus; }
    int64_t now() const {
        if (options.clock) return options.clock();
        return unix_time();
    }

    BlockIndex* find(const uint256& hash) const {
        auto it = index.find(hash);
        return it == index.end() ? nullptr : it->second.get();
    }

    void mark_dirty(BlockIndex* b) { dirty.insert(b); }

    // ---- Block tree ----

    BlockIndex* add_to_index(const BlockHeader& header, const uint256& hash, BlockIndex* prev) {
        auto entry = std::make_unique<BlockIndex>();
        BlockIndex* b = entry.get();
        b->hash = hash;
        b->header = header;
        b->prev = prev;
        b->height = prev ? prev->height + 1 : 0;
        b->chain_work = (prev ? prev->chain_work : arith_uint256(0)) + block_proof(header.bits);
        b->build_skip();
        b->raise_validity(BLOCK_VALID_TREE);
        index.emplace(hash, std::move(entry));
        if (!best_header || b->chain_work > best_header->chain_work) best_header = b;
        mark_dirty(b);
        return b;
    }

    // The block's data is now stored: if every ancestor's is too, it (and any children
    // that were waiting for it) can be connected.
    void data_received(BlockIndex* b) {
        if (b->prev && b->prev->chain_tx_count == 0) {
            unlinked.emplace(b->prev, b);
            return;
        }
        std::vector<BlockIndex*> queue{b};
        while (!queue.empty()) {
            BlockIndex* x = queue.back();
            queue.pop_back();
            x->chain_tx_count = (x->prev ? x->prev->chain_tx_count : 0) + x->tx_count;
            if (x->is_valid(BLOCK_VALID_TRANSACTIONS)) candidates.insert(x);
            auto [lo, hi] = unlinked.equal_range(x);
            for (auto it = lo; it != hi; ++it) queue.push_back(it->second);
            unlinked.erase(lo, hi);
        }
    }

    bool accept_header(const BlockHeader& header, ValidationState& state, BlockIndex** out) {
        const uint256 hash = header.hash();
        if (BlockIndex* known = find(hash)) {
            if (out) *out = known;
            if (known->status & BLOCK_FAILED_MASK) return state.invalid("duplicate-invalid", "block is marked invalid");
            return true;
        }
        if (!check_block_header(header, consensus(), state)) return false;
        BlockIndex* prev = find(header.prev_block);
        if (!prev) return state.invalid("prev-blk-not-found", "", ValidationResult::MISSING_PREV);
        if (prev->status & BLOCK_FAILED_MASK) return state.invalid("bad-prevblk", "", ValidationResult::INVALID_PREV);
        if (!contextual_check_block_header(header, IndexAncestorView(prev), now(), consensus(), state)) return false;
        BlockIndex* b = add_to_index(header, hash, prev);
        if (out) *out = b;
        return true;
    }

    // Marks a block found invalid; its descendants are marked when next looked at.
    void invalid_block_found(BlockIndex* b) {
        b->status |= BLOCK_FAILED_VALID;
        mark_dirty(b);
        candidates.erase(b);
        if (best_header && best_header->ancestor(b->height) == b) recompute_best_header();
    }

    void recompute_best_header() {
        best_header = chain.tip();
        for (auto& [hash, entry] : index) {
            BlockIndex* x = entry.get();
            if (!(x->status & BLOCK_FAILED_MASK) && (!best_header || x->chain_work > best_header->chain_work))
                best_header = x;
        }
    }

    // Best candidate whose whole branch is stored and not known invalid, or nullptr.
    BlockIndex* most_work_candidate() {
        while (!candidates.empty()) {
            BlockIndex* best = *candidates.begin();
            BlockIndex* failed_at = nullptr;
            bool missing = false;
            for (BlockIndex* p = best; p && !chain.contains(p); p = p->prev) {
                if (p->status & BLOCK_FAILED_MASK) failed_at = p;
                if (!(p->status & BLOCK_HAVE_DATA)) missing = true;
            }
            if (!failed_at && !missing) return best;
            if (failed_at) {
                for (BlockIndex* p = best; p != failed_at; p = p->prev) {
                    p->status |= BLOCK_FAILED_CHILD;
                    mark_dirty(p);
                    candidates.erase(p);
                }
            }
            candidates.erase(best);
        }
        return nullptr;
    }

    // ---- Connecting and disconnecting ----

    // REQUIRES: txids[i] == block.txs[i].txid().
    bool connect_block(const Block& block, const std::vector<uint256>& txids, BlockIndex* b, BlockUndo& undo,
                       ValidationState& state) {
        // The genesis coinbase is not spendable: Bitcoin never added it to the UTXO set.
        if (!b->prev) return true;

        const int height = b->height;
        const ScriptFlags flags = block_script_flags(height, b->hash, consensus());
        const bool check_scripts = scripts_to_check(b);
        const IndexAncestorView parent_view(b->prev);

        bool enforce_bip30 = !is_bip30_repeat(b);
        const BlockIndex* bip34_block = b->prev->ancestor(consensus().bip34_height);
        if (bip34_block && !consensus().bip34_hash.is_null() && bip34_block->hash == consensus().bip34_hash)
            enforce_bip30 = false;
        if (enforce_bip30 || height >= kBip34ImpliesBip30Limit) {
            for (size_t t = 0; t < block.txs.size(); ++t)
                for (uint32_t o = 0; o < block.txs[t].vout.size(); ++o)
                    if (coins->have(OutPoint{txids[t], o}))
                        return state.invalid("bad-txns-BIP30", "tried to overwrite transaction");
        }

        const bool bip68 = enforce_sequence_locks(height, consensus());
        Amount fees = 0;
        int64_t sigop_cost = 0;
        std::vector<PrecomputedTxData> txdata(block.txs.size());
        std::vector<std::vector<TxOut>> spent_outputs(block.txs.size());
        std::vector<ScriptCheck> checks;
        undo.txs.clear();
        undo.txs.reserve(block.txs.size() - 1);

        for (size_t t = 0; t < block.txs.size(); ++t) {
            const Transaction& tx = block.txs[t];
            std::vector<Coin> spent;
            if (!tx.is_coinbase()) {
                spent.reserve(tx.vin.size());
                for (const TxIn& in : tx.vin) {
                    const Coin* c = coins->access(in.prevout);
                    if (!c)
                        return state.invalid("bad-txns-inputs-missingorspent",
                                             "CheckTxInputs: inputs missing/spent in transaction " + txids[t].to_hex());
                    spent.push_back(*c);
                }
                Amount fee = 0;
                ValidationState tx_state;
                if (!check_tx_inputs(tx, spent, height, fee, tx_state))
                    return state.invalid(tx_state.reason(), tx_state.debug() + " in transaction " + txids[t].to_hex());
                fees += fee;
                if (!money_range(fees))
                    return state.invalid("bad-txns-accumulated-fee-outofrange",
                                         "accumulated fee in the block out of range");
                std::vector<int> prev_heights;
                prev_heights.reserve(spent.size());
                for (const Coin& c : spent) prev_heights.push_back(c.height);
                const SequenceLocks locks = calculate_sequence_locks(tx, bip68, prev_heights, parent_view);
                if (!sequence_locks_satisfied(locks, parent_view))
                    return state.invalid("bad-txns-nonfinal",
                                         "contains a non-BIP68-final transaction " + txids[t].to_hex());
            }
            sigop_cost += transaction_sigop_cost(tx, spent, flags);
            if (sigop_cost > kMaxBlockSigopsCost) return state.invalid("bad-blk-sigops", "too many sigops");

            if (!tx.is_coinbase()) {
                if (check_scripts) {
                    spent_outputs[t].reserve(spent.size());
                    for (const Coin& c : spent) spent_outputs[t].push_back(c.out);
                    txdata[t].init(tx, spent_outputs[t]);
                    for (unsigned i = 0; i < tx.vin.size(); ++i)
                        checks.push_back(ScriptCheck{&tx, i, &spent_outputs[t][i], &txdata[t], flags});
                }
                // Spend the inputs, keeping them for undo.
                TxUndo tx_undo;
                tx_undo.spent.reserve(tx.vin.size());
                for (const TxIn& in : tx.vin) {
                    Coin c;
                    coins->spend(in.prevout, &c);
                    tx_undo.spent.push_back(std::move(c));
                }
                undo.txs.push_back(std::move(tx_undo));
            }
            for (uint32_t o = 0; o < tx.vout.size(); ++o) {
                if (tx.vout[o].script_pubkey.is_unspendable()) continue;
                // Only the historic duplicate coinbases may overwrite (BIP30 allowed them).
                coins->add(OutPoint{txids[t], o}, Coin{tx.vout[o], height, tx.is_coinbase()}, tx.is_coinbase());
            }
        }

        const Amount reward = fees + block_subsidy(height, consensus());
        if (block.txs[0].value_out() > reward)
            return state.invalid("bad-cb-amount",
                                 "coinbase pays too much (actual=" + std::to_string(block.txs[0].value_out()) +
                                     " vs limit=" + std::to_string(reward) + ")");

        if (auto failure = pool->run(checks)) {
            return state.invalid("block-script-verify-flag-failed (" + script_error_message(failure->error) + ")",
                                 "input " + std::to_string(failure->n_in) + " of " + failure->tx->txid().to_hex());
        }
        return true;
    }

    // While catching up, at most every 10 s: height, estimated progress (Core's
    // verification progress), the rate in transactions and blocks per second since the
    // last line, and the time left at that rate.
    void log_sync_progress() {
        const auto steady = std::chrono::steady_clock::now();
        const BlockIndex* tip = chain.tip();
        if (last_progress == std::chrono::steady_clock::time_point{}) {
            last_progress = steady;
            last_progress_tx = tip->chain_tx_count;
            last_progress_height = tip->height;
            return;
        }
        // While blocks are loaded from files the importer reports progress (by bytes read).
        if (steady - last_progress < std::chrono::seconds(10) || loading_blocks || !initial_block_download()) return;
        const double secs = std::chrono::duration<double>(steady - last_progress).count();
        const double progress = guess_verification_progress(tx_data, tip, now());
        const double tx_rate =
            tip->chain_tx_count > last_progress_tx ? double(tip->chain_tx_count - last_progress_tx) / secs : 0;
        const double left_tx = progress > 0 ? double(tip->chain_tx_count) * (1 / progress - 1) : 0;
        const std::string left = duration_text(tx_rate > 0 ? int64_t(left_tx / tx_rate) : -1);
        log_info("sync: height %d, %" PRIu64 " transactions, progress %.6f, %.1f tx/s, %.2f blocks/s, about %s left",
                 tip->height, tip->chain_tx_count, progress, tx_rate, double(tip->height - last_progress_height) / secs,
                 left.c_str());
        last_progress = steady;
        last_progress_tx = tip->chain_tx_count;
        last_progress_height = tip->height;
    }

    // Whether `b`'s scripts must be verified (assumevalid, node/assume_valid.h); logs when
    // the answer changes, as Core does.
    bool scripts_to_check(const BlockIndex* b) {
        const BlockIndex* assumed = assume_valid.is_null() ? nullptr : find(assume_valid);
        const char* refusal = assume_valid_refusal(*b, !assume_valid.is_null(), assumed, best_header, consensus());
        const bool skip = refusal == nullptr;
        if (skip != assume_valid_status.skipping) {
            if (skip) {
                log_info("Disabling script verification at block #%d (%s).", b->height, b->hash.to_hex().c_str());
            } else {
                log_info("Enabling script verification at block #%d (%s): %s.", b->height, b->hash.to_hex().c_str(),
                         refusal);
            }
            assume_valid_status.skipping = skip;
        }
        if (skip) ++assume_valid_status.skipped_blocks;
        return !skip;
    }

    // Reverts a connected block using its undo data. Throws StorageError on inconsistency:
    // that means the data directory is corrupt, not that the block is invalid.
    void disconnect_block(const Block& block, const BlockIndex* b, const BlockUndo& undo) {
        if (undo.txs.size() + 1 != block.txs.size())
            throw StorageError("undo data does not match block " + b->hash.to_hex());
        for (size_t t = block.txs.size(); t-- > 0;) {
            const Transaction& tx = block.txs[t];
            const uint256 txid = tx.txid();
            for (uint32_t o = 0; o < tx.vout.size(); ++o) {
                if (tx.vout[o].script_pubkey.is_unspendable()) continue;
                coins->spend(OutPoint{txid, o});
            }
            if (t == 0) break;
            const TxUndo& tx_undo = undo.txs[t - 1];
            if (tx_undo.spent.size() != tx.vin.size())
                throw StorageError("undo data does not match transaction " + txid.to_hex());
            for (size_t i = tx.vin.size(); i-- > 0;) {
                const OutPoint& prevout = tx.vin[i].prevout;
                coins->add(prevout, tx_undo.spent[i], coins->have(prevout));
            }
        }
    }

    Block read_block_or_throw(const BlockIndex* b) const {
        std::string error;
        auto block = store->read_block(b->data, &error);
        if (!block) throw StorageError("cannot read block " + b->hash.to_hex() + ": " + error);
        return std::move(*block);
    }

    // REQUIRES: b->prev is the tip (or b is genesis and the chain is empty).
    bool connect_tip(BlockIndex* b, const Block& block, const std::vector<uint256>& txids, ValidationState& state) {
        BlockUndo undo;
        if (!connect_block(block, txids, b, undo, state)) return false;
        if (b->prev && !(b->status & BLOCK_HAVE_UNDO)) {
            b->undo = store->write_undo(undo, b->prev->hash, b->data.file);
            b->status |= BLOCK_HAVE_UNDO;
        }
        b->raise_validity(BLOCK_VALID_SCRIPTS);
        mark_dirty(b);
        coins->set_best_block(b->hash);
        chain.set_tip(b);
        if (!listeners.empty()) {
            const View view(*this);
            for (const Listener& l : listeners)
                if (l.connected) l.connected(block, b, view);
        }
        return true;
    }

    void disconnect_tip() {
        BlockIndex* b = chain.tip();
        const Block block = read_block_or_throw(b);
        std::string error;
        auto undo = store->read_undo(b->undo, b->prev->hash, &error);
        if (!undo) throw StorageError("cannot read undo data of block " + b->hash.to_hex() + ": " + error);
        disconnect_block(block, b, *undo);
        coins->set_best_block(b->prev->hash);
        chain.set_tip(b->prev);
        // It may be needed again if the chain we move to turns out invalid.
        if (b->is_valid(BLOCK_VALID_TRANSACTIONS) && b->chain_tx_count) candidates.insert(b);
        if (!listeners.empty()) {
            const View view(*this);
            for (auto it = listeners.rbegin(); it != listeners.rend(); ++it)
                if (it->disconnected) it->disconnected(block, b, view);
        }
    }

    // Moves the tip to the most-work valid chain. Reports in `state` when `submitted`
    // (or an ancestor of it that had to be connected) turned out invalid.
    // `submitted_block`, when given, is `submitted`'s data already in memory (saves a read).
    // `interrupted`, when given, is asked between blocks; true stops the activation.
    // `equal_work`: a candidate ordered before the tip with the same work replaces it
    // (preciousblock); otherwise only more work moves the tip.
    void activate_best_chain(ValidationState& state, const BlockIndex* submitted,
                             const Block* submitted_block = nullptr, const std::function<bool()>& interrupted = {},
                             bool equal_work = false) {
        const BlockIndex* start_tip = chain.tip();
        bool connected_any = false;
        bool stop = false;
        while (!stop) {
            BlockIndex* best = most_work_candidate();
            BlockIndex* tip = chain.tip();
            if (!best || best == tip) break;
            if (tip && (best->chain_work < tip->chain_work || (best->chain_work == tip->chain_work && !equal_work)))
                break;

            const BlockIndex* fork = chain.find_fork(best);
            while (chain.tip() != fork) disconnect_tip();

            std::vector<BlockIndex*> path;
            for (BlockIndex* p = best; p != fork; p = p->prev) path.push_back(p);
            for (auto it = path.rbegin(); it != path.rend(); ++it) {
                BlockIndex* b = *it;
                ValidationState connect_state;
                const Block* known = b == submitted ? submitted_block : nullptr;
                if (!connect_tip_atomic(b, known, connect_state)) {
                    invalid_block_found(b);
                    if (submitted && submitted->ancestor(b->height) == b) state = connect_state;
                    break;
                }
                connected_any = true;
                maybe_flush();
                maybe_prune();
                log_sync_progress();
                if (interrupted && interrupted()) {
                    stop = true;
                    break;
                }
            }
        }
        prune_candidates();
        if (connected_any) notify_tip_updated(start_tip);
    }

    void notify_tip_updated(const BlockIndex* start_tip) {
        const BlockIndex* tip = chain.tip();
        const BlockIndex* fork = start_tip ? chain.find_fork(start_tip) : nullptr;
        if (tip == fork || listeners.empty()) return;
        const bool ibd = initial_block_download();
        const View view(*this);
        for (const Listener& l : listeners)
            if (l.tip_updated) l.tip_updated(tip, fork, ibd, view);
    }

    bool initial_block_download() {
        if (left_initial_download) return false;
        if (loading_blocks) return true;
        const BlockIndex* tip = chain.tip();
        if (!tip || tip->chain_work < arith_uint256::from_uint256(consensus().minimum_chain_work)) return true;
        if (int64_t(tip->header.time) < now() - kMaxTipAgeSeconds) return true;
        left_initial_download = true;
        return false;
    }

    // Connects `b`; on failure the UTXO cache is left exactly as it was.
    bool connect_tip_atomic(BlockIndex* b, const Block* known, ValidationState& state);

    void prune_candidates() {
        const BlockIndex* tip = chain.tip();
        if (!tip) return;
        for (auto it = candidates.begin(); it != candidates.end();) {
            if ((*it)->chain_work < tip->chain_work && *it != tip) {
                it = candidates.erase(it);
            } else {
                ++it;
            }
        }
    }

    // ---- Persistence ----

    void flush() {
        store->flush();
        if (!dirty.empty()) {
            std::vector<DiskBlockIndex> records;
            records.reserve(dirty.size());
            for (BlockIndex* b : dirty) records.push_back(b->to_disk());
            index_db->write(records);
            dirty.clear();
        }
        coins->flush();
        blocks_since_flush = 0;
        last_flush = std::chrono::steady_clock::now();
    }

    void maybe_flush() {
        ++blocks_since_flush;
        const auto elapsed = std::chrono::steady_clock::now() - last_flush;
        if (coins->memory_usage() > options.dbcache_bytes ||
            (options.flush_interval_blocks > 0 && blocks_since_flush >= options.flush_interval_blocks) ||
            (options.flush_interval_seconds > 0 && elapsed >= std::chrono::seconds(options.flush_interval_seconds)))
            flush();
    }

    // ---- Pruning ----

    std::filesystem::path blocks_dir() const {
        return options.blocks_dir.empty() ? options.datadir / "blocks" : options.blocks_dir;
    }
    bool prune_mode() const { return options.prune_target != 0; }

    // Size and highest stored block of every blk/rev file pair; `total` their sum.
    std::vector<BlockFileUsage> block_file_usage(uint64_t* total) const {
        std::map<int, BlockFileUsage> files;
        *total = 0;
        for (const auto& [n, bytes] : store->file_usage()) {
            files[n] = BlockFileUsage{n, bytes, -1};
            *total += bytes;
        }
        for (const auto& [hash, entry] : index) {
            const BlockIndex* b = entry.get();
            if (!(b->status & BLOCK_HAVE_DATA) || b->data.is_null()) continue;
            BlockFileUsage& f = files[b->data.file];
            f.file = b->data.file;
            f.height_last = std::max(f.height_last, b->height);
        }
        std::vector<BlockFileUsage> out;
        for (const auto& [n, f] : files) out.push_back(f);
        return out;
    }

    // Core's GetPruneHeight (see PruneStatus).
    std::optional<int> prune_height() const {
        const BlockIndex* b = chain.tip();
        if (!b) return std::nullopt;
        if (!(b->status & BLOCK_HAVE_DATA)) return b->height;
        while (b->prev && (b->prev->status & BLOCK_HAVE_DATA)) b = b->prev;
        if (!b->prev) return std::nullopt;
        return b->prev->height;
    }

    // Forgets the data of every block stored in `files`, makes that durable (with the
    // "prunedblockfiles" flag), then deletes the files: a crash in between leaves files
    // nothing refers to, which the next start removes (remove_unreferenced_files).
    void prune_files(const std::vector<int>& files) {
        if (files.empty()) return;
        const std::set<int> gone(files.begin(), files.end());
        for (auto& [hash, entry] : index) {
            BlockIndex* b = entry.get();
            if (!(b->status & BLOCK_HAVE_DATA) || !gone.count(b->data.file)) continue;
            b->status &= ~uint32_t(BLOCK_HAVE_DATA | BLOCK_HAVE_UNDO);
            b->data = FilePos{};
            b->undo = FilePos{};
            mark_dirty(b);
            auto [lo, hi] = unlinked.equal_range(b->prev);
            for (auto it = lo; it != hi;) it = it->second == b ? unlinked.erase(it) : std::next(it);
        }
        if (!have_pruned) {
            index_db->write_flag("prunedblockfiles", true);
            have_pruned = true;
        }
        flush();
        for (const int n : files) {
            store->remove_file_pair(n);
            log_debug(LogCategory::BLOCKSTORAGE, "Prune: deleted blk/rev (%05d)", n);
        }
    }

    // Automatic pruning (Core's FindFilesToPrune), checked when a new block file was
    // started and every 32 connected blocks.
    void maybe_prune(bool force = false) {
        const uint64_t target = options.prune_target;
        if (!pruning_started || target == 0 || target == kPruneTargetManual) return;
        const int current = store->current_file();
        if (!force && current == last_prune_check_file && ++blocks_since_prune_check < 32) return;
        last_prune_check_file = current;
        blocks_since_prune_check = 0;
        const BlockIndex* tip = chain.tip();
        if (!tip || tip->height <= prune_after_height(params.network, options.fast_prune)) return;
        uint64_t usage = 0;
        const std::vector<BlockFileUsage> files = block_file_usage(&usage);
        const int last = last_prunable_height(tip->height, prune_locks.heights());
        const uint64_t buffer = prune_buffer(target, options.fast_prune, initial_block_download());
        const std::vector<int> chosen = select_files_to_prune(files, current, usage, target, buffer, last);
        uint64_t freed = 0;
        for (const BlockFileUsage& f : files)
            if (std::find(chosen.begin(), chosen.end(), f.file) != chosen.end()) freed += f.bytes;
        log_debug(LogCategory::PRUNE,
                  "Prune: target=%" PRIu64 "MiB actual=%" PRIu64 "MiB diff=%" PRId64
                  "MiB max_prune_height=%d removed %zu blk/rev pairs",
                  target >> 20, (usage - freed) >> 20, (int64_t(target) - int64_t(usage - freed)) / (1 << 20), last,
                  chosen.size());
        prune_files(chosen);
    }

    // After a crash between prune_files' flush and its deletions: blk/rev pairs before the
    // append file that no block refers to any more are deleted now.
    void remove_unreferenced_files() {
        std::set<int> referenced;
        for (const auto& [hash, entry] : index)
            if ((entry->status & BLOCK_HAVE_DATA) && !entry->data.is_null()) referenced.insert(entry->data.file);
        const int current = store->current_file();
        for (const int n : store->block_files()) {
            if (n >= current || referenced.count(n)) continue;
            log_info("Prune: removing blk/rev %05d, which no block refers to any more", n);
            store->remove_file_pair(n);
        }
    }

    bool load(std::string* error);
    void recover_block_files();
    void record_block_data(BlockIndex* b, const Block& block, FilePos pos);
    // Context-free and contextual checks of a block that is not stored yet; its index
    // entry, or nullptr with `state` (an invalid block is marked so).
    BlockIndex* check_new_block(const Block& block, ValidationState& state);
};

// connect_block() changes the UTXO cache as it goes; when a later check fails, the
// outpoints it touched are put back as they were, so a rejected block leaves no trace.
bool Chainstate::Impl::connect_tip_atomic(BlockIndex* b, const Block* known, ValidationState& state) {
    std::optional<Block> loaded;
    if (!known) loaded = read_block_or_throw(b);
    const Block& block = known ? *known : *loaded;
    std::vector<uint256> txids;
    txids.reserve(block.txs.size());
    for (const Transaction& tx : block.txs) txids.push_back(tx.txid());
    // Journal the prior state of every outpoint the block spends or creates.
    std::vector<std::pair<OutPoint, std::optional<Coin>>> before;
    if (b->prev) {
        for (size_t t = 0; t < block.txs.size(); ++t) {
            const Transaction& tx = block.txs[t];
            if (!tx.is_coinbase())
                for (const TxIn& in : tx.vin) {
                    const Coin* c = coins->access(in.prevout);
                    before.emplace_back(in.prevout, c ? std::optional<Coin>(*c) : std::nullopt);
                }
            for (uint32_t o = 0; o < tx.vout.size(); ++o) {
                const OutPoint op{txids[t], o};
                const Coin* c = coins->access(op);
                before.emplace_back(op, c ? std::optional<Coin>(*c) : std::nullopt);
            }
        }
    }
    // Restore in reverse so the earliest recorded state of each outpoint wins.
    auto restore = [&] {
        for (auto it = before.rbegin(); it != before.rend(); ++it) {
            const bool present = coins->have(it->first);
            if (it->second) {
                coins->add(it->first, *it->second, true);
            } else if (present) {
                coins->spend(it->first);
            }
        }
    };
    try {
        if (connect_tip(b, block, txids, state)) return true;
    } catch (const StorageError&) {
        restore();  // the undo data could not be written: the block is not connected
        throw;
    }
    restore();
    return false;
}

// The block's data is stored at `pos`: records it in the tree.
void Chainstate::Impl::record_block_data(BlockIndex* b, const Block& block, FilePos pos) {
    b->data = pos;
    b->tx_count = uint32_t(block.txs.size());
    b->status |= BLOCK_HAVE_DATA;
    b->raise_validity(BLOCK_VALID_TRANSACTIONS);
    b->sequence_id = next_sequence++;
    mark_dirty(b);
    data_received(b);
}

BlockIndex* Chainstate::Impl::check_new_block(const Block& block, ValidationState& state) {
    if (!check_block(block, consensus(), state)) return nullptr;
    BlockIndex* b = nullptr;
    if (!accept_header(block.header, state, &b)) return nullptr;
    if (!contextual_check_block(block, IndexAncestorView(b->prev), consensus(), state)) {
        if (state.result() != ValidationResult::MUTATED) invalid_block_found(b);
        return nullptr;
    }
    return b;
}

// Finds the end of what the block index records in each blk and rev file, indexes the
// blocks written after it in the last blk file (and any later one), and makes the store
// append after them: the blocks a crash or a failed flush left unrecorded are kept, the
// bytes nothing refers to are overwritten.
void Chainstate::Impl::recover_block_files() {
    std::map<int, FilePos> last_block, last_undo;  // per file: the record furthest in
    for (auto& [hash, entry] : index) {
        const BlockIndex* b = entry.get();
        if ((b->status & BLOCK_HAVE_DATA) && !b->data.is_null()) {
            auto [it, fresh] = last_block.emplace(b->data.file, b->data);
            if (!fresh && b->data.offset > it->second.offset) it->second = b->data;
        }
        if ((b->status & BLOCK_HAVE_UNDO) && !b->undo.is_null()) {
            auto [it, fresh] = last_undo.emplace(b->undo.file, b->undo);
            if (!fresh && b->undo.offset > it->second.offset) it->second = b->undo;
        }
    }
    constexpr uint64_t kUndoChecksumSize = 32;
    int file = 0;
    uint64_t end = 0;  // the append position: after the last recorded block
    if (!last_block.empty()) {
        const FilePos last = last_block.rbegin()->second;
        const auto length = store->block_record_length(last);
        if (!length)
            throw StorageError("cannot read the block record at the end of blk file " + std::to_string(last.file));
        file = last.file;
        end = uint64_t(last.offset) + *length;
    }

    // The records beyond it. Only headers and positions are kept: the tail may hold
    // gigabytes of blocks. A block whose header chain the index lost too (a child stored
    // before its parent, parent not in the tail) cannot be placed; it is fetched again.
    struct Found {
        FilePos pos;
        uint64_t size;
        BlockHeader header;
        uint256 hash;
    };
    std::vector<Found> found;
    for (const int n : store->block_files()) {
        if (n < file) continue;
        store->scan_block_records(n, n == file ? end : 0, [&](FilePos pos, ByteView payload) {
            if (payload.size() < 80) return;
            if (auto header = BlockHeader::decode(payload.first(80)))
                found.push_back(Found{pos, payload.size(), *header, header->hash()});
        });
    }
    // In file order; a block whose parent is not indexed yet waits for it.
    size_t recovered = 0;
    std::deque<Found> ready(std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
    found.clear();
    std::unordered_multimap<uint256, Found, Uint256Hasher> waiting;  // by parent hash
    while (!ready.empty()) {
        const Found f = std::move(ready.front());
        ready.pop_front();
        BlockIndex* known = find(f.hash);
        const bool is_genesis = f.hash == consensus().genesis_hash;
        if (known && (known->status & (BLOCK_HAVE_DATA | BLOCK_FAILED_MASK))) continue;  // a copy, or invalid
        if (!is_genesis && !find(f.header.prev_block)) {
            waiting.emplace(f.header.prev_block, f);
            continue;
        }
        const std::optional<Block> block = store->read_block(f.pos);
        if (!block) continue;  // does not decode: not a block that was stored
        ValidationState state;
        BlockIndex* b = is_genesis ? (known ? known : add_to_index(block->header, f.hash, nullptr))
                                   : check_new_block(*block, state);
        if (!b) continue;
        record_block_data(b, *block, f.pos);
        ++recovered;
        if (f.pos.file > file || (f.pos.file == file && f.pos.offset + f.size > end)) {
            file = f.pos.file;
            end = f.pos.offset + f.size;
        }
        auto [lo, hi] = waiting.equal_range(f.hash);
        for (auto it = lo; it != hi; ++it) ready.push_back(std::move(it->second));
        waiting.erase(lo, hi);
    }
    if (recovered > 0)
        log_info("recovered %zu blocks written after the block index's last flush (blk file %d)", recovered, file);
    store->set_append_position(file, end);
    for (const int n : store->block_files()) {
        auto it = last_undo.find(n);
        uint64_t undo_end = 0;
        if (it != last_undo.end()) {
            const auto length = store->undo_record_length(it->second);
            if (!length) throw StorageError("cannot read the undo record at the end of rev file " + std::to_string(n));
            undo_end = uint64_t(it->second.offset) + *length + kUndoChecksumSize;
        }
        store->truncate_undo(n, undo_end);
    }
}

bool Chainstate::Impl::load(std::string* error) {
    namespace fs = std::filesystem;
    const fs::path index_dir = options.datadir / "blocks" / "index";
    const fs::path blocks_dir = this->blocks_dir();
    std::error_code ec;
    for (const fs::path& dir : {options.datadir / "blocks", blocks_dir}) {
        fs::create_directories(dir, ec);
        if (ec) {
            *error = "cannot create " + dir.string() + ": " + ec.message();
            return false;
        }
    }
    const size_t index_cache = std::min<size_t>(options.dbcache_bytes / 8, 2 << 20);
    index_db = BlockIndexDB::open(index_dir, index_cache, options.wipe, error);
    if (!index_db) return false;
    have_pruned = !options.wipe && index_db->read_flag("prunedblockfiles").value_or(false);
    if (have_pruned && !prune_mode() && options.reindex != Reindex::BLOCKS) {
        // Core's message: the deleted blocks can only come back by downloading them again.
        *error =
            "You need to rebuild the database using -reindex to go back to unpruned mode.  This will redownload the "
            "entire blockchain";
        return false;
    }
    bool wipe_coins = options.wipe || options.reindex == Reindex::CHAINSTATE;
    try {
        std::vector<std::pair<uint256, DiskBlockIndex>> records;
        index_db->load([&](const uint256& hash, const DiskBlockIndex& d) { records.emplace_back(hash, d); });
        if (!options.wipe) {
            std::error_code size_ec;
            const bool stored_blocks = fs::file_size(blocks_dir / "blk00000.dat", size_ec) > 0 && !size_ec;
            if (options.reindex == Reindex::BLOCKS) {
                reindex_pending = true;
            } else if (index_db->read_flag("reindexing").value_or(false)) {
                log_info("reindex: the last reindex did not finish; starting it again");
                reindex_pending = true;
            } else if (records.empty() && stored_blocks) {
                log_info("reindex: the block index is empty but blocks are stored; reindexing them");
                reindex_pending = true;
            }
        }
        if (reindex_pending) {
            // Recorded before anything is emptied: a crash from here on restarts the reindex.
            index_db->write_flag("reindexing", true);
            index_db.reset();
            index_db = BlockIndexDB::open(index_dir, index_cache, /*wipe=*/true, error);
            if (!index_db) return false;
            index_db->write_flag("reindexing", true);
            records.clear();
            wipe_coins = true;
            for (const auto& entry : fs::directory_iterator(blocks_dir)) {
                if (entry.path().filename().string().rfind("rev", 0) == 0) fs::remove(entry.path());
            }
            if (have_pruned || prune_mode()) {
                // As Core with -reindex and -prune: the reindex reads blk files from 0 up to
                // the first missing one, so the files after a gap are unusable; they go.
                have_pruned = false;
                std::vector<int> numbers;
                for (const auto& entry : fs::directory_iterator(blocks_dir)) {
                    const std::string name = entry.path().filename().string();
                    if (name.size() == 12 && name.starts_with("blk") && name.ends_with(".dat") &&
                        name.find_first_not_of("0123456789", 3) == 8)
                        numbers.push_back(std::stoi(name.substr(3, 5)));
                }
                std::sort(numbers.begin(), numbers.end());
                for (size_t i = 0; i < numbers.size(); ++i)
                    if (numbers[i] != int(i)) fs::remove(blocks_dir / entry_name(numbers[i]));
            }
        }
        coins_db = CoinsDB::open(options.datadir / "chainstate", std::max<size_t>(options.dbcache_bytes / 8, 1 << 20),
                                 wipe_coins, error);
        if (!coins_db) return false;
        if (options.wipe) {
            for (const auto& entry : fs::directory_iterator(blocks_dir)) {
                const std::string name = entry.path().filename().string();
                if (name.rfind("blk", 0) == 0 || name.rfind("rev", 0) == 0) fs::remove(entry.path());
            }
        }
        BlockStoreSpace space;
        space.min_free_bytes = options.min_free_disk_bytes;
        space.write_limit = options.test_block_write_limit;
        store = std::make_unique<BlockStore>(
            blocks_dir, params.magic, options.fast_prune ? kFastPruneFileSize : BlockStore::kMaxBlockFileSize, space);
        coins = std::make_unique<CoinsCache>(*coins_db);
        sig_cache = std::make_unique<SignatureCache>(SignatureCache::entries_for_bytes(options.signature_cache_bytes));
        pool = std::make_unique<ScriptCheckPool>(options.script_threads, sig_cache.get());

        // Rebuild the tree from the stored records.
        std::sort(records.begin(), records.end(),
                  [](const auto& a, const auto& b) { return a.second.height < b.second.height; });
        for (const auto& [hash, d] : records) {
            BlockIndex* prev = nullptr;
            if (d.height > 0) {
                prev = find(d.header.prev_block);
                if (!prev || prev->height + 1 != d.height) {
                    *error = "block index is corrupt: parent of " + hash.to_hex() + " is missing";
                    return false;
                }
            } else if (hash != consensus().genesis_hash) {
                *error = "the data directory " + options.datadir.string() + " holds another network's chain";
                return false;
            }
            auto entry = std::make_unique<BlockIndex>();
            BlockIndex* b = entry.get();
            b->hash = hash;
            b->header = d.header;
            b->prev = prev;
            b->height = d.height;
            b->status = d.status;
            b->tx_count = d.tx_count;
            b->data = d.data;
            b->undo = d.undo;
            b->chain_work = (prev ? prev->chain_work : arith_uint256(0)) + block_proof(d.header.bits);
            b->build_skip();
            index.emplace(hash, std::move(entry));
            if (!(b->status & BLOCK_FAILED_MASK) && (!best_header || b->chain_work > best_header->chain_work))
                best_header = b;
            // A pruned block's transactions were counted once: it still links its
            // descendants (Core links by nTx, not by stored data).
            if ((b->status & BLOCK_HAVE_DATA) || b->tx_count > 0) data_received(b);
        }

        // A reindex reads every blk file itself (and must stop at a damaged record rather
        // than cut the file there), so only a normal start recovers the unrecorded tail.
        if (!reindex_pending) recover_block_files();
        if (!reindex_pending && have_pruned) remove_unreferenced_files();

        if (!find(consensus().genesis_hash)) {
            BlockIndex* g = add_to_index(params.genesis.header, consensus().genesis_hash, nullptr);
            // A reindex finds the genesis block where it was first written.
            const FilePos first_record{0, uint32_t(kBlkRecordHeaderSize)};
            std::optional<Block> stored;
            if (reindex_pending) stored = store->read_block(first_record);
            g->data = stored && stored->hash() == consensus().genesis_hash ? first_record
                                                                           : store->write_block(params.genesis);
            g->tx_count = uint32_t(params.genesis.txs.size());
            g->status |= BLOCK_HAVE_DATA;
            g->raise_validity(BLOCK_VALID_TRANSACTIONS);
            data_received(g);
        }

        const uint256 best = coins->best_block();
        if (!best.is_null()) {
            BlockIndex* tip = find(best);
            if (!tip) {
                *error = "the UTXO set's best block " + best.to_hex() +
                         " is not in the block index; the data directory is corrupt (start with a fresh one)";
                return false;
            }
            chain.set_tip(tip);
        }
        // Replay: connect stored blocks beyond the UTXO set's best block (from genesis
        // after -reindex-chainstate).
        if (options.reindex == Reindex::CHAINSTATE) log_info("reindex-chainstate: rebuilding the UTXO set");
        ValidationState state;
        activate_best_chain(state, nullptr, nullptr, options.interrupted);
        flush();
    } catch (const StorageError& e) {
        *error = e.what();
        return false;
    }
    return true;
}

// ---- Public interface ----

Chainstate::Chainstate(const ChainParams& params, std::unique_ptr<Impl> impl)
    : params_(params), impl_(std::move(impl)) {}

std::unique_ptr<Chainstate> Chainstate::open(const ChainParams& params, ChainstateOptions options, std::string* error) {
    std::string local_error;
    if (!error) error = &local_error;
    auto cs = std::unique_ptr<Chainstate>(new Chainstate(params, nullptr));
    // Impl refers to the Chainstate's own copy of the parameters.
    cs->impl_ = std::make_unique<Impl>(cs->params_, std::move(options));
    std::lock_guard lock(cs->impl_->mutex);
    if (!cs->impl_->load(error)) return nullptr;
    return cs;
}

Chainstate::~Chainstate() {
    if (!impl_ || !impl_->coins) return;
    try {
        std::lock_guard lock(impl_->mutex);
        impl_->flush();
    } catch (const std::exception&) {
        // Nothing more can be done here; the next start replays from the last good flush.
    }
}

bool Chainstate::process_block(const Block& block, ValidationState& state, bool* is_new, const FilePos* stored_at) {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    if (is_new) *is_new = false;
    m.throw_if_stopped();
    const uint256 hash = block.hash();
    if (BlockIndex* known = m.find(hash)) {
        if (known->status & BLOCK_FAILED_MASK) return state.invalid("duplicate-invalid", "block is marked invalid");
        if (known->status & BLOCK_HAVE_DATA) return true;
    }
    BlockIndex* b = m.check_new_block(block, state);
    if (!b) return false;
    try {
        m.record_block_data(b, block, stored_at ? *stored_at : m.store->write_block(block));
        if (is_new) *is_new = true;
        m.activate_best_chain(state, b, &block);
    } catch (const StorageError& e) {
        m.fail(e.what());
        throw;
    }
    return state.valid();
}

bool Chainstate::process_header(const BlockHeader& header, ValidationState& state, const BlockIndex** out) {
    std::lock_guard lock(impl_->mutex);
    BlockIndex* b = nullptr;
    const bool ok = impl_->accept_header(header, state, &b);
    if (out) *out = b;
    return ok;
}

bool Chainstate::invalidate_block(const uint256& hash, ValidationState& state) {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    BlockIndex* target = m.find(hash);
    if (!target) return state.invalid("Block not found");
    if (!target->prev) return state.invalid("Cannot invalidate the genesis block");
    // Disconnect down to the block's parent, then mark it and every descendant.
    while (m.chain.contains(target)) m.disconnect_tip();
    target->status |= BLOCK_FAILED_VALID;
    m.mark_dirty(target);
    for (auto& [h, entry] : m.index) {
        BlockIndex* x = entry.get();
        if (x != target && x->height > target->height && x->ancestor(target->height) == target) {
            x->status |= BLOCK_FAILED_CHILD;
            m.mark_dirty(x);
        }
    }
    m.candidates.clear();
    for (auto& [h, entry] : m.index) {
        BlockIndex* x = entry.get();
        if (x->is_valid(BLOCK_VALID_TRANSACTIONS) && x->chain_tx_count) m.candidates.insert(x);
    }
    m.recompute_best_header();
    // Only more work than the new tip moves it: re-run selection from here.
    ValidationState ignored;
    m.activate_best_chain(ignored, nullptr);
    return true;
}

bool Chainstate::precious_block(const uint256& hash, ValidationState& state) {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    BlockIndex* target = m.find(hash);
    if (!target) return state.invalid("Block not found");
    const BlockIndex* tip = m.chain.tip();
    if (tip && target->chain_work < tip->chain_work) return true;  // less work than the tip: nothing to do
    if (tip && tip->chain_work > m.last_precious_work) m.reverse_sequence = -1;
    if (tip) m.last_precious_work = tip->chain_work;
    m.candidates.erase(target);
    target->sequence_id = m.reverse_sequence--;
    if (target->is_valid(BLOCK_VALID_TRANSACTIONS) && target->chain_tx_count) {
        m.candidates.insert(target);
        m.prune_candidates();
    }
    m.activate_best_chain(state, nullptr, nullptr, {}, true);
    return state.valid();
}

bool Chainstate::reconsider_block(const uint256& hash, ValidationState& state) {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    BlockIndex* target = m.find(hash);
    if (!target) return state.invalid("Block not found");
    for (auto& [h, entry] : m.index) {
        BlockIndex* x = entry.get();
        const bool descendant = x->height >= target->height && x->ancestor(target->height) == target;
        const bool ancestor = target->ancestor(x->height) == x;
        if ((descendant || ancestor) && (x->status & BLOCK_FAILED_MASK)) {
            x->status &= ~uint32_t(BLOCK_FAILED_MASK);
            m.mark_dirty(x);
            if (x->is_valid(BLOCK_VALID_TRANSACTIONS) && x->chain_tx_count) m.candidates.insert(x);
        }
    }
    m.recompute_best_header();
    m.activate_best_chain(state, nullptr);
    return state.valid();
}

void Chainstate::flush() {
    std::lock_guard lock(impl_->mutex);
    try {
        impl_->flush();
    } catch (const StorageError& e) {
        impl_->fail(e.what());
        throw;
    }
}

std::optional<std::string> Chainstate::fatal_error() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->fatal;
}

const BlockIndex* Chainstate::tip() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->chain.tip();
}

int Chainstate::height() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->chain.height();
}

const BlockIndex* Chainstate::lookup(const uint256& hash) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->find(hash);
}

int64_t Chainstate::now() const { return impl_->now(); }

bool Chainstate::initial_block_download() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->initial_block_download();
}

bool Chainstate::reindex_pending() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->reindex_pending;
}

void Chainstate::finish_reindex() {
    std::lock_guard lock(impl_->mutex);
    impl_->flush();
    impl_->index_db->write_flag("reindexing", false);
    impl_->reindex_pending = false;
}

std::filesystem::path Chainstate::block_file_path(int file) const { return impl_->store->block_file_path(file); }

std::filesystem::path Chainstate::blocks_dir() const { return impl_->blocks_dir(); }

PruneStatus Chainstate::prune_status() const {
    std::lock_guard lock(impl_->mutex);
    PruneStatus s;
    s.prune_mode = impl_->prune_mode();
    s.have_pruned = impl_->have_pruned;
    s.target = impl_->options.prune_target;
    s.prune_height = impl_->prune_height();
    s.prune_after_height = prune_after_height(impl_->params.network, impl_->options.fast_prune);
    return s;
}

bool Chainstate::is_block_pruned(const BlockIndex* b) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->have_pruned && b && !(b->status & BLOCK_HAVE_DATA) && b->tx_count > 0;
}

int Chainstate::prune_manual(int height) {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    m.throw_if_stopped();
    const BlockIndex* tip = m.chain.tip();
    if (!m.prune_mode() || !tip) return m.prune_height().value_or(-1);
    const int last = std::min(height, last_prunable_height(tip->height, m.prune_locks.heights()));
    uint64_t usage = 0;
    const std::vector<int> chosen =
        select_files_to_prune_manual(m.block_file_usage(&usage), m.store->current_file(), last);
    log_info("Prune (Manual): prune_height=%d removed %zu blk/rev pairs", last, chosen.size());
    try {
        m.prune_files(chosen);
    } catch (const StorageError& e) {
        m.fail(e.what());
        throw;
    }
    return m.prune_height().value_or(-1);
}

void Chainstate::start_pruning() {
    std::lock_guard lock(impl_->mutex);
    impl_->pruning_started = true;
    try {
        impl_->maybe_prune(/*force=*/true);
    } catch (const StorageError& e) {
        impl_->fail(e.what());
        throw;
    }
}

PruneLocks& Chainstate::prune_locks() { return impl_->prune_locks; }

AssumeValidStatus Chainstate::assume_valid() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->assume_valid_status;
}

void Chainstate::set_loading_blocks(bool loading) { impl_->loading_blocks.store(loading); }

bool Chainstate::loading_blocks() const { return impl_->loading_blocks.load(); }

bool Chainstate::have_block_data(const uint256& hash) const {
    std::lock_guard lock(impl_->mutex);
    const BlockIndex* b = impl_->find(hash);
    return b && (b->status & BLOCK_HAVE_DATA);
}

const BlockIndex* Chainstate::at_height(int height) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->chain.at(height);
}

bool Chainstate::in_active_chain(const BlockIndex* b) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->chain.contains(b);
}

std::optional<Block> Chainstate::read_block(const BlockIndex* b) const {
    std::lock_guard lock(impl_->mutex);
    if (!b || !(b->status & BLOCK_HAVE_DATA)) return std::nullopt;
    return impl_->store->read_block(b->data);
}

std::optional<Coin> Chainstate::coin(const OutPoint& outpoint) const {
    std::lock_guard lock(impl_->mutex);
    const Coin* c = impl_->coins->access(outpoint);
    if (!c) return std::nullopt;
    return *c;
}

std::vector<ChainTip> Chainstate::chain_tips() const {
    std::lock_guard lock(impl_->mutex);
    const Impl& m = *impl_;
    // Tips: blocks nothing else builds on, plus the active tip.
    std::unordered_set<const BlockIndex*> has_child;
    for (const auto& [h, entry] : m.index)
        if (entry->prev) has_child.insert(entry->prev);
    std::vector<ChainTip> tips;
    for (const auto& [h, entry] : m.index) {
        const BlockIndex* b = entry.get();
        if (has_child.count(b) && b != m.chain.tip()) continue;
        const BlockIndex* fork = m.chain.find_fork(b);
        ChainTip t{b, b->height - (fork ? fork->height : -1), ""};
        if (m.chain.contains(b)) {
            t.status = "active";
        } else if (b->status & BLOCK_FAILED_MASK) {
            t.status = "invalid";
        } else if (b->chain_tx_count == 0) {
            t.status = "headers-only";
        } else if (b->is_valid(BLOCK_VALID_SCRIPTS)) {
            t.status = "valid-fork";
        } else if (b->is_valid(BLOCK_VALID_TREE)) {
            t.status = "valid-headers";
        } else {
            t.status = "unknown";
        }
        tips.push_back(t);
    }
    std::sort(tips.begin(), tips.end(),
              [](const ChainTip& a, const ChainTip& b) { return a.block->height > b.block->height; });
    return tips;
}

UtxoStats Chainstate::utxo_stats() {
    std::lock_guard lock(impl_->mutex);
    Impl& m = *impl_;
    m.flush();
    UtxoStats s;
    s.height = m.chain.height();
    s.best_block = m.coins_db->best_block();
    Sha256Stream hasher;
    uint256 last_txid;
    bool any = false;
    Bytes record;
    m.coins_db->for_each([&](const OutPoint& op, const Coin& c) {
        ++s.txouts;
        if (!any || op.txid != last_txid) ++s.transactions;
        any = true;
        last_txid = op.txid;
        s.total_amount += c.out.value;
        s.bogosize += 50 + c.out.script_pubkey.size();  // 32 txid + 4 vout + 4 height + 8 value + 2 len
        // txid || vout || height*2+coinbase || value || CompactSize(len) || script
        record.clear();
        Writer w(record);
        w.hash(op.txid);
        w.u32(op.index);
        w.u32(uint32_t(c.height) * 2 + (c.coinbase ? 1 : 0));
        w.i64(c.out.value);
        w.var_bytes(c.out.script_pubkey.view());
        hasher.write(record);
        return true;
    });
    s.hash_serialized_3 = sha256(hasher.finalize().view());
    s.disk_size = m.coins_db->estimate_disk_size();
    return s;
}

const BlockIndex* Chainstate::for_each_utxo(const std::function<bool(const OutPoint&, const Coin&)>& visit) {
    std::lock_guard lock(impl_->mutex);
    impl_->flush();
    impl_->coins_db->for_each(visit);
    return impl_->chain.tip();
}

const BlockIndex* Chainstate::View::tip() const { return impl_.chain.tip(); }
std::optional<Coin> Chainstate::View::coin(const OutPoint& outpoint) const {
    const Coin* c = impl_.coins->access(outpoint);
    if (!c) return std::nullopt;
    return *c;
}
const ChainParams& Chainstate::View::params() const { return impl_.params; }
const BlockIndex* Chainstate::View::lookup(const uint256& hash) const { return impl_.find(hash); }
const BlockIndex* Chainstate::View::at_height(int height) const { return impl_.chain.at(height); }
SignatureCache& Chainstate::View::signature_cache() const { return *impl_.sig_cache; }
int64_t Chainstate::View::now() const { return impl_.now(); }
bool Chainstate::View::initial_block_download() const { return impl_.initial_block_download(); }

void Chainstate::with_view(const std::function<void(View&)>& fn) {
    std::lock_guard lock(impl_->mutex);
    View view(*impl_);
    fn(view);
}

void Chainstate::add_listener(Listener listener) {
    std::lock_guard lock(impl_->mutex);
    impl_->listeners.push_back(std::move(listener));
}

}  // namespace minicash
