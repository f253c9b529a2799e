// Building unsigned transactions: pay recipients from selected coins with change, and
// replace a transaction with a higher-fee version (BIP125 fee bump), following Bitcoin
// Core's wallet (wallet/spend.cpp CreateTransaction, wallet/feebumper.cpp).
//
// Guarantees of a successful build:
//   - fee >= fee_rate.fee(estimated_vsize) and >= the minimum relay fee, where
//     estimated_vsize is the vsize once every input is signed with signer.h (exact for
//     Schnorr key-path spends; for low-R ECDSA the signed size is at most the estimate);
//   - weight <= 400,000 (standard), fee <= max_tx_fee;
//   - no recipient output is dust; change is either absent or at least the minimum
//     viable change (an amount not worth a change output goes to the fee);
//   - inputs carry nSequence 0xfffffffd (BIP125 replaceable) or 0xfffffffe, or the
//     relative lock their Miniscript satisfaction needs (apply_input_timelocks), and the
//     scriptSigs and witnesses are empty (sign with sign_transaction()).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consensus/transaction.h"
#include "wallet/coin_selection.h"

namespace minicash::wallet {

inline constexpr uint32_t kSequenceRbf = 0xfffffffd;            // MAX_BIP125_RBF_SEQUENCE
inline constexpr uint32_t kSequenceLocktimeFinal = 0xfffffffe;  // locktime enforced, not replaceable

struct Recipient {
    Script script_pubkey;
    Amount amount = 0;  // REQUIRES: > 0
    // This output pays part of the fee: the fee is split evenly over all marked
    // recipients, the first marked one also paying the remainder (Core).
    bool subtract_fee_from_amount = false;
};

struct BuildOptions {
    FeeRate fee_rate = FeeRate::from_sat_per_vb(1);
    int32_t version = 2;
    bool rbf = true;  // nSequence 0xfffffffd, else 0xfffffffe
    // Locktime: an explicit value, else anti-fee-sniping from `tip_height` (Core: the tip
    // height, or with probability 1/10 up to 99 blocks less), else 0 when tip_height is
    // nullopt (e.g. the node is not synced).
    std::optional<uint32_t> locktime;
    std::optional<uint32_t> tip_height;

    FeeRate long_term_fee_rate = kDefaultConsolidateFeeRate;
    FeeRate discard_fee_rate = kDefaultDiscardFeeRate;
    FeeRate min_relay_fee_rate = kDefaultMinRelayFeeRate;
    FeeRate dust_relay_fee_rate = kDefaultDustRelayFeeRate;
    Amount max_tx_fee = kDefaultMaxTxFee;
    bool spend_unconfirmed_change = true;
    // Signatures are ground to low R (signer.h's default); sizes are estimated for that.
    bool low_r = true;

    // Coins that must be spent (Core's coin control "inputs"); `coins` adds more only
    // when `add_inputs` (Core: true unless inputs were given).
    std::vector<SpendableCoin> preset_inputs;
    bool add_inputs = true;

    // Input order is always shuffled; the change output goes to a random position among
    // the recipients (Core). With `shuffle_outputs` the recipients are shuffled as well.
    bool shuffle_outputs = false;
    // Vsize to spend the change output later; nullopt: from its script type (68 for
    // P2WPKH, 58 for P2TR, 147 for P2PKH, 91 for P2SH-P2WPKH; other types need this).
    std::optional<size_t> change_spend_vsize;
    // Deterministic selection, change position, shuffles and anti-fee-sniping (tests).
    std::optional<uint64_t> seed;
};

struct BuiltTransaction {
    Transaction tx;                     // unsigned: empty scriptSigs and witnesses
    std::vector<TxOut> spent_outputs;   // per input, in input order (for signing)
    std::vector<SpendableCoin> inputs;  // per input, in input order
    Amount fee = 0;
    std::optional<size_t> change_position;  // index into tx.vout; nullopt: no change
    size_t estimated_weight = 0;            // once signed (see InputSize)
    size_t estimated_vsize = 0;             // ceil(estimated_weight / 4)
    SelectionAlgorithm algorithm = SelectionAlgorithm::kManual;
    Amount waste = 0;
};

struct BuildError {
    enum class Kind {
        kInvalidParameter,   // no recipients, bad amount, fee rate below the relay minimum, ...
        kAmountTooSmall,     // a recipient output would be dust (before or after the fee)
        kInsufficientFunds,  // the coins do not cover amounts and fees
        kTooLarge,           // over the standard weight
        kFeeTooHigh,         // fee above max_tx_fee
        kNeedsChange,        // a change output is required but no change script was given
        kBumpRejected,       // build_bump: BIP125 rules cannot be met as asked
    };
    Kind kind = Kind::kInvalidParameter;
    std::string message;  // Core's wording where Core has one
};

// Funds `recipients` from `coins` (and options.preset_inputs), sending change to
// `change_script` (may be empty only if no change is ever needed; a build that would
// need change then fails with kNeedsChange). Recipient outputs keep their order unless
// shuffle_outputs. nullopt with `*error` on failure. Errors, Core's messages:
//   "Transaction must have at least one recipient", "Transaction amounts must not be
//   negative", "Transaction amount too small", "The transaction amount is too small to
//   pay the fee", "The transaction amount is too small to send after the fee has been
//   deducted", "Insufficient funds ...", "Transaction too large", "Fee rate (x sat/vB)
//   is lower than the minimum fee rate setting (y sat/vB)", "Fee exceeds maximum
//   configured by user (e.g. -maxtxfee, maxfeerate)".
[[nodiscard]] std::optional<BuiltTransaction> build_transaction(std::span<const SpendableCoin> coins,
                                                                std::span<const Recipient> recipients,
                                                                const Script& change_script,
                                                                const BuildOptions& options,
                                                                BuildError* error = nullptr);

struct BumpOptions {
    FeeRate new_fee_rate;  // REQUIRES: > the original's fee rate
    FeeRate incremental_relay_fee_rate = kDefaultIncrementalRelayFeeRate;
    FeeRate min_relay_fee_rate = kDefaultMinRelayFeeRate;
    FeeRate dust_relay_fee_rate = kDefaultDustRelayFeeRate;
    FeeRate discard_fee_rate = kDefaultDiscardFeeRate;
    FeeRate long_term_fee_rate = kDefaultConsolidateFeeRate;
    Amount max_tx_fee = kDefaultMaxTxFee;
    bool low_r = true;
    // Sizes of the original inputs once signed, in input order; empty: estimated from the
    // spent outputs' types (estimate_input_size), failing for types it does not know.
    std::vector<InputSize> original_input_sizes;
    // Where change goes when the original had none but the bump needs some.
    Script fallback_change_script;
    std::optional<size_t> change_spend_vsize;
    std::optional<uint64_t> seed;
};

// A replacement for `original` (whose inputs spent `spent_outputs`, in input order)
// paying `new_fee_rate`: same inputs in the same order with the same nSequence, version
// and locktime; the same outputs except the change output (`change_index`, nullopt if
// none), which is reduced first and dropped when it falls below the minimum viable
// change; inputs from `extra_coins` are added (after the original ones) only when the
// original inputs cannot pay. BIP125: the new fee must be at least the original fee plus
// incremental_relay_fee_rate x new vsize and the new fee rate must exceed the original's;
// otherwise kBumpRejected with Core's wording ("Insufficient total fee x, must be at least
// y (oldFee z + incrementalFee w)", "New fee rate (x) is lower than the minimum fee rate
// (y) to get into the mempool").
// The original's fee is computed from `spent_outputs`; its vsize is estimated as the
// replacement's (the original may still be unsigned).
[[nodiscard]] std::optional<BuiltTransaction> build_bump(const Transaction& original,
                                                         std::span<const TxOut> spent_outputs,
                                                         std::optional<size_t> change_index,
                                                         std::span<const SpendableCoin> extra_coins,
                                                         const BumpOptions& options, BuildError* error = nullptr);

// Sets what the inputs' satisfactions need (SpendableCoin::older / after; `inputs` in
// input order): nSequence = older(n) and version 2 (BIP68), nLockTime at least after(n)
// (replacing a height by a time when the lock is one). Every build does this.
void apply_input_timelocks(std::span<const SpendableCoin> inputs, Transaction& tx);

// Estimated weight of `tx` once its inputs (of the given sizes, in input order) are
// signed. The result is exact for the given sizes: it includes the segwit marker and
// flag and the empty witness of non-witness inputs when any input has a witness.
// REQUIRES: sizes.size() == tx.vin.size().
size_t estimate_signed_weight(const Transaction& tx, std::span<const InputSize> sizes);

}  // namespace minicash::wallet
