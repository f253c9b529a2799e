// -reindex and -reindex-chainstate in the chain state (node/reindex.h): the block index
// and the UTXO set rebuilt from the node's own block files, blocks stored out of order,
// a reindex that did not finish, and a damaged block file.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "node/reindex.h"
#include "test/node/assume_valid_chain.h"
#include "test/util/temp_dir.h"

namespace minicash::test {
namespace {

namespace fs = std::filesystem;

// 101 valid blocks (those below the assumevalid chains' bad block).
constexpr int kHeight = kAssumeValidBadHeight - 1;

std::unique_ptr<Chainstate> open(const fs::path& dir, Reindex reindex = Reindex::NONE) {
    ChainstateOptions o;
    o.datadir = dir;
    o.dbcache_bytes = size_t(8) << 20;
    o.script_threads = 1;
    o.reindex = reindex;
    std::string error;
    auto cs = Chainstate::open(make_chain_params(Network::REGTEST), o, &error);
    EXPECT_TRUE(cs) << error;
    return cs;
}

// A data directory holding blocks 1..kHeight; headers first, then the blocks with each
// pair after the first swapped, so children lie before their parents in blk00000.dat.
UtxoStats populate(const fs::path& dir) {
    const std::vector<Block>& blocks = assume_valid_chains().main;
    auto cs = open(dir);
    for (int i = 0; i < kHeight; ++i) {
        ValidationState state;
        EXPECT_TRUE(cs->process_header(blocks[size_t(i)].header, state));
    }
    for (int i = 0; i < kHeight; ++i) {
        const int j = i == 0 ? 0 : (i % 2 == 1 ? std::min(i + 1, kHeight - 1) : i - 1);
        ValidationState state;
        EXPECT_TRUE(cs->process_block(blocks[size_t(j)], state)) << state.to_string();
    }
    EXPECT_EQ(cs->height(), kHeight);
    return cs->utxo_stats();
}

TEST(Reindex, RebuildsIndexAndUtxoSetFromBlockFiles) {
    TempDir dir("reindex");
    const UtxoStats before = populate(dir.path());
    const uintmax_t blk_size = fs::file_size(dir.path() / "blocks/blk00000.dat");
    {
        auto cs = open(dir.path(), Reindex::BLOCKS);
        ASSERT_TRUE(cs);
        EXPECT_TRUE(cs->reindex_pending());
        EXPECT_EQ(cs->height(), 0);
        EXPECT_FALSE(fs::exists(dir.path() / "blocks/rev00000.dat"));
        const ReindexResult r = reindex_block_files(*cs, [] { return false; });
        EXPECT_TRUE(r.complete) << r.error;
        EXPECT_EQ(r.files, 1);
        EXPECT_EQ(cs->height(), kHeight);
        EXPECT_FALSE(cs->reindex_pending());
        EXPECT_EQ(cs->utxo_stats().hash_serialized_3, before.hash_serialized_3);
    }
    // Nothing was written again but undo data; a normal start sees the same state.
    EXPECT_EQ(fs::file_size(dir.path() / "blocks/blk00000.dat"), blk_size);
    EXPECT_TRUE(fs::exists(dir.path() / "blocks/rev00000.dat"));
    auto cs = open(dir.path());
    ASSERT_TRUE(cs);
    EXPECT_FALSE(cs->reindex_pending());
    EXPECT_EQ(cs->height(), kHeight);
    EXPECT_EQ(cs->utxo_stats().hash_serialized_3, before.hash_serialized_3);
}

TEST(Reindex, UnfinishedReindexStartsAgain) {
    TempDir dir("reindex-again");
    const UtxoStats before = populate(dir.path());
    {
        auto cs = open(dir.path(), Reindex::BLOCKS);
        ASSERT_TRUE(cs);
        // Interrupted at once: nothing more than genesis.
        const ReindexResult r = reindex_block_files(*cs, [] { return true; });
        EXPECT_TRUE(r.interrupted);
        EXPECT_FALSE(r.complete);
    }
    auto cs = open(dir.path());  // no -reindex: the pending one is done now
    ASSERT_TRUE(cs);
    ASSERT_TRUE(cs->reindex_pending());
    const ReindexResult r = reindex_block_files(*cs, [] { return false; });
    EXPECT_TRUE(r.complete) << r.error;
    EXPECT_EQ(cs->utxo_stats().hash_serialized_3, before.hash_serialized_3);
}

TEST(Reindex, EmptyIndexBesideStoredBlocksIsReindexed) {
    TempDir dir("reindex-empty");
    const UtxoStats before = populate(dir.path());
    fs::remove_all(dir.path() / "blocks/index");
    auto cs = open(dir.path());
    ASSERT_TRUE(cs);
    ASSERT_TRUE(cs->reindex_pending());
    EXPECT_TRUE(reindex_block_files(*cs, [] { return false; }).complete);
    EXPECT_EQ(cs->utxo_stats().hash_serialized_3, before.hash_serialized_3);
}

TEST(Reindex, DamagedBlockFileStopsWithFileAndOffset) {
    TempDir dir("reindex-damaged");
    populate(dir.path());
    const fs::path blk = dir.path() / "blocks/blk00000.dat";
    // Overwrite the magic of the third record (genesis, then blocks 1 and 2 in file order).
    uint64_t offset = 0;
    {
        std::ifstream in(blk, std::ios::binary);
        for (int r = 0; r < 2; ++r) {
            uint8_t header[8];
            in.seekg(std::streamoff(offset));
            in.read(reinterpret_cast<char*>(header), 8);
            const uint32_t len =
                uint32_t(header[4]) | uint32_t(header[5]) << 8 | uint32_t(header[6]) << 16 | uint32_t(header[7]) << 24;
            offset += 8 + len;
        }
    }
    {
        std::fstream f(blk, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(std::streamoff(offset));
        f.write("XXXX", 4);
    }
    auto cs = open(dir.path(), Reindex::BLOCKS);
    ASSERT_TRUE(cs);
    const ReindexResult r = reindex_block_files(*cs, [] { return false; });
    EXPECT_FALSE(r.complete);
    EXPECT_NE(r.error.find("corrupt block file " + blk.string() + " at offset " + std::to_string(offset)),
              std::string::npos)
        << r.error;
    EXPECT_TRUE(cs->reindex_pending());
}

TEST(Reindex, ChainstateOnly) {
    TempDir dir("reindex-chainstate");
    const UtxoStats before = populate(dir.path());
    auto cs = open(dir.path(), Reindex::CHAINSTATE);
    ASSERT_TRUE(cs);
    EXPECT_FALSE(cs->reindex_pending());
    EXPECT_EQ(cs->height(), kHeight);
    EXPECT_EQ(cs->utxo_stats().hash_serialized_3, before.hash_serialized_3);
}

}  // namespace
}  // namespace minicash::test
