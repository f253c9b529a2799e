// Merkle branches (Electrum, Esplora /merkle-proof) and BIP37 merkle blocks (Esplora
// /merkleblock-proof): branches lead back to the consensus merkle root; the partial tree
// is laid out as BIP37 says.
#include <gtest/gtest.h>

#include "common/merkle_proof.h"
#include "consensus/merkle.h"
#include "util/hash.h"

namespace minicash {
namespace {

uint256 leaf(int i) {
    const uint8_t b[1] = {uint8_t(i)};
    return sha256d(ByteView(b, 1));
}

uint256 pair_hash(const uint256& a, const uint256& b) {
    Bytes both(a.begin(), a.end());
    both.insert(both.end(), b.begin(), b.end());
    return sha256d(both);
}

TEST(MerkleProof, EveryBranchLeadsToTheRoot) {
    for (size_t n = 1; n <= 9; ++n) {
        std::vector<uint256> leaves;
        for (size_t i = 0; i < n; ++i) leaves.push_back(leaf(int(i)));
        const uint256 root = compute_merkle_root(leaves);
        for (size_t pos = 0; pos < n; ++pos) {
            const std::vector<uint256> branch = merkle_branch(leaves, pos);
            EXPECT_EQ(merkle_root_from_branch(leaves[pos], branch, pos), root) << n << " leaves, position " << pos;
            EXPECT_NE(merkle_root_from_branch(leaf(100), branch, pos), root);
        }
    }
    EXPECT_TRUE(merkle_branch({leaf(0)}, 0).empty());
}

TEST(MerkleProof, MerkleBlockOfThreeTransactions) {
    Block block;
    for (uint32_t i = 0; i < 3; ++i) {
        Transaction tx;
        tx.version = 2;
        tx.locktime = i;
        block.txs.push_back(tx);
    }
    const Bytes got = merkle_block(block, {block.txs[2].txid()});
    Bytes want = block.header.serialize();
    for (uint8_t b : {3, 0, 0, 0}) want.push_back(b);  // transactions
    want.push_back(2);                                 // hashes: the left pair's, then the match
    const uint256 left = pair_hash(block.txs[0].txid(), block.txs[1].txid());
    want.insert(want.end(), left.begin(), left.end());
    const uint256 match = block.txs[2].txid();
    want.insert(want.end(), match.begin(), match.end());
    // Flags depth first: root 1, left pair 0, right subtree 1, the match 1.
    want.push_back(1);
    want.push_back(0x0d);
    EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace minicash
