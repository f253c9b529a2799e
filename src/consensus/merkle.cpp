#include "consensus/merkle.h"

#include "util/hash.h"

namespace minicash {

uint256 compute_merkle_root(std::vector<uint256> level, bool* mutated) {
    bool dup = false;
    if (level.empty()) {
        if (mutated) *mutated = false;
        return uint256();
    }
    uint8_t pair[64];
    while (level.size() > 1) {
        // Identical siblings at an even position mean the list could be one shorter.
        for (size_t i = 0; i + 1 < level.size(); i += 2)
            if (level[i] == level[i + 1]) dup = true;
        if (level.size() % 2) level.push_back(level.back());
        for (size_t i = 0; i < level.size(); i += 2) {
            std::copy(level[i].begin(), level[i].end(), pair);
            std::copy(level[i + 1].begin(), level[i + 1].end(), pair + 32);
            level[i / 2] = sha256d(pair);
        }
        level.resize(level.size() / 2);
    }
    if (mutated) *mutated = dup;
    return level[0];
}

uint256 block_merkle_root(const Block& block, bool* mutated) {
    std::vector<uint256> leaves;
    leaves.reserve(block.txs.size());
    for (const Transaction& tx : block.txs) leaves.push_back(tx.txid());
    return compute_merkle_root(std::move(leaves), mutated);
}

uint256 block_witness_merkle_root(const Block& block) {
    std::vector<uint256> leaves;
    leaves.reserve(block.txs.size());
    for (size_t i = 0; i < block.txs.size(); ++i) leaves.push_back(i == 0 ? uint256() : block.txs[i].wtxid());
    return compute_merkle_root(std::move(leaves));
}

std::optional<size_t> witness_commitment_index(const Block& block) {
    if (block.txs.empty()) return std::nullopt;
    std::optional<size_t> found;
    const auto& vout = block.txs[0].vout;
    static constexpr uint8_t kHeader[6] = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};
    for (size_t i = 0; i < vout.size(); ++i) {
        const Bytes& s = vout[i].script_pubkey.bytes();
        if (s.size() >= 38 && std::equal(kHeader, kHeader + 6, s.begin())) found = i;
    }
    return found;
}

uint256 witness_commitment(const uint256& witness_root, ByteView reserved_value) {
    HashWriter w;
    w.write_hash(witness_root).write(reserved_value);
    return w.sha256d();
}

}  // namespace minicash
