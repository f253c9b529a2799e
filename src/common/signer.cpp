#include "common/signer.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <algorithm>
#include <cstring>

#include "common/address.h"
#include "consensus/pubkey.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"

namespace minicash {

// ---------------------------------------------------------------------------------------
// Primitive signatures

Bytes sign_ecdsa(const SecretKey& key, const uint256& hash, bool grind_low_r) {
    const secp256k1_context* ctx = signing_context();
    secp256k1_ecdsa_signature sig;
    uint8_t extra[32] = {0};
    uint32_t counter = 0;
    int ok = secp256k1_ecdsa_sign(ctx, &sig, hash.data(), key.data(), secp256k1_nonce_function_rfc6979, nullptr);
    auto low_r = [&] {
        uint8_t compact[64];
        secp256k1_ecdsa_signature_serialize_compact(secp256k1_context_static, compact, &sig);
        return compact[0] < 0x80;
    };
    while (ok && grind_low_r && !low_r()) {
        write_le32(extra, ++counter);
        ok = secp256k1_ecdsa_sign(ctx, &sig, hash.data(), key.data(), secp256k1_nonce_function_rfc6979, extra);
    }
    if (!ok) return {};
    Bytes der(72);
    size_t len = der.size();
    secp256k1_ecdsa_signature_serialize_der(secp256k1_context_static, der.data(), &len, &sig);
    der.resize(len);
    return der;
}

std::optional<std::array<uint8_t, 64>> sign_schnorr(const SecretKey& key, const uint256& msg,
                                                    const std::optional<std::array<uint8_t, 32>>& aux) {
    const secp256k1_context* ctx = signing_context();
    secp256k1_keypair kp;
    if (!secp256k1_keypair_create(ctx, &kp, key.data())) return std::nullopt;
    std::array<uint8_t, 32> rnd{};
    if (aux) {
        rnd = *aux;
    } else if (RAND_bytes(rnd.data(), static_cast<int>(rnd.size())) != 1) {
        OPENSSL_cleanse(&kp, sizeof kp);
        return std::nullopt;
    }
    std::array<uint8_t, 64> sig{};
    const int ok = secp256k1_schnorrsig_sign32(ctx, sig.data(), msg.data(), &kp, rnd.data());
    secp256k1_xonly_pubkey xpk;
    const int have_pub = secp256k1_keypair_xonly_pub(secp256k1_context_static, &xpk, nullptr, &kp);
    OPENSSL_cleanse(&kp, sizeof kp);
    OPENSSL_cleanse(rnd.data(), rnd.size());
    if (!ok || !have_pub) return std::nullopt;
    // Check our own signature (guards against faults and bugs).
    if (!secp256k1_schnorrsig_verify(secp256k1_context_static, sig.data(), msg.data(), 32, &xpk)) return std::nullopt;
    return sig;
}

std::optional<SecretKey> taproot_tweak_secret(const SecretKey& internal, const std::optional<uint256>& merkle_root) {
    const secp256k1_context* ctx = signing_context();
    secp256k1_keypair kp;
    if (!secp256k1_keypair_create(ctx, &kp, internal.data())) return std::nullopt;
    const uint256 tweak = taproot_tweak(internal.xonly_pubkey(), merkle_root);
    std::optional<SecretKey> out;
    if (secp256k1_keypair_xonly_tweak_add(secp256k1_context_static, &kp, tweak.data())) {
        SecretKey k;
        if (secp256k1_keypair_sec(secp256k1_context_static, k.data(), &kp)) out = k;
    }
    OPENSSL_cleanse(&kp, sizeof kp);
    return out;
}

// ---------------------------------------------------------------------------------------
// KeyStore

void KeyStore::add_key(const SecretKey& key) {
    if (!key.valid()) return;
    const Bytes comp = key.pubkey(true);
    if (by_pubkey_.count(comp)) return;
    const size_t idx = keys_.size();
    keys_.push_back(key);
    const Bytes uncomp = key.pubkey(false);
    by_pubkey_[comp] = idx;
    by_pubkey_[uncomp] = idx;
    const Hash160 hc = hash160(comp), hu = hash160(uncomp);
    hash_to_pubkey_[Bytes(hc.begin(), hc.end())] = comp;
    hash_to_pubkey_[Bytes(hu.begin(), hu.end())] = uncomp;
    XOnlyPubkey x;
    std::copy(comp.begin() + 1, comp.end(), x.begin());
    by_xonly_[x] = idx;
}

void KeyStore::add_script(const Script& script) {
    const Hash160 h = hash160(script.bytes());
    by_hash160_[Bytes(h.begin(), h.end())] = script;
    const uint256 s = sha256(script.bytes());
    by_sha256_[Bytes(s.begin(), s.end())] = script;
}

void KeyStore::add_taproot(const TaprootSpendData& data) { taproot_[data.output_key] = data; }

void KeyStore::add_key_with_key_path_output(const SecretKey& key) {
    if (!key.valid()) return;
    add_key(key);
    TaprootBuilder builder;
    if (auto data = builder.finalize(key.xonly_pubkey()); data && !taproot_.count(data->output_key)) add_taproot(*data);
}

void KeyStore::add_descriptor(const Descriptor& desc, uint32_t index) {
    for (const auto& [pub, secret] : desc.private_keys(index)) add_key(secret);
    const auto expanded = desc.expand(index);
    if (!expanded) return;
    for (const ExpandedScript& e : *expanded) {
        if (e.redeem_script) add_script(*e.redeem_script);
        if (e.witness_script) add_script(*e.witness_script);
        if (e.taproot) add_taproot(*e.taproot);
        for (const MiniscriptScript& ms : e.miniscripts) add_miniscript(ms);
    }
}

void KeyStore::add_miniscript(const MiniscriptScript& ms) { miniscripts_.emplace(ms.script, ms); }

const MiniscriptScript* KeyStore::miniscript_for(const Script& script) const {
    auto it = miniscripts_.find(script);
    return it == miniscripts_.end() ? nullptr : &it->second;
}

const SecretKey* KeyStore::key_for_pubkey(ByteView pubkey) const {
    auto it = by_pubkey_.find(Bytes(pubkey.begin(), pubkey.end()));
    return it == by_pubkey_.end() ? nullptr : &keys_[it->second];
}

std::optional<std::pair<Bytes, const SecretKey*>> KeyStore::key_for_hash160(ByteView hash) const {
    auto it = hash_to_pubkey_.find(Bytes(hash.begin(), hash.end()));
    if (it == hash_to_pubkey_.end()) return std::nullopt;
    return std::make_pair(it->second, key_for_pubkey(it->second));
}

const SecretKey* KeyStore::key_for_xonly(const XOnlyPubkey& xonly) const {
    auto it = by_xonly_.find(xonly);
    return it == by_xonly_.end() ? nullptr : &keys_[it->second];
}

const Script* KeyStore::script_for_hash160(ByteView hash) const {
    auto it = by_hash160_.find(Bytes(hash.begin(), hash.end()));
    return it == by_hash160_.end() ? nullptr : &it->second;
}

const Script* KeyStore::script_for_sha256(ByteView hash) const {
    auto it = by_sha256_.find(Bytes(hash.begin(), hash.end()));
    return it == by_sha256_.end() ? nullptr : &it->second;
}

const TaprootSpendData* KeyStore::taproot_for_output(const XOnlyPubkey& output_key) const {
    auto it = taproot_.find(output_key);
    return it == taproot_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------
// Signing

namespace {

bool fail(std::string* error, const std::string& msg) {
    if (error) *error = msg;
    return false;
}

Script p2pkh_script(ByteView hash20) {
    Script s;
    s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash20).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    return s;
}

bool valid_taproot_hash_type(int t) {
    return t == SIGHASH_DEFAULT || t == SIGHASH_ALL || t == SIGHASH_NONE || t == SIGHASH_SINGLE ||
           t == (SIGHASH_ALL | SIGHASH_ANYONECANPAY) || t == (SIGHASH_NONE | SIGHASH_ANYONECANPAY) ||
           t == (SIGHASH_SINGLE | SIGHASH_ANYONECANPAY);
}

// Keys in `script` the store can sign for with ECDSA: pushed public keys, and keys whose
// HASH160 follows OP_HASH160 (pkh patterns). Returns the public keys.
std::vector<Bytes> ecdsa_keys_in(const Script& script, const KeyStore& keys) {
    std::vector<Bytes> out;
    size_t pc = 0;
    Opcode op, prev = OP_INVALIDOPCODE;
    ByteView push;
    while (pc < script.size() && script.get_op(pc, op, &push)) {
        Bytes pk;
        if ((push.size() == 33 || push.size() == 65) && keys.key_for_pubkey(push)) {
            pk.assign(push.begin(), push.end());
        } else if (push.size() == 20 && prev == OP_HASH160) {
            if (auto k = keys.key_for_hash160(push)) pk = k->first;
        }
        if (!pk.empty() && std::find(out.begin(), out.end(), pk) == out.end()) out.push_back(std::move(pk));
        prev = op;
    }
    return out;
}

std::vector<XOnlyPubkey> xonly_keys_in(const Script& script, const KeyStore& keys) {
    std::vector<XOnlyPubkey> out;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    while (pc < script.size() && script.get_op(pc, op, &push)) {
        if (push.size() != 32) continue;
        XOnlyPubkey x;
        std::copy(push.begin(), push.end(), x.begin());
        if (keys.key_for_xonly(x) && std::find(out.begin(), out.end(), x) == out.end()) out.push_back(x);
    }
    return out;
}

bool sign_input_impl(Psbt& psbt, size_t i, const KeyStore& keys, const SignOptions& opt, std::string* error) {
    const bool trust_witness_utxo = opt.trust_witness_utxos;
    if (i >= psbt.inputs.size()) return fail(error, "no such input");
    PsbtInput& in = psbt.inputs[i];
    if (in.is_final()) return true;
    const Transaction& tx = psbt.tx;
    const std::string where = "input " + std::to_string(i) + ": ";

    // The spent output. A non-witness UTXO proves the amount; a witness UTXO alone only
    // allows witness signatures (BIP174 signer checks).
    TxOut utxo;
    bool witness_only = false;
    if (in.non_witness_utxo) {
        if (in.non_witness_utxo->txid() != tx.vin[i].prevout.txid ||
            tx.vin[i].prevout.index >= in.non_witness_utxo->vout.size()) {
            return fail(error, where + "non-witness UTXO does not match the spent outpoint");
        }
        utxo = in.non_witness_utxo->vout[tx.vin[i].prevout.index];
    } else if (in.witness_utxo) {
        utxo = *in.witness_utxo;
        witness_only = !trust_witness_utxo;
    } else {
        return fail(error, where + "the spent output (UTXO) is unknown");
    }

    if (in.sighash_type && opt.hash_type && static_cast<uint32_t>(*opt.hash_type) != *in.sighash_type) {
        return fail(error, where + "the PSBT asks for sighash type " + std::to_string(*in.sighash_type) + ", not " +
                               std::to_string(*opt.hash_type));
    }
    // The hash type to use, or -1 for the default of the signature kind.
    const int requested = opt.hash_type ? *opt.hash_type : in.sighash_type ? static_cast<int>(*in.sighash_type) : -1;

    const Script& spk = utxo.script_pubkey;
    Script script = spk;
    if (spk.is_p2sh()) {
        const ByteView h = ByteView(spk.bytes()).subspan(2, 20);
        if (!in.redeem_script) {
            if (const Script* s = keys.script_for_hash160(h)) in.redeem_script = *s;
        }
        if (!in.redeem_script) return true;  // nothing we know how to sign
        const Hash160 rh = hash160(in.redeem_script->bytes());
        if (!std::equal(rh.begin(), rh.end(), h.begin())) {
            return fail(error, where + "redeemScript does not match the scriptPubKey");
        }
        script = *in.redeem_script;
    } else if (in.redeem_script) {
        return fail(error, where + "redeemScript given for an output that is not P2SH");
    }

    int version = 0;
    Bytes program;
    const bool is_witness = script.is_witness_program(version, program);

    if (is_witness && version == 1 && program.size() == 32 && !spk.is_p2sh()) {
        // ---- Taproot ----
        const int ht = requested >= 0 ? requested : int(SIGHASH_DEFAULT);
        if (!valid_taproot_hash_type(ht)) return fail(error, where + "invalid taproot sighash type");
        std::vector<TxOut> spent;
        for (size_t k = 0; k < psbt.inputs.size(); ++k) {
            std::optional<TxOut> o = psbt.spent_output(k);
            if (!o) return fail(error, where + "taproot signing needs the UTXO of every input");
            spent.push_back(std::move(*o));
        }
        const PrecomputedTxData txdata(tx, spent, /*force=*/true);
        XOnlyPubkey output_key;
        std::copy(program.begin(), program.end(), output_key.begin());
        if (const TaprootSpendData* d = keys.taproot_for_output(output_key)) {
            if (!in.tap_internal_key) in.tap_internal_key = d->internal_key;
            if (!in.tap_merkle_root && d->merkle_root) in.tap_merkle_root = d->merkle_root;
            for (const TaprootSpendData::Leaf& l : d->leaves) {
                in.tap_scripts[{l.script, l.leaf_version}].insert(l.control_block);
            }
        }
        auto add_sig_bytes = [&](const std::array<uint8_t, 64>& sig) {
            Bytes b(sig.begin(), sig.end());
            if (ht != SIGHASH_DEFAULT) b.push_back(static_cast<uint8_t>(ht));
            return b;
        };
        // Key path.
        if (in.tap_internal_key && !in.tap_key_sig) {
            if (const SecretKey* internal = keys.key_for_xonly(*in.tap_internal_key)) {
                std::optional<SecretKey> tweaked = taproot_tweak_secret(*internal, in.tap_merkle_root);
                if (tweaked && tweaked->xonly_pubkey() == output_key) {
                    ScriptExecutionData exec;
                    const auto h = taproot_signature_hash(exec, tx, static_cast<unsigned>(i), static_cast<uint8_t>(ht),
                                                          SigVersion::TAPROOT, txdata);
                    if (!h)
                        return fail(error, where + "no signature hash for this sighash type (SINGLE without output?)");
                    const auto sig = sign_schnorr(*tweaked, *h, opt.aux_rand);
                    if (!sig) return fail(error, where + "Schnorr signing failed");
                    in.tap_key_sig = add_sig_bytes(*sig);
                }
            }
        }
        // A key that is the output key itself (no tweak: rawtr()), as Core tries next.
        if (!in.tap_key_sig) {
            if (const SecretKey* direct = keys.key_for_xonly(output_key)) {
                ScriptExecutionData exec;
                const auto h = taproot_signature_hash(exec, tx, static_cast<unsigned>(i), static_cast<uint8_t>(ht),
                                                      SigVersion::TAPROOT, txdata);
                if (!h) return fail(error, where + "no signature hash for this sighash type (SINGLE without output?)");
                const auto sig = sign_schnorr(*direct, *h, opt.aux_rand);
                if (!sig) return fail(error, where + "Schnorr signing failed");
                in.tap_key_sig = add_sig_bytes(*sig);
            }
        }
        // Script path.
        for (const auto& [leaf, cbs] : in.tap_scripts) {
            if (leaf.second != kTaprootLeafTapscript) continue;
            const uint256 lh = tapleaf_hash(leaf.second, leaf.first);
            for (const XOnlyPubkey& x : xonly_keys_in(leaf.first, keys)) {
                if (in.tap_script_sigs.count({x, lh})) continue;
                ScriptExecutionData exec;
                exec.tapleaf_hash_init = true;
                exec.tapleaf_hash = lh;
                exec.codeseparator_pos_init = true;
                exec.codeseparator_pos = 0xffffffff;
                const auto h = taproot_signature_hash(exec, tx, static_cast<unsigned>(i), static_cast<uint8_t>(ht),
                                                      SigVersion::TAPSCRIPT, txdata);
                if (!h) return fail(error, where + "no signature hash for this sighash type (SINGLE without output?)");
                const auto sig = sign_schnorr(*keys.key_for_xonly(x), *h, opt.aux_rand);
                if (!sig) return fail(error, where + "Schnorr signing failed");
                in.tap_script_sigs[{x, lh}] = add_sig_bytes(*sig);
            }
        }
        return true;
    }

    // ---- ECDSA: legacy, P2WPKH, P2WSH (possibly inside P2SH) ----
    const int ht = requested >= 0 ? requested : int(SIGHASH_ALL);
    if (ht == SIGHASH_DEFAULT || ht < 0 || ht > 0xff) return fail(error, where + "invalid sighash type for ECDSA");
    SigVersion sigversion = SigVersion::BASE;
    Script script_code;
    std::vector<Bytes> signers;
    if (is_witness) {
        if (version != 0) return true;  // unknown witness version: nothing to sign
        sigversion = SigVersion::WITNESS_V0;
        if (program.size() == 20) {
            auto k = keys.key_for_hash160(program);
            if (!k || k->first.size() != 33) return true;
            script_code = p2pkh_script(program);
            signers.push_back(k->first);
        } else if (program.size() == 32) {
            if (!in.witness_script) {
                if (const Script* s = keys.script_for_sha256(program)) in.witness_script = *s;
            }
            if (!in.witness_script) return true;
            if (sha256(in.witness_script->bytes()) != uint256(program)) {
                return fail(error, where + "witnessScript does not match the scriptPubKey or redeemScript");
            }
            script_code = *in.witness_script;
            signers = ecdsa_keys_in(script_code, keys);
        } else {
            return fail(error, where + "invalid witness v0 program length");
        }
    } else {
        if (in.witness_script) return fail(error, where + "witnessScript given for a non-witness output");
        if (witness_only) {
            return fail(error, where +
                                   "only a witness UTXO is given for a non-witness output; the full previous "
                                   "transaction is needed to sign it safely");
        }
        script_code = script;
        signers = ecdsa_keys_in(script_code, keys);
    }
    if (signers.empty()) return true;

    uint256 hash;
    if (sigversion == SigVersion::BASE) {
        hash = legacy_signature_hash(script_code, tx, static_cast<unsigned>(i), ht);
    } else {
        hash = witness_v0_signature_hash(script_code, tx, static_cast<unsigned>(i), ht, utxo.value, nullptr);
    }
    for (const Bytes& pk : signers) {
        if (in.partial_sigs.count(pk)) continue;
        const SecretKey* key = keys.key_for_pubkey(pk);
        if (!key) continue;
        Bytes sig = sign_ecdsa(*key, hash, opt.grind_low_r);
        if (sig.empty() || !verify_ecdsa(pk, sig, hash)) return fail(error, where + "ECDSA signing failed");
        sig.push_back(static_cast<uint8_t>(ht));
        in.partial_sigs[pk] = std::move(sig);
    }
    return true;
}

}  // namespace

bool sign_psbt_input(Psbt& psbt, size_t i, const KeyStore& keys, const SignOptions& options, std::string* error) {
    return sign_input_impl(psbt, i, keys, options, error);
}

size_t sign_psbt(Psbt& psbt, const KeyStore& keys, const SignOptions& options, std::string* error) {
    size_t final_count = 0;
    bool reported = false;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        std::string err;
        if (!sign_psbt_input(psbt, i, keys, options, &err) && !reported) {
            if (error) *error = err;
            reported = true;
        }
        if (finalize_input(psbt, i, keys.miniscript_lookup())) ++final_count;
    }
    return final_count;
}

bool sign_transaction_input(Transaction& tx, size_t i, const std::vector<TxOut>& spent_outputs, const KeyStore& keys,
                            const SignOptions& options, std::string* error) {
    if (i >= tx.vin.size()) return fail(error, "no such input");
    if (spent_outputs.size() != tx.vin.size()) return fail(error, "one spent output per input is needed");
    Psbt psbt = Psbt::from_transaction(tx);
    for (size_t k = 0; k < spent_outputs.size(); ++k) psbt.inputs[k].witness_utxo = spent_outputs[k];
    SignOptions trusted = options;
    trusted.trust_witness_utxos = true;
    if (!sign_input_impl(psbt, i, keys, trusted, error)) return false;
    // Builds the scriptSig/witness and checks it with the interpreter.
    if (!finalize_input(psbt, i, keys.miniscript_lookup())) {
        return fail(error, "input " + std::to_string(i) +
                               ": could not produce a valid signature (missing keys or "
                               "scripts, or verification failed)");
    }
    tx.vin[i].script_sig = psbt.inputs[i].final_script_sig.value_or(Script());
    tx.vin[i].witness = psbt.inputs[i].final_script_witness.value_or(Witness());
    return true;
}

bool sign_transaction(Transaction& tx, const std::vector<TxOut>& spent_outputs, const KeyStore& keys,
                      const SignOptions& options, std::string* error) {
    bool all = true;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        std::string err;
        if (!sign_transaction_input(tx, i, spent_outputs, keys, options, &err)) {
            if (all && error) *error = err;
            all = false;
        }
    }
    return all && verify_transaction_scripts(tx, spent_outputs, error);
}

bool verify_transaction_scripts(const Transaction& tx, const std::vector<TxOut>& spent_outputs, std::string* error) {
    if (spent_outputs.size() != tx.vin.size()) return fail(error, "one spent output per input is needed");
    const PrecomputedTxData txdata(tx, spent_outputs);
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const TransactionSignatureChecker checker(tx, static_cast<unsigned>(i), spent_outputs[i].value, &txdata);
        ScriptError serr;
        if (!verify_script(tx.vin[i].script_sig, spent_outputs[i].script_pubkey, &tx.vin[i].witness,
                           kStandardScriptFlags, checker, &serr)) {
            return fail(error, "input " + std::to_string(i) + " does not verify: " + script_error_name(serr));
        }
    }
    return true;
}

}  // namespace minicash
