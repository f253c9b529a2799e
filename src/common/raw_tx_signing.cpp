#include "common/raw_tx_signing.h"

#include "common/script_solver.h"
#include "consensus/amount.h"
#include "consensus/interpreter.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/signature_checker.h"
#include "util/hash.h"

namespace minicash {
namespace {

// Passes checks on to `inner` and keeps every valid ECDSA signature it sees (Core's
// SignatureExtractorChecker).
class ExtractingChecker : public SignatureChecker {
public:
    ExtractingChecker(const SignatureChecker& inner, PsbtInput& out) : inner_(inner), out_(out) {}

    bool check_ecdsa_signature(ByteView sig, ByteView pubkey, const Script& script_code,
                               SigVersion sigversion) const override {
        if (!inner_.check_ecdsa_signature(sig, pubkey, script_code, sigversion)) return false;
        out_.partial_sigs[Bytes(pubkey.begin(), pubkey.end())] = Bytes(sig.begin(), sig.end());
        return true;
    }
    bool check_schnorr_signature(ByteView sig, ByteView pubkey_xonly, SigVersion sigversion,
                                 ScriptExecutionData& execdata, ScriptError* error) const override {
        return inner_.check_schnorr_signature(sig, pubkey_xonly, sigversion, execdata, error);
    }
    bool check_locktime(const ScriptNum& locktime) const override { return inner_.check_locktime(locktime); }
    bool check_sequence(const ScriptNum& sequence) const override { return inner_.check_sequence(sequence); }

private:
    const SignatureChecker& inner_;
    PsbtInput& out_;
};

// Core's PushAll: empty -> OP_0, a single byte 1..16 -> OP_n, 0x81 -> OP_1NEGATE.
Script push_all(const std::vector<Bytes>& items) {
    Script s;
    for (const Bytes& b : items) {
        if (b.empty()) s.push_op(OP_0);
        else if (b.size() == 1 && b[0] >= 1 && b[0] <= 16) s.push_op(Opcode(OP_1 + b[0] - 1));
        else if (b.size() == 1 && b[0] == 0x81) s.push_op(OP_1NEGATE);
        else s.push_data(b);
    }
    return s;
}

Script p2pkh_script(ByteView hash20) {
    Script s;
    s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash20).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
    return s;
}

// One step of Core's SignStep, using only the signatures and scripts already in `d`.
struct Step {
    std::vector<Bytes> stack;
    bool solved = false;
    TxoutType type = TxoutType::NONSTANDARD;
};

Step sign_step(const Script& script, const PsbtInput& d) {
    Step st;
    std::vector<Bytes> sol;
    st.type = solve(script, &sol);
    auto sig_for = [&](const Bytes& pk) -> const Bytes* {
        auto it = d.partial_sigs.find(pk);
        return it == d.partial_sigs.end() ? nullptr : &it->second;
    };
    switch (st.type) {
    case TxoutType::PUBKEY:
        if (const Bytes* s = sig_for(sol[0])) {
            st.stack = {*s};
            st.solved = true;
        }
        break;
    case TxoutType::PUBKEYHASH: {
        // The key: one that signed, or one whose origin the data lists.
        const Bytes* pubkey = nullptr;
        auto matches = [&](const Bytes& pk) {
            const Hash160 h = hash160(pk);
            return std::equal(h.begin(), h.end(), sol[0].begin(), sol[0].end());
        };
        for (const auto& [pk, s] : d.partial_sigs)
            if (!pubkey && matches(pk)) pubkey = &pk;
        for (const auto& [pk, o] : d.bip32_derivs)
            if (!pubkey && matches(pk)) pubkey = &pk;
        if (pubkey)
            if (const Bytes* s = sig_for(*pubkey)) {
                st.stack = {*s, *pubkey};
                st.solved = true;
            }
        break;
    }
    case TxoutType::SCRIPTHASH:
        if (d.redeem_script) {
            const Hash160 h = hash160(d.redeem_script->bytes());
            if (std::equal(h.begin(), h.end(), sol[0].begin(), sol[0].end())) {
                st.stack = {d.redeem_script->bytes()};
                st.solved = true;
            }
        }
        break;
    case TxoutType::MULTISIG: {
        const size_t required = sol.front()[0];
        st.stack.emplace_back();  // CHECKMULTISIG's extra pop
        for (size_t k = 1; k + 1 < sol.size(); ++k)
            if (const Bytes* s = sig_for(sol[k]); s && st.stack.size() < required + 1) st.stack.push_back(*s);
        st.solved = st.stack.size() == required + 1;
        while (st.stack.size() < required + 1) st.stack.emplace_back();  // an empty push per missing signature
        break;
    }
    case TxoutType::WITNESS_V0_KEYHASH:
        st.stack = {sol[0]};
        st.solved = true;
        break;
    case TxoutType::WITNESS_V0_SCRIPTHASH:
        if (d.witness_script && sha256(d.witness_script->bytes()) == uint256(sol[0])) {
            st.stack = {d.witness_script->bytes()};
            st.solved = true;
        }
        break;
    case TxoutType::ANCHOR: st.solved = true; break;
    default: break;  // NONSTANDARD, NULL_DATA, WITNESS_UNKNOWN; taproot: see assemble_input_scripts
    }
    return st;
}

// Verifies input `i` of `tx` as it stands.
bool verify_input(const Transaction& tx, size_t i, const TxOut& spent, const PrecomputedTxData* txdata,
                  ScriptError* error) {
    const TransactionSignatureChecker checker(tx, unsigned(i), spent.value, txdata);
    return verify_script(tx.vin[i].script_sig, spent.script_pubkey, &tx.vin[i].witness, kStandardScriptFlags, checker,
                         error);
}

bool is_taproot(const Script& spk) { return classify(spk) == TxoutType::WITNESS_V1_TAPROOT; }

}  // namespace

InputSignatures extract_input_signatures(const Transaction& tx, size_t i, const TxOut& spent,
                                         const PrecomputedTxData* txdata) {
    InputSignatures out;
    const TransactionSignatureChecker tx_checker(tx, unsigned(i), spent.value, txdata);
    const ExtractingChecker checker(tx_checker, out.data);
    const TxIn& in = tx.vin[i];
    if (verify_script(in.script_sig, spent.script_pubkey, &in.witness, kStandardScriptFlags, checker)) {
        out.complete = true;
        return out;
    }
    // The scriptSig's stack (its pushes, run without signatures) and the witness.
    Stack script_stack;
    // A scriptSig that does not run leaves what it pushed before failing: Core reads the
    // stack the same way, whatever the result.
    (void)eval_script(script_stack, in.script_sig, SCRIPT_VERIFY_STRICTENC, SignatureChecker(), SigVersion::BASE);
    Stack witness_stack = in.witness;

    std::vector<Bytes> sol;
    TxoutType type = solve(spent.script_pubkey, &sol);
    Script next = spent.script_pubkey;
    SigVersion sigversion = SigVersion::BASE;
    if (type == TxoutType::SCRIPTHASH && !script_stack.empty() && !script_stack.back().empty()) {
        next = Script(script_stack.back());
        out.data.redeem_script = next;
        sol.clear();
        type = solve(next, &sol);
        script_stack.pop_back();
    }
    if (type == TxoutType::WITNESS_V0_SCRIPTHASH && !witness_stack.empty() && !witness_stack.back().empty()) {
        next = Script(witness_stack.back());
        out.data.witness_script = next;
        sol.clear();
        type = solve(next, &sol);
        witness_stack.pop_back();
        script_stack = std::move(witness_stack);
        witness_stack.clear();
        sigversion = SigVersion::WITNESS_V0;
    }
    if (type == TxoutType::MULTISIG && !script_stack.empty()) {
        // Match the signatures to the keys, in order (CHECKMULTISIG's rule).
        const size_t keys = sol.size() - 2;
        size_t next_key = 0;
        for (const Bytes& sig : script_stack) {
            for (size_t k = next_key; k < keys; ++k) {
                const Bytes& pk = sol[k + 1];
                if (out.data.partial_sigs.count(pk) || checker.check_ecdsa_signature(sig, pk, next, sigversion)) {
                    next_key = k + 1;
                    break;
                }
            }
        }
    }
    return out;
}

InputScripts assemble_input_scripts(const PsbtInput& data, const Script& script_pubkey) {
    InputScripts out;
    Step st = sign_step(script_pubkey, data);
    std::vector<Bytes> result = std::move(st.stack);
    bool solved = st.solved;
    TxoutType type = st.type;
    bool p2sh = false;
    Bytes subscript;
    if (solved && type == TxoutType::SCRIPTHASH) {
        subscript = result[0];
        Step inner = sign_step(Script(subscript), data);
        result = std::move(inner.stack);
        solved = inner.solved && inner.type != TxoutType::SCRIPTHASH;
        type = inner.type;
        p2sh = true;
    }
    if (solved && type == TxoutType::WITNESS_V0_KEYHASH) {
        Step w = sign_step(p2pkh_script(result[0]), data);
        solved = w.solved;
        out.witness = std::move(w.stack);
        result.clear();
    } else if (solved && type == TxoutType::WITNESS_V0_SCRIPTHASH) {
        const Bytes ws = result[0];
        Step w = sign_step(Script(ws), data);
        solved = w.solved && w.type != TxoutType::SCRIPTHASH && w.type != TxoutType::WITNESS_V0_SCRIPTHASH &&
                 w.type != TxoutType::WITNESS_V0_KEYHASH;
        out.witness = std::move(w.stack);
        out.witness.push_back(ws);
        result.clear();
    } else if (type == TxoutType::WITNESS_V1_TAPROOT && !p2sh) {
        out.keep_witness = true;  // the caller finalizes taproot inputs (common/psbt.h)
        solved = false;
        result.clear();
    }
    if (p2sh) result.push_back(subscript);
    out.script_sig = push_all(result);
    out.solved = solved;
    return out;
}

bool sign_raw_transaction(Transaction& tx, const std::vector<std::optional<TxOut>>& spent, const KeyStore& keys,
                          std::optional<int> hash_type, std::map<size_t, std::string>& errors) {
    const int ht = hash_type.value_or(SIGHASH_DEFAULT);
    const bool single = (ht & ~SIGHASH_ANYONECANPAY) == SIGHASH_SINGLE;

    // Taproot signature hashes need every spent output.
    std::vector<TxOut> all_spent;
    for (const auto& o : spent) {
        if (!o) {
            all_spent.clear();
            break;
        }
        all_spent.push_back(*o);
    }
    const Transaction unsigned_copy = tx;
    const PrecomputedTxData txdata(unsigned_copy, all_spent, /*force=*/true);

    SignOptions options;
    options.hash_type = ht == SIGHASH_DEFAULT ? std::nullopt : std::optional<int>(ht);
    options.trust_witness_utxos = true;

    for (size_t i = 0; i < tx.vin.size(); ++i) {
        if (i >= spent.size() || !spent[i]) {
            errors[i] = "Input not found or already spent";
            continue;
        }
        const TxOut& out = *spent[i];
        const InputSignatures found = extract_input_signatures(tx, i, out, &txdata);
        if (!found.complete && (!single || i < tx.vout.size())) {
            // Sign on a PSBT of the transaction, whose inputs carry the known coins.
            Psbt psbt = Psbt::from_transaction(tx);
            for (size_t k = 0; k < spent.size() && k < psbt.inputs.size(); ++k)
                if (spent[k]) psbt.inputs[k].witness_utxo = spent[k];
            psbt.inputs[i].merge(found.data);
            // A key or script that is missing is not an error here: the input is judged
            // below by verifying what could be built, with Core's per-input messages.
            (void)sign_psbt_input(psbt, i, keys, options);
            const InputScripts scripts = assemble_input_scripts(psbt.inputs[i], out.script_pubkey);
            if (is_taproot(out.script_pubkey)) {
                if (finalize_input(psbt, i)) {
                    tx.vin[i].script_sig = psbt.inputs[i].final_script_sig.value_or(Script());
                    tx.vin[i].witness = psbt.inputs[i].final_script_witness.value_or(Witness());
                }
            } else {
                tx.vin[i].script_sig = scripts.script_sig;
                tx.vin[i].witness = scripts.witness;
            }
        }
        // A witness signature commits to the amount: it must have been given.
        if (out.value == kMaxMoney && !tx.vin[i].witness.empty()) {
            errors[i] = "Missing amount";
            continue;
        }
        ScriptError serr = ScriptError::OK;
        if (!found.complete && !verify_input(tx, i, out, &txdata, &serr)) {
            if (serr == ScriptError::INVALID_STACK_OPERATION)
                errors[i] = "Unable to sign input, invalid stack size (possibly missing key)";
            else if (serr == ScriptError::SIG_NULLFAIL)
                errors[i] = "CHECK(MULTI)SIG failing with non-zero signature (possibly need more signatures)";
            else errors[i] = script_error_message(serr);
        } else {
            errors.erase(i);
        }
    }
    return errors.empty();
}

void combine_input_signatures(Transaction& merged, size_t i, const std::vector<Transaction>& variants,
                              const TxOut& spent) {
    PsbtInput data;
    for (const Transaction& v : variants) {
        if (v.vin.size() <= i) continue;
        InputSignatures found = extract_input_signatures(v, i, spent);
        if (found.complete) {
            // A complete variant wins as it is.
            merged.vin[i].script_sig = v.vin[i].script_sig;
            merged.vin[i].witness = v.vin[i].witness;
            return;
        }
        if (!data.redeem_script) data.redeem_script = found.data.redeem_script;
        if (!data.witness_script) data.witness_script = found.data.witness_script;
        data.partial_sigs.insert(found.data.partial_sigs.begin(), found.data.partial_sigs.end());
    }
    const InputScripts scripts = assemble_input_scripts(data, spent.script_pubkey);
    merged.vin[i].script_sig = scripts.script_sig;
    if (!scripts.keep_witness) merged.vin[i].witness = scripts.witness;
}

}  // namespace minicash
