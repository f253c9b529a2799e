// -silentpaymentindex: per block, the BIP352 tweak data (input_hash·A, 33 bytes) of every
// transaction a silent payment receiver must scan, in block order, keyed by block hash
// under <netdir>/indexes/silentpayments/. Served by getsilentpaymentblockdata, the call
// proposed for Bitcoin Core's BIP352 index (bitcoin/bitcoin#28241), so that a wallet
// scans with one ECDH per transaction and no prevouts.
//
// As Core's proposal, mainnet starts at taproot's activation (block 709,632): blocks
// below the start height get an empty entry. Entries of blocks that left the active
// chain stay.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/silent_payments.h"
#include "node/index/base_index.h"

namespace minicash {

class SilentPaymentIndex final : public BaseIndex {
public:
    static constexpr const char* kName = "bip352 index";  // getindexinfo's name in Core's proposal

    // Opens (creating if needed) <netdir>/indexes/silentpayments. nullptr with `error` on
    // failure. Call start() to begin indexing.
    static std::unique_ptr<SilentPaymentIndex> open(Chainstate& chain, const std::filesystem::path& netdir,
                                                    std::string* error);
    ~SilentPaymentIndex() override;

    // The first height indexed: taproot's activation on mainnet, 0 elsewhere.
    int start_height() const { return start_height_; }

    // The tweak data of the block's eligible transactions, in block order; nullopt when
    // the block has not been indexed.
    std::optional<std::vector<sp::PubKey>> lookup(const uint256& block_hash) const;

    // The tweak data of one block's transactions: `spent` holds, per non-coinbase
    // transaction, the outputs its inputs spend (the block's undo data).
    static std::vector<sp::PubKey> block_tweaks(const Block& block, const std::vector<std::vector<Script>>& spent);

private:
    SilentPaymentIndex(Chainstate& chain, std::unique_ptr<Database> db, const std::filesystem::path& blocks_dir,
                       int start_height);
    void append_block(const IndexedBlock& block, Database::Batch& batch) override;
    bool needs_undo() const override { return true; }

    int start_height_ = 0;
};

}  // namespace minicash
