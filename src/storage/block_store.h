// Block and undo files in Bitcoin Core's layout: blocks/blkNNNNN.dat holds records of
// network magic (4 bytes), length (uint32 LE) and the serialized block; revNNNNN.dat
// holds, for the blocks of blkNNNNN.dat, magic, length, the serialized BlockUndo and a
// checksum SHA256d(prev block hash || undo bytes).
//
// A file position names the first byte of a record's payload (after magic and length).
// Writes append; a record is only referenced after flush() made it durable.
//
// Disk space: a write is refused (DiskSpaceError, nothing written) when the blocks
// directory's filesystem would keep less than `min_free_bytes` (Core's 50 MiB reserve),
// so the databases that record the block still have room. After an unclean shutdown the
// caller finds what was recorded and resumes appending there (set_append_position,
// truncate_undo), so repeated crashes do not leave growing unreferenced tails.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "consensus/block.h"
#include "storage/database.h"
#include "storage/undo.h"

namespace minicash {

struct FilePos {
    int file = -1;
    uint32_t offset = 0;
    bool is_null() const { return file < 0; }
    friend bool operator==(const FilePos&, const FilePos&) = default;
};

// A write refused or failed for lack of space (the reserve, or ENOSPC).
struct DiskSpaceError : StorageError {
    using StorageError::StorageError;
};

// Core's minimum free space kept on the blocks directory's filesystem.
inline constexpr uint64_t kMinDiskSpace = uint64_t(50) << 20;

// Free bytes available to this process on the filesystem holding `dir` (statvfs), or
// nullopt when it cannot be asked (then no reserve is enforced).
std::optional<uint64_t> free_disk_space(const std::filesystem::path& dir);

struct BlockStoreSpace {
    uint64_t min_free_bytes = kMinDiskSpace;
    // Testing aid (-test=blockwritelimit): writes fail with ENOSPC once this many bytes
    // were written by this BlockStore, the last one cut short (0: no limit).
    uint64_t write_limit = 0;
    // Replaces free_disk_space (unit tests).
    std::function<std::optional<uint64_t>(const std::filesystem::path&)> free_space;
};

class BlockStore {
public:
    static constexpr uint64_t kMaxBlockFileSize = 128 << 20;  // start a new file beyond this

    // `blocks_dir` is created if missing. Appends continue after the last existing file
    // (until set_append_position says otherwise).
    // Throws StorageError when the directory cannot be created or read.
    BlockStore(std::filesystem::path blocks_dir, std::array<uint8_t, 4> magic,
               uint64_t max_file_size = kMaxBlockFileSize, BlockStoreSpace space = {});
    ~BlockStore();  // closes descriptors; does not flush

    // Appends a block record; returns the payload position. Throws StorageError
    // (DiskSpaceError when the reserve would be broken or the disk is full); a failed
    // write leaves no partial record.
    FilePos write_block(const Block& block);
    // Appends the undo record for a block stored in file `block_file`. Throws as write_block.
    FilePos write_undo(const BlockUndo& undo, const uint256& prev_block_hash, int block_file);

    // ---- Recovery after an unclean shutdown (before any write) ----

    // Numbers of the blk files present, ascending.
    std::vector<int> block_files() const;
    // The length of the record whose payload starts at `pos` in blk (or rev) file
    // pos.file, from its header; nullopt when it cannot be read.
    [[nodiscard]] std::optional<uint32_t> block_record_length(FilePos pos) const;
    [[nodiscard]] std::optional<uint32_t> undo_record_length(FilePos pos) const;
    // Calls `visit` with the position and payload of each complete record of blk file
    // `file` from byte `from` (a record boundary) on, front to back, stopping at the first
    // bytes that are not a whole record. Throws StorageError when the file cannot be read.
    void scan_block_records(int file, uint64_t from, const std::function<void(FilePos, ByteView)>& visit) const;
    // The next block is appended at byte `end` of blk file `file`: that file is cut
    // there, higher-numbered blk and rev files are removed. Throws StorageError.
    void set_append_position(int file, uint64_t end);
    // Cuts rev file `file` to `end` bytes when it is longer. Throws StorageError.
    void truncate_undo(int file, uint64_t end);

    // nullopt when the position is out of range, the record header does not match, or the
    // payload does not parse (with `error` saying which).
    [[nodiscard]] std::optional<Block> read_block(FilePos pos, std::string* error = nullptr) const;
    [[nodiscard]] std::optional<Bytes> read_block_bytes(FilePos pos, std::string* error = nullptr) const;
    // Also fails when the checksum does not match `prev_block_hash`.
    [[nodiscard]] std::optional<BlockUndo> read_undo(FilePos pos, const uint256& prev_block_hash,
                                                     std::string* error = nullptr) const;

    // Makes everything written so far durable (fsync). Throws StorageError.
    void flush();

    std::filesystem::path block_file_path(int file) const;
    std::filesystem::path undo_file_path(int file) const;

    // ---- Pruning ----

    // The blk file new blocks are appended to.
    int current_file() const;
    // Bytes of each blk file present plus its rev file, by file number.
    std::map<int, uint64_t> file_usage() const;
    // Deletes blk and rev file `file` (a missing one is fine). REQUIRES: not the current
    // file. Throws StorageError when a file cannot be removed.
    void remove_file_pair(int file);

private:
    std::filesystem::path dir_;
    std::array<uint8_t, 4> magic_;
    uint64_t max_file_size_;
    BlockStoreSpace space_;
    uint64_t written_ = 0;  // guarded by mutex_: bytes written (for space_.write_limit)
    mutable std::mutex mutex_;
    int current_file_ = 0;       // guarded by mutex_
    uint64_t current_size_ = 0;  // guarded by mutex_: size of blk file current_file_
    // Guarded by mutex_: append descriptors of files written since the last flush(), and
    // whether a file was created since then (the directory entry needs a sync too).
    std::map<std::filesystem::path, int> unsynced_;
    bool dir_unsynced_ = false;

    // Appends magic || length || payload || trailer to `path`; returns the payload offset.
    // Checks the free-space reserve first. REQUIRES: mutex_ held.
    uint32_t append_record(const std::filesystem::path& path, ByteView payload, ByteView trailer);
    // The payload (plus `trailer_size` bytes after it) of the record at `pos` in `path`.
    [[nodiscard]] std::optional<uint32_t> record_length(const std::filesystem::path& path, FilePos pos) const;
    [[nodiscard]] std::optional<Bytes> read_record(const std::filesystem::path& path, FilePos pos, size_t trailer_size,
                                                   std::string* error) const;
};

}  // namespace minicash
