// assumevalid (Bitcoin Core's -assumevalid): the scripts of a block may go unverified
// when the block is buried under a block that the software (or the user) names as
// known-valid, and enough work has piled up on top of it. Only script verification is
// skipped; every other check of a block (proof of work, merkle root, amounts, BIP30,
// UTXO updates, sigop counts, witness commitment) always runs.
#pragma once

#include <cstdint>

#include "consensus/params.h"
#include "node/block_index.h"

namespace minicash {

// Bitcoin Core 30's defaultAssumeValid for the network: mainnet block 912683, testnet4
// block 91000, the default signet's block 267665; none for regtest or a custom signet.
uint256 default_assume_valid(const ChainParams& params);

// Core's GetBlockProofEquivalentTime: how long the work between `from` and `to` would
// take at `tip`'s difficulty and the target spacing (negative when `from` has more
// work); saturates at the int64 range.
int64_t block_proof_equivalent_time(const BlockIndex& to, const BlockIndex& from, const BlockIndex& tip,
                                    const ConsensusParams& params);

// Why the scripts of `block` must be verified, or nullptr when they may be skipped.
// They may be skipped only when all of Core's conditions hold (ConnectBlock):
//  - an assumed-valid block is configured (`assumed` non-null: it is in the block tree),
//  - `block` is an ancestor of (or is) the assumed-valid block,
//  - `block` is an ancestor of the best header `best_header`,
//  - the best header has at least the network's minimum chain work,
//  - the best header is more than two weeks of equivalent work past `block`.
// `configured` tells whether a hash was configured at all (for the reason text).
const char* assume_valid_refusal(const BlockIndex& block, bool configured, const BlockIndex* assumed,
                                 const BlockIndex* best_header, const ConsensusParams& params);

}  // namespace minicash
