#include "common/base64.h"

#include <array>

namespace minicash {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_reverse() {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr std::array<int8_t, 256> kReverse = make_reverse();

}  // namespace

std::string base64_encode(ByteView data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
        for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
    }
    const size_t rest = data.size() - i;
    if (rest == 1) {
        const uint32_t v = uint32_t(data[i]) << 16;
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out += "==";
    } else if (rest == 2) {
        const uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8);
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(kAlphabet[(v >> 6) & 63]);
        out.push_back('=');
    }
    return out;
}

std::optional<Bytes> base64_decode(std::string_view s) {
    if (s.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    if (!s.empty() && s.back() == '=') ++pad;
    if (s.size() >= 2 && s[s.size() - 2] == '=') ++pad;
    Bytes out;
    out.reserve(s.size() / 4 * 3);
    for (size_t i = 0; i < s.size(); i += 4) {
        const bool last = i + 4 == s.size();
        uint32_t v = 0;
        for (size_t k = 0; k < 4; ++k) {
            const char c = s[i + k];
            int d;
            if (c == '=') {
                if (!last || k < 4 - pad) return std::nullopt;
                d = 0;
            } else {
                d = kReverse[static_cast<unsigned char>(c)];
                if (d < 0) return std::nullopt;
            }
            v = (v << 6) | static_cast<uint32_t>(d);
        }
        const size_t n = last ? 3 - pad : 3;
        if (last && pad == 1 && (v & 0xff) != 0) return std::nullopt;
        if (last && pad == 2 && (v & 0xffff) != 0) return std::nullopt;
        for (size_t k = 0; k < n; ++k) out.push_back(static_cast<uint8_t>(v >> (16 - 8 * k)));
    }
    return out;
}

}  // namespace minicash
