// ElligatorSwift (util/ellswift.h) against every row of BIP324's ellswift_decode and
// xswiftec_inv vectors, plus encode/decode round trips and edge cases.
#include <gtest/gtest.h>

#include <openssl/rand.h>

#include "common/key.h"
#include "test/crypto/helpers.h"
#include "test/util/vectors.h"
#include "util/ellswift.h"

namespace minicash {
namespace {

using ellswift::FieldBytes;
using test::array_from_hex;

const char* const kP = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";

TEST(EllSwift, DecodeVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const auto rows = test::load_csv(dir / "bips" / "bip-0324_ellswift_decode_test_vectors.csv");
    ASSERT_EQ(rows.size(), 76u);
    const test::FailureCounter failures;
    size_t passed = 0;
    for (const test::CsvRow& row : rows) {
        SCOPED_TRACE(row.at("ellswift") + " (" + row.at("comment") + ")");
        const int failures_before = failures.count();
        const auto encoding = array_from_hex<64>(row.at("ellswift"));
        const FieldBytes x = ellswift::ellswift_decode(encoding);
        EXPECT_EQ(hex_encode(x), row.at("x"));
        EXPECT_TRUE(ellswift::is_valid_x(x));
        // xswiftec on the halves is the same function.
        FieldBytes u{}, t{};
        std::copy(encoding.begin(), encoding.begin() + 32, u.begin());
        std::copy(encoding.begin() + 32, encoding.end(), t.begin());
        EXPECT_EQ(ellswift::xswiftec(u, t), x);
        if (failures.count() == failures_before) ++passed;
    }
    EXPECT_EQ(passed, rows.size());
    std::cout << "[ellswift_decode] " << passed << "/" << rows.size() << " rows passed\n";
}

TEST(EllSwift, InverseVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const auto rows = test::load_csv(dir / "bips" / "bip-0324_xswiftec_inv_test_vectors.csv");
    ASSERT_EQ(rows.size(), 32u);
    const test::FailureCounter failures;
    size_t passed = 0;
    for (const test::CsvRow& row : rows) {
        SCOPED_TRACE("u=" + row.at("u") + " x=" + row.at("x"));
        const int failures_before = failures.count();
        const auto u = array_from_hex<32>(row.at("u"));
        const auto x = array_from_hex<32>(row.at("x"));
        for (unsigned c = 0; c < 8; ++c) {
            const std::string& expected = row.at("case" + std::to_string(c) + "_t");
            const std::optional<FieldBytes> t = ellswift::xswiftec_inv(x, u, c);
            if (expected.empty()) {
                EXPECT_FALSE(t.has_value()) << "case " << c << " should have no solution";
            } else {
                ASSERT_TRUE(t.has_value()) << "case " << c;
                EXPECT_EQ(hex_encode(*t), expected) << "case " << c;
                // Every solution maps back to x.
                EXPECT_EQ(ellswift::xswiftec(u, *t), x) << "case " << c;
            }
        }
        if (failures.count() == failures_before) ++passed;
    }
    EXPECT_EQ(passed, rows.size());
    std::cout << "[xswiftec_inv] " << passed << "/" << rows.size() << " rows passed\n";
}

TEST(EllSwift, EdgeInputsDecodeToValidX) {
    // u and t at 0, p, 2^256-1 and their neighbours: all decode, to valid x.
    const std::vector<std::string> values = {std::string(64, '0'),
                                             "0000000000000000000000000000000000000000000000000000000000000001",
                                             kP,
                                             "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e",
                                             "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30",
                                             std::string(64, 'f')};
    for (const auto& uh : values) {
        for (const auto& th : values) {
            const FieldBytes x = ellswift::xswiftec(array_from_hex<32>(uh), array_from_hex<32>(th));
            EXPECT_TRUE(ellswift::is_valid_x(x)) << uh << " " << th;
        }
    }
    // u = p is u = 0 (read as 1); t = p is t = 0 (read as 1).
    const auto one = array_from_hex<32>("0000000000000000000000000000000000000000000000000000000000000001");
    EXPECT_EQ(ellswift::xswiftec(array_from_hex<32>(kP), array_from_hex<32>(kP)), ellswift::xswiftec(one, one));
    // is_valid_x refuses x >= p even when x - p is valid.
    EXPECT_FALSE(ellswift::is_valid_x(array_from_hex<32>(std::string(64, 'f'))));
}

TEST(EllSwift, InverseOnInvalidInputsDoesNotCrash) {
    // Not a valid x, u = 0, x = u (s = 0): every branch returns, with or without a result.
    const std::vector<std::string> values = {std::string(64, '0'), kP, std::string(64, 'f'),
                                             "0000000000000000000000000000000000000000000000000000000000000005"};
    for (const auto& xh : values)
        for (const auto& uh : values)
            for (unsigned c = 0; c < 16; ++c)
                (void)ellswift::xswiftec_inv(array_from_hex<32>(xh), array_from_hex<32>(uh), c);
}

TEST(EllSwift, EncodeRoundTripsAndKeepsYParity) {
    for (int i = 0; i < 32; ++i) {
        std::array<uint8_t, 32> secret{}, rnd{};
        ASSERT_EQ(RAND_bytes(secret.data(), 32), 1);
        ASSERT_EQ(RAND_bytes(rnd.data(), 32), 1);
        const SecretKey key(secret);
        if (!key.valid()) continue;
        const std::array<uint8_t, 33> pub = key.compressed_pubkey();
        const std::optional<ellswift::Encoding> enc = ellswift::ellswift_encode(pub, rnd);
        ASSERT_TRUE(enc.has_value());
        const FieldBytes x = ellswift::ellswift_decode(*enc);
        EXPECT_TRUE(std::equal(x.begin(), x.end(), pub.begin() + 1));
        // t's parity is y's (libsecp256k1's convention).
        EXPECT_EQ(((*enc)[63] & 1) == 1, pub[0] == 0x03);
        // Deterministic in (key, rnd); other randomness gives another encoding.
        EXPECT_EQ(ellswift::ellswift_encode(pub, rnd), enc);
        rnd[0] ^= 1;
        EXPECT_NE(ellswift::ellswift_encode(pub, rnd), enc);
    }
}

TEST(EllSwift, EncodeRefusesInvalidKeys) {
    const std::array<uint8_t, 32> rnd{};
    std::array<uint8_t, 33> bad{};
    bad[0] = 0x04;  // not a compressed key
    EXPECT_FALSE(ellswift::ellswift_encode(bad, rnd).has_value());
    bad[0] = 0x02;  // x = 0: 0^3 + 7 = 7 is not a square mod p
    EXPECT_FALSE(ellswift::ellswift_encode(bad, rnd).has_value());
    std::fill(bad.begin() + 1, bad.end(), 0xff);  // x >= p
    EXPECT_FALSE(ellswift::ellswift_encode(bad, rnd).has_value());
}

}  // namespace
}  // namespace minicash
