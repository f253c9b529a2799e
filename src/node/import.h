// Importing blocks from files in Bitcoin Core's blk*.dat layout (-loadblock): records of
// network magic (4 bytes), length (uint32 LE) and a serialized block.
//
// Files are read as a stream through a bounded buffer (a 128 MiB file is never loaded
// whole). Damaged input never stops an import: wrong magic, garbage between records,
// implausible lengths, truncated or unparsable records are reported with their byte
// offset and skipped by scanning forward for the next network magic. A record whose
// payload does not parse is rescanned from just after its header, so a good record
// hidden inside a bad one's claimed length is still found.
//
// Blocks whose parent is not known yet are kept in memory (at most
// ImportOptions::max_pending_bytes of serialized blocks; beyond that they are dropped
// with a warning) and processed as soon as the parent has been processed, as Core's
// LoadExternalBlockFile does. Blocks already stored are skipped without decoding.
// Every other block goes through Chainstate::process_block().
//
// StorageError from the chain state is not caught: the caller must stop.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "node/chainstate.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

struct ImportOptions {
    size_t max_pending_bytes = size_t(64) << 20;  // blocks waiting for their parent
    size_t max_reported = 1000;                   // detail entries kept per list below
    int64_t progress_interval_ms = 10000;         // progress log line at most this often; <= 0: never
};

struct ImportError {
    uint64_t offset = 0;  // byte offset in the file where the problem starts
    std::string reason;
};

struct InvalidBlock {
    uint256 hash;
    std::filesystem::path file;  // the file it was read from (may be an earlier one)
    uint64_t offset = 0;         // offset of its record (the magic)
    std::string reason;          // ValidationState::to_string()
};

struct ImportResult {
    uint64_t blocks_read = 0;                  // records that decoded as blocks (or known headers)
    uint64_t accepted = 0;                     // valid blocks newly stored
    uint64_t already_known = 0;                // blocks whose data was already stored
    uint64_t invalid = 0;                      // rejected by process_block()
    std::vector<InvalidBlock> invalid_blocks;  // the first max_reported of them
    uint64_t bytes_skipped = 0;                // bytes not part of any decoded record (incl. zero padding)
    uint64_t error_count = 0;
    std::vector<ImportError> errors;  // the first max_reported problems in the file
    uint64_t pending_dropped = 0;     // parent unknown and the pending buffer was full
    uint64_t pending_left = 0;        // still waiting for their parent at the end
    bool interrupted = false;         // stopped early because interrupted() returned true

    bool clean() const { return error_count == 0 && invalid == 0 && pending_dropped == 0; }
};

// Imports blocks from several files in turn, keeping blocks with unknown parents across
// files (so files given out of order still import). Not thread-safe; one per import.
class BlockImporter {
public:
    explicit BlockImporter(Chainstate& chainstate, ImportOptions options = {});

    // Reads one file to the end (or until `interrupted` returns true; it is asked before
    // every record). A file that cannot be opened yields one error at offset 0.
    // Throws StorageError from the chain state.
    [[nodiscard]] ImportResult import_file(const std::filesystem::path& path, const std::function<bool()>& interrupted);
    // The same for the node's own block file number `file` (a reindex, node/reindex.h):
    // blocks are indexed where they lie instead of being written again, and the first
    // damaged record stops the file (its offset and reason are the result's error).
    [[nodiscard]] ImportResult import_stored_file(int file, const std::function<bool()>& interrupted);

    // Blocks still waiting for their parent, and their serialized size.
    size_t pending_count() const { return pending_.size(); }
    size_t pending_bytes() const { return pending_bytes_; }

private:
    struct Pending {
        uint256 hash;
        Bytes data;
        std::filesystem::path file;
        uint64_t offset;
        int stored_file;  // the block file number in a reindex, else -1
    };
    struct FileContext;

    void handle_block(FileContext& ctx, const uint256& hash, const Block& block, ByteView payload, uint64_t offset);
    // Runs process_block() and counts the outcome; returns true if the block is now
    // known to the chain state (valid or not), so its waiting children may follow.
    [[nodiscard]] bool submit(FileContext& ctx, const Block& block, const uint256& hash,
                              const std::filesystem::path& file, uint64_t offset, int stored_file);
    [[nodiscard]] ImportResult read_file(const std::filesystem::path& path, int stored_file,
                                         const std::function<bool()>& interrupted);
    // Processes the blocks that were waiting for `parent`, and recursively theirs.
    void release_children(FileContext& ctx, const uint256& parent);
    void maybe_log_progress(FileContext& ctx, bool force);

    Chainstate& chainstate_;
    ImportOptions options_;
    std::multimap<uint256, Pending> pending_;  // keyed by parent hash
    size_t pending_bytes_ = 0;                 // sum of pending_[*].data sizes
};

// One file with a fresh importer (blocks whose parent never appears are dropped).
[[nodiscard]] ImportResult import_block_file(Chainstate& chainstate, const std::filesystem::path& path,
                                             const std::function<bool()>& interrupted,
                                             const ImportOptions& options = {});

// Core's MAX_BLOCK_SERIALIZED_SIZE: no valid block record is longer.
inline constexpr uint32_t kMaxBlockSerializedSize = 4000000;

}  // namespace minicash
