#include "common/money.h"

#include <cstdint>
#include <cstdio>

namespace minicash {

std::optional<Amount> parse_btc(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    Amount whole = 0, frac = 0;
    size_t i = 0, int_digits = 0, frac_digits = 0;
    for (; i < text.size() && text[i] != '.'; ++i, ++int_digits) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        whole = whole * 10 + (text[i] - '0');
        if (whole > kMaxMoney / kCoin) return std::nullopt;
    }
    if (i < text.size()) {
        ++i;  // '.'
        for (; i < text.size(); ++i, ++frac_digits) {
            if (text[i] < '0' || text[i] > '9' || frac_digits == 8) return std::nullopt;
            frac = frac * 10 + (text[i] - '0');
        }
    }
    if (int_digits == 0 && frac_digits == 0) return std::nullopt;
    for (size_t k = frac_digits; k < 8; ++k) frac *= 10;
    const Amount total = whole * kCoin + frac;
    if (!money_range(total)) return std::nullopt;
    return total;
}

std::string format_btc(Amount sats) {
    const bool negative = sats < 0;
    const uint64_t abs = negative ? uint64_t(0) - uint64_t(sats) : uint64_t(sats);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%s%llu.%08llu", negative ? "-" : "", (unsigned long long)(abs / kCoin),
                  (unsigned long long)(abs % kCoin));
    return buf;
}

std::string format_money(Amount sats) {
    std::string s = format_btc(sats);
    while (s.size() >= 3 && s.back() == '0' && s[s.size() - 3] != '.') s.pop_back();
    return s;
}

}  // namespace minicash
