// MuHash3072: a hash of a set (of byte strings) that can be updated one element at a time,
// in any order, as Bitcoin Core defines it for `gettxoutsetinfo hash_type=muhash` and
// -coinstatsindex.
//
// An element e maps to the 3072-bit number N(e): the 384-byte ChaCha20 keystream (key
// SHA256(e), zero nonce, from block 0) read as a little-endian integer. The set hash
// keeps a fraction numerator/denominator modulo the prime P = 2^3072 - 1103717: insert
// multiplies the numerator by N(e), remove multiplies the denominator. finalize() hashes
// numerator/denominator mod P (384 bytes, little-endian) with SHA256. As multiplication
// commutes, the result depends only on the multiset of inserted elements minus the
// removed ones, not on the order of operations.
//
// Written here because OpenSSL has no MuHash (see src/util/README.md): SHA256 and
// ChaCha20 are OpenSSL's, the arithmetic is OpenSSL's BIGNUM modular arithmetic
// (Montgomery multiplication for insert/remove/combine, a modular inverse in finalize).
// Not constant time: set elements are public.
// Checked against Bitcoin Core's unit-test values (test/crypto/muhash_tests.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "util/bignum.h"
#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

class MuHash3072 {
public:
    static constexpr size_t kNumberSize = 384;                  // bytes of one 3072-bit number
    static constexpr size_t kSerializedSize = 2 * kNumberSize;  // numerator || denominator

    // The empty set (numerator = denominator = 1).
    MuHash3072();
    // The set holding the one element `element`.
    explicit MuHash3072(ByteView element);
    ~MuHash3072();
    MuHash3072(const MuHash3072& other);
    MuHash3072& operator=(const MuHash3072& other);
    MuHash3072(MuHash3072&&) noexcept;
    MuHash3072& operator=(MuHash3072&&) noexcept;

    // Adds an element (numerator *= N(element)).
    MuHash3072& insert(ByteView element);
    // Takes an element away (denominator *= N(element)). Removing an element that was
    // never inserted is allowed; finalize() then hashes a set with a negative count.
    MuHash3072& remove(ByteView element);
    // Union with another set hash: numerators and denominators multiply.
    MuHash3072& operator*=(const MuHash3072& other);
    // Difference: the other set's numerator joins our denominator and vice versa.
    MuHash3072& operator/=(const MuHash3072& other);

    // SHA256 of (numerator / denominator mod P) as 384 little-endian bytes. Does not change
    // the object. As a uint256 its bytes are the SHA256 output in order, so to_hex()
    // prints them reversed, as Core's uint256::GetHex() does.
    uint256 finalize() const;

    // Core's serialization: numerator then denominator, each 384 bytes little-endian.
    std::array<uint8_t, kSerializedSize> serialize() const;
    // Reads serialize()'s format. Numbers at or above P are accepted and reduced, as Core
    // does. Returns nullopt when `data` is not kSerializedSize bytes long or the
    // denominator is 0 mod P (which no sequence of operations produces).
    [[nodiscard]] static std::optional<MuHash3072> deserialize(ByteView data);

private:
    // One half of the fraction, kept for Montgomery multiplication (OpenSSL's
    // BN_mod_mul_montgomery, R = 2^3072): the value it stands for is
    // scaled * R^shift mod P. Each Montgomery product divides by R, which shift counts
    // instead of undoing it, so an insert costs one Montgomery multiplication; finalize()
    // and serialize() apply R^shift once.
    struct Scaled {
        BnPtr scaled;        // always reduced: 0 <= scaled < P
        uint64_t shift = 0;  // exponent of R still to apply
    };

    MuHash3072(Scaled numerator, Scaled denominator);
    static Scaled one();
    static BnPtr element_number(ByteView element);
    // acc *= factor (both as the values they stand for).
    static void multiply(Scaled& acc, const bignum_st* factor, uint64_t factor_shift);
    // The value a half stands for, reduced modulo P.
    static BnPtr value(const Scaled& half);

    Scaled numerator_;
    Scaled denominator_;
};

}  // namespace minicash
