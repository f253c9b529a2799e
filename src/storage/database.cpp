#include "storage/database.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/slice.h>
#include <leveldb/status.h>
#include <leveldb/write_batch.h>

#include <system_error>

namespace minicash {

namespace {

leveldb::Slice to_slice(ByteView v) { return leveldb::Slice(reinterpret_cast<const char*>(v.data()), v.size()); }

ByteView to_view(const leveldb::Slice& s) { return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

[[noreturn]] void throw_status(const std::filesystem::path& path, const char* what, const leveldb::Status& status) {
    throw StorageError("database " + path.string() + ": " + what + " failed: " + status.ToString());
}

}  // namespace

Database::Database(leveldb::DB* db) : db_(db) {}

Database::~Database() {
    // The DB refers to the cache and filter policy until it is closed.
    db_.reset();
}

std::unique_ptr<Database> Database::open(const std::filesystem::path& dir, const Options& options, std::string* error) {
    auto fail = [&](const std::string& message) -> std::unique_ptr<Database> {
        if (error) *error = message;
        return nullptr;
    };

    std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.cache_bytes));
    std::unique_ptr<const leveldb::FilterPolicy> filter(leveldb::NewBloomFilterPolicy(10));
    leveldb::Options lo;
    lo.create_if_missing = true;
    lo.paranoid_checks = true;
    lo.block_cache = cache.get();
    lo.filter_policy = filter.get();
    lo.max_open_files = 64;

    if (options.wipe) {
        // DestroyDB succeeds on a missing directory.
        const leveldb::Status s = leveldb::DestroyDB(dir.string(), lo);
        if (!s.ok()) return fail("cannot wipe database " + dir.string() + ": " + s.ToString());
    }

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create database directory " + dir.string() + ": " + ec.message());

    leveldb::DB* raw = nullptr;
    const leveldb::Status s = leveldb::DB::Open(lo, dir.string(), &raw);
    if (!s.ok()) {
        delete raw;  // null on failure; harmless otherwise
        return fail("cannot open database " + dir.string() + ": " + s.ToString());
    }
    std::unique_ptr<Database> db(new Database(raw));
    db->block_cache_ = std::move(cache);
    db->filter_policy_ = std::move(filter);
    db->path_ = dir;
    return db;
}

std::optional<Bytes> Database::read(ByteView key) const {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    std::string value;
    const leveldb::Status s = db_->Get(ro, to_slice(key), &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) throw_status(path_, "read", s);
    return Bytes(value.begin(), value.end());
}

bool Database::exists(ByteView key) const { return read(key).has_value(); }

Database::Batch::Batch() : batch_(std::make_unique<leveldb::WriteBatch>()) {}
Database::Batch::~Batch() = default;

void Database::Batch::put(ByteView key, ByteView value) { batch_->Put(to_slice(key), to_slice(value)); }
void Database::Batch::erase(ByteView key) { batch_->Delete(to_slice(key)); }
size_t Database::Batch::approximate_size() const { return batch_->ApproximateSize(); }
void Database::Batch::clear() { batch_->Clear(); }

void Database::write(Batch& batch, bool sync) {
    leveldb::WriteOptions wo;
    wo.sync = sync;
    const leveldb::Status s = db_->Write(wo, batch.batch_.get());
    if (!s.ok()) throw_status(path_, "write", s);
}

Database::Cursor::Cursor(leveldb::Iterator* it) : it_(it) {}
Database::Cursor::~Cursor() = default;

void Database::Cursor::seek(ByteView key) { it_->Seek(to_slice(key)); }

bool Database::Cursor::valid() const {
    if (it_->Valid()) return true;
    // An iterator also stops on an error: report it rather than look like the end.
    const leveldb::Status s = it_->status();
    if (!s.ok()) throw StorageError("database iteration failed: " + s.ToString());
    return false;
}

void Database::Cursor::next() { it_->Next(); }
ByteView Database::Cursor::key() const { return to_view(it_->key()); }
ByteView Database::Cursor::value() const { return to_view(it_->value()); }

std::unique_ptr<Database::Cursor> Database::cursor() const {
    leveldb::ReadOptions ro;
    ro.verify_checksums = true;
    ro.fill_cache = false;  // full scans would evict the working set
    return std::unique_ptr<Cursor>(new Cursor(db_->NewIterator(ro)));
}

uint64_t Database::estimate_size(ByteView begin, ByteView end) const {
    const leveldb::Range range(to_slice(begin), to_slice(end));
    uint64_t size = 0;
    db_->GetApproximateSizes(&range, 1, &size);
    return size;
}

}  // namespace minicash
