#include "rpc/client_session.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "rpc/auth.h"
#include "rpc/server.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

[[noreturn]] void connection_failed(const RpcConnection& c) {
    throw ConnectionError("Could not connect to the server " + c.host + ":" + std::to_string(c.port) +
                          "\n\nMake sure the minicashd server is running and that you are connecting to the "
                          "correct RPC port.\nUse \"" +
                          c.program + " -help\" for more info.");
}

}  // namespace

namespace {

// Cookie refresh, then the reply's status and body turned into a JSON document.
void refresh_cookie(RpcConnection& c) {
    if (!c.cookie_path.empty()) {  // the node may have (re)written it since the last attempt
        auto v = read_cookie_file(c.cookie_path);
        c.cookie_missing = !v;
        c.credentials = v.value_or("");
    }
}

std::chrono::seconds client_timeout(const RpcConnection& c) {
    return std::chrono::seconds(c.client_timeout > 0 ? c.client_timeout : 365 * 24 * 3600);
}

json::value interpret_reply(const RpcConnection& c, const HttpReply& r) {
    if (r.status == 401) {
        if (c.cookie_missing)
            throw std::runtime_error(
                "Could not locate RPC credentials. No authentication cookie could be found, and "
                "RPC password is not set.  See -rpcpassword and -stdinrpcpass.  Configuration "
                "file: (" +
                c.config_path + ")");
        throw std::runtime_error("Authorization failed: Incorrect rpcuser or rpcpassword");
    }
    if (r.status == 503) throw std::runtime_error("Server response: " + r.body);
    if (r.status >= 400 && r.status != 400 && r.status != 404 && r.status != 500)
        throw std::runtime_error("server returned HTTP error " + std::to_string(r.status));
    if (r.body.empty()) throw std::runtime_error("no response from server");
    boost::system::error_code ec;
    json::value reply = parse_json_preserving(r.body, ec);  // keeps "50.00000000" as sent
    if (ec) throw std::runtime_error("couldn't parse reply from server");
    return reply;
}

}  // namespace

json::value call(RpcConnection& c, const json::value& request, const std::string& path) {
    refresh_cookie(c);
    HttpRpcClient client(c.host, c.port, c.credentials, client_timeout(c));
    HttpReply r;
    try {
        r = client.post(write_json(request), path);
    } catch (const ConnectionError&) { connection_failed(c); }
    return interpret_reply(c, r);
}

json::value call_with_wait(RpcConnection& c, const json::value& request, const std::string& path) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(c.wait_timeout);
    while (true) {
        try {
            json::value reply = call(c, request, path);
            if (c.wait && reply.is_object()) {
                const json::value* err = reply.get_object().if_contains("error");
                if (err && err->is_object()) {
                    const json::value* code = err->get_object().if_contains("code");
                    if (code && code->is_int64() && code->get_int64() == RPC_IN_WARMUP)
                        throw ConnectionError("server in warmup");
                }
            }
            return reply;
        } catch (const ConnectionError& e) {
            if (c.wait && (c.wait_timeout <= 0 || std::chrono::steady_clock::now() < deadline)) {
                std::this_thread::sleep_for(std::chrono::seconds(1));
                continue;
            }
            throw ConnectionError(std::string("timeout on transient error: ") + e.what());
        }
    }
}

RpcSession::RpcSession(RpcConnection c) : c_(std::move(c)) {}
RpcSession::~RpcSession() = default;

json::value RpcSession::call(const json::value& request, const std::string& path) {
    if (!client_) {
        // The first call waits for the server (-rpcwait) and settles the credentials.
        json::value reply = call_with_wait(c_, request, path);
        client_ = std::make_unique<HttpRpcClient>(c_.host, c_.port, c_.credentials, client_timeout(c_));
        return reply;
    }
    const std::string body = write_json(request);
    HttpReply r;
    try {
        r = client_->post(body, path);
    } catch (const ConnectionError&) {
        client_.reset();
        return call_with_wait(c_, request, path);
    }
    return interpret_reply(c_, r);
}

}  // namespace minicash::rpc
