// -txindex: txid -> where the transaction is stored (block record position in the block
// files and the transaction's offset inside the block), under <netdir>/indexes/txindex/.
// Like Core, the genesis block's coinbase is not indexed (its output is unspendable).
// Entries of blocks that left the active chain stay; a lookup reports the block it found
// the transaction in, and the caller decides what being off the active chain means.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "node/index/base_index.h"

namespace minicash {

class TxIndex final : public BaseIndex {
public:
    static constexpr const char* kName = "txindex";

    // Opens (creating if needed) <netdir>/indexes/txindex. nullptr with `error` on
    // failure. Call start() to begin indexing.
    [[nodiscard]] static std::unique_ptr<TxIndex> open(Chainstate& chain, const std::filesystem::path& netdir,
                                                       std::string* error);
    ~TxIndex() override;

    struct Found {
        Transaction tx;
        uint256 block_hash;
    };
    // The transaction and the block holding it; nullopt when not indexed (or the stored
    // position no longer reads back as that transaction).
    std::optional<Found> find(const uint256& txid) const;

private:
    using BaseIndex::BaseIndex;
    void append_block(const IndexedBlock& block, Database::Batch& batch) override;
};

}  // namespace minicash
