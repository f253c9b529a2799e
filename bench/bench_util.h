// Shared set-up for the benchmarks: deterministic keys, a libsecp256k1 signing context
// (signatures are made here; minicash itself only verifies), and the vectors folder.
#pragma once

#include <secp256k1.h>

#include <filesystem>
#include <optional>

#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash::bench {

// A context that can sign; created once, never destroyed (process lifetime).
const secp256k1_context* signing_context();

// A valid secret key derived from `label` (SHA256 of it; the chance of an invalid
// key is negligible and checked).
uint256 secret_key(const char* label);

// 33-byte compressed public key of `secret`.
Bytes compressed_pubkey(const uint256& secret);

// $MINICASH_VECTORS, else ../shared/vectors next to the source tree, if it exists.
std::optional<std::filesystem::path> vectors_dir();

// A transaction with `n_inputs` inputs (distinct prevouts, witness {sig-sized, pubkey})
// and two outputs, plus the outputs it spends (P2WPKH, 0.01 BTC each).
struct SegwitTx {
    Transaction tx;
    std::vector<TxOut> spent;
    Script script_code;  // the P2PKH-style script code every input signs (BIP143)
};
SegwitTx make_segwit_tx(size_t n_inputs);

}  // namespace minicash::bench
