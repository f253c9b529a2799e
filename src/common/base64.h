// Base64 (RFC 4648, standard alphabet, '=' padding), as PSBT strings use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

std::string base64_encode(ByteView data);

// Strict decoding: length a multiple of 4, only alphabet characters, padding only at the
// end (at most two '='), and unused bits of the last character zero. No whitespace.
[[nodiscard]] std::optional<Bytes> base64_decode(std::string_view s);

}  // namespace minicash
