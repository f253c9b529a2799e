// Hexadecimal encoding and decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

// Lower-case hex of `data`, first byte first.
std::string hex_encode(ByteView data);

// Decodes an even-length string of hex digits (either case). Returns nullopt on any other
// character or on odd length; never partially decodes.
[[nodiscard]] std::optional<Bytes> hex_decode(std::string_view hex);

// True when `s` is a non-empty, even-length string of hex digits.
bool is_hex(std::string_view s);

}  // namespace minicash
