#include "consensus/blk_records.h"

#include <algorithm>
#include <limits>

namespace minicash {

BlkRecordHeader read_blk_record_header(ByteView bytes) {
    BlkRecordHeader h;
    std::copy_n(bytes.begin(), 4, h.magic.begin());
    h.length = read_le32(bytes.data() + 4);
    return h;
}

void append_blk_record(Bytes& out, const NetworkMagic& magic, ByteView payload) {
    append(out, magic);
    uint8_t len[4];
    write_le32(len, uint32_t(payload.size()));
    append(out, len);
    append(out, payload);
}

BlkSplit split_blk_records(ByteView file, const NetworkMagic* magic) {
    BlkSplit split;
    size_t pos = 0;
    const auto stop = [&](BlkSplitEnd end) {
        split.end = end;
        split.end_offset = pos;
        return split;
    };
    while (pos < file.size()) {
        const ByteView rest = file.subspan(pos);
        if (std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; }))
            return stop(BlkSplitEnd::ZERO_PADDING);
        if (rest.size() < kBlkRecordHeaderSize) return stop(BlkSplitEnd::TRUNCATED_HEADER);
        const BlkRecordHeader h = read_blk_record_header(rest);
        if (magic && h.magic != *magic) return stop(BlkSplitEnd::WRONG_MAGIC);
        if (h.length > rest.size() - kBlkRecordHeaderSize) {
            split.bad_length = h.length;
            return stop(BlkSplitEnd::TRUNCATED_RECORD);
        }
        split.records.push_back({pos, rest.subspan(kBlkRecordHeaderSize, h.length)});
        pos += kBlkRecordHeaderSize + size_t(h.length);
    }
    return stop(BlkSplitEnd::END);
}

std::string blk_split_error(const BlkSplit& split, const std::string& path) {
    const std::string at =
        " at offset " + std::to_string(split.end_offset) + " (record " + std::to_string(split.records.size()) + ")";
    switch (split.end) {
    case BlkSplitEnd::END:
    case BlkSplitEnd::ZERO_PADDING: return {};
    case BlkSplitEnd::TRUNCATED_HEADER: return path + ": truncated record header" + at;
    case BlkSplitEnd::WRONG_MAGIC: return path + ": unexpected network magic" + at;
    case BlkSplitEnd::TRUNCATED_RECORD:
        return path + ": truncated record" + at + ": it claims " + std::to_string(split.bad_length) + " bytes";
    }
    return {};
}

}  // namespace minicash
