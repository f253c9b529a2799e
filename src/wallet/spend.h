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
    enum class Kind { kFailed, kInsufficientFunds };
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

// The coins a new transaction may spend at `tip`: mature, and confirmed unless the
// wallet sent them itself.
std::vector<SpendableCoin> spendable_coins(const WalletState& state, int tip);

// A new change script, from the first active internal descriptor (bech32, bech32m,
// p2sh-segwit, legacy). Throws SpendError when there is none.
Script new_change_script(WalletState& state);

// Funds `recipients` from spendable_coins() at `rate`, replaceable (BIP125), with change
// to new_change_script(). Throws SpendError (kInsufficientFunds when the coins are short).
BuiltTransaction fund_transaction(WalletState& state, const std::vector<Recipient>& recipients, FeeRate rate, int tip);

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

// True when every input of the PSBT is finalized.
bool psbt_complete(const Psbt& psbt);
// The outputs the PSBT's inputs spend. Throws SpendError when one is missing.
std::vector<TxOut> psbt_spent_outputs(const Psbt& psbt);

}  // namespace minicash::wallet
