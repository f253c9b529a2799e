// Amounts as people and Core's JSON write them: "0.5", "21", "0.00000001" BTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "consensus/amount.h"

namespace minicash::wallet {

// Parses a decimal BTC amount (at most 8 decimals, no sign, no exponent) into satoshis.
// nullopt when malformed or above 21 million BTC.
std::optional<Amount> parse_btc(std::string_view text);
// "1.50000000" (always 8 decimals; a leading '-' for negative amounts).
std::string format_btc(Amount sats);

}  // namespace minicash::wallet
