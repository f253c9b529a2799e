#include "wallet/tx_builder.h"

#include "common/money.h"

#include <algorithm>
#include <numeric>

#include "consensus/serialize.h"

namespace minicash::wallet {

void apply_input_timelocks(std::span<const SpendableCoin> inputs, Transaction& tx) {
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (const uint32_t n = inputs[i].older) {
            tx.vin[i].sequence = n;
            tx.version = std::max(tx.version, int32_t{2});
        }
        if (const uint32_t n = inputs[i].after) {
            const bool same_kind = (tx.locktime < kLocktimeThreshold) == (n < kLocktimeThreshold);
            if (!same_kind || tx.locktime < n) tx.locktime = n;
        }
    }
}

size_t estimate_signed_weight(const Transaction& tx, std::span<const InputSize> sizes) {
    size_t base = 4 + 4 + compact_size_length(tx.vin.size()) + compact_size_length(tx.vout.size());
    for (const auto& out : tx.vout) base += output_size(out.script_pubkey);
    size_t weight = base * 4;
    size_t legacy_inputs = 0;
    bool any_witness = false;
    for (const auto& s : sizes) {
        weight += s.weight;
        if (s.witness) any_witness = true;
        else ++legacy_inputs;
    }
    // Marker and flag, and an empty stack count for every input without a witness.
    if (any_witness) weight += 2 + legacy_inputs;
    return weight;
}

namespace {

using Kind = BuildError::Kind;

std::optional<BuiltTransaction> fail(BuildError* error, Kind kind, std::string message) {
    if (error) *error = BuildError{kind, std::move(message)};
    return std::nullopt;
}

// Everything the builder needs, whether for a new payment or a fee bump.
struct Plan {
    std::vector<Recipient> recipients;       // outputs in order, change not included
    Script change_script;                    // empty: change not possible
    std::optional<size_t> change_position;   // nullopt: random (Core)
    std::vector<SpendableCoin> preset;       // always spent
    std::vector<uint32_t> preset_sequences;  // per preset input; empty: `sequence`
    bool keep_preset_order = false;          // presets first in their order (bump)
    std::span<const SpendableCoin> pool;     // more coins, when needed
    uint32_t sequence = kSequenceRbf;
    int32_t version = 2;
    uint32_t locktime = 0;
    FeeRate fee_rate, long_term_fee_rate, discard_fee_rate, min_relay_fee_rate, dust_relay_fee_rate;
    Amount max_tx_fee = kDefaultMaxTxFee;
    bool spend_unconfirmed_change = true;
    std::optional<size_t> change_spend_vsize;
    bool low_r = true;
};

std::optional<BuiltTransaction> build(const Plan& plan, SelectionRng& rng, BuildError* error) {
    if (plan.recipients.empty())
        return fail(error, Kind::kInvalidParameter, "Transaction must have at least one recipient");
    if (plan.fee_rate > kMaxFeeRate) {
        return fail(error, Kind::kInvalidParameter, "Fee rate (" + plan.fee_rate.to_string() + ") is too high");
    }
    if (plan.fee_rate < plan.min_relay_fee_rate) {
        return fail(error, Kind::kInvalidParameter,
                    "Fee rate (" + plan.fee_rate.to_string() + ") is lower than the minimum fee rate setting (" +
                        plan.min_relay_fee_rate.to_string() + ")");
    }
    Amount recipients_sum = 0;
    size_t subtract_count = 0;
    for (const auto& r : plan.recipients) {
        if (r.amount < 0) return fail(error, Kind::kInvalidParameter, "Transaction amounts must not be negative");
        if (r.amount > kMaxMoney || recipients_sum + r.amount > kMaxMoney) {
            return fail(error, Kind::kInvalidParameter, "Amount out of range");
        }
        recipients_sum += r.amount;
        if (r.subtract_fee_from_amount) ++subtract_count;
        // Outputs that pay the fee are checked once it is known.
        if (!r.subtract_fee_from_amount && is_dust(TxOut{r.amount, r.script_pubkey}, plan.dust_relay_fee_rate)) {
            return fail(error, Kind::kAmountTooSmall, "Transaction amount too small");
        }
    }
    const bool subtract = subtract_count > 0;

    // The change output's shape, even when there is no change script (its size then only
    // matters for the cost of change, and change is refused below).
    Script change_proto = plan.change_script;
    if (change_proto.empty()) {
        change_proto = Script(Bytes(22, 0));  // a P2WPKH-shaped placeholder
        change_proto.bytes()[1] = 20;
    }
    size_t change_spend_vsize = 91;  // Core's fallback (nested P2WPKH) for scripts it cannot size
    if (plan.change_spend_vsize) {
        change_spend_vsize = *plan.change_spend_vsize;
    } else if (auto s = estimate_input_size(change_proto, plan.low_r)) {
        change_spend_vsize = (s->weight + (s->witness ? 0 : 1) + 3) / 4;
    }
    int wv = 0;
    Bytes wp;
    const bool change_is_witness = change_proto.is_witness_program(wv, wp);

    bool any_witness = false;
    for (const auto& c : plan.preset) any_witness |= c.input.witness;
    for (const auto& c : plan.pool) any_witness |= c.input.witness;

    size_t extra_weight = 0;  // grows when an attempt underestimated the size
    for (int attempt = 0; attempt < 3; ++attempt) {
        // Weight of everything but the inputs: header, counts (input count assumed to fit
        // one byte; corrected by the exact check below), recipients, segwit marker.
        size_t not_input = 4 * (4 + 4 + 1 + compact_size_length(plan.recipients.size() + 1));
        for (const auto& r : plan.recipients) not_input += 4 * output_size(r.script_pubkey);
        if (any_witness) not_input += 2;
        not_input += extra_weight;
        if (not_input >= kMaxStandardTxWeight) return fail(error, Kind::kTooLarge, "Transaction too large");

        SelectionParams params;
        params.fee_rate = plan.fee_rate;
        params.long_term_fee_rate = plan.long_term_fee_rate;
        params.discard_fee_rate = plan.discard_fee_rate;
        params.change_output_size = output_size(change_proto);
        params.change_spend_vsize = change_spend_vsize;
        params.change_is_witness = change_is_witness;
        params.subtract_fee_outputs = subtract;
        params.spend_unconfirmed_change = plan.spend_unconfirmed_change;
        params.max_selection_weight = kMaxStandardTxWeight - not_input;
        params.min_change_target =
            generate_change_target(recipients_sum / Amount(plan.recipients.size()), params.change_fee(), rng);
        params.seed = rng();
        const Amount not_input_fee = plan.fee_rate.fee_for_weight(not_input);
        const Amount target = recipients_sum + (subtract ? 0 : not_input_fee);

        SelectionError serr;
        auto sel = select_coins(plan.pool, target, params, &serr, plan.preset);
        if (!sel) {
            switch (serr.kind) {
            case SelectionError::Kind::kInsufficientFunds: return fail(error, Kind::kInsufficientFunds, serr.message);
            case SelectionError::Kind::kMaxWeightExceeded: return fail(error, Kind::kTooLarge, serr.message);
            case SelectionError::Kind::kInvalidParameter: return fail(error, Kind::kInvalidParameter, serr.message);
            }
        }

        // Inputs: presets first in their order (bump), else everything shuffled (Core).
        std::vector<SpendableCoin> inputs;
        std::vector<uint32_t> sequences;
        std::vector<SpendableCoin> added;
        for (size_t idx : sel->selected) {
            if (idx < plan.pool.size()) added.push_back(plan.pool[idx]);
        }
        std::shuffle(added.begin(), added.end(), rng);
        if (plan.keep_preset_order) {
            for (size_t i = 0; i < plan.preset.size(); ++i) {
                inputs.push_back(plan.preset[i]);
                sequences.push_back(plan.preset_sequences.empty() ? plan.sequence : plan.preset_sequences[i]);
            }
            for (auto& c : added) {
                inputs.push_back(std::move(c));
                sequences.push_back(plan.sequence);
            }
        } else {
            inputs = plan.preset;
            inputs.insert(inputs.end(), added.begin(), added.end());
            std::shuffle(inputs.begin(), inputs.end(), rng);
            sequences.assign(inputs.size(), plan.sequence);
        }

        BuiltTransaction out;
        out.algorithm = sel->algorithm;
        out.waste = sel->waste;
        Transaction& tx = out.tx;
        tx.version = plan.version;
        tx.locktime = plan.locktime;
        Amount selected_value = 0;
        std::vector<InputSize> sizes;
        for (size_t i = 0; i < inputs.size(); ++i) {
            TxIn in;
            in.prevout = inputs[i].outpoint;
            in.sequence = sequences[i];
            tx.vin.push_back(std::move(in));
            out.spent_outputs.push_back(inputs[i].txout);
            sizes.push_back(inputs[i].input);
            selected_value += inputs[i].txout.value;
        }
        apply_input_timelocks(inputs, tx);
        out.inputs = std::move(inputs);
        for (const auto& r : plan.recipients) tx.vout.push_back(TxOut{r.amount, r.script_pubkey});

        Amount change = sel->change;
        if (change > 0 && plan.change_script.empty()) {
            return fail(error, Kind::kNeedsChange, "Transaction needs a change address, but we can't generate it.");
        }
        if (change > 0) {
            const size_t pos = plan.change_position ? std::min(*plan.change_position, tx.vout.size())
                                                    : std::uniform_int_distribution<size_t>(0, tx.vout.size())(rng);
            tx.vout.insert(tx.vout.begin() + ptrdiff_t(pos), TxOut{change, plan.change_script});
            out.change_position = pos;
        }

        size_t weight = estimate_signed_weight(tx, sizes);
        Amount fee_needed =
            std::max(plan.fee_rate.fee_for_weight(weight), plan.min_relay_fee_rate.fee_for_weight(weight));
        const Amount min_change = params.effective_min_viable_change();

        if (subtract) {
            // The marked recipients pay what the change (if any) leaves to the fee.
            const Amount current_fee = selected_value - recipients_sum - change;
            const Amount to_reduce = fee_needed - current_fee;
            bool first = true;
            for (size_t i = 0, r = 0; i < tx.vout.size(); ++i) {
                if (out.change_position && *out.change_position == i) continue;
                const Recipient& rec = plan.recipients[r++];
                if (!rec.subtract_fee_from_amount) continue;
                TxOut& o = tx.vout[i];
                o.value -= to_reduce / Amount(subtract_count);
                if (first) {
                    o.value -= to_reduce % Amount(subtract_count);
                    first = false;
                }
                if (o.value < 0)
                    return fail(error, Kind::kAmountTooSmall, "The transaction amount is too small to pay the fee");
                if (is_dust(o, plan.dust_relay_fee_rate)) {
                    return fail(error, Kind::kAmountTooSmall,
                                "The transaction amount is too small to send after the fee has been deducted");
                }
            }
            out.fee = fee_needed;
        } else if (out.change_position) {
            // The change absorbs the difference between the selection's estimate and the
            // exact size; if that leaves too little, drop it and recheck without it.
            TxOut& ch = tx.vout[*out.change_position];
            ch.value = selected_value - recipients_sum - fee_needed;
            if (ch.value < min_change) {
                tx.vout.erase(tx.vout.begin() + ptrdiff_t(*out.change_position));
                out.change_position.reset();
                weight = estimate_signed_weight(tx, sizes);
                fee_needed =
                    std::max(plan.fee_rate.fee_for_weight(weight), plan.min_relay_fee_rate.fee_for_weight(weight));
            }
            out.fee = selected_value - tx.value_out();
        } else {
            out.fee = selected_value - recipients_sum;
        }
        if (out.fee < fee_needed) {
            // The estimate used for selection was short (e.g. 253+ inputs): retry with a margin.
            const Amount shortfall = fee_needed - out.fee;
            extra_weight += size_t(shortfall * 4000 / std::max<Amount>(1, plan.fee_rate.sat_per_kvb)) + 8;
            continue;
        }
        if (weight > kMaxStandardTxWeight) return fail(error, Kind::kTooLarge, "Transaction too large");
        if (out.fee > plan.max_tx_fee) {
            return fail(error, Kind::kFeeTooHigh,
                        "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
        }
        out.estimated_weight = weight;
        out.estimated_vsize = (weight + 3) / 4;
        return out;
    }
    return fail(error, Kind::kInsufficientFunds, "Insufficient funds: the fee could not be covered");
}

uint32_t anti_fee_sniping_locktime(uint32_t tip_height, SelectionRng& rng) {
    // Core's DiscourageFeeSniping: the tip height, or now and then a little earlier so
    // that transactions which were delayed (e.g. by privacy tools) do not stand out.
    uint32_t locktime = tip_height;
    if (std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
        const uint32_t back = std::uniform_int_distribution<uint32_t>(0, 99)(rng);
        locktime = locktime > back ? locktime - back : 0;
    }
    return locktime;
}

}  // namespace

std::optional<BuiltTransaction> build_transaction(std::span<const SpendableCoin> coins,
                                                  std::span<const Recipient> recipients, const Script& change_script,
                                                  const BuildOptions& options, BuildError* error) {
    SelectionRng rng = make_selection_rng(options.seed);
    Plan plan;
    plan.recipients.assign(recipients.begin(), recipients.end());
    if (options.shuffle_outputs) std::shuffle(plan.recipients.begin(), plan.recipients.end(), rng);
    plan.change_script = change_script;
    plan.preset = options.preset_inputs;
    if (options.add_inputs) plan.pool = coins;
    plan.sequence = options.rbf ? kSequenceRbf : kSequenceLocktimeFinal;
    plan.version = options.version;
    if (options.locktime) plan.locktime = *options.locktime;
    else if (options.tip_height) plan.locktime = anti_fee_sniping_locktime(*options.tip_height, rng);
    plan.fee_rate = options.fee_rate;
    plan.long_term_fee_rate = options.long_term_fee_rate;
    plan.discard_fee_rate = options.discard_fee_rate;
    plan.min_relay_fee_rate = options.min_relay_fee_rate;
    plan.dust_relay_fee_rate = options.dust_relay_fee_rate;
    plan.max_tx_fee = options.max_tx_fee;
    plan.spend_unconfirmed_change = options.spend_unconfirmed_change;
    plan.change_spend_vsize = options.change_spend_vsize;
    plan.low_r = options.low_r;
    return build(plan, rng, error);
}

std::optional<BuiltTransaction> build_bump(const Transaction& original, std::span<const TxOut> spent_outputs,
                                           std::optional<size_t> change_index,
                                           std::span<const SpendableCoin> extra_coins, const BumpOptions& options,
                                           BuildError* error) {
    if (original.vin.empty() || spent_outputs.size() != original.vin.size()) {
        return fail(error, Kind::kInvalidParameter, "The spent outputs do not match the transaction's inputs");
    }
    if (change_index && *change_index >= original.vout.size()) {
        return fail(error, Kind::kInvalidParameter, "Change position out of range");
    }
    if (!options.original_input_sizes.empty() && options.original_input_sizes.size() != original.vin.size()) {
        return fail(error, Kind::kInvalidParameter, "The input sizes do not match the transaction's inputs");
    }
    Amount in_value = 0, out_value = 0;
    for (const auto& o : spent_outputs) {
        if (!money_range(o.value) || !money_range(in_value + o.value)) {
            return fail(error, Kind::kInvalidParameter, "Spent output amount out of range");
        }
        in_value += o.value;
    }
    for (const auto& o : original.vout) {
        if (!money_range(o.value) || !money_range(out_value + o.value)) {
            return fail(error, Kind::kInvalidParameter, "Output amount out of range");
        }
        out_value += o.value;
    }
    const Amount old_fee = in_value - out_value;
    if (old_fee < 0)
        return fail(error, Kind::kInvalidParameter, "The original transaction spends more than its inputs");

    // The original inputs, kept in order with their sequences.
    std::vector<InputSize> sizes;
    std::vector<SpendableCoin> preset;
    std::vector<uint32_t> sequences;
    bool signaled = false;
    for (size_t i = 0; i < original.vin.size(); ++i) {
        InputSize size;
        if (!options.original_input_sizes.empty()) {
            size = options.original_input_sizes[i];
        } else if (auto s = estimate_input_size(spent_outputs[i].script_pubkey, options.low_r)) {
            size = *s;
        } else {
            return fail(error, Kind::kInvalidParameter,
                        "Unable to estimate the signed size of input " + std::to_string(i) + "; give its size");
        }
        sizes.push_back(size);
        preset.push_back(SpendableCoin{original.vin[i].prevout, spent_outputs[i], size, 1, true});
        sequences.push_back(original.vin[i].sequence);
        signaled |= original.vin[i].sequence < kSequenceLocktimeFinal;
    }

    // The original's fee rate: from its real size when signed, else from the estimate.
    bool is_signed = false;
    for (const auto& in : original.vin) is_signed |= !in.script_sig.empty() || !in.witness.empty();
    const size_t old_weight = is_signed ? original.weight() : estimate_signed_weight(original, sizes);
    const FeeRate old_rate = FeeRate::of(old_fee, (old_weight + 3) / 4);
    if (options.new_fee_rate < options.min_relay_fee_rate) {
        return fail(error, Kind::kBumpRejected,
                    "New fee rate (" + options.new_fee_rate.to_string() + ") is lower than the minimum fee rate (" +
                        options.min_relay_fee_rate.to_string() + ") to get into the mempool");
    }
    if (options.new_fee_rate <= old_rate) {
        return fail(error, Kind::kBumpRejected,
                    "New fee rate (" + options.new_fee_rate.to_string() + ") must be higher than the original's (" +
                        old_rate.to_string() + ")");
    }

    Plan plan;
    for (size_t i = 0; i < original.vout.size(); ++i) {
        if (change_index && *change_index == i) continue;
        plan.recipients.push_back(Recipient{original.vout[i].script_pubkey, original.vout[i].value, false});
    }
    if (plan.recipients.empty()) {
        return fail(error, Kind::kInvalidParameter, "Cannot bump a transaction whose only output is change");
    }
    plan.change_script = change_index ? original.vout[*change_index].script_pubkey : options.fallback_change_script;
    plan.change_position = change_index ? *change_index : plan.recipients.size();
    plan.preset = std::move(preset);
    plan.preset_sequences = std::move(sequences);
    plan.keep_preset_order = true;
    plan.pool = extra_coins;
    plan.sequence = signaled ? kSequenceRbf : kSequenceLocktimeFinal;
    plan.version = original.version;
    plan.locktime = original.locktime;
    plan.fee_rate = options.new_fee_rate;
    plan.long_term_fee_rate = options.long_term_fee_rate;
    plan.discard_fee_rate = options.discard_fee_rate;
    plan.min_relay_fee_rate = options.min_relay_fee_rate;
    plan.dust_relay_fee_rate = options.dust_relay_fee_rate;
    plan.max_tx_fee = options.max_tx_fee;
    plan.change_spend_vsize = options.change_spend_vsize;
    plan.low_r = options.low_r;
    SelectionRng rng = make_selection_rng(options.seed);
    auto built = build(plan, rng, error);
    if (!built) return std::nullopt;

    // BIP125 rules 3 and 4: pay for the original and for the replacement's own relay.
    const Amount incremental = options.incremental_relay_fee_rate.fee(built->estimated_vsize);
    if (built->fee < old_fee + incremental) {
        return fail(error, Kind::kBumpRejected,
                    "Insufficient total fee " + format_money(built->fee) + ", must be at least " +
                        format_money(old_fee + incremental) + " (oldFee " + format_money(old_fee) +
                        " + incrementalFee " + format_money(incremental) + ")");
    }
    return built;
}

}  // namespace minicash::wallet
