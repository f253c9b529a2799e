#include "node/index/base_index.h"

#include "consensus/serialize.h"
#include "node/block_index.h"
#include "node/chainstate.h"
#include "storage/block_store.h"
#include "util/logging.h"

namespace minicash {

namespace {

// Key of the locator: hashes of the best block and some of its ancestors (denser near
// the best block, always ending at genesis), so that a start after a reorg or after a
// crash that lost the newest blocks still finds a known block to continue from.
const uint8_t kLocatorKey[] = {'B'};

Bytes encode_locator(const BlockIndex* best) {
    std::vector<const BlockIndex*> entries;
    int step = 1;
    for (const BlockIndex* b = best; b;) {
        entries.push_back(b);
        if (b->height == 0) break;
        if (entries.size() > 10) step *= 2;
        b = b->ancestor(std::max(0, b->height - step));
    }
    Bytes out;
    Writer w(out);
    w.compact_size(entries.size());
    for (const BlockIndex* b : entries) w.hash(b->hash);
    return out;
}

}  // namespace

// Wakes the index thread; shared with the chain state listener, which may outlive the index.
struct BaseIndex::Wakeup {
    std::mutex mutex;
    std::condition_variable cv;
    bool pending = true;  // the first round syncs to the tip found at start
    bool closed = false;

    void notify() {
        {
            std::lock_guard lock(mutex);
            pending = true;
        }
        cv.notify_one();
    }
};

BaseIndex::BaseIndex(std::string name, Chainstate& chain, std::unique_ptr<Database> db,
                     const std::filesystem::path& blocks_dir)
    : name_(std::move(name)),
      chain_(chain),
      db_(std::move(db)),
      store_(std::make_unique<BlockStore>(blocks_dir, chain.params().magic)),
      wakeup_(std::make_shared<Wakeup>()) {}

BaseIndex::~BaseIndex() { stop(); }

const BlockIndex* BaseIndex::load_best(bool* exact) const {
    *exact = true;
    std::optional<Bytes> raw = db_->read(kLocatorKey);
    if (!raw) return nullptr;
    Reader r(*raw);
    const uint64_t n = r.count(32);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        const uint256 hash = r.hash();
        if (!r.ok()) break;
        if (const BlockIndex* b = chain_.lookup(hash)) {
            *exact = i == 0;
            return b;
        }
    }
    *exact = false;
    log_warning("%s: none of its stored best blocks is known; indexing again from the genesis block", name_.c_str());
    return nullptr;
}

void BaseIndex::start() {
    bool exact = true;
    const BlockIndex* best = load_best(&exact);
    // Entries of blocks past a locator entry that is no longer known cannot be taken back.
    if ((!exact && rewinds_blocks()) || !rewound_to(best)) {
        log_warning("%s: entries for block %s are missing; indexing again from the genesis block", name_.c_str(),
                    best ? best->hash.to_hex().c_str() : "(none)");
        best = nullptr;
        rewound_to(nullptr);
    }
    // The next block to index must still be stored (Core's check for pruned nodes).
    const BlockIndex* next = chain_.at_height(best ? best->height + 1 : 0);
    if (next && (!best || chain_.in_active_chain(best)) && chain_.is_block_pruned(next))
        throw StorageError(name_ +
                           " best block of the index goes beyond pruned data. Please disable the index or reindex "
                           "(which will download the whole blockchain again)");
    {
        std::lock_guard lock(state_mutex_);
        best_ = best;
    }
    // Pruning keeps every block the index has yet to read (node/prune.h).
    chain_.prune_locks().set(name_, best ? best->height : -1);
    log_info("%s: starting at height %d", name_.c_str(), best ? best->height : -1);
    std::shared_ptr<Wakeup> wakeup = wakeup_;
    Chainstate::Listener listener;
    listener.connected = [wakeup](const Block&, const BlockIndex*, const Chainstate::View&) { wakeup->notify(); };
    listener.disconnected = [wakeup](const Block&, const BlockIndex*, const Chainstate::View&) { wakeup->notify(); };
    chain_.add_listener(std::move(listener));
    thread_ = std::thread([this] { run(); });
}

void BaseIndex::stop() {
    stopping_ = true;
    {
        std::lock_guard lock(wakeup_->mutex);
        wakeup_->closed = true;
    }
    wakeup_->cv.notify_all();
    if (thread_.joinable()) thread_.join();
    state_cv_.notify_all();
}

void BaseIndex::run() {
    for (;;) {
        {
            std::unique_lock lock(wakeup_->mutex);
            wakeup_->cv.wait(lock, [&] { return wakeup_->pending || wakeup_->closed; });
            if (wakeup_->closed) return;
            wakeup_->pending = false;
        }
        try {
            sync_to_tip();
        } catch (const std::exception& e) {
            log_error("%s: stopped: %s", name_.c_str(), e.what());
            {
                std::lock_guard lock(state_mutex_);
                failed_ = true;
            }
            state_cv_.notify_all();
            return;
        }
    }
}

void BaseIndex::sync_to_tip() {
    while (!stopping_) {
        const BlockIndex* tip = chain_.tip();
        const BlockIndex* best = best_block();
        if (tip == best) {
            bool first = false;
            {
                std::lock_guard lock(state_mutex_);
                first = !synced_;
                synced_ = true;
            }
            if (first) log_info("%s is enabled at height %d", name_.c_str(), best ? best->height : -1);
            state_cv_.notify_all();
            return;
        }
        if (!tip) return;
        const BlockIndex* fork = last_common_ancestor(best, tip);
        if (fork != best && rewinds_blocks()) {
            unindex_block(best);  // newest first, one block per batch
            continue;
        }
        if (fork != best) {
            // The chain left the index's branch: only the best block moves back.
            if (!rewound_to(fork)) {
                log_warning("%s: entries for block %s are missing; indexing again from the genesis block",
                            name_.c_str(), fork ? fork->hash.to_hex().c_str() : "(none)");
                fork = nullptr;
                rewound_to(nullptr);
            }
            Database::Batch batch;
            set_best(fork, batch);
            continue;
        }
        index_block(tip->ancestor(best ? best->height + 1 : 0));
    }
}

struct BaseIndex::StoredBlock {
    Block block;
    std::vector<uint32_t> offsets;
    std::optional<BlockUndo> undo;
};

BaseIndex::StoredBlock BaseIndex::read_stored(const BlockIndex* b) const {
    std::string error;
    std::optional<Bytes> raw = store_->read_block_bytes(b->data, &error);
    if (!raw) throw StorageError("cannot read block " + b->hash.to_hex() + ": " + error);
    // Parse here (not Block::decode) to learn where each transaction starts.
    StoredBlock out;
    Reader r(*raw);
    out.block.header = BlockHeader::read(r);
    const uint64_t n = r.count(10);
    out.offsets.reserve(size_t(n));
    out.block.txs.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        out.offsets.push_back(uint32_t(r.position()));
        out.block.txs.push_back(Transaction::read(r));
    }
    if (!r.ok() || !r.empty() || out.block.hash() != b->hash)
        throw StorageError("block " + b->hash.to_hex() + " on disk does not parse or does not match its hash");
    if (needs_undo() && b->prev) {
        out.undo = store_->read_undo(b->undo, b->prev->hash, &error);
        if (!out.undo) throw StorageError("cannot read undo data of block " + b->hash.to_hex() + ": " + error);
        if (out.undo->txs.size() + 1 != out.block.txs.size())
            throw StorageError("undo data of block " + b->hash.to_hex() + " does not match the block");
    }
    return out;
}

void BaseIndex::index_block(const BlockIndex* b) {
    const StoredBlock s = read_stored(b);
    Database::Batch batch;
    append_block(IndexedBlock{b, s.block, s.offsets, s.undo ? &*s.undo : nullptr}, batch);
    set_best(b, batch);
    block_written(b);
}

void BaseIndex::unindex_block(const BlockIndex* b) {
    const StoredBlock s = read_stored(b);
    Database::Batch batch;
    remove_block(IndexedBlock{b, s.block, s.offsets, s.undo ? &*s.undo : nullptr}, batch);
    set_best(b->prev, batch);
    block_written(b->prev);
}

void BaseIndex::set_best(const BlockIndex* b, Database::Batch& batch) {
    if (b) {
        batch.put(kLocatorKey, encode_locator(b));
    } else {
        batch.erase(kLocatorKey);
    }
    db_->write(batch, /*sync=*/false);  // atomic; a crash keeps the entries and locator together
    {
        std::lock_guard lock(state_mutex_);
        best_ = b;
    }
    chain_.prune_locks().set(name_, b ? b->height : -1);
    state_cv_.notify_all();
}

const BlockIndex* BaseIndex::best_block() const {
    std::lock_guard lock(state_mutex_);
    return best_;
}

IndexSummary BaseIndex::summary() const {
    std::lock_guard lock(state_mutex_);
    return IndexSummary{name_, synced_, best_ ? best_->height : 0};
}

bool BaseIndex::block_until_synced(std::chrono::milliseconds timeout) const {
    {
        std::lock_guard lock(state_mutex_);
        if (!synced_) return false;
    }
    const BlockIndex* target = chain_.tip();
    if (!target) return true;
    std::unique_lock lock(state_mutex_);
    state_cv_.wait_for(lock, timeout, [&] {
        return stopping_ || failed_ ||
               (best_ && best_->height >= target->height && best_->ancestor(target->height) == target);
    });
    return true;
}

}  // namespace minicash
