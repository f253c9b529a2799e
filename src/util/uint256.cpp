#include "util/uint256.h"

#include <algorithm>

#include "util/hex.h"

namespace minicash {

uint256::uint256(ByteView bytes) : data_{} { std::copy_n(bytes.begin(), std::min(bytes.size(), kSize), data_.begin()); }

std::optional<uint256> uint256::from_hex(std::string_view hex) {
    if (hex.size() != 2 * kSize) return std::nullopt;
    auto bytes = hex_decode(hex);
    if (!bytes) return std::nullopt;
    std::reverse(bytes->begin(), bytes->end());
    return uint256(*bytes);
}

std::string uint256::to_hex() const {
    Bytes rev(data_.rbegin(), data_.rend());
    return hex_encode(rev);
}

bool uint256::is_null() const {
    return std::all_of(data_.begin(), data_.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace minicash
