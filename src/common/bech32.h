// Bech32 (BIP173) and Bech32m (BIP350) strings: a human-readable part (HRP), the
// separator '1', 5-bit data values and a 6-character BCH checksum. The two variants
// differ only in the constant the checksum is XORed with.
//
// This layer knows nothing about witness versions or networks; common/address.h builds
// segwit addresses on top of it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minicash::bech32 {

enum class Encoding { BECH32, BECH32M };

// "bech32" / "bech32m".
const char* encoding_name(Encoding e);

// BIP173's limit on the whole string. Callers with longer formats may pass their own.
inline constexpr size_t kMaxLength = 90;
inline constexpr size_t kChecksumLength = 6;

// Why a string failed to decode.
enum class Error {
    NONE,
    TOO_LONG,                // longer than the allowed maximum
    INVALID_CHARACTER,       // a byte outside US-ASCII 33..126
    MIXED_CASE,              // upper- and lower-case letters together
    NO_SEPARATOR,            // no '1'
    EMPTY_HRP,               // the separator is the first character
    TOO_SHORT,               // fewer than 6 characters after the separator
    INVALID_DATA_CHARACTER,  // a character after the separator outside the bech32 charset
    BAD_CHECKSUM,            // neither the bech32 nor the bech32m checksum holds
};

// A short English description of `e` (no trailing period).
const char* error_string(Error e);

struct Decoded {
    Encoding encoding;
    std::string hrp;            // always lower case
    std::vector<uint8_t> data;  // 5-bit values, checksum removed
};

struct DecodeResult {
    std::optional<Decoded> value;  // set iff error == NONE
    Error error = Error::NONE;
    // 0-based offsets into the input of the characters at fault, where known: the
    // first offending character for the character errors, the likely substituted
    // characters for BAD_CHECKSUM (see locate_errors), empty otherwise.
    std::vector<size_t> error_positions;

    explicit operator bool() const { return value.has_value(); }
};

// Encodes `hrp` and 5-bit `values` with the checksum of `encoding`, in lower case.
// REQUIRES: hrp is non-empty, consists of characters 33..126 and has no upper-case
// letters; every value < 32. The length limit is the caller's business.
std::string encode(Encoding encoding, std::string_view hrp, std::span<const uint8_t> values);

// Decodes `str` (all lower or all upper case) and identifies the checksum variant.
// Strings longer than `max_length` are rejected before any other work.
[[nodiscard]] DecodeResult decode(std::string_view str, size_t max_length = kMaxLength);

// For a string whose only problem is a bad checksum: finds the positions (offsets into
// `str`, ascending) of up to two substituted data characters which, if corrected, would
// give a valid checksum of `encoding`. Returns an empty vector when no such correction
// exists, when it is not unique, or when `str` has a structural problem. Corrections are
// only searched for in the data part (after the separator), HRP errors are not located.
std::vector<size_t> locate_errors(std::string_view str, Encoding encoding, size_t max_length = kMaxLength);

// Regroups bits: each input value holds `from_bits` bits, each output value `to_bits`.
// With `pad`, leftover bits are zero-padded into a last value; without, leftover bits
// must be fewer than `from_bits` and all zero (BIP173's rule for 5->8). Returns nullopt
// when an input value is out of range or the padding rule is broken.
[[nodiscard]] std::optional<std::vector<uint8_t>> convert_bits(std::span<const uint8_t> in, int from_bits, int to_bits,
                                                               bool pad);

}  // namespace minicash::bech32
