// The C++ harness's own promises (test/util/): a TestNode's daemon and data directory are
// gone when the node is, a daemon that cannot start is reported with its log, nodes
// connect and sync, and programs run with their output and exit status captured.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "test/util/node_network.h"
#include "test/util/op_true.h"
#include "test/util/program.h"
#include "test/util/temp_dir.h"
#include "test/util/test_node.h"

namespace minicash::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool process_exists(pid_t pid) { return ::kill(pid, 0) == 0; }

TEST(Harness, NodeIsKilledAndItsDirectoryRemoved) {
    pid_t pid = -1;
    fs::path dir;
    {
        TestNode node("harness");
        node.start();
        EXPECT_EQ(node.height(), 0);
        EXPECT_EQ(node.rpc_string("getblockhash", boost::json::array{0}).size(), 64u);
        EXPECT_THROW(node.rpc("getblockhash", boost::json::array{1}), RpcError);
        pid = node.pid();
        dir = node.dir();
        ASSERT_GT(pid, 0);
        ASSERT_TRUE(fs::exists(node.cookie_path()));
    }  // never stopped: the destructor must do it
    EXPECT_FALSE(process_exists(pid));
    EXPECT_FALSE(fs::exists(dir));
}

TEST(Harness, StartFailureShowsTheLog) {
    TestNode node("harness-bad");
    try {
        node.start({"-dbcache=notanumber"});
        FAIL() << "start() should have thrown";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("exited during start-up"), std::string::npos) << what;
        EXPECT_NE(what.find("dbcache"), std::string::npos) << what;  // the daemon's own message
    }
    EXPECT_FALSE(node.running());
}

TEST(Harness, NodesConnectSyncAndStopCleanly) {
    TestNode a("harness-a", {true, {}}), b("harness-b", {true, {}});
    ASSERT_NO_THROW(a.start());
    ASSERT_NO_THROW(b.start());
    ASSERT_NO_THROW(connect_nodes(b, a));
    EXPECT_TRUE(connected_to(b, a));
    ASSERT_EQ(a.mine(3, op_true_address()).size(), 3u);
    EXPECT_TRUE(wait_synced({&a, &b}, 3));
    EXPECT_EQ(b.tip(), a.tip());
    const boost::json::value via_cli = b.cli_rpc({"getblockcount"});
    EXPECT_EQ(via_cli.to_number<int64_t>(), 3);
    // A restart keeps the P2P port (peers find the node where they knew it).
    const uint16_t port = a.p2p_port();
    EXPECT_EQ(a.stop(), 0);
    ASSERT_NO_THROW(a.start());
    EXPECT_EQ(a.p2p_port(), port);
    EXPECT_EQ(a.height(), 3);
    EXPECT_EQ(b.stop(), 0);
    EXPECT_EQ(a.stop(), 0);
}

TEST(Harness, ProgramsRunWithCapturedOutput) {
    const ProgramResult r =
        run_program({"/bin/sh", "-c", "read line; echo out:$line; echo err >&2; exit 3"}, 30s, "in\n");
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.out, "out:in\n");
    EXPECT_EQ(r.err, "err\n");
    EXPECT_EQ(run_program({"/bin/sh", "-c", "kill -TERM $$"}).exit_code, -SIGTERM);
    EXPECT_EQ(run_program({"/bin/sleep", "30"}, 200ms).exit_code, kTimedOut);
}

TEST(Harness, TempDirIsRemoved) {
    fs::path path;
    {
        const TempDir tmp("harness");
        path = tmp.path();
        ASSERT_TRUE(fs::is_directory(path));
        fs::create_directories(path / "a" / "b");
    }
    EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace minicash::test
