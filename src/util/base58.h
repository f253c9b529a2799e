// Base58 and Base58Check (Bitcoin's alphabet), as used by legacy addresses, WIF private
// keys and BIP32 extended keys.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

// Encodes `data`: each leading zero byte becomes a leading '1', the rest is the
// big-endian number written in base 58. Empty input gives "".
std::string base58_encode(ByteView data);

// Decodes a base58 string. Leading and trailing whitespace (space, \t, \n, \v, \f, \r) is
// skipped; any other character outside the alphabet, including whitespace between
// digits and NUL, makes it fail. Also fails, without decoding further, once the result
// would exceed `max_out_len` bytes, so untrusted input cannot make it work hard.
[[nodiscard]] std::optional<Bytes> base58_decode(std::string_view str, size_t max_out_len);

// Base58 of payload || first 4 bytes of SHA256d(payload).
std::string base58check_encode(ByteView payload);

// Decodes Base58Check and verifies its 4-byte checksum; returns the payload without it.
// Fails on a bad checksum, on fewer than 4 decoded bytes, or when the payload would be
// longer than `max_payload_len` bytes. Whitespace is handled as by base58_decode.
[[nodiscard]] std::optional<Bytes> base58check_decode(std::string_view str, size_t max_payload_len);

}  // namespace minicash
