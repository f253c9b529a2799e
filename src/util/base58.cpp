#include "util/base58.h"

#include <algorithm>
#include <array>
#include <limits>

#include "util/hash.h"

namespace minicash {
namespace {

constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr size_t kChecksumSize = 4;

// Digit value of each byte, -1 for characters outside the alphabet.
constexpr std::array<int8_t, 256> make_digit_table() {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 58; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return t;
}
constexpr std::array<int8_t, 256> kDigit = make_digit_table();

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

}  // namespace

std::string base58_encode(ByteView data) {
    size_t zeros = 0;
    while (zeros < data.size() && data[zeros] == 0) ++zeros;

    // Base-58 digits of the remaining number, least significant first. Each input byte
    // multiplies the number by 256 and adds the byte.
    std::vector<uint8_t> digits;
    digits.reserve((data.size() - zeros) * 138 / 100 + 1);  // log(256)/log(58) < 1.38
    for (size_t i = zeros; i < data.size(); ++i) {
        uint32_t carry = data[i];
        for (uint8_t& d : digits) {
            carry += uint32_t(d) << 8;
            d = uint8_t(carry % 58);
            carry /= 58;
        }
        while (carry != 0) {
            digits.push_back(uint8_t(carry % 58));
            carry /= 58;
        }
    }

    std::string out(zeros, '1');
    out.reserve(zeros + digits.size());
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
    return out;
}

std::optional<Bytes> base58_decode(std::string_view str, size_t max_out_len) {
    size_t pos = 0;
    while (pos < str.size() && is_space(str[pos])) ++pos;

    size_t zeros = 0;
    while (pos < str.size() && str[pos] == '1') {
        if (++zeros > max_out_len) return std::nullopt;
        ++pos;
    }

    // Bytes of the number after the leading '1's, least significant first. Each digit
    // multiplies the number by 58 and adds the digit.
    Bytes value;
    for (; pos < str.size() && !is_space(str[pos]); ++pos) {
        const int digit = kDigit[static_cast<uint8_t>(str[pos])];
        if (digit < 0) return std::nullopt;
        uint32_t carry = uint32_t(digit);
        for (uint8_t& b : value) {
            carry += uint32_t(b) * 58;
            b = uint8_t(carry & 0xff);
            carry >>= 8;
        }
        while (carry != 0) {
            value.push_back(uint8_t(carry & 0xff));
            carry >>= 8;
        }
        if (zeros + value.size() > max_out_len) return std::nullopt;
    }

    while (pos < str.size() && is_space(str[pos])) ++pos;
    if (pos != str.size()) return std::nullopt;

    Bytes out(zeros, 0);
    out.insert(out.end(), value.rbegin(), value.rend());
    return out;
}

std::string base58check_encode(ByteView payload) {
    Bytes data(payload.begin(), payload.end());
    const uint256 check = sha256d(payload);
    data.insert(data.end(), check.begin(), check.begin() + kChecksumSize);
    return base58_encode(data);
}

std::optional<Bytes> base58check_decode(std::string_view str, size_t max_payload_len) {
    const size_t limit = max_payload_len > std::numeric_limits<size_t>::max() - kChecksumSize
                             ? std::numeric_limits<size_t>::max()
                             : max_payload_len + kChecksumSize;
    std::optional<Bytes> data = base58_decode(str, limit);
    if (!data || data->size() < kChecksumSize) return std::nullopt;
    const size_t n = data->size() - kChecksumSize;
    const uint256 check = sha256d(ByteView(data->data(), n));
    if (!std::equal(check.begin(), check.begin() + kChecksumSize, data->begin() + n)) return std::nullopt;
    data->resize(n);
    return data;
}

}  // namespace minicash
