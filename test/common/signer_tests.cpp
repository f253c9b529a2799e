// Signing: BIP341 key-path vectors re-signed with zero aux randomness; ECDSA low-R
// grinding; P2PKH / P2WPKH / P2SH-P2WPKH / P2WSH / P2SH multisig / P2TR key and script
// path spends signed from descriptors and verified with the consensus interpreter; the
// BIP174 signer examples and signer-check failures.
#include <gtest/gtest.h>

#include <iostream>

#include "common/address.h"
#include "common/bip32.h"
#include "common/descriptor.h"
#include "common/signer.h"
#include "consensus/pubkey.h"
#include "consensus/sighash.h"
#include "test/common/psbt_vectors.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;

namespace {

const ChainParams& mainnet() {
    static const ChainParams p = make_chain_params(Network::MAIN);
    return p;
}
const ChainParams& testnet() {
    static const ChainParams p = make_chain_params(Network::TESTNET4);
    return p;
}

SecretKey secret_from_hex(const std::string& hex) {
    const Bytes b = *hex_decode(hex);
    return SecretKey(std::span<const uint8_t, 32>(b.data(), 32));
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

Psbt must_decode(const char* b64) {
    std::string err;
    std::optional<Psbt> p = Psbt::decode_base64(b64, &err);
    EXPECT_TRUE(p) << err;
    return p.value_or(Psbt{});
}

}  // namespace

TEST(Signer, Bip341KeyPathVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "bip341_wallet_vectors.json");
    const boost::json::object& kps = doc.at("keyPathSpending").as_array()[0].as_object();
    const std::optional<Transaction> unsigned_tx =
        Transaction::decode(*hex_decode(str(kps.at("given").at("rawUnsignedTx"))));
    ASSERT_TRUE(unsigned_tx);
    std::vector<TxOut> spent;
    for (const boost::json::value& u : kps.at("given").at("utxosSpent").as_array()) {
        TxOut o;
        o.value = u.at("amountSats").to_number<int64_t>();
        o.script_pubkey = Script(*hex_decode(str(u.at("scriptPubKey"))));
        spent.push_back(o);
    }
    const std::optional<Transaction> fully_signed =
        Transaction::decode(*hex_decode(str(kps.at("auxiliary").at("fullySignedTx"))));
    ASSERT_TRUE(fully_signed);

    int n = 0;
    for (const boost::json::value& v : kps.at("inputSpending").as_array()) {
        const boost::json::object& given = v.at("given").as_object();
        const boost::json::object& inter = v.at("intermediary").as_object();
        const size_t idx = static_cast<size_t>(given.at("txinIndex").to_number<int64_t>());
        const int ht = static_cast<int>(given.at("hashType").to_number<int64_t>());
        const SecretKey internal = secret_from_hex(str(given.at("internalPrivkey")));
        std::optional<uint256> merkle;
        if (!given.at("merkleRoot").is_null()) merkle = uint256(*hex_decode(str(given.at("merkleRoot"))));

        EXPECT_EQ(hex_encode(internal.xonly_pubkey()), str(inter.at("internalPubkey")));
        const std::optional<SecretKey> tweaked = taproot_tweak_secret(internal, merkle);
        ASSERT_TRUE(tweaked);
        EXPECT_EQ(hex_encode(tweaked->bytes()), str(inter.at("tweakedPrivkey")));

        // Sign through the PSBT signer with the taproot data a descriptor would provide.
        KeyStore keys;
        keys.add_key(internal);
        TaprootSpendData data;
        data.internal_key = internal.xonly_pubkey();
        data.merkle_root = merkle;
        std::copy(spent[idx].script_pubkey.bytes().begin() + 2, spent[idx].script_pubkey.bytes().end(),
                  data.output_key.begin());
        keys.add_taproot(data);
        Psbt psbt = Psbt::from_transaction(*unsigned_tx);
        for (size_t k = 0; k < spent.size(); ++k) psbt.inputs[k].witness_utxo = spent[k];
        SignOptions opt;
        opt.hash_type = ht;
        opt.aux_rand = std::array<uint8_t, 32>{};
        std::string err;
        ASSERT_TRUE(sign_psbt_input(psbt, idx, keys, opt, &err)) << err;
        ASSERT_TRUE(psbt.inputs[idx].tap_key_sig) << "input " << idx;
        ASSERT_TRUE(finalize_input(psbt, idx)) << "input " << idx;
        const Witness& w = *psbt.inputs[idx].final_script_witness;
        const boost::json::array& want = v.at("expected").at("witness").as_array();
        ASSERT_EQ(w.size(), want.size());
        EXPECT_EQ(hex_encode(w[0]), str(want[0])) << "input " << idx;
        EXPECT_EQ(w, fully_signed->vin[idx].witness);

        // The signature hash matches the intermediary value.
        const PrecomputedTxData txdata(*unsigned_tx, spent);
        ScriptExecutionData exec;
        const auto h = taproot_signature_hash(exec, *unsigned_tx, static_cast<unsigned>(idx), static_cast<uint8_t>(ht),
                                              SigVersion::TAPROOT, txdata);
        ASSERT_TRUE(h);
        EXPECT_EQ(hex_encode(h->view()), str(inter.at("sigHash")));
        ++n;
    }
    std::cout << "bip341 keyPathSpending: " << n << " inputs re-signed with zero aux, identical\n";
    EXPECT_EQ(n, 7);
}

TEST(Signer, EcdsaLowR) {
    const SecretKey key = secret_from_hex("0101010101010101010101010101010101010101010101010101010101010101");
    const Bytes pub = key.pubkey(true);
    int high_r_without_grinding = 0;
    for (int i = 0; i < 64; ++i) {
        const uint256 h = sha256(Bytes{static_cast<uint8_t>(i)});
        const Bytes sig = sign_ecdsa(key, h);
        ASSERT_FALSE(sig.empty());
        EXPECT_TRUE(verify_ecdsa(pub, sig, h));
        EXPECT_TRUE(is_low_s_der(sig));
        EXPECT_LE(sig.size(), 70u);  // R and S both at most 32 bytes without padding
        EXPECT_LE(sig[3], 32u) << "R length";
        const Bytes plain = sign_ecdsa(key, h, /*grind_low_r=*/false);
        EXPECT_TRUE(verify_ecdsa(pub, plain, h));
        if (plain[3] == 33) ++high_r_without_grinding;
        // Deterministic (RFC6979).
        EXPECT_EQ(sign_ecdsa(key, h), sig);
    }
    EXPECT_GT(high_r_without_grinding, 0);  // about half, so grinding did something
}

TEST(Signer, SchnorrRandomAux) {
    const SecretKey key = secret_from_hex("0202020202020202020202020202020202020202020202020202020202020202");
    const uint256 msg = sha256(Bytes{1, 2, 3});
    const auto a = sign_schnorr(key, msg);
    const auto b = sign_schnorr(key, msg);
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);  // fresh aux randomness each time
    EXPECT_TRUE(verify_schnorr(key.xonly_pubkey(), *a, msg));
    EXPECT_TRUE(verify_schnorr(key.xonly_pubkey(), *b, msg));
}

TEST(Signer, SpendsFromDescriptorsVerify) {
    // One master key; each output type on its own path.
    const auto master = ExtPrivKey::from_seed(Bytes(32, 0x42));
    ASSERT_TRUE(master);
    const std::string xprv = master->to_string(mainnet());
    const std::string other_xpub =
        ExtPrivKey::from_seed(Bytes(32, 0x43))->neuter().to_string(mainnet());  // a cosigner we do not hold
    const std::vector<std::string> descs = {
        "pkh(" + xprv + "/44h/0h/0h/0/*)",
        "wpkh(" + xprv + "/84h/0h/0h/0/*)",
        "sh(wpkh(" + xprv + "/49h/0h/0h/0/*))",
        "tr(" + xprv + "/86h/0h/0h/0/*)",
        "wsh(multi(2," + xprv + "/48h/0h/0h/2h/0/*," + xprv + "/48h/0h/1h/2h/0/*," + other_xpub + "/0/*))",
        "sh(multi(1," + other_xpub + "/1/*," + xprv + "/45h/0/*))",
        "sh(wsh(sortedmulti(1," + xprv + "/1/*," + other_xpub + "/2/*)))",
        "combo(" + xprv + "/7/*)",
        // Script paths: internal key not ours; a pk leaf and a multi_a leaf at depth 1.
        "tr(" + other_xpub + "/9/*,{pk(" + xprv + "/10/*),multi_a(2," + xprv + "/11/*," + other_xpub + "/12/*," + xprv +
            "/13/*)})",
    };
    KeyStore keys;
    Transaction tx;
    tx.version = 2;
    std::vector<TxOut> spent;
    uint8_t n = 0;
    for (const std::string& text : descs) {
        std::string err;
        const auto d = Descriptor::parse(text, mainnet(), &err);
        ASSERT_TRUE(d) << text << ": " << err;
        keys.add_descriptor(*d, 5);
        const auto exp = d->expand(5, &err);
        ASSERT_TRUE(exp) << err;
        for (const ExpandedScript& e : *exp) {
            TxIn in;
            in.prevout.txid = sha256(Bytes{n});
            in.prevout.index = n;
            in.sequence = 0xfffffffd;
            tx.vin.push_back(in);
            TxOut o;
            o.value = 100000 + n;
            o.script_pubkey = e.script_pubkey;
            spent.push_back(o);
            ++n;
        }
    }
    TxOut pay;
    pay.value = 50000;
    pay.script_pubkey = *decode_address("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", mainnet());
    tx.vout.push_back(pay);

    SignOptions opt;
    std::string err;
    ASSERT_TRUE(sign_transaction(tx, spent, keys, opt, &err)) << err;
    EXPECT_TRUE(verify_transaction_scripts(tx, spent, &err)) << err;
    std::cout << "signed and verified " << tx.vin.size() << " inputs of " << descs.size() << " descriptor kinds\n";
    // The script-path spend used a leaf (3 witness items: sig(s)..., script, control block).
    EXPECT_GE(tx.vin.back().witness.size(), 3u);
    // Taproot key path: a single 64-byte signature.
    ASSERT_EQ(tx.vin[3].witness.size(), 1u);
    EXPECT_EQ(tx.vin[3].witness[0].size(), 64u);

    // A changed amount invalidates segwit signatures; a changed output invalidates all.
    std::vector<TxOut> lied = spent;
    lied[1].value += 1;
    EXPECT_FALSE(verify_transaction_scripts(tx, lied, &err));
    EXPECT_NE(err.find("input 1"), std::string::npos) << err;
    Transaction changed = tx;
    changed.vout[0].value -= 1;
    EXPECT_FALSE(verify_transaction_scripts(changed, spent, &err));
    EXPECT_NE(err.find("input 0"), std::string::npos) << err;
    // SIGHASH_SINGLE|ANYONECANPAY on the first input, NONE on P2WPKH: still valid.
    Transaction t2 = tx;
    for (TxIn& in : t2.vin) {
        in.script_sig = Script();
        in.witness.clear();
    }
    SignOptions single;
    single.hash_type = SIGHASH_SINGLE | SIGHASH_ANYONECANPAY;
    ASSERT_TRUE(sign_transaction_input(t2, 0, spent, keys, single, &err)) << err;
    SignOptions none;
    none.hash_type = SIGHASH_NONE;
    ASSERT_TRUE(sign_transaction_input(t2, 1, spent, keys, none, &err)) << err;
    EXPECT_EQ(t2.vin[1].witness[0].back(), SIGHASH_NONE);

    // Without keys nothing is signed and the input stays unchanged.
    Transaction t3 = tx;
    t3.vin[0].script_sig = Script();
    EXPECT_FALSE(sign_transaction_input(t3, 0, spent, KeyStore{}, opt, &err));
    EXPECT_TRUE(t3.vin[0].script_sig.empty());
}

TEST(Signer, Bip174SignerExamples) {
    // The four signing keys, also derived from the BIP's master key.
    const auto master = decode_ext_privkey(
        "tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hD"
        "F",
        testnet());
    ASSERT_TRUE(master);
    const char* wifs1[] = {"cP53pDbR5WtAD8dYAW9hhTjuvvTVaEiQBdrz9XPrgLBeRFiyCbQr",
                           "cR6SXDoyfQrcp4piaiHE97Rsgta9mNhGTen9XeonVgwsh4iSgw6d"};
    const char* wifs2[] = {"cT7J9YpCwY3AVRFSjN6ukeEeWY6mhpbJPxRaDaP5QTdygQRxP9Au",
                           "cNBc3SWUip9PPm1GjRoLEJT6T41iNzCYtD7qro84FMnM5zEqeJsE"};
    const uint32_t paths1[] = {0, 2}, paths2[] = {1, 3};
    KeyStore ks1, ks2;
    for (int k = 0; k < 2; ++k) {
        const auto w1 = decode_wif(wifs1[k], testnet());
        const auto w2 = decode_wif(wifs2[k], testnet());
        ASSERT_TRUE(w1 && w2);
        const auto d1 = master->derive_path({kHardenedBit, kHardenedBit, kHardenedBit | paths1[k]});
        const auto d2 = master->derive_path({kHardenedBit, kHardenedBit, kHardenedBit | paths2[k]});
        EXPECT_EQ(d1->secret.bytes(), w1->secret);
        EXPECT_EQ(d2->secret.bytes(), w2->secret);
        ks1.add_key(SecretKey(w1->secret));
        ks2.add_key(SecretKey(w2->secret));
    }
    // Signer 1: its two signatures have low R on the first RFC6979 attempt, so grinding
    // changes nothing and the result equals the BIP's byte for byte.
    Psbt p1 = must_decode(psbt_vectors::kUpdatedSighashAll);
    std::string err;
    ASSERT_TRUE(sign_psbt_input(p1, 0, ks1, {}, &err)) << err;
    ASSERT_TRUE(sign_psbt_input(p1, 1, ks1, {}, &err)) << err;
    EXPECT_EQ(p1.to_base64(), psbt_vectors::kSigned1);
    // Signer 2: one of its BIP signatures has a high R; ours is ground to low R. The
    // other matches, and the combination still finalizes (checked by the interpreter).
    Psbt p2 = must_decode(psbt_vectors::kUpdatedSighashAll);
    EXPECT_EQ(sign_psbt(p2, ks2, {}, &err), 0u);
    const Psbt want2 = must_decode(psbt_vectors::kSigned2);
    EXPECT_EQ(p2.inputs[1].partial_sigs, want2.inputs[1].partial_sigs);
    ASSERT_EQ(p2.inputs[0].partial_sigs.size(), 1u);
    EXPECT_LE(p2.inputs[0].partial_sigs.begin()->second.size(), 71u);
    auto combined = combine_psbts({p1, p2}, &err);
    ASSERT_TRUE(combined) << err;
    EXPECT_TRUE(finalize_psbt(*combined));
    EXPECT_TRUE(extract_transaction(*combined));
    // A signer refuses a sighash type other than the one the PSBT asks for.
    Psbt p3 = must_decode(psbt_vectors::kUpdatedSighashAll);
    SignOptions none;
    none.hash_type = SIGHASH_NONE;
    EXPECT_FALSE(sign_psbt_input(p3, 0, ks1, none, &err));
    EXPECT_NE(err.find("sighash"), std::string::npos) << err;
}

TEST(Signer, Bip174SignerChecks) {
    KeyStore ks;
    for (const char* wif : {"cP53pDbR5WtAD8dYAW9hhTjuvvTVaEiQBdrz9XPrgLBeRFiyCbQr",
                            "cR6SXDoyfQrcp4piaiHE97Rsgta9mNhGTen9XeonVgwsh4iSgw6d",
                            "cT7J9YpCwY3AVRFSjN6ukeEeWY6mhpbJPxRaDaP5QTdygQRxP9Au",
                            "cNBc3SWUip9PPm1GjRoLEJT6T41iNzCYtD7qro84FMnM5zEqeJsE"}) {
        ks.add_key(SecretKey(decode_wif(wif, testnet())->secret));
    }
    int n = 0;
    for (const char* b64 : psbt_vectors::kBip174SignerFails) {
        Psbt p = must_decode(b64);
        const Psbt before = p;
        std::string first_error;
        bool refused = false;
        for (size_t i = 0; i < p.inputs.size(); ++i) {
            std::string err;
            if (!sign_psbt_input(p, i, ks, {}, &err)) {
                refused = true;
                if (first_error.empty()) first_error = err;
            }
        }
        EXPECT_TRUE(refused) << "case " << n;
        std::cout << "  signer check #" << n << ": " << first_error << "\n";
        ++n;
    }
    std::cout << "BIP174 signer-check cases refused: " << n << "\n";
    EXPECT_EQ(n, 4);
}
