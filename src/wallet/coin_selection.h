// Coin selection: which of the wallet's unspent outputs fund a payment, the way Bitcoin
// Core's wallet chooses them (wallet/coinselection.cpp, wallet/spend.cpp).
//
// Vocabulary (Core's):
//   effective value   value - fee to spend the coin at the current fee rate
//   target            what the selected effective values must cover: the recipients'
//                     amounts plus the fee for everything but the inputs
//   cost of change    fee for a change output now + fee to spend it later at the discard
//                     fee rate; BnB accepts any excess up to this instead of making change
//   waste             sum over inputs of (fee now - fee at the long-term rate), plus the
//                     cost of change when there is change, else the excess given to fees
//
// Algorithms: Branch and Bound (changeless exact match, lowest waste, at most 100,000
// tries), Knapsack and Single Random Draw (both make change), CoinGrinder (fewest weight,
// only when fee rates are high, as Core). Every algorithm that succeeds is scored by waste
// and the lowest wins (ties: more inputs, as Core). All randomness comes from one
// generator seeded by SelectionParams::seed (tests) or from OpenSSL otherwise.
//
// Nothing here knows about the wallet's storage: plain values in, a result out.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "common/fee_rate.h"
#include "consensus/amount.h"
#include "consensus/transaction.h"

namespace minicash::wallet {

// ---------------------------------------------------------------------------------------
// Fee rates and policy constants

// FeeRate, dust_threshold and is_dust come from common/fee_rate.h (shared with the node).
using minicash::FeeRate;

inline constexpr FeeRate kDefaultMinRelayFeeRate{100};          // -minrelaytxfee (Core 30: 0.1 sat/vB)
inline constexpr FeeRate kDefaultIncrementalRelayFeeRate{100};  // -incrementalrelayfee (Core 30)
inline constexpr FeeRate kDefaultDustRelayFeeRate{3000};        // -dustrelayfee
inline constexpr FeeRate kDefaultDiscardFeeRate{10000};         // -discardfee (DEFAULT_DISCARD_FEE)
inline constexpr FeeRate kDefaultConsolidateFeeRate{10000};     // -consolidatefeerate (long-term rate)
inline constexpr Amount kDefaultMaxTxFee = kCoin / 10;          // -maxtxfee (0.1 BTC)
// Rates above this are refused as parameters (keeps fee arithmetic far from overflow).
inline constexpr FeeRate kMaxFeeRate{kCoin * 1000};     // 1 BTC per vbyte
inline constexpr size_t kMaxStandardTxWeight = 400000;  // MAX_STANDARD_TX_WEIGHT
inline constexpr Amount kChangeLower = 50000;           // CHANGE_LOWER
inline constexpr Amount kChangeUpper = 1000000;         // CHANGE_UPPER
inline constexpr size_t kBnbTotalTries = 100000;        // TOTAL_TRIES

// Serialized size of an output: 8 (value) + script length prefix + script.
size_t output_size(const Script& script_pubkey);

// ---------------------------------------------------------------------------------------
// Coins

// The size an input adds to a transaction once signed.
//   weight   4 x (outpoint 36 + scriptSig with its length prefix + sequence 4) + the
//            witness bytes (stack item count + items) for a witness input
//   witness  true when the input carries a witness. A non-witness input in a transaction
//            that has witnesses adds one more weight unit (its empty stack count); the
//            builder adds it, it is not part of `weight`.
struct InputSize {
    size_t weight = 0;
    bool witness = false;
    size_t vsize() const { return (weight + 3) / 4; }
};

// Signed input size for the single-key output types the wallet signs, with a compressed
// key and SIGHASH_ALL / SIGHASH_DEFAULT:
//   P2PKH        147 vB (148 without low-R)    P2SH-P2WPKH  90.75 vB (91 without low-R)
//   P2WPKH       67.75 vB (68 without low-R)   P2TR key     57.5 vB (64-byte signature)
// `low_r`: ECDSA signatures are ground to low R (signer.h's default), so at most 71 bytes
// with the hash type; otherwise 72. nullopt for any other script (P2WSH, bare multisig,
// unknown witness versions): the caller must supply the size.
[[nodiscard]] std::optional<InputSize> estimate_input_size(const Script& script_pubkey, bool low_r = true);

// An unspent output the wallet may spend. The caller filters what must never be spent
// (immature coinbase outputs, locked or already spent coins).
struct SpendableCoin {
    OutPoint outpoint;
    TxOut txout;
    InputSize input;        // REQUIRES: input.weight > 0
    int confirmations = 0;  // 0: unconfirmed (in the mempool)
    bool from_me = false;   // unconfirmed change or a payment to self: trusted at 0 conf
    // Timelocks the wallet's satisfaction of the coin needs (Miniscript older(n) /
    // after(n)); 0: none. The builder sets nSequence / nLockTime from them.
    uint32_t older = 0;
    uint32_t after = 0;
};

// A SpendableCoin with the size from estimate_input_size; nullopt for unknown types.
[[nodiscard]] std::optional<SpendableCoin> make_spendable_coin(const OutPoint& outpoint, const TxOut& txout,
                                                               int confirmations = 0, bool from_me = false,
                                                               bool low_r = true);

// ---------------------------------------------------------------------------------------
// Selection

enum class SelectionAlgorithm { kManual, kBnB, kKnapsack, kSrd, kCoinGrinder };
const char* selection_algorithm_name(SelectionAlgorithm a);  // "manual", "bnb", "knapsack", "srd", "coingrinder"

struct SelectionParams {
    FeeRate fee_rate;  // effective fee rate of the transaction
    FeeRate long_term_fee_rate = kDefaultConsolidateFeeRate;
    FeeRate discard_fee_rate = kDefaultDiscardFeeRate;  // rate at which change is valued
    // Change output: its serialized size (P2WPKH 31, P2TR 43, P2PKH 34) and the vsize of
    // the input that will spend it (see estimate_input_size).
    size_t change_output_size = 31;
    size_t change_spend_vsize = 68;
    bool change_is_witness = true;  // the change script is a witness program (dust rule)
    // Minimum change (Core's min_viable_change): nullopt = max(discard fee to spend it + 1,
    // dust threshold of the change output at the discard rate), as Core.
    std::optional<Amount> min_viable_change;
    // Change target of Knapsack/CoinGrinder (Core's m_min_change_target), including the
    // change fee: nullopt = generate_change_target(target, change_fee()) (Core passes
    // the average recipient amount; tx_builder does).
    std::optional<Amount> min_change_target;
    // The recipients pay the fee (subtractfeefromamount): coins are chosen by value, not
    // effective value, and coins that cost more than they are worth may be used.
    bool subtract_fee_outputs = false;
    // Weight the selected inputs may reach (standard weight minus the rest of the tx).
    size_t max_selection_weight = kMaxStandardTxWeight;
    // Spend unconfirmed change (Core's -spendzeroconfchange); foreign unconfirmed coins
    // are never selected.
    bool spend_unconfirmed_change = true;
    // Deterministic choices (tests); nullopt: seeded from OpenSSL.
    std::optional<uint64_t> seed;

    // Derived, as Core: fee for the change output now, and that plus the fee to spend it.
    Amount change_fee() const { return fee_rate.fee(change_output_size); }
    Amount cost_of_change() const { return change_fee() + discard_fee_rate.fee(change_spend_vsize); }
    Amount effective_min_viable_change() const;
};

struct SelectionResult {
    std::vector<size_t> selected;  // indices into the coins given, ascending
    SelectionAlgorithm algorithm = SelectionAlgorithm::kManual;
    Amount selected_value = 0;            // sum of values
    Amount selected_effective_value = 0;  // sum of effective values (values when subtracting fees)
    Amount input_fees = 0;                // sum of input fees at params.fee_rate
    size_t input_weight = 0;              // sum of InputSize::weight
    Amount target = 0;                    // the target the selection was made for
    Amount waste = 0;
    // Change the selection leaves once the change output's fee is paid (when subtracting
    // fees the recipients pay that too): 0 when below the minimum viable change (the
    // excess then goes to fees), as Core's GetChange.
    Amount change = 0;
};

struct SelectionError {
    enum class Kind {
        kInvalidParameter,   // negative target, coin without a size, ...
        kInsufficientFunds,  // eligible coins do not cover the target
        kMaxWeightExceeded,  // enough value, but only with inputs over the weight limit
    };
    Kind kind = Kind::kInsufficientFunds;
    std::string message;   // "Insufficient funds: 0.5 BTC available, 0.7 BTC needed"
    Amount available = 0;  // effective value of the eligible coins
    Amount needed = 0;     // the target
};

// Chooses coins from `coins` whose effective values cover `target` (the recipients plus
// the fee for the transaction without its inputs; recipients only when subtracting fees).
// Eligibility is tried in Core's order: confirmed (1 conf from me, 6 otherwise), then 1
// conf, then unconfirmed change; the first tier with a solution wins. Coins with a
// non-positive effective value are skipped (unless subtracting fees). `preset` coins are
// always spent first (their effective value counts towards the target) and appear in
// `selected` as indices into `preset` offset by coins.size().
// REQUIRES: every coin has input.weight > 0. nullopt with `*error` on failure.
[[nodiscard]] std::optional<SelectionResult> select_coins(std::span<const SpendableCoin> coins, Amount target,
                                                          const SelectionParams& params,
                                                          SelectionError* error = nullptr,
                                                          std::span<const SpendableCoin> preset = {});

// The generator behind every random choice: seeded with `seed`, or from OpenSSL's
// RAND_bytes when nullopt. Not for secrets; only coin and output order.
using SelectionRng = std::mt19937_64;
SelectionRng make_selection_rng(std::optional<uint64_t> seed);

// The individual algorithms, over coins that are all eligible. They are exposed for tests
// and benchmarks; select_coins is the entry point. Each returns the chosen indices (into
// `coins`), or nullopt when it finds nothing within `max_weight` (sum of input weights).
// `effective_values[i]` is coin i's selection amount (effective value or value).
struct AlgorithmInput {
    std::span<const SpendableCoin> coins;
    std::vector<Amount> effective_values;
    std::vector<Amount> fees;            // at the current fee rate
    std::vector<Amount> long_term_fees;  // at the long-term fee rate
};
AlgorithmInput make_algorithm_input(std::span<const SpendableCoin> coins, const SelectionParams& params);

// Core's SelectCoinsBnB: a changeless set with target <= sum <= target + cost_of_change
// and the least waste, exploring at most kBnbTotalTries nodes.
[[nodiscard]] std::optional<std::vector<size_t>> select_bnb(const AlgorithmInput& in, Amount target,
                                                            Amount cost_of_change, size_t max_weight);
// Core's KnapsackSolver: an exact match, else the smallest set reaching target +
// change_target (stochastic approximation, 1000 rounds).
[[nodiscard]] std::optional<std::vector<size_t>> select_knapsack(const AlgorithmInput& in, Amount target,
                                                                 Amount change_target, size_t max_weight,
                                                                 SelectionRng& rng);
// Core's SelectCoinsSRD: random coins until the effective value reaches `target`
// (callers pass target + change fee + CHANGE_LOWER), dropping the smallest when over the
// weight limit.
[[nodiscard]] std::optional<std::vector<size_t>> select_srd(const AlgorithmInput& in, Amount target, size_t max_weight,
                                                            SelectionRng& rng);
// Core's CoinGrinder: the set of least weight reaching target + change_target (explores
// at most kBnbTotalTries nodes; nullopt if it cannot find or prove one within that).
[[nodiscard]] std::optional<std::vector<size_t>> select_coin_grinder(const AlgorithmInput& in, Amount target,
                                                                     Amount change_target, size_t max_weight);

// Core's waste metric for a selection of `in` (indices) towards `target`, given the
// change it leaves (0: changeless, the excess is wasted instead of the cost of change).
Amount selection_waste(const AlgorithmInput& in, std::span<const size_t> selected, Amount target, Amount change,
                       Amount cost_of_change);

// Core's GenerateChangeTarget: change_fee + a random change target between CHANGE_LOWER
// and min(2 x payment, CHANGE_UPPER); change_fee + CHANGE_LOWER for payments of at most
// CHANGE_LOWER / 2.
Amount generate_change_target(Amount payment, Amount change_fee, SelectionRng& rng);

}  // namespace minicash::wallet
