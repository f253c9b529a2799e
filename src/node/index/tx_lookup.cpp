#include "node/index/tx_lookup.h"

#include "node/block_index.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/address_index.h"
#include "node/index/address_mempool.h"
#include "node/index/tx_index.h"
#include "node/mempool.h"

namespace minicash {

namespace {

void set_fee(FoundTx& f) {
    if (f.tx->is_coinbase()) {
        f.fee = 0;
        return;
    }
    Amount in = 0, out = 0;
    for (const std::optional<TxOut>& p : f.prevouts) {
        if (!p) return;
        in += p->value;
    }
    for (const TxOut& o : f.tx->vout) out += o.value;
    f.fee = in - out;
}

}  // namespace

std::optional<FoundTx> transaction_in_block(NodeContext& node, const BlockIndex* block, const Block& data,
                                            uint32_t position, bool with_prevouts) {
    if (position >= data.txs.size()) return std::nullopt;
    FoundTx f;
    f.tx = std::make_shared<const Transaction>(data.txs[position]);
    f.block = block;
    f.position = position;
    if (with_prevouts && position > 0) {
        std::optional<BlockUndo> undo = node.address_index ? node.address_index->read_undo(block) : std::nullopt;
        f.prevouts.resize(f.tx->vin.size());
        if (undo && position - 1 < undo->txs.size()) {
            const TxUndo& tu = undo->txs[position - 1];
            for (size_t i = 0; i < tu.spent.size() && i < f.prevouts.size(); ++i) f.prevouts[i] = tu.spent[i].out;
        }
    }
    if (with_prevouts) set_fee(f);
    return f;
}

std::optional<FoundTx> find_transaction(NodeContext& node, const uint256& txid, bool with_prevouts) {
    if (node.mempool) {
        if (std::shared_ptr<const Transaction> tx = node.mempool->get(txid)) {
            FoundTx f;
            f.tx = tx;
            if (with_prevouts) {
                std::optional<MempoolAddressTx> info;
                if (node.address_mempool) info = node.address_mempool->transaction(txid);
                if (info) {
                    f.prevouts = info->prevouts;
                } else {
                    f.prevouts.resize(tx->vin.size());
                    for (size_t i = 0; i < tx->vin.size(); ++i) {
                        const OutPoint& o = tx->vin[i].prevout;
                        if (auto parent = node.mempool->get(o.txid); parent && o.index < parent->vout.size())
                            f.prevouts[i] = parent->vout[o.index];
                        else if (auto coin = node.chainstate->coin(o)) f.prevouts[i] = coin->out;
                    }
                }
                set_fee(f);
            }
            return f;
        }
    }
    if (!node.tx_index || !node.chainstate) return std::nullopt;
    std::optional<TxIndex::Found> found = node.tx_index->find(txid);
    if (!found) return std::nullopt;
    const BlockIndex* block = node.chainstate->lookup(found->block_hash);
    if (!block || !node.chainstate->in_active_chain(block)) return std::nullopt;
    std::optional<Block> data = node.chainstate->read_block(block);
    if (!data) return std::nullopt;
    for (uint32_t i = 0; i < data->txs.size(); ++i)
        if (data->txs[i].txid() == txid) return transaction_in_block(node, block, *data, i, with_prevouts);
    return std::nullopt;
}

}  // namespace minicash
