// Unsigned 256-bit integer arithmetic, for proof-of-work targets and chain work.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>

#include "util/uint256.h"

namespace minicash {

class arith_uint256 {
public:
    constexpr arith_uint256() : limb_{} {}
    constexpr arith_uint256(uint64_t v) : limb_{v, 0, 0, 0} {}  // NOLINT: implicit by design

    // Little-endian interpretation of the 32 bytes (how Bitcoin compares hashes to targets).
    static arith_uint256 from_uint256(const uint256& v);
    uint256 to_uint256() const;

    // Decodes Bitcoin's compact "nBits" form: 1 byte exponent, 3 bytes mantissa, bit 23 = sign.
    // `negative` is set for a non-zero mantissa with the sign bit; `overflow` when the value
    // does not fit in 256 bits. Both may be null.
    static arith_uint256 from_compact(uint32_t compact, bool* negative = nullptr, bool* overflow = nullptr);
    // Encodes to compact form, rounding down; never sets the sign bit.
    uint32_t to_compact() const;

    unsigned bits() const;  // position of the highest set bit plus one; 0 for zero
    uint64_t low64() const { return limb_[0]; }
    std::string to_hex() const;  // big-endian, 64 digits

    arith_uint256& operator+=(const arith_uint256& b);
    arith_uint256& operator-=(const arith_uint256& b);
    arith_uint256& operator*=(uint32_t b);
    arith_uint256& operator*=(const arith_uint256& b);
    arith_uint256& operator/=(const arith_uint256& divisor);  // REQUIRES: divisor != 0
    arith_uint256& operator<<=(unsigned shift);
    arith_uint256& operator>>=(unsigned shift);
    arith_uint256 operator~() const;

    friend arith_uint256 operator+(arith_uint256 a, const arith_uint256& b) { return a += b; }
    friend arith_uint256 operator-(arith_uint256 a, const arith_uint256& b) { return a -= b; }
    friend arith_uint256 operator*(arith_uint256 a, uint32_t b) { return a *= b; }
    friend arith_uint256 operator*(arith_uint256 a, const arith_uint256& b) { return a *= b; }
    friend arith_uint256 operator/(arith_uint256 a, const arith_uint256& b) { return a /= b; }
    friend arith_uint256 operator<<(arith_uint256 a, unsigned s) { return a <<= s; }
    friend arith_uint256 operator>>(arith_uint256 a, unsigned s) { return a >>= s; }

    friend bool operator==(const arith_uint256&, const arith_uint256&) = default;
    friend std::strong_ordering operator<=>(const arith_uint256& a, const arith_uint256& b) {
        for (int i = 3; i >= 0; --i)
            if (a.limb_[i] != b.limb_[i]) return a.limb_[i] <=> b.limb_[i];
        return std::strong_ordering::equal;
    }

private:
    std::array<uint64_t, 4> limb_;  // limb_[0] least significant
};

}  // namespace minicash
