#include "node/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "consensus/interpreter.h"
#include "consensus/serialize.h"

namespace minicash::policy {
namespace {

// Evaluates a (push-only) scriptSig without any flags to get the stack it leaves.
bool scriptsig_stack(const Script& script_sig, Stack& stack) {
    const SignatureChecker no_signatures;
    return eval_script(stack, script_sig, SCRIPT_VERIFY_NONE, no_signatures, SigVersion::BASE);
}

}  // namespace

Amount rate_of(Amount fee, size_t vsize) {
    if (vsize == 0) return 0;
    return fee * 1000 / int64_t(vsize);
}

size_t virtual_size(size_t weight, int64_t sigop_cost, unsigned bytes_per_sigop) {
    const int64_t w = std::max<int64_t>(int64_t(weight), sigop_cost * int64_t(bytes_per_sigop));
    return size_t((w + 3) / 4);
}

std::string format_feerate(Amount sat_per_kvb) { return format_btc(sat_per_kvb) + " BTC/kvB"; }

std::vector<uint32_t> dust_outputs(const Transaction& tx, Amount dust_relay_sat_per_kvb) {
    std::vector<uint32_t> out;
    for (uint32_t i = 0; i < tx.vout.size(); ++i)
        if (is_dust(tx.vout[i], FeeRate{dust_relay_sat_per_kvb})) out.push_back(i);
    return out;
}

bool is_standard_tx(const Transaction& tx, const StandardOptions& options, std::string& reason) {
    if (tx.version > kTxMaxStandardVersion || tx.version < kTxMinStandardVersion) {
        reason = "version";
        return false;
    }
    // Signature hashing costs grow with inputs times size: bound the size.
    if (tx.weight() > kMaxStandardTxWeight) {
        reason = "tx-size";
        return false;
    }
    for (const TxIn& in : tx.vin) {
        // Room for a 15-of-15 P2SH multisig spend with compressed keys, and a bit more.
        if (in.script_sig.size() > kMaxStandardScriptSigSize) {
            reason = "scriptsig-size";
            return false;
        }
        if (!in.script_sig.is_push_only()) {
            reason = "scriptsig-not-pushonly";
            return false;
        }
    }
    size_t data_left = options.max_datacarrier_bytes.value_or(0);
    for (const TxOut& out : tx.vout) {
        int m = 0, n = 0;
        const TxoutType type = classify(out.script_pubkey, &m, &n);
        if (type == TxoutType::NONSTANDARD || (type == TxoutType::MULTISIG && (n < 1 || n > 3 || m < 1 || m > n))) {
            reason = "scriptpubkey";
            return false;
        }
        if (type == TxoutType::NULL_DATA) {
            if (out.script_pubkey.size() > data_left) {
                reason = "datacarrier";
                return false;
            }
            data_left -= out.script_pubkey.size();
        } else if (type == TxoutType::MULTISIG && !options.permit_bare_multisig) {
            reason = "bare-multisig";
            return false;
        }
    }
    // One dust output is tolerated (ephemeral dust; the fee rule is checked with the inputs).
    if (dust_outputs(tx, options.dust_relay_sat_per_kvb).size() > kMaxDustOutputsPerTx) {
        reason = "dust";
        return false;
    }
    return true;
}

bool are_inputs_standard(const Transaction& tx, const std::vector<TxOut>& spent) {
    // BIP54: legacy sigops of the whole transaction, counted where they execute (the
    // scriptSig and the spent scriptPubKey, P2SH redeem scripts accurately).
    unsigned legacy = 0;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        legacy += tx.vin[i].script_sig.sigop_count(true);
        legacy += spent[i].script_pubkey.p2sh_sigop_count(tx.vin[i].script_sig);
        if (legacy > kMaxTxLegacySigops) return false;
    }
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const TxoutType type = classify(spent[i].script_pubkey);
        if (type == TxoutType::NONSTANDARD || type == TxoutType::WITNESS_UNKNOWN) return false;
        if (type == TxoutType::SCRIPTHASH) {
            Stack stack;
            if (!scriptsig_stack(tx.vin[i].script_sig, stack) || stack.empty()) return false;
            if (Script(stack.back()).sigop_count(true) > kMaxP2SHSigops) return false;
        }
    }
    return true;
}

bool is_witness_standard(const Transaction& tx, const std::vector<TxOut>& spent) {
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Witness& witness = tx.vin[i].witness;
        if (witness.empty()) continue;  // nothing to bloat; invalid spends fail later anyway
        Script prev = spent[i].script_pubkey;
        // Pay-to-anchor is spent with an empty witness: anything else is stuffing.
        if (is_pay_to_anchor(prev)) return false;
        bool p2sh = false;
        if (prev.is_p2sh()) {
            Stack stack;
            if (!scriptsig_stack(tx.vin[i].script_sig, stack) || stack.empty()) return false;
            prev = Script(stack.back());
            p2sh = true;
        }
        int version = 0;
        Bytes program;
        // Witness data on a spend that is no witness program.
        if (!prev.is_witness_program(version, program)) return false;

        if (version == 0 && program.size() == kWitnessV0ScriptHashSize) {
            if (witness.back().size() > kMaxStandardP2WSHScriptSize) return false;
            const size_t items = witness.size() - 1;
            if (items > kMaxStandardP2WSHStackItems) return false;
            for (size_t j = 0; j < items; ++j)
                if (witness[j].size() > kMaxStandardP2WSHStackItemSize) return false;
        }

        if (version == 1 && program.size() == kWitnessV1TaprootSize && !p2sh) {
            size_t n = witness.size();
            // An annex has no meaning yet: keep it unused.
            if (n >= 2 && !witness[n - 1].empty() && witness[n - 1][0] == kAnnexTag) return false;
            if (n >= 2) {
                const Bytes& control = witness[n - 1];
                if (control.empty()) return false;
                if ((control[0] & kTaprootLeafMask) == kTaprootLeafTapscript) {
                    // Items below the script and control block.
                    for (size_t j = 0; j + 2 < n; ++j)
                        if (witness[j].size() > kMaxStandardTapscriptStackItemSize) return false;
                }
            } else if (n == 0) {
                return false;
            }
        }
    }
    return true;
}

bool spends_non_anchor_witness_program(const Transaction& tx, const std::vector<TxOut>& spent) {
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Script& prev = spent[i].script_pubkey;
        int version = 0;
        Bytes program;
        if (prev.is_witness_program(version, program) && !is_pay_to_anchor(prev)) return true;
        if (prev.is_p2sh()) {
            Stack stack;
            if (!scriptsig_stack(tx.vin[i].script_sig, stack) || stack.empty()) continue;
            if (Script(stack.back()).is_witness_program(version, program)) return true;
        }
    }
    return false;
}

}  // namespace minicash::policy
