// Signature hashes: Core's legacy sighash vectors, BIP341's wallet vectors (aggregates,
// sighashes, signatures, output keys, control blocks), and every single-key signature
// of the regtest chain checked directly through TransactionSignatureChecker.
#include <gtest/gtest.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "consensus/interpreter.h"
#include "consensus/params.h"
#include "consensus/pubkey.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

Bytes unhex(std::string_view s) {
    std::optional<Bytes> b = hex_decode(s);
    if (!b) throw std::runtime_error("bad hex in test data: " + std::string(s));
    return *b;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

uint256 u256_natural(std::string_view s) { return uint256(unhex(s)); }  // hex in byte order

std::string hex(const uint256& h) { return hex_encode(h.view()); }

// A signing context, for tests only (consensus code never signs).
struct SignContext {
    secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    ~SignContext() { secp256k1_context_destroy(ctx); }
};

// The TapTweak of an internal key, committing to a script tree root when there is one.
uint256 taptweak(ByteView internal, const std::optional<uint256>& merkle_root) {
    HashWriter w = HashWriter::tagged("TapTweak");
    w.write(internal);
    if (merkle_root) w.write_hash(*merkle_root);
    return w.sha256();
}

}  // namespace

// ---------------------------------------------------------------------------------
// core/sighash.json: original (pre-segwit) signature hash.

TEST(Sighash, CoreLegacyVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "sighash.json");
    int count = 0;
    for (const boost::json::value& entry : doc.as_array()) {
        const boost::json::array& t = entry.as_array();
        if (t.size() == 1) continue;  // comment
        ASSERT_EQ(t.size(), 5u);
        std::string err;
        const std::optional<Transaction> tx = Transaction::decode(unhex(str(t[0])), &err);
        ASSERT_TRUE(tx) << err << " in " << str(t[0]);
        const Script script_code(unhex(str(t[1])));
        const unsigned n_in = unsigned(t[2].as_int64());
        const int32_t hash_type = int32_t(t[3].as_int64());
        const std::optional<uint256> expected = uint256::from_hex(str(t[4]));
        ASSERT_TRUE(expected);
        EXPECT_EQ(legacy_signature_hash(script_code, *tx, n_in, hash_type), *expected)
            << "case " << count << ": " << str(t[0]) << " " << str(t[1]) << " " << n_in << " " << hash_type;
        ++count;
    }
    EXPECT_EQ(count, 500);
    std::cout << "sighash.json: " << count << " cases\n";
}

TEST(Sighash, LegacyOneForMissingInputOrSingleOutput) {
    Transaction tx;
    tx.vin.resize(2);
    tx.vout.resize(1);
    tx.vout[0].value = 5;
    uint256 one;
    one.data()[0] = 1;
    EXPECT_EQ(legacy_signature_hash(Script(), tx, 2, SIGHASH_ALL), one);
    EXPECT_EQ(legacy_signature_hash(Script(), tx, 1, SIGHASH_SINGLE), one);
    EXPECT_EQ(legacy_signature_hash(Script(), tx, 1, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY), one);
    EXPECT_NE(legacy_signature_hash(Script(), tx, 0, SIGHASH_SINGLE), one);
    EXPECT_NE(legacy_signature_hash(Script(), tx, 1, SIGHASH_ALL), one);
}

TEST(Sighash, LegacyRemovesCodeSeparatorsOnlyAtOpBoundaries) {
    Transaction tx;
    tx.vin.resize(1);
    tx.vout.resize(1);
    tx.vout[0].value = 1;
    // 0xab inside a push is data, not a separator.
    const Script with_sep(Bytes{OP_CODESEPARATOR, 0x01, OP_CODESEPARATOR, OP_CODESEPARATOR, OP_DUP});
    const Script without_sep(Bytes{0x01, OP_CODESEPARATOR, OP_DUP});
    EXPECT_EQ(legacy_signature_hash(with_sep, tx, 0, SIGHASH_ALL),
              legacy_signature_hash(without_sep, tx, 0, SIGHASH_ALL));
    // After a malformed push, the remaining bytes are kept verbatim.
    const Script truncated(Bytes{OP_CODESEPARATOR, OP_PUSHDATA1, 0x05, OP_CODESEPARATOR});
    const Script truncated_stripped(Bytes{OP_PUSHDATA1, 0x05, OP_CODESEPARATOR});
    EXPECT_EQ(legacy_signature_hash(truncated, tx, 0, SIGHASH_ALL),
              legacy_signature_hash(truncated_stripped, tx, 0, SIGHASH_ALL));
}

// The precomputed BIP143 aggregates give the same hashes as computing them per call.
TEST(Sighash, WitnessV0CacheMatchesUncached) {
    Transaction tx;
    tx.version = 1;
    tx.locktime = 17;
    for (int i = 0; i < 3; ++i) {
        TxIn in;
        in.prevout.txid.data()[0] = uint8_t(i + 1);
        in.prevout.index = uint32_t(i);
        in.sequence = 0xfffffff0u + uint32_t(i);
        in.witness.push_back(Bytes{1});
        tx.vin.push_back(in);
    }
    for (int i = 0; i < 2; ++i) {
        TxOut out;
        out.value = 1000 * (i + 1);
        out.script_pubkey = Script(Bytes{OP_1, uint8_t(i)});
        tx.vout.push_back(out);
    }
    const PrecomputedTxData txdata(tx, {});
    ASSERT_TRUE(txdata.bip143_ready);
    EXPECT_FALSE(txdata.bip341_ready);
    const Script code(Bytes{OP_DUP, OP_CODESEPARATOR, OP_CHECKSIG});
    for (unsigned n = 0; n < 3; ++n) {
        for (int32_t ht : {1, 2, 3, 0x81, 0x82, 0x83, 0, 4, 0x41}) {
            EXPECT_EQ(witness_v0_signature_hash(code, tx, n, ht, 5000, &txdata),
                      witness_v0_signature_hash(code, tx, n, ht, 5000, nullptr))
                << n << " " << ht;
        }
    }
    // The amount and the hash type are committed to.
    EXPECT_NE(witness_v0_signature_hash(code, tx, 0, 1, 5000, &txdata),
              witness_v0_signature_hash(code, tx, 0, 1, 5001, &txdata));
    EXPECT_NE(witness_v0_signature_hash(code, tx, 0, 1, 5000, &txdata),
              witness_v0_signature_hash(code, tx, 0, 0x101, 5000, &txdata));
}

TEST(Sighash, TaprootRejectsBadHashTypesAndMissingData) {
    Transaction tx;
    tx.vin.resize(2);
    tx.vout.resize(1);
    tx.vout[0].value = 1;
    std::vector<TxOut> spent(2);
    for (TxOut& o : spent) o.value = 7;
    const PrecomputedTxData txdata(tx, spent);
    ASSERT_TRUE(txdata.bip341_ready);
    ScriptExecutionData ex;
    ex.annex_init = true;
    for (int ht = 0; ht < 256; ++ht) {
        const bool valid = ht <= 3 || (ht >= 0x81 && ht <= 0x83);
        EXPECT_EQ(taproot_signature_hash(ex, tx, 0, uint8_t(ht), SigVersion::TAPROOT, txdata).has_value(), valid) << ht;
    }
    // SINGLE needs an output at the input's index.
    EXPECT_FALSE(taproot_signature_hash(ex, tx, 1, SIGHASH_SINGLE, SigVersion::TAPROOT, txdata));
    EXPECT_FALSE(taproot_signature_hash(ex, tx, 1, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY, SigVersion::TAPROOT, txdata));
    EXPECT_TRUE(taproot_signature_hash(ex, tx, 1, SIGHASH_NONE, SigVersion::TAPROOT, txdata));
    // DEFAULT and ALL commit to the same data but differ in the hash type byte.
    EXPECT_NE(*taproot_signature_hash(ex, tx, 0, 0, SigVersion::TAPROOT, txdata),
              *taproot_signature_hash(ex, tx, 0, 1, SigVersion::TAPROOT, txdata));
    // Without the spent outputs no hash can be made.
    const PrecomputedTxData no_spent(tx, {}, true);
    EXPECT_FALSE(no_spent.bip341_ready);
    EXPECT_FALSE(taproot_signature_hash(ex, tx, 0, 0, SigVersion::TAPROOT, no_spent));
    // Tapscript hashes commit to the leaf and the code separator position.
    ScriptExecutionData leaf = ex;
    leaf.tapleaf_hash_init = true;
    leaf.codeseparator_pos_init = true;
    const auto h1 = taproot_signature_hash(leaf, tx, 0, 0, SigVersion::TAPSCRIPT, txdata);
    leaf.codeseparator_pos = 3;
    const auto h2 = taproot_signature_hash(leaf, tx, 0, 0, SigVersion::TAPSCRIPT, txdata);
    ASSERT_TRUE(h1 && h2);
    EXPECT_NE(*h1, *h2);
    EXPECT_NE(*h1, *taproot_signature_hash(ex, tx, 0, 0, SigVersion::TAPROOT, txdata));
    // The annex is committed to.
    ScriptExecutionData with_annex = ex;
    with_annex.annex_present = true;
    EXPECT_NE(*taproot_signature_hash(with_annex, tx, 0, 0, SigVersion::TAPROOT, txdata),
              *taproot_signature_hash(ex, tx, 0, 0, SigVersion::TAPROOT, txdata));
}

// ---------------------------------------------------------------------------------
// core/bip341_wallet_vectors.json

namespace {

// Walks a BIP341 script tree (leaf object or 2-element array) and returns its root,
// recording each leaf's hash by id.
uint256 tree_root(const boost::json::value& node, std::map<int64_t, uint256>& leaf_hashes,
                  std::map<int64_t, uint8_t>& leaf_versions) {
    if (node.is_array()) {
        const boost::json::array& branch = node.as_array();
        if (branch.size() != 2) throw std::runtime_error("script tree branch must have 2 children");
        return tapbranch_hash(tree_root(branch[0], leaf_hashes, leaf_versions),
                              tree_root(branch[1], leaf_hashes, leaf_versions));
    }
    const boost::json::object& leaf = node.as_object();
    const int64_t id = leaf.at("id").as_int64();
    const uint8_t version = uint8_t(leaf.at("leafVersion").as_int64());
    const uint256 h = tapleaf_hash(version, Script(unhex(str(leaf.at("script")))));
    leaf_hashes[id] = h;
    leaf_versions[id] = version;
    return h;
}

}  // namespace

TEST(Bip341, ScriptPubKeyVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "bip341_wallet_vectors.json");
    int count = 0, control_blocks = 0;
    for (const boost::json::value& v : doc.at("scriptPubKey").as_array()) {
        const boost::json::object& given = v.at("given").as_object();
        const boost::json::object& inter = v.at("intermediary").as_object();
        const boost::json::object& expected = v.at("expected").as_object();
        const Bytes internal = unhex(str(given.at("internalPubkey")));

        std::map<int64_t, uint256> leaf_hashes;
        std::map<int64_t, uint8_t> leaf_versions;
        std::optional<uint256> root;
        if (!given.at("scriptTree").is_null()) root = tree_root(given.at("scriptTree"), leaf_hashes, leaf_versions);
        if (inter.at("merkleRoot").is_null()) {
            EXPECT_FALSE(root);
        } else {
            ASSERT_TRUE(root);
            EXPECT_EQ(hex(*root), str(inter.at("merkleRoot")));
        }
        if (const auto* lh = inter.if_contains("leafHashes")) {
            const boost::json::array& arr = lh->as_array();
            ASSERT_EQ(arr.size(), leaf_hashes.size());
            for (size_t i = 0; i < arr.size(); ++i) EXPECT_EQ(hex(leaf_hashes.at(int64_t(i))), str(arr[i]));
        }

        const uint256 tweak = taptweak(internal, root);
        EXPECT_EQ(hex(tweak), str(inter.at("tweak")));
        const auto tweaked = taproot_tweak_pubkey(internal, tweak);
        ASSERT_TRUE(tweaked);
        EXPECT_EQ(hex(tweaked->first), str(inter.at("tweakedPubkey")));
        EXPECT_EQ("5120" + hex(tweaked->first), str(expected.at("scriptPubKey")));
        EXPECT_TRUE(check_taproot_tweak(internal, tweaked->first.view(), tweaked->second, tweak));
        EXPECT_FALSE(check_taproot_tweak(internal, tweaked->first.view(), !tweaked->second, tweak));

        if (const auto* cbs = expected.if_contains("scriptPathControlBlocks")) {
            const boost::json::array& arr = cbs->as_array();
            for (size_t i = 0; i < arr.size(); ++i) {
                const Bytes cb = unhex(str(arr[i]));
                ASSERT_GE(cb.size(), kTaprootControlBaseSize);
                ASSERT_EQ((cb.size() - kTaprootControlBaseSize) % kTaprootControlNodeSize, 0u);
                EXPECT_EQ(cb[0], uint8_t(leaf_versions.at(int64_t(i)) | (tweaked->second ? 1 : 0)));
                EXPECT_EQ(Bytes(cb.begin() + 1, cb.begin() + 33), internal);
                EXPECT_EQ(taproot_merkle_root(cb, leaf_hashes.at(int64_t(i))), *root);
                ++control_blocks;
            }
        }
        ++count;
    }
    EXPECT_EQ(count, 7);
    std::cout << "bip341_wallet_vectors.json scriptPubKey: " << count << " cases, " << control_blocks
              << " control blocks\n";
}

TEST(Bip341, KeyPathSpendingVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const boost::json::value doc = test::load_json(dir / "core" / "bip341_wallet_vectors.json");
    SignContext sc;
    int inputs = 0;
    for (const boost::json::value& v : doc.at("keyPathSpending").as_array()) {
        const boost::json::object& given = v.at("given").as_object();
        const boost::json::object& inter = v.at("intermediary").as_object();
        const std::optional<Transaction> tx = Transaction::decode(unhex(str(given.at("rawUnsignedTx"))));
        ASSERT_TRUE(tx);
        std::vector<TxOut> spent;
        for (const boost::json::value& u : given.at("utxosSpent").as_array()) {
            TxOut out;
            out.value = u.at("amountSats").as_int64();
            out.script_pubkey = Script(unhex(str(u.at("scriptPubKey"))));
            spent.push_back(out);
        }
        ASSERT_EQ(spent.size(), tx->vin.size());

        // The unsigned transaction has no witness: BIP341 data is still computed
        // because every spent output is known.
        const PrecomputedTxData txdata(*tx, spent);
        ASSERT_TRUE(txdata.bip341_ready);
        EXPECT_EQ(hex(txdata.prevouts_single_hash), str(inter.at("hashPrevouts")));
        EXPECT_EQ(hex(txdata.spent_amounts_single_hash), str(inter.at("hashAmounts")));
        EXPECT_EQ(hex(txdata.spent_scripts_single_hash), str(inter.at("hashScriptPubkeys")));
        EXPECT_EQ(hex(txdata.sequences_single_hash), str(inter.at("hashSequences")));
        EXPECT_EQ(hex(txdata.outputs_single_hash), str(inter.at("hashOutputs")));
        const PrecomputedTxData forced(*tx, spent, true);
        EXPECT_TRUE(forced.bip143_ready);
        EXPECT_EQ(forced.hash_prevouts, sha256(txdata.prevouts_single_hash.view()));

        Transaction signed_tx = *tx;
        for (const boost::json::value& in : v.at("inputSpending").as_array()) {
            const boost::json::object& ig = in.at("given").as_object();
            const boost::json::object& ii = in.at("intermediary").as_object();
            const unsigned n_in = unsigned(ig.at("txinIndex").as_int64());
            const uint8_t hash_type = uint8_t(ig.at("hashType").as_int64());
            const Bytes priv = unhex(str(ig.at("internalPrivkey")));
            std::optional<uint256> root;
            if (!ig.at("merkleRoot").is_null()) root = u256_natural(str(ig.at("merkleRoot")));

            secp256k1_keypair kp;
            ASSERT_TRUE(secp256k1_keypair_create(sc.ctx, &kp, priv.data()));
            secp256k1_xonly_pubkey xpk;
            ASSERT_TRUE(secp256k1_keypair_xonly_pub(sc.ctx, &xpk, nullptr, &kp));
            uint256 internal;
            ASSERT_TRUE(secp256k1_xonly_pubkey_serialize(sc.ctx, internal.data(), &xpk));
            EXPECT_EQ(hex(internal), str(ii.at("internalPubkey")));

            const uint256 tweak = taptweak(internal.view(), root);
            EXPECT_EQ(hex(tweak), str(ii.at("tweak")));
            ASSERT_TRUE(secp256k1_keypair_xonly_tweak_add(sc.ctx, &kp, tweak.data()));
            uint256 tweaked_priv;
            ASSERT_TRUE(secp256k1_keypair_sec(sc.ctx, tweaked_priv.data(), &kp));
            EXPECT_EQ(hex(tweaked_priv), str(ii.at("tweakedPrivkey")));
            // The output key the spent script commits to is internal + tweak*G.
            const Bytes& spk = spent[n_in].script_pubkey.bytes();
            ASSERT_EQ(spk.size(), 34u);
            const auto tweaked_pub = taproot_tweak_pubkey(internal.view(), tweak);
            ASSERT_TRUE(tweaked_pub);
            EXPECT_EQ(Bytes(tweaked_pub->first.begin(), tweaked_pub->first.end()), Bytes(spk.begin() + 2, spk.end()));

            ScriptExecutionData ex;
            ex.annex_init = true;
            const std::optional<uint256> sighash =
                taproot_signature_hash(ex, *tx, n_in, hash_type, SigVersion::TAPROOT, txdata);
            ASSERT_TRUE(sighash);
            EXPECT_EQ(hex(*sighash), str(ii.at("sigHash"))) << "input " << n_in;
            EXPECT_EQ(tagged_hash("TapSighash", unhex(str(ii.at("sigMsg")))), *sighash);

            uint8_t sig[64];
            const uint8_t aux[32] = {};
            ASSERT_TRUE(secp256k1_schnorrsig_sign32(sc.ctx, sig, sighash->data(), &kp, aux));
            Bytes witness_sig(sig, sig + 64);
            if (hash_type != SIGHASH_DEFAULT) witness_sig.push_back(hash_type);
            const boost::json::array& wit = in.at("expected").at("witness").as_array();
            ASSERT_EQ(wit.size(), 1u);
            EXPECT_EQ(hex_encode(witness_sig), str(wit[0])) << "input " << n_in;
            signed_tx.vin[n_in].witness = {witness_sig};

            // And the checker accepts it (and rejects it for another input).
            ScriptError err = ScriptError::OK;
            const TransactionSignatureChecker checker(*tx, n_in, spent[n_in].value, &txdata);
            EXPECT_TRUE(
                checker.check_schnorr_signature(witness_sig, ByteView(spk).subspan(2), SigVersion::TAPROOT, ex, &err));
            const TransactionSignatureChecker other((*tx), n_in == 0 ? 1 : 0, 0, &txdata);
            EXPECT_FALSE(
                other.check_schnorr_signature(witness_sig, ByteView(spk).subspan(2), SigVersion::TAPROOT, ex, &err));
            ++inputs;
        }

        // The fully signed transaction: our taproot witnesses match, and its P2PKH
        // (legacy) and P2WPKH (BIP143) inputs verify.
        const std::optional<Transaction> full = Transaction::decode(unhex(str(v.at("auxiliary").at("fullySignedTx"))));
        ASSERT_TRUE(full);
        const PrecomputedTxData full_data(*full, spent);
        int ecdsa_inputs = 0;
        for (unsigned n = 0; n < full->vin.size(); ++n) {
            const Script& spk = spent[n].script_pubkey;
            if (spk.size() == 34 && spk[0] == OP_1) {
                EXPECT_EQ(full->vin[n].witness, signed_tx.vin[n].witness) << "input " << n;
                continue;
            }
            const TransactionSignatureChecker checker(*full, n, spent[n].value, &full_data);
            if (spk.size() == 25 && spk[0] == OP_DUP) {  // P2PKH: scriptSig <sig> <pubkey>
                size_t pc = 0;
                Opcode op;
                ByteView sig, pub;
                ASSERT_TRUE(full->vin[n].script_sig.get_op(pc, op, &sig));
                ASSERT_TRUE(full->vin[n].script_sig.get_op(pc, op, &pub));
                EXPECT_TRUE(checker.check_ecdsa_signature(sig, pub, spk, SigVersion::BASE));
                EXPECT_FALSE(checker.check_ecdsa_signature(sig, pub, spk, SigVersion::WITNESS_V0));
                ++ecdsa_inputs;
            } else if (spk.size() == 22 && spk[0] == OP_0) {  // P2WPKH
                const Witness& w = full->vin[n].witness;
                ASSERT_EQ(w.size(), 2u);
                Script code(Bytes{OP_DUP, OP_HASH160, 20});
                code.bytes().insert(code.bytes().end(), spk.bytes().begin() + 2, spk.bytes().end());
                code.push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
                EXPECT_TRUE(checker.check_ecdsa_signature(w[0], w[1], code, SigVersion::WITNESS_V0));
                EXPECT_FALSE(checker.check_ecdsa_signature(w[0], w[1], code, SigVersion::BASE));
                ++ecdsa_inputs;
            }
        }
        EXPECT_EQ(ecdsa_inputs, 2);
    }
    EXPECT_EQ(inputs, 7);
    std::cout << "bip341_wallet_vectors.json keyPathSpending: " << inputs << " inputs\n";
}

// ---------------------------------------------------------------------------------
// chain/regtest/chain-a.blk: every P2PKH, P2WPKH, P2SH-P2WPKH and P2TR key-path input
// that Core signed (all sighash types) verifies through the checker, and fails once the
// transaction is altered.

namespace {

enum class Kind { P2PKH, P2WPKH, P2SH_P2WPKH, P2TR_KEY, COUNT };

std::vector<Block> read_blk_file(const std::filesystem::path& path) {
    const Bytes data = test::read_binary(path);
    std::vector<Block> blocks;
    const NetworkMagic regtest = make_chain_params(Network::REGTEST).magic;
    const BlkSplit split = split_blk_records(data, &regtest);
    if (split.end != BlkSplitEnd::END) throw std::runtime_error("bad blk record in " + path.string());
    for (const BlkRecord& rec : split.records) {
        std::string err;
        std::optional<Block> b = Block::decode(rec.payload, &err);
        if (!b) throw std::runtime_error("bad block in " + path.string() + ": " + err);
        blocks.push_back(std::move(*b));
    }
    return blocks;
}

Script p2pkh_code(ByteView hash20) {
    Script code(Bytes{OP_DUP, OP_HASH160, 20});
    code.bytes().insert(code.bytes().end(), hash20.begin(), hash20.end());
    return code.push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
}

// Checks one input's signature if it is of a kind handled here; returns the kind (or
// COUNT when skipped) and the hash type byte used.
Kind check_input(const Transaction& tx, unsigned n, const TxOut& spent, const PrecomputedTxData& txdata, bool& ok,
                 uint8_t& hash_type) {
    const Bytes& spk = spent.script_pubkey.bytes();
    const TxIn& in = tx.vin[n];
    const TransactionSignatureChecker checker(tx, n, spent.value, &txdata);
    ok = false;
    if (spk.size() == 25 && spk[0] == OP_DUP && spk[1] == OP_HASH160 && spk[2] == 20) {
        size_t pc = 0;
        Opcode op;
        ByteView sig, pub;
        if (!in.script_sig.get_op(pc, op, &sig) || !in.script_sig.get_op(pc, op, &pub)) return Kind::COUNT;
        if (pc != in.script_sig.size() || sig.empty()) return Kind::COUNT;
        hash_type = sig.back();
        ok = checker.check_ecdsa_signature(sig, pub, spent.script_pubkey, SigVersion::BASE);
        return Kind::P2PKH;
    }
    if (spk.size() == 22 && spk[0] == OP_0 && spk[1] == 20 && in.witness.size() == 2) {
        hash_type = in.witness[0].empty() ? 0 : in.witness[0].back();
        const Script code = p2pkh_code(ByteView(spk).subspan(2));
        ok = checker.check_ecdsa_signature(in.witness[0], in.witness[1], code, SigVersion::WITNESS_V0);
        // The per-call aggregates (no cache) give the same answer.
        const TransactionSignatureChecker uncached(tx, n, spent.value, nullptr);
        ok = ok && uncached.check_ecdsa_signature(in.witness[0], in.witness[1], code, SigVersion::WITNESS_V0);
        return Kind::P2WPKH;
    }
    if (spk.size() == 23 && spk[0] == OP_HASH160 && in.witness.size() == 2 && in.script_sig.size() == 23 &&
        in.script_sig[0] == 22 && in.script_sig[1] == OP_0 && in.script_sig[2] == 20) {
        hash_type = in.witness[0].empty() ? 0 : in.witness[0].back();
        const Script code = p2pkh_code(in.script_sig.view().subspan(3));
        ok = checker.check_ecdsa_signature(in.witness[0], in.witness[1], code, SigVersion::WITNESS_V0);
        return Kind::P2SH_P2WPKH;
    }
    if (spk.size() == 34 && spk[0] == OP_1 && spk[1] == 32 && !in.witness.empty()) {
        Witness w = in.witness;
        ScriptExecutionData ex;
        ex.annex_init = true;
        if (w.size() >= 2 && !w.back().empty() && w.back()[0] == kAnnexTag) {
            ex.annex_present = true;
            ex.annex_hash = HashWriter().write_var_bytes(w.back()).sha256();
            w.pop_back();
        }
        if (w.size() != 1) return Kind::COUNT;  // script path
        hash_type = w[0].size() == 65 ? w[0].back() : 0;
        ScriptError err = ScriptError::OK;
        ok = checker.check_schnorr_signature(w[0], ByteView(spk).subspan(2), SigVersion::TAPROOT, ex, &err);
        return Kind::P2TR_KEY;
    }
    return Kind::COUNT;
}

}  // namespace

TEST(Sighash, RegtestChainSingleKeySignatures) {
    MINICASH_REQUIRE_VECTORS(dir);
    const std::vector<Block> blocks = read_blk_file(dir / "chain" / "regtest" / "chain-a.blk");
    ASSERT_EQ(blocks.size(), 450u);

    std::map<OutPoint, TxOut> utxos;
    size_t counts[size_t(Kind::COUNT)] = {};
    size_t non_all[size_t(Kind::COUNT)] = {};
    size_t failures = 0, tamper_checked = 0;
    for (const Block& block : blocks) {
        for (const Transaction& tx : block.txs) {
            const uint256 txid = tx.txid();
            if (!tx.is_coinbase()) {
                std::vector<TxOut> spent;
                for (const TxIn& in : tx.vin) {
                    auto it = utxos.find(in.prevout);
                    ASSERT_NE(it, utxos.end()) << "missing prevout in " << txid.to_hex();
                    spent.push_back(it->second);
                }
                const PrecomputedTxData txdata(tx, spent);
                for (unsigned n = 0; n < tx.vin.size(); ++n) {
                    bool ok = false;
                    uint8_t ht = 0;
                    const Kind kind = check_input(tx, n, spent[n], txdata, ok, ht);
                    if (kind == Kind::COUNT) continue;
                    ++counts[size_t(kind)];
                    if (ht != SIGHASH_ALL && ht != SIGHASH_DEFAULT) ++non_all[size_t(kind)];
                    if (!ok) {
                        ++failures;
                        ADD_FAILURE() << "input " << n << " of " << txid.to_hex() << " kind " << int(kind);
                        continue;
                    }
                    // Altering a committed field breaks the signature. Every hash type
                    // commits to the version; SINGLE/ALL also to the matching output.
                    if (counts[size_t(kind)] % 7 == 1) {
                        Transaction altered = tx;
                        altered.version ^= 4;
                        const PrecomputedTxData altered_data(altered, spent);
                        bool altered_ok = true;
                        uint8_t ht2 = 0;
                        check_input(altered, n, spent[n], altered_data, altered_ok, ht2);
                        EXPECT_FALSE(altered_ok) << "altered input " << n << " of " << txid.to_hex();
                        ++tamper_checked;
                    }
                }
                for (const TxIn& in : tx.vin) utxos.erase(in.prevout);
            }
            for (uint32_t i = 0; i < tx.vout.size(); ++i) utxos[OutPoint{txid, i}] = tx.vout[i];
        }
    }
    // Totals from the vectors README ("Inputs by the type of the output they spend").
    EXPECT_EQ(counts[size_t(Kind::P2PKH)], 1161u);
    EXPECT_EQ(counts[size_t(Kind::P2WPKH)], 1387u);
    EXPECT_EQ(counts[size_t(Kind::P2SH_P2WPKH)], 1125u);
    EXPECT_EQ(counts[size_t(Kind::P2TR_KEY)], 1439u);
    for (size_t k = 0; k < size_t(Kind::COUNT); ++k) EXPECT_GT(non_all[k], 0u) << "kind " << k;
    EXPECT_EQ(failures, 0u);
    std::cout << "chain-a.blk: checked " << counts[0] << " P2PKH, " << counts[1] << " P2WPKH, " << counts[2]
              << " P2SH-P2WPKH, " << counts[3] << " P2TR key-path signatures (non-ALL: " << non_all[0] << "/"
              << non_all[1] << "/" << non_all[2] << "/" << non_all[3] << "); " << tamper_checked
              << " tampered copies rejected\n";
}
