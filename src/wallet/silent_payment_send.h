// Paying silent payment addresses (BIP352): a transaction is funded with a placeholder
// taproot output (the same 34-byte script size, so fees are exact) for each silent
// payment recipient; once its inputs are chosen, the real output keys are derived from
// the private keys of those inputs and the placeholders replaced. The wallet's own
// outputs among them (its change to the change label, a payment to itself) are recorded
// as found at once. The outputs depend on the inputs: a replacement must keep them
// (WalletState::silent_payment_sends marks such transactions for bumpfee).
#pragma once

#include <vector>

#include "common/silent_payments.h"
#include "wallet/tx_builder.h"
#include "wallet/wallet_state.h"

namespace minicash::wallet {

// The placeholder scriptPubKey funded in place of a silent payment output.
Script silent_payment_placeholder();

struct SilentPaymentRecipient {
    size_t output = 0;  // index into the built transaction's outputs
    sp::Address address;
};

// Replaces the placeholder outputs of `built` by the outputs BIP352 derives for them from
// its inputs, and records the wallet's own among them. Throws SpendError when an input's
// key is missing (a taproot input the wallet cannot sign by key path), no input is
// eligible, the keys sum to zero, or a group exceeds K_max.
void make_silent_payment_outputs(WalletState& state, BuiltTransaction& built,
                                 const std::vector<SilentPaymentRecipient>& recipients);

}  // namespace minicash::wallet
