// Fee rates (Core's CFeeRate) and the dust rule built on them, shared by the mempool's
// policy and the wallet so both compute the same fees and thresholds.
#pragma once

#include <compare>
#include <cstddef>
#include <string>

#include "consensus/amount.h"
#include "consensus/transaction.h"

namespace minicash {

// Satoshis per 1000 virtual bytes.
struct FeeRate {
    Amount sat_per_kvb = 0;

    static constexpr FeeRate from_sat_per_vb(Amount sat_per_vb) { return FeeRate{sat_per_vb * 1000}; }
    // Fee for `vsize` virtual bytes, rounded up, never 0 for a non-zero size and rate
    // (Core's GetFee). 0 for a zero size.
    Amount fee(size_t vsize) const;
    // Fee for a weight: vsize = ceil(weight / 4).
    Amount fee_for_weight(size_t weight) const { return fee((weight + 3) / 4); }
    // The rate `fee` pays for `vsize` (truncated, as Core's CFeeRate(fee, size)); 0 if vsize is 0.
    static FeeRate of(Amount fee, size_t vsize);
    // "1.000 sat/vB" as Core's CFeeRate::ToString(SAT_VB).
    std::string to_string() const;

    friend auto operator<=>(const FeeRate&, const FeeRate&) = default;
};

// Core's GetDustThreshold: the value below which `out` costs more to spend than it is
// worth at `dust_relay` (its own size plus 148 bytes for a legacy spend, or 67 vbytes
// for a witness program). 0 for unspendable (OP_RETURN) outputs.
Amount dust_threshold(const TxOut& out, FeeRate dust_relay);
inline bool is_dust(const TxOut& out, FeeRate dust_relay) { return out.value < dust_threshold(out, dust_relay); }

}  // namespace minicash
