// Functional tests of the minicashd and minicash-chainstate binaries: options and the
// configuration file, the data directory lock, signals, -daemon, a full disk, and crash
// safety under SIGKILL at random points of an import.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "test/node/chain_test_util.h"
#include "test/util/program.h"
#include "test/util/temp_dir.h"
#include "test/util/vectors.h"

namespace minicash::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kDaemon = program_path("minicashd");
const std::string kTool = program_path("minicash-chainstate");

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Stats printed by minicash-chainstate for `datadir` (regtest), or nullopt with the
// tool's stderr in `error`.
std::optional<Stats> tool_stats(const fs::path& datadir, std::string* error = nullptr) {
    const ProgramResult r = run_program({kTool, "-regtest", "-datadir=" + datadir.string()}, 60s);
    if (r.exit_code != 0) {
        if (error) *error = "exit " + std::to_string(r.exit_code) + ": " + r.err;
        return std::nullopt;
    }
    boost::system::error_code ec;
    const json::value v = json::parse(r.out, ec);
    if (ec) {
        if (error) *error = "output is not JSON: " + r.out;
        return std::nullopt;
    }
    return stats_from_json(v);
}

bool wait_for_log(const fs::path& log, const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (contains(read_text(log), text)) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

// The pid holding the fcntl lock on <netdir>/.lock, if any.
std::optional<pid_t> lock_holder(const fs::path& netdir) {
    const int fd = ::open((netdir / ".lock").c_str(), O_RDWR);
    if (fd < 0) return std::nullopt;
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    std::optional<pid_t> holder;
    if (::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) holder = fl.l_pid;
    ::close(fd);
    return holder;
}

Stats final_check(const fs::path& vectors) {
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    return stats_from_json(expected.at("checks").as_array().back());
}

TEST(Daemon, RejectsBadOptionsWithoutTouchingTheDataDirectory) {
    TempDir tmp("options");
    const std::string datadir = "-datadir=" + tmp.path().string();
    struct Case {
        std::vector<std::string> args;
        std::string must_mention;
    };
    const std::vector<Case> cases = {
        {{"-nosuchoption"}, "-nosuchoption"},
        {{datadir, "-regtest", "-dbcache=lots"}, "dbcache"},
        {{datadir, "-regtest", "-par=2x"}, "par"},
        {{datadir, "-regtest", "-chain=signet"}, "at most one"},
        {{datadir, "-chain=bogus"}, "bogus"},
        {{datadir, "-testnet"}, "testnet4"},
        {{"-datadir"}, "-datadir"},
        {{"-datadir", tmp.path().string()}, "-datadir"},
        {{"-datadir=" + (tmp.path() / "missing").string()}, "does not exist"},
        {{datadir, "-regtest", "-loadblock=" + (tmp.path() / "none.blk").string()}, "none.blk"},
        {{datadir, "-regtest", "-debug=bogus"}, "bogus"},
        {{datadir, "-regtest", "-printtoconsole=maybe"}, "printtoconsole"},
        {{datadir, "-signet", "-signetchallenge=zz"}, "signetchallenge"},
        {{datadir, "-regtest", "-signetchallenge=51"}, "signetchallenge"},
        {{datadir, "-regtest", "stray"}, "stray"},
        {{datadir, "-datadi=" + tmp.path().string()}, "-datadi"},  // no abbreviations
        {{datadir, "-regtest", "-maxmempool=1"}, "-maxmempool"},
        {{datadir, "-regtest", "-maxmempool=big"}, "maxmempool"},
        {{datadir, "-regtest", "-mempoolexpiry=0"}, "-mempoolexpiry"},
        {{datadir, "-regtest", "-datacarriersize=-1"}, "-datacarriersize"},
        {{datadir, "-regtest", "-peerblockfilters"}, "Cannot set -peerblockfilters without -blockfilterindex."},
    };
    for (const Case& c : cases) {
        std::vector<std::string> argv{kDaemon};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const ProgramResult r = run_program(argv, 30s);
        std::string joined;
        for (const auto& a : c.args) joined += a + " ";
        EXPECT_EQ(r.exit_code, 1) << joined << "\n" << r.err;
        EXPECT_TRUE(contains(r.err, c.must_mention))
            << joined << ": stderr should mention '" << c.must_mention << "': " << r.err;
    }
    EXPECT_FALSE(fs::exists(tmp.path() / "regtest")) << "a failed start must not create the chain directory";
    EXPECT_FALSE(fs::exists(tmp.path() / "blocks"));

    // Configuration file errors name the file and line, never the value.
    const auto conf = tmp.path() / "minicash.conf";
    const std::vector<std::pair<std::string, std::string>> conf_cases = {
        {"regtest=1\n[regtest]\nnosuch=1\n", "line 3"},
        {"regtest=1\nrpcpasswrd=hunter2\n", "line 2"},
        {"regtest=1\n[regtest]\ndbcache=hunter2\n", "dbcache"},
        {"[bogus]\n", "bogus"},
        {"regtest=1\njust some words\n", "line 2"},
        {"[regtest]\nregtest=1\n", "top of the file"},
        {"datadir=/tmp\n", "datadir"},
    };
    for (const auto& [text, mention] : conf_cases) {
        write_file(conf, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
        const ProgramResult r = run_program({kDaemon, "-server=0", "-listen=0", datadir}, 30s);
        EXPECT_EQ(r.exit_code, 1) << text << r.err;
        EXPECT_TRUE(contains(r.err, "minicash.conf")) << text << r.err;
        EXPECT_TRUE(contains(r.err, mention)) << text << ": should mention '" << mention << "': " << r.err;
        EXPECT_FALSE(contains(r.err, "hunter2")) << "a configuration value leaked into an error: " << r.err;
    }
    EXPECT_FALSE(fs::exists(tmp.path() / "regtest"));
}

TEST(Daemon, ConfigFileSectionsAndImport) {
    MINICASH_REQUIRE_VECTORS(vectors);
    TempDir tmp("conf");
    const std::string text =
        "# chosen in the file\nregtest=1\nexitafterimport=1\n"
        "[main]\nloadblock=/nonexistent/main.blk\n"
        "[regtest]\nloadblock=" +
        (vectors / "chain/regtest/chain-a.blk").string() + "\ndbcache=16  # comment\n";
    write_file(tmp.path() / "minicash.conf", ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    const ProgramResult r = run_program({kDaemon, "-server=0", "-listen=0", "-datadir=" + tmp.path().string()}, 120s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string log = read_text(tmp.path() / "regtest/debug.log");
    EXPECT_TRUE(contains(log, "UTXO cache 16 MiB")) << log;
    std::string error;
    const auto stats = tool_stats(tmp.path(), &error);
    ASSERT_TRUE(stats) << error;
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    EXPECT_EQ(*stats, stats_from_json(expected.at("checks").as_array()[3]));
}

TEST(Daemon, LockRefusesSecondInstanceAndSigtermShutsDownCleanly) {
    TempDir tmp("lock");
    const auto netdir = tmp.path() / "regtest";
    ChildProcess first({kDaemon, "-server=0", "-listen=0", "-regtest", "-datadir=" + tmp.path().string()},
                       tmp.path() / "1.out", tmp.path() / "1.err");
    ASSERT_TRUE(wait_for_log(netdir / "debug.log", "waiting for SIGINT", 60s)) << read_text(tmp.path() / "1.err");

    const ProgramResult second =
        run_program({kDaemon, "-server=0", "-listen=0", "-regtest", "-datadir=" + tmp.path().string()}, 30s);
    EXPECT_EQ(second.exit_code, 1);
    EXPECT_TRUE(contains(second.err, "lock")) << second.err;
    std::string error;
    EXPECT_FALSE(tool_stats(tmp.path(), &error));
    EXPECT_TRUE(contains(error, "in use")) << error;

    ASSERT_EQ(::kill(first.pid(), SIGTERM), 0);
    EXPECT_EQ(first.wait(30s), std::optional<int>(0));
    EXPECT_TRUE(contains(read_text(netdir / "debug.log"), "shutdown complete"));
    const auto stats = tool_stats(tmp.path(), &error);
    ASSERT_TRUE(stats) << error;
    EXPECT_EQ(stats->height, 0);
}

TEST(Daemon, DaemonModeReturnsAfterStartup) {
    TempDir tmp("daemon");
    const auto netdir = tmp.path() / "regtest";
    // Whatever happens below, the background process is killed at the end.
    struct Reaper {
        fs::path netdir;
        ~Reaper() {
            if (auto pid = lock_holder(netdir)) ::kill(*pid, SIGKILL);
        }
    } reaper{netdir};
    const ProgramResult r =
        run_program({kDaemon, "-server=0", "-listen=0", "-regtest", "-daemon", "-datadir=" + tmp.path().string()}, 60s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto pid = lock_holder(netdir);
    ASSERT_TRUE(pid) << "the daemon should hold the data directory lock";
    ASSERT_EQ(::kill(*pid, SIGTERM), 0);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (lock_holder(netdir) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(lock_holder(netdir)) << "the daemon did not stop on SIGTERM";
    EXPECT_TRUE(wait_for_log(netdir / "debug.log", "shutdown complete", 5s));

    // A start-up failure in daemon mode is still reported by the command.
    const ProgramResult bad = run_program(
        {kDaemon, "-server=0", "-listen=0", "-regtest", "-daemon", "-datadir=" + tmp.path().string(), "-dbcache=x"},
        30s);
    EXPECT_EQ(bad.exit_code, 1);
}

TEST(Daemon, SigtermDuringImportLeavesAConsistentState) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const auto reference = reference_stats(vectors);
    TempDir tmp("sigterm");
    ChildProcess node({kDaemon, "-server=0", "-listen=0", "-regtest", "-datadir=" + tmp.path().string(), "-dbcache=4",
                       "-loadblock=" + (vectors / "chain/regtest/chain-a.blk").string(), "-exitafterimport"},
                      tmp.path() / "n.out", tmp.path() / "n.err");
    ASSERT_TRUE(wait_for_log(tmp.path() / "regtest/debug.log", "import: reading", 60s));
    std::this_thread::sleep_for(300ms);
    ::kill(node.pid(), SIGTERM);
    EXPECT_EQ(node.wait(60s), std::optional<int>(0)) << read_text(tmp.path() / "n.err");
    std::string error;
    const auto stats = tool_stats(tmp.path(), &error);
    ASSERT_TRUE(stats) << error;
    auto it = reference.find(stats->bestblock);
    ASSERT_NE(it, reference.end()) << "unknown tip " << stats->bestblock;
    EXPECT_EQ(*stats, it->second);
    std::cout << "  stopped at height " << stats->height << "\n";
}

TEST(Daemon, FullDiskExitsNonZeroAndKeepsDataUsable) {
    MINICASH_REQUIRE_VECTORS(vectors);
    TempDir tmp("disk");
    const std::string chain_a = (vectors / "chain/regtest/chain-a.blk").string();
    // File size limit of 512 KiB with SIGXFSZ ignored: writes beyond it fail with EFBIG,
    // as they would on a full disk.
    const ProgramResult r = run_program(
        {"/bin/sh", "-c", "trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"", kDaemon, "-server=0", "-listen=0",
         "-regtest", "-datadir=" + tmp.path().string(), "-loadblock=" + chain_a, "-exitafterimport"},
        120s);
    EXPECT_EQ(r.exit_code, 2) << "stderr: " << r.err;
    EXPECT_TRUE(contains(r.err, "storage error")) << r.err;

    // Without the limit the same directory opens and the import completes.
    const ProgramResult again =
        run_program({kDaemon, "-server=0", "-listen=0", "-regtest", "-datadir=" + tmp.path().string(),
                     "-loadblock=" + chain_a, "-exitafterimport"},
                    120s);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    std::string error;
    const auto stats = tool_stats(tmp.path(), &error);
    ASSERT_TRUE(stats) << error;
    const json::value expected = load_json(vectors / "chain/regtest/expected.json");
    EXPECT_EQ(*stats, stats_from_json(expected.at("checks").as_array()[3]));
}

// e. SIGKILL at spread-out points of an import of chain-a and fork-b (including the
// reorg); after each kill the directory must open to a state that equals the reference
// for its tip, and a rerun must complete to the final checkpoint. The UTXO set of these
// files fits in any cache, so -dbflushinterval makes the node write state mid-import.
TEST(Daemon, CrashSafetyUnderSigkill) {
    MINICASH_REQUIRE_VECTORS(vectors);
    const auto reference = reference_stats(vectors);
    const Stats want_final = final_check(vectors);
    std::set<std::string> fork_hashes;
    for (const Block& b : read_blocks(vectors / "chain/regtest/fork-b.blk")) fork_hashes.insert(b.hash().to_hex());
    TempDir tmp("crash");
    const auto args = [&](const fs::path& dir) {
        return std::vector<std::string>{kDaemon,
                                        "-server=0",
                                        "-listen=0",
                                        "-regtest",
                                        "-datadir=" + dir.string(),
                                        "-loadblock=" + (vectors / "chain/regtest/chain-a.blk").string(),
                                        "-loadblock=" + (vectors / "chain/regtest/fork-b.blk").string(),
                                        "-exitafterimport",
                                        "-dbcache=4",
                                        "-dbflushinterval=5"};
    };

    // One uninterrupted run: its duration spreads the kill points over the import.
    const auto full = tmp.path() / "full";
    fs::create_directories(full);
    const auto t0 = std::chrono::steady_clock::now();
    const ProgramResult r = run_program(args(full), 120s);
    const auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string error;
    auto stats = tool_stats(full, &error);
    ASSERT_TRUE(stats) << error;
    EXPECT_EQ(*stats, want_final);

    uint64_t seed = std::random_device{}();
    if (const char* s = std::getenv("MINICASH_CRASH_SEED"); s != nullptr && *s != '\0')
        seed = std::strtoull(s, nullptr, 10);
    std::cout << "  crash test: full import " << duration.count() << " ms; seed " << seed
              << " (set MINICASH_CRASH_SEED to repeat)\n";
    RecordProperty("seed", std::to_string(seed));
    std::mt19937_64 rng(seed);

    // kTimed kills at delays spread over the whole run, then kReorg kills shortly after
    // the node starts reading fork-b.blk (the reorganisation).
    constexpr int kTimed = 8, kReorg = 2, kKills = kTimed + kReorg;
    const double first_ms = 5, last_ms = std::max(10.0, 1.05 * double(duration.count()));
    int killed = 0;
    for (int k = 0; k < kKills; ++k) {
        std::chrono::microseconds delay;
        if (k < kTimed) {
            // One delay in each of kTimed equal slices of [first_ms, last_ms].
            const double lo = first_ms + (last_ms - first_ms) * k / kTimed;
            const double hi = first_ms + (last_ms - first_ms) * (k + 1) / kTimed;
            delay = std::chrono::microseconds(int64_t(1000 * std::uniform_real_distribution<double>(lo, hi)(rng)));
        } else {
            delay = std::chrono::microseconds(int64_t(1000 * std::uniform_real_distribution<double>(0, 60)(rng)));
        }
        const auto dir = tmp.path() / ("kill" + std::to_string(k));
        fs::create_directories(dir);
        int status;
        {
            ChildProcess node(args(dir), dir / "out", dir / "err");
            if (k >= kTimed) {
                EXPECT_TRUE(wait_for_log(dir / "regtest/debug.log", "fork-b.blk", 60s) || node.poll())
                    << "the node never reached fork-b.blk";
            }
            std::this_thread::sleep_for(delay);
            status = node.kill_and_wait();
        }
        killed += status == -SIGKILL;
        const std::string what = (k < kTimed ? "kill " : "kill (in fork-b) ") + std::to_string(k) + " after " +
                                 std::to_string(delay.count() / 1000) + " ms";
        SCOPED_TRACE(what);

        stats = tool_stats(dir, &error);
        if (!stats) {
            // Killed before the chain state existed: nothing to check but the message.
            EXPECT_TRUE(contains(error, "no regtest chain state")) << error;
            std::cout << "  " << what << ": before the chain state existed\n";
        } else {
            auto it = reference.find(stats->bestblock);
            ASSERT_NE(it, reference.end()) << "tip " << stats->bestblock << " is not a block of the chain files";
            EXPECT_EQ(*stats, it->second) << "UTXO set does not match its tip";
            const bool on_fork = fork_hashes.count(stats->bestblock) > 0;
            std::cout << "  " << what << " ("
                      << (status == -SIGKILL ? "killed" : "had exited " + std::to_string(status))
                      << "): consistent at height " << stats->height << (on_fork ? " (fork-b)" : "") << "\n";
        }
        const ProgramResult rerun = run_program(args(dir), 120s);
        ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
        stats = tool_stats(dir, &error);
        ASSERT_TRUE(stats) << error;
        EXPECT_EQ(*stats, want_final) << "after the rerun";
    }
    std::cout << "  " << killed << " of " << kKills << " runs were killed mid-way\n";
}

}  // namespace
}  // namespace minicash::test
