#include "node/index/silent_payment_index.h"

#include "node/block_index.h"
#include "node/chainstate.h"

namespace minicash {

namespace {

constexpr int kMainnetTaprootHeight = 709632;

// 's' || block hash (internal order) -> the 33-byte tweaks, concatenated.
Bytes tweaks_key(const uint256& block_hash) {
    Bytes k(1 + uint256::size());
    k[0] = 's';
    std::copy(block_hash.begin(), block_hash.end(), k.begin() + 1);
    return k;
}

}  // namespace

SilentPaymentIndex::SilentPaymentIndex(Chainstate& chain, std::unique_ptr<Database> db,
                                       const std::filesystem::path& blocks_dir, int start_height)
    : BaseIndex(kName, chain, std::move(db), blocks_dir), start_height_(start_height) {}

std::unique_ptr<SilentPaymentIndex> SilentPaymentIndex::open(Chainstate& chain, const std::filesystem::path& netdir,
                                                             std::string* error) {
    Database::Options options;
    std::unique_ptr<Database> db = Database::open(netdir / "indexes" / "silentpayments", options, error);
    if (!db) return nullptr;
    const int start = chain.params().network == Network::MAIN ? kMainnetTaprootHeight : 0;
    return std::unique_ptr<SilentPaymentIndex>(new SilentPaymentIndex(chain, std::move(db), chain.blocks_dir(), start));
}

SilentPaymentIndex::~SilentPaymentIndex() { stop(); }

std::vector<sp::PubKey> SilentPaymentIndex::block_tweaks(const Block& block,
                                                         const std::vector<std::vector<Script>>& spent) {
    std::vector<sp::PubKey> out;
    for (size_t i = 1; i < block.txs.size() && i - 1 < spent.size(); ++i)
        if (auto t = sp::tweak_data(block.txs[i], spent[i - 1])) out.push_back(*t);
    return out;
}

std::optional<std::vector<sp::PubKey>> SilentPaymentIndex::lookup(const uint256& block_hash) const {
    std::optional<Bytes> value = db().read(tweaks_key(block_hash));
    if (!value || value->size() % 33 != 0) return std::nullopt;
    std::vector<sp::PubKey> out(value->size() / 33);
    for (size_t i = 0; i < out.size(); ++i) std::copy_n(value->begin() + ptrdiff_t(33 * i), 33, out[i].begin());
    return out;
}

void SilentPaymentIndex::append_block(const IndexedBlock& b, Database::Batch& batch) {
    Bytes value;
    if (b.index->height >= start_height_ && b.index->height > 0 && b.undo) {
        std::vector<std::vector<Script>> spent;
        spent.reserve(b.undo->txs.size());
        for (const TxUndo& tx : b.undo->txs) {
            std::vector<Script> s;
            s.reserve(tx.spent.size());
            for (const Coin& c : tx.spent) s.push_back(c.out.script_pubkey);
            spent.push_back(std::move(s));
        }
        for (const sp::PubKey& t : block_tweaks(b.block, spent)) value.insert(value.end(), t.begin(), t.end());
    }
    batch.put(tweaks_key(b.index->hash), value);
}

}  // namespace minicash
