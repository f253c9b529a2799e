// ElligatorSwift for secp256k1 x coordinates, as BIP324 defines it ("ellswift").
//
// A 64-byte encoding u || t (two 32-byte big-endian numbers, each taken modulo the field
// size p = 2^256 - 2^32 - 977) stands for the x coordinate XSwiftEC(u, t) of a curve
// point. Every 64-byte string decodes to a valid x, and the encoding of a random public
// key looks like 64 random bytes, which is why BIP324 sends public keys this way.
//
// Written here because Debian's libsecp256k1 0.2.0 has no ellswift module (see
// src/util/README.md). The arithmetic is OpenSSL's BIGNUM modular arithmetic; it is not
// constant time, which is fine as every input is public (a public key, its encoding,
// and encoding randomness that is published with the encoding). Checked against every
// row of BIP324's ellswift_decode and xswiftec_inv vectors (test/crypto/).
//
// No function crashes or loops forever on any input: decoding is total, the inverse
// fails with nullopt, encoding is bounded (see ellswift_encode).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace minicash::ellswift {

// A field element or x coordinate: 32 bytes, big-endian.
using FieldBytes = std::array<uint8_t, 32>;
// An ElligatorSwift encoding u || t.
using Encoding = std::array<uint8_t, 64>;

// XSwiftEC(u, t): the x coordinate that (u, t) stands for. u and t are reduced modulo p
// first; u = 0 and t = 0 are replaced by 1, and t by 2t when u^3 + t^2 + 7 = 0, so every
// input has an image. The result is always a valid x coordinate, reduced (< p).
FieldBytes xswiftec(const FieldBytes& u, const FieldBytes& t);

// XSwiftEC_inv(x, u, c): a t with XSwiftEC(u, t) = x for branch c (0..7) of the
// inverse, or nullopt when that branch has no solution. For a valid x (is_valid_x) and
// u != 0 mod p, any t returned satisfies xswiftec(u, t) == x except in a case of
// probability about 2^-256 that ellswift_encode re-checks. For other x the result
// follows the BIP's formulas (a division by zero counts as multiplying by zero) and means
// nothing. c is taken modulo 8.
std::optional<FieldBytes> xswiftec_inv(const FieldBytes& x, const FieldBytes& u, unsigned c);

// The x coordinate an encoding stands for: xswiftec(first 32 bytes, last 32 bytes).
FieldBytes ellswift_decode(std::span<const uint8_t, 64> encoding);

// Encodes the public key `compressed_pubkey` (33 bytes: 02 or 03, then x) with 32 bytes
// of randomness, as BIP324 specifies: pick a random u and branch, and retry until
// XSwiftEC_inv finds a t. u and the branch come from SHA-512(rnd32 || attempt number), so
// the result is a deterministic function of (key, rnd32), as with libsecp256k1's
// secp256k1_ellswift_encode (not byte-identical to it: its random choices differ). Like
// libsecp256k1, t is given the parity of the key's y, so decoders that want the full
// point can recover it; the x-only decoding above ignores it.
// Returns nullopt when compressed_pubkey is not a valid compressed key, or (probability
// below 2^-400) when 1024 attempts all failed. The result always decodes to the key's x.
[[nodiscard]] std::optional<Encoding> ellswift_encode(std::span<const uint8_t, 33> compressed_pubkey,
                                                      std::span<const uint8_t, 32> rnd32);

// True when x < p and x^3 + 7 is a square modulo p, i.e. x is a point's x coordinate.
bool is_valid_x(const FieldBytes& x);

}  // namespace minicash::ellswift
