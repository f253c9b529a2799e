// Undo data: the coins a block spent, so that disconnecting it restores the UTXO set.
#pragma once

#include <optional>
#include <vector>

#include "consensus/tx_verify.h"

namespace minicash {

struct TxUndo {
    std::vector<Coin> spent;  // one per input, in input order
};

// One TxUndo per transaction except the coinbase, in block order (Core's CBlockUndo).
struct BlockUndo {
    std::vector<TxUndo> txs;
};

Bytes serialize_block_undo(const BlockUndo& undo);
[[nodiscard]] std::optional<BlockUndo> deserialize_block_undo(ByteView bytes, std::string* error = nullptr);

}  // namespace minicash
