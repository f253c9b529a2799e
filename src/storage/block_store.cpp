#include "storage/block_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string_view>
#include <system_error>

#include "consensus/blk_records.h"
#include "consensus/serialize.h"
#include "storage/database.h"
#include "util/hash.h"

namespace minicash {

namespace {

constexpr size_t kUndoChecksumSize = 32;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::filesystem::path numbered_path(const std::filesystem::path& dir, const char* prefix, int file) {
    char name[32];
    std::snprintf(name, sizeof name, "%s%05d.dat", prefix, file);
    return dir / name;
}

// The number of a "blkNNNNN.dat" name (five or more digits), or -1.
int block_file_number(const std::string& name) {
    constexpr std::string_view kPrefix = "blk", kSuffix = ".dat";
    if (name.size() < kPrefix.size() + 5 + kSuffix.size()) return -1;
    if (name.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
    if (name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) return -1;
    const std::string digits = name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    if (digits.size() > 9) return -1;  // keeps the number within int
    int n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

// Writes all of `data` at `offset`, retrying short writes. Returns 0 or an errno value.
int pwrite_all(int fd, const uint8_t* data, size_t size, off_t offset) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += n;
        size -= size_t(n);
        offset += n;
    }
    return 0;
}

// Reads exactly `size` bytes at `offset`. Returns 0, an errno value, or -1 at end of file.
int pread_all(int fd, uint8_t* data, size_t size, off_t offset) {
    while (size > 0) {
        const ssize_t n = ::pread(fd, data, size, offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (n == 0) return -1;
        data += n;
        size -= size_t(n);
        offset += n;
    }
    return 0;
}

// Closes the descriptor when it goes out of scope.
struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

uint256 undo_checksum(const uint256& prev_block_hash, ByteView undo_bytes) {
    HashWriter h;
    h.write_hash(prev_block_hash);
    h.write(undo_bytes);
    return h.sha256d();
}

std::string mib_text(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// Cuts `path` to `size` bytes when it is longer (a missing file is fine).
void truncate_file(const std::filesystem::path& path, uint64_t size) {
    std::error_code ec;
    const uint64_t now = std::filesystem::file_size(path, ec);
    if (ec || now <= size) return;
    if (::truncate(path.c_str(), off_t(size)) != 0)
        throw StorageError("cannot truncate " + path.string() + ": " + errno_text(errno));
}

}  // namespace

std::optional<uint64_t> free_disk_space(const std::filesystem::path& dir) {
    struct statvfs st;
    if (::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
    return uint64_t(st.f_bavail) * uint64_t(st.f_frsize);
}

BlockStore::BlockStore(std::filesystem::path blocks_dir, std::array<uint8_t, 4> magic, uint64_t max_file_size,
                       BlockStoreSpace space)
    : dir_(std::move(blocks_dir)), magic_(magic), max_file_size_(max_file_size), space_(std::move(space)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw StorageError("cannot create block directory " + dir_.string() + ": " + ec.message());

    int highest = -1;
    std::filesystem::directory_iterator it(dir_, ec);
    if (ec) throw StorageError("cannot read block directory " + dir_.string() + ": " + ec.message());
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const int n = block_file_number(it->path().filename().string());
        if (n > highest) highest = n;
    }
    if (ec) throw StorageError("cannot read block directory " + dir_.string() + ": " + ec.message());

    if (highest >= 0) {
        current_file_ = highest;
        const auto path = block_file_path(highest);
        current_size_ = std::filesystem::file_size(path, ec);
        if (ec) throw StorageError("cannot stat " + path.string() + ": " + ec.message());
    }
}

BlockStore::~BlockStore() {
    for (const auto& [path, fd] : unsynced_) ::close(fd);
}

std::filesystem::path BlockStore::block_file_path(int file) const { return numbered_path(dir_, "blk", file); }
std::filesystem::path BlockStore::undo_file_path(int file) const { return numbered_path(dir_, "rev", file); }

uint32_t BlockStore::append_record(const std::filesystem::path& path, ByteView payload, ByteView trailer) {
    int fd;
    if (auto found = unsynced_.find(path); found != unsynced_.end()) {
        fd = found->second;
    } else {
        fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (fd >= 0) dir_unsynced_ = true;
        }
        if (fd < 0) throw StorageError("cannot open " + path.string() + " for writing: " + errno_text(errno));
        unsynced_.emplace(path, fd);
    }

    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0) throw StorageError("cannot seek in " + path.string() + ": " + errno_text(errno));
    const uint64_t total = kBlkRecordHeaderSize + payload.size() + trailer.size();
    if (payload.size() > std::numeric_limits<uint32_t>::max() ||
        uint64_t(end) + total > std::numeric_limits<uint32_t>::max())
        throw StorageError("record does not fit in " + path.string() + " (offsets are 32-bit)");

    // The reserve: what the databases need to record this block, and the user's margin.
    const auto free = space_.free_space ? space_.free_space(dir_) : free_disk_space(dir_);
    if (free && *free < space_.min_free_bytes + total)
        throw DiskSpaceError("Disk space is too low! " + mib_text(*free) + " free in " + dir_.string() +
                             ", the node keeps " + mib_text(space_.min_free_bytes) + " in reserve");

    Bytes record;
    record.reserve(size_t(total));
    append_blk_record(record, magic_, payload);
    append(record, trailer);

    size_t allowed = record.size();
    if (space_.write_limit > 0)
        allowed = size_t(std::min<uint64_t>(allowed, space_.write_limit - std::min(written_, space_.write_limit)));
    int err = pwrite_all(fd, record.data(), allowed, end);
    if (err == 0 && allowed < record.size()) {
        err = ENOSPC;  // the simulated disk is full, and stays so
        written_ = space_.write_limit;
    }
    if (err == 0) written_ += record.size();
    if (err != 0) {
        // Drop the partial record so the next append starts on a record boundary.
        if (::ftruncate(fd, end) != 0) {
            // Nothing more to do: the error below is fatal for the node anyway.
        }
        const std::string what = "cannot write to " + path.string() + ": " + errno_text(err);
        if (err == ENOSPC || err == EDQUOT) throw DiskSpaceError(what);
        throw StorageError(what);
    }
    return uint32_t(uint64_t(end) + kBlkRecordHeaderSize);
}

FilePos BlockStore::write_block(const Block& block) {
    const Bytes bytes = block.serialize(/*with_witness=*/true);
    const std::lock_guard<std::mutex> lock(mutex_);
    // A record never makes a non-empty file exceed the limit; an empty one takes any block.
    if (current_size_ > 0 && current_size_ + kBlkRecordHeaderSize + bytes.size() > max_file_size_) {
        ++current_file_;
        current_size_ = 0;
    }
    FilePos pos;
    pos.file = current_file_;
    pos.offset = append_record(block_file_path(current_file_), bytes, {});
    current_size_ = uint64_t(pos.offset) + bytes.size();
    return pos;
}

FilePos BlockStore::write_undo(const BlockUndo& undo, const uint256& prev_block_hash, int block_file) {
    if (block_file < 0) throw StorageError("write_undo: block file number " + std::to_string(block_file));
    const Bytes bytes = serialize_block_undo(undo);
    const uint256 checksum = undo_checksum(prev_block_hash, bytes);
    const std::lock_guard<std::mutex> lock(mutex_);
    FilePos pos;
    pos.file = block_file;
    pos.offset = append_record(undo_file_path(block_file), bytes, checksum.view());
    return pos;
}

std::vector<int> BlockStore::block_files() const {
    std::vector<int> files;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir_, ec);
    if (ec) throw StorageError("cannot read block directory " + dir_.string() + ": " + ec.message());
    for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
        if (ec) throw StorageError("cannot read block directory " + dir_.string() + ": " + ec.message());
        const int n = block_file_number(it->path().filename().string());
        if (n >= 0) files.push_back(n);
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::optional<uint32_t> BlockStore::record_length(const std::filesystem::path& path, FilePos pos) const {
    if (pos.is_null() || pos.offset < kBlkRecordHeaderSize) return std::nullopt;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    const FdCloser closer{fd};
    uint8_t header[kBlkRecordHeaderSize];
    if (pread_all(fd, header, sizeof header, off_t(pos.offset - kBlkRecordHeaderSize)) != 0) return std::nullopt;
    const BlkRecordHeader h = read_blk_record_header(ByteView(header, sizeof header));
    if (h.magic != magic_) return std::nullopt;
    return h.length;
}

std::optional<uint32_t> BlockStore::block_record_length(FilePos pos) const {
    return record_length(block_file_path(pos.file), pos);
}

std::optional<uint32_t> BlockStore::undo_record_length(FilePos pos) const {
    return record_length(undo_file_path(pos.file), pos);
}

void BlockStore::scan_block_records(int file, uint64_t from,
                                    const std::function<void(FilePos, ByteView)>& visit) const {
    const std::filesystem::path path = block_file_path(file);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw StorageError("cannot open " + path.string());
    in.seekg(std::streamoff(from));
    const Bytes tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw StorageError("cannot read " + path.string());
    const BlkSplit split = split_blk_records(tail, &magic_);
    for (const BlkRecord& r : split.records) {
        FilePos pos;
        pos.file = file;
        pos.offset = uint32_t(from + r.offset + kBlkRecordHeaderSize);
        visit(pos, r.payload);
    }
}

void BlockStore::set_append_position(int file, uint64_t end) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const int n : block_files()) {
        if (n <= file) continue;
        std::error_code ec;
        std::filesystem::remove(block_file_path(n), ec);
        if (!ec) std::filesystem::remove(undo_file_path(n), ec);
        if (ec) throw StorageError("cannot remove " + block_file_path(n).string() + ": " + ec.message());
    }
    truncate_file(block_file_path(file), end);
    current_file_ = file;
    std::error_code ec;
    current_size_ = std::filesystem::exists(block_file_path(file), ec) ? end : 0;
}

int BlockStore::current_file() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return current_file_;
}

std::map<int, uint64_t> BlockStore::file_usage() const {
    std::map<int, uint64_t> usage;
    for (const int n : block_files()) {
        std::error_code ec;
        uint64_t bytes = std::filesystem::file_size(block_file_path(n), ec);
        if (ec) bytes = 0;
        const uint64_t undo = std::filesystem::file_size(undo_file_path(n), ec);
        if (!ec) bytes += undo;
        usage[n] = bytes;
    }
    return usage;
}

void BlockStore::remove_file_pair(int file) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (file == current_file_) throw StorageError("cannot prune blk file " + std::to_string(file) + ": it is in use");
    for (const auto& path : {block_file_path(file), undo_file_path(file)}) {
        if (auto it = unsynced_.find(path); it != unsynced_.end()) {
            ::close(it->second);
            unsynced_.erase(it);
        }
        std::error_code ec;
        std::filesystem::remove(path, ec);
        if (ec) throw StorageError("cannot remove " + path.string() + ": " + ec.message());
    }
}

void BlockStore::truncate_undo(int file, uint64_t end) {
    const std::lock_guard<std::mutex> lock(mutex_);
    truncate_file(undo_file_path(file), end);
}

std::optional<Bytes> BlockStore::read_record(const std::filesystem::path& path, FilePos pos, size_t trailer_size,
                                             std::string* error) const {
    auto fail = [&](const std::string& why) -> std::optional<Bytes> {
        if (error) *error = path.string() + " offset " + std::to_string(pos.offset) + ": " + why;
        return std::nullopt;
    };
    if (pos.is_null()) {
        if (error) *error = "null file position";
        return std::nullopt;
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail("cannot open: " + errno_text(errno));
    const FdCloser closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) return fail("cannot stat: " + errno_text(errno));
    const uint64_t file_size = uint64_t(st.st_size);

    if (pos.offset < kBlkRecordHeaderSize || pos.offset > file_size) return fail("position outside the file");
    uint8_t header[kBlkRecordHeaderSize];
    if (const int err = pread_all(fd, header, sizeof header, off_t(pos.offset - kBlkRecordHeaderSize)))
        return fail(err < 0 ? "truncated record header" : "read error: " + errno_text(err));
    const auto [magic, length] = read_blk_record_header(ByteView(header, sizeof header));
    if (magic != magic_) return fail("record magic does not match");
    if (length > kMaxSerializedSize) return fail("record length " + std::to_string(length) + " too large");
    if (uint64_t(pos.offset) + length + trailer_size > file_size)
        return fail("record of " + std::to_string(length) + " bytes runs past the end of the file");

    Bytes data(length + trailer_size);
    if (const int err = pread_all(fd, data.data(), data.size(), off_t(pos.offset)))
        return fail(err < 0 ? "truncated record" : "read error: " + errno_text(err));
    return data;
}

std::optional<Bytes> BlockStore::read_block_bytes(FilePos pos, std::string* error) const {
    return read_record(block_file_path(pos.file), pos, 0, error);
}

std::optional<Block> BlockStore::read_block(FilePos pos, std::string* error) const {
    const std::optional<Bytes> bytes = read_block_bytes(pos, error);
    if (!bytes) return std::nullopt;
    std::string why;
    std::optional<Block> block = Block::decode(*bytes, &why);
    if (!block && error)
        *error = block_file_path(pos.file).string() + " offset " + std::to_string(pos.offset) + ": bad block: " + why;
    return block;
}

std::optional<BlockUndo> BlockStore::read_undo(FilePos pos, const uint256& prev_block_hash, std::string* error) const {
    const std::filesystem::path path = undo_file_path(pos.file);
    std::optional<Bytes> data = read_record(path, pos, kUndoChecksumSize, error);
    if (!data) return std::nullopt;
    auto fail = [&](const std::string& why) -> std::optional<BlockUndo> {
        if (error) *error = path.string() + " offset " + std::to_string(pos.offset) + ": " + why;
        return std::nullopt;
    };
    const ByteView all(*data);
    const ByteView payload = all.first(all.size() - kUndoChecksumSize);
    const uint256 stored(all.last(kUndoChecksumSize));
    if (undo_checksum(prev_block_hash, payload) != stored) return fail("undo checksum mismatch");
    std::string why;
    std::optional<BlockUndo> undo = deserialize_block_undo(payload, &why);
    if (!undo) return fail(why);
    return undo;
}

void BlockStore::flush() {
    const std::lock_guard<std::mutex> lock(mutex_);
    // A descriptor is closed and forgotten only once its data is durable.
    for (auto it = unsynced_.begin(); it != unsynced_.end();) {
        if (::fsync(it->second) != 0)
            throw StorageError("cannot sync " + it->first.string() + ": " + errno_text(errno));
        ::close(it->second);
        it = unsynced_.erase(it);
    }
    if (dir_unsynced_) {
        const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) throw StorageError("cannot open " + dir_.string() + " to sync it: " + errno_text(errno));
        const FdCloser closer{fd};
        if (::fsync(fd) != 0) throw StorageError("cannot sync " + dir_.string() + ": " + errno_text(errno));
        dir_unsynced_ = false;
    }
}

}  // namespace minicash
