#include "common/merkle_proof.h"

#include "consensus/serialize.h"
#include "util/hash.h"

namespace minicash {

namespace {

uint256 hash_pair(const uint256& a, const uint256& b) {
    uint8_t pair[64];
    std::copy(a.begin(), a.end(), pair);
    std::copy(b.begin(), b.end(), pair + 32);
    return sha256d(pair);
}

// BIP37's partial merkle tree, built depth first.
struct PartialTree {
    const std::vector<uint256>& txids;
    const std::vector<bool>& matched;
    std::vector<uint256> hashes;
    std::vector<bool> bits;

    size_t width(int height) const { return (txids.size() + (size_t(1) << height) - 1) >> height; }

    uint256 hash(int height, size_t pos) const {
        if (height == 0) return txids[pos];
        const uint256 left = hash(height - 1, pos * 2);
        const uint256 right = pos * 2 + 1 < width(height - 1) ? hash(height - 1, pos * 2 + 1) : left;
        return hash_pair(left, right);
    }

    void build(int height, size_t pos) {
        bool parent_of_match = false;
        for (size_t p = pos << height; p < ((pos + 1) << height) && p < txids.size(); ++p)
            parent_of_match = parent_of_match || matched[p];
        bits.push_back(parent_of_match);
        if (height == 0 || !parent_of_match) {
            hashes.push_back(hash(height, pos));
            return;
        }
        build(height - 1, pos * 2);
        if (pos * 2 + 1 < width(height - 1)) build(height - 1, pos * 2 + 1);
    }
};

}  // namespace

std::vector<uint256> merkle_branch(std::vector<uint256> level, size_t position) {
    std::vector<uint256> branch;
    while (level.size() > 1) {
        if (level.size() % 2) level.push_back(level.back());
        branch.push_back(level[position ^ 1]);
        for (size_t i = 0; i < level.size(); i += 2) level[i / 2] = hash_pair(level[i], level[i + 1]);
        level.resize(level.size() / 2);
        position /= 2;
    }
    return branch;
}

uint256 merkle_root_from_branch(const uint256& leaf, const std::vector<uint256>& branch, size_t position) {
    uint256 h = leaf;
    for (const uint256& sibling : branch) {
        h = (position & 1) ? hash_pair(sibling, h) : hash_pair(h, sibling);
        position /= 2;
    }
    return h;
}

Bytes merkle_block(const Block& block, const std::set<uint256>& matches) {
    std::vector<uint256> txids;
    std::vector<bool> matched;
    for (const Transaction& tx : block.txs) {
        txids.push_back(tx.txid());
        matched.push_back(matches.count(txids.back()) > 0);
    }
    Bytes out;
    Writer w(out);
    block.header.write(w);
    w.u32(uint32_t(txids.size()));
    PartialTree tree{txids, matched, {}, {}};
    if (!txids.empty()) {
        int height = 0;
        while (tree.width(height) > 1) ++height;
        tree.build(height, 0);
    }
    w.compact_size(tree.hashes.size());
    for (const uint256& h : tree.hashes) w.hash(h);
    Bytes flags((tree.bits.size() + 7) / 8, 0);
    for (size_t i = 0; i < tree.bits.size(); ++i)
        if (tree.bits[i]) flags[i / 8] |= uint8_t(1 << (i % 8));
    w.compact_size(flags.size());
    w.bytes(flags);
    return out;
}

}  // namespace minicash
