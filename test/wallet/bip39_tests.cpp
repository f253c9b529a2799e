// BIP39: python-mnemonic's English vectors (wallet/bip39.json, passphrase "TREZOR"):
// entropy -> mnemonic -> entropy, mnemonic -> seed -> BIP32 master xprv; the embedded
// word list against wallet/bip39-english.txt; BIP84/86 root keys from their mnemonic.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/bip32.h"
#include "test/util/vectors.h"
#include "util/hex.h"
#include "wallet/bip39.h"

using namespace minicash;

TEST(Bip39, EnglishVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bip39.json");
    const ChainParams main = make_chain_params(Network::MAIN);
    int n = 0;
    for (const boost::json::value& v : doc.at("english").as_array()) {
        const boost::json::array& a = v.as_array();
        ASSERT_EQ(a.size(), 4u);
        const std::string entropy_hex(a[0].as_string()), mnemonic(a[1].as_string()), seed_hex(a[2].as_string()),
            xprv(a[3].as_string());
        const Bytes entropy = *hex_decode(entropy_hex);
        EXPECT_EQ(mnemonic_from_entropy(entropy), mnemonic);
        std::string err;
        const std::optional<Bytes> back = mnemonic_to_entropy(mnemonic, &err);
        ASSERT_TRUE(back) << err;
        EXPECT_EQ(*back, entropy);
        const auto seed = mnemonic_to_seed(mnemonic, "TREZOR", &err);
        ASSERT_TRUE(seed) << err;
        EXPECT_EQ(hex_encode(*seed), seed_hex);
        const std::optional<ExtPrivKey> m = ExtPrivKey::from_seed(*seed);
        ASSERT_TRUE(m);
        EXPECT_EQ(m->to_string(main), xprv);
        ++n;
    }
    std::cout << "bip39.json english: " << n << " cases\n";
    EXPECT_EQ(n, 24);
}

TEST(Bip39, EmbeddedWordListMatchesFile) {
    MINICASH_REQUIRE_VECTORS(dir);
    std::ifstream in(dir / "wallet" / "bip39-english.txt");
    ASSERT_TRUE(in) << "cannot read bip39-english.txt";
    std::string line;
    size_t i = 0;
    const auto list = bip39_english_wordlist();
    while (std::getline(in, line)) {
        ASSERT_LT(i, list.size());
        EXPECT_EQ(line, list[i]) << "index " << i;
        EXPECT_EQ(bip39_word_index(line), i);
        ++i;
    }
    EXPECT_EQ(i, 2048u);
    EXPECT_TRUE(
        std::is_sorted(list.begin(), list.end(), [](const char* a, const char* b) { return std::string_view(a) < b; }));
    std::cout << "bip39-english.txt: " << i << " words equal to the embedded list\n";
}

TEST(Bip39, Bip84And86Roots) {
    MINICASH_REQUIRE_VECTORS(dir);
    const ChainParams main = make_chain_params(Network::MAIN);
    for (const char* file : {"bip84.json", "bip86.json"}) {
        const boost::json::value doc = test::load_json(dir / "wallet" / file);
        std::string err;
        const auto seed = mnemonic_to_seed(std::string(doc.at("mnemonic").as_string()),
                                           std::string(doc.at("passphrase").as_string()), &err);
        ASSERT_TRUE(seed) << err;
        const std::optional<ExtPrivKey> m = ExtPrivKey::from_seed(*seed);
        ASSERT_TRUE(m);
        const std::string want(doc.at("root").at("ext_prv").as_string());
        const std::array<uint8_t, 4> version =
            want.rfind("zprv", 0) == 0 ? kZpubVersions.prv : main.base58.ext_secret_key;
        EXPECT_EQ(m->to_string(version), want) << file;
    }
}

TEST(Bip39, Errors) {
    std::string err;
    EXPECT_FALSE(mnemonic_from_entropy(Bytes(15, 0)));
    EXPECT_FALSE(mnemonic_from_entropy(Bytes(33, 0)));
    EXPECT_FALSE(mnemonic_from_entropy(Bytes(18, 0)));
    const std::string good =
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    EXPECT_TRUE(mnemonic_to_entropy(good));
    // Extra whitespace does not matter.
    EXPECT_EQ(mnemonic_to_seed("  " + good + "\n", "", &err), mnemonic_to_seed(good, "", &err));
    EXPECT_FALSE(mnemonic_to_entropy(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", &err));
    EXPECT_NE(err.find("checksum"), std::string::npos) << err;
    EXPECT_FALSE(mnemonic_to_entropy(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abouts", &err));
    EXPECT_NE(err.find("word 12"), std::string::npos) << err;
    EXPECT_FALSE(mnemonic_to_entropy("abandon about", &err));
    EXPECT_NE(err.find("12, 15, 18, 21 or 24"), std::string::npos) << err;
    EXPECT_FALSE(mnemonic_to_entropy(
        "Abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", &err));
    EXPECT_FALSE(mnemonic_to_seed(good, "p\xc3\xa4ss", &err));
    EXPECT_NE(err.find("non-ASCII"), std::string::npos) << err;
    EXPECT_FALSE(bip39_word_index(""));
    EXPECT_EQ(bip39_word_index("zoo"), 2047);
}
