#include "test/util/test_node.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "rpc/auth.h"
#include "rpc/client.h"

namespace minicash::test {

namespace json = boost::json;
namespace fs = std::filesystem;

uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

ProgramResult run_program(const std::vector<std::string>& argv, const std::string& stdin_text) {
    ProgramResult r;
    char out_tmpl[] = "/tmp/minicash-prog-out-XXXXXX";
    char err_tmpl[] = "/tmp/minicash-prog-err-XXXXXX";
    char in_tmpl[] = "/tmp/minicash-prog-in-XXXXXX";
    const int out_fd = ::mkstemp(out_tmpl), err_fd = ::mkstemp(err_tmpl), in_fd = ::mkstemp(in_tmpl);
    if (out_fd < 0 || err_fd < 0 || in_fd < 0) throw std::runtime_error("mkstemp failed");
    if (!stdin_text.empty()) (void)!::write(in_fd, stdin_text.data(), stdin_text.size());
    ::lseek(in_fd, 0, SEEK_SET);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setsid();  // no controlling terminal: programs cannot prompt
        ::dup2(in_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        std::vector<char*> args;
        for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    auto slurp = [](const char* path) {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    r.out = slurp(out_tmpl);
    r.err = slurp(err_tmpl);
    ::close(out_fd);
    ::close(err_fd);
    ::close(in_fd);
    ::unlink(out_tmpl);
    ::unlink(err_tmpl);
    ::unlink(in_tmpl);
    return r;
}

TestNode::TestNode(std::string daemon_path) : daemon_(std::move(daemon_path)) {
    char tmpl[] = "/tmp/minicash-node-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    port_ = free_port();
}

TestNode::~TestNode() {
    kill_now();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void TestNode::start(const std::vector<std::string>& extra, std::chrono::seconds timeout) {
    pid_ = ::fork();
    if (pid_ == 0) {
        const std::string log = (dir_ / "stdout.txt").string();
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        std::vector<std::string> a = {daemon_, "-regtest", "-datadir=" + dir_.string(),
                                      "-rpcport=" + std::to_string(port_), "-listen=0", "-connect=0"};
        for (const std::string& e : extra) a.push_back(e);
        std::vector<char*> args;
        for (const std::string& s : a) args.push_back(const_cast<char*>(s.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("minicashd exited during start-up: " + log());
        }
        try {
            rpc("getblockcount");
            return;
        } catch (const std::exception&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    kill_now();
    throw std::runtime_error("minicashd did not answer RPC in time");
}

void TestNode::kill_now() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }
}

json::value TestNode::rpc(const std::string& method, json::array params) {
    auto cookie = rpc::read_cookie_file(dir_ / "regtest" / ".cookie");
    if (!cookie) throw std::runtime_error("no cookie yet");
    rpc::HttpRpcClient client("127.0.0.1", port_, *cookie, std::chrono::seconds(120));
    json::object req;
    req["jsonrpc"] = "1.0";
    req["id"] = 1;
    req["method"] = method;
    req["params"] = std::move(params);
    const rpc::HttpReply reply = client.post(json::serialize(req));
    json::value doc = json::parse(reply.body);
    const json::value& err = doc.at("error");
    if (!err.is_null())
        throw std::runtime_error(method + " failed: " + json::serialize(err));
    return doc.at("result");
}

std::string TestNode::rpc_string(const std::string& method, json::array params) {
    return std::string(rpc(method, std::move(params)).as_string());
}

std::vector<std::string> TestNode::mine(int n, const std::string& address) {
    std::vector<std::string> out;
    const json::value hashes = rpc("generatetoaddress", {n, json::string(address)});
    for (const json::value& h : hashes.as_array())
        out.emplace_back(h.as_string());
    return out;
}

int TestNode::height() { return int(rpc("getblockcount").to_number<int64_t>()); }

std::vector<std::string> TestNode::client_args() const {
    return {"-regtest", "-datadir=" + dir_.string(), "-rpcport=" + std::to_string(port_)};
}

std::string TestNode::log() const {
    std::ifstream in(dir_ / "regtest" / "debug.log");
    std::string s(std::istreambuf_iterator<char>(in), {});
    std::ifstream out(dir_ / "stdout.txt");
    return s + std::string(std::istreambuf_iterator<char>(out), {});
}

}  // namespace minicash::test
