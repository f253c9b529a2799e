// Where a transaction is (the mempool, or a block of the active chain and its position
// there) and which outputs it spent: what the Electrum server and the Esplora API show for
// a transaction. Confirmed transactions are found through -txindex, their spent outputs
// in the block's undo data (read through the address index); mempool transactions through
// the mempool and node/index/address_mempool.h.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "consensus/block.h"
#include "consensus/transaction.h"

namespace minicash {

struct NodeContext;
struct BlockIndex;

struct FoundTx {
    std::shared_ptr<const Transaction> tx;
    const BlockIndex* block = nullptr;  // nullptr: in the mempool
    uint32_t position = 0;              // index in the block
    // With prevouts asked for: the output each input spent (empty for a coinbase; an
    // element is nullopt when it could not be found).
    std::vector<std::optional<TxOut>> prevouts;
    std::optional<Amount> fee;  // when every prevout is known (0 for a coinbase)
};

// The transaction in the mempool or the active chain; nullopt when neither has it (or the
// needed index is off).
std::optional<FoundTx> find_transaction(NodeContext& node, const uint256& txid, bool with_prevouts);
// The transaction at `position` of `block` (an active-chain block); nullopt when out of range.
std::optional<FoundTx> transaction_in_block(NodeContext& node, const BlockIndex* block, const Block& data,
                                            uint32_t position, bool with_prevouts);

}  // namespace minicash
