#include "node/psbt_analysis.h"

#include "common/raw_tx_signing.h"
#include "common/script_solver.h"
#include "consensus/interpreter.h"
#include "consensus/script_flags.h"
#include "consensus/signature_checker.h"
#include "consensus/tx_verify.h"
#include "node/policy.h"
#include "util/hash.h"

namespace minicash {
namespace {

Bytes hash160_bytes(ByteView b) {
    const Hash160 h = hash160(b);
    return Bytes(h.begin(), h.end());
}

// Core's PSBTInputSignedAndVerified: the final scripts (possibly empty) satisfy the UTXO.
bool signed_and_verified(const Psbt& psbt, size_t i, const PrecomputedTxData& txdata) {
    const std::optional<TxOut> utxo = psbt.input_utxo(i);
    if (!utxo) return false;
    const PsbtInput& in = psbt.inputs[i];
    const Script sig = in.final_script_sig.value_or(Script());
    const Witness wit = in.final_script_witness.value_or(Witness());
    const TransactionSignatureChecker checker(psbt.tx, unsigned(i), utxo->value, &txdata);
    return verify_script(sig, utxo->script_pubkey, &wit, kStandardScriptFlags, checker);
}

// Walks the scripts an input must satisfy, as Core's SignStep does without keys, noting
// what is missing. Returns true when the signatures present solve the script.
struct MissingWalk {
    const PsbtInput& in;
    PsbtInputStatus& st;

    std::optional<Bytes> pubkey_for(ByteView hash) const {
        auto matches = [&](const Bytes& pk) { return hash160_bytes(pk) == Bytes(hash.begin(), hash.end()); };
        for (const auto& [pk, s] : in.partial_sigs)
            if (matches(pk)) return pk;
        for (const auto& [pk, o] : in.bip32_derivs)
            if (matches(pk)) return pk;
        return std::nullopt;
    }
    bool have_sig(const Bytes& pk) {
        if (in.partial_sigs.count(pk)) return true;
        st.missing_sigs.push_back(hash160_bytes(pk));
        return false;
    }

    bool walk(const Script& s, bool inside_p2sh) {
        std::vector<Bytes> sol;
        switch (solve(s, &sol)) {
        case TxoutType::PUBKEY: return have_sig(sol[0]);
        case TxoutType::PUBKEYHASH: {
            const auto pk = pubkey_for(sol[0]);
            if (!pk) {
                st.missing_pubkeys.push_back(sol[0]);
                return false;
            }
            return have_sig(*pk);
        }
        case TxoutType::SCRIPTHASH:
            if (inside_p2sh) return false;
            if (!in.redeem_script || hash160_bytes(in.redeem_script->bytes()) != sol[0]) {
                st.missing_redeem_script = sol[0];
                return false;
            }
            return walk(*in.redeem_script, true);
        case TxoutType::MULTISIG: {
            size_t have = 0;
            for (size_t k = 1; k + 1 < sol.size(); ++k) have += have_sig(sol[k]) ? 1 : 0;
            return have >= sol.front()[0];
        }
        case TxoutType::WITNESS_V0_KEYHASH: {
            Script p2pkh;
            p2pkh.push_op(OP_DUP).push_op(OP_HASH160).push_data(sol[0]).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
            return walk(p2pkh, true);
        }
        case TxoutType::WITNESS_V0_SCRIPTHASH:
            if (!in.witness_script || sha256(in.witness_script->bytes()) != uint256(sol[0])) {
                st.missing_witness_script = sol[0];
                return false;
            }
            return walk(*in.witness_script, true);
        case TxoutType::WITNESS_V1_TAPROOT: return !inside_p2sh && in.tap_key_sig.has_value();
        case TxoutType::ANCHOR: return true;
        default: return false;
        }
    }
};

// The input completed with dummy signatures for every key it needs (Core's
// DUMMY_SIGNATURE_CREATOR), as final scripts; nullopt when it cannot be completed.
std::optional<std::pair<Script, Witness>> dummy_signed(const PsbtInput& in, const Script& spk) {
    PsbtInput d = in;
    Bytes ecdsa(71, 0);
    ecdsa[0] = 0x30, ecdsa[1] = 68, ecdsa[2] = 0x02, ecdsa[3] = 32, ecdsa[4] = 0x01;
    ecdsa[36] = 0x02, ecdsa[37] = 32, ecdsa[38] = 0x01, ecdsa[70] = SIGHASH_ALL;
    auto add_for_script = [&](const Script& s) {
        std::vector<Bytes> sol;
        switch (solve(s, &sol)) {
        case TxoutType::PUBKEY: d.partial_sigs.emplace(sol[0], ecdsa); break;
        case TxoutType::MULTISIG:
            for (size_t k = 1; k + 1 < sol.size(); ++k) d.partial_sigs.emplace(sol[k], ecdsa);
            break;
        case TxoutType::PUBKEYHASH:
        case TxoutType::WITNESS_V0_KEYHASH:
            for (const auto& [pk, o] : in.bip32_derivs)
                if (hash160_bytes(pk) == sol[0]) d.partial_sigs.emplace(pk, ecdsa);
            break;
        default: break;
        }
    };
    add_for_script(spk);
    if (d.redeem_script) add_for_script(*d.redeem_script);
    if (d.witness_script) add_for_script(*d.witness_script);
    if (solve(spk) == TxoutType::WITNESS_V1_TAPROOT) {
        if (!d.tap_key_sig) d.tap_key_sig = Bytes(64, 0);
        return std::make_pair(Script(), Witness{*d.tap_key_sig});
    }
    const InputScripts scripts = assemble_input_scripts(d, spk);
    if (!scripts.solved) return std::nullopt;
    return std::make_pair(scripts.script_sig, scripts.witness);
}

PsbtStatus invalid(std::string message) {
    PsbtStatus s;
    s.error = std::move(message);
    return s;
}

bool is_witness_program(const Script& s) {
    int version = 0;
    Bytes program;
    return s.is_witness_program(version, program);
}

// Core's SignPSBTInput refuses (without noting anything missing) when the input's sighash
// field or signatures disagree with the default, or when only a witness UTXO backs a
// spend that is not a witness spend.
bool signer_would_refuse(const PsbtInput& in, const Script& spk) {
    if (!psbt_input_sighash(in, spk, std::nullopt)) return true;
    if (in.non_witness_utxo || !in.witness_utxo) return false;
    if (is_witness_program(spk)) return false;
    return !(spk.is_p2sh() && in.redeem_script && is_witness_program(*in.redeem_script));
}

}  // namespace

PsbtStatus psbt_status(const Psbt& original) {
    Psbt psbt = original;  // inputs found complete are finalized in this copy
    PsbtStatus result;
    result.inputs.resize(psbt.tx.vin.size());
    bool calc_fee = true;
    Amount in_amount = 0;

    std::vector<TxOut> spent;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        auto u = psbt.input_utxo(i);
        if (!u) {
            spent.clear();
            break;
        }
        spent.push_back(*u);
    }
    const PrecomputedTxData txdata(psbt.tx, spent, /*force=*/true);

    for (size_t i = 0; i < psbt.tx.vin.size(); ++i) {
        PsbtInputStatus& st = result.inputs[i];
        PsbtInput& in = psbt.inputs[i];
        const std::optional<TxOut> utxo = psbt.input_utxo(i);
        if (utxo) {
            if (!money_range(utxo->value) || !money_range(in_amount + utxo->value))
                return invalid("PSBT is not valid. Input " + std::to_string(i) + " has invalid value");
            in_amount += utxo->value;
            st.has_utxo = true;
        } else {
            if (in.non_witness_utxo && psbt.tx.vin[i].prevout.index >= in.non_witness_utxo->vout.size())
                return invalid("PSBT is not valid. Input " + std::to_string(i) + " specifies invalid prevout");
            st.next = PsbtRole::UPDATER;
            calc_fee = false;
        }
        if (utxo && utxo->script_pubkey.is_unspendable())
            return invalid("PSBT is not valid. Input " + std::to_string(i) + " spends unspendable output");

        if (signed_and_verified(psbt, i, txdata)) {
            st.is_final = utxo.has_value();
            continue;
        }
        st.is_final = false;
        if (!utxo || signer_would_refuse(in, utxo->script_pubkey)) {
            st.next = PsbtRole::UPDATER;
            continue;
        }
        Psbt attempt = psbt;
        if (finalize_input(attempt, i)) {
            psbt.inputs[i] = attempt.inputs[i];
            st.next = PsbtRole::FINALIZER;
            continue;
        }
        MissingWalk{in, st}.walk(utxo->script_pubkey, false);
        const bool only_sigs_missing = st.missing_pubkeys.empty() && st.missing_redeem_script.empty() &&
                                       st.missing_witness_script.empty() && !st.missing_sigs.empty();
        st.next = only_sigs_missing ? PsbtRole::SIGNER : PsbtRole::UPDATER;
    }

    result.next = PsbtRole::EXTRACTOR;
    for (const PsbtInputStatus& st : result.inputs) result.next = std::min(result.next, st.next);

    if (!calc_fee) return result;
    Amount out_amount = 0;
    for (const TxOut& o : psbt.tx.vout) {
        if (!money_range(out_amount) || !money_range(o.value) || !money_range(out_amount + o.value)) {
            out_amount = -1;
            break;
        }
        out_amount += o.value;
    }
    if (!money_range(out_amount)) return invalid("PSBT is not valid. Output amount invalid");
    const Amount fee = in_amount - out_amount;
    result.fee = fee;

    // Size of the finished transaction: final inputs as they are, the others with dummy signatures.
    Transaction tx = psbt.tx;
    std::vector<Coin> coins;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        const std::optional<TxOut> utxo = psbt.input_utxo(i);
        if (!utxo) return result;
        if (in.is_final()) {
            tx.vin[i].script_sig = in.final_script_sig.value_or(Script());
            tx.vin[i].witness = in.final_script_witness.value_or(Witness());
        } else {
            if (signer_would_refuse(in, utxo->script_pubkey)) return result;
            auto scripts = dummy_signed(in, utxo->script_pubkey);
            if (!scripts) return result;
            tx.vin[i].script_sig = scripts->first;
            tx.vin[i].witness = scripts->second;
        }
        coins.push_back(Coin{*utxo, 1, false});
    }
    const size_t vsize = policy::virtual_size(tx.weight(), transaction_sigop_cost(tx, coins, kStandardScriptFlags));
    result.estimated_vsize = vsize;
    result.estimated_feerate = policy::rate_of(fee, vsize);
    return result;
}

}  // namespace minicash
