// Chain selection behaviour of the node layer on the regtest vectors: ties, reorgs,
// invalidateblock/reconsiderblock and chain tips.
#include <gtest/gtest.h>

#include "test/node/chain_test_util.h"
#include "test/util/vectors.h"

using namespace minicash;
using namespace minicash::test;

namespace {

struct RegtestChain {
    std::vector<Block> a, b;  // chain-a (1..450), fork-b (431..455)
    std::map<std::string, Stats> reference;
};

const RegtestChain& regtest_chain(const std::filesystem::path& vectors) {
    static const RegtestChain chain = [&] {
        RegtestChain c;
        c.a = read_blocks(vectors / "chain/regtest/chain-a.blk");
        c.b = read_blocks(vectors / "chain/regtest/fork-b.blk");
        c.reference = reference_stats(vectors);
        return c;
    }();
    return chain;
}

void feed(Chainstate& cs, const std::vector<Block>& blocks, size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
        ValidationState state;
        ASSERT_TRUE(cs.process_block(blocks[i], state)) << "block " << i << ": " << state.to_string();
    }
}

Stats stats_of(Chainstate& cs) { return to_stats(cs.utxo_stats()); }

}  // namespace

TEST(Chainstate, EqualWorkKeepsFirstSeenThenMoreWorkReorganises) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const RegtestChain& rc = regtest_chain(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("cs-tie");
    auto cs = open_chainstate(params, dir.path());
    feed(*cs, rc.a, 0, rc.a.size());
    const uint256 tip_a = cs->tip()->hash;
    // fork-b up to height 450 has exactly chain-a's work: the first-seen tip stays.
    feed(*cs, rc.b, 0, 20);
    EXPECT_EQ(cs->tip()->hash, tip_a);
    EXPECT_EQ(cs->height(), 450);
    // Block 451 gives fork-b more work: 20 blocks disconnected, 21 connected.
    feed(*cs, rc.b, 20, 21);
    EXPECT_EQ(cs->height(), 451);
    EXPECT_EQ(cs->tip()->hash, rc.b[20].hash());
    feed(*cs, rc.b, 21, rc.b.size());
    EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.b.back().hash().to_hex()));

    // The abandoned chain-a tip is a valid fork of length 20.
    bool found = false;
    for (const ChainTip& t : cs->chain_tips()) {
        if (t.block->hash == tip_a) {
            found = true;
            EXPECT_EQ(t.status, "valid-fork");
            EXPECT_EQ(t.branch_length, 20);
        }
        if (t.block == cs->tip()) { EXPECT_EQ(t.status, "active"); }
    }
    EXPECT_TRUE(found);
}

TEST(Chainstate, InvalidateAndReconsider) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const RegtestChain& rc = regtest_chain(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("cs-invalidate");
    auto cs = open_chainstate(params, dir.path());
    feed(*cs, rc.a, 0, rc.a.size());
    const Stats at_450 = stats_of(*cs);

    // Invalidating block 440 moves the tip to 439 with exactly the UTXO set it had there.
    ValidationState state;
    const uint256 h440 = rc.a[439].hash();
    ASSERT_TRUE(cs->invalidate_block(h440, state)) << state.to_string();
    EXPECT_EQ(cs->height(), 439);
    EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.a[438].hash().to_hex()));
    // The block and its descendants are refused while marked.
    ValidationState again;
    EXPECT_FALSE(cs->process_block(rc.a[445], again));
    EXPECT_EQ(again.reason(), "duplicate-invalid");

    // With fork-b present, the best valid chain is now fork-b (it forks at 430).
    feed(*cs, rc.b, 0, rc.b.size());
    EXPECT_EQ(cs->tip()->hash, rc.b.back().hash());

    // Reconsidering restores chain-a's blocks as candidates; fork-b still has more work.
    ValidationState rs;
    ASSERT_TRUE(cs->reconsider_block(h440, rs)) << rs.to_string();
    EXPECT_EQ(cs->tip()->hash, rc.b.back().hash());
    // Invalidating fork-b's first block sends the tip back to chain-a's 450.
    ValidationState is;
    ASSERT_TRUE(cs->invalidate_block(rc.b[0].hash(), is));
    EXPECT_EQ(stats_of(*cs), at_450);
    EXPECT_EQ(cs->tip()->hash, rc.a.back().hash());
}

TEST(Chainstate, StatePersistsAcrossReopen) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const RegtestChain& rc = regtest_chain(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    TempDir dir("cs-reopen");
    {
        auto cs = open_chainstate(params, dir.path());
        feed(*cs, rc.a, 0, 300);
    }
    auto cs = open_chainstate(params, dir.path());
    EXPECT_EQ(cs->height(), 300);
    EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.a[299].hash().to_hex()));
    // Known blocks are recognised after the restart; the rest connects.
    bool is_new = true;
    ValidationState state;
    EXPECT_TRUE(cs->process_block(rc.a[10], state, &is_new));
    EXPECT_FALSE(is_new);
    feed(*cs, rc.a, 300, rc.a.size());
    EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.a.back().hash().to_hex()));
}

// A block or undo write that fails (a full disk) is never counted: the tip and the UTXO
// set stay on the blocks fully written, the chain state stops, and a reopen keeps every
// block whose data reached the blk file. Several limits, so that both the block write
// and the undo write are the one cut short.
TEST(Chainstate, FailedWriteIsNotCountedAndStopsTheChainState) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const RegtestChain& rc = regtest_chain(vectors);
    const ChainParams params = make_chain_params(Network::REGTEST);
    for (const uint64_t limit : {30000u, 45123u, 60001u}) {
        SCOPED_TRACE("write limit " + std::to_string(limit));
        TempDir dir("cs-diskfull");
        int fatal_calls = 0;
        int height = -1;
        {
            ChainstateOptions o;
            o.datadir = dir.path();
            o.dbcache_bytes = size_t(64) << 20;
            o.test_block_write_limit = limit;
            o.on_fatal_error = [&](const std::string&) { ++fatal_calls; };
            std::string error;
            auto cs = Chainstate::open(params, o, &error);
            ASSERT_TRUE(cs) << error;
            size_t failed_at = rc.a.size();
            for (size_t i = 0; i < rc.a.size(); ++i) {
                ValidationState state;
                try {
                    ASSERT_TRUE(cs->process_block(rc.a[i], state)) << state.to_string();
                } catch (const StorageError&) {
                    failed_at = i;
                    break;
                }
            }
            ASSERT_LT(failed_at, rc.a.size()) << "the limit was never reached";
            height = cs->height();
            EXPECT_EQ(height, int(failed_at)) << "the block whose write failed is not connected";
            EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.a[failed_at - 1].hash().to_hex()))
                << "the UTXO set is the tip's";
            EXPECT_TRUE(cs->fatal_error());
            ValidationState state;
            EXPECT_THROW((void)cs->process_block(rc.a[failed_at], state), StorageError) << "stopped";
            EXPECT_EQ(fatal_calls, 1);
        }
        auto cs = open_chainstate(params, dir.path());
        EXPECT_GE(cs->height(), height);
        EXPECT_EQ(stats_of(*cs), rc.reference.at(cs->tip()->hash.to_hex()));
        feed(*cs, rc.a, size_t(cs->height()), rc.a.size());
        EXPECT_EQ(stats_of(*cs), rc.reference.at(rc.a.back().hash().to_hex()));
    }
}
