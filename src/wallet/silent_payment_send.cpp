#include "wallet/silent_payment_send.h"

#include "wallet/keychain.h"
#include "wallet/signer.h"
#include "wallet/spend.h"

namespace minicash::wallet {

namespace {

bool is_p2wpkh(const Script& s) { return s.size() == 22 && s[0] == OP_0 && s[1] == 20; }

// The key the input spending `spent` contributes (BIP352's list), nullopt when the input
// type is not on the list. Throws when it is but the wallet lacks the key.
std::optional<sp::SenderInput> sender_input(const KeyStore& keys, const OutPoint& op, const Script& spent) {
    const Bytes& b = spent.bytes();
    int version = 0;
    Bytes program;
    const std::string where = "input " + format_outpoint(op);
    auto by_hash = [&](ByteView h) -> std::optional<sp::SenderInput> {
        auto k = keys.key_for_hash160(h);
        if (!k) throw SpendError(where + ": its key is not in this wallet (silent payments need every input's key)");
        if (k->first.size() != 33) return std::nullopt;  // uncompressed keys do not count
        return sp::SenderInput{op, *k->second, false};
    };
    if (spent.is_witness_program(version, program)) {
        if (version == 0 && program.size() == 20) return by_hash(program);
        if (version == 1 && program.size() == 32) {
            XOnlyPubkey output_key;
            std::copy(program.begin(), program.end(), output_key.begin());
            if (const SecretKey* raw = keys.raw_taproot_key(output_key)) return sp::SenderInput{op, *raw, true};
            if (const TaprootSpendData* d = keys.taproot_for_output(output_key))
                if (const SecretKey* internal = keys.key_for_xonly(d->internal_key))
                    if (auto tweaked = taproot_tweak_secret(*internal, d->merkle_root))
                        return sp::SenderInput{op, *tweaked, true};
            throw SpendError(where +
                             ": a taproot input this wallet cannot spend by key path cannot fund a silent "
                             "payment");
        }
        if (version > 1)
            throw SpendError(where + ": spends witness version " + std::to_string(version) +
                             ", which silent payments exclude");
        return std::nullopt;  // P2WSH: not on the list
    }
    if (spent.is_p2sh()) {
        const Script* redeem = keys.script_for_hash160(ByteView(b).subspan(2, 20));
        if (!redeem || !is_p2wpkh(*redeem)) return std::nullopt;  // only P2SH-P2WPKH counts
        return by_hash(ByteView(redeem->bytes()).subspan(2, 20));
    }
    if (b.size() == 25 && b[0] == OP_DUP && b[1] == OP_HASH160) return by_hash(ByteView(b).subspan(3, 20));
    return std::nullopt;
}

}  // namespace

Script silent_payment_placeholder() {
    Script s;
    s.push_op(OP_1).push_data(Bytes(32, 0));
    return s;
}

void make_silent_payment_outputs(WalletState& state, BuiltTransaction& built,
                                 const std::vector<SilentPaymentRecipient>& recipients) {
    if (recipients.empty()) return;
    KeyStore keys;
    std::vector<Script> scripts;
    for (const TxOut& o : built.spent_outputs) scripts.push_back(o.script_pubkey);
    add_keys_for_scripts(state, scripts, keys);
    std::vector<sp::SenderInput> inputs;
    std::vector<sp::PubKey> input_keys;
    for (size_t i = 0; i < built.tx.vin.size(); ++i)
        if (auto in = sender_input(keys, built.tx.vin[i].prevout, built.spent_outputs[i].script_pubkey)) {
            sp::PubKey pub = in->key.compressed_pubkey();
            if (in->taproot) pub[0] = 0x02;  // the receiver sees the x-only output key
            input_keys.push_back(pub);
            inputs.push_back(std::move(*in));
        }
    const OutPoint smallest = sp::smallest_outpoint(built.tx);
    std::vector<sp::Address> addresses;
    for (const SilentPaymentRecipient& r : recipients) addresses.push_back(r.address);
    std::string why;
    auto outputs = sp::sender_outputs(inputs, smallest, addresses, &why);
    if (!outputs) throw SpendError("cannot pay the silent payment address: " + why);
    for (size_t i = 0; i < recipients.size(); ++i) {
        if (recipients[i].output >= built.tx.vout.size()) throw SpendError("silent payment output out of range");
        Script s;
        s.push_op(OP_1).push_data(ByteView((*outputs)[i].data(), 32));
        built.tx.vout[recipients[i].output].script_pubkey = s;
    }
    // Outputs to this wallet's own silent payment address (change): found now.
    if (state.silent_payments)
        if (auto tweak = sp::tweak_data(input_keys, smallest))
            for (const sp::FoundOutput& f : state.silent_payments->find(built.tx, *tweak))
                if (auto record = state.silent_payments->to_record(f))
                    state.add_silent_payment_output(SilentPaymentAccount::output_script(f.output_key), *record);
}

}  // namespace minicash::wallet
