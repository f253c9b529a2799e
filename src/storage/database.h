// A key-value store on disk (LevelDB). The only place in minicash that includes LevelDB.
//
// Errors: opening reports failure through its return value; reads and writes on an open
// database throw StorageError (disk full, I/O error, corruption), which the node treats
// as fatal: it stops with the message rather than continue with a half-written state.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "util/bytes.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class Iterator;
class WriteBatch;
}  // namespace leveldb

namespace minicash {

struct StorageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Database {
public:
    struct Options {
        size_t cache_bytes = 8 << 20;  // LevelDB block cache
        bool wipe = false;             // destroy existing contents first
    };

    // Opens (creating if needed) the database in `dir`. nullptr with `error` set on failure
    // (unwritable directory, corruption, held by another process).
    [[nodiscard]] static std::unique_ptr<Database> open(const std::filesystem::path& dir, const Options& options,
                                                        std::string* error);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    std::optional<Bytes> read(ByteView key) const;
    bool exists(ByteView key) const;

    // Changes applied together or not at all.
    class Batch {
    public:
        Batch();
        ~Batch();
        void put(ByteView key, ByteView value);
        void erase(ByteView key);
        size_t approximate_size() const;
        void clear();

    private:
        friend class Database;
        std::unique_ptr<leveldb::WriteBatch> batch_;
    };
    // With `sync`, returns only after the data reached stable storage.
    void write(Batch& batch, bool sync);

    // Forward iteration in key order.
    class Cursor {
    public:
        ~Cursor();
        void seek(ByteView key);  // first key >= key
        bool valid() const;
        void next();
        ByteView key() const;    // REQUIRES: valid(); valid until the next move
        ByteView value() const;  // REQUIRES: valid()

    private:
        friend class Database;
        explicit Cursor(leveldb::Iterator* it);
        std::unique_ptr<leveldb::Iterator> it_;
    };
    std::unique_ptr<Cursor> cursor() const;

    // Approximate bytes on disk for keys in [begin, end).
    uint64_t estimate_size(ByteView begin, ByteView end) const;

private:
    explicit Database(leveldb::DB* db);
    // Options the open DB points to: they must outlive db_ (the destructor resets db_ first).
    std::unique_ptr<leveldb::Cache> block_cache_;
    std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
    std::filesystem::path path_;  // for error messages
    std::unique_ptr<leveldb::DB> db_;
};

}  // namespace minicash
