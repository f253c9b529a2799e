// Bitcoin Core's block file framing (blocks/blk*.dat): per record, the network's 4-byte
// magic, the payload length as uint32 little-endian, then the payload (a serialized
// block). Undo files (rev*.dat) use the same framing with a trailing checksum.
//
// Written once here and used by the block store, -loadblock import, minicash-tx,
// test helpers and bench tools. Pure byte handling: no files are opened here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace minicash {

using NetworkMagic = std::array<uint8_t, 4>;

inline constexpr size_t kBlkRecordHeaderSize = 8;  // magic (4) || payload length (uint32 LE)

struct BlkRecordHeader {
    NetworkMagic magic{};
    uint32_t length = 0;
};

// The header at the start of `bytes`. REQUIRES: bytes.size() >= kBlkRecordHeaderSize.
BlkRecordHeader read_blk_record_header(ByteView bytes);

// Appends one record (header and payload) to `out`.
// REQUIRES: payload.size() fits in uint32.
void append_blk_record(Bytes& out, const NetworkMagic& magic, ByteView payload);

// One record found by split_blk_records: where its header starts and its payload.
struct BlkRecord {
    size_t offset = 0;  // of the record header within the file
    ByteView payload;   // points into the bytes given to split_blk_records
};

// How split_blk_records ended.
enum class BlkSplitEnd {
    END,               // every byte belonged to a record
    ZERO_PADDING,      // only zero bytes followed (Core pre-allocates blk files)
    TRUNCATED_HEADER,  // fewer than 8 bytes followed
    WRONG_MAGIC,       // a record header with another magic than `magic`
    TRUNCATED_RECORD,  // a length reaching past the end of the bytes
};

struct BlkSplit {
    std::vector<BlkRecord> records;
    BlkSplitEnd end = BlkSplitEnd::END;
    size_t end_offset = 0;    // where the records stopped
    uint32_t bad_length = 0;  // TRUNCATED_RECORD: the length the header claimed
};

// Splits a whole blk file's bytes into its records, front to back, stopping at the first
// thing that is not a record. With `magic` null every record's magic is accepted;
// otherwise a different one ends the split with WRONG_MAGIC.
BlkSplit split_blk_records(ByteView file, const NetworkMagic* magic = nullptr);

// A message for a split that did not reach the end ("truncated record header at offset
// N", ...), naming `path`; empty for END and ZERO_PADDING.
std::string blk_split_error(const BlkSplit& split, const std::string& path);

}  // namespace minicash
