#include "node/index/block_filter_index.h"

#include "common/block_filter.h"
#include "node/block_index.h"
#include "node/chainstate.h"

namespace minicash {

namespace {

// 'f' || block hash (internal order) -> CompactSize(len) || filter || header (32 bytes).
Bytes filter_key(const uint256& block_hash) {
    Bytes k{'f'};
    append(k, block_hash.view());
    return k;
}

}  // namespace

std::unique_ptr<BlockFilterIndex> BlockFilterIndex::open(Chainstate& chain, const std::filesystem::path& netdir,
                                                         std::string* error) {
    Database::Options options;
    std::unique_ptr<Database> db = Database::open(netdir / "indexes" / "blockfilter" / "basic", options, error);
    if (!db) return nullptr;
    return std::unique_ptr<BlockFilterIndex>(new BlockFilterIndex(kName, chain, std::move(db), chain.blocks_dir()));
}

BlockFilterIndex::~BlockFilterIndex() { stop(); }

std::optional<BlockFilterIndex::Entry> BlockFilterIndex::lookup(const uint256& block_hash) const {
    std::optional<Bytes> value = db().read(filter_key(block_hash));
    if (!value) return std::nullopt;
    Reader r(*value);
    Entry e;
    e.filter = r.var_bytes();
    e.header = r.hash();
    if (!r.ok() || !r.empty()) return std::nullopt;
    return e;
}

void BlockFilterIndex::append_block(const IndexedBlock& b, Database::Batch& batch) {
    std::vector<TxOut> spent;
    if (b.undo)
        for (const TxUndo& tx : b.undo->txs)
            for (const Coin& c : tx.spent) spent.push_back(c.out);
    const BasicBlockFilter filter = BasicBlockFilter::build(b.index->hash, basic_filter_elements(b.block, spent));
    const uint256 header = filter.header(prev_header_);
    Bytes value;
    Writer w(value);
    w.var_bytes(filter.encoded());
    w.hash(header);
    batch.put(filter_key(b.index->hash), value);
    prev_header_ = header;
}

bool BlockFilterIndex::rewound_to(const BlockIndex* block) {
    if (!block) {
        prev_header_ = uint256();
        return true;
    }
    std::optional<Entry> e = lookup(block->hash);
    if (!e) return false;
    prev_header_ = e->header;
    return true;
}

}  // namespace minicash
