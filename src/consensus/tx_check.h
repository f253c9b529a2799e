// Context-free transaction checks (no chain state, no scripts), as Bitcoin's CheckTransaction.
#pragma once

#include "consensus/transaction.h"
#include "consensus/validation_state.h"

namespace minicash {

// Fails with Core's reasons: bad-txns-vin-empty, bad-txns-vout-empty, bad-txns-oversize,
// bad-txns-vout-negative, bad-txns-vout-toolarge, bad-txns-txouttotal-toolarge,
// bad-txns-inputs-duplicate, bad-cb-length, bad-txns-prevout-null.
[[nodiscard]] bool check_transaction(const Transaction& tx, ValidationState& state);

}  // namespace minicash
