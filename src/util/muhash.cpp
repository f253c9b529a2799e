#include "util/muhash.h"

#include <openssl/bn.h>

#include <new>
#include <stdexcept>

#include "util/chacha20.h"
#include "util/hash.h"

namespace minicash {

namespace {

// P = 2^3072 - 1103717 (the largest 3072-bit safe prime) and what Montgomery
// multiplication modulo P needs. Built once, read-only afterwards.
struct Modulus {
    BnPtr p = bn_new();
    BN_MONT_CTX* mont = BN_MONT_CTX_new();
    BnPtr r = bn_new();      // R mod P (R = 2^3072, so this is 1103717)
    BnPtr r_inv = bn_new();  // R^-1 mod P

    Modulus() {
        if (!mont) throw std::bad_alloc();
        BnPtr diff = bn_new(), one = bn_new();
        bn_check(BN_set_bit(p.get(), 3072));
        bn_check(BN_set_word(diff.get(), 1103717));
        bn_check(BN_sub(p.get(), p.get(), diff.get()));
        bn_check(BN_MONT_CTX_set(mont, p.get(), bn_ctx()));
        bn_check(BN_one(one.get()));
        bn_check(BN_to_montgomery(r.get(), one.get(), mont, bn_ctx()));
        if (!BN_mod_inverse(r_inv.get(), r.get(), p.get(), bn_ctx())) throw std::runtime_error("BN_mod_inverse");
    }
    ~Modulus() { BN_MONT_CTX_free(mont); }
};

const Modulus& mod() {
    static const Modulus m;
    return m;
}

// base^exponent mod P for a 64-bit exponent.
BnPtr power(const BIGNUM* base, uint64_t exponent) {
    BnPtr e = bn_new(), out = bn_new();
    bn_check(BN_set_word(e.get(), exponent));
    bn_check(BN_mod_exp_mont(out.get(), base, e.get(), mod().p.get(), bn_ctx(), mod().mont));
    return out;
}

}  // namespace

MuHash3072::Scaled MuHash3072::one() {
    Scaled s{bn_new(), 0};
    bn_check(BN_one(s.scaled.get()));
    return s;
}

MuHash3072::MuHash3072(Scaled numerator, Scaled denominator)
    : numerator_(std::move(numerator)), denominator_(std::move(denominator)) {}

MuHash3072::MuHash3072() : numerator_(one()), denominator_(one()) {}

MuHash3072::MuHash3072(ByteView element) : numerator_{element_number(element), 0}, denominator_(one()) {}

MuHash3072::~MuHash3072() = default;
MuHash3072::MuHash3072(MuHash3072&&) noexcept = default;
MuHash3072& MuHash3072::operator=(MuHash3072&&) noexcept = default;

MuHash3072::MuHash3072(const MuHash3072& other)
    : numerator_{bn_dup(other.numerator_.scaled.get()), other.numerator_.shift},
      denominator_{bn_dup(other.denominator_.scaled.get()), other.denominator_.shift} {}

MuHash3072& MuHash3072::operator=(const MuHash3072& other) {
    if (this != &other) *this = MuHash3072(other);
    return *this;
}

BnPtr MuHash3072::element_number(ByteView element) {
    const uint256 key = sha256(element);
    uint8_t bytes[kNumberSize];
    chacha20_keystream(std::span<const uint8_t, 32>(key.data(), 32), bytes);
    BnPtr n(BN_lebin2bn(bytes, int(kNumberSize), nullptr));
    if (!n) throw std::bad_alloc();
    // Montgomery multiplication wants reduced inputs; N(e) >= P has probability ~2^-3052.
    if (BN_cmp(n.get(), mod().p.get()) >= 0) bn_check(BN_sub(n.get(), n.get(), mod().p.get()));
    return n;
}

void MuHash3072::multiply(Scaled& acc, const bignum_st* factor, uint64_t factor_shift) {
    // scaled' = scaled * factor / R, so the value scaled' * R^(shift + factor_shift + 1)
    // is the product of the two values.
    bn_check(BN_mod_mul_montgomery(acc.scaled.get(), acc.scaled.get(), factor, mod().mont, bn_ctx()));
    acc.shift += factor_shift + 1;
}

BnPtr MuHash3072::value(const Scaled& half) {
    BnPtr out = power(mod().r.get(), half.shift);
    bn_check(BN_mod_mul(out.get(), out.get(), half.scaled.get(), mod().p.get(), bn_ctx()));
    return out;
}

MuHash3072& MuHash3072::insert(ByteView element) {
    multiply(numerator_, element_number(element).get(), 0);
    return *this;
}

MuHash3072& MuHash3072::remove(ByteView element) {
    multiply(denominator_, element_number(element).get(), 0);
    return *this;
}

MuHash3072& MuHash3072::operator*=(const MuHash3072& other) {
    const MuHash3072 copy(other);  // `other` may be *this
    multiply(numerator_, copy.numerator_.scaled.get(), copy.numerator_.shift);
    multiply(denominator_, copy.denominator_.scaled.get(), copy.denominator_.shift);
    return *this;
}

MuHash3072& MuHash3072::operator/=(const MuHash3072& other) {
    const MuHash3072 copy(other);
    multiply(numerator_, copy.denominator_.scaled.get(), copy.denominator_.shift);
    multiply(denominator_, copy.numerator_.scaled.get(), copy.numerator_.shift);
    return *this;
}

uint256 MuHash3072::finalize() const {
    // numerator / denominator = (n_scaled / d_scaled) * R^(n_shift - d_shift). The
    // denominator is a product of element numbers, each non-zero mod P except with
    // negligible probability, so it is invertible; deserialize() refuses a zero one.
    BnPtr result(BN_mod_inverse(nullptr, denominator_.scaled.get(), mod().p.get(), bn_ctx()));
    if (!result) throw std::runtime_error("MuHash3072: denominator not invertible");
    bn_check(BN_mod_mul(result.get(), result.get(), numerator_.scaled.get(), mod().p.get(), bn_ctx()));
    const bool up = numerator_.shift >= denominator_.shift;
    const BnPtr adjust = up ? power(mod().r.get(), numerator_.shift - denominator_.shift)
                            : power(mod().r_inv.get(), denominator_.shift - numerator_.shift);
    bn_check(BN_mod_mul(result.get(), result.get(), adjust.get(), mod().p.get(), bn_ctx()));
    uint8_t bytes[kNumberSize];
    if (BN_bn2lebinpad(result.get(), bytes, int(kNumberSize)) != int(kNumberSize))
        throw std::runtime_error("BN_bn2lebinpad");
    return sha256(bytes);
}

std::array<uint8_t, MuHash3072::kSerializedSize> MuHash3072::serialize() const {
    std::array<uint8_t, kSerializedSize> out{};
    const BnPtr num = value(numerator_), den = value(denominator_);
    if (BN_bn2lebinpad(num.get(), out.data(), int(kNumberSize)) != int(kNumberSize) ||
        BN_bn2lebinpad(den.get(), out.data() + kNumberSize, int(kNumberSize)) != int(kNumberSize))
        throw std::runtime_error("BN_bn2lebinpad");
    return out;
}

std::optional<MuHash3072> MuHash3072::deserialize(ByteView data) {
    if (data.size() != kSerializedSize) return std::nullopt;
    BnPtr num(BN_lebin2bn(data.data(), int(kNumberSize), nullptr));
    BnPtr den(BN_lebin2bn(data.data() + kNumberSize, int(kNumberSize), nullptr));
    if (!num || !den) throw std::bad_alloc();
    bn_check(BN_nnmod(num.get(), num.get(), mod().p.get(), bn_ctx()));
    bn_check(BN_nnmod(den.get(), den.get(), mod().p.get(), bn_ctx()));
    if (BN_is_zero(den.get())) return std::nullopt;
    return MuHash3072(Scaled{std::move(num), 0}, Scaled{std::move(den), 0});
}

}  // namespace minicash
