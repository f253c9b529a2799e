// Merkle blocks (BIP37): a block header and a partial merkle tree proving that some
// transactions are in the block, in the wire format Bitcoin Core's gettxoutproof writes
// and verifytxoutproof reads:
//   header (80 bytes) || uint32 number of transactions || compact_size n || n hashes
//   || compact_size m || m bytes of flag bits (least significant bit first).
//
// The tree is walked depth first from the root. Each visited node takes one flag bit:
// 1 when the node is an ancestor of (or is) a matched transaction, 0 otherwise. A node
// with bit 0, and a leaf, takes one hash (a leaf with bit 1 is a matched txid); the
// children of a node with bit 1 are visited, the right one only if it exists (an odd
// node at a level is paired with itself when hashing).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "util/uint256.h"

namespace minicash {

struct PartialMerkleTree {
    uint32_t transactions = 0;
    std::vector<uint256> hashes;  // in the order the depth-first walk consumes them
    std::vector<bool> bits;       // padded to a multiple of 8 when decoded

    // The tree over `txids` proving those marked in `matches` (same size).
    // REQUIRES: txids.size() == matches.size() and !txids.empty().
    static PartialMerkleTree build(const std::vector<uint256>& txids, const std::vector<bool>& matches);

    // The merkle root the tree commits to, with the matched txids and their positions
    // in the block; nullopt when the tree is malformed: no transactions, more than a
    // block can hold, more hashes than transactions or bits, bits or hashes left unused,
    // a walk that runs out of them, or two identical sibling subtrees (CVE-2012-2459:
    // such a tree would prove a transaction list that is not the block's).
    struct Matches {
        uint256 root;
        std::vector<uint256> txids;
        std::vector<uint32_t> positions;
    };
    std::optional<Matches> extract() const;
};

struct MerkleBlock {
    BlockHeader header;
    PartialMerkleTree tree;

    // The proof for the transactions of `block` whose txids are in `txids`.
    static MerkleBlock from_block(const Block& block, const std::set<uint256>& txids);

    Bytes serialize() const;
    // Reads a merkle block from the start of `data` (trailing bytes are ignored, as Core
    // reads it from a stream). nullopt with `*error` (Core's stream message) when truncated
    // or malformed.
    static std::optional<MerkleBlock> decode(ByteView data, std::string* error = nullptr);
};

}  // namespace minicash
