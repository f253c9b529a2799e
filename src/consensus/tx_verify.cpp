#include "consensus/tx_verify.h"

#include <algorithm>

#include "consensus/block.h"
#include "consensus/interpreter.h"

namespace minicash {

bool is_final_tx(const Transaction& tx, int block_height, int64_t block_time) {
    if (tx.locktime == 0) return true;
    const int64_t limit = tx.locktime < kLocktimeThreshold ? int64_t(block_height) : block_time;
    if (int64_t(tx.locktime) < limit) return true;
    // A lock time that is not yet reached is ignored when every input opts out.
    return std::all_of(tx.vin.begin(), tx.vin.end(),
                       [](const TxIn& in) { return in.sequence == TxIn::kSequenceFinal; });
}

SequenceLocks calculate_sequence_locks(const Transaction& tx, bool enforce_bip68, std::vector<int>& prev_heights,
                                       const AncestorView& chain) {
    SequenceLocks locks;
    // The version is compared as unsigned (as since BIP68 activated): negative versions enforce it.
    if (!enforce_bip68 || uint32_t(tx.version) < 2) return locks;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const uint32_t seq = tx.vin[i].sequence;
        if (seq & TxIn::kSequenceDisableFlag) {
            prev_heights[i] = 0;
            continue;
        }
        const int coin_height = prev_heights[i];
        const int64_t value = seq & TxIn::kSequenceLocktimeMask;
        // Locks are stored as "last invalid" height/time, hence the -1.
        if (seq & TxIn::kSequenceTypeFlag) {
            // Measured from the median time past of the block before the coin's block.
            const int64_t coin_time = chain.median_time_past_at(std::max(coin_height - 1, 0));
            locks.min_time = std::max(locks.min_time, coin_time + (value << TxIn::kSequenceGranularity) - 1);
        } else {
            locks.min_height = std::max(locks.min_height, coin_height + int(value) - 1);
        }
    }
    return locks;
}

bool sequence_locks_satisfied(const SequenceLocks& locks, const AncestorView& chain) {
    const int height = chain.tip_height() + 1;
    const int64_t mtp = chain.median_time_past_at(chain.tip_height());
    return locks.min_height < height && locks.min_time < mtp;
}

bool check_tx_inputs(const Transaction& tx, const std::vector<Coin>& coins, int spend_height, Amount& fee,
                     ValidationState& state) {
    Amount value_in = 0;
    for (const Coin& coin : coins) {
        if (coin.coinbase && spend_height - coin.height < kCoinbaseMaturity)
            return state.invalid("bad-txns-premature-spend-of-coinbase",
                                 "tried to spend coinbase at depth " + std::to_string(spend_height - coin.height));
        value_in += coin.out.value;
        if (!money_range(coin.out.value) || !money_range(value_in))
            return state.invalid("bad-txns-inputvalues-outofrange");
    }
    const Amount value_out = tx.value_out();
    if (value_in < value_out)
        return state.invalid("bad-txns-in-belowout", "value in (" + std::to_string(value_in) + ") < value out (" +
                                                         std::to_string(value_out) + ")");
    const Amount tx_fee = value_in - value_out;
    if (!money_range(tx_fee)) return state.invalid("bad-txns-fee-outofrange");
    fee = tx_fee;
    return true;
}

unsigned legacy_sigop_count(const Transaction& tx) {
    unsigned n = 0;
    for (const TxIn& in : tx.vin) n += in.script_sig.sigop_count(false);
    for (const TxOut& out : tx.vout) n += out.script_pubkey.sigop_count(false);
    return n;
}

int64_t transaction_sigop_cost(const Transaction& tx, const std::vector<Coin>& coins, ScriptFlags flags) {
    int64_t cost = int64_t(legacy_sigop_count(tx)) * kWitnessScaleFactor;
    if (tx.is_coinbase()) return cost;
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const Script& spk = coins[i].out.script_pubkey;
        if ((flags & SCRIPT_VERIFY_P2SH) && spk.is_p2sh())
            cost += int64_t(spk.p2sh_sigop_count(tx.vin[i].script_sig)) * kWitnessScaleFactor;
        cost += int64_t(witness_sigop_count(tx.vin[i].script_sig, spk, &tx.vin[i].witness, flags));
    }
    return cost;
}

}  // namespace minicash
