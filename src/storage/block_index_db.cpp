#include "storage/block_index_db.h"

#include <algorithm>
#include <array>
#include <limits>

#include "storage/coin_codec.h"

namespace minicash {

namespace {

constexpr uint8_t kIndexPrefix = 'b';
constexpr uint8_t kFlagPrefix = 'F';
constexpr size_t kIndexKeySize = 1 + 32;
// Record layout version 1: header (80 bytes), then VARINTs: height, status, tx_count,
// data.file + 1, data.offset, undo.file + 1, undo.offset (file + 1 so a null position is 0).
constexpr uint8_t kRecordVersion = 1;

std::array<uint8_t, kIndexKeySize> index_key(const uint256& hash) {
    std::array<uint8_t, kIndexKeySize> key;
    key[0] = kIndexPrefix;
    std::copy(hash.begin(), hash.end(), key.begin() + 1);
    return key;
}

Bytes flag_key(const std::string& name) {
    Bytes key(1 + name.size());
    key[0] = kFlagPrefix;
    std::copy(name.begin(), name.end(), key.begin() + 1);
    return key;
}

void write_pos(Writer& w, const FilePos& pos) {
    write_varint(w, pos.is_null() ? 0 : uint64_t(pos.file) + 1);
    write_varint(w, pos.is_null() ? 0 : pos.offset);
}

FilePos read_pos(Reader& r) {
    const uint64_t file = read_varint(r);
    const uint64_t offset = read_varint(r);
    if (!r.ok()) return {};
    if (file > uint64_t(std::numeric_limits<int>::max()) || offset > std::numeric_limits<uint32_t>::max()) {
        r.fail("file position out of range");
        return {};
    }
    if (file == 0) return {};
    return FilePos{int(file - 1), uint32_t(offset)};
}

Bytes encode_record(const DiskBlockIndex& index) {
    if (index.height < 0) throw StorageError("block index: negative height");
    Bytes out;
    Writer w(out);
    w.u8(kRecordVersion);
    index.header.write(w);
    write_varint(w, uint64_t(index.height));
    write_varint(w, index.status);
    write_varint(w, index.tx_count);
    write_pos(w, index.data);
    write_pos(w, index.undo);
    return out;
}

uint32_t read_u32_varint(Reader& r) {
    const uint64_t v = read_varint(r);
    if (r.ok() && v > std::numeric_limits<uint32_t>::max()) r.fail("value out of range");
    return r.ok() ? uint32_t(v) : 0;
}

DiskBlockIndex decode_record(ByteView value, const uint256& hash) {
    Reader r(value);
    DiskBlockIndex index;
    const uint8_t version = r.u8();
    if (r.ok() && version != kRecordVersion) r.fail("unknown record version " + std::to_string(version));
    index.header = BlockHeader::read(r);
    const uint32_t height = read_u32_varint(r);
    if (r.ok() && height > uint32_t(std::numeric_limits<int>::max())) r.fail("height out of range");
    index.height = int(height);
    index.status = read_u32_varint(r);
    index.tx_count = read_u32_varint(r);
    index.data = read_pos(r);
    index.undo = read_pos(r);
    if (r.ok() && !r.empty()) r.fail("trailing data");
    // The key must name the header it holds.
    if (r.ok() && index.header.hash() != hash) r.fail("header does not hash to its key");
    if (!r.ok()) throw StorageError("corrupt block index record " + hash.to_hex() + ": " + r.error());
    return index;
}

}  // namespace

std::unique_ptr<BlockIndexDB> BlockIndexDB::open(const std::filesystem::path& dir, size_t cache_bytes, bool wipe,
                                                 std::string* error) {
    std::unique_ptr<Database> db = Database::open(dir, Database::Options{cache_bytes, wipe}, error);
    if (!db) return nullptr;
    return std::unique_ptr<BlockIndexDB>(new BlockIndexDB(std::move(db)));
}

void BlockIndexDB::write(const std::vector<DiskBlockIndex>& records) {
    Database::Batch batch;
    for (const DiskBlockIndex& index : records) batch.put(index_key(index.header.hash()), encode_record(index));
    db_->write(batch, /*sync=*/true);
}

void BlockIndexDB::load(const std::function<void(const uint256& hash, const DiskBlockIndex&)>& visit) const {
    std::unique_ptr<Database::Cursor> cursor = db_->cursor();
    const uint8_t start[1] = {kIndexPrefix};
    for (cursor->seek(start); cursor->valid(); cursor->next()) {
        const ByteView key = cursor->key();
        if (key.empty() || key[0] != kIndexPrefix) break;
        if (key.size() != kIndexKeySize) throw StorageError("corrupt block index key");
        const uint256 hash(key.subspan(1));
        const DiskBlockIndex index = decode_record(cursor->value(), hash);
        visit(hash, index);
    }
}

void BlockIndexDB::write_flag(const std::string& name, bool value) {
    Database::Batch batch;
    const uint8_t v[1] = {uint8_t(value ? '1' : '0')};
    batch.put(flag_key(name), v);
    db_->write(batch, /*sync=*/true);
}

std::optional<bool> BlockIndexDB::read_flag(const std::string& name) const {
    const std::optional<Bytes> value = db_->read(flag_key(name));
    if (!value) return std::nullopt;
    if (value->size() != 1 || ((*value)[0] != '0' && (*value)[0] != '1'))
        throw StorageError("corrupt flag record '" + name + "'");
    return (*value)[0] == '1';
}

}  // namespace minicash
