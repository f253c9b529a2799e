#include "rpc/rest_uri.h"

#include <charconv>
#include <cstring>

#include "util/hex.h"

namespace minicash::rpc {

namespace {

struct NamedFormat {
    RestFormat format;
    const char* name;
};
// The order of Core's rf_names: the empty suffix first.
constexpr NamedFormat kFormats[] = {
    {RestFormat::UNDEF, ""}, {RestFormat::BINARY, "bin"}, {RestFormat::HEX, "hex"}, {RestFormat::JSON, "json"}};

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 3986 pchar without pct-encoding: unreserved, sub-delims, ':' and '@' (and '/',
// which separates segments).
bool is_path_char(char c) { return is_alnum(c) || (c != '\0' && std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr); }

// Whether `part` holds only path characters (plus '?' in a query or fragment) and
// well-formed %XX escapes, as libevent's URI parser requires.
bool valid_uri_part(std::string_view part, bool query) {
    for (size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        if (c == '%') {
            if (i + 2 >= part.size()) return false;
            if (hex_value(part[i + 1]) < 0 || hex_value(part[i + 2]) < 0) return false;
            i += 2;
        } else if (!is_path_char(c) && !(query && c == '?')) {
            return false;
        }
    }
    return true;
}

// libevent's evhttp_decode_uri_internal with '+' decoded: %XX becomes the byte.
std::string decode_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '+') {
            out += ' ';
        } else if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
            out += char(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
            i += 2;
        } else {
            out += v[i];
        }
    }
    return out;
}

}  // namespace

RestFormat parse_data_format(std::string& param, const std::string& uri_part) {
    param = uri_part.substr(0, uri_part.rfind('?'));
    const size_t dot = param.rfind('.');
    if (dot == std::string::npos) return RestFormat::UNDEF;
    const std::string suffix = param.substr(dot + 1);
    for (const NamedFormat& f : kFormats) {
        if (suffix == f.name) {
            param.erase(dot);
            return f.format;
        }
    }
    return RestFormat::UNDEF;
}

std::string available_formats() {
    std::string out;
    for (const NamedFormat& f : kFormats) {
        if (!*f.name) continue;
        if (!out.empty()) out += ", ";
        out += std::string(".") + f.name;
    }
    return out;
}

std::optional<std::string> query_parameter(const std::string& target, const std::string& key) {
    const size_t hash = target.find('#');
    const std::string_view without_fragment = std::string_view(target).substr(0, hash);
    const size_t question = without_fragment.find('?');
    const std::string_view path = without_fragment.substr(0, question);
    const std::string_view query =
        question == std::string_view::npos ? std::string_view() : without_fragment.substr(question + 1);
    const std::string_view fragment =
        hash == std::string::npos ? std::string_view() : std::string_view(target).substr(hash + 1);
    if (!valid_uri_part(path, false) || !valid_uri_part(query, true) || !valid_uri_part(fragment, true))
        throw UriError("URI parsing failed, it likely contained RFC 3986 invalid characters");
    if (question == std::string_view::npos) return std::nullopt;
    // evhttp_parse_query_str: every argument must be key=value with a non-empty key, or
    // the whole query yields nothing.
    std::vector<std::pair<std::string_view, std::string_view>> args;
    size_t start = 0;
    while (start < query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string_view::npos) end = query.size();
        const std::string_view arg = query.substr(start, end - start);
        const size_t eq = arg.find('=');
        if (eq == std::string_view::npos || eq == 0) return std::nullopt;
        args.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
        start = end + 1;
    }
    for (const auto& [k, v] : args)
        if (k == key) return decode_value(v);
    return std::nullopt;
}

std::vector<std::string> split_string(const std::string& s, char separator) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        const size_t pos = s.find(separator, start);
        if (pos == std::string::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::optional<uint64_t> parse_unsigned(const std::string& s, uint64_t max) {
    uint64_t v = 0;
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || ptr != end || v > max) return std::nullopt;
    return v;
}

std::optional<int32_t> parse_int32(const std::string& s) {
    int32_t v = 0;
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
    return v;
}

std::optional<uint256> parse_hash_hex(std::string_view s) {
    if (s.size() != 64 || !is_hex(s)) return std::nullopt;
    return uint256::from_hex(s);
}

Bytes parse_hex_lenient(std::string_view s) {
    Bytes out;
    size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
            ++i;
            continue;
        }
        if (i + 1 >= s.size()) return {};
        const int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(uint8_t(hi << 4 | lo));
        i += 2;
    }
    return out;
}

std::string sanitize_uri(const std::string& s) {
    std::string out;
    for (char c : s)
        if (is_alnum(c) || (c != '\0' && std::strchr("!*'();:@&=+$,/?#[]-_.~%", c) != nullptr)) out += c;
    return out;
}

}  // namespace minicash::rpc
