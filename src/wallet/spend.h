// The wallet's spend pipeline, as minicash-wallet's send, sendmany, bumpfee and psbt
// commands run it: choose a fee rate, pick the spendable coins, fund with change to a
// fresh change address, sign, check every input with the consensus interpreter, have
// the node test the transaction, broadcast, and record it as the wallet's own.
//
// Nothing here parses options or prints: failures are SpendError with the message to
// show. The WalletState is changed in memory only; saving it is the caller's job.
#pragma once

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/psbt.h"
#include "consensus/params.h"
#include "wallet/chain_source.h"
#include "wallet/coin_selection.h"
#include "wallet/tx_builder.h"
#include "wallet/wallet_state.h"

namespace minicash::wallet {

struct SpendError : std::runtime_error {
    // kPsbtRejected: a PSBT this wallet cannot use (another wallet's, wrong fingerprint,
    // duplicate or missing signatures).
    enum class Kind { kFailed, kInsufficientFunds, kPsbtRejected };
    Kind kind;
    explicit SpendError(const std::string& message, Kind k = Kind::kFailed) : std::runtime_error(message), kind(k) {}
};

inline constexpr int kDefaultConfTarget = 6;
// -fallbackfee on regtest, where no estimate ever forms: 0.0002 BTC/kvB.
inline constexpr Amount kRegtestFallbackFeeRate = 20000;

// A fee rate given in sat/vB with at most 3 decimals ("2.5"); nullopt if malformed or <= 0.
[[nodiscard]] std::optional<FeeRate> parse_fee_rate_sat_per_vb(std::string_view text);

// The node's estimate for confirmation within `conf_target` blocks (1..1008); on
// regtest without an estimate, kRegtestFallbackFeeRate. Throws SpendError.
FeeRate estimated_fee_rate(ChainSource& node, Network network, int conf_target);

// The signed size of an input spending `script_pubkey`: from the wallet descriptor that
// owns it (multisig, taproot trees, ...), else the single-key estimate; nullopt when
// neither knows the script.
std::optional<InputSize> wallet_input_size(const WalletState& state, const Script& script_pubkey);

// Unconfirmed coins paid by others: spent only when asked, and only while the chain of
// unconfirmed ancestors stays within the node's limit (Core's -limitancestorcount, 25,
// counting the new transaction).
struct UnconfirmedPolicy {
    bool spend_foreign = false;
    int max_depth = 25;
    // The number of unconfirmed transactions a transaction spending an output of `txid`
    // would have as ancestors, itself excluded (the node's getmempoolentry ancestorcount
    // of `txid`); nullopt when unknown (the coin is then not used).
    std::function<std::optional<int>(const uint256& txid)> ancestors;
};

// The coins a new transaction may spend at `tip`: mature, not locked, and confirmed
// unless the wallet sent them itself (or `unconfirmed` allows them: they are then used
// only after confirmed coins, as the wallet's own unconfirmed change).
std::vector<SpendableCoin> spendable_coins(const WalletState& state, int tip,
                                           const UnconfirmedPolicy& unconfirmed = {});

// A new change script, from the first active internal descriptor (bech32, bech32m,
// p2sh-segwit, legacy). Throws SpendError when there is none.
Script new_change_script(WalletState& state);
// A new change script of `type` (the wallet's change descriptor of that type). Throws.
Script new_change_script(WalletState& state, AddressType type);

// Coin control for a new transaction (send, sendmany, psbt create).
struct FundOptions {
    FeeRate rate;
    std::vector<OutPoint> inputs;  // -inputs: always spent, in any order
    bool add_inputs = true;        // more coins when the inputs do not cover it
    std::optional<Script> change;  // -change-address / -change-type; default: new_change_script
    bool allow_change = true;      // false (-nochange): succeed only when no change is left
    UnconfirmedPolicy unconfirmed;
};

// Funds `recipients` at options.rate, replaceable (BIP125). Throws SpendError
// (kInsufficientFunds when the coins are short; an input that is unknown, spent, locked
// or immature, and a -nochange payment that leaves change, are named).
BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients,
                                  const FundOptions& options, int tip);
BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients, FeeRate rate, int tip);

// sendall: every spendable coin (or `inputs` only) to `to`, less the fee at `rate`.
// Throws SpendError when the coins cannot pay for themselves.
BuiltTransaction fund_send_all(WalletState& state, const Script& to, FeeRate rate, const std::vector<OutPoint>& inputs,
                               int tip);

// CPFP: a child of the wallet's unconfirmed transaction `parent` spending its outputs
// that are ours (with more coins when they are too small) back to the wallet, paying so
// that the package - the parent's unconfirmed ancestors (`ancestor_vsize`,
// `ancestor_fees`: the node's getmempoolentry ancestorsize and fees.ancestor of the
// parent) plus the child - reaches `rate`. Unsigned. Throws SpendError.
BuiltTransaction build_cpfp(WalletState& state, const uint256& parent, FeeRate rate, size_t ancestor_vsize,
                            Amount ancestor_fees, int tip);

// lockunspent / unlock: Core's checks and messages ("Invalid parameter, unknown
// transaction", "..., vout index out of bounds", "..., output already locked", "...,
// expected locked output", "..., expected unspent output"). Throws SpendError.
void lock_coin(WalletState& state, const OutPoint& op, int tip);
void unlock_coin(WalletState& state, const OutPoint& op);

// Signs every input with the wallet's keys, then verifies each one with the consensus
// interpreter. Throws SpendError (watch-only wallet, signing or verification failed).
void sign_and_verify(const WalletState& state, Transaction& tx, const std::vector<TxOut>& spent);

// testmempoolaccept, then sendrawtransaction. Throws SpendError when the node would
// reject it (nothing is sent then); ChainSourceError from the node.
uint256 test_and_broadcast(ChainSource& node, const Transaction& tx);

// Records a transaction the wallet sent as in the mempool and from the wallet.
void record_sent(WalletState& state, const Transaction& tx, int64_t now);

// A fee bump of the wallet's unconfirmed, replaceable transaction `txid` (Core's
// bumpfee): at `new_rate` when given, else at the estimate but at least the old rate
// plus 1 sat/vB (`estimate` is asked only then). Unsigned. Throws SpendError.
struct FeeBump {
    BuiltTransaction built;
    Amount old_fee = 0;
};
FeeBump build_fee_bump(WalletState& state, const uint256& txid, std::optional<FeeRate> new_rate,
                       const std::function<FeeRate()>& estimate, int tip);

// psbt sign: fills in what the wallet knows, signs every input it can (by script or by
// key origin: its descriptors and multisig signing accounts) and finalizes what is
// complete. Throws SpendError(kPsbtRejected) when it adds no signature, saying why: a
// key origin with this wallet's fingerprint that gives another key, signatures already
// there (a duplicate), or keys that all belong to other wallets (their fingerprints).
struct PsbtSigned {
    size_t signatures_added = 0;
    bool complete = false;
};
PsbtSigned sign_psbt_for_wallet(const WalletState& state, Psbt& psbt);

// psbt combine: merges PSBTs of one transaction. Throws SpendError(kPsbtRejected) when
// one is for another transaction, or carries only signatures the others already have.
Psbt combine_cosigner_psbts(const std::vector<Psbt>& psbts);

// What keeps the PSBT's inputs from being finalized, one clause per input ("input 0
// has 1 of the 2 signatures it needs"); empty when every input is final.
std::string psbt_missing(const Psbt& psbt);

// True when every input of the PSBT is finalized.
bool psbt_complete(const Psbt& psbt);
// The outputs the PSBT's inputs spend. Throws SpendError when one is missing.
std::vector<TxOut> psbt_spent_outputs(const Psbt& psbt);

}  // namespace minicash::wallet
