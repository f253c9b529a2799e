// Pruning (node/prune.h, Chainstate::prune_manual / start_pruning): which blk/rev file
// pairs go (the 288 rule, the current file, the target, the indexes' prune locks), what
// the block index says afterwards, and the restart rules.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "node/prune.h"
#include "test/node/mempool_test_util.h"

namespace minicash::test {
namespace {

namespace fs = std::filesystem;

std::vector<BlockFileUsage> files_of(const std::vector<int>& height_last, uint64_t bytes = 1000) {
    std::vector<BlockFileUsage> out;
    for (size_t i = 0; i < height_last.size(); ++i) out.push_back(BlockFileUsage{int(i), bytes, height_last[i]});
    return out;
}

TEST(PruneSelection, LastPrunableHeightKeeps288AndIndexLocks) {
    EXPECT_EQ(last_prunable_height(1000, {}), 1000 - 288);
    EXPECT_EQ(last_prunable_height(100, {}), -1);  // a short chain: nothing
    // An index at height 500 needs everything above 500 - 10 - 1.
    EXPECT_EQ(last_prunable_height(1000, {500}), 489);
    EXPECT_EQ(last_prunable_height(1000, {900, 500}), 489);
    EXPECT_EQ(last_prunable_height(1000, {-1}), 1);     // an index that has indexed nothing yet
    EXPECT_EQ(last_prunable_height(1000, {995}), 712);  // the 288 rule is the lower one
}

TEST(PruneSelection, AutomaticOldestFirstUntilBelowTarget) {
    // Files 0..4 of 1000 bytes each (5000 in all), file 4 being written.
    const auto files = files_of({99, 199, 299, 399, 499});
    // Below the target (with the buffer): nothing.
    EXPECT_TRUE(select_files_to_prune(files, 4, 5000, 6000, 500, 1000).empty());
    // 5000 + 500 >= 4000: files go oldest first until usage + buffer < 4000 (two files).
    EXPECT_EQ(select_files_to_prune(files, 4, 5000, 4000, 500, 1000), (std::vector<int>{0, 1}));
    // The 288 rule (last prunable height 250) keeps file 2 and later.
    EXPECT_EQ(select_files_to_prune(files, 4, 5000, 100, 0, 250), (std::vector<int>{0, 1}));
    // The file being written never goes, whatever the heights.
    EXPECT_EQ(select_files_to_prune(files, 4, 5000, 100, 0, 100000), (std::vector<int>{0, 1, 2, 3}));
    // A file holding a block above the limit is skipped, later ones are still considered.
    EXPECT_EQ(select_files_to_prune(files_of({99, 900, 299, 399, 499}), 4, 5000, 100, 0, 400),
              (std::vector<int>{0, 2, 3}));
    // Empty files are not counted as pruned.
    auto with_empty = files;
    with_empty[0].bytes = 0;
    EXPECT_EQ(select_files_to_prune(with_empty, 4, 4000, 3500, 0, 1000), (std::vector<int>{1}));
    // No target: automatic pruning is off.
    EXPECT_TRUE(select_files_to_prune(files, 4, 5000, 0, 0, 1000).empty());
}

TEST(PruneSelection, ManualTakesEveryEligibleFile) {
    const auto files = files_of({99, 199, 299, 399, 499});
    EXPECT_EQ(select_files_to_prune_manual(files, 4, 250), (std::vector<int>{0, 1}));
    EXPECT_EQ(select_files_to_prune_manual(files, 4, 199), (std::vector<int>{0, 1}));
    EXPECT_EQ(select_files_to_prune_manual(files, 4, 198), (std::vector<int>{0}));
    EXPECT_TRUE(select_files_to_prune_manual(files, 4, -1).empty());
    EXPECT_EQ(select_files_to_prune_manual(files, 2, 100000), (std::vector<int>{0, 1}));
}

TEST(PruneSelection, PruneAfterHeightAndBuffer) {
    EXPECT_EQ(prune_after_height(Network::MAIN, false), 100000);
    EXPECT_EQ(prune_after_height(Network::REGTEST, false), 1000);
    EXPECT_EQ(prune_after_height(Network::REGTEST, true), 100);
    EXPECT_EQ(prune_after_height(Network::SIGNET, false), 1000);
    EXPECT_EQ(prune_buffer(kMinPruneTargetBytes, false, false), uint64_t(17) << 20);
    EXPECT_EQ(prune_buffer(kMinPruneTargetBytes, false, true), (uint64_t(17) << 20) + kMinPruneTargetBytes / 10);
    EXPECT_EQ(prune_buffer(1 << 20, true, false), kFastPruneFileSize);
}

int blk_files(const fs::path& dir) {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir / "blocks"))
        if (e.path().filename().string().starts_with("blk")) ++n;
    return n;
}

uint64_t blocks_usage(const fs::path& dir) {
    uint64_t total = 0;
    for (const auto& e : fs::directory_iterator(dir / "blocks")) {
        const std::string name = e.path().filename().string();
        if (name.starts_with("blk") || name.starts_with("rev")) total += fs::file_size(e.path());
    }
    return total;
}

// Every block above `from` on the active chain still has its data and can be read.
void expect_stored_from(Chainstate& cs, int from) {
    for (int h = std::max(from, 0); h <= cs.height(); ++h) {
        const BlockIndex* b = cs.at_height(h);
        ASSERT_TRUE(b);
        EXPECT_TRUE(cs.read_block(b)) << "height " << h;
        EXPECT_FALSE(cs.is_block_pruned(b)) << "height " << h;
    }
}

TEST(Prune, ManualDeletesWholeFilesBelowTheHeightAndKeeps288) {
    TestChain tc("prune-manual", 1700000000, [](ChainstateOptions& o) {
        o.prune_target = kPruneTargetManual;
        o.fast_prune = true;
    });
    tc.mine_blocks(500);
    const fs::path dir = tc.dir();
    const int files_before = blk_files(dir);
    ASSERT_GE(files_before, 4) << "-fastprune makes 64 KiB block files";
    Chainstate& cs = tc.chain();
    EXPECT_FALSE(cs.prune_status().have_pruned);
    EXPECT_EQ(cs.prune_status().prune_height, std::nullopt);

    // Asking for everything still keeps the last 288 blocks.
    const int pruned_to = cs.prune_manual(500);
    ASSERT_GT(pruned_to, 0);
    EXPECT_LE(pruned_to, 500 - 288);
    EXPECT_LT(blk_files(dir), files_before);
    EXPECT_FALSE(fs::exists(dir / "blocks/blk00000.dat"));
    EXPECT_FALSE(fs::exists(dir / "blocks/rev00000.dat"));
    const PruneStatus st = cs.prune_status();
    EXPECT_TRUE(st.prune_mode);
    EXPECT_TRUE(st.have_pruned);
    EXPECT_EQ(st.prune_height, pruned_to);
    for (int h = 0; h <= pruned_to; ++h) {
        const BlockIndex* b = cs.at_height(h);
        EXPECT_FALSE(cs.read_block(b)) << h;
        EXPECT_TRUE(cs.is_block_pruned(b)) << h;
        EXPECT_FALSE(cs.have_block_data(b->hash)) << h;
    }
    expect_stored_from(cs, pruned_to + 1);
    EXPECT_GE(pruned_to + 1, 0);
    // Calling again changes nothing; the chain goes on.
    EXPECT_EQ(cs.prune_manual(100), pruned_to);
    tc.mine_blocks(5);
    EXPECT_EQ(cs.height(), 505);

    // A restart keeps the state; starting without -prune is refused, as Core does.
    ASSERT_TRUE(tc.reopen());
    EXPECT_EQ(tc.chain().height(), 505);
    EXPECT_EQ(tc.chain().prune_status().prune_height, pruned_to);
    expect_stored_from(tc.chain(), pruned_to + 1);
    // The restarted chain state still extends the chain (its pruned blocks link the tip).
    tc.mine_blocks(3);
    EXPECT_EQ(tc.chain().height(), 508);
}

TEST(Prune, UnprunedStartOnPrunedDataIsRefused) {
    bool prune = true;
    TestChain tc("prune-refuse", 1700000000, [&prune](ChainstateOptions& o) {
        o.prune_target = prune ? kPruneTargetManual : 0;
        o.fast_prune = true;
    });
    tc.mine_blocks(600);
    ASSERT_GT(tc.chain().prune_manual(600), 0);
    prune = false;
    std::string error;
    EXPECT_FALSE(tc.reopen(&error));
    EXPECT_EQ(error,
              "You need to rebuild the database using -reindex to go back to unpruned mode.  This will redownload "
              "the entire blockchain");
    prune = true;
    EXPECT_TRUE(tc.reopen(&error)) << error;
}

TEST(Prune, IndexLocksKeepWhatAnIndexStillNeeds) {
    TestChain tc("prune-lock", 1700000000, [](ChainstateOptions& o) {
        o.prune_target = kPruneTargetManual;
        o.fast_prune = true;
    });
    tc.mine_blocks(500);
    Chainstate& cs = tc.chain();
    cs.prune_locks().set("test index", 60);  // needs the blocks above 49
    const int pruned_to = cs.prune_manual(500);
    EXPECT_LE(pruned_to, 49);
    expect_stored_from(cs, 50);
    cs.prune_locks().remove("test index");
    EXPECT_GT(cs.prune_manual(500), pruned_to);
}

TEST(Prune, AutomaticKeepsTheDiskNearTheTarget) {
    constexpr uint64_t kTarget = 200 << 10;
    TestChain tc("prune-auto", 1700000000, [](ChainstateOptions& o) {
        o.prune_target = kTarget;
        o.fast_prune = true;
    });
    Chainstate& cs = tc.chain();
    cs.start_pruning();
    tc.mine_blocks(150);
    EXPECT_FALSE(cs.prune_status().have_pruned);  // nothing may go yet (288 rule)
    tc.mine_blocks(850);
    const PruneStatus st = cs.prune_status();
    EXPECT_TRUE(st.have_pruned);
    ASSERT_TRUE(st.prune_height);
    EXPECT_LE(*st.prune_height, 1000 - 288);
    expect_stored_from(cs, 1000 - 288);
    // The last 288 blocks with their undo data, the file being written and one file of
    // slack (pruning runs when a file is started and every 32 blocks).
    uint64_t kept = 0;
    for (const auto& e : fs::directory_iterator(tc.dir() / "blocks")) {
        const std::string name = e.path().filename().string();
        if (name.starts_with("blk") || name.starts_with("rev")) kept += fs::file_size(e.path());
    }
    EXPECT_EQ(kept, blocks_usage(tc.dir()));
    EXPECT_LT(kept, std::max<uint64_t>(kTarget, 2 * 288 * 500) + 2 * kFastPruneFileSize);
    ASSERT_TRUE(tc.reopen());
    EXPECT_EQ(tc.chain().height(), 1000);
    expect_stored_from(tc.chain(), 1000 - 288);
    tc.mine_blocks(3);
    EXPECT_EQ(tc.chain().height(), 1003);
}

}  // namespace
}  // namespace minicash::test
