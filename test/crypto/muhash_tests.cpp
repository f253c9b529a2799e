// MuHash3072 (util/muhash.h): Bitcoin Core's unit-test values and the set properties.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "test/crypto/helpers.h"
#include "util/hash.h"
#include "util/hex.h"
#include "util/muhash.h"

namespace minicash {
namespace {

using test::from_hex;

// Core's FromInt(i): the set holding the 32-byte element {i, 0, ..., 0}.
Bytes element(uint8_t i) {
    Bytes e(32, 0);
    e[0] = i;
    return e;
}
MuHash3072 from_int(uint8_t i) { return MuHash3072(element(i)); }

// The expected values below are Bitcoin Core's, from src/test/crypto_tests.cpp,
// BOOST_AUTO_TEST_CASE(muhash_tests) (the first two also appear in
// test/functional/test_framework/crypto/muhash.py, TestFrameworkMuhash).

TEST(MuHash3072, CoreVectorMultiplyDivide) {
    // acc = FromInt(0); acc *= FromInt(1); acc /= FromInt(2): Core prints the result as a
    // uint256 (GetHex, reversed bytes), which to_hex() matches.
    MuHash3072 acc = from_int(0);
    acc *= from_int(1);
    acc /= from_int(2);
    EXPECT_EQ(acc.finalize().to_hex(), "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863");
}

TEST(MuHash3072, CoreVectorInsertRemove) {
    MuHash3072 acc = from_int(0);
    acc.insert(element(1));
    acc.remove(element(2));
    EXPECT_EQ(acc.finalize().to_hex(), "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863");
}

TEST(MuHash3072, CoreVectorSerialization) {
    // serchk = FromInt(1); serchk *= FromInt(2); serialized as numerator || denominator
    // (Core's `ser_exp`): the product N(1)*N(2) mod P, then 1.
    const std::string ser_exp =
        "1fa093295ea30a6a3acdc7b3f770fa538eff537528e990e2910e40bbcfd7f6696b1256901929094694b56316de342f593303"
        "dd12ac43e06dce1be1ff8301c845beb15468fff0ef002dbf80c29f26e6452bccc91b5cb9437ad410d2a67ea847887fa3c6"
        "a6553309946880fe20db2c73fe0641adbd4e86edfee0d9f8cd0ee1230898873dc13ed8ddcaf045c80faa082774279007a2"
        "253f8922ee3ef361d378a6af3ddaf180b190ac97e556888c36b3d1fb1c85aab9ccd46e3deaeb7b7cf5db067a7e9ff86b65"
        "8cf3acd6662bbcce37232daa753c48b794356c020090c831a8304416e2aa7ad633c0ddb2f11be1be316a81be7f7e472071"
        "c042cb68faef549c221ebff209273638b741aba5a81675c45a5fa92fea4ca821d7a324cb1e1a2ccd3b76c4228ec8066dad"
        "2a5df6e1bd0de45c7dd5de8070bdb46db6c554cf9aefc9b7b2bbf9f75b1864d9f95005314593905c0109b71f703d49944a"
        "e94477b51dac10a816bb6d1c700bafabc8bd86fac8df24be519a2f2836b16392e18036cb13e48c5c" +
        ("01" + std::string(2 * 383, '0'));
    MuHash3072 serchk = from_int(1);
    serchk *= from_int(2);
    const auto ser = serchk.serialize();
    EXPECT_EQ(hex_encode(ser), ser_exp);
    // Deserialization gives back the same set hash.
    const std::optional<MuHash3072> back = MuHash3072::deserialize(ser);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->finalize(), serchk.finalize());
    EXPECT_EQ(back->serialize(), ser);
}

TEST(MuHash3072, CoreVectorOverflow) {
    // A serialized numerator of 2^3072 - 1 (above the modulus) over 1; Core compares
    // HexStr(out), the bytes in order (not reversed).
    const Bytes ss_max = from_hex(std::string(2 * 384, 'f') + "01" + std::string(2 * 383, '0'));
    const std::optional<MuHash3072> overflow = MuHash3072::deserialize(ss_max);
    ASSERT_TRUE(overflow.has_value());
    EXPECT_EQ(hex_encode(overflow->finalize().view()),
              "3a31e6903aff0de9f62f9a9f7f8b861de76ce2cda09822b90014319ae5dc2271");
}

TEST(MuHash3072, DeserializeRefusesBadInput) {
    EXPECT_FALSE(MuHash3072::deserialize(Bytes(767)).has_value());
    EXPECT_FALSE(MuHash3072::deserialize(Bytes(769)).has_value());
    EXPECT_FALSE(MuHash3072::deserialize(Bytes(768, 0)).has_value());  // denominator 0
}

TEST(MuHash3072, OrderDoesNotMatter) {
    // Core's randomized check, with a fixed seed: four operations (insert or remove of
    // one of four elements, as set multiplications) in four different orders agree.
    std::mt19937 rng(20240601);
    for (int iter = 0; iter < 10; ++iter) {
        int table[4];
        for (int& t : table) t = int(rng() & 7);
        uint256 first;
        for (int order = 0; order < 4; ++order) {
            MuHash3072 acc;
            for (int i = 0; i < 4; ++i) {
                const int t = table[i ^ order];
                if (t & 4) acc /= from_int(uint8_t(t & 3));
                else acc *= from_int(uint8_t(t & 3));
            }
            if (order == 0) first = acc.finalize();
            else EXPECT_EQ(acc.finalize(), first);
        }
        // z = x*y / (y*x) is the empty set.
        const MuHash3072 x = from_int(uint8_t(rng() & 15));
        MuHash3072 y = from_int(uint8_t(rng() & 15));
        MuHash3072 z;
        z *= x;
        z *= y;
        y *= x;
        z /= y;
        EXPECT_EQ(z.finalize(), MuHash3072().finalize());
    }
}

TEST(MuHash3072, SetProperties) {
    std::mt19937 rng(7);
    std::vector<Bytes> elements;
    for (int i = 0; i < 40; ++i) {
        Bytes e(1 + rng() % 80);
        for (auto& b : e) b = uint8_t(rng());
        elements.push_back(e);
    }
    // Insert in order vs reversed vs shuffled.
    MuHash3072 forward, backward, shuffled;
    for (const Bytes& e : elements) forward.insert(e);
    for (auto it = elements.rbegin(); it != elements.rend(); ++it) backward.insert(*it);
    std::vector<Bytes> mixed = elements;
    std::shuffle(mixed.begin(), mixed.end(), rng);
    for (const Bytes& e : mixed) shuffled.insert(e);
    EXPECT_EQ(forward.finalize(), backward.finalize());
    EXPECT_EQ(forward.finalize(), shuffled.finalize());
    // Combining two halves equals inserting everything.
    MuHash3072 first_half, second_half;
    for (size_t i = 0; i < elements.size(); ++i) (i < 20 ? first_half : second_half).insert(elements[i]);
    MuHash3072 combined = first_half;
    combined *= second_half;
    EXPECT_EQ(combined.finalize(), forward.finalize());
    // Removing the second half (one by one, or as a set) leaves the first half.
    MuHash3072 removed = forward;
    for (size_t i = 20; i < elements.size(); ++i) removed.remove(elements[i]);
    EXPECT_EQ(removed.finalize(), first_half.finalize());
    MuHash3072 divided = forward;
    divided /= second_half;
    EXPECT_EQ(divided.finalize(), first_half.finalize());
    // Remove before insert: same as never touching the element.
    MuHash3072 early = first_half;
    early.remove(elements[30]);
    early.insert(elements[30]);
    EXPECT_EQ(early.finalize(), first_half.finalize());
    // Removing everything gives the empty set, whose hash is SHA256(LE384(1)).
    for (const Bytes& e : elements) removed.remove(e);
    removed *= second_half;
    EXPECT_EQ(removed.finalize(), MuHash3072().finalize());
    Bytes one(384, 0);
    one[0] = 1;
    EXPECT_EQ(MuHash3072().finalize(), sha256(one));
    // Multiplying a set hash by itself (aliasing) doubles every count; dividing empties it.
    MuHash3072 twice = first_half;
    twice *= twice;
    EXPECT_NE(twice.finalize(), first_half.finalize());
    twice /= twice;
    EXPECT_EQ(twice.finalize(), MuHash3072().finalize());
    // finalize() does not change the object; serialization round trips.
    const uint256 h = forward.finalize();
    EXPECT_EQ(forward.finalize(), h);
    std::optional<MuHash3072> restored = MuHash3072::deserialize(forward.serialize());
    ASSERT_TRUE(restored.has_value());
    EXPECT_EQ(restored->finalize(), h);
    // A restored set hash goes on as the original would.
    restored->remove(elements[3]);
    forward.remove(elements[3]);
    EXPECT_EQ(restored->finalize(), forward.finalize());
    EXPECT_EQ(restored->serialize(), forward.serialize());
}

}  // namespace
}  // namespace minicash
