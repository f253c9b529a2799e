#include "common/bip322.h"

#include "common/base64.h"
#include "common/psbt.h"
#include "consensus/interpreter.h"
#include "consensus/serialize.h"
#include "consensus/signature_checker.h"
#include "util/hash.h"

namespace minicash::bip322 {

namespace {

constexpr ScriptFlags kRequiredFlags = kMandatoryScriptFlags | SCRIPT_VERIFY_STRICTENC | SCRIPT_VERIFY_MINIMALDATA |
                                       SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_MINIMALIF | SCRIPT_VERIFY_NULLFAIL |
                                       SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_WITNESS_PUBKEYTYPE |
                                       SCRIPT_VERIFY_CONST_SCRIPTCODE;
constexpr ScriptFlags kUpgradableFlags =
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION | SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS |
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;

// The real checker, refusing every hash type but ALL (and taproot's DEFAULT).
class SighashAllChecker : public TransactionSignatureChecker {
public:
    using TransactionSignatureChecker::TransactionSignatureChecker;
    bool check_ecdsa_signature(ByteView sig, ByteView pubkey, const Script& script_code,
                               SigVersion sigversion) const override {
        if (sig.empty() || sig.back() != SIGHASH_ALL) return false;
        return TransactionSignatureChecker::check_ecdsa_signature(sig, pubkey, script_code, sigversion);
    }
    bool check_schnorr_signature(ByteView sig, ByteView pubkey_xonly, SigVersion sigversion,
                                 ScriptExecutionData& execdata, ScriptError* error) const override {
        if (sig.size() == 65 && sig.back() != SIGHASH_ALL) {
            if (error) *error = ScriptError::SCHNORR_SIG_HASHTYPE;
            return false;
        }
        return TransactionSignatureChecker::check_schnorr_signature(sig, pubkey_xonly, sigversion, execdata, error);
    }
};

Result fail(Result r, State state, std::string why) {
    r.state = state;
    r.error = std::move(why);
    return r;
}

Bytes serialize_witness(const Witness& w) {
    Bytes out;
    Writer wr(out);
    write_witness(wr, w);
    return out;
}

// Checks the shape of to_sign and runs every input's scripts. `spent[i]` is what input i
// spends (spent[0] is to_spend's output).
Result check(Result r, const Transaction& signed_tx, const Transaction& spend_tx, const std::vector<TxOut>& spent) {
    if (signed_tx.vin.empty() || signed_tx.vin[0].prevout != OutPoint{spend_tx.txid(), 0})
        return fail(r, State::kInvalid,
                    "invalid signature: to_sign does not spend to_spend (wrong message or address)");
    if (signed_tx.vout.size() != 1 || signed_tx.vout[0].value != 0 || signed_tx.vout[0].script_pubkey.size() != 1 ||
        signed_tx.vout[0].script_pubkey[0] != OP_RETURN)
        return fail(r, State::kInvalid, "invalid signature: to_sign must have one output of 0 to OP_RETURN");
    if (spent.size() != signed_tx.vin.size())
        return fail(r, State::kInconclusive, "inconclusive: the outputs spent by the additional inputs are unknown");
    r.locktime = signed_tx.locktime;
    r.sequence = signed_tx.vin[0].sequence;
    const PrecomputedTxData txdata(signed_tx, spent);
    bool upgradable = false;
    for (size_t i = 0; i < signed_tx.vin.size(); ++i) {
        const SighashAllChecker checker(signed_tx, unsigned(i), spent[i].value, &txdata);
        ScriptError err = ScriptError::OK;
        const TxIn& in = signed_tx.vin[i];
        if (verify_script(in.script_sig, spent[i].script_pubkey, &in.witness, kRequiredFlags | kUpgradableFlags,
                          checker, &err))
            continue;
        ScriptError err2 = ScriptError::OK;
        if (verify_script(in.script_sig, spent[i].script_pubkey, &in.witness, kRequiredFlags, checker, &err2)) {
            upgradable = true;
            continue;
        }
        return fail(r, State::kInvalid,
                    "invalid signature (input " + std::to_string(i) + ": " + script_error_name(err2) + ")");
    }
    if (upgradable)
        return fail(r, State::kInconclusive, "inconclusive: the signature uses a rule reserved for upgrades");
    if (signed_tx.version != 0 && signed_tx.version != 2)
        return fail(r, State::kInconclusive,
                    "inconclusive: to_sign version " + std::to_string(signed_tx.version) + " (0 or 2 expected)");
    r.state = State::kValid;
    return r;
}

}  // namespace

uint256 message_hash(std::string_view message) {
    return tagged_hash("BIP0322-signed-message",
                       ByteView(reinterpret_cast<const uint8_t*>(message.data()), message.size()));
}

Transaction to_spend(const Script& challenge, std::string_view message) {
    Transaction t;
    t.version = 0;
    t.locktime = 0;
    TxIn in;
    in.prevout = OutPoint{uint256(), 0xffffffff};
    in.sequence = 0;
    const uint256 h = message_hash(message);
    in.script_sig.push_op(OP_0).push_data(h.view());
    t.vin.push_back(in);
    t.vout.push_back(TxOut{0, challenge});
    return t;
}

Transaction to_sign(const Transaction& to_spend_tx, int32_t version, uint32_t locktime, uint32_t sequence) {
    Transaction t;
    t.version = version;
    t.locktime = locktime;
    TxIn in;
    in.prevout = OutPoint{to_spend_tx.txid(), 0};
    in.sequence = sequence;
    t.vin.push_back(in);
    Script ret;
    ret.push_op(OP_RETURN);
    t.vout.push_back(TxOut{0, ret});
    return t;
}

const char* format_name(Format f) {
    switch (f) {
    case Format::kSimple: return "simple";
    case Format::kFull: return "full";
    case Format::kProofOfFunds: return "proof of funds";
    }
    return "?";
}

std::string encode_simple(const Witness& witness) { return "smp" + base64_encode(serialize_witness(witness)); }

std::string encode_full(const Transaction& signed_to_sign) {
    return "ful" + base64_encode(signed_to_sign.serialize(true));
}

Result verify(const Script& challenge, std::string_view signature, std::string_view message) {
    Result r;
    if (signature.empty()) return fail(r, State::kInvalid, "signature too short");
    std::string_view body = signature;
    if (signature.starts_with("smp")) body.remove_prefix(3);
    else if (signature.starts_with("ful")) r.format = Format::kFull, body.remove_prefix(3);
    else if (signature.starts_with("pof")) r.format = Format::kProofOfFunds, body.remove_prefix(3);
    // Anything else: a simple signature without its prefix (signatures made before the BIP
    // was finished).
    if (body.empty()) return fail(r, State::kInvalid, "signature too short");
    const std::optional<Bytes> raw = base64_decode(body);
    if (!raw) return fail(r, State::kInvalid, "error decoding signature as base64");
    const Transaction spend_tx = to_spend(challenge, message);

    if (r.format == Format::kSimple) {
        Reader rd(*raw);
        Witness w;
        read_witness(rd, w);
        if (!rd.ok() || !rd.empty()) return fail(r, State::kInvalid, "error parsing signature as simple variant");
        Transaction signed_tx = to_sign(spend_tx);
        signed_tx.vin[0].witness = std::move(w);
        return check(r, signed_tx, spend_tx, {spend_tx.vout[0]});
    }
    if (r.format == Format::kFull) {
        std::optional<Transaction> tx = Transaction::decode(*raw);
        if (!tx) return fail(r, State::kInvalid, "error parsing signature as full variant");
        std::vector<TxOut> spent{spend_tx.vout[0]};
        if (tx->vin.size() > 1)
            return fail(r, State::kInconclusive,
                        "inconclusive: a full signature with more inputs needs the proof of funds format");
        return check(r, *tx, spend_tx, spent);
    }
    // Proof of funds: a finalized PSBT of to_sign, carrying every input's UTXO.
    std::string why;
    std::optional<Psbt> psbt = Psbt::decode(*raw, &why);
    if (!psbt) return fail(r, State::kInvalid, "error parsing signature as proof of funds variant: " + why);
    Transaction signed_tx = psbt->tx;
    std::vector<TxOut> spent;
    for (size_t i = 0; i < psbt->inputs.size(); ++i) {
        const PsbtInput& in = psbt->inputs[i];
        if (!in.is_final())
            return fail(r, State::kInvalid, "invalid signature: input " + std::to_string(i) + " is not finalized");
        signed_tx.vin[i].script_sig = in.final_script_sig.value_or(Script());
        signed_tx.vin[i].witness = in.final_script_witness.value_or(Witness());
        if (i == 0) {
            spent.push_back(spend_tx.vout[0]);
            continue;
        }
        std::optional<TxOut> utxo = psbt->spent_output(i);
        // Inputs spending outputs of one transaction may carry it once between them.
        const OutPoint& prev = signed_tx.vin[i].prevout;
        for (size_t j = 0; j < psbt->inputs.size() && !utxo; ++j) {
            const std::optional<Transaction>& t = psbt->inputs[j].non_witness_utxo;
            if (t && t->txid() == prev.txid && prev.index < t->vout.size()) utxo = t->vout[prev.index];
        }
        if (!utxo) return fail(r, State::kInconclusive, "inconclusive: input " + std::to_string(i) + " lacks its UTXO");
        r.proven_amount += utxo->value;
        spent.push_back(*utxo);
    }
    return check(r, signed_tx, spend_tx, spent);
}

}  // namespace minicash::bip322
