#include "common/merkle_block.h"

#include "util/hash.h"

namespace minicash {
namespace {

// Most transactions a block can hold (4 MWU / the smallest transaction's 240 WU), as Core bounds it.
constexpr uint32_t kMaxBlockTransactions = 4000000 / 240;

uint256 hash_pair(const uint256& left, const uint256& right) {
    uint8_t buf[64];
    std::copy(left.begin(), left.end(), buf);
    std::copy(right.begin(), right.end(), buf + 32);
    return sha256d(ByteView(buf, 64));
}

// Number of nodes at `height` above the leaves (height 0) of a tree over n leaves.
uint32_t tree_width(uint32_t n, int height) { return uint32_t((uint64_t(n) + (uint64_t(1) << height) - 1) >> height); }

int tree_height(uint32_t n) {
    int height = 0;
    while (tree_width(n, height) > 1) ++height;
    return height;
}

uint256 node_hash(const std::vector<uint256>& txids, int height, uint32_t pos) {
    if (height == 0) return txids[pos];
    const uint256 left = node_hash(txids, height - 1, pos * 2);
    const uint32_t n = uint32_t(txids.size());
    const uint256 right = pos * 2 + 1 < tree_width(n, height - 1) ? node_hash(txids, height - 1, pos * 2 + 1) : left;
    return hash_pair(left, right);
}

struct Builder {
    const std::vector<uint256>& txids;
    const std::vector<bool>& matches;
    PartialMerkleTree& tree;

    void walk(int height, uint32_t pos) {
        const uint32_t n = uint32_t(txids.size());
        bool parent_of_match = false;
        for (uint64_t p = uint64_t(pos) << height; p < (uint64_t(pos) + 1) << height && p < n; ++p)
            parent_of_match = parent_of_match || matches[p];
        tree.bits.push_back(parent_of_match);
        if (height == 0 || !parent_of_match) {
            tree.hashes.push_back(node_hash(txids, height, pos));
            return;
        }
        walk(height - 1, pos * 2);
        if (pos * 2 + 1 < tree_width(n, height - 1)) walk(height - 1, pos * 2 + 1);
    }
};

struct Extractor {
    const PartialMerkleTree& tree;
    PartialMerkleTree::Matches& out;
    size_t bits_used = 0, hashes_used = 0;
    bool bad = false;

    uint256 walk(int height, uint32_t pos) {
        if (bits_used >= tree.bits.size()) {
            bad = true;
            return {};
        }
        const bool parent_of_match = tree.bits[bits_used++];
        if (height == 0 || !parent_of_match) {
            if (hashes_used >= tree.hashes.size()) {
                bad = true;
                return {};
            }
            const uint256& h = tree.hashes[hashes_used++];
            if (height == 0 && parent_of_match) {
                out.txids.push_back(h);
                out.positions.push_back(pos);
            }
            return h;
        }
        const uint256 left = walk(height - 1, pos * 2);
        uint256 right = left;
        if (pos * 2 + 1 < tree_width(tree.transactions, height - 1)) {
            right = walk(height - 1, pos * 2 + 1);
            if (right == left) bad = true;  // identical siblings: CVE-2012-2459
        }
        return hash_pair(left, right);
    }
};

}  // namespace

PartialMerkleTree PartialMerkleTree::build(const std::vector<uint256>& txids, const std::vector<bool>& matches) {
    PartialMerkleTree tree;
    tree.transactions = uint32_t(txids.size());
    Builder{txids, matches, tree}.walk(tree_height(tree.transactions), 0);
    return tree;
}

std::optional<PartialMerkleTree::Matches> PartialMerkleTree::extract() const {
    if (transactions == 0 || transactions > kMaxBlockTransactions) return std::nullopt;
    if (hashes.size() > transactions || bits.size() < hashes.size()) return std::nullopt;
    Matches m;
    Extractor ex{*this, m};
    m.root = ex.walk(tree_height(transactions), 0);
    if (ex.bad) return std::nullopt;
    // Every bit (up to the padding of the last byte) and every hash must be used.
    if ((ex.bits_used + 7) / 8 != (bits.size() + 7) / 8 || ex.hashes_used != hashes.size()) return std::nullopt;
    return m;
}

MerkleBlock MerkleBlock::from_block(const Block& block, const std::set<uint256>& txids) {
    MerkleBlock mb;
    mb.header = block.header;
    std::vector<uint256> ids;
    std::vector<bool> matches;
    for (const Transaction& tx : block.txs) {
        ids.push_back(tx.txid());
        matches.push_back(txids.count(ids.back()) > 0);
    }
    mb.tree = PartialMerkleTree::build(ids, matches);
    return mb;
}

Bytes MerkleBlock::serialize() const {
    Bytes out;
    Writer w(out);
    header.write(w);
    w.u32(tree.transactions);
    w.compact_size(tree.hashes.size());
    for (const uint256& h : tree.hashes) w.bytes(h.view());
    Bytes flags((tree.bits.size() + 7) / 8, 0);
    for (size_t p = 0; p < tree.bits.size(); ++p) flags[p / 8] |= uint8_t(tree.bits[p]) << (p % 8);
    w.var_bytes(flags);
    return out;
}

std::optional<MerkleBlock> MerkleBlock::decode(ByteView data, std::string* error) {
    Reader r(data);
    MerkleBlock mb;
    mb.header = BlockHeader::read(r);
    mb.tree.transactions = r.u32();
    const uint64_t n = r.count(32);
    for (uint64_t i = 0; i < n && r.ok(); ++i) mb.tree.hashes.push_back(r.hash());
    const Bytes flags = r.var_bytes();
    if (!r.ok()) {
        // Core reads the proof from a stream and reports the stream's failure.
        if (error)
            *error = r.error() == "unexpected end of data" ? "DataStream::read(): end of data: iostream error"
                                                           : r.error() + ": iostream error";
        return std::nullopt;
    }
    mb.tree.bits.resize(flags.size() * 8);
    for (size_t p = 0; p < mb.tree.bits.size(); ++p) mb.tree.bits[p] = (flags[p / 8] >> (p % 8)) & 1;
    return mb;
}

}  // namespace minicash
