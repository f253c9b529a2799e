// Merkle blocks (BIP37) as gettxoutproof writes them: proofs built here against proofs
// assembled byte by byte from the BIP37 definition over mainnet blocks (block 170 and
// block 413567 from the vectors), round trips, and the malformed trees extract() refuses.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "common/merkle_block.h"
#include "consensus/serialize.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;

namespace {

// Blocks of a blk*.dat file (magic || LE32 length || block), in file order.
std::vector<Block> blocks_of_blk_file(const Bytes& file) {
    std::vector<Block> out;
    size_t pos = 0;
    while (pos + 8 <= file.size()) {
        const uint32_t len = read_le32(file.data() + pos + 4);
        out.push_back(*Block::decode(ByteView(file).subspan(pos + 8, len)));
        pos += 8 + len;
    }
    return out;
}

// An independent BIP37 encoder: all levels of the tree first, then the depth-first walk
// writing flag bits and hashes, then the wire bytes.
Bytes reference_proof(const Block& block, const std::set<uint256>& wanted) {
    std::vector<std::vector<uint256>> levels(1);
    std::vector<std::vector<bool>> marked(1);
    for (const Transaction& tx : block.txs) {
        levels[0].push_back(tx.txid());
        marked[0].push_back(wanted.count(levels[0].back()) > 0);
    }
    while (levels.back().size() > 1) {
        const auto& below = levels.back();
        const auto& below_marked = marked.back();
        std::vector<uint256> up;
        std::vector<bool> up_marked;
        for (size_t i = 0; i < below.size(); i += 2) {
            const uint256& l = below[i];
            const uint256& r = i + 1 < below.size() ? below[i + 1] : below[i];
            Bytes cat(l.begin(), l.end());
            cat.insert(cat.end(), r.begin(), r.end());
            up.push_back(sha256d(cat));
            up_marked.push_back(below_marked[i] || (i + 1 < below.size() && below_marked[i + 1]));
        }
        levels.push_back(up);
        marked.push_back(up_marked);
    }
    std::vector<bool> bits;
    std::vector<uint256> hashes;
    std::function<void(size_t, size_t)> visit = [&](size_t level, size_t pos) {
        bits.push_back(marked[level][pos]);
        if (level == 0 || !marked[level][pos]) {
            hashes.push_back(levels[level][pos]);
            return;
        }
        visit(level - 1, 2 * pos);
        if (2 * pos + 1 < levels[level - 1].size()) visit(level - 1, 2 * pos + 1);
    };
    visit(levels.size() - 1, 0);

    Bytes out = block.header.serialize();
    const uint32_t n = uint32_t(block.txs.size());
    for (int k = 0; k < 4; ++k) out.push_back(uint8_t(n >> (8 * k)));
    out.push_back(uint8_t(hashes.size()));  // < 253 in these tests
    for (const uint256& h : hashes) out.insert(out.end(), h.begin(), h.end());
    const size_t nbytes = (bits.size() + 7) / 8;
    out.push_back(uint8_t(nbytes));
    for (size_t b = 0; b < nbytes; ++b) {
        uint8_t byte = 0;
        for (size_t k = 0; k < 8 && 8 * b + k < bits.size(); ++k) byte |= uint8_t(bits[8 * b + k]) << k;
        out.push_back(byte);
    }
    return out;
}

}  // namespace

TEST(MerkleBlock, Block170ProofIsTheBip37Bytes) {
    MINICASH_REQUIRE_VECTORS(dir);
    const std::vector<Block> blocks = blocks_of_blk_file(test::read_binary(dir / "chain" / "mainnet-1-255.blk"));
    ASSERT_GE(blocks.size(), 170u);
    const Block& b170 = blocks[169];  // the file starts at height 1
    ASSERT_EQ(b170.header.hash().to_hex(), "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee");
    ASSERT_EQ(b170.txs.size(), 2u);
    const uint256 spend = *uint256::from_hex("f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
    ASSERT_EQ(b170.txs[1].txid(), spend);

    // Two leaves: root (bit 1), coinbase (bit 0, hash), the spend (bit 1, hash): flags 0b101.
    Bytes expected = b170.header.serialize();
    append(expected, *hex_decode("0200000002"));
    append(expected, b170.txs[0].txid().view());
    append(expected, spend.view());
    append(expected, *hex_decode("0105"));

    const MerkleBlock mb = MerkleBlock::from_block(b170, {spend});
    EXPECT_EQ(hex_encode(mb.serialize()), hex_encode(expected));
    auto decoded = MerkleBlock::decode(expected);
    ASSERT_TRUE(decoded);
    auto m = decoded->tree.extract();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->root, b170.header.merkle_root);
    ASSERT_EQ(m->txids.size(), 1u);
    EXPECT_EQ(m->txids[0], spend);
    EXPECT_EQ(m->positions[0], 1u);
}

TEST(MerkleBlock, LargeBlockProofsMatchTheReferenceEncoder) {
    MINICASH_REQUIRE_VECTORS(dir);
    const Block block = *Block::decode(test::read_binary(dir / "chain" / "block413567.raw"));
    ASSERT_GT(block.txs.size(), 100u);
    // One, several (adjacent and far apart), the last (an odd node paired with itself) and all.
    std::vector<std::vector<size_t>> picks = {
        {0}, {1}, {block.txs.size() - 1}, {5, 6, 7}, {3, 200, block.txs.size() / 2}, {}};
    for (size_t i = 0; i < block.txs.size(); ++i) picks.back().push_back(i);
    for (const auto& pick : picks) {
        std::set<uint256> wanted;
        for (size_t i : pick) wanted.insert(block.txs[i].txid());
        const Bytes ours = MerkleBlock::from_block(block, wanted).serialize();
        if (pick.size() < 100) { EXPECT_EQ(hex_encode(ours), hex_encode(reference_proof(block, wanted))); }
        auto decoded = MerkleBlock::decode(ours);
        ASSERT_TRUE(decoded);
        auto m = decoded->tree.extract();
        ASSERT_TRUE(m);
        EXPECT_EQ(m->root, block.header.merkle_root);
        EXPECT_EQ(std::set<uint256>(m->txids.begin(), m->txids.end()), wanted);
        for (size_t k = 0; k < m->txids.size(); ++k) EXPECT_EQ(block.txs[m->positions[k]].txid(), m->txids[k]);
    }
}

TEST(MerkleBlock, MalformedTreesAreRefused) {
    const std::vector<uint256> ids = {sha256d(Bytes{1}), sha256d(Bytes{2}), sha256d(Bytes{3})};
    const PartialMerkleTree good = PartialMerkleTree::build(ids, {false, true, false});
    ASSERT_TRUE(good.extract());

    PartialMerkleTree t = good;
    t.transactions = 0;
    EXPECT_FALSE(t.extract());
    t = good;
    t.transactions = 20000;  // more than a block can hold
    EXPECT_FALSE(t.extract());
    t = good;
    t.hashes.push_back(ids[0]);  // a hash left over
    EXPECT_FALSE(t.extract());
    t = good;
    t.hashes.pop_back();  // runs out of hashes
    EXPECT_FALSE(t.extract());
    t = good;
    t.bits.resize(16, false);  // a whole unused byte of flags
    EXPECT_FALSE(t.extract());

    // CVE-2012-2459: the same txid twice at a pair of siblings gives the root of a shorter list.
    const std::vector<uint256> dup = {ids[0], ids[1], ids[2], ids[2]};
    const PartialMerkleTree mutated = PartialMerkleTree::build(dup, {false, false, true, true});
    EXPECT_FALSE(mutated.extract());
}

TEST(MerkleBlock, TruncatedProofsGiveCoresStreamError) {
    const std::vector<uint256> ids = {sha256d(Bytes{1}), sha256d(Bytes{2})};
    MerkleBlock mb;
    mb.tree = PartialMerkleTree::build(ids, {true, false});
    const Bytes full = mb.serialize();
    ASSERT_TRUE(MerkleBlock::decode(full));
    for (size_t cut : {size_t(0), size_t(40), size_t(80), full.size() - 1}) {
        std::string error;
        EXPECT_FALSE(MerkleBlock::decode(ByteView(full).subspan(0, cut), &error)) << cut;
        EXPECT_EQ(error, "DataStream::read(): end of data: iostream error");
    }
    // Trailing bytes are ignored (Core reads the proof from a stream).
    Bytes longer = full;
    longer.push_back(0x42);
    EXPECT_TRUE(MerkleBlock::decode(longer));
}
