// The block index on disk (LevelDB in blocks/index): one record per known block header
// with its validation status and where its data and undo data are stored.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/block.h"
#include "storage/block_store.h"
#include "storage/database.h"

namespace minicash {

// Block status bits (persisted; values are part of the on-disk format).
enum BlockStatus : uint32_t {
    BLOCK_VALID_HEADER = 1,        // header checked (proof of work, context)
    BLOCK_VALID_TREE = 2,          // parent known and valid to this level
    BLOCK_VALID_TRANSACTIONS = 3,  // block checked context-free and contextually
    BLOCK_VALID_CHAIN = 4,         // inputs, amounts, sigops checked (connected once)
    BLOCK_VALID_SCRIPTS = 5,       // scripts checked
    BLOCK_VALID_MASK = 7,
    BLOCK_HAVE_DATA = 8,      // full block stored
    BLOCK_HAVE_UNDO = 16,     // undo data stored
    BLOCK_FAILED_VALID = 32,  // the block itself is invalid
    BLOCK_FAILED_CHILD = 64,  // an ancestor is invalid
    BLOCK_FAILED_MASK = BLOCK_FAILED_VALID | BLOCK_FAILED_CHILD,
};

struct DiskBlockIndex {
    BlockHeader header;
    int height = 0;
    uint32_t status = 0;
    uint32_t tx_count = 0;
    FilePos data;  // valid when status & BLOCK_HAVE_DATA
    FilePos undo;  // valid when status & BLOCK_HAVE_UNDO
};

class BlockIndexDB {
public:
    [[nodiscard]] static std::unique_ptr<BlockIndexDB> open(const std::filesystem::path& dir, size_t cache_bytes,
                                                            bool wipe, std::string* error);

    // Writes the given records in one synced batch.
    void write(const std::vector<DiskBlockIndex>& records);
    // Visits every stored record (any order). Throws StorageError on a corrupt record.
    void load(const std::function<void(const uint256& hash, const DiskBlockIndex&)>& visit) const;

    void write_flag(const std::string& name, bool value);
    std::optional<bool> read_flag(const std::string& name) const;

private:
    explicit BlockIndexDB(std::unique_ptr<Database> db) : db_(std::move(db)) {}
    std::unique_ptr<Database> db_;
};

}  // namespace minicash
