// The timelocks (Miniscript older(n) / after(n)) that the wallet's spend of an output
// needs, so that the transaction builder sets nSequence / nLockTime for them before the
// inputs are signed.
//
// The satisfaction judged is the one the finalizer will find with the wallet's keys (all
// of the script's keys when the wallet holds none of them: a watch-only coordinator's
// cosigners): one that needs no timelock when there is one, else the smallest that does.
#pragma once

#include <cstdint>

#include "common/descriptor.h"

namespace minicash::wallet {

struct InputTimelocks {
    uint32_t older = 0;  // 0: none
    uint32_t after = 0;  // 0: none
};

// For the output `script_pubkey` that `desc` gives at `index`; none for scripts that are
// not Miniscript, and for taproot outputs the wallet spends by their key path.
InputTimelocks descriptor_input_timelocks(const Descriptor& desc, uint32_t index, const Script& script_pubkey);

}  // namespace minicash::wallet
