// Output script templates (Core's Solver): which standard form a scriptPubKey has and the
// data it carries. Used by the mempool's standardness rules, the RPC's "type" fields and
// descriptor inference, and the wallet's size estimates, so all of them agree.
#pragma once

#include <vector>

#include "consensus/script.h"
#include "util/bytes.h"

namespace minicash {

enum class TxoutType {
    NONSTANDARD,
    ANCHOR,  // pay-to-anchor: OP_1 <0x4e73>
    PUBKEY,
    PUBKEYHASH,
    SCRIPTHASH,
    MULTISIG,
    NULL_DATA,  // OP_RETURN followed by pushes only
    WITNESS_V0_SCRIPTHASH,
    WITNESS_V0_KEYHASH,
    WITNESS_V1_TAPROOT,
    WITNESS_UNKNOWN,  // witness program of a version or length not yet defined
};

// Classifies `script_pubkey`. When `solutions` is given it receives, as Core's Solver:
// PUBKEY {key}; PUBKEYHASH/SCRIPTHASH {hash}; witness v0/v1 {program};
// WITNESS_UNKNOWN {version byte, program}; MULTISIG {m, key..., n}; otherwise nothing.
TxoutType solve(const Script& script_pubkey, std::vector<Bytes>* solutions = nullptr);

// solve() without the data; for MULTISIG, `required` and `keys` (when given) get m and n.
TxoutType classify(const Script& script_pubkey, int* required = nullptr, int* keys = nullptr);

// "witness_v0_keyhash", ... as Core's GetTxnOutputType.
const char* txout_type_name(TxoutType t);

bool is_pay_to_anchor(const Script& script_pubkey);

}  // namespace minicash
