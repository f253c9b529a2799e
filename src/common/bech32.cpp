// Bech32 / Bech32m, written from BIP173 and BIP350.
//
// The checksum is the remainder of a polynomial over GF(32) modulo a fixed degree-6
// generator. `polymod` below computes it with a 30-bit state holding six 5-bit
// coefficients. The computation is linear over GF(2) in the input values (for a zero
// initial state), which is what locate_errors uses: changing the value at one position by
// `d` changes the remainder by a fixed amount that depends only on `d` and on how many
// values follow that position.
#include "common/bech32.h"

#include <algorithm>
#include <array>
#include <cassert>

namespace minicash::bech32 {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1;
constexpr uint32_t kBech32mConst = 0x2bc830a3;
// The generator's reductions of x^5 * {1, 2, 4, 8, 16} (BIP173).
constexpr std::array<uint32_t, 5> kGenerator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};

// Character -> 5-bit value, or -1. Accepts both cases.
constexpr std::array<int8_t, 128> make_reverse_charset() {
    std::array<int8_t, 128> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 32; ++i) {
        const char c = kCharset[i];
        t[static_cast<unsigned char>(c)] = static_cast<int8_t>(i);
        if (c >= 'a' && c <= 'z') t[static_cast<unsigned char>(c - 'a' + 'A')] = static_cast<int8_t>(i);
    }
    return t;
}
constexpr std::array<int8_t, 128> kReverse = make_reverse_charset();

uint32_t const_for(Encoding e) { return e == Encoding::BECH32 ? kBech32Const : kBech32mConst; }

// Feeds one 5-bit value into the checksum state.
inline uint32_t step(uint32_t chk, uint8_t value) {
    const uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ value;
    for (int i = 0; i < 5; ++i) {
        if ((top >> i) & 1) chk ^= kGenerator[i];
    }
    return chk;
}

uint32_t polymod(const std::vector<uint8_t>& values) {
    uint32_t chk = 1;
    for (uint8_t v : values) chk = step(chk, v);
    return chk;
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The HRP as checksum input: high 3 bits of each character, a zero, low 5 bits of each.
std::vector<uint8_t> expand_hrp(std::string_view hrp) {
    std::vector<uint8_t> out;
    out.reserve(hrp.size() * 2 + 1);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) >> 5));
    out.push_back(0);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(static_cast<unsigned char>(c) & 31));
    return out;
}

// Structural checks shared by decode and locate_errors. On success fills `hrp` (lower
// case), `values` (the data part including the checksum) and `sep` (separator offset).
Error parse_structure(std::string_view str, size_t max_length, std::string& hrp, std::vector<uint8_t>& values,
                      size_t& sep, std::vector<size_t>& positions) {
    if (str.size() > max_length) return Error::TOO_LONG;
    bool has_lower = false, has_upper = false;
    for (size_t i = 0; i < str.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(str[i]);
        if (c < 33 || c > 126) {
            positions.push_back(i);
            return Error::INVALID_CHARACTER;
        }
        if (c >= 'a' && c <= 'z') has_lower = true;
        if (c >= 'A' && c <= 'Z') has_upper = true;
    }
    if (has_lower && has_upper) {
        // Point at the first letter whose case differs from the first letter's case.
        bool first_upper = false;
        bool seen_letter = false;
        for (size_t i = 0; i < str.size(); ++i) {
            const char c = str[i];
            const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
            if (!lower && !upper) continue;
            if (!seen_letter) {
                seen_letter = true;
                first_upper = upper;
            } else if (upper != first_upper) {
                positions.push_back(i);
                break;
            }
        }
        return Error::MIXED_CASE;
    }
    sep = str.rfind('1');
    if (sep == std::string_view::npos) return Error::NO_SEPARATOR;
    if (sep == 0) {
        positions.push_back(0);
        return Error::EMPTY_HRP;
    }
    if (str.size() - sep - 1 < kChecksumLength) return Error::TOO_SHORT;
    hrp.clear();
    for (size_t i = 0; i < sep; ++i) hrp.push_back(to_lower(str[i]));
    values.clear();
    for (size_t i = sep + 1; i < str.size(); ++i) {
        const int8_t v = kReverse[static_cast<unsigned char>(str[i])];
        if (v < 0) {
            positions.push_back(i);
            return Error::INVALID_DATA_CHARACTER;
        }
        values.push_back(static_cast<uint8_t>(v));
    }
    return Error::NONE;
}

}  // namespace

const char* encoding_name(Encoding e) { return e == Encoding::BECH32 ? "bech32" : "bech32m"; }

const char* error_string(Error e) {
    switch (e) {
    case Error::NONE: return "no error";
    case Error::TOO_LONG: return "string too long";
    case Error::INVALID_CHARACTER: return "invalid character (only printable US-ASCII is allowed)";
    case Error::MIXED_CASE: return "mixed upper and lower case";
    case Error::NO_SEPARATOR: return "missing separator '1'";
    case Error::EMPTY_HRP: return "empty human-readable part";
    case Error::TOO_SHORT: return "data part shorter than the 6-character checksum";
    case Error::INVALID_DATA_CHARACTER: return "invalid character in the data part";
    case Error::BAD_CHECKSUM: return "invalid checksum";
    }
    return "unknown error";
}

std::string encode(Encoding encoding, std::string_view hrp, std::span<const uint8_t> values) {
    std::vector<uint8_t> all = expand_hrp(hrp);
    all.insert(all.end(), values.begin(), values.end());
    all.insert(all.end(), kChecksumLength, 0);
    const uint32_t mod = polymod(all) ^ const_for(encoding);
    std::string out;
    out.reserve(hrp.size() + 1 + values.size() + kChecksumLength);
    out.append(hrp);
    out.push_back('1');
    for (uint8_t v : values) {
        assert(v < 32);
        out.push_back(kCharset[v & 31]);
    }
    for (size_t i = 0; i < kChecksumLength; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
    return out;
}

DecodeResult decode(std::string_view str, size_t max_length) {
    DecodeResult res;
    std::string hrp;
    std::vector<uint8_t> values;
    size_t sep = 0;
    res.error = parse_structure(str, max_length, hrp, values, sep, res.error_positions);
    if (res.error != Error::NONE) return res;

    std::vector<uint8_t> all = expand_hrp(hrp);
    all.insert(all.end(), values.begin(), values.end());
    const uint32_t mod = polymod(all);
    Encoding enc;
    if (mod == kBech32Const) {
        enc = Encoding::BECH32;
    } else if (mod == kBech32mConst) {
        enc = Encoding::BECH32M;
    } else {
        res.error = Error::BAD_CHECKSUM;
        // Report a correction only if exactly one variant admits one, or one admits a
        // smaller one.
        std::vector<size_t> a = locate_errors(str, Encoding::BECH32, max_length);
        std::vector<size_t> b = locate_errors(str, Encoding::BECH32M, max_length);
        if (!a.empty() && (b.empty() || a.size() < b.size())) {
            res.error_positions = std::move(a);
        } else if (!b.empty() && (a.empty() || b.size() < a.size())) {
            res.error_positions = std::move(b);
        }
        return res;
    }
    values.erase(values.end() - static_cast<std::ptrdiff_t>(kChecksumLength), values.end());  // size >= 6 (TOO_SHORT)
    res.value = Decoded{enc, std::move(hrp), std::move(values)};
    return res;
}

std::vector<size_t> locate_errors(std::string_view str, Encoding encoding, size_t max_length) {
    std::string hrp;
    std::vector<uint8_t> values;
    size_t sep = 0;
    std::vector<size_t> ignored;
    if (parse_structure(str, max_length, hrp, values, sep, ignored) != Error::NONE) return {};

    std::vector<uint8_t> all = expand_hrp(hrp);
    all.insert(all.end(), values.begin(), values.end());
    const uint32_t residue = polymod(all) ^ const_for(encoding);
    if (residue == 0) return {};

    // effect[j][d-1]: change of the remainder when data value j is XORed with d. For the
    // last value it is d itself; each following value shifts it through one more step.
    const size_t n = values.size();
    std::vector<std::array<uint32_t, 31>> effect(n);
    for (uint8_t d = 1; d < 32; ++d) {
        uint32_t e = d;
        for (size_t k = 0; k < n; ++k) {
            effect[n - 1 - k][d - 1] = e;
            e = step(e, 0);
        }
    }

    struct Entry {
        uint32_t effect;
        uint32_t pos;
    };
    std::vector<Entry> table;
    table.reserve(n * 31);
    for (size_t j = 0; j < n; ++j) {
        for (int d = 0; d < 31; ++d) table.push_back({effect[j][d], static_cast<uint32_t>(j)});
    }
    std::sort(table.begin(), table.end(), [](const Entry& a, const Entry& b) {
        return a.effect != b.effect ? a.effect < b.effect : a.pos < b.pos;
    });
    auto range = [&](uint32_t want) {
        return std::equal_range(table.begin(), table.end(), Entry{want, 0},
                                [](const Entry& a, const Entry& b) { return a.effect < b.effect; });
    };

    const size_t offset = sep + 1;
    // One substitution.
    auto [lo1, hi1] = range(residue);
    if (hi1 - lo1 == 1) return {offset + lo1->pos};
    if (hi1 - lo1 > 1) return {};
    // Two substitutions at distinct positions.
    std::vector<std::pair<uint32_t, uint32_t>> found;
    for (const Entry& a : table) {
        auto [lo, hi] = range(residue ^ a.effect);
        for (auto it = lo; it != hi; ++it) {
            if (it->pos > a.pos) found.emplace_back(a.pos, it->pos);
        }
        if (found.size() > 1) return {};
    }
    if (found.size() != 1) return {};
    return {offset + found[0].first, offset + found[0].second};
}

std::optional<std::vector<uint8_t>> convert_bits(std::span<const uint8_t> in, int from_bits, int to_bits, bool pad) {
    std::vector<uint8_t> out;
    out.reserve(in.size() * static_cast<size_t>(from_bits) / static_cast<size_t>(to_bits) + 1);
    uint32_t acc = 0;
    int bits = 0;
    const uint32_t out_mask = (1u << to_bits) - 1;
    const uint32_t acc_mask = (1u << (from_bits + to_bits - 1)) - 1;
    for (uint8_t v : in) {
        if ((v >> from_bits) != 0) return std::nullopt;
        acc = ((acc << from_bits) | v) & acc_mask;
        bits += from_bits;
        while (bits >= to_bits) {
            bits -= to_bits;
            out.push_back(static_cast<uint8_t>((acc >> bits) & out_mask));
        }
    }
    if (pad) {
        if (bits > 0) out.push_back(static_cast<uint8_t>((acc << (to_bits - bits)) & out_mask));
    } else if (bits >= from_bits || ((acc << (to_bits - bits)) & out_mask) != 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace minicash::bech32
