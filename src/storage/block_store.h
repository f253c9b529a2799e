// Block and undo files in Bitcoin Core's layout: blocks/blkNNNNN.dat holds records of
// network magic (4 bytes), length (uint32 LE) and the serialized block; revNNNNN.dat
// holds, for the blocks of blkNNNNN.dat, magic, length, the serialized BlockUndo and a
// checksum SHA256d(prev block hash || undo bytes).
//
// A file position names the first byte of a record's payload (after magic and length).
// Writes append; a record is only referenced after flush() made it durable.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "consensus/block.h"
#include "storage/undo.h"

namespace minicash {

struct FilePos {
    int file = -1;
    uint32_t offset = 0;
    bool is_null() const { return file < 0; }
    friend bool operator==(const FilePos&, const FilePos&) = default;
};

class BlockStore {
public:
    static constexpr uint64_t kMaxBlockFileSize = 128 << 20;  // start a new file beyond this

    // `blocks_dir` is created if missing. Appends continue after the last existing file.
    // Throws StorageError when the directory cannot be created or read.
    BlockStore(std::filesystem::path blocks_dir, std::array<uint8_t, 4> magic,
               uint64_t max_file_size = kMaxBlockFileSize);
    ~BlockStore();  // closes descriptors; does not flush

    // Appends a block record; returns the payload position. Throws StorageError.
    FilePos write_block(const Block& block);
    // Appends the undo record for a block stored in file `block_file`.
    FilePos write_undo(const BlockUndo& undo, const uint256& prev_block_hash, int block_file);

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

private:
    std::filesystem::path dir_;
    std::array<uint8_t, 4> magic_;
    uint64_t max_file_size_;
    mutable std::mutex mutex_;
    int current_file_ = 0;       // guarded by mutex_
    uint64_t current_size_ = 0;  // guarded by mutex_: size of blk file current_file_
    // Guarded by mutex_: append descriptors of files written since the last flush(), and
    // whether a file was created since then (the directory entry needs a sync too).
    std::map<std::filesystem::path, int> unsynced_;
    bool dir_unsynced_ = false;

    // Appends magic || length || payload || trailer to `path`; returns the payload offset.
    // REQUIRES: mutex_ held.
    uint32_t append_record(const std::filesystem::path& path, ByteView payload, ByteView trailer);
    // The payload (plus `trailer_size` bytes after it) of the record at `pos` in `path`.
    [[nodiscard]] std::optional<Bytes> read_record(const std::filesystem::path& path, FilePos pos, size_t trailer_size,
                                                   std::string* error) const;
};

}  // namespace minicash
