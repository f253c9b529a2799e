// The block filter index, the transaction index and the silent payment index
// (src/node/index/) in process, on the
// regtest vector chain (chain-a: 3668 transactions of every output type, then fork-b's
// 20-block reorg): filters and headers recomputed independently from the blocks, the
// index following blocks connected while it runs, a reorg, a reopen, and txindex lookups.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/block_filter.h"
#include "node/block_index.h"
#include "node/index/block_filter_index.h"
#include "node/index/silent_payment_index.h"
#include "node/index/tx_index.h"
#include "test/node/chain_test_util.h"
#include "test/util/vectors.h"

using namespace minicash;
using namespace minicash::test;

namespace {

void feed(Chainstate& cs, const std::vector<Block>& blocks, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
        ValidationState state;
        ASSERT_TRUE(cs.process_block(blocks[i], state)) << "block " << i << ": " << state.to_string();
    }
}

// Filters of the active chain computed from the blocks alone: spent scripts come from
// a map of every output seen on this chain so far.
std::map<uint256, std::pair<Bytes, uint256>> expected_filters(Chainstate& cs) {
    std::map<uint256, std::pair<Bytes, uint256>> out;
    std::map<OutPoint, Script> outputs;
    uint256 prev_header;
    for (int h = 0; h <= cs.height(); ++h) {
        const BlockIndex* b = cs.at_height(h);
        const std::optional<Block> block = cs.read_block(b);
        if (!block) throw std::runtime_error("block missing");
        std::vector<TxOut> spent;  // may spend outputs of earlier transactions of the same block
        for (const Transaction& tx : block->txs) {
            if (!tx.is_coinbase())
                for (const TxIn& in : tx.vin) spent.push_back(TxOut{0, outputs.at(in.prevout)});
            const uint256 txid = tx.txid();
            for (uint32_t i = 0; i < tx.vout.size(); ++i) outputs[OutPoint{txid, i}] = tx.vout[i].script_pubkey;
        }
        const BasicBlockFilter f = BasicBlockFilter::build(b->hash, basic_filter_elements(*block, spent));
        prev_header = f.header(prev_header);
        out[b->hash] = {f.encoded(), prev_header};
    }
    return out;
}

void expect_filters(Chainstate& cs, BlockFilterIndex& index) {
    ASSERT_TRUE(index.block_until_synced());
    ASSERT_EQ(index.best_block(), cs.tip());
    for (const auto& [hash, want] : expected_filters(cs)) {
        std::optional<BlockFilterIndex::Entry> got = index.lookup(hash);
        ASSERT_TRUE(got) << hash.to_hex();
        EXPECT_EQ(got->filter, want.first) << hash.to_hex();
        EXPECT_EQ(got->header, want.second) << hash.to_hex();
    }
}

}  // namespace

TEST(Indexes, FollowChainReorgAndReopen) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const std::vector<Block> a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const std::vector<Block> b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("indexes");
    {
        auto cs = open_chainstate(params, dir.path());
        feed(*cs, a, 0, 300);  // an existing chain: the indexes catch up in their threads
        std::string error;
        std::unique_ptr<BlockFilterIndex> filters = BlockFilterIndex::open(*cs, dir.path(), &error);
        ASSERT_TRUE(filters) << error;
        std::unique_ptr<TxIndex> txs = TxIndex::open(*cs, dir.path(), &error);
        ASSERT_TRUE(txs) << error;
        filters->start();
        txs->start();
        feed(*cs, a, 300, a.size());  // blocks connected while they catch up
        ASSERT_TRUE(wait_synced(*filters, *cs));
        expect_filters(*cs, *filters);
        EXPECT_EQ(filters->summary().best_block_height, 450);
        EXPECT_EQ(filters->summary().name, "basic block filter index");

        // The reorg to fork-b: the index moves with it, chain-a's filters stay.
        feed(*cs, b, 0, b.size());
        ASSERT_EQ(cs->height(), 455);
        ASSERT_TRUE(wait_synced(*filters, *cs));
        expect_filters(*cs, *filters);
        EXPECT_TRUE(filters->lookup(a.back().hash()));

        // txindex: every transaction of the active chain (genesis excluded, as Core).
        ASSERT_TRUE(wait_synced(*txs, *cs));
        int found = 0;
        for (int h = 1; h <= cs->height(); ++h) {
            const std::optional<Block> block = cs->read_block(cs->at_height(h));
            ASSERT_TRUE(block);
            for (const Transaction& tx : block->txs) {
                std::optional<TxIndex::Found> f = txs->find(tx.txid());
                ASSERT_TRUE(f) << tx.txid().to_hex();
                EXPECT_EQ(f->tx, tx);
                // A transaction mined on both branches points to the one indexed last.
                EXPECT_EQ(f->block_hash, block->hash());
                ++found;
            }
        }
        EXPECT_GT(found, 3000);
        EXPECT_FALSE(txs->find(params.genesis.txs[0].txid()));
        EXPECT_FALSE(txs->find(uint256()));
        filters->stop();
        txs->stop();
    }
    {
        // Reopened: the best block comes back from the locator, nothing is redone.
        auto cs = open_chainstate(params, dir.path());
        ASSERT_EQ(cs->height(), 455);
        std::string error;
        std::unique_ptr<BlockFilterIndex> filters = BlockFilterIndex::open(*cs, dir.path(), &error);
        ASSERT_TRUE(filters) << error;
        filters->start();
        ASSERT_TRUE(wait_synced(*filters, *cs));
        expect_filters(*cs, *filters);
        // Back to chain-a (invalidate fork-b's first block): the index rewinds to 430
        // and moves forward on chain-a again, reusing nothing but correct entries.
        ValidationState state;
        ASSERT_TRUE(cs->invalidate_block(b.front().hash(), state));
        ASSERT_EQ(cs->tip()->hash, a.back().hash());
        ASSERT_TRUE(wait_synced(*filters, *cs));
        expect_filters(*cs, *filters);
    }
}

// -silentpaymentindex on the vector chain (Core's transactions of every output type, with
// taproot outputs from many input types): every block's entry equals the BIP352 tweak data
// recomputed from the blocks and the outputs they spend, through the reorg to fork-b.
TEST(Indexes, SilentPaymentTweaksFollowTheChain) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const std::vector<Block> a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const std::vector<Block> b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("sp-index");
    auto cs = open_chainstate(params, dir.path());
    feed(*cs, a, 0, 200);
    std::string error;
    std::unique_ptr<SilentPaymentIndex> index = SilentPaymentIndex::open(*cs, dir.path(), &error);
    ASSERT_TRUE(index) << error;
    EXPECT_EQ(index->start_height(), 0);
    index->start();
    feed(*cs, a, 200, a.size());
    feed(*cs, b, 0, b.size());
    ASSERT_TRUE(wait_synced(*index, *cs));
    EXPECT_EQ(index->summary().name, "bip352 index");
    std::map<OutPoint, Script> outputs;
    size_t tweaks = 0, eligible = 0;
    for (int h = 0; h <= cs->height(); ++h) {
        const BlockIndex* bi = cs->at_height(h);
        const std::optional<Block> block = cs->read_block(bi);
        ASSERT_TRUE(block);
        std::vector<sp::PubKey> want;
        for (const Transaction& tx : block->txs) {
            if (!tx.is_coinbase()) {
                std::vector<Script> spent;
                for (const TxIn& in : tx.vin) spent.push_back(outputs.at(in.prevout));
                if (sp::is_eligible(tx, spent)) ++eligible;
                if (auto t = sp::tweak_data(tx, spent); t && h > 0) want.push_back(*t);
            }
            const uint256 txid = tx.txid();
            for (uint32_t i = 0; i < tx.vout.size(); ++i) outputs[OutPoint{txid, i}] = tx.vout[i].script_pubkey;
        }
        std::optional<std::vector<sp::PubKey>> got = index->lookup(bi->hash);
        ASSERT_TRUE(got) << "height " << h;
        EXPECT_EQ(*got, want) << "height " << h;
        tweaks += got->size();
    }
    EXPECT_GT(eligible, 50u);
    EXPECT_GT(tweaks, 50u);
    EXPECT_FALSE(index->lookup(uint256()));
    index->stop();
}
