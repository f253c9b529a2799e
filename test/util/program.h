// Running the project's programs (and any other) from tests: where they are, a child
// process that is always reaped, and a run to completion with captured output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace minicash::test {

// Exit status of a child as tests see it: the exit code, or -N when signal N ended it,
// or kTimedOut when the test killed it at its deadline.
constexpr int kTimedOut = -1000;

// Where the built programs are: $MINICASH_BIN_DIR when set, else the build's src/
// directory compiled in by test/CMakeLists.txt.
std::filesystem::path bin_dir();
// bin_dir() / name, e.g. program_path("minicash-cli").
std::string program_path(const std::string& name);

// A child process (fork + exec, no shell) in its own session, so it has no terminal to
// prompt on. The destructor kills (SIGKILL) and reaps it if it still runs, so a failing
// test never leaks a process; if the test process itself dies, the kernel kills the
// child too (PR_SET_PDEATHSIG).
class ChildProcess {
public:
    // Standard output and error go to these files (truncated; they may be the same file),
    // standard input comes from `stdin_file`. REQUIRES: argv[0] is a path. Throws
    // std::runtime_error when fork fails.
    ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stdout_file,
                 const std::filesystem::path& stderr_file, const std::filesystem::path& stdin_file = "/dev/null");
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Exit status (see kTimedOut) if the process has ended, nullopt while it runs.
    std::optional<int> poll();
    // Waits up to `timeout`; on timeout kills it and returns nullopt.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    // Sends SIGKILL if still running and reaps; returns the status.
    int kill_and_wait();
    // Sends `sig` if still running; false when it has already ended.
    bool signal(int sig);
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

struct ProgramResult {
    int exit_code = kTimedOut;  // exit code, -signal, or kTimedOut
    std::string out, err;
};

// Runs a program to completion with `stdin_text` on its standard input (killing it at
// the timeout), capturing standard output and error. Throws std::runtime_error only when
// it cannot be started at all.
ProgramResult run_program(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(300),
                          const std::string& stdin_text = "");

// A whole file as text ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);
// The last `lines` lines of a file ("" when it cannot be read).
std::string tail_text(const std::filesystem::path& path, size_t lines);

}  // namespace minicash::test
