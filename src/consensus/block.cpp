#include "consensus/block.h"

#include "util/hash.h"

namespace minicash {

BlockHeader BlockHeader::read(Reader& r) {
    BlockHeader h;
    h.version = r.i32();
    h.prev_block = r.hash();
    h.merkle_root = r.hash();
    h.time = r.u32();
    h.bits = r.u32();
    h.nonce = r.u32();
    return h;
}

std::optional<BlockHeader> BlockHeader::decode(ByteView bytes, std::string* error) {
    Reader r(bytes);
    BlockHeader h = read(r);
    if (r.ok() && !r.empty()) r.fail("trailing data after block header");
    if (!r.ok()) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return h;
}

void BlockHeader::write(Writer& w) const {
    w.i32(version);
    w.hash(prev_block);
    w.hash(merkle_root);
    w.u32(time);
    w.u32(bits);
    w.u32(nonce);
}

Bytes BlockHeader::serialize() const {
    Bytes out;
    out.reserve(kBlockHeaderSize);
    Writer w(out);
    write(w);
    return out;
}

uint256 BlockHeader::hash() const { return sha256d(serialize()); }

Block Block::read(Reader& r) {
    Block b;
    b.header = BlockHeader::read(r);
    // A transaction is at least 10 bytes (version, two empty counts, locktime).
    const uint64_t n = r.count(10);
    b.txs.reserve(n);
    for (uint64_t i = 0; i < n && r.ok(); ++i) b.txs.push_back(Transaction::read(r));
    return b;
}

std::optional<Block> Block::decode(ByteView bytes, std::string* error) {
    Reader r(bytes);
    Block b = read(r);
    if (r.ok() && !r.empty()) r.fail("trailing data after block");
    if (!r.ok()) {
        if (error) *error = r.error();
        return std::nullopt;
    }
    return b;
}

void Block::write(Writer& w, bool with_witness) const {
    header.write(w);
    w.compact_size(txs.size());
    for (const Transaction& tx : txs) tx.write(w, with_witness);
}

Bytes Block::serialize(bool with_witness) const {
    Bytes out;
    Writer w(out);
    write(w, with_witness);
    return out;
}

size_t Block::weight() const { return serialize(false).size() * (kWitnessScaleFactor - 1) + serialize(true).size(); }

}  // namespace minicash
