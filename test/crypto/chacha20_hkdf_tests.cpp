// The OpenSSL wrappers the hand-written constructions build on: ChaCha20 keystream
// positioning, ChaCha20-Poly1305 round trips and tampering, HKDF-SHA256.
#include <gtest/gtest.h>

#include "test/crypto/helpers.h"
#include "util/chacha20.h"
#include "util/hkdf.h"

namespace minicash {
namespace {

using test::array_from_hex;
using test::from_hex;

TEST(ChaCha20, Rfc8439Blocks) {
    // RFC 8439 section 2.3.2 (key 00..1f, nonce 000000090000004a00000000, block 1).
    ChaCha20Key key{};
    for (size_t i = 0; i < key.size(); ++i) key[i] = uint8_t(i);
    ChaCha20 c(key, array_from_hex<12>("000000090000004a00000000"), 1);
    Bytes block(64);
    c.keystream(block);
    EXPECT_EQ(hex_encode(block),
              "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2"
              "b5129cd1de164eb9cbd083e8a2503c4e");
    // All-zero key and nonce, block 0 (RFC 8439 appendix A.1 #1; also in Bitcoin Core's
    // src/test/crypto_tests.cpp).
    ChaCha20 z(ChaCha20Key{}, ChaCha20Nonce{}, 0);
    z.keystream(block);
    EXPECT_EQ(hex_encode(block),
              "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a37"
              "6a43b8f41518a11cc387b669b2ee6586");
}

TEST(ChaCha20, StreamContinuesAcrossCallsAndReset) {
    const ChaCha20Key key = array_from_hex<32>("c0ffee00000000000000000000000000000000000000000000000000000000ee");
    const ChaCha20Nonce nonce = array_from_hex<12>("0102030405060708090a0b0c");
    Bytes whole(300);
    ChaCha20(key, nonce).keystream(whole);
    // The same bytes in odd-sized pieces.
    ChaCha20 pieces(key, nonce);
    Bytes got;
    for (size_t n : {1, 2, 61, 3, 64, 100, 69}) {
        Bytes part(n);
        pieces.keystream(part);
        append(got, part);
    }
    EXPECT_EQ(got, whole);
    // Starting at block 2 gives the stream from byte 128 on.
    Bytes tail(300 - 128);
    ChaCha20(key, nonce, 2).keystream(tail);
    EXPECT_EQ(tail, Bytes(whole.begin() + 128, whole.end()));
    pieces.reset(key, nonce, 0);
    Bytes again(300);
    pieces.keystream(again);
    EXPECT_EQ(again, whole);
    // crypt is XOR with the keystream, in place or not.
    Bytes text(300, 0x5a), out(300);
    ChaCha20(key, nonce).crypt(text, out);
    for (size_t i = 0; i < text.size(); ++i) ASSERT_EQ(out[i], uint8_t(0x5a ^ whole[i]));
    ChaCha20(key, nonce).crypt(text, text);
    EXPECT_EQ(text, out);
    // The one-shot MuHash expansion equals the stream of (key, zero nonce).
    Bytes muhash(384), stream(384);
    chacha20_keystream(key, muhash);
    ChaCha20(key, ChaCha20Nonce{}).keystream(stream);
    EXPECT_EQ(muhash, stream);
}

TEST(ChaCha20Poly1305, RoundTripAndTampering) {
    const ChaCha20Key key = array_from_hex<32>("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    const ChaCha20Nonce nonce = array_from_hex<12>("070000004041424344454647");
    const Bytes aad = from_hex("50515253c0c1c2c3c4c5c6c7");
    for (size_t len : {0, 1, 63, 64, 65, 1000}) {
        Bytes plain(len);
        for (size_t i = 0; i < len; ++i) plain[i] = uint8_t(i * 7);
        Bytes sealed(len + kPoly1305TagSize);
        chacha20_poly1305_encrypt(key, nonce, aad, plain, sealed);
        Bytes opened(len);
        ASSERT_TRUE(chacha20_poly1305_decrypt(key, nonce, aad, sealed, opened));
        EXPECT_EQ(opened, plain);
        // In place, both ways.
        Bytes buf = plain;
        buf.resize(len + kPoly1305TagSize);
        chacha20_poly1305_encrypt(key, nonce, aad, ByteView(buf.data(), len), buf);
        EXPECT_EQ(buf, sealed);
        ASSERT_TRUE(chacha20_poly1305_decrypt(key, nonce, aad, buf, std::span<uint8_t>(buf.data(), len)));
        EXPECT_EQ(Bytes(buf.begin(), buf.begin() + len), plain);
        // Any flipped bit, in the ciphertext, the tag or the AAD, is refused.
        for (size_t pos = 0; pos < sealed.size(); pos += 1 + sealed.size() / 7) {
            Bytes bad = sealed;
            bad[pos] ^= 0x10;
            Bytes out(len, 0xee);
            EXPECT_FALSE(chacha20_poly1305_decrypt(key, nonce, aad, bad, out));
            EXPECT_EQ(out, Bytes(len, 0)) << "output is wiped on failure";
        }
        Bytes bad_aad = aad;
        bad_aad[0] ^= 1;
        EXPECT_FALSE(chacha20_poly1305_decrypt(key, nonce, bad_aad, sealed, opened));
        const ChaCha20Nonce other_nonce = array_from_hex<12>("080000004041424344454647");
        EXPECT_FALSE(chacha20_poly1305_decrypt(key, other_nonce, aad, sealed, opened));
    }
    // Shorter than a tag: not authentic, no crash.
    Bytes none;
    EXPECT_FALSE(chacha20_poly1305_decrypt(key, nonce, aad, from_hex("0011"), none));
}

TEST(Hkdf, Rfc5869) {
    // RFC 5869 appendix A.1 (basic test case with SHA-256), full 42-byte output and PRK.
    {
        const HkdfSha256 h(from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
                           from_hex("000102030405060708090a0b0c"));
        EXPECT_EQ(hex_encode(h.prk()), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        Bytes okm(42);
        h.expand(from_hex("f0f1f2f3f4f5f6f7f8f9"), okm);
        EXPECT_EQ(hex_encode(okm),
                  "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    }
    // RFC 5869 A.2 and A.3 truncated to 32 bytes, as in Bitcoin Core's
    // src/test/crypto_tests.cpp (hkdf_hmac_sha256_l32_tests).
    {
        const HkdfSha256 h(
            from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
                     "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f"),
            from_hex("606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f"
                     "909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"));
        Bytes okm(32);
        h.expand(
            from_hex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                     "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
            okm);
        EXPECT_EQ(hex_encode(okm), "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c");
    }
    {
        const HkdfSha256 h(from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), {});  // empty salt and info
        Bytes okm(32);
        h.expand({}, okm);
        EXPECT_EQ(hex_encode(okm), "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
    }
    // A text label is its bytes.
    const HkdfSha256 h(from_hex("01"), from_hex("02"));
    Bytes okm(32);
    h.expand(from_hex("6c6162656c"), okm);  // "label"
    const auto okm32 = h.expand32("label");
    EXPECT_EQ(Bytes(okm32.begin(), okm32.end()), okm);
}

}  // namespace
}  // namespace minicash
