// BIP322 (common/bip322.h verification, wallet/message_signing.h signing) against every
// vector of bip-0322_basic-test-vectors.json and bip-0322_generated-test-vectors.json:
// message hashes and virtual transaction ids, every listed signature verifies (simple,
// full, proof of funds), every error case fails with its expected reason, and the
// wallet's own signatures reproduce the listed ECDSA ones byte for byte (RFC6979) and
// verify for taproot (random BIP340 nonces).
#include <gtest/gtest.h>

#include "common/address.h"
#include "common/bip322.h"
#include "common/taproot.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"
#include "wallet/message_signing.h"

using namespace minicash;
using namespace minicash::wallet;
namespace json = boost::json;

namespace {

const ChainParams& mainnet() {
    static const ChainParams p = make_chain_params(Network::MAIN);
    return p;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

Script script_of(const std::string& address) {
    auto s = decode_address(address, mainnet());
    EXPECT_TRUE(s) << address;
    return s.value_or(Script());
}

std::vector<std::string> signatures(const json::value& v) {
    std::vector<std::string> out;
    for (const json::value& s : v.at("bip322_signatures").as_array()) out.push_back(str(s));
    return out;
}

// The keys (and scripts) of a vector that the wallet's signer needs, or nullopt for the
// types the test does not sign (time locks, P2SH multisig).
std::optional<KeyStore> keys_of(const json::object& v) {
    const std::string type = str(v.at("type"));
    KeyStore keys;
    std::vector<SecretKey> secrets;
    for (const json::value& w : v.at("private_keys").as_array()) {
        auto k = decode_wif(str(w), mainnet());
        EXPECT_TRUE(k);
        secrets.push_back(SecretKey(k->secret));
        keys.add_key(secrets.back());
    }
    const std::string ws = v.contains("witness_script") ? str(v.at("witness_script")) : "";
    if (type == "p2wpkh" || type == "p2pkh") return keys;
    if (type == "p2sh-p2wpkh") {
        Script redeem;
        redeem.push_op(OP_0).push_data(hash160(secrets[0].pubkey(true)));
        keys.add_script(redeem);
        return keys;
    }
    if (type == "p2tr") {
        TaprootBuilder b;
        auto spend = b.finalize(secrets[0].xonly_pubkey());
        EXPECT_TRUE(spend);
        keys.add_taproot(*spend);
        return keys;
    }
    if (type.starts_with("p2wsh-multisig")) {
        keys.add_script(Script(*hex_decode(ws)));
        return keys;
    }
    return std::nullopt;
}

bool is_ecdsa_single_key(const std::string& type) {
    return type == "p2wpkh" || type == "p2pkh" || type == "p2sh-p2wpkh";
}

}  // namespace

TEST(Bip322, BasicVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = test::load_json(dir / "bips/bip-0322_basic-test-vectors.json");
    for (const json::value& t : doc.at("tx_hashes").as_array()) {
        const std::string message = str(t.at("message"));
        EXPECT_EQ(hex_encode(bip322::message_hash(message).view()), str(t.at("message_hash")));
        const Transaction spend = bip322::to_spend(script_of(str(t.at("address"))), message);
        EXPECT_EQ(spend.txid().to_hex(), str(t.at("to_spend_tx_hash")));
        EXPECT_EQ(bip322::to_sign(spend).txid().to_hex(), str(t.at("to_sign_tx_hash")));
    }
    size_t checked = 0;
    for (const json::value& v : doc.at("simple").as_array()) {
        const std::string message = str(v.at("message")), address = str(v.at("address"));
        SCOPED_TRACE(str(v.at("type")) + " '" + message + "'");
        const std::vector<std::string> sigs = signatures(v);
        for (const std::string& s : sigs) {
            const bip322::Result r = bip322::verify(script_of(address), s, message);
            EXPECT_EQ(r.state, bip322::State::kValid) << s << ": " << r.error;
            // Also through the wallet's verifymessage, with and without the "smp" prefix.
            auto c = check_message(address, s, message, mainnet());
            ASSERT_TRUE(c);
            EXPECT_TRUE(c->valid());
            ++checked;
        }
        auto keys = keys_of(v.as_object());
        if (!keys) continue;
        for (bool grind : {true, false}) {
            Bip322SignOptions o;
            o.grind_low_r = grind;
            std::string why;
            auto mine = sign_message_bip322(*keys, script_of(address), message, o, &why);
            ASSERT_TRUE(mine) << why;
            const bip322::Result r = bip322::verify(script_of(address), *mine, message);
            EXPECT_EQ(r.state, bip322::State::kValid) << r.error;
            if (str(v.at("type")) == "p2wpkh") { EXPECT_TRUE(std::count(sigs.begin(), sigs.end(), *mine)) << *mine; }
        }
    }
    EXPECT_EQ(checked, 6u);
    for (const json::value& e : doc.at("error").as_array()) {
        SCOPED_TRACE(str(e.at("description")));
        const bip322::Result r =
            bip322::verify(script_of(str(e.at("address"))), str(e.at("signature")), str(e.at("message")));
        EXPECT_NE(r.state, bip322::State::kValid);
        EXPECT_NE(r.error.find(str(e.at("error_substr"))), std::string::npos) << r.error;
    }
}

TEST(Bip322, GeneratedVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = test::load_json(dir / "bips/bip-0322_generated-test-vectors.json");
    size_t valid = 0, reproduced = 0, signed_ok = 0;
    for (const char* kind : {"simple", "full", "proof_of_funds"}) {
        for (const json::value& v : doc.at(kind).as_array()) {
            const json::object& o = v.as_object();
            const std::string message = str(o.at("message")), address = str(o.at("address")), type = str(o.at("type"));
            SCOPED_TRACE(std::string(kind) + " " + type);
            for (const std::string& s : signatures(v)) {
                const bip322::Result r = bip322::verify(script_of(address), s, message);
                EXPECT_EQ(r.state, bip322::State::kValid) << r.error;
                EXPECT_EQ(r.format, std::string(kind) == "simple" ? bip322::Format::kSimple
                                    : std::string(kind) == "full" ? bip322::Format::kFull
                                                                  : bip322::Format::kProofOfFunds);
                if (o.contains("lock_time")) {
                    EXPECT_EQ(r.locktime, uint32_t(o.at("lock_time").to_number<int64_t>()));
                    EXPECT_EQ(r.sequence, uint32_t(o.at("sequence").to_number<int64_t>()));
                }
                if (std::string(kind) == "proof_of_funds") { EXPECT_GT(r.proven_amount, 0); }
                ++valid;
            }
            if (std::string(kind) == "proof_of_funds") continue;
            auto keys = keys_of(o);
            if (!keys) continue;
            Bip322SignOptions opt;
            opt.format = std::string(kind) == "simple" ? MessageFormat::kSimple : MessageFormat::kFull;
            if (o.contains("tx_version")) {
                opt.version = int32_t(o.at("tx_version").to_number<int64_t>());
                opt.locktime = uint32_t(o.at("lock_time").to_number<int64_t>());
                opt.sequence = uint32_t(o.at("sequence").to_number<int64_t>());
            }
            const std::vector<std::string> sigs = signatures(v);
            bool matched = false;
            for (bool grind : {true, false}) {
                opt.grind_low_r = grind;
                std::string why;
                auto mine = sign_message_bip322(*keys, script_of(address), message, opt, &why);
                ASSERT_TRUE(mine) << why;
                EXPECT_EQ(bip322::verify(script_of(address), *mine, message).state, bip322::State::kValid);
                matched = matched || std::count(sigs.begin(), sigs.end(), *mine);
                ++signed_ok;
            }
            if (is_ecdsa_single_key(type)) {
                EXPECT_TRUE(matched) << "the wallet's ECDSA signature differs from the vector's";
                reproduced += matched;
            }
        }
    }
    EXPECT_EQ(valid, 17u);
    EXPECT_GE(reproduced, 4u);
    EXPECT_GE(signed_ok, 16u);
    size_t errors = 0;
    for (const json::value& e : doc.at("error").as_array()) {
        SCOPED_TRACE(str(e.at("description")));
        const bip322::Result r =
            bip322::verify(script_of(str(e.at("address"))), str(e.at("signature")), str(e.at("message")));
        EXPECT_EQ(r.state, bip322::State::kInvalid);
        EXPECT_NE(r.error.find(str(e.at("error_substr"))), std::string::npos) << r.error;
        ++errors;
    }
    EXPECT_EQ(errors, 28u);
}

TEST(Bip322, FormatsRefusedWhereTheyDoNotFit) {
    auto wif = decode_wif("L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k", mainnet());
    ASSERT_TRUE(wif);
    const SecretKey key(wif->secret);
    KeyStore keys;
    keys.add_key(key);
    Script redeem;
    redeem.push_op(OP_0).push_data(hash160(key.pubkey(true)));
    keys.add_script(redeem);
    Script p2sh;
    p2sh.push_op(OP_HASH160).push_data(hash160(redeem.bytes())).push_op(OP_EQUAL);
    std::string why;
    Bip322SignOptions simple;
    EXPECT_FALSE(sign_message_bip322(keys, p2sh, "hi", simple, &why));
    EXPECT_NE(why.find("full format"), std::string::npos) << why;
    Bip322SignOptions full;
    full.format = MessageFormat::kFull;
    auto sig = sign_message_bip322(keys, p2sh, "hi", full, &why);
    ASSERT_TRUE(sig) << why;
    EXPECT_TRUE(sig->starts_with("ful"));
    EXPECT_EQ(bip322::verify(p2sh, *sig, "hi").state, bip322::State::kValid);
    EXPECT_EQ(bip322::verify(p2sh, *sig, "ho").state, bip322::State::kInvalid);
    // A signature cut short is a base64 (or parsing) error, not a crash.
    EXPECT_NE(bip322::verify(p2sh, sig->substr(0, sig->size() - 7), "hi").error.find("base64"), std::string::npos);
    EXPECT_EQ(default_message_format(p2sh), MessageFormat::kFull);
}
