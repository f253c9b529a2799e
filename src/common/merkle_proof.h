// Proofs that a transaction is in a block: the merkle branch of one leaf (what Electrum's
// blockchain.transaction.get_merkle and Esplora's /tx/:txid/merkle-proof return, also used
// for Electrum's header checkpoints over block hashes), and BIP37's merkle block (a header
// and a partial merkle tree, as Core's gettxoutproof writes it).
#pragma once

#include <set>
#include <vector>

#include "consensus/block.h"

namespace minicash {

// The sibling hashes from `leaves[position]` up to the root, bottom first (an odd node's
// sibling is itself). REQUIRES: position < leaves.size().
std::vector<uint256> merkle_branch(std::vector<uint256> leaves, size_t position);
// The root `branch` leads to from `leaf` at `position`.
uint256 merkle_root_from_branch(const uint256& leaf, const std::vector<uint256>& branch, size_t position);

// Core's CMerkleBlock serialization (header, transaction count, hashes, flag bits) with
// the transactions in `matches` flagged.
Bytes merkle_block(const Block& block, const std::set<uint256>& matches);

}  // namespace minicash
