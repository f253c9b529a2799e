// Amounts in satoshis.
#pragma once

#include <cstdint>

namespace minicash {

using Amount = int64_t;
inline constexpr Amount kCoin = 100000000;
// No amount larger than this (in satoshis) is valid (21 million BTC).
inline constexpr Amount kMaxMoney = 21000000 * kCoin;
inline constexpr bool money_range(Amount v) { return v >= 0 && v <= kMaxMoney; }

}  // namespace minicash
