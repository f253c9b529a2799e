#include "consensus/tx_check.h"

#include <algorithm>

#include "consensus/block.h"

namespace minicash {

bool check_transaction(const Transaction& tx, ValidationState& state) {
    if (tx.vin.empty()) return state.invalid("bad-txns-vin-empty");
    if (tx.vout.empty()) return state.invalid("bad-txns-vout-empty");
    if (tx.stripped_size() * kWitnessScaleFactor > kMaxBlockWeight) return state.invalid("bad-txns-oversize");

    Amount total = 0;
    for (const TxOut& out : tx.vout) {
        if (out.value < 0) return state.invalid("bad-txns-vout-negative");
        if (out.value > kMaxMoney) return state.invalid("bad-txns-vout-toolarge");
        total += out.value;  // cannot overflow: both terms are at most kMaxMoney
        if (!money_range(total)) return state.invalid("bad-txns-txouttotal-toolarge");
    }

    // CVE-2018-17144: the same outpoint twice in one transaction.
    std::vector<OutPoint> prevouts;
    prevouts.reserve(tx.vin.size());
    for (const TxIn& in : tx.vin) prevouts.push_back(in.prevout);
    std::sort(prevouts.begin(), prevouts.end());
    if (std::adjacent_find(prevouts.begin(), prevouts.end()) != prevouts.end())
        return state.invalid("bad-txns-inputs-duplicate");

    if (tx.is_coinbase()) {
        const size_t n = tx.vin[0].script_sig.size();
        if (n < 2 || n > 100) return state.invalid("bad-cb-length");
    } else {
        for (const TxIn& in : tx.vin)
            if (in.prevout.is_null()) return state.invalid("bad-txns-prevout-null");
    }
    return true;
}

}  // namespace minicash
