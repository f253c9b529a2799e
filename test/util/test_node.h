// A real minicashd for functional tests: -regtest in a temporary data directory on a
// free port (the kernel's choice), reached over JSON-RPC. The destructor always kills
// the process and removes the directory, whatever the test did. Also: running other
// programs (minicash-cli, minicash-wallet) with captured output.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace minicash::test {

// A TCP port nobody listens on right now (bind to port 0 and ask the kernel).
uint16_t free_port();

struct ProgramResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;      // the signal that ended it, if any
    std::string out, err;
};

// Runs `argv` (argv[0] is the program path; no shell) with `stdin_text` on standard
// input, capturing standard output and error.
ProgramResult run_program(const std::vector<std::string>& argv, const std::string& stdin_text = "");

class TestNode {
public:
    // REQUIRES: `daemon_path` is minicashd.
    explicit TestNode(std::string daemon_path);
    ~TestNode();
    TestNode(const TestNode&) = delete;
    TestNode& operator=(const TestNode&) = delete;

    // Starts minicashd -regtest -listen=0 -connect=0 plus `extra`, then waits (up to
    // `timeout`) until it answers RPC. Throws std::runtime_error if it does not.
    void start(const std::vector<std::string>& extra = {}, std::chrono::seconds timeout = std::chrono::seconds(60));
    // Kills the process (SIGKILL) and waits for it.
    void kill_now();
    bool running() const { return pid_ > 0; }

    // A JSON-RPC call with the cookie. Returns the result; throws std::runtime_error
    // with the node's error message (and code in the text) on an error reply.
    boost::json::value rpc(const std::string& method, boost::json::array params = {});
    // The same as text: std::string of a string result.
    std::string rpc_string(const std::string& method, boost::json::array params = {});

    // Mines `n` blocks to `address` (generatetoaddress); returns their hashes.
    std::vector<std::string> mine(int n, const std::string& address);
    int height();

    const std::filesystem::path& dir() const { return dir_; }
    uint16_t rpc_port() const { return port_; }
    // Options a client needs to reach this node: -regtest -datadir=... -rpcport=...
    std::vector<std::string> client_args() const;
    std::string log() const;

private:
    std::string daemon_;
    std::filesystem::path dir_;
    uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace minicash::test
