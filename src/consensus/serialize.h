// Bitcoin wire serialization: little-endian integers, CompactSize, length-prefixed bytes.
//
// Reader never reads past its input and never allocates from an untrusted length
// before the bytes are there: on the first failure it records an error, sets its
// position to the end and every later read returns zero/empty. Check ok() once at
// the end of a decode (LevelDB-style sticky status).
#pragma once

#include <cstdint>
#include <string>

#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

// Largest length or count Bitcoin accepts in a CompactSize-prefixed field (32 MiB).
inline constexpr uint64_t kMaxSerializedSize = 0x02000000;

class Writer {
public:
    Writer() = default;
    explicit Writer(Bytes& out) : out_(&out) {}

    void u8(uint8_t v) { out_->push_back(v); }
    void u16(uint16_t v) {
        uint8_t b[2];
        write_le16(b, v);
        bytes(b);
    }
    void u32(uint32_t v) {
        uint8_t b[4];
        write_le32(b, v);
        bytes(b);
    }
    void u64(uint64_t v) {
        uint8_t b[8];
        write_le64(b, v);
        bytes(b);
    }
    void i32(int32_t v) { u32(uint32_t(v)); }
    void i64(int64_t v) { u64(uint64_t(v)); }
    void compact_size(uint64_t n);
    void bytes(ByteView data) { append(*out_, data); }
    void var_bytes(ByteView data) {
        compact_size(data.size());
        bytes(data);
    }
    void hash(const uint256& h) { bytes(h.view()); }

    Bytes& buffer() { return *out_; }

private:
    Bytes own_;
    Bytes* out_ = &own_;
};

class Reader {
public:
    explicit Reader(ByteView data) : data_(data) {}

    uint8_t u8();
    uint16_t u16();
    uint32_t u32();
    uint64_t u64();
    int32_t i32() { return int32_t(u32()); }
    int64_t i64() { return int64_t(u64()); }
    // Rejects non-canonical encodings ("non-canonical ReadCompactSize()") and, when
    // `range_check`, values above kMaxSerializedSize ("ReadCompactSize(): size too large").
    uint64_t compact_size(bool range_check = true);
    // Copies exactly n bytes; fails (without allocating) if fewer remain.
    Bytes bytes(size_t n);
    ByteView view(size_t n);  // points into the input; empty on failure
    Bytes var_bytes() { return bytes(size_t(compact_size())); }
    uint256 hash();

    // A count of items each at least `min_item_size` bytes long: fails early when the
    // input cannot possibly hold that many, so callers may reserve() the result.
    uint64_t count(size_t min_item_size);

    void fail(std::string why);
    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }
    size_t remaining() const { return data_.size() - pos_; }
    size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }

private:
    bool need(size_t n);

    ByteView data_;
    size_t pos_ = 0;
    std::string error_;
};

size_t compact_size_length(uint64_t n);

}  // namespace minicash
