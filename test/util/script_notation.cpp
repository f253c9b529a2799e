#include "test/util/script_notation.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "util/hex.h"

namespace minicash::test {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal token: digits, optionally preceded by one '-'.
bool looks_decimal(std::string_view w) {
    std::string_view digits = (w.size() > 1 && w.front() == '-') ? w.substr(1) : w;
    return !digits.empty() && std::all_of(digits.begin(), digits.end(), is_digit);
}

bool fail(std::string* error, std::string message) {
    if (error) *error = std::move(message);
    return false;
}

// Appends the encoding of one token to `out`.
bool assemble_token(std::string_view w, Script& out, std::string* error) {
    if (looks_decimal(w)) {
        constexpr int64_t kLimit = 0xffffffffLL;
        int64_t n = 0;
        const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), n);
        if (ec != std::errc() || end != w.data() + w.size() || n > kLimit || n < -kLimit)
            return fail(error, "number out of range -0xFFFFFFFF..0xFFFFFFFF: " + std::string(w));
        out.push_int(n);
        return true;
    }
    if (w.size() >= 2 && w.substr(0, 2) == "0x") {
        const std::optional<Bytes> raw = w.size() > 2 ? hex_decode(w.substr(2)) : std::nullopt;
        if (!raw) return fail(error, "malformed hex token: " + std::string(w));
        append(out.bytes(), *raw);
        return true;
    }
    if (w.size() >= 2 && w.front() == '\'' && w.back() == '\'') {
        const std::string_view text = w.substr(1, w.size() - 2);
        out.push_data(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
        return true;
    }
    const std::optional<Opcode> op = opcode_from_name(std::string(w));
    if (!op || (*op != OP_RESERVED && *op < OP_NOP))
        return fail(error, "unknown or disallowed opcode name: " + std::string(w));
    out.push_op(*op);
    return true;
}

}  // namespace

std::optional<Script> parse_script_notation(std::string_view text, std::string* error) {
    Script out;
    size_t pos = 0;
    while (pos < text.size()) {
        if (is_space(text[pos])) {
            ++pos;
            continue;
        }
        size_t end = pos;
        while (end < text.size() && !is_space(text[end])) ++end;
        if (!assemble_token(text.substr(pos, end - pos), out, error)) return std::nullopt;
        pos = end;
    }
    return out;
}

}  // namespace minicash::test
