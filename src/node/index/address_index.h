// -addressindex: for every output script, by Electrum's script hash (sha256 of the
// scriptPubKey, shown reversed in hex), its confirmed history (the transactions that pay
// to it or spend from it, in chain order), its unspent outputs and running totals, under
// <netdir>/indexes/addressindex/. The Electrum server and the Esplora API answer from it
// (with node/index/address_mempool.h for unconfirmed transactions).
//
// Unlike the transaction index, its entries describe the active chain as a whole, so a
// reorg takes the entries of each disconnected block back (BaseIndex::rewinds_blocks), in
// the same batch as the locator: after any crash or reorg the index is exactly the chain
// up to its best block. Provably unspendable outputs (OP_RETURN, oversized scripts: not in
// the UTXO set) and the genesis block are not indexed.
//
// Reads are safe from any thread; each block's changes land in one atomic batch, but a
// reader making several calls may see two different best blocks between them.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consensus/script.h"
#include "node/index/base_index.h"

namespace minicash {

// A confirmed transaction touching a script: its height and position in the block.
struct AddressHistoryEntry {
    uint256 txid;
    int height = 0;
    uint32_t position = 0;
};

// An unspent output of a script (height 0 for a mempool output).
struct AddressUtxo {
    OutPoint outpoint;
    int height = 0;
    Amount value = 0;
};

// Esplora's chain_stats / mempool_stats.
struct AddressStats {
    uint64_t funded_txo_count = 0, spent_txo_count = 0, tx_count = 0;
    Amount funded_txo_sum = 0, spent_txo_sum = 0;
};

// Electrum's script hash of an output script (the sha256, kept in the byte order that
// uint256::to_hex shows reversed, as Electrum does).
uint256 electrum_script_hash(const Script& script);

class AddressIndex final : public BaseIndex {
public:
    static constexpr const char* kName = "addressindex";

    // Opens (creating if needed) <netdir>/indexes/addressindex. nullptr with `error` on
    // failure. Call start() to begin indexing.
    [[nodiscard]] static std::unique_ptr<AddressIndex> open(Chainstate& chain, const std::filesystem::path& netdir,
                                                            std::string* error);
    ~AddressIndex() override;

    // The confirmed history in chain order (height, then position in the block). At most
    // `limit` entries; `truncated` (optional) tells whether there were more.
    std::vector<AddressHistoryEntry> history(const uint256& script_hash, size_t limit, bool* truncated = nullptr) const;
    // Unspent outputs in chain order, at most `limit`.
    std::vector<AddressUtxo> utxos(const uint256& script_hash, size_t limit, bool* truncated = nullptr) const;
    AddressStats stats(const uint256& script_hash) const;
    // Whether this output (created at `height`) is unspent at the index's best block.
    bool is_unspent(const uint256& script_hash, const OutPoint& outpoint, int height) const;

    // Undo data of an indexed block (the coins its transactions spent); nullopt for the
    // genesis block or when it cannot be read.
    std::optional<BlockUndo> read_undo(const BlockIndex* block) const;

    // Called on the index thread after each block's entries were written (or taken back),
    // with the script hashes whose history changed and the new best block. Must not block.
    using ChangeListener = std::function<void(const std::vector<uint256>& script_hashes, const BlockIndex* best)>;
    void on_change(ChangeListener listener);

    // Bytes the index takes on disk (LevelDB's estimate of every key).
    uint64_t disk_size() const;

private:
    using BaseIndex::BaseIndex;
    void append_block(const IndexedBlock& block, Database::Batch& batch) override;
    void remove_block(const IndexedBlock& block, Database::Batch& batch) override;
    bool needs_undo() const override { return true; }
    bool rewinds_blocks() const override { return true; }
    bool rewound_to(const BlockIndex* block) override;
    void block_written(const BlockIndex* best) override;
    void apply_block(const IndexedBlock& block, Database::Batch& batch, bool connect);

    std::vector<uint256> touched_;  // index thread only
    mutable std::mutex listeners_mutex_;
    std::vector<ChangeListener> listeners_;
};

}  // namespace minicash
