// Coin selection: fee rates and sizes, dust, Branch and Bound (exact matches, waste),
// Knapsack, SRD, CoinGrinder, the waste-based choice, eligibility tiers, preset inputs,
// insufficient funds and the weight limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "wallet/coin_selection.h"

using namespace minicash;
using namespace minicash::wallet;

namespace {

Script p2wpkh_script(uint8_t tag = 1) {
    Bytes b{OP_0, 20};
    b.resize(22, tag);
    return Script(b);
}
Script p2tr_script(uint8_t tag = 1) {
    Bytes b{OP_1, 32};
    b.resize(34, tag);
    return Script(b);
}
Script p2pkh_script(uint8_t tag = 1) {
    Bytes b{OP_DUP, OP_HASH160, 20};
    b.resize(23, tag);
    b.push_back(OP_EQUALVERIFY);
    b.push_back(OP_CHECKSIG);
    return Script(b);
}
Script p2sh_script(uint8_t tag = 1) {
    Bytes b{OP_HASH160, 20};
    b.resize(22, tag);
    b.push_back(OP_EQUAL);
    return Script(b);
}
Script p2wsh_script() {
    Bytes b{OP_0, 32};
    b.resize(34, 7);
    return Script(b);
}

uint32_t g_next_index = 0;

SpendableCoin coin(Amount value, int confirmations = 6, bool from_me = false, const Script& spk = p2wpkh_script()) {
    OutPoint op;
    op.txid = uint256(Bytes(32, 0xab));
    op.index = g_next_index++;
    auto c = make_spendable_coin(op, TxOut{value, spk}, confirmations, from_me);
    EXPECT_TRUE(c);
    return *c;
}

Amount sum_values(std::span<const SpendableCoin> coins, const std::vector<size_t>& sel) {
    Amount s = 0;
    for (size_t i : sel) s += coins[i].txout.value;
    return s;
}

// Fee rate = long-term rate = discard rate = 10 sat/vB: inputs waste nothing, so only
// the excess or the cost of change decides. coin10(x) has effective value x (P2WPKH).
SelectionParams params_at_10() {
    SelectionParams p;
    p.fee_rate = p.long_term_fee_rate = p.discard_fee_rate = FeeRate::from_sat_per_vb(10);
    p.min_change_target = kChangeLower;
    p.seed = 42;
    return p;
}
SpendableCoin coin10(Amount effective, int confirmations = 6, bool from_me = false) {
    return coin(effective + 680, confirmations, from_me);
}

SelectionParams zero_fee_params() {
    SelectionParams p;
    p.fee_rate = FeeRate{0};
    p.long_term_fee_rate = FeeRate{0};
    p.discard_fee_rate = FeeRate{0};
    p.min_change_target = kChangeLower;
    p.seed = 42;
    return p;
}

}  // namespace

TEST(CoinSelection, FeeRateArithmetic) {
    const FeeRate r = FeeRate::from_sat_per_vb(1);
    EXPECT_EQ(r.sat_per_kvb, 1000);
    EXPECT_EQ(r.fee(141), 141);
    EXPECT_EQ(FeeRate{100}.fee(141), 15);  // 14.1 rounded up
    EXPECT_EQ(FeeRate{100}.fee(1), 1);     // never zero for a positive rate
    EXPECT_EQ(FeeRate{100}.fee(0), 0);
    EXPECT_EQ(FeeRate{1234}.fee_for_weight(401), 125);  // ceil(401/4)=101 vB -> 124.6 -> 125
    EXPECT_EQ(FeeRate::of(1000, 141).sat_per_kvb, 7092);
    EXPECT_EQ(FeeRate::of(5, 0).sat_per_kvb, 0);
    EXPECT_EQ(FeeRate{100}.to_string(), "0.100 sat/vB");
    EXPECT_EQ(FeeRate{25500}.to_string(), "25.500 sat/vB");
}

TEST(CoinSelection, InputSizes) {
    // Low-R ECDSA (71-byte signature with hash type) and 64-byte Schnorr signatures.
    EXPECT_EQ(estimate_input_size(p2wpkh_script())->weight, 271u);
    EXPECT_EQ(estimate_input_size(p2wpkh_script())->vsize(), 68u);
    EXPECT_TRUE(estimate_input_size(p2wpkh_script())->witness);
    EXPECT_EQ(estimate_input_size(p2wpkh_script(), false)->weight, 272u);
    EXPECT_EQ(estimate_input_size(p2tr_script())->weight, 230u);
    EXPECT_EQ(estimate_input_size(p2tr_script())->vsize(), 58u);
    EXPECT_EQ(estimate_input_size(p2pkh_script())->weight, 147u * 4);
    EXPECT_EQ(estimate_input_size(p2pkh_script(), false)->weight, 148u * 4);
    EXPECT_FALSE(estimate_input_size(p2pkh_script())->witness);
    EXPECT_EQ(estimate_input_size(p2sh_script())->weight, 363u);
    EXPECT_EQ(estimate_input_size(p2sh_script())->vsize(), 91u);
    EXPECT_EQ(estimate_input_size(p2sh_script(), false)->weight, 364u);
    EXPECT_FALSE(estimate_input_size(p2wsh_script()));
    EXPECT_FALSE(estimate_input_size(Script(Bytes{OP_RETURN})));
    EXPECT_FALSE(make_spendable_coin(OutPoint{}, TxOut{1000, p2wsh_script()}));
}

TEST(CoinSelection, DustThresholdsAsCore) {
    EXPECT_EQ(dust_threshold(TxOut{0, p2pkh_script()}, kDefaultDustRelayFeeRate), 546);
    EXPECT_EQ(dust_threshold(TxOut{0, p2wpkh_script()}, kDefaultDustRelayFeeRate), 294);
    EXPECT_EQ(dust_threshold(TxOut{0, p2tr_script()}, kDefaultDustRelayFeeRate), 330);
    EXPECT_EQ(dust_threshold(TxOut{0, p2sh_script()}, kDefaultDustRelayFeeRate), 540);
    EXPECT_EQ(dust_threshold(TxOut{0, p2wsh_script()}, kDefaultDustRelayFeeRate), 330);
    EXPECT_EQ(dust_threshold(TxOut{0, Script(Bytes{OP_RETURN, 1, 2})}, kDefaultDustRelayFeeRate), 0);
    EXPECT_TRUE(is_dust(TxOut{293, p2wpkh_script()}, kDefaultDustRelayFeeRate));
    EXPECT_FALSE(is_dust(TxOut{294, p2wpkh_script()}, kDefaultDustRelayFeeRate));
    EXPECT_EQ(output_size(p2wpkh_script()), 31u);
    EXPECT_EQ(output_size(p2tr_script()), 43u);
    EXPECT_EQ(output_size(p2pkh_script()), 34u);
}

TEST(CoinSelection, MinViableChangeAsCore) {
    SelectionParams p;
    p.fee_rate = FeeRate::from_sat_per_vb(10);
    // max(68 vB x 10 sat/vB + 1, dust of a P2WPKH output at the 10 sat/vB discard rate).
    EXPECT_EQ(p.effective_min_viable_change(), 980);
    EXPECT_EQ(p.change_fee(), 310);
    EXPECT_EQ(p.cost_of_change(), 310 + 680);
}

TEST(CoinSelection, BnbFindsExactMatch) {
    std::vector<SpendableCoin> coins;
    for (Amount v : {100000, 200000, 300000, 400000, 500000}) coins.push_back(coin(v));
    const auto params = zero_fee_params();
    const AlgorithmInput in = make_algorithm_input(coins, params);
    for (Amount target : {100000, 600000, 700000, 1000000, 1500000}) {
        auto sel = select_bnb(in, target, 0, kMaxStandardTxWeight);
        ASSERT_TRUE(sel) << target;
        EXPECT_EQ(sum_values(coins, *sel), target);
    }
    // Nothing sums to these within a cost of change of 0 ...
    EXPECT_FALSE(select_bnb(in, 150000, 0, kMaxStandardTxWeight));
    EXPECT_FALSE(select_bnb(in, 1600000, 1000000, kMaxStandardTxWeight));  // more than all coins
    // ... but a window of 50,000 admits 200,000.
    auto sel = select_bnb(in, 150000, 50000, kMaxStandardTxWeight);
    ASSERT_TRUE(sel);
    EXPECT_EQ(sum_values(coins, *sel), 200000);
}

TEST(CoinSelection, BnbUsesEffectiveValues) {
    // At 10 sat/vB a P2WPKH input costs 680 sat: coins worth 100,680 and 200,680 pay 300,000 exactly.
    std::vector<SpendableCoin> coins{coin(100680), coin(200680), coin(150000)};
    SelectionParams params = zero_fee_params();
    params.fee_rate = FeeRate::from_sat_per_vb(10);
    const AlgorithmInput in = make_algorithm_input(coins, params);
    EXPECT_EQ(in.effective_values[0], 100000);
    auto sel = select_bnb(in, 300000, 0, kMaxStandardTxWeight);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, (std::vector<size_t>{0, 1}));
}

TEST(CoinSelection, BnbPrefersLeastWaste) {
    // Effective 200,000 in one coin or in two of 100,000. With fees above the long-term
    // rate, fewer inputs waste less; below it, more inputs (consolidation) waste less.
    for (const Amount rate : {20, 5}) {
        SelectionParams params = zero_fee_params();
        params.fee_rate = FeeRate::from_sat_per_vb(rate);
        params.long_term_fee_rate = FeeRate::from_sat_per_vb(10);
        const Amount fee = 68 * rate;
        std::vector<SpendableCoin> coins{coin(200000 + fee), coin(100000 + fee), coin(100000 + fee)};
        const AlgorithmInput in = make_algorithm_input(coins, params);
        auto sel = select_bnb(in, 200000, 0, kMaxStandardTxWeight);
        ASSERT_TRUE(sel);
        if (rate == 20) {
            EXPECT_EQ(*sel, std::vector<size_t>{0});
            EXPECT_EQ(selection_waste(in, *sel, 200000, 0, 0), 68 * 10);
        } else {
            EXPECT_EQ(*sel, (std::vector<size_t>{1, 2}));
            EXPECT_EQ(selection_waste(in, *sel, 200000, 0, 0), -2 * 68 * 5);
        }
    }
}

TEST(CoinSelection, BnbRespectsWeightLimit) {
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 10; ++i) coins.push_back(coin(10000));
    const AlgorithmInput in = make_algorithm_input(coins, zero_fee_params());
    EXPECT_TRUE(select_bnb(in, 50000, 0, 5 * 271));
    EXPECT_FALSE(select_bnb(in, 50000, 0, 5 * 271 - 1));
}

TEST(CoinSelection, BnbTerminatesWithinTryLimit) {
    // Many coins and no exact match: the search stops after TOTAL_TRIES without a result.
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 2000; ++i) coins.push_back(coin(1000 * 2 + 2 * i));  // even values
    const AlgorithmInput in = make_algorithm_input(coins, zero_fee_params());
    EXPECT_FALSE(select_bnb(in, 100001, 0, kMaxStandardTxWeight));  // odd target
}

TEST(CoinSelection, KnapsackExactAndLowestLarger) {
    std::vector<SpendableCoin> coins{coin(10000), coin(20000), coin(30000), coin(1000000)};
    const AlgorithmInput in = make_algorithm_input(coins, zero_fee_params());
    SelectionRng rng = make_selection_rng(7);
    // A single coin equal to the target.
    auto sel = select_knapsack(in, 20000, kChangeLower, kMaxStandardTxWeight, rng);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, std::vector<size_t>{1});
    // All small coins together are exactly the target.
    sel = select_knapsack(in, 60000, kChangeLower, kMaxStandardTxWeight, rng);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, (std::vector<size_t>{0, 1, 2}));
    // The small coins cannot reach it: the smallest larger coin.
    sel = select_knapsack(in, 70000, kChangeLower, kMaxStandardTxWeight, rng);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, std::vector<size_t>{3});
    EXPECT_FALSE(select_knapsack(in, 2000000, kChangeLower, kMaxStandardTxWeight, rng));
}

TEST(CoinSelection, SrdReachesTarget) {
    std::vector<SpendableCoin> coins;
    for (int i = 1; i <= 50; ++i) coins.push_back(coin(i * 1000));
    const AlgorithmInput in = make_algorithm_input(coins, zero_fee_params());
    SelectionRng rng = make_selection_rng(1);
    auto sel = select_srd(in, 100000, kMaxStandardTxWeight, rng);
    ASSERT_TRUE(sel);
    EXPECT_GE(sum_values(coins, *sel), 100000);
    EXPECT_FALSE(select_srd(in, 2000000, kMaxStandardTxWeight, rng));
    // Under a weight limit of 3 inputs only the largest coins can do it.
    sel = select_srd(in, 140000, 3 * 271, rng);
    ASSERT_TRUE(sel);
    EXPECT_LE(sel->size(), 3u);
    EXPECT_GE(sum_values(coins, *sel), 140000);
}

TEST(CoinSelection, CoinGrinderMinimisesWeight) {
    // A heavy P2PKH coin (588 WU) and light P2TR coins (230 WU): two P2TR coins (460)
    // beat the single P2PKH coin.
    std::vector<SpendableCoin> coins{coin(100000, 6, false, p2pkh_script()), coin(60000, 6, false, p2tr_script()),
                                     coin(50000, 6, false, p2tr_script()), coin(10000, 6, false, p2wpkh_script())};
    const AlgorithmInput in = make_algorithm_input(coins, zero_fee_params());
    auto sel = select_coin_grinder(in, 90000, 10000, kMaxStandardTxWeight);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, (std::vector<size_t>{1, 2}));
    // More than all light coins together (120,000): the P2PKH coin and one P2TR coin;
    // of the two such sets of equal weight, the one with less excess.
    sel = select_coin_grinder(in, 125000, 0, kMaxStandardTxWeight);
    ASSERT_TRUE(sel);
    EXPECT_EQ(*sel, (std::vector<size_t>{0, 2}));
    EXPECT_FALSE(select_coin_grinder(in, 300000, 0, kMaxStandardTxWeight));
}

TEST(CoinSelection, GenerateChangeTargetRange) {
    SelectionRng rng = make_selection_rng(3);
    EXPECT_EQ(generate_change_target(20000, 100, rng), 100 + kChangeLower);
    for (int i = 0; i < 100; ++i) {
        const Amount t = generate_change_target(300000, 100, rng);
        EXPECT_GE(t, 100 + kChangeLower);
        EXPECT_LT(t, 100 + std::min<Amount>(600000, kChangeUpper));
    }
}

TEST(CoinSelection, SelectCoinsChangelessWhenExact) {
    std::vector<SpendableCoin> coins{coin10(100000), coin10(250000), coin10(400000), coin10(1000000)};
    SelectionParams params = params_at_10();
    auto r = select_coins(coins, 350000, params);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->algorithm, SelectionAlgorithm::kBnB);
    EXPECT_EQ(r->selected_effective_value, 350000);
    EXPECT_EQ(r->waste, 0);
    EXPECT_EQ(r->change, 0);
    EXPECT_EQ(r->selected, (std::vector<size_t>{0, 1}));
}

TEST(CoinSelection, SelectCoinsMakesChangeOtherwise) {
    std::vector<SpendableCoin> coins{coin(100000), coin(250000), coin(400000), coin(1000000)};
    SelectionParams params;
    params.fee_rate = FeeRate::from_sat_per_vb(2);
    params.seed = 5;
    auto r = select_coins(coins, 500000, params);
    ASSERT_TRUE(r);
    EXPECT_NE(r->algorithm, SelectionAlgorithm::kBnB);
    EXPECT_GE(r->selected_effective_value, 500000 + params.change_fee());
    EXPECT_EQ(r->change, r->selected_effective_value - 500000 - params.change_fee());
    EXPECT_GE(r->change, params.effective_min_viable_change());
    EXPECT_EQ(r->waste, r->input_fees - Amount(r->selected.size()) * 680 + params.cost_of_change());
}

TEST(CoinSelection, DeterministicWithSeed) {
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 200; ++i) coins.push_back(coin(10000 + 7919 * i % 500000));
    SelectionParams params;
    params.fee_rate = FeeRate::from_sat_per_vb(3);
    params.seed = 99;
    const auto a = select_coins(coins, 1234567, params);
    const auto b = select_coins(coins, 1234567, params);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->selected, b->selected);
    EXPECT_EQ(a->waste, b->waste);
}

TEST(CoinSelection, LowestWasteWinsAcrossAlgorithms) {
    // Every algorithm's result is scored; the chosen one has the least waste of all that
    // are possible. Compare with the waste of each algorithm run alone.
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 60; ++i) coins.push_back(coin(5000 + 3001 * i));
    SelectionParams params;
    params.fee_rate = FeeRate::from_sat_per_vb(40);  // above 3x long-term: CoinGrinder runs too
    params.seed = 11;
    params.min_change_target = 60000;
    const Amount target = 700000;
    auto r = select_coins(coins, target, params);
    ASSERT_TRUE(r);
    const AlgorithmInput in = make_algorithm_input(coins, params);
    const Amount min_change = params.effective_min_viable_change();
    auto waste_of = [&](const std::vector<size_t>& sel) {
        Amount ch = 0;
        for (size_t i : sel) ch += in.effective_values[i];
        ch -= target + params.change_fee();
        return selection_waste(in, sel, target, ch >= min_change ? ch : 0, params.cost_of_change());
    };
    if (auto g = select_coin_grinder(in, target, 60000, kMaxStandardTxWeight)) { EXPECT_LE(r->waste, waste_of(*g)); }
    if (auto b = select_bnb(in, target, params.cost_of_change(), kMaxStandardTxWeight)) {
        EXPECT_LE(r->waste, waste_of(*b));
    }
    EXPECT_EQ(r->waste, waste_of(r->selected));
}

TEST(CoinSelection, InsufficientFundsSaysHowMuch) {
    std::vector<SpendableCoin> coins{coin(100000), coin(50000)};
    SelectionParams params = zero_fee_params();
    SelectionError err;
    EXPECT_FALSE(select_coins(coins, 200000, params, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInsufficientFunds);
    EXPECT_EQ(err.available, 150000);
    EXPECT_EQ(err.needed, 200000);
    EXPECT_EQ(err.message, "Insufficient funds: 0.0015 BTC available, 0.002 BTC needed");
    // No coins at all.
    EXPECT_FALSE(select_coins({}, 1, params, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInsufficientFunds);
    // Coins worth less than their fee do not count at a high fee rate.
    params.fee_rate = FeeRate::from_sat_per_vb(10);
    std::vector<SpendableCoin> dusty{coin(600), coin(600), coin(100000)};
    EXPECT_FALSE(select_coins(dusty, 100000, params, &err));
    EXPECT_EQ(err.available, 100000 - 680);
}

TEST(CoinSelection, WeightLimitExceeded) {
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 100; ++i) coins.push_back(coin(1000));
    SelectionParams params = zero_fee_params();
    params.max_selection_weight = 20 * 271;
    SelectionError err;
    EXPECT_FALSE(select_coins(coins, 50000, params, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kMaxWeightExceeded);
    EXPECT_NE(err.message.find("exceeds the maximum weight"), std::string::npos);
    // Within the limit it works.
    EXPECT_TRUE(select_coins(coins, 10000, params, &err));
}

TEST(CoinSelection, EligibilityTiers) {
    SelectionParams params = zero_fee_params();
    // A foreign unconfirmed coin is never spent.
    std::vector<SpendableCoin> coins{coin(500000, 0, false)};
    SelectionError err;
    EXPECT_FALSE(select_coins(coins, 100000, params, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInsufficientFunds);
    // Unconfirmed change is spent when nothing confirmed suffices, unless disabled.
    coins = {coin(500000, 0, true), coin(50000, 3, false)};
    auto r = select_coins(coins, 100000, params);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->selected.front(), 0u);
    params.spend_unconfirmed_change = false;
    EXPECT_FALSE(select_coins(coins, 100000, params));
    // Coins with 6 confirmations are preferred over ones with 1 when they suffice.
    params.spend_unconfirmed_change = true;
    coins = {coin(100000, 1, false), coin(100000, 6, false), coin(100000, 1, true)};
    r = select_coins(coins, 100000, params);
    ASSERT_TRUE(r);
    EXPECT_EQ(std::count(r->selected.begin(), r->selected.end(), 0u), 0);
    // With only 1-confirmation foreign coins, the second tier uses them.
    coins = {coin(100000, 1, false)};
    EXPECT_TRUE(select_coins(coins, 100000, params));
}

TEST(CoinSelection, PresetInputsAlwaysSpent) {
    SelectionParams params = params_at_10();
    std::vector<SpendableCoin> preset{coin10(30000)};
    std::vector<SpendableCoin> coins{coin10(70000), coin10(500000)};
    auto r = select_coins(coins, 100000, params, nullptr, preset);
    ASSERT_TRUE(r);
    // Index coins.size() + 0 is the preset; BnB completes it exactly with coin 0.
    EXPECT_EQ(r->selected, (std::vector<size_t>{0, 2}));
    EXPECT_EQ(r->selected_effective_value, 100000);
    // Presets that cover the target alone: nothing else is added.
    r = select_coins(coins, 20000, params, nullptr, preset);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->selected, std::vector<size_t>{2});
    EXPECT_EQ(r->algorithm, SelectionAlgorithm::kManual);
}

TEST(CoinSelection, SubtractFeeSelectsByValue) {
    SelectionParams params;
    params.fee_rate = FeeRate::from_sat_per_vb(10);
    params.subtract_fee_outputs = true;
    params.seed = 1;
    std::vector<SpendableCoin> coins{coin(100000)};
    // The whole coin can be sent when the recipient pays the fee.
    auto r = select_coins(coins, 100000, params);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->selected_effective_value, 100000);
    EXPECT_EQ(r->change, 0);
}

TEST(CoinSelection, InvalidParameters) {
    SelectionError err;
    EXPECT_FALSE(select_coins({}, -1, zero_fee_params(), &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInvalidParameter);
    SelectionParams bad_rate = zero_fee_params();
    bad_rate.fee_rate = FeeRate{-1};
    EXPECT_FALSE(select_coins({}, 10, bad_rate, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInvalidParameter);
    bad_rate.fee_rate = FeeRate{kMaxFeeRate.sat_per_kvb + 1};
    EXPECT_FALSE(select_coins({}, 10, bad_rate, &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInvalidParameter);
    SpendableCoin c = coin(1000);
    c.input.weight = 0;
    std::vector<SpendableCoin> coins{c};
    EXPECT_FALSE(select_coins(coins, 10, zero_fee_params(), &err));
    EXPECT_EQ(err.kind, SelectionError::Kind::kInvalidParameter);
}

TEST(CoinSelection, BnbAndCoinGrinderMatchExhaustiveSearch) {
    // Small random pools: BnB's waste and CoinGrinder's weight equal the best over all subsets.
    SelectionRng rng = make_selection_rng(2024);
    const Script types[] = {p2wpkh_script(), p2tr_script(), p2pkh_script(), p2sh_script()};
    for (int round = 0; round < 60; ++round) {
        std::vector<SpendableCoin> coins;
        const size_t n = 4 + rng() % 9;
        for (size_t i = 0; i < n; ++i) {
            coins.push_back(coin(Amount(2000 + rng() % 60) * 500, 6, false, types[rng() % 4]));
        }
        SelectionParams params;
        params.fee_rate = FeeRate::from_sat_per_vb(Amount(1 + rng() % 40));
        const AlgorithmInput in = make_algorithm_input(coins, params);
        const Amount total = std::accumulate(in.effective_values.begin(), in.effective_values.end(), Amount{0});
        const Amount target = Amount(rng() % uint64_t(total));
        const Amount cost_of_change = params.cost_of_change();
        std::optional<Amount> best_waste;
        std::optional<size_t> best_weight;
        for (uint32_t mask = 1; mask < (1u << n); ++mask) {
            std::vector<size_t> sel;
            for (size_t i = 0; i < n; ++i) {
                if (mask & (1u << i)) sel.push_back(i);
            }
            Amount v = 0;
            size_t w = 0;
            for (size_t i : sel) {
                v += in.effective_values[i];
                w += coins[i].input.weight;
            }
            if (v >= target && v <= target + cost_of_change) {
                const Amount waste = selection_waste(in, sel, target, 0, cost_of_change);
                if (!best_waste || waste < *best_waste) best_waste = waste;
            }
            if (v >= target + 1000 && (!best_weight || w < *best_weight)) best_weight = w;
        }
        const auto bnb = select_bnb(in, target, cost_of_change, kMaxStandardTxWeight);
        ASSERT_EQ(bnb.has_value(), best_waste.has_value()) << "round " << round;
        if (bnb) { EXPECT_EQ(selection_waste(in, *bnb, target, 0, cost_of_change), *best_waste) << "round " << round; }
        const auto grinder = select_coin_grinder(in, target, 1000, kMaxStandardTxWeight);
        ASSERT_EQ(grinder.has_value(), best_weight.has_value()) << "round " << round;
        if (grinder) {
            size_t w = 0;
            for (size_t i : *grinder) w += coins[i].input.weight;
            EXPECT_EQ(w, *best_weight) << "round " << round;
        }
    }
}
