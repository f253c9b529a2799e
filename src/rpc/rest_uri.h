// Reading a REST request target the way Bitcoin Core's rest.cpp and its HTTP server do:
// the data format suffix, path parts, query parameters, numbers and hashes. Pure
// functions on strings, so every quirk that clients may depend on is tested on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash::rpc {

// The suffix of the last path part (Core's RESTResponseFormat).
enum class RestFormat { UNDEF, BINARY, HEX, JSON };

// Core's ParseDataFormat: drops the query (from the last '?'), then, when the text after
// the last '.' is "bin", "hex", "json" or empty, removes that suffix from `param` and
// returns its format; otherwise `param` keeps it and the format is UNDEF.
[[nodiscard]] RestFormat parse_data_format(std::string& param, const std::string& uri_part);

// ".bin, .hex, .json": the list Core's "output format not found" errors print.
std::string available_formats();

// Thrown for a target that is not a valid RFC 3986 URI when a query parameter is asked
// for; what() is Core's message ("URI parsing failed, it likely contained RFC 3986
// invalid characters").
struct UriError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The first value of query parameter `key` in `target` ("/path?a=1&b=2"), %-decoded and
// with '+' read as a space, as libevent's evhttp_parse_query_str; nullopt when absent.
// Throws UriError when the target holds characters RFC 3986 does not allow.
[[nodiscard]] std::optional<std::string> query_parameter(const std::string& target, const std::string& key);

// Core's SplitString on one separator: "a/b/" gives {"a", "b", ""}, "" gives {""}.
std::vector<std::string> split_string(const std::string& s, char separator);

// Core's ToIntegral: the whole string is a decimal number in the type's range ("-" only
// for signed types, no "+", no spaces; leading zeros allowed).
[[nodiscard]] std::optional<uint64_t> parse_unsigned(const std::string& s, uint64_t max = UINT64_MAX);
[[nodiscard]] std::optional<int32_t> parse_int32(const std::string& s);

// Core's uint256::FromHex: exactly 64 hex digits (either case), in display order.
[[nodiscard]] std::optional<uint256> parse_hash_hex(std::string_view s);

// Core's ParseHex on a request body: pairs of hex digits, whitespace allowed between
// them; anything else gives an empty result (as Core's ParseHex does).
Bytes parse_hex_lenient(std::string_view s);

// Core's SanitizeString(s, SAFE_CHARS_URI): only letters, digits and the characters
// RFC 3986 allows in a URI are kept (error messages echo user input through it).
std::string sanitize_uri(const std::string& s);

}  // namespace minicash::rpc
