// Helpers for the chain tests: temporary data directories, block files, an independent
// model of the UTXO set statistics, and child processes for the daemon tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/money.h"
#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_verify.h"
#include "node/chainstate.h"

namespace minicash::test {

// A fresh directory under the system temp dir, removed with everything in it on
// destruction (kept when MINICASH_KEEP_TMP is set, for debugging).
class TempDir {
public:
    explicit TempDir(const std::string& tag = "chain");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// The payloads of a well-formed blk*.dat file, in file order. Throws on malformed input.
std::vector<Bytes> read_block_records(const std::filesystem::path& file);
std::vector<Block> read_blocks(const std::filesystem::path& file);
// One record: magic || uint32 LE length || payload.
Bytes make_record(const std::array<uint8_t, 4>& magic, ByteView payload);
void write_file(const std::filesystem::path& path, ByteView data);

using minicash::format_btc;  // common/money.h: "13081.20577369"

std::unique_ptr<Chainstate> open_chainstate(const ChainParams& params, const std::filesystem::path& dir,
                                            size_t dbcache_bytes = size_t(64) << 20, int script_threads = 0);

// UTXO set statistics as expected.json writes them (and minicash-chainstate prints them).
struct Stats {
    int height = 0;
    std::string bestblock;
    uint64_t txouts = 0;
    uint64_t transactions = 0;
    std::string total_amount;
    std::string hash_serialized_3;
    friend bool operator==(const Stats&, const Stats&) = default;
};
std::ostream& operator<<(std::ostream& os, const Stats& s);
Stats to_stats(const UtxoStats& s);
Stats stats_from_json(const boost::json::value& v);  // an expected.json check or tool output

// An in-memory UTXO set maintained from blocks alone, following the rules of the
// vectors README (hash_serialized_3 section). Independent of the node's code, so it can
// serve as the reference for any tip. REQUIRES: blocks are applied in chain order.
class UtxoModel {
public:
    void apply(const Block& block, int height);  // throws if an input is missing
    Stats stats(int height, const uint256& best_block) const;

private:
    std::map<OutPoint, Coin> coins_;  // OutPoint order is (txid bytes, index): the hash order
};

// Reference statistics for every block of chain-a (heights 0..450) and of the fork
// branch (431..455), keyed by block hash (display hex).
std::map<std::string, Stats> reference_stats(const std::filesystem::path& vectors);

// A child process (posix_spawn) whose stdout/stderr go to files. The destructor kills
// (SIGKILL) and reaps it if it still runs, so a failing test never leaks a process.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& out_file,
                 const std::filesystem::path& err_file);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Exit status if the process has ended: exit code, or -signal number.
    std::optional<int> poll();
    // Waits up to `timeout`; on timeout kills it and returns nullopt.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // Sends SIGKILL if still running and reaps; returns the status (see poll()).
    int kill_and_wait();
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

struct RunResult {
    int status = -1000;  // exit code or -signal; -1000 on timeout
    std::string out;
    std::string err;
};
// Runs a program to completion (killing it after `timeout`).
RunResult run_program(const std::vector<std::string>& argv, const std::filesystem::path& scratch,
                      std::chrono::milliseconds timeout = std::chrono::seconds(120));

std::string read_text(const std::filesystem::path& path);

}  // namespace minicash::test
