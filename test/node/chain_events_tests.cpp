// What the chain state and the mempool tell their listeners, and in which order: chain
// listeners (connected in registration order, disconnected in reverse, one tip update per
// activation), the latched initial-block-download state, and the mempool's numbered
// events (Core's mempool sequence: additions and every removal, a block's too).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "node/mempool.h"
#include "test/node/mempool_test_util.h"

namespace minicash::test {
namespace {

constexpr int kStartHeight = 110;

std::string kind(const MempoolEvent& e) {
    if (e.added) return "A";
    switch (e.reason) {
    case MempoolRemovalReason::BLOCK: return "block";
    case MempoolRemovalReason::CONFLICT: return "conflict";
    case MempoolRemovalReason::REPLACED: return "replaced";
    case MempoolRemovalReason::REORG: return "reorg";
    case MempoolRemovalReason::EXPIRY: return "expiry";
    case MempoolRemovalReason::SIZELIMIT: return "sizelimit";
    }
    return "?";
}

TEST(ChainEvents, ListenerOrderAndTipUpdates) {
    TestChain tc("listener-order");
    std::vector<std::string> log;
    for (const char* name : {"first", "second"}) {
        Chainstate::Listener l;
        l.connected = [&log, name](const Block&, const BlockIndex* b, const Chainstate::View&) {
            log.push_back(std::string(name) + " C" + std::to_string(b->height));
        };
        l.disconnected = [&log, name](const Block&, const BlockIndex* b, const Chainstate::View&) {
            log.push_back(std::string(name) + " D" + std::to_string(b->height));
        };
        l.tip_updated = [&log, name](const BlockIndex* tip, const BlockIndex* fork, bool ibd, const Chainstate::View&) {
            log.push_back(std::string(name) + " tip" + std::to_string(tip->height) + " fork" +
                          (fork ? std::to_string(fork->height) : "-") + (ibd ? " ibd" : ""));
        };
        tc.chain().add_listener(std::move(l));
    }
    tc.mine_blocks(2);
    EXPECT_EQ(log, (std::vector<std::string>{"first C1", "second C1", "first tip1 fork0", "second tip1 fork0",
                                             "first C2", "second C2", "first tip2 fork1", "second tip2 fork1"}));
    EXPECT_FALSE(tc.chain().initial_block_download());

    // invalidateblock: disconnections in reverse registration order, and no tip update
    // (nothing was connected).
    log.clear();
    const BlockIndex* b2 = tc.chain().tip();
    ValidationState state;
    ASSERT_TRUE(tc.chain().invalidate_block(b2->hash, state));
    EXPECT_EQ(log, (std::vector<std::string>{"second D2", "first D2"}));

    // A two-block branch from height 1 replaces nothing yet (same work), then wins: one
    // tip update for the whole reorganisation, from the fork point.
    log.clear();
    const Block f2 = tc.mine_on(tc.chain().at_height(1), {}, -1);
    EXPECT_EQ(log, (std::vector<std::string>{"first C2", "second C2", "first tip2 fork1", "second tip2 fork1"}));
    log.clear();
    ASSERT_TRUE(tc.chain().reconsider_block(b2->hash, state));  // b2 is back, same work as f2: no change
    EXPECT_TRUE(log.empty());
    tc.mine_on(tc.chain().lookup(f2.hash()), {}, -1);
    EXPECT_EQ(log, (std::vector<std::string>{"first C3", "second C3", "first tip3 fork2", "second tip3 fork2"}));
}

TEST(ChainEvents, InitialBlockDownloadLatches) {
    TestChain tc("ibd", 1700000000);
    EXPECT_TRUE(tc.chain().initial_block_download());  // regtest genesis is from 2011
    tc.mine_blocks(1);
    EXPECT_FALSE(tc.chain().initial_block_download());
    tc.advance(7 * 24 * 3600);  // an old tip does not bring it back
    EXPECT_FALSE(tc.chain().initial_block_download());
}

// Loading blocks from files (-loadblock, -reindex) counts as initial block download, as
// Core's LoadingBlocks(), until the state has latched to false.
TEST(ChainEvents, LoadingBlocksIsInitialBlockDownload) {
    TestChain tc("loading", 1700000000);
    tc.chain().set_loading_blocks(true);
    std::vector<bool> seen;
    Chainstate::Listener l;
    l.connected = [&seen](const Block&, const BlockIndex*, const Chainstate::View& v) {
        seen.push_back(v.initial_block_download());
    };
    tc.chain().add_listener(std::move(l));
    tc.mine_blocks(2);  // recent blocks: without the import they would end it
    EXPECT_TRUE(tc.chain().initial_block_download());
    EXPECT_EQ(seen, (std::vector<bool>{true, true}));
    tc.chain().set_loading_blocks(false);
    EXPECT_FALSE(tc.chain().initial_block_download());
    tc.chain().set_loading_blocks(true);  // latched: a later import changes nothing
    EXPECT_FALSE(tc.chain().initial_block_download());
}

// While catching up the mempool skips its per-block work only when it has nothing a
// block could change: what it holds still leaves when confirmed, and nothing is
// tracked for fee estimates (Core's IsCurrentForFeeEstimation).
TEST(ChainEvents, MempoolFollowsBlocksWhileLoading) {
    TestChain tc("loading-mempool", 1700000000);
    tc.chain().set_loading_blocks(true);
    tc.mine_blocks(kStartHeight);
    Mempool pool(tc.chain(), MempoolOptions{});
    tc.mine_blocks(1);  // empty pool: nothing to do
    const Transaction tx = tc.spend1(tc.coinbase_utxos(1).at(0), 1000);
    ASSERT_TRUE(pool.accept(tx).accepted);
    tc.mine({tx});
    EXPECT_FALSE(pool.contains(tx.txid()));
    EXPECT_EQ(pool.info().size, 0u);
    EXPECT_TRUE(tc.chain().initial_block_download());
    EXPECT_FALSE(pool.estimate_fee(2).has_value());
}

class MempoolEvents : public ::testing::Test {
protected:
    void SetUp() override {
        tc_ = std::make_unique<TestChain>(::testing::UnitTest::GetInstance()->current_test_info()->name());
        tc_->mine_blocks(kStartHeight);
        pool_ = std::make_unique<Mempool>(tc_->chain(), MempoolOptions{});
        pool_->on_event([this](const MempoolEvent& e) {
            events_.push_back(kind(e) + " " + e.txid.to_hex().substr(0, 8) + " " + std::to_string(e.sequence));
        });
        for (int h = 1; h <= 10; ++h)
            for (const Utxo& u : tc_->coinbase_utxos(h)) coins_.push_back(u);
    }
    void TearDown() override {
        pool_.reset();
        tc_.reset();
    }
    std::string ev(const char* kind, const Transaction& tx, uint64_t seq) {
        return std::string(kind) + " " + tx.txid().to_hex().substr(0, 8) + " " + std::to_string(seq);
    }
    Utxo coin() { return coins_.at(next_++); }

    std::unique_ptr<TestChain> tc_;
    std::unique_ptr<Mempool> pool_;
    std::vector<std::string> events_;
    std::vector<Utxo> coins_;
    size_t next_ = 0;
};

TEST_F(MempoolEvents, NumberedAdditionsAndRemovals) {
    EXPECT_EQ(pool_->sequence(), 1u);
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 1000, 1);
    const Transaction a2 = tc_->spend1(u, 5000, 2);  // replaces a
    const Transaction b = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(pool_->accept(a).accepted);
    ASSERT_TRUE(pool_->accept(b).accepted);
    // A package test inserts and takes out again: no change, no number.
    pool_->test_accept_package({tc_->spend1(coin(), 1000), tc_->spend1(coin(), 1000)});
    ASSERT_TRUE(pool_->accept(a2).accepted);
    EXPECT_EQ(events_, (std::vector<std::string>{ev("A", a, 1), ev("A", b, 2), ev("replaced", a, 3), ev("A", a2, 4)}));
    const auto [txids, seq] = pool_->txids_and_sequence();
    EXPECT_EQ(txids.size(), 2u);
    EXPECT_EQ(seq, 5u);

    // A block confirming b and conflicting a2 (with a spend of the same coin).
    events_.clear();
    const Transaction a3 = tc_->spend1(u, 3000, 3);
    const Block block = tc_->mine({b, a3});
    EXPECT_EQ(events_, (std::vector<std::string>{ev("block", b, 5), ev("conflict", a2, 6)}));
    EXPECT_EQ(pool_->sequence(), 7u);

    // Disconnected: its transactions come back, as additions.
    events_.clear();
    ValidationState state;
    ASSERT_TRUE(tc_->chain().invalidate_block(block.hash(), state));
    EXPECT_EQ(events_, (std::vector<std::string>{ev("A", b, 7), ev("A", a3, 8)}));
}

TEST_F(MempoolEvents, PackageAdditionsAreNumbered) {
    // A zero-fee parent entering with its child (submit_package): one addition each, parent
    // first; the parent's failed try alone changes nothing.
    const Transaction p = tc_->spend1(coin(), 0);
    const Transaction c = tc_->spend1(tc_->outputs_of(p)[0], 5000);
    const PackageResult r = pool_->submit_package({p, c});
    ASSERT_EQ(r.package_msg, "");
    EXPECT_EQ(events_, (std::vector<std::string>{ev("A", p, 1), ev("A", c, 2)}));
    EXPECT_EQ(pool_->sequence(), 3u);
    // Submitted again: both already known, nothing numbered.
    ASSERT_EQ(pool_->submit_package({p, c}).package_msg, "");
    EXPECT_EQ(pool_->sequence(), 3u);
}

}  // namespace
}  // namespace minicash::test
