// The UTXO set as seen by validation: an in-memory cache of coins over the CoinsDB.
// Changes accumulate in memory and reach the database only through flush(), in one
// atomic batch that also records the block the set now corresponds to.
//
// Entry states: a clean entry mirrors the database; a dirty one differs from it. A fresh
// entry is known to be absent from the database, so spending it simply forgets it.
#pragma once

#include <optional>
#include <unordered_map>

#include "storage/coins_db.h"

namespace minicash {

struct OutPointHasher {
    uint64_t k0, k1;  // random per cache, so peers cannot aim collisions at the table
    size_t operator()(const OutPoint& o) const;
};

class CoinsCache {
public:
    explicit CoinsCache(CoinsDB& db);

    // The unspent coin at `outpoint`, or nullptr. The pointer is valid until the next
    // non-const call.
    const Coin* access(const OutPoint& outpoint);
    bool have(const OutPoint& outpoint) { return access(outpoint) != nullptr; }

    // Adds an output. `overwrite` allows replacing an unspent coin (only the historic
    // duplicate coinbases and undo application need it).
    void add(const OutPoint& outpoint, Coin coin, bool overwrite);
    // Spends an output; moves the coin into `spent` when given. False when not unspent.
    bool spend(const OutPoint& outpoint, Coin* spent = nullptr);

    const uint256& best_block() const { return best_block_; }
    void set_best_block(const uint256& h) { best_block_ = h; }

    // Approximate heap bytes held by the cache.
    size_t memory_usage() const { return memory_; }
    size_t size() const { return entries_.size(); }
    // Writes dirty entries and the best block atomically, then empties the cache.
    // Throws StorageError.
    void flush();

private:
    struct Entry {
        std::optional<Coin> coin;  // nullopt: spent
        bool dirty = false;
        bool fresh = false;
    };
    static size_t entry_bytes(const Entry& e);
    std::unordered_map<OutPoint, Entry, OutPointHasher>::iterator fetch(const OutPoint& outpoint);

    CoinsDB& db_;
    std::unordered_map<OutPoint, Entry, OutPointHasher> entries_;
    uint256 best_block_;
    size_t memory_ = 0;
};

}  // namespace minicash
