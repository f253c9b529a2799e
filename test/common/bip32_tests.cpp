// BIP32 extended keys: the BIP's test vectors 1-5 (wallet/bip32.json), BIP84 (zprv/zpub,
// P2WPKH) and BIP86 (P2TR key path) derivations, derivation paths.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "common/address.h"
#include "common/bip32.h"
#include "consensus/pubkey.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

const ChainParams& mainnet() {
    static const ChainParams p = make_chain_params(Network::MAIN);
    return p;
}

std::vector<uint32_t> indices_of(const boost::json::array& a) {
    std::vector<uint32_t> out;
    for (const boost::json::value& v : a) out.push_back(static_cast<uint32_t>(v.to_number<uint64_t>()));
    return out;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST(Bip32, ValidVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bip32.json");
    const ExtKeyVersions versions[] = {ext_key_versions(mainnet())};
    int vectors = 0, chains = 0, public_derivations = 0;
    for (const boost::json::value& vec : doc.at("valid").as_array()) {
        const std::optional<Bytes> seed = hex_decode(str(vec.at("seed")));
        ASSERT_TRUE(seed);
        const std::optional<ExtPrivKey> master = ExtPrivKey::from_seed(*seed);
        ASSERT_TRUE(master);
        for (const boost::json::value& ch : vec.at("chains").as_array()) {
            const std::vector<uint32_t> path = indices_of(ch.at("indices").as_array());
            const std::string want_prv = str(ch.at("ext_prv"));
            const std::string want_pub = str(ch.at("ext_pub"));
            // The path string parses to the same indices and formats back.
            const std::optional<std::vector<uint32_t>> parsed = parse_derivation_path(str(ch.at("path")));
            ASSERT_TRUE(parsed) << ch.at("path");
            EXPECT_EQ(*parsed, path);
            EXPECT_EQ(format_derivation_path(path), str(ch.at("path")));

            const std::optional<ExtPrivKey> k = master->derive_path(path);
            ASSERT_TRUE(k);
            EXPECT_EQ(k->to_string(mainnet()), want_prv) << ch.at("path");
            EXPECT_EQ(k->neuter().to_string(mainnet()), want_pub) << ch.at("path");

            // Parse and re-serialize both.
            std::string err;
            const std::optional<DecodedExtKey> dprv = decode_ext_key(want_prv, versions, &err);
            ASSERT_TRUE(dprv) << err;
            ASSERT_TRUE(dprv->is_private());
            EXPECT_EQ(std::get<ExtPrivKey>(dprv->key), *k);
            EXPECT_EQ(std::get<ExtPrivKey>(dprv->key).to_string(mainnet()), want_prv);
            const std::optional<ExtPubKey> dpub = decode_ext_pubkey(want_pub, mainnet(), &err);
            ASSERT_TRUE(dpub) << err;
            EXPECT_EQ(dpub->to_string(mainnet()), want_pub);
            EXPECT_FALSE(decode_ext_pubkey(want_prv, mainnet()));
            EXPECT_FALSE(decode_ext_privkey(want_pub, mainnet()));

            // CKDpub from the parent's xpub gives the same key for a normal last step.
            if (!path.empty() && !(path.back() & kHardenedBit)) {
                std::vector<uint32_t> parent_path(path.begin(), path.end() - 1);
                const ExtPubKey parent = master->derive_path(parent_path)->neuter();
                const std::optional<ExtPubKey> child = parent.derive(path.back());
                ASSERT_TRUE(child);
                EXPECT_EQ(child->to_string(mainnet()), want_pub);
                ++public_derivations;
            }
            if (!path.empty()) {
                // Hardened steps cannot be done from a public key.
                const ExtPubKey pub = k->neuter();
                EXPECT_FALSE(pub.derive(kHardenedBit));
                EXPECT_EQ(k->derive(kHardenedBit + 1)->parent_fingerprint, k->fingerprint());
            }
            ++chains;
        }
        ++vectors;
    }
    std::cout << "bip32.json: " << vectors << " vectors, " << chains << " chains (" << public_derivations
              << " also derived publicly)\n";
    EXPECT_EQ(vectors, 4);
    EXPECT_EQ(chains, 17);
}

TEST(Bip32, InvalidKeys) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bip32.json");
    const ExtKeyVersions versions[] = {ext_key_versions(mainnet()),
                                       ext_key_versions(make_chain_params(Network::TESTNET4))};
    int count = 0;
    for (const boost::json::value& v : doc.at("invalid").as_array()) {
        const std::string key = str(v.at("key"));
        std::string err;
        EXPECT_FALSE(decode_ext_key(key, versions, &err)) << key << " (" << v.at("reason") << ")";
        EXPECT_FALSE(err.empty());
        std::cout << "  rejected (" << v.at("reason").as_string() << "): " << err << "\n";
        ++count;
    }
    std::cout << "bip32.json: " << count << " invalid keys rejected\n";
    EXPECT_EQ(count, 16);
}

TEST(Bip32, Bip84) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bip84.json");
    const ExtKeyVersions z[] = {kZpubVersions};
    std::string err;
    const std::optional<DecodedExtKey> root = decode_ext_key(str(doc.at("root").at("ext_prv")), z, &err);
    ASSERT_TRUE(root) << err;
    const ExtPrivKey& m = std::get<ExtPrivKey>(root->key);
    EXPECT_EQ(m.neuter().to_string(kZpubVersions.pub), str(doc.at("root").at("ext_pub")));
    // zprv is not an xprv.
    EXPECT_FALSE(decode_ext_privkey(str(doc.at("root").at("ext_prv")), mainnet()));

    const std::optional<ExtPrivKey> account = m.derive_path(*parse_derivation_path(str(doc.at("account").at("path"))));
    ASSERT_TRUE(account);
    EXPECT_EQ(account->to_string(kZpubVersions.prv), str(doc.at("account").at("ext_prv")));
    EXPECT_EQ(account->neuter().to_string(kZpubVersions.pub), str(doc.at("account").at("ext_pub")));
    int n = 0;
    for (const boost::json::value& a : doc.at("addresses").as_array()) {
        const std::optional<ExtPrivKey> k = m.derive_path(*parse_derivation_path(str(a.at("path"))));
        ASSERT_TRUE(k);
        EXPECT_EQ(encode_wif(k->secret.span(), true, mainnet()), str(a.at("privkey_wif")));
        const std::array<uint8_t, 33> pk = k->secret.compressed_pubkey();
        EXPECT_EQ(hex_encode(pk), str(a.at("pubkey")));
        EXPECT_EQ(encode_destination(WitnessV0KeyHashDest{hash160(pk)}, mainnet()), str(a.at("address")));
        // The same key from the account xpub (receive/change are normal steps).
        const std::vector<uint32_t> full = *parse_derivation_path(str(a.at("path")));
        const std::optional<ExtPubKey> pub =
            derive_path(account->neuter(), std::vector<uint32_t>(full.end() - 2, full.end()));
        ASSERT_TRUE(pub);
        EXPECT_EQ(pub->pubkey, pk);
        ++n;
    }
    std::cout << "bip84.json: root, account, " << n << " addresses\n";
    EXPECT_EQ(n, 3);
}

TEST(Bip32, Bip86) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "wallet" / "bip86.json");
    std::string err;
    const std::optional<ExtPrivKey> m = decode_ext_privkey(str(doc.at("root").at("ext_prv")), mainnet(), &err);
    ASSERT_TRUE(m) << err;
    EXPECT_EQ(m->neuter().to_string(mainnet()), str(doc.at("root").at("ext_pub")));
    const std::optional<ExtPrivKey> account = m->derive_path(*parse_derivation_path(str(doc.at("account").at("path"))));
    ASSERT_TRUE(account);
    EXPECT_EQ(account->to_string(mainnet()), str(doc.at("account").at("ext_prv")));
    EXPECT_EQ(account->neuter().to_string(mainnet()), str(doc.at("account").at("ext_pub")));
    int n = 0;
    for (const boost::json::value& a : doc.at("addresses").as_array()) {
        const std::optional<ExtPrivKey> k = m->derive_path(*parse_derivation_path(str(a.at("path"))));
        ASSERT_TRUE(k);
        EXPECT_EQ(k->to_string(mainnet()), str(a.at("ext_prv")));
        EXPECT_EQ(k->neuter().to_string(mainnet()), str(a.at("ext_pub")));
        const std::array<uint8_t, 32> internal = k->secret.xonly_pubkey();
        EXPECT_EQ(hex_encode(internal), str(a.at("internal_key")));
        const auto tweaked = taproot_tweak_pubkey(internal, tagged_hash("TapTweak", internal));
        ASSERT_TRUE(tweaked);
        EXPECT_EQ(hex_encode(tweaked->first.view()), str(a.at("output_key")));
        WitnessV1TaprootDest dest;
        std::copy(tweaked->first.begin(), tweaked->first.end(), dest.output_key.begin());
        EXPECT_EQ(hex_encode(script_for_destination(dest).bytes()), str(a.at("scriptPubKey")));
        EXPECT_EQ(encode_destination(dest, mainnet()), str(a.at("address")));
        ++n;
    }
    std::cout << "bip86.json: root, account, " << n << " addresses\n";
    EXPECT_EQ(n, 3);
}

TEST(Bip32, Paths) {
    EXPECT_EQ(parse_derivation_path("m/0'/1h/2'/3"),
              (std::vector<uint32_t>{kHardenedBit, kHardenedBit + 1, kHardenedBit + 2, 3}));
    EXPECT_EQ(parse_derivation_path("0/1"), (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(parse_derivation_path("m"), std::vector<uint32_t>{});
    EXPECT_EQ(parse_derivation_path("m/2147483647'"), std::vector<uint32_t>{0xffffffffu});
    std::string err;
    for (const char* bad : {"m/", "m//1", "m/2147483648", "m/1''", "m/-1", "m/x", "M/1", "m/1H", "m/1/", "m/ 1"}) {
        EXPECT_FALSE(parse_derivation_path(bad, &err)) << bad;
    }
    EXPECT_FALSE(err.empty());
    EXPECT_EQ(format_derivation_path({kHardenedBit + 84, 0}, 'h'), "m/84h/0");
    EXPECT_EQ(format_path_suffix({}), "");
}

TEST(Bip32, SeedLength) {
    EXPECT_FALSE(ExtPrivKey::from_seed(Bytes(15, 1)));
    EXPECT_TRUE(ExtPrivKey::from_seed(Bytes(16, 1)));
    EXPECT_TRUE(ExtPrivKey::from_seed(Bytes(64, 1)));
    EXPECT_FALSE(ExtPrivKey::from_seed(Bytes(65, 1)));
}
