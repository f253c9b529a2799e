#include "util/ellswift.h"

#include <openssl/bn.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

#include "util/bignum.h"
#include "util/bytes.h"

namespace minicash::ellswift {

namespace {

BnPtr bn_from_hex(const char* hex) {
    BIGNUM* b = nullptr;
    if (BN_hex2bn(&b, hex) == 0) throw std::runtime_error("BN_hex2bn");
    return BnPtr(b);
}

// The constants of the construction, built once.
struct Constants {
    BnPtr p = bn_from_hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F");
    // (p + 1) / 4: a^((p+1)/4) is a square root of a when a is a square (p = 3 mod 4).
    BnPtr sqrt_exponent = bn_from_hex("3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFBFFFFF0C");
    // sqrt(-3) mod p, the root BIP324 uses (the one the reference code's sqrt returns).
    BnPtr sqrt_minus_3 = bn_from_hex("0A2D2BA93507F1DF233770C2A797962CC61F6D15DA14ECD47D8D27AE1CD5F852");
};

const Constants& k() {
    static const Constants c;
    return c;
}

// An element of GF(p), always reduced to 0..p-1. Arithmetic allocates; this code runs
// a few hundred operations per key, not in a hot loop.
class Fe {
public:
    explicit Fe(BnPtr v) : v_(std::move(v)) {}
    explicit Fe(unsigned long small) : v_(bn_new()) { bn_check(BN_set_word(v_.get(), small)); }
    Fe(const Fe& o) : v_(bn_dup(o.v_.get())) {}
    Fe& operator=(const Fe& o) {
        if (this != &o) v_ = bn_dup(o.v_.get());
        return *this;
    }
    Fe(Fe&&) noexcept = default;
    Fe& operator=(Fe&&) noexcept = default;

    // Big-endian bytes reduced modulo p.
    static Fe from_bytes(std::span<const uint8_t, 32> b) {
        BnPtr v(BN_bin2bn(b.data(), 32, nullptr));
        if (!v) throw std::bad_alloc();
        bn_check(BN_nnmod(v.get(), v.get(), k().p.get(), bn_ctx()));
        return Fe(std::move(v));
    }
    FieldBytes to_bytes() const {
        FieldBytes out{};
        if (BN_bn2binpad(v_.get(), out.data(), 32) != 32) throw std::runtime_error("BN_bn2binpad");
        return out;
    }

    friend Fe operator+(const Fe& a, const Fe& b) { return a.apply(BN_mod_add, b); }
    friend Fe operator-(const Fe& a, const Fe& b) { return a.apply(BN_mod_sub, b); }
    friend Fe operator*(const Fe& a, const Fe& b) { return a.apply(BN_mod_mul, b); }
    // Division by zero yields zero, as in the BIP's reference code (1/0 taken as 0).
    friend Fe operator/(const Fe& a, const Fe& b) { return a * b.inverse(); }
    Fe operator-() const { return Fe(0UL) - *this; }

    Fe inverse() const {
        if (is_zero()) return Fe(0UL);
        BnPtr r(BN_mod_inverse(nullptr, v_.get(), k().p.get(), bn_ctx()));
        if (!r) throw std::runtime_error("BN_mod_inverse");
        return Fe(std::move(r));
    }
    Fe cube() const { return *this * *this * *this; }

    // The square root the BIP uses (a^((p+1)/4)), or nullopt for a non-square.
    // (BN_mod_sqrt would do too, but it leaves an entry on OpenSSL's error queue for
    // every non-square, and half of all inputs are non-squares here.)
    std::optional<Fe> sqrt() const {
        BnPtr r = bn_new();
        bn_check(BN_mod_exp(r.get(), v_.get(), k().sqrt_exponent.get(), k().p.get(), bn_ctx()));
        Fe root(std::move(r));
        if (!(root * root == *this)) return std::nullopt;
        return root;
    }
    // Legendre symbol via BN_kronecker: 0 counts as a square, as in the BIP.
    bool is_square() const {
        const int j = BN_kronecker(v_.get(), k().p.get(), bn_ctx());
        if (j == -2) throw std::runtime_error("BN_kronecker");
        return j >= 0;
    }
    bool is_zero() const { return BN_is_zero(v_.get()) == 1; }
    bool is_odd() const { return BN_is_odd(v_.get()) == 1; }
    friend bool operator==(const Fe& a, const Fe& b) { return BN_cmp(a.v_.get(), b.v_.get()) == 0; }

private:
    using Op = int (*)(BIGNUM*, const BIGNUM*, const BIGNUM*, const BIGNUM*, BN_CTX*);
    Fe apply(Op op, const Fe& b) const {
        BnPtr r = bn_new();
        bn_check(op(r.get(), v_.get(), b.v_.get(), k().p.get(), bn_ctx()));
        return Fe(std::move(r));
    }

    BnPtr v_;
};

Fe sqrt_minus_3() { return Fe(bn_dup(k().sqrt_minus_3.get())); }

bool valid_x(const Fe& x) { return (x.cube() + Fe(7)).is_square(); }

Fe xswiftec_fe(Fe u, Fe t) {
    if (u.is_zero()) u = Fe(1);
    if (t.is_zero()) t = Fe(1);
    const Fe u3_plus_7 = u.cube() + Fe(7);
    if ((u3_plus_7 + t * t).is_zero()) t = Fe(2) * t;
    // With the substitutions above 2t, u and Y below are never zero, so every division
    // is by a non-zero element.
    const Fe X = (u3_plus_7 - t * t) / (Fe(2) * t);
    const Fe Y = (X + t) / (sqrt_minus_3() * u);
    const Fe half = Fe(2).inverse();
    const Fe x3 = u + Fe(4) * Y * Y;
    if (valid_x(x3)) return x3;
    const Fe x2 = (-X / Y - u) * half;
    if (valid_x(x2)) return x2;
    // The construction guarantees that at least one of x3, x2, x1 is valid (BIP324;
    // libsecp256k1's doc/ellswift.md shows why), so x1 is returned without a test.
    return (X / Y - u) * half;
}

std::optional<Fe> xswiftec_inv_fe(const Fe& x, const Fe& u, unsigned c) {
    const Fe u3_plus_7 = u.cube() + Fe(7);
    Fe s(0UL), v(0UL);
    if ((c & 2) == 0) {
        // Branches 0, 1, 4, 5: x is x3 or x2 of the forward map; requires -x-u invalid.
        if (valid_x(-x - u)) return std::nullopt;
        v = (c & 1) == 0 ? x : -x - u;
        s = -u3_plus_7 / (u * u + u * v + v * v);
    } else {
        // Branches 2, 3, 6, 7: x is x1 of the forward map.
        s = x - u;
        if (s.is_zero()) return std::nullopt;
        const std::optional<Fe> r0 = (-s * (Fe(4) * u3_plus_7 + Fe(3) * s * u * u)).sqrt();
        if (!r0) return std::nullopt;
        Fe r = *r0;
        if (c & 1) {
            if (r.is_zero()) return std::nullopt;
            r = -r;
        }
        v = (-u + r / s) / Fe(2);
    }
    std::optional<Fe> w = s.sqrt();
    if (!w) return std::nullopt;
    if (c & 4) w = -*w;
    return *w * (u * (sqrt_minus_3() - Fe(1)) / Fe(2) - v);
}

}  // namespace

FieldBytes xswiftec(const FieldBytes& u, const FieldBytes& t) {
    return xswiftec_fe(Fe::from_bytes(u), Fe::from_bytes(t)).to_bytes();
}

std::optional<FieldBytes> xswiftec_inv(const FieldBytes& x, const FieldBytes& u, unsigned c) {
    const std::optional<Fe> t = xswiftec_inv_fe(Fe::from_bytes(x), Fe::from_bytes(u), c & 7);
    if (!t) return std::nullopt;
    return t->to_bytes();
}

FieldBytes ellswift_decode(std::span<const uint8_t, 64> encoding) {
    return xswiftec_fe(Fe::from_bytes(encoding.first<32>()), Fe::from_bytes(encoding.last<32>())).to_bytes();
}

bool is_valid_x(const FieldBytes& x) {
    BnPtr v(BN_bin2bn(x.data(), 32, nullptr));
    if (!v) throw std::bad_alloc();
    if (BN_cmp(v.get(), k().p.get()) >= 0) return false;
    return valid_x(Fe(std::move(v)));
}

std::optional<Encoding> ellswift_encode(std::span<const uint8_t, 33> compressed_pubkey,
                                        std::span<const uint8_t, 32> rnd32) {
    const uint8_t prefix = compressed_pubkey[0];
    if (prefix != 0x02 && prefix != 0x03) return std::nullopt;
    FieldBytes x_bytes;
    std::memcpy(x_bytes.data(), compressed_pubkey.data() + 1, 32);
    if (!is_valid_x(x_bytes)) return std::nullopt;
    const Fe x = Fe::from_bytes(x_bytes);
    const bool y_odd = prefix == 0x03;

    // An attempt succeeds with probability about 1/4 (a random u and branch), so 1024
    // failing in a row has probability below 2^-400; the bound only rules out an
    // endless loop.
    for (uint32_t attempt = 0; attempt < 1024; ++attempt) {
        uint8_t seed[36];
        std::memcpy(seed, rnd32.data(), 32);
        write_le32(seed + 32, attempt);
        uint8_t h[SHA512_DIGEST_LENGTH];
        SHA512(seed, sizeof(seed), h);
        const Fe u = Fe::from_bytes(std::span<const uint8_t, 32>(h, 32));
        if (u.is_zero()) continue;  // the decoder reads u = 0 as 1: no inverse for it
        const unsigned branch = h[32] & 7;
        std::optional<Fe> t = xswiftec_inv_fe(x, u, branch);
        if (!t) continue;
        // XSwiftEC(u, -t) = XSwiftEC(u, t): negating t only sets its parity to y's.
        if (t->is_odd() != y_odd) t = -*t;
        // Re-check: rules out the special cases (t = 0, u^3 + t^2 + 7 = 0) in which the
        // decoder would substitute t.
        if (!(xswiftec_fe(u, *t) == x)) continue;
        Encoding out{};
        const FieldBytes ub = u.to_bytes(), tb = t->to_bytes();
        std::memcpy(out.data(), ub.data(), 32);
        std::memcpy(out.data() + 32, tb.data(), 32);
        return out;
    }
    return std::nullopt;
}

}  // namespace minicash::ellswift
