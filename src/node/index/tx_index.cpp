#include "node/index/tx_index.h"

#include "node/block_index.h"
#include "node/chainstate.h"
#include "storage/block_store.h"

namespace minicash {

namespace {

// 't' || txid (internal order) -> block file (u32) || payload offset (u32) || offset of
// the transaction within the payload (u32).
Bytes tx_key(const uint256& txid) {
    Bytes k{'t'};
    append(k, txid.view());
    return k;
}

}  // namespace

std::unique_ptr<TxIndex> TxIndex::open(Chainstate& chain, const std::filesystem::path& netdir, std::string* error) {
    Database::Options options;
    std::unique_ptr<Database> db = Database::open(netdir / "indexes" / "txindex", options, error);
    if (!db) return nullptr;
    return std::unique_ptr<TxIndex>(new TxIndex(kName, chain, std::move(db), chain.blocks_dir()));
}

TxIndex::~TxIndex() { stop(); }

void TxIndex::append_block(const IndexedBlock& b, Database::Batch& batch) {
    if (b.index->height == 0) return;
    Bytes value;
    for (size_t i = 0; i < b.block.txs.size(); ++i) {
        value.clear();
        Writer w(value);
        w.u32(uint32_t(b.index->data.file));
        w.u32(b.index->data.offset);
        w.u32(b.tx_offsets[i]);
        batch.put(tx_key(b.block.txs[i].txid()), value);
    }
}

std::optional<TxIndex::Found> TxIndex::find(const uint256& txid) const {
    std::optional<Bytes> value = db().read(tx_key(txid));
    if (!value || value->size() != 12) return std::nullopt;
    Reader r(*value);
    FilePos pos;
    pos.file = int(r.u32());
    pos.offset = r.u32();
    const uint32_t tx_offset = r.u32();
    if (pos.file < 0) return std::nullopt;
    std::optional<Bytes> raw = block_store().read_block_bytes(pos);
    if (!raw || raw->size() < kBlockHeaderSize || tx_offset >= raw->size()) return std::nullopt;
    std::optional<BlockHeader> header = BlockHeader::decode(ByteView(*raw).first(kBlockHeaderSize));
    if (!header) return std::nullopt;
    Reader tr(ByteView(*raw).subspan(tx_offset));
    Transaction tx = Transaction::read(tr);
    if (!tr.ok() || tx.txid() != txid) return std::nullopt;
    return Found{std::move(tx), header->hash()};
}

}  // namespace minicash
