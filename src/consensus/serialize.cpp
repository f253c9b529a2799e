#include "consensus/serialize.h"

#include <algorithm>

namespace minicash {

void Writer::compact_size(uint64_t n) {
    if (n < 253) {
        u8(uint8_t(n));
    } else if (n <= 0xffff) {
        u8(253);
        u16(uint16_t(n));
    } else if (n <= 0xffffffff) {
        u8(254);
        u32(uint32_t(n));
    } else {
        u8(255);
        u64(n);
    }
}

size_t compact_size_length(uint64_t n) { return n < 253 ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9; }

void Reader::fail(std::string why) {
    if (error_.empty()) error_ = why.empty() ? "invalid data" : std::move(why);
    pos_ = data_.size();
}

bool Reader::need(size_t n) {
    if (!ok()) return false;
    if (remaining() < n) {
        fail("unexpected end of data");
        return false;
    }
    return true;
}

uint8_t Reader::u8() {
    if (!need(1)) return 0;
    return data_[pos_++];
}

uint16_t Reader::u16() {
    if (!need(2)) return 0;
    uint16_t v = read_le16(data_.data() + pos_);
    pos_ += 2;
    return v;
}

uint32_t Reader::u32() {
    if (!need(4)) return 0;
    uint32_t v = read_le32(data_.data() + pos_);
    pos_ += 4;
    return v;
}

uint64_t Reader::u64() {
    if (!need(8)) return 0;
    uint64_t v = read_le64(data_.data() + pos_);
    pos_ += 8;
    return v;
}

uint64_t Reader::compact_size(bool range_check) {
    const uint8_t first = u8();
    uint64_t n = first;
    uint64_t min = 0;
    if (first == 253) {
        n = u16();
        min = 253;
    } else if (first == 254) {
        n = u32();
        min = 0x10000;
    } else if (first == 255) {
        n = u64();
        min = 0x100000000ULL;
    }
    if (!ok()) return 0;
    if (n < min) {
        fail("non-canonical ReadCompactSize()");
        return 0;
    }
    if (range_check && n > kMaxSerializedSize) {
        fail("ReadCompactSize(): size too large");
        return 0;
    }
    return n;
}

Bytes Reader::bytes(size_t n) {
    if (!need(n)) return {};
    Bytes out(data_.begin() + pos_, data_.begin() + pos_ + n);
    pos_ += n;
    return out;
}

ByteView Reader::view(size_t n) {
    if (!need(n)) return {};
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
}

uint256 Reader::hash() {
    if (!need(32)) return {};
    uint256 h(data_.subspan(pos_, 32));
    pos_ += 32;
    return h;
}

uint64_t Reader::count(size_t min_item_size) {
    uint64_t n = compact_size();
    if (ok() && min_item_size > 0 && n > remaining() / min_item_size) {
        fail("unexpected end of data");
        return 0;
    }
    return n;
}

}  // namespace minicash
