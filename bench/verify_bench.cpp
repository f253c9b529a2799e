// Verifying one input through the interpreter versus the bare libsecp256k1 call it ends
// in: the difference is what script evaluation, signature hashing, parsing and the
// SignatureChecker indirection cost on top of the curve arithmetic.
//
//   P2WPKH:        verify_script (witness v0, BIP143 hash, ECDSA)  vs  secp256k1_ecdsa_verify
//   P2TR key path: verify_script (BIP341 hash, Schnorr)            vs  secp256k1_schnorrsig_verify
//
// The PrecomputedTxData is built once outside the timed loop, as block validation
// builds it once per transaction. Two bare baselines: the curve check alone on a
// pre-parsed key and signature, and the same check starting from the serialized key and
// signature (parse + verify), which is the least any verifier working from transaction
// bytes must do. Public-key parsing costs a field square root, several microseconds.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "bench_util.h"
#include "consensus/interpreter.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "util/hash.h"

namespace minicash::bench {
namespace {

constexpr Amount kAmount = 50000;

// One input spending `spk`, one output; the witness is filled in by the caller.
Transaction one_input_tx(const Script& spk) {
    Transaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint{sha256(spk.view()), 1};
    in.sequence = 0xfffffffe;
    tx.vin.push_back(in);
    tx.vout.push_back(TxOut{kAmount - 1000, spk});
    return tx;
}

struct P2wpkhCase {
    Transaction tx;
    TxOut spent;
    std::unique_ptr<PrecomputedTxData> txdata;
    uint256 sighash;
    secp256k1_pubkey pubkey;
    secp256k1_ecdsa_signature sig;
    Bytes pubkey_bytes;  // 33-byte compressed key
    Bytes der;           // DER signature without the hash type byte
};

const P2wpkhCase& p2wpkh_case() {
    static const P2wpkhCase c = [] {
        const secp256k1_context* ctx = signing_context();
        const uint256 secret = secret_key("minicash bench p2wpkh key");
        const Bytes pub = compressed_pubkey(secret);
        const Hash160 keyhash = hash160(pub);
        Script spk;
        spk.push_op(OP_0).push_data(keyhash);
        Script script_code;
        script_code.push_op(OP_DUP).push_op(OP_HASH160).push_data(keyhash).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);

        P2wpkhCase r;
        r.tx = one_input_tx(spk);
        r.spent = TxOut{kAmount, spk};
        r.tx.vin[0].witness = {Bytes{}, pub};  // signature below; the hash does not cover it
        r.txdata = std::make_unique<PrecomputedTxData>(r.tx, std::vector<TxOut>{r.spent});
        r.sighash = witness_v0_signature_hash(script_code, r.tx, 0, SIGHASH_ALL, kAmount, r.txdata.get());

        if (!secp256k1_ecdsa_sign(ctx, &r.sig, r.sighash.data(), secret.data(), nullptr, nullptr))
            throw std::runtime_error("secp256k1_ecdsa_sign failed");
        Bytes der(72);
        size_t der_len = der.size();
        secp256k1_ecdsa_signature_serialize_der(ctx, der.data(), &der_len, &r.sig);
        der.resize(der_len);
        r.der = der;
        r.pubkey_bytes = pub;
        der.push_back(SIGHASH_ALL);
        r.tx.vin[0].witness[0] = der;
        if (!secp256k1_ec_pubkey_parse(ctx, &r.pubkey, pub.data(), pub.size()))
            throw std::runtime_error("secp256k1_ec_pubkey_parse failed");
        return r;
    }();
    return c;
}

struct P2trCase {
    Transaction tx;
    TxOut spent;
    std::unique_ptr<PrecomputedTxData> txdata;
    uint256 sighash;
    secp256k1_xonly_pubkey output_key;
    uint8_t sig[64];
    uint8_t output_key_bytes[32];
};

const P2trCase& p2tr_case() {
    static const P2trCase c = [] {
        const secp256k1_context* ctx = signing_context();
        const uint256 secret = secret_key("minicash bench p2tr key");
        secp256k1_keypair keypair;
        if (!secp256k1_keypair_create(ctx, &keypair, secret.data())) throw std::runtime_error("keypair_create failed");
        secp256k1_xonly_pubkey internal;
        if (!secp256k1_keypair_xonly_pub(ctx, &internal, nullptr, &keypair))
            throw std::runtime_error("xonly_pub failed");
        uint8_t internal_bytes[32];
        secp256k1_xonly_pubkey_serialize(ctx, internal_bytes, &internal);
        // BIP341/BIP86 key-path-only output: tweak = TapTweak(internal key).
        const uint256 tweak = tagged_hash("TapTweak", ByteView(internal_bytes, 32));
        if (!secp256k1_keypair_xonly_tweak_add(ctx, &keypair, tweak.data())) throw std::runtime_error("tweak failed");

        P2trCase r;
        if (!secp256k1_keypair_xonly_pub(ctx, &r.output_key, nullptr, &keypair))
            throw std::runtime_error("xonly_pub failed");
        uint8_t output_bytes[32];
        secp256k1_xonly_pubkey_serialize(ctx, output_bytes, &r.output_key);
        std::copy(output_bytes, output_bytes + 32, r.output_key_bytes);
        Script spk;
        spk.push_op(OP_1).push_data(ByteView(output_bytes, 32));

        r.tx = one_input_tx(spk);
        r.spent = TxOut{kAmount, spk};
        r.txdata = std::make_unique<PrecomputedTxData>(r.tx, std::vector<TxOut>{r.spent});
        ScriptExecutionData execdata;
        execdata.annex_init = true;
        execdata.annex_present = false;
        auto hash = taproot_signature_hash(execdata, r.tx, 0, SIGHASH_DEFAULT, SigVersion::TAPROOT, *r.txdata);
        if (!hash) throw std::runtime_error("taproot_signature_hash failed");
        r.sighash = *hash;
        const uint8_t aux[32] = {7};
        if (!secp256k1_schnorrsig_sign32(ctx, r.sig, r.sighash.data(), &keypair, aux))
            throw std::runtime_error("secp256k1_schnorrsig_sign32 failed");
        r.tx.vin[0].witness = {Bytes(r.sig, r.sig + 64)};
        return r;
    }();
    return c;
}

void run_verify_script(benchmark::State& state, const Transaction& tx, const TxOut& spent,
                       const PrecomputedTxData& txdata) {
    const TransactionSignatureChecker checker(tx, 0, spent.value, &txdata);
    const ScriptFlags flags = kStandardScriptFlags;
    ScriptError err = ScriptError::OK;
    if (!verify_script(tx.vin[0].script_sig, spent.script_pubkey, &tx.vin[0].witness, flags, checker, &err)) {
        state.SkipWithError(("set-up input does not verify: " + script_error_name(err)).c_str());
        return;
    }
    for (auto _ : state) {
        bool ok = verify_script(tx.vin[0].script_sig, spent.script_pubkey, &tx.vin[0].witness, flags, checker, &err);
        benchmark::DoNotOptimize(ok);
    }
}

void BM_P2WPKH_VerifyScript(benchmark::State& state) {
    const P2wpkhCase& c = p2wpkh_case();
    run_verify_script(state, c.tx, c.spent, *c.txdata);
}
BENCHMARK(BM_P2WPKH_VerifyScript);

void BM_P2WPKH_BareEcdsaVerify(benchmark::State& state) {
    const P2wpkhCase& c = p2wpkh_case();
    const secp256k1_context* ctx = signing_context();
    if (!secp256k1_ecdsa_verify(ctx, &c.sig, c.sighash.data(), &c.pubkey)) {
        state.SkipWithError("set-up signature does not verify");
        return;
    }
    for (auto _ : state) {
        int ok = secp256k1_ecdsa_verify(ctx, &c.sig, c.sighash.data(), &c.pubkey);
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_P2WPKH_BareEcdsaVerify);

void BM_P2WPKH_BareParseAndVerify(benchmark::State& state) {
    const P2wpkhCase& c = p2wpkh_case();
    const secp256k1_context* ctx = signing_context();
    for (auto _ : state) {
        secp256k1_pubkey pubkey;
        secp256k1_ecdsa_signature sig;
        int ok = secp256k1_ec_pubkey_parse(ctx, &pubkey, c.pubkey_bytes.data(), c.pubkey_bytes.size()) &&
                 secp256k1_ecdsa_signature_parse_der(ctx, &sig, c.der.data(), c.der.size());
        secp256k1_ecdsa_signature_normalize(ctx, &sig, &sig);
        ok = ok && secp256k1_ecdsa_verify(ctx, &sig, c.sighash.data(), &pubkey);
        if (!ok) state.SkipWithError("set-up signature does not verify");
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_P2WPKH_BareParseAndVerify);

void BM_P2TR_KeyPath_VerifyScript(benchmark::State& state) {
    const P2trCase& c = p2tr_case();
    run_verify_script(state, c.tx, c.spent, *c.txdata);
}
BENCHMARK(BM_P2TR_KeyPath_VerifyScript);

void BM_P2TR_KeyPath_BareSchnorrVerify(benchmark::State& state) {
    const P2trCase& c = p2tr_case();
    const secp256k1_context* ctx = signing_context();
    if (!secp256k1_schnorrsig_verify(ctx, c.sig, c.sighash.data(), 32, &c.output_key)) {
        state.SkipWithError("set-up signature does not verify");
        return;
    }
    for (auto _ : state) {
        int ok = secp256k1_schnorrsig_verify(ctx, c.sig, c.sighash.data(), 32, &c.output_key);
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_P2TR_KeyPath_BareSchnorrVerify);

void BM_P2TR_KeyPath_BareParseAndVerify(benchmark::State& state) {
    const P2trCase& c = p2tr_case();
    const secp256k1_context* ctx = signing_context();
    for (auto _ : state) {
        secp256k1_xonly_pubkey key;
        int ok = secp256k1_xonly_pubkey_parse(ctx, &key, c.output_key_bytes) &&
                 secp256k1_schnorrsig_verify(ctx, c.sig, c.sighash.data(), 32, &key);
        if (!ok) state.SkipWithError("set-up signature does not verify");
        benchmark::DoNotOptimize(ok);
    }
}
BENCHMARK(BM_P2TR_KeyPath_BareParseAndVerify);

}  // namespace
}  // namespace minicash::bench
