// Merkle proofs of transactions (Core's rpc/txoutproof.cpp): gettxoutproof, verifytxoutproof.
// The proof is a BIP37 merkle block (common/merkle_block.h), byte for byte as Core writes it.
#include <set>

#include "common/merkle_block.h"
#include "node/chainstate.h"
#include "node/context.h"
#include "node/index/tx_index.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// Core's MAX_OUTPUTS_PER_BLOCK: how far AccessByTxid looks for an unspent output of a txid.
constexpr uint32_t kMaxOutputsPerBlock = 4000000 / 36;

// The height of the block holding an unspent output of `txid`, as Core's AccessByTxid.
std::optional<int> unspent_output_height(Chainstate& chain, const uint256& txid) {
    std::optional<int> height;
    chain.with_view([&](Chainstate::View& view) {
        for (uint32_t n = 0; n < kMaxOutputsPerBlock && !height; ++n)
            if (auto coin = view.coin(OutPoint{txid, n})) height = coin->height;
    });
    return height;
}

json::value get_tx_out_proof(NodeContext& node, const RpcRequest& req) {
    Chainstate& chain = require_chain(node);
    const json::array& ids = req.at(0).as_array();
    if (ids.empty()) throw RpcError(RPC_INVALID_PARAMETER, "Parameter 'txids' cannot be empty");
    std::set<uint256> txids;
    for (const json::value& v : ids) {
        if (!txids.insert(parse_hash(v, "txid")).second)
            throw RpcError(RPC_INVALID_PARAMETER,
                           "Invalid parameter, duplicated txid: " + std::string(v.as_string().c_str()));
    }

    const BlockIndex* block = nullptr;
    if (req.has(1)) {
        block = chain.lookup(parse_hash(req.at(1), "blockhash"));
        if (!block) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
    } else {
        for (const uint256& txid : txids) {
            if (auto height = unspent_output_height(chain, txid)) {
                block = chain.at_height(*height);
                break;
            }
        }
    }
    if (!block) {
        std::optional<TxIndex::Found> found;
        if (node.tx_index) {
            // Not synced yet: the lookup below answers from what is indexed, as Core does.
            (void)node.tx_index->block_until_synced();
            found = node.tx_index->find(*txids.begin());
        }
        if (!found) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not yet in block");
        block = chain.lookup(found->block_hash);
        if (!block) throw RpcError(RPC_INTERNAL_ERROR, "Transaction index corrupt");
    }
    if (!chain.have_block_data(block->hash))
        throw RpcError(RPC_MISC_ERROR, "Block not available (not fully downloaded)");
    const std::optional<Block> data = chain.read_block(block);
    if (!data) throw RpcError(RPC_INTERNAL_ERROR, "Can't read block from disk");

    size_t found = 0;
    for (const Transaction& tx : data->txs) found += txids.count(tx.txid());
    if (found != txids.size())
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Not all transactions found in specified or retrieved block");
    return json::value(hex_encode(MerkleBlock::from_block(*data, txids).serialize()));
}

json::value verify_tx_out_proof(NodeContext& node, const RpcRequest& req) {
    Chainstate& chain = require_chain(node);
    const Bytes raw = parse_hex(req.at(0), "proof");
    std::string error;
    const std::optional<MerkleBlock> mb = MerkleBlock::decode(raw, &error);
    if (!mb) throw RpcError(RPC_MISC_ERROR, error);

    json::array out;
    const auto matches = mb->tree.extract();
    if (!matches || matches->root != mb->header.merkle_root) return out;

    const BlockIndex* block = chain.lookup(mb->header.hash());
    uint64_t tx_count = 0;
    if (block) chain.with_view([&](Chainstate::View&) { tx_count = block->tx_count; });
    if (!block || !chain.in_active_chain(block) || tx_count == 0)
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found in chain");
    // Only a proof over the block's real number of transactions counts.
    if (tx_count == mb->tree.transactions)
        for (const uint256& txid : matches->txids) out.push_back(json::value(txid.to_hex()));
    return out;
}

}  // namespace

void register_txoutproof_commands(RpcTable& t) {
    t.add({"blockchain",
           "gettxoutproof",
           "Returns a hex-encoded proof that \"txid\" was included in a block.\n\n"
           "NOTE: By default this function only works sometimes. This is when there is an\n"
           "unspent output in the utxo for this transaction. To make it always work,\n"
           "you need to maintain a transaction index, using the -txindex command line option or\n"
           "specify the block in which the transaction is included manually (by blockhash).",
           {{"txids", ArgType::ARR, true, "", "The txids to filter: [\"txid\",...], each a transaction hash"},
            {"blockhash", ArgType::STR_HEX, false, "", "If specified, looks for txid in the block with this hash"}},
           "\"data\"    (string) A string that is a serialized, hex-encoded data for the proof.",
           get_tx_out_proof});
    t.add({"blockchain",
           "verifytxoutproof",
           "Verifies that a proof points to a transaction in a block, returning the transaction it commits to\n"
           "and throwing an RPC error if the block is not in our best chain",
           {{"proof", ArgType::STR_HEX, true, "", "The hex-encoded proof generated by gettxoutproof"}},
           "[\n  \"hex\",    (string) The txid(s) which the proof commits to, or empty array if the proof cannot be "
           "validated.\n  ...\n]",
           verify_tx_out_proof});
}

}  // namespace minicash::rpc
