// The UTXO set on disk: one LevelDB record per unspent output plus the hash of the block
// the set corresponds to ("best block"), always written in the same atomic batch.
//
// Keys: 'C' || txid (32 bytes, internal order) || vout (4 bytes big-endian), so iteration
// is in (txid bytes, vout) order: the order hash_serialized_3 needs. 'B' -> best block.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "consensus/transaction.h"
#include "consensus/tx_verify.h"
#include "storage/database.h"

namespace minicash {

class CoinsDB {
public:
    [[nodiscard]] static std::unique_ptr<CoinsDB> open(const std::filesystem::path& dir, size_t cache_bytes, bool wipe,
                                                       std::string* error);

    std::optional<Coin> get(const OutPoint& outpoint) const;
    bool have(const OutPoint& outpoint) const;
    uint256 best_block() const;  // null when the set was never written

    // Changes to write with the next commit.
    class Changes {
    public:
        void put(const OutPoint& outpoint, const Coin& coin);
        void erase(const OutPoint& outpoint);
        size_t count() const { return count_; }

    private:
        friend class CoinsDB;
        Database::Batch batch_;
        size_t count_ = 0;
    };
    // Applies `changes` and sets the best block, atomically and durably (synced).
    void commit(Changes& changes, const uint256& best_block);

    // Visits every coin in key order until `visit` returns false.
    void for_each(const std::function<bool(const OutPoint&, const Coin&)>& visit) const;

    uint64_t estimate_disk_size() const;

private:
    explicit CoinsDB(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    std::unique_ptr<Database> db_;
};

}  // namespace minicash
