// assumevalid (node/assume_valid.h): a block's scripts go unverified only under all of
// Core's conditions, and every other check of the block still runs (the chains are
// test/node/assume_valid_chain.h's).

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/assume_valid.h"
#include "node/chainstate.h"
#include "test/node/assume_valid_chain.h"
#include "test/node/mempool_test_util.h"
#include "test/util/temp_dir.h"

namespace minicash::test {
namespace {

constexpr int kBadHeight = kAssumeValidBadHeight;

struct Outcome {
    int tip_height = -1;
    std::string reason;  // of the first rejected block
    AssumeValidStatus status;
};

// A fresh chain state with -assumevalid=`assume_valid` learns `headers`, then gets
// `blocks` in order.
Outcome run(const std::string& tag, const std::optional<uint256>& assume_valid,
            const std::vector<const Block*>& headers, const std::vector<const Block*>& blocks,
            const uint256& minimum_chain_work = uint256()) {
    TempDir dir("assumevalid-" + tag);
    ChainParams params = make_chain_params(Network::REGTEST);
    params.consensus.minimum_chain_work = minimum_chain_work;
    ChainstateOptions o;
    o.datadir = dir.path();
    o.dbcache_bytes = size_t(16) << 20;
    o.script_threads = 1;
    o.assume_valid = assume_valid;
    std::string error;
    auto cs = Chainstate::open(params, o, &error);
    EXPECT_TRUE(cs) << error;
    Outcome r;
    if (!cs) return r;
    for (const Block* b : headers) {
        ValidationState state;
        EXPECT_TRUE(cs->process_header(b->header, state)) << state.to_string();
    }
    for (const Block* b : blocks) {
        ValidationState state;
        if (!cs->process_block(*b, state) && r.reason.empty()) r.reason = state.to_string();
    }
    r.tip_height = cs->height();
    r.status = cs->assume_valid();
    return r;
}

std::vector<const Block*> range(const std::vector<Block>& v, size_t from, size_t to) {
    std::vector<const Block*> out;
    for (size_t i = from; i < to && i < v.size(); ++i) out.push_back(&v[i]);
    return out;
}

std::vector<const Block*> concat(std::vector<const Block*> a, const std::vector<const Block*>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

TEST(AssumeValid, DisabledVerifiesEveryScript) {
    const AssumeValidChains& c = assume_valid_chains();
    const Outcome r = run("disabled", uint256(), range(c.main, 0, c.main.size()), range(c.main, 0, kBadHeight));
    EXPECT_EQ(r.tip_height, kBadHeight - 1);
    EXPECT_NE(r.reason.find("block-script-verify-flag-failed"), std::string::npos) << r.reason;
    EXPECT_FALSE(r.status.skipping);
    EXPECT_EQ(r.status.skipped_blocks, 0u);
    // Regtest has no default: the same without the option.
    const Outcome d = run("default", std::nullopt, range(c.main, 0, c.main.size()), range(c.main, 0, kBadHeight));
    EXPECT_EQ(d.tip_height, kBadHeight - 1);
    EXPECT_TRUE(d.status.hash.is_null());
}

TEST(AssumeValid, SkipsScriptsOfBuriedAncestors) {
    const AssumeValidChains& c = assume_valid_chains();
    // The assumed-valid block is the tip of the headers, or the bad block itself.
    for (const Block* av : {&c.main.back(), &c.main[kBadHeight - 1]}) {
        const Outcome r = run("skip", av->hash(), range(c.main, 0, c.main.size()), range(c.main, 0, kBadHeight + 1));
        EXPECT_EQ(r.tip_height, kBadHeight + 1) << r.reason;
        EXPECT_TRUE(r.reason.empty()) << r.reason;
        EXPECT_EQ(r.status.hash, av->hash());
        EXPECT_EQ(r.status.skipped_blocks, uint64_t(av == &c.main.back() ? kBadHeight + 1 : kBadHeight));
        EXPECT_EQ(r.status.skipping, av == &c.main.back());
    }
}

TEST(AssumeValid, AssumedBlockNotInBestHeaderChain) {
    const AssumeValidChains& c = assume_valid_chains();
    // The assumed-valid block is known and the bad block is its ancestor, but a branch
    // with more work is the best header chain: scripts are verified.
    const Outcome r =
        run("side", c.main.back().hash(), concat(range(c.main, 0, c.main.size()), range(c.branch, 0, c.branch.size())),
            range(c.main, 0, kBadHeight));
    EXPECT_EQ(r.tip_height, kBadHeight - 1);
    EXPECT_NE(r.reason.find("block-script-verify-flag-failed"), std::string::npos) << r.reason;
}

TEST(AssumeValid, UnknownOrUnrelatedHash) {
    const AssumeValidChains& c = assume_valid_chains();
    const uint256 unknown = *uint256::from_hex("00000000000000000000000000000000000000000000000000000000deadbeef");
    for (const uint256& av : {unknown, c.branch.back().hash()}) {
        const Outcome r = run("unknown", av, concat(range(c.main, 0, c.main.size()), range(c.branch, 0, 5)),
                              range(c.main, 0, kBadHeight));
        EXPECT_EQ(r.tip_height, kBadHeight - 1);
        EXPECT_NE(r.reason.find("block-script-verify-flag-failed"), std::string::npos) << r.reason;
    }
}

TEST(AssumeValid, NeedsTwoWeeksOfWorkOnTop) {
    const AssumeValidChains& c = assume_valid_chains();
    // Headers end 1000 blocks past the bad block (the assumed-valid block is the last).
    const size_t end = kBadHeight + 1000;
    const Outcome r = run("recent", c.main[end - 1].hash(), range(c.main, 0, end), range(c.main, 0, kBadHeight));
    EXPECT_EQ(r.tip_height, kBadHeight - 1);
    EXPECT_NE(r.reason.find("block-script-verify-flag-failed"), std::string::npos) << r.reason;
    EXPECT_EQ(r.status.skipped_blocks, 0u);
}

TEST(AssumeValid, NeedsMinimumChainWork) {
    const AssumeValidChains& c = assume_valid_chains();
    const uint256 huge = *uint256::from_hex("0000000000000000000000000000000000000000000000000000000100000000");
    const Outcome r =
        run("minwork", c.main.back().hash(), range(c.main, 0, c.main.size()), range(c.main, 0, kBadHeight), huge);
    EXPECT_EQ(r.tip_height, kBadHeight - 1);
    EXPECT_EQ(r.status.skipped_blocks, 0u);
}

TEST(AssumeValid, OtherChecksStillRun) {
    const AssumeValidChains& c = assume_valid_chains();
    const Outcome r =
        run("amounts", c.overpay.back().hash(), range(c.overpay, 0, c.overpay.size()), range(c.overpay, 0, kBadHeight));
    EXPECT_EQ(r.tip_height, 49);
    EXPECT_NE(r.reason.find("bad-cb-amount"), std::string::npos) << r.reason;
}

TEST(AssumeValid, ProofEquivalentTime) {
    const AssumeValidChains& c = assume_valid_chains();
    TempDir dir("assumevalid-time");
    ChainstateOptions o;
    o.datadir = dir.path();
    o.assume_valid = uint256();
    std::string error;
    const ChainParams params = make_chain_params(Network::REGTEST);
    auto cs = Chainstate::open(params, o, &error);
    ASSERT_TRUE(cs) << error;
    for (size_t i = 0; i < 30; ++i) {
        ValidationState state;
        ASSERT_TRUE(cs->process_header(c.main[i].header, state));
    }
    const BlockIndex* a = cs->lookup(c.main[9].hash());
    const BlockIndex* b = cs->lookup(c.main[29].hash());
    EXPECT_EQ(block_proof_equivalent_time(*b, *a, *b, params.consensus), 20 * 600);
    EXPECT_EQ(block_proof_equivalent_time(*a, *b, *b, params.consensus), -20 * 600);
    EXPECT_STREQ(assume_valid_refusal(*a, false, nullptr, b, params.consensus), "assumevalid=0 (always verify)");
    EXPECT_STREQ(assume_valid_refusal(*a, true, nullptr, b, params.consensus), "assumevalid hash not in headers");
    EXPECT_STREQ(assume_valid_refusal(*b, true, a, b, params.consensus), "block height above assumevalid height");
    EXPECT_STREQ(assume_valid_refusal(*a, true, b, b, params.consensus), "block too recent relative to best header");
}

}  // namespace
}  // namespace minicash::test
