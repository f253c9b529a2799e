// Amounts as text, the way people and Bitcoin Core write them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "consensus/amount.h"

namespace minicash {

// Parses a decimal BTC amount ("0.5", "21", "0.00000001": at most 8 decimals, no sign,
// no exponent) into satoshis. nullopt when malformed or above 21 million BTC.
[[nodiscard]] std::optional<Amount> parse_btc(std::string_view text);

// "1.50000000": always 8 decimals, '-' for negative amounts.
std::string format_btc(Amount sats);

// Core's FormatMoney: "0.0001", "1.00" (trailing zeros dropped, two decimals kept).
std::string format_money(Amount sats);

}  // namespace minicash
