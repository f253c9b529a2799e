#include "net/compact_block.h"

#include <limits>

#include "consensus/merkle.h"
#include "consensus/serialize.h"
#include "net/protocol.h"
#include "util/hash.h"
#include "util/siphash.h"

namespace minicash::net {

namespace {

constexpr size_t kMinTxSize = 10;  // version, empty input and output counts, locktime
constexpr uint64_t kMaxIndex = std::numeric_limits<uint16_t>::max();

// Differentially encoded indexes (each the gap to the previous one, minus one), as
// BIP152 sends them; all absolute values must fit in 16 bits.
bool read_index(Reader& r, uint64_t& previous, bool first, uint16_t& out) {
    const uint64_t diff = r.compact_size(false);
    if (!r.ok()) return false;
    if (diff > kMaxIndex) {
        r.fail("index overflowed 16 bits");
        return false;
    }
    const uint64_t index = first ? diff : previous + diff + 1;
    if (index > kMaxIndex) {
        r.fail("indexes overflowed 16 bits");
        return false;
    }
    previous = index;
    out = uint16_t(index);
    return true;
}

void write_index(Writer& w, uint16_t index, uint64_t& previous, bool first) {
    w.compact_size(first ? index : index - previous - 1);
    previous = index;
}

}  // namespace

ShortIdKey short_id_key(const BlockHeader& header, uint64_t nonce) {
    Bytes data;
    Writer w(data);
    header.write(w);
    w.u64(nonce);
    const uint256 h = sha256(data);
    return ShortIdKey{read_le64(h.data()), read_le64(h.data() + 8)};
}

uint64_t short_id(const ShortIdKey& key, const uint256& wtxid) {
    return siphash24(key.k0, key.k1, wtxid.view()) & 0xffffffffffffull;
}

CompactBlockMsg make_compact_block(const Block& block, uint64_t nonce) {
    CompactBlockMsg m;
    m.header = block.header;
    m.nonce = nonce;
    if (block.txs.empty()) return m;
    m.prefilled.push_back(PrefilledTx{0, block.txs[0]});
    const ShortIdKey key = short_id_key(block.header, nonce);
    m.short_ids.reserve(block.txs.size() - 1);
    for (size_t i = 1; i < block.txs.size(); ++i) m.short_ids.push_back(short_id(key, block.txs[i].wtxid()));
    return m;
}

std::optional<CompactBlockMsg> decode_cmpctblock(ByteView payload, std::string* error) {
    Reader r(payload);
    CompactBlockMsg m;
    m.header = BlockHeader::read(r);
    m.nonce = r.u64();
    const uint64_t n = r.count(kShortIdSize);
    if (r.ok()) m.short_ids.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        const uint64_t lo = r.u32();
        const uint64_t hi = r.u16();
        m.short_ids.push_back(lo | (hi << 32));
    }
    const uint64_t p = r.count(1 + kMinTxSize);
    if (r.ok()) m.prefilled.reserve(size_t(p));
    uint64_t previous = 0;
    for (uint64_t i = 0; i < p && r.ok(); ++i) {
        PrefilledTx t;
        if (!read_index(r, previous, i == 0, t.index)) break;
        t.tx = Transaction::read(r);
        m.prefilled.push_back(std::move(t));
    }
    return finish_decode(r, std::move(m), error);
}

Bytes encode_cmpctblock(const CompactBlockMsg& m) {
    Bytes out;
    Writer w(out);
    m.header.write(w);
    w.u64(m.nonce);
    w.compact_size(m.short_ids.size());
    for (uint64_t id : m.short_ids) {
        w.u32(uint32_t(id));
        w.u16(uint16_t(id >> 32));
    }
    w.compact_size(m.prefilled.size());
    uint64_t previous = 0;
    for (size_t i = 0; i < m.prefilled.size(); ++i) {
        write_index(w, m.prefilled[i].index, previous, i == 0);
        m.prefilled[i].tx.write(w, true);
    }
    return out;
}

std::optional<BlockTxnRequest> decode_getblocktxn(ByteView payload, std::string* error) {
    Reader r(payload);
    BlockTxnRequest m;
    m.block_hash = r.hash();
    const uint64_t n = r.count(1);
    if (r.ok()) m.indexes.reserve(size_t(n));
    uint64_t previous = 0;
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        uint16_t index = 0;
        if (!read_index(r, previous, i == 0, index)) break;
        m.indexes.push_back(index);
    }
    return finish_decode(r, std::move(m), error);
}

Bytes encode_getblocktxn(const BlockTxnRequest& m) {
    Bytes out;
    Writer w(out);
    w.hash(m.block_hash);
    w.compact_size(m.indexes.size());
    uint64_t previous = 0;
    for (size_t i = 0; i < m.indexes.size(); ++i) write_index(w, m.indexes[i], previous, i == 0);
    return out;
}

std::optional<BlockTxnMsg> decode_blocktxn(ByteView payload, std::string* error) {
    Reader r(payload);
    BlockTxnMsg m;
    m.block_hash = r.hash();
    const uint64_t n = r.count(kMinTxSize);
    if (r.ok()) m.txs.reserve(size_t(n));
    for (uint64_t i = 0; i < n && r.ok(); ++i) m.txs.push_back(Transaction::read(r));
    return finish_decode(r, std::move(m), error);
}

Bytes encode_blocktxn(const BlockTxnMsg& m) {
    Bytes out;
    Writer w(out);
    w.hash(m.block_hash);
    w.compact_size(m.txs.size());
    for (const Transaction& tx : m.txs) tx.write(w, true);
    return out;
}

// ---- reconstruction ----

PartialBlock::Status PartialBlock::init(const CompactBlockMsg& msg,
                                        const std::vector<std::pair<uint256, TxRef>>& mempool,
                                        const std::vector<std::pair<uint256, TxRef>>& extra) {
    if (msg.tx_count() == 0 || msg.tx_count() > kMaxCompactBlockTxs) return Status::INVALID;
    hash_ = msg.hash();
    header_ = msg.header;
    txs_.assign(msg.tx_count(), nullptr);
    // Prefilled positions; every index must leave room for the short ids around it.
    for (size_t i = 0; i < msg.prefilled.size(); ++i) {
        const size_t index = msg.prefilled[i].index;
        if (index > msg.short_ids.size() + i) return Status::INVALID;
        txs_[index] = std::make_shared<const Transaction>(msg.prefilled[i].tx);
    }
    prefilled_count_ = msg.prefilled.size();
    // Short id -> position of the remaining slots, in order.
    std::unordered_map<uint64_t, size_t> slot_of;
    slot_of.reserve(msg.short_ids.size());
    size_t next = 0;
    for (uint64_t id : msg.short_ids) {
        while (txs_[next]) ++next;
        if (!slot_of.emplace(id, next).second) return Status::FAILED;  // two equal short ids
        ++next;
    }
    const ShortIdKey key = short_id_key(header_, msg.nonce);
    std::vector<bool> matched(txs_.size(), false);
    auto offer = [&](const std::pair<uint256, TxRef>& candidate, size_t& counter) {
        auto it = slot_of.find(short_id(key, candidate.first));
        if (it == slot_of.end()) return;
        const size_t slot = it->second;
        if (!matched[slot]) {
            matched[slot] = true;
            txs_[slot] = candidate.second;
            ++counter;
        } else if (txs_[slot] && txs_[slot]->wtxid() != candidate.first) {
            txs_[slot] = nullptr;  // two candidates for one short id: ask for it
        }
    };
    for (const auto& c : mempool) offer(c, mempool_count_);
    for (const auto& c : extra) offer(c, extra_count_);
    missing_count_ = 0;
    for (size_t i = 0; i < txs_.size(); ++i)
        if (!txs_[i]) ++missing_count_;
    return Status::OK;
}

std::vector<uint16_t> PartialBlock::missing() const {
    std::vector<uint16_t> out;
    for (size_t i = 0; i < txs_.size(); ++i)
        if (!txs_[i]) out.push_back(uint16_t(i));
    return out;
}

PartialBlock::Status PartialBlock::fill(const std::vector<Transaction>& txs, Block& out) const {
    if (txs.size() != missing_count_) return Status::INVALID;
    out = Block{};
    out.header = header_;
    out.txs.reserve(txs_.size());
    size_t next = 0;
    for (const TxRef& t : txs_) out.txs.push_back(t ? *t : txs[next++]);
    bool mutated = false;
    if (block_merkle_root(out, &mutated) != header_.merkle_root || mutated) return Status::FAILED;
    return Status::OK;
}

}  // namespace minicash::net
