// Addresses and WIF keys: Core's key_io vectors (core/key_io_valid.json,
// core/key_io_invalid.json), the segwit address vectors of BIP173/BIP350
// (wallet/bech32.json "segwit_addresses") and the error messages.
#include <gtest/gtest.h>

#include <cctype>
#include <iostream>
#include <string>

#include "common/address.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;

namespace {

const ChainParams& params_for(Network n) {
    static const ChainParams main = make_chain_params(Network::MAIN);
    static const ChainParams test4 = make_chain_params(Network::TESTNET4);
    static const ChainParams signet = make_chain_params(Network::SIGNET);
    static const ChainParams regtest = make_chain_params(Network::REGTEST);
    switch (n) {
    case Network::MAIN: return main;
    case Network::TESTNET4: return test4;
    case Network::SIGNET: return signet;
    case Network::REGTEST: return regtest;
    }
    return main;
}

const Network kAllNetworks[] = {Network::MAIN, Network::TESTNET4, Network::SIGNET, Network::REGTEST};

std::string flip_case(std::string s) {
    for (char& c : s) {
        if (std::islower(static_cast<unsigned char>(c))) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        } else if (std::isupper(static_cast<unsigned char>(c))) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return s;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

Script script_from_hex(const std::string& hex) {
    const std::optional<Bytes> b = hex_decode(hex);
    EXPECT_TRUE(b) << hex;
    return Script(b.value_or(Bytes{}));
}

}  // namespace

TEST(KeyIO, CoreValidVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "key_io_valid.json");
    int addresses = 0, keys = 0, case_flips = 0;
    for (const boost::json::value& entry : doc.as_array()) {
        const boost::json::array& e = entry.as_array();
        ASSERT_EQ(e.size(), 3u);
        const std::string str(e[0].as_string());
        const std::string payload(e[1].as_string());
        const boost::json::object& meta = e[2].as_object();
        const std::optional<Network> net = network_from_name(std::string(meta.at("chain").as_string()));
        ASSERT_TRUE(net) << meta.at("chain").as_string();
        const ChainParams& params = params_for(*net);
        const bool is_privkey = meta.at("isPrivkey").as_bool();
        const bool try_case_flip = meta.contains("tryCaseFlip") && meta.at("tryCaseFlip").as_bool();

        if (is_privkey) {
            const bool compressed = meta.at("isCompressed").as_bool();
            std::string err;
            const std::optional<WifKey> key = decode_wif(str, params, &err);
            ASSERT_TRUE(key) << str << ": " << err;
            EXPECT_EQ(hex_encode(key->secret), payload) << str;
            EXPECT_EQ(key->compressed, compressed) << str;
            EXPECT_EQ(encode_wif(key->secret, compressed, params), str);
            // A key is never an address, on any network.
            for (Network n : kAllNetworks) EXPECT_FALSE(decode_address(str, params_for(n))) << str;
            ++keys;
        } else {
            const Script want = script_from_hex(payload);
            std::string err;
            const std::optional<Script> got = decode_address(str, params, &err);
            ASSERT_TRUE(got) << str << ": " << err;
            EXPECT_EQ(hex_encode(got->bytes()), payload) << str;
            const std::optional<std::string> enc = encode_address(want, params);
            ASSERT_TRUE(enc) << payload;
            EXPECT_EQ(*enc, str);
            const std::optional<Script> flipped = decode_address(flip_case(str), params);
            if (try_case_flip) {
                ASSERT_TRUE(flipped) << flip_case(str);
                EXPECT_EQ(*flipped, want);
                ++case_flips;
            } else {
                EXPECT_FALSE(flipped) << flip_case(str);
            }
            EXPECT_FALSE(decode_wif(str, params)) << str;
            ++addresses;
        }
    }
    std::cout << "key_io_valid.json: " << addresses << " addresses (" << case_flips << " case-flipped), " << keys
              << " WIF keys\n";
    EXPECT_EQ(addresses, 54);
    EXPECT_EQ(keys, 16);
}

TEST(KeyIO, CoreInvalidVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "key_io_invalid.json");
    int count = 0;
    for (const boost::json::value& entry : doc.as_array()) {
        const boost::json::array& e = entry.as_array();
        ASSERT_EQ(e.size(), 1u);
        const std::string str(e[0].as_string());
        for (Network n : kAllNetworks) {
            std::string err;
            EXPECT_FALSE(decode_address(str, params_for(n), &err)) << str << " on " << network_name(n);
            EXPECT_FALSE(err.empty()) << str;
            EXPECT_FALSE(decode_wif(str, params_for(n), &err)) << str << " on " << network_name(n);
        }
        ++count;
    }
    std::cout << "key_io_invalid.json: " << count << " strings rejected on 4 networks\n";
    EXPECT_EQ(count, 70);
}

TEST(KeyIO, SegwitAddressVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bech32.json");
    const boost::json::object& sec = doc.at("segwit_addresses").as_object();
    const ChainParams& main = params_for(Network::MAIN);
    const ChainParams& test = params_for(Network::TESTNET4);
    int valid = 0, invalid = 0;
    for (const boost::json::value& v : sec.at("valid").as_array()) {
        const boost::json::object& o = v.as_object();
        const std::string addr(o.at("address").as_string());
        const ChainParams& params = o.at("hrp").as_string() == "bc" ? main : test;
        std::string err;
        const std::optional<Script> s = decode_address(addr, params, &err);
        ASSERT_TRUE(s) << addr << ": " << err;
        EXPECT_EQ(hex_encode(s->bytes()), std::string(o.at("scriptPubKey").as_string())) << addr;
        const std::optional<std::string> enc = encode_address(*s, params);
        ASSERT_TRUE(enc);
        EXPECT_EQ(*enc, lower(addr));
        // The other network refuses it.
        EXPECT_FALSE(decode_address(addr, &params == &main ? test : main));
        ++valid;
    }
    for (const boost::json::value& v : sec.at("invalid").as_array()) {
        const boost::json::object& o = v.as_object();
        const std::string addr(o.at("address").as_string());
        for (const ChainParams* p : {&main, &test}) {
            std::string err;
            EXPECT_FALSE(decode_address(addr, *p, &err)) << addr << " (" << o.at("reason").as_string() << ")";
            EXPECT_FALSE(err.empty());
        }
        ++invalid;
    }
    std::cout << "bech32.json segwit_addresses: " << valid << " valid, " << invalid << " invalid\n";
    EXPECT_EQ(valid, 8);
    EXPECT_EQ(invalid, 26);
}

TEST(KeyIO, ErrorMessages) {
    const ChainParams& main = params_for(Network::MAIN);
    const ChainParams& test = params_for(Network::TESTNET4);
    auto error_of = [](const std::string& a, const ChainParams& p) {
        AddressError err;
        EXPECT_FALSE(decode_address(a, p, err)) << a;
        return err;
    };
    auto contains = [](const std::string& hay, const std::string& needle) {
        return hay.find(needle) != std::string::npos;
    };
    EXPECT_TRUE(contains(error_of("", main).message, "empty"));
    // Wrong network: segwit HRP and Base58 version byte.
    EXPECT_TRUE(contains(error_of("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", main).message, "another network"));
    EXPECT_TRUE(contains(error_of("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", test).message, "expected 'tb'"));
    EXPECT_TRUE(contains(error_of("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo", test).message, "another network"));
    // Checksum variant mismatch, both ways.
    EXPECT_TRUE(contains(error_of("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", main).message,
                         "must use the bech32m checksum"));
    EXPECT_TRUE(
        contains(error_of("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", main).message, "must use the bech32 checksum"));
    // Lengths and versions.
    EXPECT_TRUE(contains(error_of("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", main).message, "version 0"));
    EXPECT_TRUE(contains(error_of("bc1pw5dgrnzv", main).message, "1 bytes"));
    EXPECT_TRUE(contains(error_of("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", main).message,
                         "witness version 17"));
    EXPECT_TRUE(contains(error_of("bc1gmk9yu", main).message, "empty"));
    EXPECT_TRUE(contains(error_of("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", main).message,
                         "padding"));
    EXPECT_TRUE(
        contains(error_of("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", test).message, "padding"));
    // BIP173 once accepted v2 with a bech32 checksum; BIP350 does not.
    EXPECT_TRUE(contains(error_of("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", main).message, "bech32m"));
    // Mixed case and bad characters.
    const AddressError mixed = error_of("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", test);
    EXPECT_TRUE(contains(mixed.message, "mixed"));
    EXPECT_EQ(mixed.positions, std::vector<size_t>{58});
    const AddressError badchar = error_of("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", main);
    EXPECT_TRUE(contains(badchar.message, "invalid character"));
    EXPECT_EQ(badchar.positions, std::vector<size_t>{59});
    // Bad checksum, with the substituted character located.
    const AddressError cs = error_of("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", main);
    EXPECT_EQ(cs.message, "invalid bech32 checksum");
    EXPECT_EQ(cs.positions, std::vector<size_t>{41});
    EXPECT_TRUE(contains(error_of("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mp", main).message, "Base58Check checksum"));
    EXPECT_TRUE(contains(error_of("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2m0", main).message, "invalid character"));
    // A valid WIF key is not an address.
    EXPECT_TRUE(contains(error_of("5Kd3NBUAdUnhyzenEwVLy9pBKxSwXvE9FMPyR4UKZvpe6E3AgLr", main).message, "length"));
}

TEST(KeyIO, NoAddressScripts) {
    const ChainParams& main = params_for(Network::MAIN);
    EXPECT_FALSE(encode_address(Script(), main));
    EXPECT_FALSE(encode_address(script_from_hex("6a0401020304"), main));  // OP_RETURN
    // P2PK
    EXPECT_FALSE(encode_address(
        script_from_hex("210279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798ac"), main));
    // v0 program of a length other than 20/32.
    EXPECT_FALSE(encode_address(script_from_hex("0003010203"), main));
    // v1 with 2 bytes and v16 with 40 bytes do have addresses.
    EXPECT_TRUE(encode_address(script_from_hex("5102abcd"), main));
    EXPECT_TRUE(encode_address(script_from_hex("6028" + std::string(80, 'a')), main));
    // Round trip through the destination type.
    const Script p2tr = script_from_hex("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    const std::optional<Destination> d = extract_destination(p2tr);
    ASSERT_TRUE(d);
    EXPECT_TRUE(std::holds_alternative<WitnessV1TaprootDest>(*d));
    EXPECT_EQ(script_for_destination(*d), p2tr);
}

TEST(KeyIO, WifErrors) {
    const ChainParams& main = params_for(Network::MAIN);
    const ChainParams& test = params_for(Network::TESTNET4);
    std::array<uint8_t, 32> secret{};
    secret[31] = 1;
    const std::string wif = encode_wif(secret, true, main);
    std::string err;
    ASSERT_TRUE(decode_wif(wif, main, &err)) << err;
    EXPECT_FALSE(decode_wif(wif, test, &err));
    EXPECT_NE(err.find("another network"), std::string::npos) << err;
    // The curve order n is not a valid secret.
    const std::optional<Bytes> n = hex_decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    std::copy(n->begin(), n->end(), secret.begin());
    EXPECT_FALSE(decode_wif(encode_wif(secret, false, main), main, &err));
    EXPECT_NE(err.find("curve order"), std::string::npos) << err;
}
