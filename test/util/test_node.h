// A real minicashd for process tests: -regtest in its own temporary data directory,
// RPC with the cookie on a kernel-assigned port of 127.0.0.1 (and, for P2P tests, a
// P2P port the same way). Several TestNodes run side by side, in one test and across
// parallel ctest runs or clones, without colliding: when the daemon cannot bind a port
// that another process took meanwhile, start() retries with fresh ports.
//
// Invariant: whatever the test does (fails, throws, returns early), the destructor
// kills the daemon (SIGKILL) and removes the data directory (kept when
// MINICASH_KEEP_TMP is set); if the test process dies, the kernel kills it too.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "test/util/program.h"
#include "test/util/temp_dir.h"

namespace minicash::rpc {
class HttpRpcClient;
}

namespace minicash::test {

// An error reply of the node: its code and message (Core's numbers, e.g. -8).
struct RpcError : std::runtime_error {
    RpcError(const std::string& method, int64_t code, const std::string& message);
    int64_t code;
    std::string message;
};

struct NodeOptions {
    bool p2p = false;               // listen for peers on 127.0.0.1:p2p_port(); otherwise -listen=0 -connect=0
    std::vector<std::string> args;  // passed on every start, before start()'s own
};

class TestNode {
public:
    // `name` appears in messages and in the data directory's name.
    explicit TestNode(std::string name = "node", NodeOptions options = {});
    ~TestNode();
    TestNode(const TestNode&) = delete;
    TestNode& operator=(const TestNode&) = delete;

    // Starts minicashd -regtest (on the same data directory each time) with the node's
    // args and `extra`, and waits up to `timeout` until it answers RPC. A restart keeps
    // the P2P port, so peers find the node where they knew it. Throws std::runtime_error
    // with the tail of the node's log when it exits or does not answer in time.
    void start(const std::vector<std::string>& extra = {}, std::chrono::seconds timeout = std::chrono::seconds(60));
    // RPC `stop`, then waits for the process; its exit code, or -1 when it had to be killed.
    int stop(std::chrono::seconds timeout = std::chrono::seconds(60));
    // Waits up to `timeout` for the process to exit by itself; its exit code, or -1
    // when it still runs (it is left running).
    int wait_exit(std::chrono::seconds timeout);
    // SIGKILL and reap (nothing when not running).
    void kill_now();
    bool running();
    pid_t pid() const;

    // One JSON-RPC call with the cookie; the whole reply document ({"result","error","id"}),
    // numbers kept as their text (rpc::parse_json_preserving). Throws rpc::ConnectionError
    // when the node does not answer.
    boost::json::value rpc_reply(const std::string& method, const boost::json::value& params = boost::json::array());
    // The result of a call; throws RpcError on an error reply.
    boost::json::value rpc(const std::string& method, const boost::json::value& params = boost::json::array());
    std::string rpc_string(const std::string& method, const boost::json::value& params = boost::json::array());

    // minicash-cli with client_args() and `args` (as a script would call it).
    ProgramResult cli(const std::vector<std::string>& args, const std::string& stdin_text = "") const;
    // The same, output parsed: JSON when it is JSON, other text as a JSON string, nothing
    // as null. Throws std::runtime_error with its stderr when minicash-cli fails.
    boost::json::value cli_rpc(const std::vector<std::string>& args) const;

    // generatetoaddress: `n` blocks paying `address`; their hashes.
    std::vector<std::string> mine(int n, const std::string& address);
    int height();
    std::string tip();  // getbestblockhash

    const std::string& name() const { return name_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    std::filesystem::path netdir() const { return dir() / "regtest"; }
    std::filesystem::path cookie_path() const { return netdir() / ".cookie"; }
    uint16_t rpc_port() const { return rpc_port_; }
    uint16_t p2p_port() const { return p2p_port_; }
    std::string p2p_addr() const { return "127.0.0.1:" + std::to_string(p2p_port_); }
    // Options a client needs to reach this node: -regtest -datadir=... -rpcport=...
    std::vector<std::string> client_args() const;
    // debug.log followed by what the process printed on its last start.
    std::string log() const;
    // The last `lines` lines of each of those, labelled (what start() failures show).
    std::string log_tail(size_t lines = 40) const;

private:
    std::string name_;
    NodeOptions options_;
    TempDir dir_;
    uint16_t rpc_port_ = 0, p2p_port_ = 0;
    std::unique_ptr<ChildProcess> process_;
    std::unique_ptr<rpc::HttpRpcClient> client_;  // keep-alive connection, reset on each start
    std::chrono::seconds client_timeout_{300};    // short while start() probes
};

}  // namespace minicash::test
