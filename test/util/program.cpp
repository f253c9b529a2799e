#include "test/util/program.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "test/util/temp_dir.h"

#ifndef MINICASH_BIN_DIR
#error "MINICASH_BIN_DIR must be defined by the build (directory of minicashd)"
#endif

namespace minicash::test {

namespace fs = std::filesystem;

fs::path bin_dir() {
    const char* env = std::getenv("MINICASH_BIN_DIR");
    if (env != nullptr && *env != '\0') return fs::path(env);
    return fs::path(MINICASH_BIN_DIR);
}

std::string program_path(const std::string& name) { return (bin_dir() / name).string(); }

namespace {

int decode_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? -WTERMSIG(raw) : -999; }

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const fs::path& stdout_file,
                           const fs::path& stderr_file, const fs::path& stdin_file) {
    // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string in = stdin_file.string(), out = stdout_file.string(), err = stderr_file.string();
    const int out_flags = O_WRONLY | O_CREAT | O_TRUNC;
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
    if (pid_ == 0) {
        ::setsid();
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the test died before prctl
        const int in_fd = ::open(in.c_str(), O_RDONLY);
        const int out_fd = ::open(out.c_str(), out_flags, 0644);
        const int err_fd = err == out ? out_fd : ::open(err.c_str(), out_flags, 0644);
        if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(127);
        ::dup2(in_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

ChildProcess::~ChildProcess() {
    if (!status_) kill_and_wait();
}

std::optional<int> ChildProcess::poll() {
    if (status_) return status_;
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) status_ = decode_status(raw);
    return status_;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            kill_and_wait();
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
}

int ChildProcess::kill_and_wait() {
    if (status_) return *status_;
    ::kill(pid_, SIGKILL);
    int raw = 0;
    pid_t r;
    do r = ::waitpid(pid_, &raw, 0);
    while (r < 0 && errno == EINTR);
    status_ = r == pid_ ? decode_status(raw) : -999;
    return *status_;
}

bool ChildProcess::signal(int sig) {
    if (poll()) return false;
    return ::kill(pid_, sig) == 0;
}

ProgramResult run_program(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::string& stdin_text) {
    const TempDir scratch("run");
    const fs::path in = scratch.path() / "stdin", out = scratch.path() / "stdout", err = scratch.path() / "stderr";
    std::ofstream(in, std::ios::binary) << stdin_text;
    ProgramResult r;
    {
        ChildProcess child(argv, out, err, in);
        r.exit_code = child.wait(timeout).value_or(kTimedOut);
    }
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string tail_text(const fs::path& path, size_t lines) {
    const std::string text = read_text(path);
    size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (size_t n = 0; n < lines && pos > 0; ++n) {
        const size_t nl = text.rfind('\n', pos - 1);
        pos = nl == std::string::npos ? 0 : nl;
    }
    return text.substr(pos == 0 ? 0 : pos + 1);
}

}  // namespace minicash::test
