// Transaction checks that need chain context but no storage: finality (BIP113),
// relative lock times (BIP68), input amounts and maturity, and sigop cost.
#pragma once

#include <vector>

#include "consensus/pow.h"
#include "consensus/script_flags.h"
#include "consensus/transaction.h"
#include "consensus/validation_state.h"

namespace minicash {

inline constexpr int kCoinbaseMaturity = 100;

// An unspent output together with where it was created.
struct Coin {
    TxOut out;
    int height = 0;
    bool coinbase = false;
};

// nLockTime satisfied at this height and time (or every input's sequence is final).
bool is_final_tx(const Transaction& tx, int block_height, int64_t block_time);

// BIP68: the last invalid height and time implied by the inputs' relative lock times.
// `prev_heights[i]` is the height of the block that created input i's coin; entries of
// inputs without a relative lock are set to 0. `chain` reaches the spending block's
// parent. Returns {-1, -1} when BIP68 does not apply (version < 2 or not enforced).
struct SequenceLocks {
    int min_height = -1;
    int64_t min_time = -1;
};
SequenceLocks calculate_sequence_locks(const Transaction& tx, bool enforce_bip68, std::vector<int>& prev_heights,
                                       const AncestorView& chain);
// True when a block at chain.tip_height()+1 satisfies the locks.
bool sequence_locks_satisfied(const SequenceLocks& locks, const AncestorView& chain);

// Maturity and amounts of a non-coinbase transaction's inputs (CheckTxInputs): fails
// with bad-txns-premature-spend-of-coinbase, bad-txns-inputvalues-outofrange,
// bad-txns-in-belowout or bad-txns-fee-outofrange. On success sets `fee`.
// REQUIRES: coins.size() == tx.vin.size(), coins[i] is the coin input i spends.
[[nodiscard]] bool check_tx_inputs(const Transaction& tx, const std::vector<Coin>& coins, int spend_height, Amount& fee,
                                   ValidationState& state);

// Legacy sigops of all scripts in the transaction (inaccurate CHECKMULTISIG = 20).
unsigned legacy_sigop_count(const Transaction& tx);
// Full sigop cost (legacy x4, P2SH x4, witness x1). REQUIRES: coins as above unless coinbase.
int64_t transaction_sigop_cost(const Transaction& tx, const std::vector<Coin>& coins, ScriptFlags flags);

}  // namespace minicash
