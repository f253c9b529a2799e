// A small blocking JSON-RPC-over-HTTP client (Boost.Beast), used by minicash-cli, the
// functional tests and the RPC benchmark. One HttpRpcClient holds one keep-alive
// connection and reconnects when the server closed it. Not thread-safe: use one per
// thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace minicash::rpc {

// The server could not be reached (refused, unreachable, reset before a reply, timeout).
struct ConnectionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct HttpReply {
    int status = 0;
    std::string body;
};

class HttpRpcClient {
public:
    // `credentials` is "user:password" (sent as HTTP Basic); empty sends no Authorization.
    HttpRpcClient(std::string host, uint16_t port, std::string credentials,
                  std::chrono::seconds timeout = std::chrono::seconds(900));
    ~HttpRpcClient();
    HttpRpcClient(const HttpRpcClient&) = delete;
    HttpRpcClient& operator=(const HttpRpcClient&) = delete;

    // POSTs `body` to `path`. Throws ConnectionError when no HTTP reply arrives.
    HttpReply post(const std::string& body, const std::string& path = "/");
    // Any request, for tests (e.g. GET, custom headers are not needed).
    HttpReply request(const std::string& method, const std::string& path, const std::string& body,
                      const std::string* authorization_override = nullptr);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash::rpc
