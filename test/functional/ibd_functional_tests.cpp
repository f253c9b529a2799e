// Initial sync features of minicashd as a process: -assumevalid (headers first through
// submitheader, then blocks through submitblock, as feature_assumevalid.py feeds them
// over P2P), and -reindex / -reindex-chainstate.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "consensus/params.h"
#include "test/node/assume_valid_chain.h"
#include "test/util/op_true.h"
#include "test/util/test_node.h"
#include "test/util/wait_until.h"
#include "util/hex.h"

namespace minicash::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void submit_headers(TestNode& node, const std::vector<Block>& blocks) {
    for (const Block& b : blocks) node.rpc("submitheader", json::array{hex_encode(b.header.serialize())});
}

// submitblock's answer for each block, stopping after the first that is not null.
std::string submit_blocks(TestNode& node, const std::vector<Block>& blocks, int count) {
    for (int i = 0; i < count; ++i) {
        const json::value r = node.rpc("submitblock", json::array{hex_encode(blocks[size_t(i)].serialize())});
        if (!r.is_null()) return json::value_to<std::string>(r);
    }
    return "";
}

TEST(AssumeValidProcess, SkipsOnlyBelowTheAssumedBlockInTheBestHeaderChain) {
    const AssumeValidChains& c = assume_valid_chains();
    const std::string main_tip = c.main.back().hash().to_hex();
    constexpr int kBad = kAssumeValidBadHeight;

    // The assumed-valid block heads the best header chain: block 102's bad signature is
    // not looked at, and the node says so.
    TestNode skipping("skipping");
    skipping.start({"-assumevalid=" + main_tip});
    submit_headers(skipping, c.main);
    EXPECT_EQ(submit_blocks(skipping, c.main, kBad + 1), "");
    EXPECT_EQ(skipping.height(), kBad + 1);
    const json::value info = skipping.rpc("getblockchaininfo");
    EXPECT_EQ(info.at("headers").as_int64(), int64_t(c.main.size()));
    EXPECT_EQ(info.at("assumevalid").at("blockhash"), json::value(main_tip));
    EXPECT_EQ(info.at("assumevalid").at("in_force"), json::value(true));
    EXPECT_EQ(info.at("assumevalid").at("skipped_blocks").as_int64(), kBad + 1);
    EXPECT_TRUE(contains(skipping.log(), "Assuming ancestors of block " + main_tip + " have valid signatures."));
    EXPECT_TRUE(contains(skipping.log(), "Disabling script verification at block #1 ("));

    // The same chain with -assumevalid=0, and with the assumed-valid block on a branch
    // that is not the best header chain: rejected exactly as without assumevalid.
    for (const bool side : {false, true}) {
        SCOPED_TRACE(side ? "assumed block not in the best header chain" : "-assumevalid=0");
        TestNode node(side ? "side" : "disabled");
        node.start({"-assumevalid=" + (side ? main_tip : std::string("0"))});
        submit_headers(node, c.main);
        if (side) submit_headers(node, c.branch);
        EXPECT_TRUE(contains(submit_blocks(node, c.main, kBad), "block-script-verify-flag-failed"));
        EXPECT_EQ(node.height(), kBad - 1);
        const json::value av = node.rpc("getblockchaininfo").at("assumevalid");
        EXPECT_EQ(av.at("in_force"), json::value(false));
        EXPECT_EQ(av.as_object().contains("blockhash"), side);
        if (side) {
            // Blocks 1-101 are ancestors of both branches: skipped; 102 is checked.
            EXPECT_EQ(av.at("skipped_blocks").as_int64(), kBad - 1);
            EXPECT_TRUE(contains(node.log(), "Enabling script verification at block #102 (" +
                                                 c.main[kBad - 1].hash().to_hex() +
                                                 "): block not in best header chain."));
        } else {
            EXPECT_EQ(av.at("skipped_blocks").as_int64(), 0);
            EXPECT_TRUE(contains(node.log(), "Validating signatures for all blocks."));
        }
    }
}

TEST(AssumeValidProcess, RejectsAMalformedHash) {
    TestNode node("badhash");
    EXPECT_THROW(node.start({"-assumevalid=xyz"}, std::chrono::seconds(20)), std::runtime_error);
    EXPECT_TRUE(
        contains(node.log(), "Invalid assumevalid block hash specified (xyz), please provide a valid hex string"))
        << node.log_tail();
}

// The node finished loading blocks (a reindex included) at `height`: the import ended,
// so initial block download is over for a chain whose tip is recent.
bool loaded(TestNode& node, int64_t height) {
    const json::value info = node.rpc("getblockchaininfo");
    return info.at("blocks").as_int64() == height && !info.at("initialblockdownload").as_bool();
}

// SIGKILL at spread-out points of a -reindex; every restart (without -reindex) must end
// with the UTXO set the node had before, whether the reindex starts again or had ended.
TEST(ReindexProcess, KillLoopEndsWithTheSameUtxoSet) {
    const AssumeValidChains& c = assume_valid_chains();
    constexpr int kOld = kAssumeValidBadHeight - 1;  // valid blocks of the assumevalid chain
    NodeOptions options;
    options.args = {"-dbflushinterval=3", "-assumevalid=0"};  // frequent flushes: more states to kill in
    TestNode node("reindex", options);
    node.start();
    // Headers first, then blocks in swapped pairs: children lie before parents on disk.
    submit_headers(node, std::vector<Block>(c.main.begin(), c.main.begin() + kOld));
    for (int i = 0; i < kOld; ++i) {
        const int j = i == 0 ? 0 : (i % 2 == 1 ? std::min(i + 1, kOld - 1) : i - 1);
        node.rpc("submitblock", json::array{hex_encode(c.main[size_t(j)].serialize())});
    }
    node.mine(120, op_true_address());
    const json::value want = node.rpc("gettxoutsetinfo");
    const int64_t height = want.at("height").as_int64();
    ASSERT_EQ(height, kOld + 120);
    ASSERT_EQ(node.stop(), 0);

    // One uninterrupted reindex: its duration spreads the kill points.
    const auto t0 = std::chrono::steady_clock::now();
    node.start({"-reindex"});
    ASSERT_TRUE(wait_until([&] { return loaded(node, height); }, 120s, 10ms)) << node.log_tail();
    const double full_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(node.rpc("gettxoutsetinfo").at("hash_serialized_3"), want.at("hash_serialized_3"));
    EXPECT_TRUE(contains(node.log(), "reindex: done"));
    ASSERT_EQ(node.stop(), 0);

    uint64_t seed = std::random_device{}();
    std::cout << "  full reindex " << int(full_ms) << " ms; seed " << seed << "\n";
    RecordProperty("seed", std::to_string(seed));
    std::mt19937_64 rng(seed);
    constexpr int kKills = 5;
    for (int k = 0; k < kKills; ++k) {
        const double lo = 1.2 * full_ms * k / kKills, hi = 1.2 * full_ms * (k + 1) / kKills;
        // The first kill comes as soon as RPC answers, when the reindex has just begun: at
        // least one kill must interrupt it however fast the machine is.
        const auto delay =
            k == 0 ? std::chrono::microseconds(0)
                   : std::chrono::microseconds(int64_t(1000 * std::uniform_real_distribution<double>(lo, hi)(rng)));
        SCOPED_TRACE("kill " + std::to_string(k) + " after " + std::to_string(delay.count() / 1000) + " ms");
        node.start({"-reindex"});
        std::this_thread::sleep_for(delay);
        node.kill_now();
        node.start();
        ASSERT_TRUE(wait_until([&] { return loaded(node, height); }, 120s, 10ms)) << node.log_tail();
        const json::value got = node.rpc("gettxoutsetinfo");
        EXPECT_EQ(got.at("hash_serialized_3"), want.at("hash_serialized_3"));
        EXPECT_EQ(got.at("bestblock"), want.at("bestblock"));
        node.kill_now();  // the next round starts from whatever a crash leaves
    }
    // The earliest kills land while the reindex runs (it starts after RPC answers).
    size_t restarted = 0;
    const std::string log = node.log();
    for (size_t at = 0; (at = log.find("the last reindex did not finish", at)) != std::string::npos; ++at) ++restarted;
    std::cout << "  " << restarted << " of " << kKills << " kills interrupted a reindex\n";
    EXPECT_GE(restarted, 1u);
}

TEST(ReindexProcess, ChainstateOnlyAndDamagedBlockFile) {
    TestNode node("reindex-damaged");
    node.start();
    node.mine(30, op_true_address());
    const json::value want = node.rpc("gettxoutsetinfo");
    ASSERT_EQ(node.stop(), 0);

    node.start({"-reindex-chainstate"});
    ASSERT_TRUE(wait_until([&] { return loaded(node, 30); }, 60s)) << node.log_tail();
    EXPECT_EQ(node.rpc("gettxoutsetinfo").at("hash_serialized_3"), want.at("hash_serialized_3"));
    EXPECT_TRUE(contains(node.log(), "reindex-chainstate: rebuilding the UTXO set"));
    ASSERT_EQ(node.stop(), 0);

    // The second record (block 1) loses its magic.
    const fs::path blk = node.netdir() / "blocks" / "blk00000.dat";
    const uint64_t offset = 8 + make_chain_params(Network::REGTEST).genesis.serialize().size();
    {
        std::fstream f(blk, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(std::streamoff(offset));
        f.write("XXXX", 4);
    }
    int code = -1;
    try {
        node.start({"-reindex"});
        code = node.wait_exit(60s);
    } catch (const std::runtime_error& e) {  // it may stop before RPC answers
        code = contains(e.what(), "exited during start-up (status 1)") ? 1 : -2;
    }
    EXPECT_EQ(code, 1);
    EXPECT_TRUE(contains(node.log(), "reindex stopped: corrupt block file " + blk.string() + " at offset " +
                                         std::to_string(offset) + ": no network magic"))
        << node.log_tail();
}

}  // namespace
}  // namespace minicash::test
