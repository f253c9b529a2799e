// 256-bit opaque hash value (txids, block hashes, sighashes).
//
// Bytes are kept in internal (serialized) order. Bitcoin displays these values
// byte-reversed: to_hex()/from_hex() use that display order.
#pragma once

#include <array>
#include <compare>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

class uint256 {
public:
    static constexpr size_t kSize = 32;

    constexpr uint256() : data_{} {}
    explicit uint256(ByteView bytes);  // REQUIRES: bytes.size() == 32

    // Parses 64 hex digits in display (reversed) order.
    [[nodiscard]] static std::optional<uint256> from_hex(std::string_view hex);
    std::string to_hex() const;  // display order

    bool is_null() const;
    void set_null() { data_.fill(0); }

    uint8_t* data() { return data_.data(); }
    const uint8_t* data() const { return data_.data(); }
    static constexpr size_t size() { return kSize; }
    const uint8_t* begin() const { return data_.data(); }
    const uint8_t* end() const { return data_.data() + kSize; }
    ByteView view() const { return ByteView(data_.data(), kSize); }
    uint64_t low64() const { return read_le64(data_.data()); }

    friend bool operator==(const uint256&, const uint256&) = default;
    friend std::strong_ordering operator<=>(const uint256& a, const uint256& b) {
        int c = std::memcmp(a.data_.data(), b.data_.data(), kSize);
        return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
    }

private:
    std::array<uint8_t, kSize> data_;
};

// Hash functor for unordered containers; only for values that are already hashes.
struct Uint256Hasher {
    size_t operator()(const uint256& v) const { return size_t(v.low64()); }
};

}  // namespace minicash
