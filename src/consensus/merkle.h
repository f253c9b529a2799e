// Merkle roots of transaction lists and the BIP141 witness commitment.
#pragma once

#include <optional>
#include <vector>

#include "consensus/block.h"

namespace minicash {

// Root of the Bitcoin merkle tree over `leaves` (an odd node is paired with itself).
// `mutated` is set when some level holds two identical adjacent nodes: such a tree has
// the same root as a shorter list (CVE-2012-2459), so the block must be rejected.
// An empty list has a null root.
uint256 compute_merkle_root(std::vector<uint256> leaves, bool* mutated = nullptr);

uint256 block_merkle_root(const Block& block, bool* mutated = nullptr);
// Witness merkle root: wtxids, with the coinbase's replaced by zero.
uint256 block_witness_merkle_root(const Block& block);

// BIP141: index of the coinbase output carrying the witness commitment (the last one
// whose script starts with 6a24aa21a9ed and is at least 38 bytes), if any.
std::optional<size_t> witness_commitment_index(const Block& block);
// SHA256d(witness_root || witness_reserved_value), as stored after the 6-byte header.
uint256 witness_commitment(const uint256& witness_root, ByteView reserved_value);

}  // namespace minicash
