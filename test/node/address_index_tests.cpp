// The address index (src/node/index/address_index.h) on the regtest vector chain (chain-a:
// 3668 transactions of every output type, then fork-b's 20-block reorg, then back):
// history, unspent outputs and totals of every script compared with a model computed
// from the blocks alone, after catching up, while following, across both reorgs and
// after a reopen.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "node/block_index.h"
#include "node/index/address_index.h"
#include "test/node/chain_test_util.h"
#include "test/util/vectors.h"

using namespace minicash;
using namespace minicash::test;

namespace {

struct Model {
    std::map<uint256, std::vector<std::pair<int, uint32_t>>> history;  // (height, position)
    std::map<uint256, std::map<OutPoint, Amount>> utxos;
    std::map<uint256, AddressStats> stats;
};

// The active chain's scripts, from its blocks alone.
Model model_of(Chainstate& cs) {
    Model m;
    std::map<OutPoint, TxOut> outputs;
    for (int h = 1; h <= cs.height(); ++h) {
        const std::optional<Block> block = cs.read_block(cs.at_height(h));
        if (!block) throw std::runtime_error("block missing");
        for (uint32_t i = 0; i < block->txs.size(); ++i) {
            const Transaction& tx = block->txs[i];
            std::set<uint256> touched;
            if (!tx.is_coinbase()) {
                for (const TxIn& in : tx.vin) {
                    auto it = outputs.find(in.prevout);
                    if (it == outputs.end()) continue;  // the genesis output is never spent
                    const uint256 sh = electrum_script_hash(it->second.script_pubkey);
                    m.utxos[sh].erase(in.prevout);
                    ++m.stats[sh].spent_txo_count;
                    m.stats[sh].spent_txo_sum += it->second.value;
                    touched.insert(sh);
                }
            }
            for (uint32_t v = 0; v < tx.vout.size(); ++v) {
                if (tx.vout[v].script_pubkey.is_unspendable()) continue;
                const uint256 sh = electrum_script_hash(tx.vout[v].script_pubkey);
                outputs[OutPoint{tx.txid(), v}] = tx.vout[v];
                m.utxos[sh][OutPoint{tx.txid(), v}] = tx.vout[v].value;
                ++m.stats[sh].funded_txo_count;
                m.stats[sh].funded_txo_sum += tx.vout[v].value;
                touched.insert(sh);
            }
            for (const uint256& sh : touched) {
                m.history[sh].push_back({h, i});
                ++m.stats[sh].tx_count;
            }
        }
    }
    return m;
}

void expect_matches(Chainstate& cs, const AddressIndex& index) {
    const Model m = model_of(cs);
    ASSERT_GT(m.history.size(), 100u);
    for (const auto& [sh, want] : m.history) {
        const std::vector<AddressHistoryEntry> got = index.history(sh, 1000000);
        ASSERT_EQ(got.size(), want.size()) << sh.to_hex();
        for (size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].height, want[i].first);
            EXPECT_EQ(got[i].position, want[i].second);
        }
        const AddressStats s = index.stats(sh), w = m.stats.at(sh);
        EXPECT_EQ(s.tx_count, w.tx_count) << sh.to_hex();
        EXPECT_EQ(s.funded_txo_count, w.funded_txo_count);
        EXPECT_EQ(s.funded_txo_sum, w.funded_txo_sum);
        EXPECT_EQ(s.spent_txo_count, w.spent_txo_count);
        EXPECT_EQ(s.spent_txo_sum, w.spent_txo_sum);
        const std::vector<AddressUtxo> utxos = index.utxos(sh, 1000000);
        const auto wu = m.utxos.find(sh);
        const size_t want_utxos = wu == m.utxos.end() ? 0 : wu->second.size();
        ASSERT_EQ(utxos.size(), want_utxos) << sh.to_hex();
        for (const AddressUtxo& u : utxos) {
            ASSERT_TRUE(wu->second.count(u.outpoint));
            EXPECT_EQ(u.value, wu->second.at(u.outpoint));
            EXPECT_TRUE(index.is_unspent(sh, u.outpoint, u.height));
        }
    }
}

}  // namespace

TEST(AddressIndex, ExactAcrossReorgsAndReopen) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const std::vector<Block> a = read_blocks(vectors / "chain/regtest/chain-a.blk");
    const std::vector<Block> b = read_blocks(vectors / "chain/regtest/fork-b.blk");
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("addressindex");
    std::vector<uint256> changed;
    {
        auto cs = open_chainstate(params, dir.path());
        for (size_t i = 0; i < 300; ++i) {
            ValidationState state;
            ASSERT_TRUE(cs->process_block(a[i], state)) << state.to_string();
        }
        std::string error;
        std::unique_ptr<AddressIndex> index = AddressIndex::open(*cs, dir.path(), &error);
        ASSERT_TRUE(index) << error;
        std::mutex mutex;
        index->on_change([&](const std::vector<uint256>& shs, const BlockIndex*) {
            std::lock_guard lock(mutex);
            changed.insert(changed.end(), shs.begin(), shs.end());
        });
        index->start();
        for (size_t i = 300; i < a.size(); ++i) {
            ValidationState state;
            ASSERT_TRUE(cs->process_block(a[i], state)) << state.to_string();
        }
        ASSERT_TRUE(wait_synced(*index, *cs));
        EXPECT_EQ(index->summary().name, "addressindex");
        EXPECT_EQ(index->summary().best_block_height, 450);
        expect_matches(*cs, *index);
        {
            std::lock_guard lock(mutex);
            EXPECT_FALSE(changed.empty());
        }

        // fork-b replaces chain-a's last 20 blocks: their entries go, fork-b's come.
        for (const Block& block : b) {
            ValidationState state;
            ASSERT_TRUE(cs->process_block(block, state)) << state.to_string();
        }
        ASSERT_EQ(cs->height(), 455);
        ASSERT_TRUE(wait_synced(*index, *cs));
        expect_matches(*cs, *index);
        EXPECT_GT(index->disk_size() + 1, 0u);
        index->stop();
    }
    {
        auto cs = open_chainstate(params, dir.path());
        std::string error;
        std::unique_ptr<AddressIndex> index = AddressIndex::open(*cs, dir.path(), &error);
        ASSERT_TRUE(index) << error;
        index->start();
        ASSERT_TRUE(wait_synced(*index, *cs));
        expect_matches(*cs, *index);
        // Back to chain-a: the index takes fork-b's blocks back, block by block.
        ValidationState state;
        ASSERT_TRUE(cs->invalidate_block(b.front().hash(), state));
        ASSERT_EQ(cs->tip()->hash, a.back().hash());
        ASSERT_TRUE(wait_synced(*index, *cs));
        expect_matches(*cs, *index);
        // An unknown script has nothing.
        EXPECT_TRUE(index->history(uint256(), 10).empty());
        EXPECT_EQ(index->stats(uint256()).tx_count, 0u);
    }
}
