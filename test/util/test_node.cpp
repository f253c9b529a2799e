#include "test/util/test_node.h"

#include <thread>

#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"
#include "test/util/free_port.h"

namespace minicash::test {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kStartAttempts = 6;
constexpr std::chrono::seconds kRpcTimeout{300};  // a call may be slow (mining, rescans) but not stuck

bool mentions_bind(const std::string& text) {
    return text.find("bind") != std::string::npos || text.find("Bind") != std::string::npos;
}

}  // namespace

RpcError::RpcError(const std::string& method, int64_t code_, const std::string& message_)
    : std::runtime_error(method + " failed: " + message_ + " (code " + std::to_string(code_) + ")"),
      code(code_),
      message(message_) {}

TestNode::TestNode(std::string name, NodeOptions options)
    : name_(std::move(name)), options_(std::move(options)), dir_("node-" + name_) {}

TestNode::~TestNode() {
    client_.reset();
    kill_now();
}

void TestNode::start(const std::vector<std::string>& extra, std::chrono::seconds timeout) {
    if (running()) throw std::logic_error(name() + ": start() while running");
    const fs::path output = dir() / "output.txt";
    for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
        rpc_port_ = free_port();
        if (options_.p2p && (p2p_port_ == 0 || attempt > 0)) {
            do p2p_port_ = free_port();
            while (p2p_port_ == rpc_port_);
        }
        std::vector<std::string> argv = {program_path("minicashd"), "-regtest", "-datadir=" + dir().string(),
                                         "-rpcport=" + std::to_string(rpc_port_)};
        if (options_.p2p) {
            argv.push_back("-port=" + std::to_string(p2p_port_));
            argv.push_back("-bind=127.0.0.1");
        } else {
            argv.push_back("-listen=0");
            argv.push_back("-connect=0");
        }
        argv.insert(argv.end(), options_.args.begin(), options_.args.end());
        argv.insert(argv.end(), extra.begin(), extra.end());
        client_.reset();
        std::error_code ec;
        fs::remove(cookie_path(), ec);  // a killed node leaves its cookie behind: never read a stale one
        process_ = std::make_unique<ChildProcess>(argv, output, output);

        // Probes time out quickly: whatever else listens on a port taken meanwhile must
        // not hold the start-up. minicashd keeps running when it bound RPC on [::1] only,
        // so its log, not its exit, tells that 127.0.0.1 was taken.
        const std::string lost_rpc_port = "binding to 127.0.0.1:" + std::to_string(rpc_port_) + " failed";
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        bool port_taken = false;
        client_timeout_ = 5s;
        while (std::chrono::steady_clock::now() < deadline && !process_->poll()) {
            try {
                rpc("getblockcount");
                client_timeout_ = kRpcTimeout;
                client_.reset();
                return;
            } catch (const std::exception&) {
                client_.reset();  // reconnect, reading the cookie again
                if (read_text(netdir() / "debug.log").find(lost_rpc_port) != std::string::npos) {
                    port_taken = true;
                    break;
                }
                std::this_thread::sleep_for(50ms);
            }
        }
        client_timeout_ = kRpcTimeout;
        const std::optional<int> status = process_->poll();
        if (port_taken || (status && mentions_bind(read_text(output)))) {  // new ports
            kill_now();
            continue;
        }
        kill_now();
        throw std::runtime_error(name() + ": minicashd " +
                                 (status ? "exited during start-up (status " + std::to_string(*status) + ")"
                                         : "did not answer RPC within " + std::to_string(timeout.count()) + " s") +
                                 "\n" + log_tail());
    }
    throw std::runtime_error(name() + ": minicashd could not bind its ports in " + std::to_string(kStartAttempts) +
                             " attempts\n" + log_tail());
}

int TestNode::stop(std::chrono::seconds timeout) {
    if (!running()) return -1;
    try {
        rpc("stop");
    } catch (const std::exception&) {
        // It may close the connection before answering; the wait below decides.
    }
    client_.reset();
    const int code = wait_exit(timeout);
    if (code == -1) kill_now();
    return code;
}

int TestNode::wait_exit(std::chrono::seconds timeout) {
    if (!process_) return -1;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (const std::optional<int> status = process_->poll()) {
            process_.reset();
            return *status >= 0 ? *status : -1;
        }
        std::this_thread::sleep_for(20ms);
    }
    return -1;
}

void TestNode::kill_now() {
    client_.reset();
    if (process_) process_->kill_and_wait();
    process_.reset();
}

bool TestNode::running() {
    if (process_ && process_->poll()) process_.reset();
    return process_ != nullptr;
}

pid_t TestNode::pid() const { return process_ ? process_->pid() : -1; }

json::value TestNode::rpc_reply(const std::string& method, const json::value& params) {
    if (!client_) {
        const auto cookie = rpc::read_cookie_file(cookie_path());
        if (!cookie) throw rpc::ConnectionError(name() + ": no cookie file yet");
        client_ = std::make_unique<rpc::HttpRpcClient>("127.0.0.1", rpc_port_, *cookie, client_timeout_);
    }
    json::object request;
    request["jsonrpc"] = "1.0";
    request["id"] = 1;
    request["method"] = method;
    request["params"] = params;
    const rpc::HttpReply reply = client_->post(rpc::write_json(request));
    boost::system::error_code ec;
    json::value doc = rpc::parse_json_preserving(reply.body, ec);
    if (ec || !doc.is_object())
        throw std::runtime_error(name() + ": " + method + ": HTTP " + std::to_string(reply.status) +
                                 " without a JSON-RPC reply: " + reply.body);
    return doc;
}

json::value TestNode::rpc(const std::string& method, const json::value& params) {
    json::value reply = rpc_reply(method, params);
    const json::value& error = reply.at("error");
    if (!error.is_null()) {
        const json::object* e = error.if_object();
        const int64_t code = e && e->contains("code") ? e->at("code").to_number<int64_t>() : 0;
        const std::string message = e && e->contains("message") && e->at("message").is_string()
                                        ? std::string(e->at("message").as_string())
                                        : rpc::write_json(error);
        throw RpcError(method, code, message);
    }
    return reply.at("result");
}

std::string TestNode::rpc_string(const std::string& method, const json::value& params) {
    return std::string(rpc(method, params).as_string());
}

ProgramResult TestNode::cli(const std::vector<std::string>& args, const std::string& stdin_text) const {
    std::vector<std::string> argv = {program_path("minicash-cli")};
    for (const std::string& a : client_args()) argv.push_back(a);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, 120s, stdin_text);
}

json::value TestNode::cli_rpc(const std::vector<std::string>& args) const {
    const ProgramResult r = cli(args);
    if (r.exit_code != 0)
        throw std::runtime_error(name() + ": minicash-cli " + (args.empty() ? "" : args.front()) + " failed (" +
                                 std::to_string(r.exit_code) + "): " + r.err);
    std::string s = r.out;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (s.empty()) return nullptr;  // minicash-cli prints nothing for a null result
    boost::system::error_code ec;
    json::value v = json::parse(s, ec);
    if (!ec) return v;
    return json::value(s);
}

std::vector<std::string> TestNode::mine(int n, const std::string& address) {
    std::vector<std::string> out;
    const json::value hashes = rpc("generatetoaddress", json::array{n, json::string(address)});
    for (const json::value& h : hashes.as_array()) out.emplace_back(h.as_string());
    return out;
}

int TestNode::height() { return int(rpc("getblockcount").to_number<int64_t>()); }

std::string TestNode::tip() { return rpc_string("getbestblockhash"); }

std::vector<std::string> TestNode::client_args() const {
    return {"-regtest", "-datadir=" + dir().string(), "-rpcport=" + std::to_string(rpc_port_)};
}

std::string TestNode::log() const { return read_text(netdir() / "debug.log") + read_text(dir() / "output.txt"); }

std::string TestNode::log_tail(size_t lines) const {
    return "--- " + name() + ": last lines of " + (netdir() / "debug.log").string() + "\n" +
           tail_text(netdir() / "debug.log", lines) + "--- " + name() + ": last lines of its output\n" +
           tail_text(dir() / "output.txt", lines);
}

}  // namespace minicash::test
