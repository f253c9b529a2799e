// Bech32 / bech32m: BIP173 and BIP350 checksum vectors (wallet/bech32.json, "bech32" and
// "bech32m" sections) plus error kinds and error locations.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "common/bech32.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;
using bech32::Encoding;

namespace {

std::string bytes_string(const std::string& hex) {
    const std::optional<Bytes> b = hex_decode(hex);
    EXPECT_TRUE(b) << hex;
    return b ? std::string(b->begin(), b->end()) : std::string();
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void run_section(const boost::json::object& doc, const char* name, Encoding enc, int want_valid, int want_invalid) {
    const boost::json::object& sec = doc.at(name).as_object();
    int valid = 0, invalid = 0;
    for (const boost::json::value& v : sec.at("valid").as_array()) {
        const std::string s(v.as_string());
        const bech32::DecodeResult r = bech32::decode(s);
        ASSERT_TRUE(r) << name << " valid " << s << ": " << bech32::error_string(r.error);
        EXPECT_EQ(r.value->encoding, enc) << s;
        // Re-encoding gives the lower-case form back.
        EXPECT_EQ(bech32::encode(enc, r.value->hrp, r.value->data), lower(s)) << s;
        // Flipping one data character breaks it; the single error is located.
        std::string broken = s;
        const size_t pos = s.rfind('1') + 1;
        const bool upper = lower(s) != s;
        const bool is_q = broken[pos] == 'q' || broken[pos] == 'Q';
        broken[pos] = is_q ? (upper ? 'P' : 'p') : (upper ? 'Q' : 'q');
        const bech32::DecodeResult rb = bech32::decode(broken);
        EXPECT_FALSE(rb) << broken;
        EXPECT_EQ(rb.error, bech32::Error::BAD_CHECKSUM) << broken;
        EXPECT_EQ(bech32::locate_errors(broken, enc), std::vector<size_t>{pos}) << broken;
        ++valid;
    }
    for (const boost::json::value& v : sec.at("invalid").as_array()) {
        const boost::json::object& o = v.as_object();
        const std::string s = bytes_string(std::string(o.at("hex").as_string()));
        const bech32::DecodeResult r = bech32::decode(s);
        EXPECT_FALSE(r) << name << " invalid " << o.at("string").as_string() << " (" << o.at("reason").as_string()
                        << ")";
        EXPECT_NE(r.error, bech32::Error::NONE);
        ++invalid;
    }
    std::cout << "bech32.json " << name << ": " << valid << " valid, " << invalid << " invalid\n";
    EXPECT_EQ(valid, want_valid);
    EXPECT_EQ(invalid, want_invalid);
}

}  // namespace

TEST(Bech32, Bip173Vectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bech32.json");
    run_section(doc.as_object(), "bech32", Encoding::BECH32, 7, 12);
}

TEST(Bech32, Bip350Vectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bech32.json");
    run_section(doc.as_object(), "bech32m", Encoding::BECH32M, 7, 14);
}

TEST(Bech32, ErrorKinds) {
    using E = bech32::Error;
    EXPECT_EQ(bech32::decode(std::string(91, 'q')).error, E::TOO_LONG);
    // Longer limits are honoured.
    EXPECT_NE(bech32::decode(std::string(91, 'q'), 200).error, E::TOO_LONG);

    bech32::DecodeResult r =
        bech32::decode(std::string("a1\x7f"
                                   "qqqqqqq"));
    EXPECT_EQ(r.error, E::INVALID_CHARACTER);
    EXPECT_EQ(r.error_positions, std::vector<size_t>{2});

    r = bech32::decode("A12UEL5l");
    EXPECT_EQ(r.error, E::MIXED_CASE);
    EXPECT_EQ(r.error_positions, std::vector<size_t>{7});

    EXPECT_EQ(bech32::decode("pzry9x0s0muk").error, E::NO_SEPARATOR);
    EXPECT_EQ(bech32::decode("1pzry9x0s0muk").error, E::EMPTY_HRP);
    EXPECT_EQ(bech32::decode("li1dgmt3").error, E::TOO_SHORT);

    r = bech32::decode("x1b4n0q5v");
    EXPECT_EQ(r.error, E::INVALID_DATA_CHARACTER);
    EXPECT_EQ(r.error_positions, std::vector<size_t>{2});

    EXPECT_EQ(bech32::decode("A1G7SGD8").error, E::BAD_CHECKSUM);
    for (int e = 0; e <= static_cast<int>(E::BAD_CHECKSUM); ++e) {
        EXPECT_STRNE(bech32::error_string(static_cast<E>(e)), "unknown error");
    }
}

TEST(Bech32, VariantsAreDistinct) {
    // Same HRP and data, different checksum constants.
    const std::vector<uint8_t> data = {0, 1, 2, 3, 31};
    const std::string a = bech32::encode(Encoding::BECH32, "abc", data);
    const std::string b = bech32::encode(Encoding::BECH32M, "abc", data);
    EXPECT_NE(a, b);
    EXPECT_EQ(bech32::decode(a).value->encoding, Encoding::BECH32);
    EXPECT_EQ(bech32::decode(b).value->encoding, Encoding::BECH32M);
    EXPECT_EQ(bech32::decode(a).value->data, data);
}

TEST(Bech32, LocatesTwoErrors) {
    // BIP173 segwit example, two data characters substituted.
    const std::string good = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    ASSERT_TRUE(bech32::decode(good));
    std::string bad = good;
    bad[10] = bad[10] == 'x' ? 'y' : 'x';
    bad[30] = bad[30] == 'x' ? 'y' : 'x';
    const bech32::DecodeResult r = bech32::decode(bad);
    EXPECT_EQ(r.error, bech32::Error::BAD_CHECKSUM);
    EXPECT_EQ(r.error_positions, (std::vector<size_t>{10, 30}));
    EXPECT_EQ(bech32::locate_errors(bad, Encoding::BECH32), (std::vector<size_t>{10, 30}));
    // A correct string has nothing to locate.
    EXPECT_TRUE(bech32::locate_errors(good, Encoding::BECH32).empty());
}

TEST(Bech32, ConvertBits) {
    const std::vector<uint8_t> bytes = {0xff, 0x00, 0x81};
    const auto five = bech32::convert_bits(bytes, 8, 5, true);
    ASSERT_TRUE(five);
    EXPECT_EQ(five->size(), 5u);  // 24 bits -> 5 groups (last padded)
    const auto back = bech32::convert_bits(*five, 5, 8, false);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, bytes);
    // Non-zero padding bits are refused.
    std::vector<uint8_t> bad = *five;
    bad.back() |= 1;
    EXPECT_FALSE(bech32::convert_bits(bad, 5, 8, false));
    // A value out of range is refused.
    EXPECT_FALSE(bech32::convert_bits(std::vector<uint8_t>{32}, 5, 8, true));
    // Fewer than five zero padding bits are fine; five or more (a whole group) are not.
    EXPECT_TRUE(bech32::convert_bits(std::vector<uint8_t>{0, 0}, 5, 8, false));
    EXPECT_FALSE(bech32::convert_bits(std::vector<uint8_t>{0, 0, 0}, 5, 8, false));
}
