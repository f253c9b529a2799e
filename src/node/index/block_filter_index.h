// -blockfilterindex=basic: the BIP158 basic filter and BIP157 filter header of every
// block, keyed by block hash, under <netdir>/indexes/blockfilter/basic/.
// Filters of blocks that left the active chain stay and are still served (as Core).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "node/index/base_index.h"

namespace minicash {

class BlockFilterIndex final : public BaseIndex {
public:
    static constexpr const char* kName = "basic block filter index";

    // Opens (creating if needed) <netdir>/indexes/blockfilter/basic. nullptr with `error`
    // on failure. Call start() to begin indexing.
    [[nodiscard]] static std::unique_ptr<BlockFilterIndex> open(Chainstate& chain, const std::filesystem::path& netdir,
                                                                std::string* error);
    ~BlockFilterIndex() override;

    struct Entry {
        Bytes filter;    // serialized basic filter (BasicBlockFilter::encoded())
        uint256 header;  // filter header
    };
    // nullopt when the block has not been indexed.
    std::optional<Entry> lookup(const uint256& block_hash) const;

private:
    using BaseIndex::BaseIndex;
    void append_block(const IndexedBlock& block, Database::Batch& batch) override;
    bool needs_undo() const override { return true; }
    bool rewound_to(const BlockIndex* block) override;

    uint256 prev_header_;  // header of the index's best block (index thread only)
};

}  // namespace minicash
