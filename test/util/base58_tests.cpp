// Base58 / Base58Check: Core's encode/decode vectors plus checksum, whitespace and
// length-limit behaviour.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "test/util/vectors.h"
#include "util/base58.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {
constexpr size_t kNoLimit = 1 << 20;
}  // namespace

TEST(Base58, CoreEncodeDecodeVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "base58_encode_decode.json");
    int count = 0;
    for (const boost::json::value& entry : doc.as_array()) {
        const boost::json::array& pair = entry.as_array();
        ASSERT_EQ(pair.size(), 2u);
        const std::string hex(pair[0].as_string());
        const std::string b58(pair[1].as_string());
        const std::optional<Bytes> bytes = hex_decode(hex);
        ASSERT_TRUE(bytes) << hex;
        EXPECT_EQ(base58_encode(*bytes), b58) << "encode " << hex;
        const std::optional<Bytes> decoded = base58_decode(b58, kNoLimit);
        ASSERT_TRUE(decoded) << "decode " << b58;
        EXPECT_EQ(*decoded, *bytes) << "decode " << b58;
        // The exact length is enough room; one byte less is not (except for "").
        EXPECT_TRUE(base58_decode(b58, bytes->size())) << b58;
        if (!bytes->empty()) { EXPECT_FALSE(base58_decode(b58, bytes->size() - 1)) << b58; }
        ++count;
    }
    std::cout << "base58_encode_decode.json: " << count << " cases\n";
    EXPECT_EQ(count, 21);
}

TEST(Base58, RejectsInvalidCharacters) {
    for (const char* s : {"0", "O", "I", "l", "3mJr0", "3mJrO", "3mJrI", "3mJrl", "abc!", "+"}) {
        EXPECT_FALSE(base58_decode(s, kNoLimit)) << s;
    }
    // NUL anywhere is not part of the alphabet.
    EXPECT_FALSE(base58_decode(std::string_view("3mJr\0", 5), kNoLimit));
    EXPECT_FALSE(base58_decode(std::string_view("\0"
                                                "3mJr",
                                                5),
                               kNoLimit));
    // Non-ASCII bytes.
    EXPECT_FALSE(base58_decode("3m\xc3\xa9", kNoLimit));
}

TEST(Base58, Whitespace) {
    // Leading and trailing whitespace is skipped.
    ASSERT_TRUE(base58_decode("3mJr7AoUXx2Wqd", kNoLimit));
    EXPECT_EQ(base58_decode(" \t\n\v\f\r 3mJr7AoUXx2Wqd \r\f\v\n\t ", kNoLimit),
              base58_decode("3mJr7AoUXx2Wqd", kNoLimit));
    EXPECT_EQ(hex_encode(*base58_decode("  2g  ", kNoLimit)), "61");
    // Whitespace only decodes to nothing.
    EXPECT_EQ(base58_decode(" \t\n ", kNoLimit), Bytes{});
    // Whitespace inside the number is an error.
    EXPECT_FALSE(base58_decode("3mJr 7AoUXx2Wqd", kNoLimit));
    EXPECT_FALSE(base58_decode(" 2g 2g ", kNoLimit));
    EXPECT_FALSE(base58_decode("1 1", kNoLimit));
}

TEST(Base58, LengthLimit) {
    EXPECT_EQ(base58_decode("1111", 4), Bytes(4, 0));
    EXPECT_FALSE(base58_decode("1111", 3));
    EXPECT_FALSE(base58_decode("11112g", 4));
    EXPECT_TRUE(base58_decode("11112g", 5));
    // A huge string is refused early rather than decoded.
    EXPECT_FALSE(base58_decode(std::string(100000, 'z'), 32));
}

TEST(Base58Check, RoundTrip) {
    for (const char* hex : {"", "00", "0000", "00eb15231dfceb60925886b67d065299925915ae", "ff",
                            "80"
                            "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d"
                            "01"}) {
        const Bytes payload = *hex_decode(hex);
        const std::string s = base58check_encode(payload);
        const std::optional<Bytes> back = base58check_decode(s, payload.size());
        ASSERT_TRUE(back) << hex << " -> " << s;
        EXPECT_EQ(*back, payload);
        // Same bytes as base58 of payload || checksum.
        Bytes full = payload;
        const uint256 check = sha256d(payload);
        full.insert(full.end(), check.begin(), check.begin() + 4);
        EXPECT_EQ(s, base58_encode(full));
        if (!payload.empty()) { EXPECT_FALSE(base58check_decode(s, payload.size() - 1)) << hex; }
    }
    // A known mainnet P2PKH address (version 0, hash160 of the genesis pubkey).
    EXPECT_EQ(base58check_encode(*hex_decode("0062e907b15cbf27d5425399ebf6f0fb50ebb88f18")),
              "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    const std::optional<Bytes> addr = base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", 21);
    ASSERT_TRUE(addr);
    EXPECT_EQ(hex_encode(*addr), "0062e907b15cbf27d5425399ebf6f0fb50ebb88f18");
    // Whitespace is handled as for plain base58.
    EXPECT_TRUE(base58check_decode("  1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n", 21));
}

TEST(Base58Check, RejectsCorruption) {
    const std::string good = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
    ASSERT_TRUE(base58check_decode(good, 21));
    // Change the last character: the checksum no longer matches.
    std::string bad = good;
    bad.back() = bad.back() == 'a' ? 'b' : 'a';
    EXPECT_FALSE(base58check_decode(bad, 21));
    // Change a character in the middle.
    bad = good;
    bad[10] = bad[10] == 'Q' ? 'R' : 'Q';
    EXPECT_FALSE(base58check_decode(bad, 21));
    // Valid base58 but a flipped checksum byte.
    Bytes full = *base58_decode(good, 25);
    full.back() ^= 1;
    EXPECT_FALSE(base58check_decode(base58_encode(full), 21));
    // Fewer than 4 bytes cannot carry a checksum.
    EXPECT_FALSE(base58check_decode("", 21));
    EXPECT_FALSE(base58check_decode(base58_encode(*hex_decode("010203")), 21));
    // Invalid characters.
    EXPECT_FALSE(base58check_decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0", 21));
}
