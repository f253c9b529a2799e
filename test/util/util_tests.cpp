#include <gtest/gtest.h>

#include "util/arith_uint256.h"
#include "util/duration_text.h"
#include "util/hash.h"
#include "util/hex.h"
#include "util/siphash.h"

using namespace minicash;

namespace {
std::string h(ByteView v) { return hex_encode(v); }
ByteView str(const char* s) { return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }
}  // namespace

TEST(Hex, RoundTripAndRejects) {
    EXPECT_EQ(hex_encode(*hex_decode("00ff10Ab")), "00ff10ab");
    EXPECT_FALSE(hex_decode("abc"));
    EXPECT_FALSE(hex_decode("zz"));
    EXPECT_TRUE(hex_decode("")->empty());
}

TEST(DurationText, HoursMinutesSeconds) {
    EXPECT_EQ(duration_text(0), "0h00m00s");
    EXPECT_EQ(duration_text(7509), "2h05m09s");
    EXPECT_EQ(duration_text(100 * 3600 + 59), "100h00m59s");
    EXPECT_EQ(duration_text(-1), "unknown");
}

TEST(Hash, KnownAnswers) {
    EXPECT_EQ(h(sha256(str("abc")).view()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(h(ripemd160(str("abc"))), "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc");
    // HMAC-SHA512 RFC 4231 test case 2.
    EXPECT_EQ(h(hmac_sha512(str("Jefe"), str("what do ya want for nothing?"))),
              "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a3"
              "4d4a6b4b636e070a38bce737");
    // BIP340 tagged hash is SHA256(SHA256(tag)||SHA256(tag)||msg).
    Bytes pre;
    uint256 t = sha256(str("TapLeaf"));
    append(pre, t.view());
    append(pre, t.view());
    append(pre, str("x"));
    EXPECT_EQ(tagged_hash("TapLeaf", str("x")), sha256(pre));
}

TEST(SipHash, ReferenceVector) {
    // SipHash-2-4 reference: key 00..0f, message 00..0e (15 bytes) -> a129ca6149be45e5.
    Bytes msg;
    for (int i = 0; i < 15; ++i) msg.push_back(uint8_t(i));
    EXPECT_EQ(siphash24(0x0706050403020100ULL, 0x0F0E0D0C0B0A0908ULL, msg), 0xa129ca6149be45e5ULL);
}

TEST(ArithUint256, CompactRoundTrip) {
    bool neg = false, over = false;
    arith_uint256 t = arith_uint256::from_compact(0x1d00ffff, &neg, &over);
    EXPECT_FALSE(neg);
    EXPECT_FALSE(over);
    EXPECT_EQ(t.to_hex(), "00000000ffff0000000000000000000000000000000000000000000000000000");
    EXPECT_EQ(t.to_compact(), 0x1d00ffffu);
    EXPECT_EQ(arith_uint256::from_compact(0x207fffff).to_compact(), 0x207fffffu);
    arith_uint256::from_compact(0x04923456, &neg, &over);
    EXPECT_TRUE(neg);
    arith_uint256::from_compact(0xff123456, &neg, &over);
    EXPECT_TRUE(over);
    EXPECT_EQ(arith_uint256::from_compact(0x01123456).to_compact(), 0x01120000u);
    EXPECT_EQ(arith_uint256(0x80).to_compact(), 0x02008000u);
}

TEST(ArithUint256, Arithmetic) {
    arith_uint256 a = arith_uint256(1) << 200;
    EXPECT_EQ((a / arith_uint256(1ULL << 40)), arith_uint256(1) << 160);
    EXPECT_EQ(a.bits(), 201u);
    EXPECT_EQ((a - arith_uint256(1)).bits(), 200u);
    EXPECT_EQ(arith_uint256(0xffffffffffffffffULL) * arith_uint256(0xffffffffffffffffULL) /
                  arith_uint256(0xffffffffffffffffULL),
              arith_uint256(0xffffffffffffffffULL));
    EXPECT_EQ(~arith_uint256(0) + arith_uint256(1), arith_uint256(0));
}
