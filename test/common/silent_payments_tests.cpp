// Silent payments (common/silent_payments.h) against every case of BIP352's
// send_and_receive_test_vectors.json: input key extraction, the sender's outputs (one of
// the listed output sets), the receiver's addresses (labelled ones too), tweak data,
// shared secret, found outputs with their private key tweaks (checked against the
// vectors' signatures), K_max; plus address errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/bech32.h"
#include "common/silent_payments.h"
#include "consensus/pubkey.h"
#include "consensus/serialize.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;

namespace {

std::string str(const json::value& v) { return std::string(v.as_string()); }

Bytes unhex(const json::value& v) { return *hex_decode(str(v)); }

template <size_t N>
std::array<uint8_t, N> arr(const Bytes& b) {
    std::array<uint8_t, N> a{};
    EXPECT_EQ(b.size(), N);
    std::copy_n(b.begin(), std::min(N, b.size()), a.begin());
    return a;
}

std::string hex(std::span<const uint8_t> b) { return hex_encode(ByteView(b.data(), b.size())); }

// A vin object of the vectors: outpoint, scriptSig, serialized witness, prevout script.
struct VectorInput {
    TxIn in;
    Script spent;
    std::optional<SecretKey> key;
};

VectorInput read_input(const json::object& o) {
    VectorInput v;
    v.in.prevout.txid = *uint256::from_hex(str(o.at("txid")));
    v.in.prevout.index = uint32_t(o.at("vout").to_number<int64_t>());
    v.in.script_sig = Script(unhex(o.at("scriptSig")));
    const Bytes wit = unhex(o.at("txinwitness"));
    if (!wit.empty()) {
        Reader r(wit);
        const uint64_t n = r.compact_size();
        for (uint64_t i = 0; i < n; ++i) v.in.witness.push_back(r.var_bytes());
        EXPECT_TRUE(r.ok() && r.empty());
    }
    v.spent = Script(unhex(o.at("prevout").at("scriptPubKey").at("hex")));
    if (o.contains("private_key")) v.key = SecretKey(arr<32>(unhex(o.at("private_key"))));
    return v;
}

Transaction tx_of(const std::vector<VectorInput>& ins) {
    Transaction tx;
    for (const VectorInput& v : ins) tx.vin.push_back(v.in);
    return tx;
}

bool spends_unknown_witness_version(const std::vector<VectorInput>& ins) {
    for (const VectorInput& v : ins) {
        int version = 0;
        Bytes program;
        if (v.spent.is_witness_program(version, program) && version > 1) return true;
    }
    return false;
}

}  // namespace

TEST(SilentPayments, Bip352SendAndReceiveVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = test::load_json(dir / "bips/bip-0352_send_and_receive_test_vectors.json");
    size_t cases = 0, sends = 0, receives = 0;
    for (const json::value& c : doc.as_array()) {
        ++cases;
        const std::string comment = str(c.at("comment"));
        SCOPED_TRACE(comment);
        for (const json::value& s : c.at("sending").as_array()) {
            ++sends;
            const json::object& given = s.at("given").as_object();
            std::vector<VectorInput> ins;
            for (const json::value& v : given.at("vin").as_array()) ins.push_back(read_input(v.as_object()));
            std::vector<sp::SenderInput> keys;
            std::vector<std::string> input_keys;
            for (const VectorInput& v : ins) {
                auto pub = sp::input_public_key(v.in, v.spent);
                if (!pub) continue;
                input_keys.push_back(hex(*pub));
                const bool taproot = v.spent.size() == 34 && v.spent[0] == OP_1;
                keys.push_back(sp::SenderInput{v.in.prevout, *v.key, taproot});
            }
            std::vector<std::string> want_keys;
            for (const json::value& k : s.at("expected").at("input_pub_keys").as_array()) want_keys.push_back(str(k));
            // The vectors list x-only taproot keys with an 02 prefix as well.
            EXPECT_EQ(input_keys, want_keys);
            std::vector<sp::Address> recipients;
            for (const json::value& r : given.at("recipients").as_array()) {
                std::string why;
                auto a = sp::decode_address(str(r.at("address")), Network::MAIN, &why);
                ASSERT_TRUE(a) << why;
                EXPECT_EQ(hex(a->scan), str(r.at("scan_pub_key")));
                EXPECT_EQ(hex(a->spend), str(r.at("spend_pub_key")));
                const int64_t count = r.as_object().contains("count") ? r.at("count").to_number<int64_t>() : 1;
                for (int64_t i = 0; i < count; ++i) recipients.push_back(*a);
            }
            std::set<std::string> got;
            if (!spends_unknown_witness_version(ins)) {
                auto outs = sp::sender_outputs(keys, sp::smallest_outpoint(tx_of(ins)), recipients);
                if (outs)
                    for (const XOnlyPubkey& x : *outs) got.insert(hex(x));
            }
            bool matched = false;
            for (const json::value& set : s.at("expected").at("outputs").as_array()) {
                std::set<std::string> want;
                for (const json::value& x : set.as_array()) want.insert(str(x));
                matched = matched || want == got;
            }
            EXPECT_TRUE(matched) << "got " << got.size() << " outputs, none of the listed sets";
        }
        for (const json::value& r : c.at("receiving").as_array()) {
            ++receives;
            const json::object& given = r.at("given").as_object();
            const json::object& expected = r.at("expected").as_object();
            const SecretKey scan(arr<32>(unhex(given.at("key_material").at("scan_priv_key"))));
            const SecretKey spend(arr<32>(unhex(given.at("key_material").at("spend_priv_key"))));
            const sp::PubKey scan_pub = arr<33>(scan.pubkey(true)), spend_pub = arr<33>(spend.pubkey(true));
            // Addresses: the plain one and one per label.
            std::set<std::string> addresses{sp::encode_address(sp::Address{0, scan_pub, spend_pub}, Network::MAIN)};
            sp::LabelPoints labels;
            for (const json::value& m : given.at("labels").as_array()) {
                const uint32_t label = uint32_t(m.to_number<int64_t>());
                auto b_m = sp::labelled_spend_key(spend_pub, scan, label);
                ASSERT_TRUE(b_m);
                addresses.insert(sp::encode_address(sp::Address{0, scan_pub, *b_m}, Network::MAIN));
                sp::add_label(labels, scan, label);
            }
            std::set<std::string> want_addresses;
            for (const json::value& a : expected.at("addresses").as_array()) want_addresses.insert(str(a));
            EXPECT_EQ(addresses, want_addresses);
            for (const std::string& a : want_addresses) {
                auto decoded = sp::decode_address(a, Network::MAIN);
                ASSERT_TRUE(decoded);
                EXPECT_EQ(sp::encode_address(*decoded, Network::MAIN), a);
            }

            std::vector<VectorInput> ins;
            for (const json::value& v : given.at("vin").as_array()) ins.push_back(read_input(v.as_object()));
            std::vector<sp::PubKey> keys;
            for (const VectorInput& v : ins)
                if (auto k = sp::input_public_key(v.in, v.spent)) keys.push_back(*k);
            std::optional<sp::PubKey> tweak;
            if (!spends_unknown_witness_version(ins)) tweak = sp::tweak_data(keys, sp::smallest_outpoint(tx_of(ins)));
            if (expected.at("tweak").is_null()) {
                EXPECT_FALSE(tweak);
                continue;
            }
            ASSERT_TRUE(tweak);
            EXPECT_EQ(hex(*tweak), str(expected.at("tweak")));
            auto shared = sp::shared_secret(scan, *tweak);
            ASSERT_TRUE(shared);
            EXPECT_EQ(hex(*shared), str(expected.at("shared_secret")));

            std::vector<XOnlyPubkey> outputs;
            for (const json::value& o : given.at("outputs").as_array()) outputs.push_back(arr<32>(unhex(o)));
            const std::vector<sp::FoundOutput> found = sp::scan_outputs(*shared, spend_pub, outputs, labels);
            if (expected.contains("n_outputs")) {
                EXPECT_EQ(found.size(), size_t(expected.at("n_outputs").to_number<int64_t>()));
                continue;
            }
            const json::array& want = expected.at("outputs").as_array();
            ASSERT_EQ(found.size(), want.size());
            for (const sp::FoundOutput& f : found) {
                const std::string key = hex(f.output_key);
                auto it = std::find_if(want.begin(), want.end(),
                                       [&](const json::value& w) { return str(w.at("pub_key")) == key; });
                ASSERT_NE(it, want.end()) << "found an output the vector does not list: " << key;
                auto t = sp::output_tweak(f, scan);
                ASSERT_TRUE(t);
                EXPECT_EQ(hex(std::span(t->begin(), 32)), str(it->at("priv_key_tweak")));
                auto d = sp::output_secret(spend, *t);
                ASSERT_TRUE(d);
                EXPECT_EQ(hex(d->xonly_pubkey()), key);
                // The vector's signature verifies under the output key (message sha256("message")).
                const std::string msg = "message";
                EXPECT_TRUE(verify_schnorr(f.output_key, unhex(it->at("signature")),
                                           sha256(ByteView(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()))));
            }
        }
    }
    EXPECT_EQ(cases, 28u);
    EXPECT_GE(sends, 28u);
    EXPECT_GE(receives, 29u);
}

TEST(SilentPayments, AddressErrorsNameTheProblem) {
    const SecretKey a(arr<32>(Bytes(32, 1))), b(arr<32>(Bytes(32, 2)));
    const sp::Address addr{0, arr<33>(a.pubkey(true)), arr<33>(b.pubkey(true))};
    const std::string regtest = sp::encode_address(addr, Network::REGTEST);
    EXPECT_TRUE(regtest.starts_with("sprt1q"));
    EXPECT_TRUE(sp::encode_address(addr, Network::SIGNET).starts_with("tsp1q"));
    EXPECT_TRUE(sp::encode_address(addr, Network::MAIN).starts_with("sp1q"));
    EXPECT_EQ(sp::decode_address(regtest, Network::REGTEST), addr);
    std::string why;
    EXPECT_FALSE(sp::decode_address(regtest, Network::MAIN, &why));
    EXPECT_NE(why.find("another network"), std::string::npos) << why;
    // Version 31 is refused; version 1 reads the first 66 bytes; v0 must be exactly 66.
    auto with_version = [&](uint8_t v, size_t extra) {
        Bytes payload(addr.scan.begin(), addr.scan.end());
        payload.insert(payload.end(), addr.spend.begin(), addr.spend.end());
        payload.insert(payload.end(), extra, 0);
        std::vector<uint8_t> values{v};
        auto five = bech32::convert_bits(payload, 8, 5, true);
        values.insert(values.end(), five->begin(), five->end());
        return bech32::encode(bech32::Encoding::BECH32M, "sprt", values);
    };
    EXPECT_FALSE(sp::decode_address(with_version(31, 0), Network::REGTEST, &why));
    EXPECT_NE(why.find("version 31"), std::string::npos) << why;
    EXPECT_FALSE(sp::decode_address(with_version(0, 1), Network::REGTEST, &why));
    EXPECT_NE(why.find("version 0"), std::string::npos) << why;
    auto v1 = sp::decode_address(with_version(1, 10), Network::REGTEST, &why);
    ASSERT_TRUE(v1) << why;
    EXPECT_EQ(v1->spend, addr.spend);
    // A flipped character fails the checksum.
    std::string bad = regtest;
    bad[10] = bad[10] == 'q' ? 'p' : 'q';
    EXPECT_FALSE(sp::decode_address(bad, Network::REGTEST, &why));
    EXPECT_NE(why.find("checksum"), std::string::npos) << why;
    EXPECT_TRUE(sp::looks_like_address(regtest));
    EXPECT_FALSE(sp::looks_like_address("bcrt1qxyz"));
}
