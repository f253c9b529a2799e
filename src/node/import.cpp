#include "node/import.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>

#include "consensus/blk_records.h"
#include "consensus/params.h"
#include "util/duration_text.h"
#include "util/hex.h"
#include "util/logging.h"

namespace minicash {

namespace {

constexpr size_t kReadChunk = size_t(1) << 20;

// A forward-only window over a file. Holds at most what the caller asked to see plus
// one read chunk, so memory stays bounded by the largest record (4 MB) + 1 MiB.
class FileWindow {
public:
    explicit FileWindow(std::FILE* f) : file_(f) {}
    ~FileWindow() { std::fclose(file_); }
    FileWindow(const FileWindow&) = delete;
    FileWindow& operator=(const FileWindow&) = delete;

    uint64_t pos() const { return base_ + begin_; }
    size_t available() const { return buf_.size() - begin_; }
    const uint8_t* data() const { return buf_.data() + begin_; }
    bool read_failed() const { return read_errno_ != 0; }
    int read_errno() const { return read_errno_; }

    // Makes at least `n` bytes visible from pos(); fewer only at the end of the file or
    // after a read error. Returns available().
    size_t ensure(size_t n) {
        if (available() >= n || eof_) return available();
        if (begin_ > 0) {  // drop consumed bytes
            std::memmove(buf_.data(), buf_.data() + begin_, available());
            buf_.resize(available());
            base_ += begin_;
            begin_ = 0;
        }
        while (buf_.size() < n && !eof_) {
            const size_t old = buf_.size();
            const size_t want = std::max(n - old, kReadChunk);
            buf_.resize(old + want);
            const size_t got = std::fread(buf_.data() + old, 1, want, file_);
            buf_.resize(old + got);
            if (got < want) {
                if (std::ferror(file_)) read_errno_ = errno != 0 ? errno : EIO;
                eof_ = true;
            }
        }
        return available();
    }

    void skip(size_t n) { begin_ += std::min(n, available()); }  // REQUIRES: n <= available()

private:
    std::FILE* file_;
    Bytes buf_;
    size_t begin_ = 0;   // index in buf_ of pos()
    uint64_t base_ = 0;  // file offset of buf_[0]
    bool eof_ = false;
    int read_errno_ = 0;
};

// The network whose magic these four bytes are, for a clearer error message.
std::optional<std::string> network_of_magic(const uint8_t* bytes) {
    static const std::vector<std::pair<std::array<uint8_t, 4>, std::string>> known = [] {
        std::vector<std::pair<std::array<uint8_t, 4>, std::string>> v;
        for (Network n : {Network::MAIN, Network::TESTNET4, Network::SIGNET, Network::REGTEST})
            v.emplace_back(make_chain_params(n).magic, network_name(n));
        return v;
    }();
    for (const auto& [magic, name] : known)
        if (std::memcmp(magic.data(), bytes, 4) == 0) return name;
    return std::nullopt;
}

std::string hex4(const uint8_t* p, size_t n) { return hex_encode(ByteView(p, std::min<size_t>(n, 4))); }

}  // namespace

struct BlockImporter::FileContext {
    std::filesystem::path path;
    int stored_file = -1;  // the node's own block file in a reindex
    ImportResult result;
    const std::function<bool()>* interrupted = nullptr;
    uint64_t file_size = 0;
    uint64_t position = 0;   // for progress lines
    uint64_t processed = 0;  // blocks handed to process_block()
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last_progress = start;
    uint64_t processed_at_last_progress = 0;
    uint64_t position_at_last_progress = 0;

    bool stop_requested() {
        if (*interrupted && (*interrupted)()) result.interrupted = true;
        return result.interrupted;
    }
};

namespace {

void add_error(ImportResult& result, size_t max_reported, uint64_t offset, std::string reason,
               const std::filesystem::path& path) {
    log_warning("import %s: offset %" PRIu64 ": %s", path.filename().c_str(), offset, reason.c_str());
    ++result.error_count;
    if (result.errors.size() < max_reported) result.errors.push_back({offset, std::move(reason)});
}

}  // namespace

BlockImporter::BlockImporter(Chainstate& chainstate, ImportOptions options)
    : chainstate_(chainstate), options_(options) {}

ImportResult BlockImporter::import_file(const std::filesystem::path& path, const std::function<bool()>& interrupted) {
    return read_file(path, -1, interrupted);
}

ImportResult BlockImporter::import_stored_file(int file, const std::function<bool()>& interrupted) {
    return read_file(chainstate_.block_file_path(file), file, interrupted);
}

ImportResult BlockImporter::read_file(const std::filesystem::path& path, int stored_file,
                                      const std::function<bool()>& interrupted) {
    FileContext ctx;
    ctx.path = path;
    ctx.stored_file = stored_file;
    ctx.interrupted = &interrupted;
    ImportResult& result = ctx.result;

    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        add_error(result, options_.max_reported, 0, "is a directory, not a block file", path);
        return result;
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        add_error(result, options_.max_reported, 0, std::string("cannot open: ") + std::strerror(errno), path);
        return result;
    }
    ctx.file_size = std::filesystem::file_size(path, ec);
    if (ec) ctx.file_size = 0;
    FileWindow in(f);
    log_info("import: reading %s (%" PRIu64 " bytes)", path.c_str(), ctx.file_size);

    const std::array<uint8_t, 4> magic = chainstate_.params().magic;
    // True after a bad record: the bytes up to the next magic belong to the same
    // problem and get no error entry of their own.
    bool resyncing = false;
    // After a bad record: step past its first byte and scan for the next magic.
    const auto resync_after_bad_record = [&] {
        in.skip(1);
        result.bytes_skipped += 1;
        resyncing = true;
    };

    // A reindex stops at the first damaged record: the file is the node's own.
    const auto damaged = [&] { return stored_file >= 0 && result.error_count > 0; };
    while (!ctx.stop_requested() && !damaged()) {
        // 1. Find the next magic, counting what lies before it.
        const uint64_t scan_start = in.pos();
        uint8_t first[4] = {};
        const size_t first_len = std::min<size_t>(in.ensure(4), 4);
        std::memcpy(first, in.data(), first_len);
        uint64_t skipped = 0;
        bool all_zero = true;
        bool found = false;
        for (;;) {
            const size_t n = in.ensure(kBlkRecordHeaderSize);
            const uint8_t* d = in.data();
            const uint8_t* hit = n >= 4 ? std::search(d, d + n, magic.begin(), magic.end()) : d + n;
            const size_t before = hit != d + n ? size_t(hit - d) : (n >= 4 ? n - 3 : n);
            all_zero = all_zero && std::all_of(d, d + before, [](uint8_t b) { return b == 0; });
            in.skip(before);
            skipped += before;
            if (hit != d + n) {
                found = true;
                break;
            }
            if (n < 4) break;  // end of file: the last 0..3 bytes were counted above
        }
        result.bytes_skipped += skipped;
        if (in.read_failed()) {
            add_error(result, options_.max_reported, in.pos(),
                      std::string("read error: ") + std::strerror(in.read_errno()), path);
            break;
        }
        if (skipped > 0 && !resyncing && !all_zero) {
            std::string reason;
            if (first_len == 4) {
                if (auto net = network_of_magic(first))
                    reason = "record with the network magic of " + *net + " (" + hex4(first, 4) + "), expected " +
                             network_name(chainstate_.params().network) + " (" + hex4(magic.data(), 4) + "); ";
            }
            if (reason.empty()) reason = "no network magic (found " + hex4(first, first_len) + "); ";
            reason += "skipped " + std::to_string(skipped) +
                      (found ? " bytes to the next record" : " bytes to the end of the file");
            add_error(result, options_.max_reported, scan_start, std::move(reason), path);
        }
        if (!found) break;
        resyncing = false;

        // 2. The record header.
        const uint64_t record = in.pos();
        ctx.position = record;
        size_t n = in.ensure(kBlkRecordHeaderSize);
        if (n < kBlkRecordHeaderSize) {
            add_error(result, options_.max_reported, record, "truncated record header at the end of the file", path);
            result.bytes_skipped += n;
            in.skip(n);
            break;
        }
        const uint32_t len = read_blk_record_header(ByteView(in.data(), n)).length;
        if (len < kBlockHeaderSize || len > kMaxBlockSerializedSize) {
            add_error(result, options_.max_reported, record,
                      "implausible block length " + std::to_string(len) + " (must be 80.." +
                          std::to_string(kMaxBlockSerializedSize) + "); rescanning for the next record",
                      path);
            resync_after_bad_record();
            continue;
        }
        n = in.ensure(kBlkRecordHeaderSize + size_t(len));
        if (in.read_failed()) {
            add_error(result, options_.max_reported, in.pos() + n,
                      std::string("read error: ") + std::strerror(in.read_errno()), path);
            break;
        }
        if (n < kBlkRecordHeaderSize + size_t(len)) {
            add_error(result, options_.max_reported, record,
                      "truncated record: length " + std::to_string(len) + " but only " +
                          std::to_string(n - kBlkRecordHeaderSize) + " bytes follow before the end of the file" +
                          "; rescanning for the next record",
                      path);
            resync_after_bad_record();
            continue;
        }
        const ByteView payload(in.data() + kBlkRecordHeaderSize, len);

        // 3. Known blocks are skipped without decoding the transactions.
        std::string error;
        const std::optional<BlockHeader> header = BlockHeader::decode(payload.first(kBlockHeaderSize), &error);
        if (!header) {  // cannot happen for 80 bytes; kept as a guard
            add_error(result, options_.max_reported, record, "unparsable block header: " + error, path);
            resync_after_bad_record();
            continue;
        }
        const uint256 hash = header->hash();
        if (chainstate_.have_block_data(hash)) {
            ++result.blocks_read;
            ++result.already_known;
            in.skip(kBlkRecordHeaderSize + len);
            release_children(ctx, hash);
            maybe_log_progress(ctx, false);
            continue;
        }

        // 4. Decode and process (or keep until the parent shows up).
        std::optional<Block> block = Block::decode(payload, &error);
        if (!block) {
            add_error(result, options_.max_reported, record,
                      "block " + hash.to_hex() + " (length " + std::to_string(len) + ") does not parse: " + error +
                          "; rescanning for the next record",
                      path);
            resync_after_bad_record();
            continue;
        }
        ++result.blocks_read;
        handle_block(ctx, hash, *block, payload, record);
        in.skip(kBlkRecordHeaderSize + len);
        maybe_log_progress(ctx, false);
    }

    result.pending_left = pending_.size();
    maybe_log_progress(ctx, true);
    return std::move(ctx.result);
}

void BlockImporter::handle_block(FileContext& ctx, const uint256& hash, const Block& block, ByteView payload,
                                 uint64_t offset) {
    const bool is_genesis = hash == chainstate_.params().consensus.genesis_hash;
    if (!is_genesis && chainstate_.lookup(block.header.prev_block) == nullptr) {
        if (pending_bytes_ + payload.size() > options_.max_pending_bytes) {
            ++ctx.result.pending_dropped;
            log_warning("import %s: dropping block %s at offset %" PRIu64
                        ": its parent %s is unknown and %zu MiB of blocks already wait for their parents",
                        ctx.path.filename().c_str(), hash.to_hex().c_str(), offset,
                        block.header.prev_block.to_hex().c_str(), options_.max_pending_bytes >> 20);
            return;
        }
        log_debug(LogCategory::IMPORT, "out of order block %s at offset %" PRIu64 ", parent %s not known yet",
                  hash.to_hex().c_str(), offset, block.header.prev_block.to_hex().c_str());
        pending_bytes_ += payload.size();
        pending_.emplace(block.header.prev_block,
                         Pending{hash, Bytes(payload.begin(), payload.end()), ctx.path, offset, ctx.stored_file});
        return;
    }
    if (submit(ctx, block, hash, ctx.path, offset, ctx.stored_file)) release_children(ctx, hash);
}

bool BlockImporter::submit(FileContext& ctx, const Block& block, const uint256& hash, const std::filesystem::path& file,
                           uint64_t offset, int stored_file) {
    ValidationState state;
    bool is_new = false;
    ++ctx.processed;
    const FilePos stored_at{stored_file, uint32_t(offset + kBlkRecordHeaderSize)};
    if (chainstate_.process_block(block, state, &is_new, stored_file >= 0 ? &stored_at : nullptr)) {
        if (is_new) ++ctx.result.accepted;
        else ++ctx.result.already_known;
    } else {
        ++ctx.result.invalid;
        log_info("import %s: block %s at offset %" PRIu64 " is invalid: %s", file.filename().c_str(),
                 hash.to_hex().c_str(), offset, state.to_string().c_str());
        if (ctx.result.invalid_blocks.size() < options_.max_reported)
            ctx.result.invalid_blocks.push_back({hash, file, offset, state.to_string()});
    }
    return chainstate_.lookup(hash) != nullptr;
}

void BlockImporter::release_children(FileContext& ctx, const uint256& parent) {
    std::deque<uint256> parents{parent};
    while (!parents.empty()) {
        const uint256 p = parents.front();
        parents.pop_front();
        auto it = pending_.find(p);
        while (it != pending_.end() && it->first == p) {
            if (ctx.stop_requested()) return;  // the rest stays pending
            Pending child = std::move(it->second);
            it = pending_.erase(it);
            pending_bytes_ -= child.data.size();
            std::optional<Block> block = Block::decode(child.data);
            if (!block) continue;  // decoded once already; cannot fail
            if (submit(ctx, *block, child.hash, child.file, child.offset, child.stored_file))
                parents.push_back(child.hash);
            maybe_log_progress(ctx, false);
        }
    }
}

void BlockImporter::maybe_log_progress(FileContext& ctx, bool force) {
    const auto now = std::chrono::steady_clock::now();
    const auto since_last = std::chrono::duration_cast<std::chrono::milliseconds>(now - ctx.last_progress).count();
    if (!force && (options_.progress_interval_ms <= 0 || since_last < options_.progress_interval_ms)) return;
    const double total_s = std::chrono::duration<double>(now - ctx.start).count();
    const double window_s = std::max(since_last / 1000.0, 1e-3);
    const ImportResult& r = ctx.result;
    if (force) {
        log_info("import %s: done%s in %.1f s: %" PRIu64 " blocks read, %" PRIu64 " accepted, %" PRIu64
                 " already known, %" PRIu64 " invalid, %" PRIu64 " errors, %" PRIu64
                 " bytes skipped; height %d (%.1f blocks/s)",
                 ctx.path.filename().c_str(), r.interrupted ? " (interrupted)" : "", total_s, r.blocks_read, r.accepted,
                 r.already_known, r.invalid, r.error_count, r.bytes_skipped, chainstate_.height(),
                 ctx.processed / std::max(total_s, 1e-3));
        if (r.pending_left > 0)
            log_warning("import %s: %" PRIu64 " blocks still wait for a parent that has not been seen",
                        ctx.path.filename().c_str(), r.pending_left);
    } else {
        // Work done is measured in bytes of the file: the time left is what the rest takes
        // at the rate of the last window.
        const double pct = ctx.file_size > 0 ? 100.0 * double(ctx.position) / double(ctx.file_size) : 0.0;
        const double bytes_rate =
            double(ctx.position - std::min(ctx.position, ctx.position_at_last_progress)) / window_s;
        const double left_bytes = double(ctx.file_size - std::min(ctx.file_size, ctx.position));
        const std::string left = duration_text(bytes_rate > 0 ? int64_t(left_bytes / bytes_rate) : -1);
        log_info("import %s: height %d, %.1f blocks/s, %.1f MB/s, %.0f%% of the file read, about %s left in it",
                 ctx.path.filename().c_str(), chainstate_.height(),
                 double(ctx.processed - ctx.processed_at_last_progress) / window_s, bytes_rate / 1e6, pct,
                 left.c_str());
    }
    ctx.last_progress = now;
    ctx.processed_at_last_progress = ctx.processed;
    ctx.position_at_last_progress = ctx.position;
}

ImportResult import_block_file(Chainstate& chainstate, const std::filesystem::path& path,
                               const std::function<bool()>& interrupted, const ImportOptions& options) {
    BlockImporter importer(chainstate, options);
    return importer.import_file(path, interrupted);
}

}  // namespace minicash
