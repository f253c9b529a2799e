#include "storage/undo.h"

#include "consensus/serialize.h"
#include "storage/coin_codec.h"

namespace minicash {

namespace {

// Smallest encodings, used to bound counts before reserving: an undo coin is at least
// code, amount and script tag (one byte each); a TxUndo at least its count.
constexpr size_t kMinUndoCoinSize = 3;
constexpr size_t kMinTxUndoSize = 1;

}  // namespace

Bytes serialize_block_undo(const BlockUndo& undo) {
    Bytes out;
    Writer w(out);
    w.compact_size(undo.txs.size());
    for (const TxUndo& tx : undo.txs) {
        w.compact_size(tx.spent.size());
        for (const Coin& coin : tx.spent) write_undo_coin(w, coin);
    }
    return out;
}

std::optional<BlockUndo> deserialize_block_undo(ByteView bytes, std::string* error) {
    Reader r(bytes);
    BlockUndo undo;
    const uint64_t ntx = r.count(kMinTxUndoSize);
    undo.txs.reserve(size_t(ntx));
    for (uint64_t i = 0; i < ntx && r.ok(); ++i) {
        TxUndo& tx = undo.txs.emplace_back();
        const uint64_t ncoins = r.count(kMinUndoCoinSize);
        tx.spent.reserve(size_t(ncoins));
        for (uint64_t j = 0; j < ncoins && r.ok(); ++j) tx.spent.push_back(read_undo_coin(r));
    }
    if (r.ok() && !r.empty()) r.fail("trailing data after block undo");
    if (!r.ok()) {
        if (error) *error = "block undo: " + r.error();
        return std::nullopt;
    }
    return undo;
}

}  // namespace minicash
