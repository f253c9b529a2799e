// Public keys and signatures (lax DER, ECDSA, Schnorr, taproot tweaks), the signature
// checker's lock-time rules, and the signature cache.
#include <gtest/gtest.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <atomic>
#include <thread>

#include "consensus/pubkey.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "node/sig_cache.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

// Signing is test-only: consensus code never holds a signing context.
class Signer {
public:
    Signer() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_NONE)) {}
    ~Signer() { secp256k1_context_destroy(ctx_); }
    Signer(const Signer&) = delete;
    Signer& operator=(const Signer&) = delete;

    // Deterministic private key from a small number (never zero).
    static std::array<uint8_t, 32> key(uint8_t n) {
        std::array<uint8_t, 32> k{};
        k[31] = n;
        k[0] = 0x42;
        return k;
    }

    Bytes pubkey(const std::array<uint8_t, 32>& sk, bool compressed = true) const {
        secp256k1_pubkey pk;
        EXPECT_TRUE(secp256k1_ec_pubkey_create(ctx_, &pk, sk.data()));
        Bytes out(compressed ? 33 : 65);
        size_t len = out.size();
        secp256k1_ec_pubkey_serialize(ctx_, out.data(), &len, &pk,
                                      compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
        return out;
    }

    // R || S (low S, as libsecp256k1 signs).
    std::array<uint8_t, 64> sign_compact(const std::array<uint8_t, 32>& sk, const uint256& hash) const {
        secp256k1_ecdsa_signature sig;
        EXPECT_TRUE(secp256k1_ecdsa_sign(ctx_, &sig, hash.data(), sk.data(), nullptr, nullptr));
        std::array<uint8_t, 64> out{};
        secp256k1_ecdsa_signature_serialize_compact(ctx_, out.data(), &sig);
        return out;
    }

    Bytes sign_der(const std::array<uint8_t, 32>& sk, const uint256& hash) const {
        secp256k1_ecdsa_signature sig;
        EXPECT_TRUE(secp256k1_ecdsa_sign(ctx_, &sig, hash.data(), sk.data(), nullptr, nullptr));
        Bytes out(72);
        size_t len = out.size();
        secp256k1_ecdsa_signature_serialize_der(ctx_, out.data(), &len, &sig);
        out.resize(len);
        return out;
    }

    secp256k1_context* ctx() const { return ctx_; }

private:
    secp256k1_context* ctx_;
};

uint256 hash_of(const char* s) { return sha256(ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s))); }

// Minimal big-endian form of a 32-byte scalar as DER wants it (sign byte when needed).
Bytes der_int(ByteView v32) {
    size_t i = 0;
    while (i < v32.size() - 1 && v32[i] == 0) ++i;
    Bytes out(v32.begin() + long(i), v32.end());
    if (out[0] & 0x80) out.insert(out.begin(), 0);
    return out;
}

// Builds "30 len 02 rlen R 02 slen S" with the given pieces, lengths written as given.
Bytes der(ByteView seq_len, ByteView r_len, ByteView r, ByteView s_len, ByteView s, ByteView trailer = {}) {
    Bytes out{0x30};
    append(out, seq_len);
    out.push_back(0x02);
    append(out, r_len);
    append(out, r);
    out.push_back(0x02);
    append(out, s_len);
    append(out, s);
    append(out, trailer);
    return out;
}

Bytes strict_der(ByteView r32, ByteView s32) {
    const Bytes r = der_int(r32), s = der_int(s32);
    return der(Bytes{uint8_t(4 + r.size() + s.size())}, Bytes{uint8_t(r.size())}, r, Bytes{uint8_t(s.size())}, s);
}

// The curve order n, big-endian.
const Bytes kOrder = *hex_decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

}  // namespace

// ---------------------------------------------------------------------------------

TEST(Pubkey, EncodingChecks) {
    Bytes c(33, 0x11), u(65, 0x11);
    c[0] = 0x02;
    u[0] = 0x04;
    EXPECT_TRUE(is_compressed_pubkey(c));
    EXPECT_TRUE(is_compressed_or_uncompressed_pubkey(c));
    EXPECT_TRUE(is_compressed_or_uncompressed_pubkey(u));
    EXPECT_FALSE(is_compressed_pubkey(u));
    c[0] = 0x03;
    EXPECT_TRUE(is_compressed_pubkey(c));
    c[0] = 0x04;
    EXPECT_FALSE(is_compressed_or_uncompressed_pubkey(c));
    u[0] = 0x06;  // hybrid: not a STRICTENC encoding
    EXPECT_FALSE(is_compressed_or_uncompressed_pubkey(u));
    EXPECT_FALSE(is_compressed_or_uncompressed_pubkey(Bytes{}));
    EXPECT_FALSE(is_compressed_or_uncompressed_pubkey(Bytes(32, 0x02)));
    c.push_back(0);
    c[0] = 0x02;
    EXPECT_FALSE(is_compressed_pubkey(c));
}

TEST(Pubkey, EcdsaRoundTrip) {
    Signer signer;
    const auto sk = Signer::key(1);
    const uint256 msg = hash_of("minicash");
    const Bytes sig = signer.sign_der(sk, msg);
    const Bytes pub = signer.pubkey(sk);
    const Bytes pub_u = signer.pubkey(sk, false);
    EXPECT_TRUE(verify_ecdsa(pub, sig, msg));
    EXPECT_TRUE(verify_ecdsa(pub_u, sig, msg));
    EXPECT_TRUE(is_low_s_der(sig));
    EXPECT_FALSE(verify_ecdsa(pub, sig, hash_of("other")));
    EXPECT_FALSE(verify_ecdsa(signer.pubkey(Signer::key(2)), sig, msg));
    // Truncated or re-headed keys do not parse.
    EXPECT_FALSE(verify_ecdsa(ByteView(pub).first(32), sig, msg));
    Bytes bad = pub;
    bad[0] = 0x05;
    EXPECT_FALSE(verify_ecdsa(bad, sig, msg));
    EXPECT_FALSE(verify_ecdsa(Bytes{}, sig, msg));
    EXPECT_FALSE(verify_ecdsa(pub, Bytes{}, msg));

    // Hybrid keys (06/07 + X + Y) are accepted when the header matches Y's parity.
    Bytes hybrid = pub_u;
    hybrid[0] = uint8_t(0x06 | (pub_u[64] & 1));
    EXPECT_TRUE(verify_ecdsa(hybrid, sig, msg));
    hybrid[0] ^= 1;
    EXPECT_FALSE(verify_ecdsa(hybrid, sig, msg));
}

TEST(Pubkey, LaxDerParsing) {
    Signer signer;
    const auto sk = Signer::key(3);
    const uint256 msg = hash_of("lax");
    const Bytes pub = signer.pubkey(sk);
    const auto rs = signer.sign_compact(sk, msg);
    const ByteView r32(rs.data(), 32), s32(rs.data() + 32, 32);
    const Bytes r = der_int(r32), s = der_int(s32);
    const Bytes strict = strict_der(r32, s32);

    auto parsed = parse_der_lax(strict);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, rs);
    EXPECT_TRUE(verify_ecdsa(pub, strict, msg));

    // Extra leading zeros, a wrong sequence length, long-form lengths and trailing
    // garbage are all accepted and give the same R, S.
    Bytes r_padded = r, s_padded = s;
    r_padded.insert(r_padded.begin(), 3, 0);
    s_padded.insert(s_padded.begin(), 40, 0);  // 70+ bytes with padding, still S
    const std::vector<Bytes> variants = {
        der(Bytes{0x00}, Bytes{uint8_t(r.size())}, r, Bytes{uint8_t(s.size())}, s),
        der(Bytes{0x7f}, Bytes{uint8_t(r_padded.size())}, r_padded, Bytes{uint8_t(s_padded.size())}, s_padded),
        der(Bytes{0x84, 1, 2, 3, 4}, Bytes{0x81, uint8_t(r.size())}, r, Bytes{0x83, 0, 0, uint8_t(s.size())}, s),
        der(Bytes{0x44}, Bytes{0x82, 0, uint8_t(r.size())}, r, Bytes{uint8_t(s.size())}, s, Bytes{1, 2, 3}),
        // Length with many leading zero bytes: zeros are skipped before the 3-byte limit.
        der(Bytes{0x44}, Bytes{0x88, 0, 0, 0, 0, 0, 0, 0, uint8_t(r.size())}, r, Bytes{uint8_t(s.size())}, s),
    };
    for (const Bytes& v : variants) {
        parsed = parse_der_lax(v);
        ASSERT_TRUE(parsed) << hex_encode(v);
        EXPECT_EQ(*parsed, rs) << hex_encode(v);
        EXPECT_TRUE(verify_ecdsa(pub, v, msg)) << hex_encode(v);
    }

    // Not even lax-parsable.
    const std::vector<Bytes> broken = {
        Bytes{},
        Bytes{0x30},
        der(Bytes{0x44}, Bytes{uint8_t(r.size())}, r, Bytes{}, Bytes{}),            // S missing
        der(Bytes{0x44}, Bytes{uint8_t(r.size() + 2)}, r, Bytes{}, Bytes{}),        // R runs past end
        der(Bytes{0x85, 0, 0}, Bytes{}, Bytes{}, Bytes{}, Bytes{}),                 // seq length bytes past end
        der(Bytes{0x44}, Bytes{0x84, 1, 0, 0, 0}, r, Bytes{uint8_t(s.size())}, s),  // 4 significant length bytes
        der(Bytes{0x44}, Bytes{0x81}, Bytes{}, Bytes{}, Bytes{}),                   // length bytes missing
    };
    for (size_t i = 0; i < broken.size(); ++i) {
        EXPECT_FALSE(parse_der_lax(broken[i])) << i << " " << hex_encode(broken[i]);
        EXPECT_FALSE(verify_ecdsa(pub, broken[i], msg)) << i;
    }
    // Control for the 4-byte case: leading zero length bytes do not count.
    parsed = parse_der_lax(der(Bytes{0x44}, Bytes{0x84, 0, 0, 0, 1}, Bytes{0x05}, Bytes{uint8_t(s.size())}, s));
    ASSERT_TRUE(parsed);
    EXPECT_EQ((*parsed)[31], 0x05);
    Bytes wrong_tag = strict;
    wrong_tag[0] = 0x31;
    EXPECT_FALSE(parse_der_lax(wrong_tag));
    wrong_tag = strict;
    wrong_tag[2] = 0x03;
    EXPECT_FALSE(parse_der_lax(wrong_tag));

    // Overlong or out-of-range values parse to R = S = 0, which never verifies.
    const std::array<uint8_t, 64> zero{};
    Bytes r33 = r;
    r33.insert(r33.begin(), 0x01);
    if (r33.size() < 33) r33.insert(r33.begin() + 1, 33 - r33.size(), 0x00);
    for (const Bytes& v : {der(Bytes{0x45}, Bytes{uint8_t(r33.size())}, r33, Bytes{uint8_t(s.size())}, s),
                           strict_der(kOrder, s32),     // R = n
                           strict_der(r32, kOrder)}) {  // S = n
        parsed = parse_der_lax(v);
        ASSERT_TRUE(parsed) << hex_encode(v);
        EXPECT_EQ(*parsed, zero) << hex_encode(v);
        EXPECT_FALSE(verify_ecdsa(pub, v, msg));
        EXPECT_TRUE(is_low_s_der(v));  // zero S counts as low, as in Core
    }
    // Empty R: R = 0, parses, fails.
    const Bytes empty_r = der(Bytes{0x44}, Bytes{0x00}, Bytes{}, Bytes{uint8_t(s.size())}, s);
    parsed = parse_der_lax(empty_r);
    ASSERT_TRUE(parsed);
    EXPECT_FALSE(verify_ecdsa(pub, empty_r, msg));
}

TEST(Pubkey, HighSIsNormalisedForVerification) {
    Signer signer;
    const auto sk = Signer::key(4);
    const uint256 msg = hash_of("high s");
    const Bytes pub = signer.pubkey(sk);
    const auto rs = signer.sign_compact(sk, msg);
    std::array<uint8_t, 32> high_s{};
    std::copy(rs.begin() + 32, rs.end(), high_s.begin());
    // n - S, computed as a scalar negation by libsecp256k1.
    ASSERT_TRUE(secp256k1_ec_seckey_negate(signer.ctx(), high_s.data()));
    const Bytes low = strict_der(ByteView(rs.data(), 32), ByteView(rs.data() + 32, 32));
    const Bytes high = strict_der(ByteView(rs.data(), 32), high_s);
    EXPECT_TRUE(is_low_s_der(low));
    EXPECT_FALSE(is_low_s_der(high));
    EXPECT_TRUE(verify_ecdsa(pub, low, msg));
    EXPECT_TRUE(verify_ecdsa(pub, high, msg));
    EXPECT_FALSE(is_low_s_der(Bytes{0x30}));
}

TEST(Pubkey, SchnorrRoundTrip) {
    Signer signer;
    const auto sk = Signer::key(5);
    secp256k1_keypair kp;
    ASSERT_TRUE(secp256k1_keypair_create(signer.ctx(), &kp, sk.data()));
    secp256k1_xonly_pubkey xpk;
    ASSERT_TRUE(secp256k1_keypair_xonly_pub(signer.ctx(), &xpk, nullptr, &kp));
    uint8_t x[32];
    ASSERT_TRUE(secp256k1_xonly_pubkey_serialize(signer.ctx(), x, &xpk));
    const uint256 msg = hash_of("schnorr");
    uint8_t sig[64];
    const uint8_t aux[32] = {};
    ASSERT_TRUE(secp256k1_schnorrsig_sign32(signer.ctx(), sig, msg.data(), &kp, aux));

    EXPECT_TRUE(verify_schnorr(x, sig, msg));
    EXPECT_FALSE(verify_schnorr(x, sig, hash_of("schnorr!")));
    Bytes bad_sig(sig, sig + 64);
    bad_sig[10] ^= 1;
    EXPECT_FALSE(verify_schnorr(x, bad_sig, msg));
    EXPECT_FALSE(verify_schnorr(x, ByteView(sig, 63), msg));
    EXPECT_FALSE(verify_schnorr(ByteView(x, 31), sig, msg));
    const Bytes not_on_curve(32, 0xff);  // x >= p
    EXPECT_FALSE(verify_schnorr(not_on_curve, sig, msg));
}

TEST(Pubkey, TaprootTweak) {
    Signer signer;
    const auto sk = Signer::key(6);
    secp256k1_keypair kp;
    ASSERT_TRUE(secp256k1_keypair_create(signer.ctx(), &kp, sk.data()));
    secp256k1_xonly_pubkey xpk;
    ASSERT_TRUE(secp256k1_keypair_xonly_pub(signer.ctx(), &xpk, nullptr, &kp));
    uint8_t internal[32];
    ASSERT_TRUE(secp256k1_xonly_pubkey_serialize(signer.ctx(), internal, &xpk));
    const uint256 tweak = tagged_hash("TapTweak", ByteView(internal, 32));

    const auto out = taproot_tweak_pubkey(ByteView(internal, 32), tweak);
    ASSERT_TRUE(out);
    EXPECT_TRUE(check_taproot_tweak(ByteView(internal, 32), out->first.view(), out->second, tweak));
    EXPECT_FALSE(check_taproot_tweak(ByteView(internal, 32), out->first.view(), !out->second, tweak));
    EXPECT_FALSE(check_taproot_tweak(ByteView(internal, 32), out->first.view(), out->second, hash_of("x")));

    // Same result as tweaking the key pair (what a signer does).
    ASSERT_TRUE(secp256k1_keypair_xonly_tweak_add(signer.ctx(), &kp, tweak.data()));
    secp256k1_xonly_pubkey tweaked;
    int parity = 0;
    ASSERT_TRUE(secp256k1_keypair_xonly_pub(signer.ctx(), &tweaked, &parity, &kp));
    uint256 tx;
    ASSERT_TRUE(secp256k1_xonly_pubkey_serialize(signer.ctx(), tx.data(), &tweaked));
    EXPECT_EQ(tx, out->first);
    EXPECT_EQ(parity != 0, out->second);

    // A tweak not below the curve order, or an invalid internal key, gives nothing.
    uint256 overflow;
    std::fill(overflow.data(), overflow.data() + 32, 0xff);
    EXPECT_FALSE(taproot_tweak_pubkey(ByteView(internal, 32), overflow));
    EXPECT_FALSE(check_taproot_tweak(ByteView(internal, 32), out->first.view(), out->second, overflow));
    EXPECT_FALSE(taproot_tweak_pubkey(Bytes(32, 0xff), tweak));
    EXPECT_FALSE(taproot_tweak_pubkey(ByteView(internal, 31), tweak));
}

// ---------------------------------------------------------------------------------
// TransactionSignatureChecker: lock times and Schnorr error codes.

namespace {
Transaction one_input_tx(int32_t version, uint32_t locktime, uint32_t sequence) {
    Transaction tx;
    tx.version = version;
    tx.locktime = locktime;
    tx.vin.resize(1);
    tx.vin[0].sequence = sequence;
    tx.vout.resize(1);
    tx.vout[0].value = 1;
    return tx;
}
}  // namespace

TEST(Pubkey, CheckerLocktime) {
    const auto check = [](uint32_t tx_locktime, uint32_t seq, int64_t wanted) {
        const Transaction tx = one_input_tx(2, tx_locktime, seq);
        return TransactionSignatureChecker(tx, 0, 0).check_locktime(ScriptNum(wanted));
    };
    EXPECT_TRUE(check(100, 0, 100));
    EXPECT_TRUE(check(100, 0, 0));
    EXPECT_FALSE(check(100, 0, 101));
    EXPECT_FALSE(check(100, TxIn::kSequenceFinal, 100));  // final input bypasses nLockTime
    EXPECT_TRUE(check(100, TxIn::kSequenceFinal - 1, 100));
    EXPECT_FALSE(check(kLocktimeThreshold, 0, 100));  // time vs height
    EXPECT_FALSE(check(100, 0, kLocktimeThreshold));
    EXPECT_TRUE(check(kLocktimeThreshold + 5, 0, kLocktimeThreshold));
    EXPECT_TRUE(check(0xffffffff, 0, 0xffffffffLL));
    EXPECT_FALSE(check(kLocktimeThreshold - 1, 0, kLocktimeThreshold));
}

TEST(Pubkey, CheckerSequence) {
    const auto check = [](int32_t version, uint32_t seq, int64_t wanted) {
        const Transaction tx = one_input_tx(version, 0, seq);
        return TransactionSignatureChecker(tx, 0, 0).check_sequence(ScriptNum(wanted));
    };
    const uint32_t type = TxIn::kSequenceTypeFlag;
    EXPECT_TRUE(check(2, 10, 10));
    EXPECT_TRUE(check(2, 10, 9));
    EXPECT_FALSE(check(2, 10, 11));
    EXPECT_FALSE(check(1, 10, 10));  // BIP68 needs version >= 2
    EXPECT_TRUE(check(-1, 10, 10));  // version compared unsigned
    EXPECT_FALSE(check(2, TxIn::kSequenceDisableFlag | 10, 10));
    EXPECT_FALSE(check(2, type | 10, 10));  // time vs blocks
    EXPECT_FALSE(check(2, 10, type | 10));
    EXPECT_TRUE(check(2, type | 10, type | 10));
    // Bits outside the type flag and the low 16 bits are ignored on both sides.
    EXPECT_TRUE(check(2, 0x00bf0000u | 10, 0x00bf0000LL | 10));
    EXPECT_TRUE(check(2, 0x00bf0000u | 10, 10));
    EXPECT_TRUE(check(2, 10, (1LL << 32) | 10));
    EXPECT_FALSE(check(2, 0x10000u, 1));  // masked tx sequence is 0
}

TEST(Pubkey, CheckerSchnorrErrors) {
    const Transaction tx = one_input_tx(2, 0, 0);
    std::vector<TxOut> spent(1);
    spent[0].value = 1;
    const PrecomputedTxData with(tx, spent);
    const PrecomputedTxData without(tx, {});
    const Bytes key(32, 0x02);
    ScriptExecutionData ex;
    ex.annex_init = true;
    const auto err_of = [&](const PrecomputedTxData* data, const Bytes& sig) {
        ScriptError e = ScriptError::OK;
        EXPECT_FALSE(
            TransactionSignatureChecker(tx, 0, 1, data).check_schnorr_signature(sig, key, SigVersion::TAPROOT, ex, &e));
        return e;
    };
    EXPECT_EQ(err_of(&with, Bytes(63, 1)), ScriptError::SCHNORR_SIG_SIZE);
    EXPECT_EQ(err_of(&with, Bytes(66, 1)), ScriptError::SCHNORR_SIG_SIZE);
    EXPECT_EQ(err_of(&with, Bytes()), ScriptError::SCHNORR_SIG_SIZE);
    Bytes sig65(65, 1);
    sig65[64] = 0;
    EXPECT_EQ(err_of(&with, sig65), ScriptError::SCHNORR_SIG_HASHTYPE);  // explicit DEFAULT
    sig65[64] = 0x04;
    EXPECT_EQ(err_of(&with, sig65), ScriptError::SCHNORR_SIG_HASHTYPE);
    EXPECT_EQ(err_of(&without, Bytes(64, 1)), ScriptError::SCHNORR_SIG_HASHTYPE);  // missing data fails
    EXPECT_EQ(err_of(nullptr, Bytes(64, 1)), ScriptError::SCHNORR_SIG_HASHTYPE);
    EXPECT_EQ(err_of(&with, Bytes(64, 1)), ScriptError::SCHNORR_SIG);
    sig65[64] = 0x01;
    EXPECT_EQ(err_of(&with, sig65), ScriptError::SCHNORR_SIG);
}

// ---------------------------------------------------------------------------------
// SignatureCache and CachingTransactionSignatureChecker.

namespace {

// A P2PKH-style spend signed for real: tx, script code, sig (with hash type), pubkey.
struct LegacySpend {
    Transaction tx;
    Script code;
    Bytes sig;
    Bytes pub;
    uint256 sighash;
};

LegacySpend make_legacy_spend(const Signer& signer, uint8_t key_n, uint32_t locktime = 0) {
    LegacySpend s;
    s.tx = one_input_tx(2, locktime, 0);
    const auto sk = Signer::key(key_n);
    s.pub = signer.pubkey(sk);
    const Hash160 h = hash160(s.pub);
    s.code = Script(Bytes{OP_DUP, OP_HASH160, 20});
    s.code.bytes().insert(s.code.bytes().end(), h.begin(), h.end());
    s.code.push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    s.sighash = legacy_signature_hash(s.code, s.tx, 0, SIGHASH_ALL);
    s.sig = signer.sign_der(sk, s.sighash);
    s.sig.push_back(SIGHASH_ALL);
    return s;
}

uint256 random_hash(uint64_t i) {
    uint8_t b[8];
    write_le64(b, i);
    return sha256(b);
}

}  // namespace

TEST(SigCache, HitAfterValidAndStoreFlag) {
    Signer signer;
    const LegacySpend s = make_legacy_spend(signer, 7);
    SignatureCache cache(1000);
    const ByteView der = ByteView(s.sig).first(s.sig.size() - 1);

    // Without `store` a valid signature is verified but not remembered.
    CachingTransactionSignatureChecker read_only(s.tx, 0, 0, nullptr, cache, false);
    EXPECT_TRUE(read_only.check_ecdsa_signature(s.sig, s.pub, s.code, SigVersion::BASE));
    EXPECT_EQ(cache.size(), 0u);

    CachingTransactionSignatureChecker storing(s.tx, 0, 0, nullptr, cache, true);
    EXPECT_TRUE(storing.check_ecdsa_signature(s.sig, s.pub, s.code, SigVersion::BASE));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_TRUE(cache.contains(SignatureCache::Kind::ECDSA, s.sighash, s.pub, der));
    EXPECT_TRUE(storing.check_ecdsa_signature(s.sig, s.pub, s.code, SigVersion::BASE));
    EXPECT_EQ(cache.size(), 1u);  // a hit adds nothing

    // Any difference in kind, sighash, pubkey or signature misses.
    EXPECT_FALSE(cache.contains(SignatureCache::Kind::SCHNORR, s.sighash, s.pub, der));
    EXPECT_FALSE(cache.contains(SignatureCache::Kind::ECDSA, random_hash(1), s.pub, der));
    Bytes other_pub = s.pub;
    other_pub[0] ^= 1;
    EXPECT_FALSE(cache.contains(SignatureCache::Kind::ECDSA, s.sighash, other_pub, der));
    EXPECT_FALSE(cache.contains(SignatureCache::Kind::ECDSA, s.sighash, s.pub, ByteView(der).first(der.size() - 1)));
    // Length prefixes: moving a byte between pubkey and signature is a different entry.
    Bytes pub_plus(s.pub);
    pub_plus.push_back(der[0]);
    EXPECT_FALSE(cache.contains(SignatureCache::Kind::ECDSA, s.sighash, pub_plus, der.subspan(1)));

    // The same signature for a different transaction (different sighash) is not a hit
    // and fails verification.
    const LegacySpend other = make_legacy_spend(signer, 7, 99);
    CachingTransactionSignatureChecker other_checker(other.tx, 0, 0, nullptr, cache, true);
    EXPECT_FALSE(other_checker.check_ecdsa_signature(s.sig, s.pub, s.code, SigVersion::BASE));
    EXPECT_EQ(cache.size(), 1u);

    // The checker really consults the cache: an entry inserted by hand (violating the
    // insert() precondition, only to observe the lookup) makes the check pass.
    const uint256 other_hash = legacy_signature_hash(other.code, other.tx, 0, SIGHASH_ALL);
    cache.insert(SignatureCache::Kind::ECDSA, other_hash, s.pub, der);
    EXPECT_TRUE(other_checker.check_ecdsa_signature(s.sig, s.pub, s.code, SigVersion::BASE));
}

TEST(SigCache, NeverStoresInvalid) {
    Signer signer;
    const LegacySpend s = make_legacy_spend(signer, 8);
    SignatureCache cache(1000);
    CachingTransactionSignatureChecker checker(s.tx, 0, 0, nullptr, cache, true);
    Bytes bad = s.sig;
    bad[bad.size() - 5] ^= 1;
    EXPECT_FALSE(checker.check_ecdsa_signature(bad, s.pub, s.code, SigVersion::BASE));
    EXPECT_FALSE(checker.check_ecdsa_signature(bad, s.pub, s.code, SigVersion::BASE));
    EXPECT_EQ(cache.size(), 0u);

    // Schnorr: an invalid signature is not stored either; a valid one is.
    const Transaction tx = one_input_tx(2, 0, 0);
    const auto sk = Signer::key(9);
    secp256k1_keypair kp;
    ASSERT_TRUE(secp256k1_keypair_create(signer.ctx(), &kp, sk.data()));
    secp256k1_xonly_pubkey xpk;
    ASSERT_TRUE(secp256k1_keypair_xonly_pub(signer.ctx(), &xpk, nullptr, &kp));
    uint8_t x[32];
    ASSERT_TRUE(secp256k1_xonly_pubkey_serialize(signer.ctx(), x, &xpk));
    std::vector<TxOut> spent(1);
    spent[0].value = 5;
    spent[0].script_pubkey = Script(Bytes{OP_1, 32});
    spent[0].script_pubkey.bytes().insert(spent[0].script_pubkey.bytes().end(), x, x + 32);
    const PrecomputedTxData txdata(tx, spent);
    ScriptExecutionData ex;
    ex.annex_init = true;
    const auto sighash = taproot_signature_hash(ex, tx, 0, SIGHASH_DEFAULT, SigVersion::TAPROOT, txdata);
    ASSERT_TRUE(sighash);
    uint8_t sig[64];
    ASSERT_TRUE(secp256k1_schnorrsig_sign32(signer.ctx(), sig, sighash->data(), &kp, nullptr));
    CachingTransactionSignatureChecker tr(tx, 0, 5, &txdata, cache, true);
    Bytes bad_sig(sig, sig + 64);
    bad_sig[0] ^= 1;
    ScriptError err = ScriptError::OK;
    EXPECT_FALSE(tr.check_schnorr_signature(bad_sig, ByteView(x, 32), SigVersion::TAPROOT, ex, &err));
    EXPECT_EQ(err, ScriptError::SCHNORR_SIG);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_TRUE(tr.check_schnorr_signature(ByteView(sig, 64), ByteView(x, 32), SigVersion::TAPROOT, ex, &err));
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_TRUE(cache.contains(SignatureCache::Kind::SCHNORR, *sighash, ByteView(x, 32), ByteView(sig, 64)));
}

TEST(SigCache, EvictionIsBounded) {
    EXPECT_EQ(SignatureCache::entries_for_bytes(32 << 20), size_t(1) << 20);
    SignatureCache cache(16);
    EXPECT_EQ(cache.capacity(), 16u);
    const Bytes pub(33, 2), sig(70, 3);
    for (uint64_t i = 0; i < 1000; ++i) {
        const uint256 h = random_hash(i);
        cache.insert(SignatureCache::Kind::ECDSA, h, pub, sig);
        // The newest entry is always present right after insertion.
        ASSERT_TRUE(cache.contains(SignatureCache::Kind::ECDSA, h, pub, sig));
        ASSERT_LE(cache.size(), 16u);
    }
    EXPECT_EQ(cache.size(), 16u);
    size_t still_there = 0;
    for (uint64_t i = 0; i < 1000; ++i)
        still_there += cache.contains(SignatureCache::Kind::ECDSA, random_hash(i), pub, sig) ? 1 : 0;
    EXPECT_EQ(still_there, 16u);
    SignatureCache tiny(0);  // rounds up to one slot
    tiny.insert(SignatureCache::Kind::ECDSA, random_hash(1), pub, sig);
    tiny.insert(SignatureCache::Kind::ECDSA, random_hash(2), pub, sig);
    EXPECT_EQ(tiny.size(), 1u);
    EXPECT_TRUE(tiny.contains(SignatureCache::Kind::ECDSA, random_hash(2), pub, sig));
}

TEST(SigCache, ConcurrentUse) {
    Signer signer;
    const LegacySpend a = make_legacy_spend(signer, 10, 1);
    const LegacySpend b = make_legacy_spend(signer, 11, 2);
    SignatureCache cache(100000);
    std::atomic<int> bad{0};
    const auto worker = [&](const LegacySpend& mine, const LegacySpend& theirs, uint64_t base) {
        const Bytes pub(33, 2), sig(70, 3);
        for (uint64_t i = 0; i < 3000; ++i) {
            const uint256 h = random_hash(base + i);
            cache.insert(SignatureCache::Kind::SCHNORR, h, pub, sig);
            if (!cache.contains(SignatureCache::Kind::SCHNORR, h, pub, sig)) ++bad;
            // Reads of entries the other thread is writing must not tear.
            (void)cache.contains(SignatureCache::Kind::SCHNORR, random_hash((base ^ 1000000) + i), pub, sig);
            if (i % 100 == 0) {
                CachingTransactionSignatureChecker c1(mine.tx, 0, 0, nullptr, cache, true);
                CachingTransactionSignatureChecker c2(theirs.tx, 0, 0, nullptr, cache, true);
                if (!c1.check_ecdsa_signature(mine.sig, mine.pub, mine.code, SigVersion::BASE)) ++bad;
                if (!c2.check_ecdsa_signature(theirs.sig, theirs.pub, theirs.code, SigVersion::BASE)) ++bad;
                // Crossed signatures never pass.
                if (c1.check_ecdsa_signature(theirs.sig, theirs.pub, theirs.code, SigVersion::BASE)) ++bad;
            }
        }
    };
    std::thread t1(worker, std::cref(a), std::cref(b), 0);
    std::thread t2(worker, std::cref(b), std::cref(a), 1000000);
    t1.join();
    t2.join();
    EXPECT_EQ(bad.load(), 0);
    // 6000 random entries + 2 real ones in 100000 slots: nothing was evicted.
    EXPECT_EQ(cache.size(), 6002u);
}
