// Options that change the chain's parameters or what counts as standard, with Bitcoin
// Core's meanings and messages: -testactivationheight=name@height (regtest only: segwit,
// bip34, dersig, cltv, csv), -minimumchainwork=<hex> (the work below which the node stays
// in initial block download), -acceptnonstdtxn (test networks only).
#pragma once

#include "app/app_options.h"

namespace minicash::app {

void add_chain_options(NodeOptions& o);

// Replaces o.params() with the adjusted parameters. Throws OptionError.
void apply_chain_options(NodeOptions& o);

// !-acceptnonstdtxn; refused on main as Core does. Throws OptionError.
bool read_require_standard(const NodeOptions& o);

}  // namespace minicash::app
