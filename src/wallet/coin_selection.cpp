#include "wallet/coin_selection.h"

#include "common/money.h"

#include <openssl/rand.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <queue>

#include "consensus/serialize.h"

namespace minicash::wallet {

// ---------------------------------------------------------------------------------------
// Fee rates, sizes

size_t output_size(const Script& script_pubkey) {
    return 8 + compact_size_length(script_pubkey.size()) + script_pubkey.size();
}

namespace {

constexpr size_t kOutpointAndSequence = 36 + 4;
constexpr size_t kCompressedPubkeyPush = 1 + 33;

bool is_p2pkh(const Script& s) {
    return s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 && s[23] == OP_EQUALVERIFY &&
           s[24] == OP_CHECKSIG;
}
bool is_p2pk(const Script& s) {
    return (s.size() == 35 && s[0] == 33 && s[34] == OP_CHECKSIG) ||
           (s.size() == 67 && s[0] == 65 && s[66] == OP_CHECKSIG);
}

}  // namespace

std::optional<InputSize> estimate_input_size(const Script& script_pubkey, bool low_r) {
    // DER signature (low R and low S: at most 70 bytes; high R: 71) plus the hash type.
    const size_t ecdsa_sig = low_r ? 71 : 72;
    const size_t ecdsa_witness = 1 + (1 + ecdsa_sig) + kCompressedPubkeyPush;  // count, sig, key
    int version = 0;
    Bytes program;
    if (script_pubkey.is_witness_program(version, program)) {
        if (version == 0 && program.size() == 20)
            return InputSize{4 * (kOutpointAndSequence + 1) + ecdsa_witness, true};
        // Key path: one 64-byte BIP340 signature (SIGHASH_DEFAULT).
        if (version == 1 && program.size() == 32) return InputSize{4 * (kOutpointAndSequence + 1) + 1 + 1 + 64, true};
        return std::nullopt;
    }
    if (is_p2pkh(script_pubkey)) {
        const size_t script_sig = 1 + ecdsa_sig + kCompressedPubkeyPush;
        return InputSize{4 * (kOutpointAndSequence + compact_size_length(script_sig) + script_sig), false};
    }
    if (script_pubkey.is_p2sh()) {
        // Assumed P2SH-P2WPKH: scriptSig pushes the 22-byte witness program.
        const size_t script_sig = 1 + 22;
        return InputSize{4 * (kOutpointAndSequence + 1 + script_sig) + ecdsa_witness, true};
    }
    if (is_p2pk(script_pubkey)) {
        const size_t script_sig = 1 + ecdsa_sig;
        return InputSize{4 * (kOutpointAndSequence + 1 + script_sig), false};
    }
    return std::nullopt;
}

std::optional<SpendableCoin> make_spendable_coin(const OutPoint& outpoint, const TxOut& txout, int confirmations,
                                                 bool from_me, bool low_r) {
    auto size = estimate_input_size(txout.script_pubkey, low_r);
    if (!size) return std::nullopt;
    return SpendableCoin{outpoint, txout, *size, confirmations, from_me};
}

const char* selection_algorithm_name(SelectionAlgorithm a) {
    switch (a) {
    case SelectionAlgorithm::kManual: return "manual";
    case SelectionAlgorithm::kBnB: return "bnb";
    case SelectionAlgorithm::kKnapsack: return "knapsack";
    case SelectionAlgorithm::kSrd: return "srd";
    case SelectionAlgorithm::kCoinGrinder: return "coingrinder";
    }
    return "unknown";
}

Amount SelectionParams::effective_min_viable_change() const {
    if (min_viable_change) return *min_viable_change;
    const Amount spend_fee = discard_fee_rate.fee(change_spend_vsize);
    const size_t dust_spend = change_is_witness ? 32 + 4 + 1 + 107 / 4 + 4 : 32 + 4 + 1 + 107 + 4;
    const Amount dust = discard_fee_rate.fee(change_output_size + dust_spend);
    return std::max(spend_fee + 1, dust);
}

SelectionRng make_selection_rng(std::optional<uint64_t> seed) {
    if (seed) return SelectionRng(*seed);
    uint64_t s = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&s), sizeof(s)) != 1) s = std::random_device{}();
    return SelectionRng(s);
}

Amount generate_change_target(Amount payment, Amount change_fee, SelectionRng& rng) {
    if (payment <= kChangeLower / 2) return change_fee + kChangeLower;
    const Amount upper = std::min(payment * 2, kChangeUpper);
    std::uniform_int_distribution<Amount> dist(kChangeLower, upper - 1);
    return change_fee + dist(rng);
}

// ---------------------------------------------------------------------------------------
// Algorithms

namespace {

// vsize charged to a coin while selecting: a non-witness input may also need its empty
// witness stack count (1 WU) in a segwit transaction, so it is charged for it.
size_t selection_vsize(const InputSize& s) { return (s.weight + (s.witness ? 0 : 1) + 3) / 4; }

size_t total_weight(const AlgorithmInput& in, std::span<const size_t> sel) {
    size_t w = 0;
    for (size_t i : sel) w += in.coins[i].input.weight;
    return w;
}

Amount total_value(const AlgorithmInput& in, std::span<const size_t> sel) {
    Amount v = 0;
    for (size_t i : sel) v += in.effective_values[i];
    return v;
}

// Indices sorted by effective value, largest first; equal values by weight, lightest first.
std::vector<size_t> sorted_descending(const AlgorithmInput& in) {
    std::vector<size_t> order(in.coins.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (in.effective_values[a] != in.effective_values[b]) return in.effective_values[a] > in.effective_values[b];
        if (in.coins[a].input.weight != in.coins[b].input.weight)
            return in.coins[a].input.weight < in.coins[b].input.weight;
        return a < b;
    });
    return order;
}

std::vector<size_t> sorted_indices(std::vector<size_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

}  // namespace

AlgorithmInput make_algorithm_input(std::span<const SpendableCoin> coins, const SelectionParams& params) {
    AlgorithmInput in;
    in.coins = coins;
    in.effective_values.reserve(coins.size());
    in.fees.reserve(coins.size());
    in.long_term_fees.reserve(coins.size());
    for (const auto& c : coins) {
        const size_t vsize = selection_vsize(c.input);
        const Amount fee = params.fee_rate.fee(vsize);
        in.fees.push_back(fee);
        in.long_term_fees.push_back(params.long_term_fee_rate.fee(vsize));
        in.effective_values.push_back(params.subtract_fee_outputs ? c.txout.value : c.txout.value - fee);
    }
    return in;
}

Amount selection_waste(const AlgorithmInput& in, std::span<const size_t> selected, Amount target, Amount change,
                       Amount cost_of_change) {
    Amount waste = 0;
    for (size_t i : selected) waste += in.fees[i] - in.long_term_fees[i];
    if (change > 0) return waste + cost_of_change;
    return waste + (total_value(in, selected) - target);
}

std::optional<std::vector<size_t>> select_bnb(const AlgorithmInput& in, Amount target, Amount cost_of_change,
                                              size_t max_weight) {
    const std::vector<size_t> order = sorted_descending(in);
    const size_t n = order.size();
    auto eff = [&](size_t pos) { return in.effective_values[order[pos]]; };
    auto waste_of = [&](size_t pos) { return in.fees[order[pos]] - in.long_term_fees[order[pos]]; };
    auto weight_of = [&](size_t pos) { return in.coins[order[pos]].input.weight; };

    // Only positive effective values take part (the sort puts them first).
    size_t usable = 0;
    Amount available = 0;
    while (usable < n && eff(usable) > 0) available += eff(usable++);
    if (available < target) return std::nullopt;
    // With fees above the long-term rate every extra input adds waste, so a branch whose
    // waste already exceeds the best cannot improve.
    const bool fee_rate_high = usable > 0 && waste_of(0) > 0;

    std::vector<size_t> sel;  // positions into `order`, increasing
    std::vector<size_t> best;
    Amount best_waste = std::numeric_limits<Amount>::max();
    Amount value = 0, waste = 0;
    size_t weight = 0;
    size_t pos = 0;
    for (size_t tries = 0; tries < kBnbTotalTries; ++tries) {
        bool backtrack = false;
        if (value + available < target || value > target + cost_of_change || (fee_rate_high && waste > best_waste)) {
            backtrack = true;
        } else if (weight > max_weight) {
            backtrack = true;
        } else if (value >= target) {
            // Changeless: the excess over the target goes to fees and counts as waste.
            const Amount total = waste + (value - target);
            if (total <= best_waste) {
                best_waste = total;
                best = sel;
            }
            backtrack = true;
        } else if (pos >= usable) {
            backtrack = true;
        }

        if (backtrack) {
            if (sel.empty()) break;  // every branch explored
            // Positions after the last included one were omitted: they are available again.
            while (pos > sel.back() + 1) available += eff(--pos);
            const size_t last = sel.back();
            sel.pop_back();
            value -= eff(last);
            waste -= waste_of(last);
            weight -= weight_of(last);
            // Explore the branch that omits `last` (already taken out of `available`).
            pos = last + 1;
            continue;
        }

        // Move forward: include `pos` first (largest first), unless it is equivalent to
        // the previous coin which this branch omitted (that combination was explored).
        available -= eff(pos);
        const bool prev_omitted = pos > 0 && (sel.empty() || sel.back() != pos - 1);
        const bool equivalent = pos > 0 && eff(pos) == eff(pos - 1) && waste_of(pos) == waste_of(pos - 1) &&
                                weight_of(pos) == weight_of(pos - 1);
        if (!(prev_omitted && equivalent)) {
            sel.push_back(pos);
            value += eff(pos);
            waste += waste_of(pos);
            weight += weight_of(pos);
        }
        ++pos;
    }
    if (best.empty()) return std::nullopt;
    std::vector<size_t> out;
    for (size_t p : best) out.push_back(order[p]);
    return sorted_indices(std::move(out));
}

namespace {

// Core's ApproximateBestSubset: random subsets of `applicable` (sorted, largest first)
// reaching `target`; keeps the smallest total seen. Coins that would exceed `max_weight`
// are not added.
void approximate_best_subset(const AlgorithmInput& in, const std::vector<size_t>& applicable, Amount total_lower,
                             Amount target, size_t max_weight, SelectionRng& rng, std::vector<bool>& best_set,
                             Amount& best) {
    const size_t n = applicable.size();
    best_set.assign(n, true);
    best = total_lower;
    std::vector<bool> included;
    std::bernoulli_distribution coin_flip(0.5);
    for (int rep = 0; rep < 1000 && best != target; ++rep) {
        included.assign(n, false);
        Amount total = 0;
        size_t weight = 0;
        bool reached = false;
        for (int pass = 0; pass < 2 && !reached; ++pass) {
            for (size_t i = 0; i < n; ++i) {
                // First pass: a random half; second pass: whatever is left, in order.
                const bool take = pass == 0 ? coin_flip(rng) : !included[i];
                if (!take) continue;
                const size_t w = in.coins[applicable[i]].input.weight;
                if (weight + w > max_weight) continue;
                total += in.effective_values[applicable[i]];
                weight += w;
                included[i] = true;
                if (total >= target) {
                    reached = true;
                    if (total < best) {
                        best = total;
                        best_set = included;
                    }
                    // Try to get closer by leaving this one out.
                    total -= in.effective_values[applicable[i]];
                    weight -= w;
                    included[i] = false;
                }
            }
        }
    }
}

}  // namespace

std::optional<std::vector<size_t>> select_knapsack(const AlgorithmInput& in, Amount target, Amount change_target,
                                                   size_t max_weight, SelectionRng& rng) {
    std::vector<size_t> order(in.coins.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), rng);

    std::optional<size_t> lowest_larger;
    std::vector<size_t> applicable;
    Amount total_lower = 0;
    for (size_t i : order) {
        const Amount v = in.effective_values[i];
        if (v <= 0) continue;
        if (v == target) {
            if (in.coins[i].input.weight > max_weight) continue;
            return std::vector<size_t>{i};
        }
        if (v < target + change_target) {
            applicable.push_back(i);
            total_lower += v;
        } else if (in.coins[i].input.weight <= max_weight &&
                   (!lowest_larger || v < in.effective_values[*lowest_larger])) {
            lowest_larger = i;
        }
    }

    auto within_weight = [&](std::vector<size_t> sel) -> std::optional<std::vector<size_t>> {
        if (total_weight(in, sel) > max_weight) return std::nullopt;
        return sorted_indices(std::move(sel));
    };
    if (total_lower == target) return within_weight(applicable);
    if (total_lower < target) {
        if (!lowest_larger) return std::nullopt;
        return std::vector<size_t>{*lowest_larger};
    }

    std::sort(applicable.begin(), applicable.end(),
              [&](size_t a, size_t b) { return in.effective_values[a] > in.effective_values[b]; });
    std::vector<bool> best_set;
    Amount best = 0;
    approximate_best_subset(in, applicable, total_lower, target, max_weight, rng, best_set, best);
    if (best != target && total_lower >= target + change_target) {
        approximate_best_subset(in, applicable, total_lower, target + change_target, max_weight, rng, best_set, best);
    }
    // A single larger coin wins when the subset missed both the exact target and the
    // target with change, or when it is no bigger than the subset.
    if (lowest_larger &&
        ((best != target && best < target + change_target) || in.effective_values[*lowest_larger] <= best)) {
        return std::vector<size_t>{*lowest_larger};
    }
    std::vector<size_t> sel;
    for (size_t i = 0; i < applicable.size(); ++i) {
        if (best_set[i]) sel.push_back(applicable[i]);
    }
    if (total_value(in, sel) < target) return std::nullopt;
    return within_weight(std::move(sel));
}

std::optional<std::vector<size_t>> select_srd(const AlgorithmInput& in, Amount target, size_t max_weight,
                                              SelectionRng& rng) {
    std::vector<size_t> order(in.coins.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::shuffle(order.begin(), order.end(), rng);

    // Selected coins by effective value, smallest on top, so that the least valuable can
    // be dropped when the weight limit is hit.
    auto greater = [&](size_t a, size_t b) { return in.effective_values[a] > in.effective_values[b]; };
    std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
    Amount value = 0;
    size_t weight = 0;
    for (size_t i : order) {
        if (in.effective_values[i] <= 0) continue;
        heap.push(i);
        value += in.effective_values[i];
        weight += in.coins[i].input.weight;
        while (weight > max_weight && !heap.empty()) {
            const size_t drop = heap.top();
            heap.pop();
            value -= in.effective_values[drop];
            weight -= in.coins[drop].input.weight;
        }
        if (value >= target) {
            std::vector<size_t> sel;
            while (!heap.empty()) {
                sel.push_back(heap.top());
                heap.pop();
            }
            return sorted_indices(std::move(sel));
        }
    }
    return std::nullopt;
}

std::optional<std::vector<size_t>> select_coin_grinder(const AlgorithmInput& in, Amount target, Amount change_target,
                                                       size_t max_weight) {
    const Amount total_target = target + change_target;
    std::vector<size_t> order = sorted_descending(in);
    size_t usable = 0;
    while (usable < order.size() && in.effective_values[order[usable]] > 0) ++usable;
    order.resize(usable);
    const size_t n = order.size();
    auto eff = [&](size_t pos) { return in.effective_values[order[pos]]; };
    auto weight_of = [&](size_t pos) { return in.coins[order[pos]].input.weight; };

    // lookahead[p]: value of positions p.. ; min_tail_weight[p]: lightest coin at p..
    std::vector<Amount> lookahead(n + 1, 0);
    std::vector<size_t> min_tail_weight(n + 1, std::numeric_limits<size_t>::max());
    for (size_t p = n; p-- > 0;) {
        lookahead[p] = lookahead[p + 1] + eff(p);
        min_tail_weight[p] = std::min(min_tail_weight[p + 1], weight_of(p));
    }
    if (lookahead[0] < total_target) return std::nullopt;

    std::vector<size_t> sel, best;
    size_t best_weight = max_weight + 1;
    Amount best_value = std::numeric_limits<Amount>::max();
    Amount value = 0;
    size_t weight = 0;
    // Depth first, including before omitting. `pos` is the next position to decide.
    size_t pos = 0;
    for (size_t tries = 0; tries < kBnbTotalTries; ++tries) {
        bool backtrack = false;
        if (value >= total_target) {
            if (weight < best_weight || (weight == best_weight && value < best_value)) {
                best = sel;
                best_weight = weight;
                best_value = value;
            }
            backtrack = true;  // adding more only adds weight
        } else if (pos >= n || value + lookahead[pos] < total_target) {
            backtrack = true;  // cannot reach the target on this branch
        } else if (weight + min_tail_weight[pos] > best_weight) {
            backtrack = true;  // any completion is at least as heavy as the best
        }

        if (backtrack) {
            if (sel.empty()) break;
            const size_t last = sel.back();
            sel.pop_back();
            value -= eff(last);
            weight -= weight_of(last);
            pos = last + 1;  // omit `last`
            continue;
        }
        // Skip a coin equivalent to the previous one that this branch omitted.
        const bool prev_omitted = pos > 0 && (sel.empty() || sel.back() != pos - 1);
        if (prev_omitted && eff(pos) == eff(pos - 1) && weight_of(pos) == weight_of(pos - 1)) {
            ++pos;
            continue;
        }
        sel.push_back(pos);
        value += eff(pos);
        weight += weight_of(pos);
        ++pos;
    }
    if (best.empty()) return std::nullopt;
    std::vector<size_t> out;
    for (size_t p : best) out.push_back(order[p]);
    return sorted_indices(std::move(out));
}

// ---------------------------------------------------------------------------------------
// Entry point

namespace {

struct Tier {
    int conf_mine, conf_theirs;
};

bool eligible(const SpendableCoin& c, const Tier& t) {
    return c.confirmations >= (c.from_me ? t.conf_mine : t.conf_theirs);
}

struct Candidate {
    std::vector<size_t> sel;  // indices into the tier's coins
    SelectionAlgorithm algorithm;
    Amount waste = 0;  // over `sel` only: the presets' part is the same for every candidate
};

}  // namespace

std::optional<SelectionResult> select_coins(std::span<const SpendableCoin> coins, Amount target,
                                            const SelectionParams& params, SelectionError* error,
                                            std::span<const SpendableCoin> preset) {
    auto fail = [&](SelectionError::Kind kind, std::string message, Amount available,
                    Amount needed) -> std::optional<SelectionResult> {
        if (error) *error = SelectionError{kind, std::move(message), available, needed};
        return std::nullopt;
    };
    if (target < 0 || target > kMaxMoney) {
        return fail(SelectionError::Kind::kInvalidParameter, "Invalid target amount", 0, target);
    }
    for (FeeRate r : {params.fee_rate, params.long_term_fee_rate, params.discard_fee_rate}) {
        if (r.sat_per_kvb < 0 || r.sat_per_kvb > kMaxFeeRate.sat_per_kvb) {
            return fail(SelectionError::Kind::kInvalidParameter, "Invalid fee rate " + r.to_string(), 0, target);
        }
    }
    for (const auto* list : {&coins, &preset}) {
        for (const auto& c : *list) {
            if (c.input.weight == 0 || !money_range(c.txout.value)) {
                return fail(SelectionError::Kind::kInvalidParameter, "Coin without a valid size or value", 0, target);
            }
        }
    }

    const Amount change_fee = params.change_fee();
    const Amount cost_of_change = params.cost_of_change();
    const Amount min_viable_change = params.effective_min_viable_change();
    // The change output's own fee comes out of the change, except when the recipients
    // pay every fee (Core's GetChange: "with SFFO we don't pay any fees").
    const Amount own_change_fee = params.subtract_fee_outputs ? 0 : change_fee;
    SelectionRng rng = make_selection_rng(params.seed);
    const Amount change_target =
        params.min_change_target ? *params.min_change_target : generate_change_target(target, change_fee, rng);

    // Preset inputs are always spent.
    const AlgorithmInput preset_in = make_algorithm_input(preset, params);
    std::vector<size_t> all_preset(preset.size());
    std::iota(all_preset.begin(), all_preset.end(), size_t{0});
    const Amount preset_value = total_value(preset_in, all_preset);
    const size_t preset_weight = total_weight(preset_in, all_preset);
    if (preset_weight > params.max_selection_weight) {
        return fail(SelectionError::Kind::kMaxWeightExceeded,
                    "The preselected coins total weight exceeds the maximum allowed weight", preset_value, target);
    }
    const Amount remaining = target - preset_value;
    const size_t weight_left = params.max_selection_weight - preset_weight;

    // Assembles the result from the chosen coins (indices into `pool`) and the presets.
    auto finish = [&](const AlgorithmInput& pool_in, std::span<const size_t> chosen, std::span<const size_t> pool_index,
                      SelectionAlgorithm algorithm) {
        SelectionResult r;
        r.algorithm = algorithm;
        r.target = target;
        for (size_t i : chosen) {
            r.selected.push_back(pool_index[i]);
            r.selected_value += pool_in.coins[i].txout.value;
            r.selected_effective_value += pool_in.effective_values[i];
            r.input_fees += pool_in.fees[i];
            r.input_weight += pool_in.coins[i].input.weight;
        }
        Amount waste = 0;
        for (size_t i : chosen) waste += pool_in.fees[i] - pool_in.long_term_fees[i];
        for (size_t i = 0; i < preset.size(); ++i) {
            r.selected.push_back(coins.size() + i);
            r.selected_value += preset[i].txout.value;
            r.selected_effective_value += preset_in.effective_values[i];
            r.input_fees += preset_in.fees[i];
            r.input_weight += preset[i].input.weight;
            waste += preset_in.fees[i] - preset_in.long_term_fees[i];
        }
        std::sort(r.selected.begin(), r.selected.end());
        const Amount change = r.selected_effective_value - target - own_change_fee;
        r.change = change >= min_viable_change ? change : 0;
        r.waste = waste + (r.change > 0 ? cost_of_change : r.selected_effective_value - target);
        return r;
    };

    if (remaining <= 0) {
        // The preset inputs pay for everything (Core does not add more then).
        return finish(preset_in, {}, {}, SelectionAlgorithm::kManual);
    }

    std::vector<Tier> tiers{{1, 6}, {1, 1}};
    if (params.spend_unconfirmed_change) tiers.push_back({0, 1});

    bool weight_limited = false;
    Amount widest_available = 0;
    for (const Tier& tier : tiers) {
        std::vector<SpendableCoin> pool;
        std::vector<size_t> pool_index;  // pool position -> index into `coins`
        for (size_t i = 0; i < coins.size(); ++i) {
            if (!eligible(coins[i], tier)) continue;
            pool.push_back(coins[i]);
            pool_index.push_back(i);
        }
        const AlgorithmInput in = make_algorithm_input(pool, params);
        Amount available = 0;
        for (Amount v : in.effective_values) available += std::max<Amount>(v, 0);
        widest_available = std::max(widest_available, available);
        if (available < remaining) continue;

        std::vector<Candidate> candidates;
        auto consider = [&](std::optional<std::vector<size_t>> sel, SelectionAlgorithm algorithm) {
            if (!sel) return;
            const Amount value = total_value(in, *sel) + preset_value;
            const Amount change_left = value - target - own_change_fee;
            const Amount change = change_left >= min_viable_change ? change_left : 0;
            // Waste over the chosen coins (the presets' part is common to every candidate).
            Amount waste = change > 0 ? cost_of_change : value - target;
            for (size_t i : *sel) waste += in.fees[i] - in.long_term_fees[i];
            candidates.push_back({std::move(*sel), algorithm, waste});
        };
        if (!params.subtract_fee_outputs) {
            consider(select_bnb(in, remaining, cost_of_change, weight_left), SelectionAlgorithm::kBnB);
        }
        // The other algorithms may make change: leave room for the change output.
        const size_t change_weight = params.change_output_size * 4;
        const size_t weight_with_change = weight_left > change_weight ? weight_left - change_weight : 0;
        consider(select_knapsack(in, remaining, change_target, weight_with_change, rng), SelectionAlgorithm::kKnapsack);
        if (params.fee_rate.sat_per_kvb > 3 * params.long_term_fee_rate.sat_per_kvb) {
            consider(select_coin_grinder(in, remaining, change_target, weight_with_change),
                     SelectionAlgorithm::kCoinGrinder);
        }
        consider(select_srd(in, remaining + change_fee + kChangeLower, weight_with_change, rng),
                 SelectionAlgorithm::kSrd);
        if (candidates.empty()) {
            // Enough value, yet no algorithm fit under the weight limit.
            weight_limited = true;
            continue;
        }
        // Lowest waste; on a tie the one with more inputs (Core: consolidate while cheap).
        const Candidate* best = &candidates.front();
        for (const auto& c : candidates) {
            if (c.waste < best->waste || (c.waste == best->waste && c.sel.size() > best->sel.size())) best = &c;
        }
        return finish(in, best->sel, pool_index, best->algorithm);
    }

    if (weight_limited) {
        return fail(SelectionError::Kind::kMaxWeightExceeded,
                    "The inputs size exceeds the maximum weight. Please try sending a smaller amount or manually "
                    "consolidating your wallet's UTXOs",
                    widest_available + preset_value, target);
    }
    const Amount available = widest_available + preset_value;
    return fail(
        SelectionError::Kind::kInsufficientFunds,
        "Insufficient funds: " + format_money(available) + " BTC available, " + format_money(target) + " BTC needed",
        available, target);
}

}  // namespace minicash::wallet
