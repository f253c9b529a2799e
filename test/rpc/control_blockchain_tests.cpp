// Core's control and blockchain commands of issue 13 in process: the BIP9 report of
// getdeploymentinfo across a period boundary, getblockstats' fees and filter, the
// waitfor* commands (a waiter woken by a block from another thread), setmocktime's
// network check, echo, and stop's hidden argument.
#include <gtest/gtest.h>

#include <thread>

#include "node/tip_waiter.h"
#include "test/rpc/rpc_test_util.h"
#include "util/mock_time.h"

using namespace minicash;
using namespace minicash::test;
namespace json = boost::json;

TEST(ControlCommands, SetmocktimeIsForRegtestOnly) {
    RpcCaller main(Network::MAIN);
    EXPECT_EQ(main.error("setmocktime", json::array{1}),
              std::make_pair(-1, std::string("setmocktime is for regression testing (-regtest mode) only")));
    RpcCaller regtest(Network::REGTEST);
    EXPECT_EQ(regtest.call("setmocktime", json::array{1234567890}), json::value(nullptr));
    EXPECT_EQ(unix_time(), 1234567890);
    EXPECT_EQ(unix_time_millis(), 1234567890000);
    const auto offset = mock_steady_offset();
    EXPECT_EQ(regtest.call("setmocktime", json::array{0}), json::value(nullptr));
    EXPECT_GT(unix_time(), 1700000000);
    EXPECT_EQ(mock_steady_offset(), offset);  // a mock time in the past never moves steady time
}

TEST(ControlCommands, EchoAndHiddenArguments) {
    RpcCaller node;
    EXPECT_EQ(node.call("echo", json::array{1, "a", nullptr}), (json::array{1, "a", nullptr}));
    EXPECT_EQ(node.call("echo", json::object{{"arg2", true}}), (json::array{nullptr, nullptr, true}));
    EXPECT_EQ(node.call("echo"), json::array{});
    json::array bug(10);
    bug[9] = "trigger_internal_bug";
    EXPECT_EQ(node.error("echo", bug).first, -1);
    const std::string help = json::value_to<std::string>(node.call("help", json::array{"stop"}));
    EXPECT_EQ(help.find("wait"), std::string::npos) << help;  // Core hides stop's wait argument
    const std::string list = json::value_to<std::string>(node.call("help"));
    EXPECT_EQ(list.find("setmocktime"), std::string::npos);  // hidden commands stay out of the list
    EXPECT_NE(list.find("waitfornewblock"), std::string::npos);
}

TEST(BlockchainCommands, DeploymentInfoAcrossTheFirstPeriod) {
    TestChain chain("deployments");
    RpcCaller rpc(chain);
    chain.mine_blocks(142, 1);  // tip 142: the block after 143 is the first of period 2
    json::object d = rpc.call("getdeploymentinfo").as_object();
    json::object dummy = d["deployments"].as_object()["testdummy"].as_object();
    EXPECT_EQ(dummy["bip9"].as_object()["status"], "defined");
    EXPECT_EQ(dummy["bip9"].as_object()["status_next"], "defined");
    chain.mine_blocks(1, 1);  // 143
    dummy = rpc.call("getdeploymentinfo").as_object()["deployments"].as_object()["testdummy"].as_object();
    EXPECT_EQ(dummy["bip9"].as_object()["status"], "defined");
    EXPECT_EQ(dummy["bip9"].as_object()["status_next"], "started");
    chain.mine_blocks(2, 1);  // 145: started since 144, two blocks of the period, none signalling
    dummy = rpc.call("getdeploymentinfo").as_object()["deployments"].as_object()["testdummy"].as_object();
    json::object bip9 = dummy["bip9"].as_object();
    EXPECT_EQ(bip9["status"], "started");
    EXPECT_EQ(bip9["since"], 144);
    EXPECT_EQ(bip9["bit"], 28);
    EXPECT_EQ(bip9["signalling"], "--");
    EXPECT_EQ(bip9["statistics"],
              (json::object{{"period", 144}, {"elapsed", 2}, {"count", 0}, {"threshold", 108}, {"possible", true}}));
    EXPECT_EQ(dummy["active"], false);
    EXPECT_EQ(dummy.count("height"), 0u);
}

TEST(BlockchainCommands, BlockStatsOfASpend) {
    TestChain chain("blockstats");
    RpcCaller rpc(chain);
    chain.mine_blocks(101);
    const Transaction tx = chain.spend1(chain.coinbase_utxos(1)[0], 5000);
    chain.mine({tx});
    const json::object s = rpc.call("getblockstats", json::array{chain.height()}).as_object();
    EXPECT_EQ(s.size(), 31u);
    EXPECT_EQ(s.at("totalfee"), 5000);
    EXPECT_EQ(s.at("txs"), 2);
    EXPECT_EQ(s.at("ins"), 1);
    EXPECT_EQ(s.at("total_weight"), int64_t(tx.weight()));
    EXPECT_EQ(s.at("swtxs"), 1);
    EXPECT_EQ(s.at("minfeerate"), int64_t(5000 * 4 / tx.weight()));
    EXPECT_EQ(rpc.error("getblockstats", json::array{1, json::array{"txs", 5}}).first, -3);
    EXPECT_EQ(rpc.error("getblockstats", json::array{"x"}).first, -8);
}

TEST(BlockchainCommands, WaitersWakeOnANewBlock) {
    TestChain chain("waits");
    RpcCaller rpc(chain);
    chain.mine_blocks(1);
    json::value result;
    std::thread waiter([&] { result = rpc.call("waitforblockheight", json::array{3, 60000}); });
    chain.mine_blocks(2);
    waiter.join();
    EXPECT_EQ(result.as_object().at("height"), 3);
    EXPECT_EQ(rpc.call("waitfornewblock", json::array{1}).as_object().at("height"), 3);  // times out
    EXPECT_EQ(rpc.error("waitforblock", json::array{std::string(64, '0'), -5}),
              std::make_pair(-1, std::string("Negative timeout")));
}

TEST(BlockchainCommands, PreciousBlockSwitchesBetweenEqualWorkTips) {
    TestChain chain("precious");
    RpcCaller rpc(chain);
    chain.mine_blocks(3);
    const BlockIndex* parent = chain.chain().tip()->prev;
    const uint256 first = chain.chain().tip()->hash;
    const Block other = chain.mine_on(parent, {}, -1);
    EXPECT_EQ(chain.chain().tip()->hash, first);  // the first arrival stays at equal work
    EXPECT_EQ(rpc.call("preciousblock", json::array{other.hash().to_hex()}), json::value(nullptr));
    EXPECT_EQ(chain.chain().tip()->hash, other.hash());
    EXPECT_EQ(rpc.call("preciousblock", json::array{first.to_hex()}), json::value(nullptr));
    EXPECT_EQ(chain.chain().tip()->hash, first);  // a later call overrides an earlier one
    EXPECT_EQ(rpc.error("preciousblock", json::array{std::string(64, '1')}).first, -5);
}
