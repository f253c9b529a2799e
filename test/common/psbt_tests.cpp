// PSBT (BIP174 + BIP371): the BIPs' invalid and valid vectors, byte-exact round trips,
// and the Creator / Combiner / Finalizer / Extractor examples of BIP174.
#include <gtest/gtest.h>

#include <iostream>

#include "common/base64.h"
#include "common/psbt.h"
#include "test/common/psbt_vectors.h"
#include "util/hex.h"

using namespace minicash;
using namespace psbt_vectors;

namespace {

Psbt must_decode(const char* b64) {
    std::string err;
    std::optional<Psbt> p = Psbt::decode_base64(b64, &err);
    EXPECT_TRUE(p) << err << "\n" << b64;
    return p.value_or(Psbt{});
}

}  // namespace

TEST(Psbt, Base64) {
    EXPECT_EQ(base64_encode(Bytes{}), "");
    EXPECT_EQ(base64_encode(Bytes{'f'}), "Zg==");
    EXPECT_EQ(base64_encode(Bytes{'f', 'o'}), "Zm8=");
    EXPECT_EQ(base64_encode(Bytes{'f', 'o', 'o'}), "Zm9v");
    EXPECT_EQ(base64_decode("Zm9vYg=="), (Bytes{'f', 'o', 'o', 'b'}));
    EXPECT_FALSE(base64_decode("Zm9vYg="));   // length
    EXPECT_FALSE(base64_decode("Zm9vYh=="));  // non-zero padding bits
    EXPECT_FALSE(base64_decode("Zm=vYg=="));  // '=' inside
    EXPECT_FALSE(base64_decode("Zm9v Yg="));  // whitespace
}

TEST(Psbt, Bip174InvalidVectors) {
    int n = 0;
    for (const char* s : kBip174Invalid) {
        std::string err;
        EXPECT_FALSE(Psbt::decode_base64(s, &err)) << "case " << n;
        EXPECT_FALSE(err.empty());
        std::cout << "  invalid #" << n << ": " << err << "\n";
        ++n;
    }
    std::cout << "BIP174 invalid PSBTs rejected: " << n << "\n";
    EXPECT_EQ(n, 19);
}

TEST(Psbt, Bip371InvalidVectors) {
    int n = 0;
    for (const char* s : kBip371Invalid) {
        std::string err;
        EXPECT_FALSE(Psbt::decode_base64(s, &err)) << "case " << n;
        std::cout << "  invalid #" << n << ": " << err << "\n";
        ++n;
    }
    std::cout << "BIP371 invalid PSBTs rejected: " << n << "\n";
    EXPECT_EQ(n, 11);
}

TEST(Psbt, ValidVectorsRoundTrip) {
    int n = 0;
    auto check = [&](const char* s) {
        const Psbt p = must_decode(s);
        EXPECT_EQ(p.to_base64(), s) << "case " << n;
        const std::optional<Psbt> again = Psbt::decode(p.serialize());
        ASSERT_TRUE(again);
        EXPECT_EQ(*again, p);
        ++n;
    };
    for (const char* s : kBip174Valid) check(s);
    for (const char* s : kBip174SignerFails) check(s);
    for (const char* s : kBip371Valid) check(s);
    for (const char* s : {kCreated, kUpdatedSighashAll, kSigned1, kSigned2, kCombined, kFinalized, kUnknownA, kUnknownB,
                          kUnknownCombined}) {
        check(s);
    }
    std::cout << "valid PSBTs parsed and re-serialized byte for byte: " << n << " (BIP174 10 + 4 signer-check + "
              << "9 role examples, BIP371 6)\n";
    EXPECT_EQ(n, 29);
}

TEST(Psbt, Bip174Roles) {
    // Creator.
    const std::optional<Transaction> tx = Transaction::decode(*hex_decode(kCreatorTxHex));
    ASSERT_TRUE(tx);
    EXPECT_EQ(Psbt::from_transaction(*tx).to_base64(), kCreated);

    // Combiner.
    std::string err;
    const std::optional<Psbt> combined = combine_psbts({must_decode(kSigned1), must_decode(kSigned2)}, &err);
    ASSERT_TRUE(combined) << err;
    EXPECT_EQ(combined->to_base64(), kCombined);
    EXPECT_FALSE(combine_psbts({must_decode(kSigned1), must_decode(kUnknownA)}, &err));
    EXPECT_NE(err.find("different transactions"), std::string::npos);

    // Finalizer (signatures are checked by the interpreter on the way).
    Psbt p = must_decode(kCombined);
    EXPECT_TRUE(finalize_psbt(p));
    EXPECT_EQ(p.to_base64(), kFinalized);

    // Extractor.
    const std::optional<Transaction> out = extract_transaction(p, &err);
    ASSERT_TRUE(out) << err;
    EXPECT_EQ(hex_encode(out->serialize()), kExtractedHex);
    EXPECT_FALSE(extract_transaction(must_decode(kCombined), &err));

    // Combining unknown records keeps all of them, ordered by key.
    const std::optional<Psbt> u = combine_psbts({must_decode(kUnknownA), must_decode(kUnknownB)}, &err);
    ASSERT_TRUE(u) << err;
    EXPECT_EQ(u->to_base64(), kUnknownCombined);
}

TEST(Psbt, FinalizerNeedsAllSignatures) {
    // Only one of two signatures for each 2-of-2: nothing can be finalized.
    Psbt p = must_decode(kSigned1);
    EXPECT_FALSE(finalize_input(p, 0));
    EXPECT_FALSE(finalize_input(p, 1));
    EXPECT_EQ(p.to_base64(), kSigned1);  // unchanged
    // A corrupted signature fails the interpreter check.
    Psbt c = must_decode(kCombined);
    Bytes& sig = c.inputs[0].partial_sigs.begin()->second;
    sig[10] ^= 1;
    EXPECT_FALSE(finalize_input(c, 0));
    EXPECT_TRUE(finalize_input(c, 1));
    // A sighash type the signatures do not use blocks finalizing.
    Psbt h = must_decode(kCombined);
    h.inputs[1].sighash_type = 2;
    EXPECT_FALSE(finalize_input(h, 1));
}

TEST(Psbt, Bip371Finalize) {
    // Key path signature: finalizes to a one-item witness.
    Psbt k = must_decode(kBip371Valid[1]);
    ASSERT_TRUE(finalize_input(k, 0));
    ASSERT_TRUE(k.inputs[0].final_script_witness);
    EXPECT_EQ(k.inputs[0].final_script_witness->size(), 1u);
    EXPECT_FALSE(k.inputs[0].tap_key_sig);
    EXPECT_TRUE(k.inputs[0].tap_bip32_derivs.empty());
    EXPECT_TRUE(extract_transaction(k));
    // Script path signatures: the finalizer picks a leaf (signature, script, control block).
    Psbt s = must_decode(kBip371Valid[5]);
    ASSERT_TRUE(finalize_input(s, 0));
    ASSERT_TRUE(s.inputs[0].final_script_witness);
    EXPECT_EQ(s.inputs[0].final_script_witness->size(), 3u);
    // Without signatures nothing happens.
    Psbt none = must_decode(kBip371Valid[3]);
    EXPECT_FALSE(finalize_input(none, 0));
}

TEST(Psbt, Analysis) {
    EXPECT_EQ(analyze_psbt(must_decode(kCreated)).next, PsbtRole::UPDATER);
    EXPECT_EQ(analyze_psbt(must_decode(kUpdatedSighashAll)).next, PsbtRole::SIGNER);
    const PsbtAnalysis c = analyze_psbt(must_decode(kCombined));
    EXPECT_EQ(c.next, PsbtRole::FINALIZER);
    ASSERT_TRUE(c.fee);
    const Psbt p = must_decode(kCombined);
    Amount in = 0, out = 0;
    for (size_t i = 0; i < p.inputs.size(); ++i) in += p.spent_output(i)->value;
    for (const TxOut& o : p.tx.vout) out += o.value;
    EXPECT_EQ(*c.fee, in - out);
    EXPECT_EQ(analyze_psbt(must_decode(kFinalized)).next, PsbtRole::EXTRACTOR);
    EXPECT_STREQ(psbt_role_name(PsbtRole::FINALIZER), "finalizer");
}
