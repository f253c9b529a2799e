#include "util/arith_uint256.h"

#include <cstdio>

namespace minicash {

arith_uint256 arith_uint256::from_uint256(const uint256& v) {
    arith_uint256 r;
    for (int i = 0; i < 4; ++i) r.limb_[i] = read_le64(v.data() + 8 * i);
    return r;
}

uint256 arith_uint256::to_uint256() const {
    uint256 r;
    for (int i = 0; i < 4; ++i) write_le64(r.data() + 8 * i, limb_[i]);
    return r;
}

arith_uint256 arith_uint256::from_compact(uint32_t compact, bool* negative, bool* overflow) {
    const unsigned size = compact >> 24;
    uint32_t word = compact & 0x007fffff;
    arith_uint256 r;
    if (size <= 3) {
        word >>= 8 * (3 - size);
        r = word;
    } else {
        r = word;
        r <<= 8 * (size - 3);
    }
    if (negative) *negative = word != 0 && (compact & 0x00800000) != 0;
    if (overflow) *overflow = word != 0 && ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
    return r;
}

uint32_t arith_uint256::to_compact() const {
    unsigned size = (bits() + 7) / 8;
    uint32_t compact;
    if (size <= 3) {
        compact = uint32_t(low64() << (8 * (3 - size)));
    } else {
        compact = uint32_t((*this >> (8 * (size - 3))).low64());
    }
    // The mantissa's top bit is the sign: shift into the next exponent if it is set.
    if (compact & 0x00800000) {
        compact >>= 8;
        ++size;
    }
    return compact | (size << 24);
}

unsigned arith_uint256::bits() const {
    for (int i = 3; i >= 0; --i)
        if (limb_[i]) return 64 * i + (64 - __builtin_clzll(limb_[i]));
    return 0;
}

std::string arith_uint256::to_hex() const {
    std::string s;
    char buf[17];
    for (int i = 3; i >= 0; --i) {
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(limb_[i]));
        s += buf;
    }
    return s;
}

arith_uint256& arith_uint256::operator+=(const arith_uint256& b) {
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; ++i) {
        carry += (unsigned __int128)limb_[i] + b.limb_[i];
        limb_[i] = uint64_t(carry);
        carry >>= 64;
    }
    return *this;
}

arith_uint256& arith_uint256::operator-=(const arith_uint256& b) { return *this += (~b + arith_uint256(1)); }

arith_uint256& arith_uint256::operator*=(uint32_t b) { return *this *= arith_uint256(b); }

arith_uint256& arith_uint256::operator*=(const arith_uint256& b) {
    std::array<uint64_t, 4> r{};
    for (int i = 0; i < 4; ++i) {
        unsigned __int128 carry = 0;
        for (int j = 0; i + j < 4; ++j) {
            carry += (unsigned __int128)limb_[i] * b.limb_[j] + r[i + j];
            r[i + j] = uint64_t(carry);
            carry >>= 64;
        }
    }
    limb_ = r;
    return *this;
}

arith_uint256& arith_uint256::operator/=(const arith_uint256& divisor) {
    arith_uint256 num = *this, quotient;
    const int num_bits = int(num.bits()), div_bits = int(divisor.bits());
    if (div_bits == 0 || div_bits > num_bits) {
        *this = arith_uint256();
        return *this;
    }
    int shift = num_bits - div_bits;
    arith_uint256 div = divisor << unsigned(shift);
    for (; shift >= 0; --shift) {
        if (num >= div) {
            num -= div;
            quotient.limb_[shift / 64] |= uint64_t(1) << (shift % 64);
        }
        div >>= 1;
    }
    *this = quotient;
    return *this;
}

arith_uint256& arith_uint256::operator<<=(unsigned shift) {
    std::array<uint64_t, 4> r{};
    const unsigned k = shift / 64, s = shift % 64;
    for (int i = 3; i >= 0; --i) {
        if (i - int(k) < 0) continue;
        r[i] = limb_[i - k] << s;
        if (s && i - int(k) - 1 >= 0) r[i] |= limb_[i - k - 1] >> (64 - s);
    }
    limb_ = r;
    return *this;
}

arith_uint256& arith_uint256::operator>>=(unsigned shift) {
    std::array<uint64_t, 4> r{};
    const unsigned k = shift / 64, s = shift % 64;
    for (unsigned i = 0; i < 4; ++i) {
        if (i + k > 3) continue;
        r[i] = limb_[i + k] >> s;
        if (s && i + k + 1 <= 3) r[i] |= limb_[i + k + 1] << (64 - s);
    }
    limb_ = r;
    return *this;
}

arith_uint256 arith_uint256::operator~() const {
    arith_uint256 r;
    for (int i = 0; i < 4; ++i) r.limb_[i] = ~limb_[i];
    return r;
}

}  // namespace minicash
