// JSON-RPC 1.0/2.0 over HTTP/1.1 (Boost.Beast), with Bitcoin Core's behaviour:
//
//  - POST to "/" (or "/wallet/<name>") only: other methods 405, other paths 404.
//  - HTTP Basic authentication (see rpc/auth.h). No Authorization header: 401 at once;
//    wrong credentials: 401 at the time rpc/auth_throttle.h schedules for the client's
//    address (250 ms, then longer as failures go on, one answer after another; a timer:
//    the connection waits, the I/O thread does not).
//  - Clients must come from loopback or an -rpcallowip subnet, else 403.
//  - Body larger than max_body_bytes: 413. Keep-alive as the client asks; idle
//    connections close after idle_timeout.
//  - One request object: legacy (1.0/1.1) errors use HTTP 500 (400 for invalid request,
//    404 for method not found) with the error object; "jsonrpc":"2.0" replies 200 with
//    the error, and a 2.0 notification (no id) gets 204. A batch (array) always gets
//    200 with one reply per non-notification.
//  - A body that is not JSON: 500 with -32700 "Parse error".
//
// Other interfaces share the port through path handlers (add_handler): REST today.
// Request order, as Core's http_request_cb: -rpcallowip (403), then the method (only
// GET, HEAD, POST and PUT are served: 405 with no body), then the first path handler whose
// prefix matches, then JSON-RPC's "/" and "/wallet/...", else 404 with no body.
//
// Handlers run on the server's I/O threads (-rpcthreads). Nothing a client sends can
// crash the process: handler exceptions become JSON-RPC errors (500 for path handlers).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rpc/auth.h"
#include "rpc/server.h"

namespace minicash::rpc {

// An -rpcallowip value: "1.2.3.4", "1.2.3.0/24", "1.2.3.0/255.255.255.0", "::1", "fe80::/10".
struct Subnet {
    std::array<uint8_t, 16> network{};  // IPv4 as IPv4-mapped IPv6
    int prefix_bits = 128;
    bool contains(const std::string& address) const;  // textual client address
};
[[nodiscard]] std::optional<Subnet> parse_subnet(const std::string& text);

struct HttpServerOptions {
    uint16_t port = 8332;               // -rpcport
    std::vector<std::string> bind;      // -rpcbind: "host", "host:port", "[v6]:port"
    std::vector<std::string> allow_ip;  // -rpcallowip
    int threads = 16;                   // -rpcthreads (Core 29+)
    size_t max_body_bytes = 32u << 20;
    std::chrono::milliseconds auth_failure_delay{250};  // the first failure's (rpc/auth_throttle.h)
    std::chrono::milliseconds auth_failure_cap{8000};   // the longest, when failures go on
    std::chrono::seconds idle_timeout{30};              // -rpcservertimeout
    // -rpcwhitelist: the methods each listed user may call (others: 403 Forbidden);
    // -rpcwhitelistdefault: users not listed may call nothing.
    std::map<std::string, std::set<std::string>> rpc_whitelist;
    bool rpc_whitelist_default = false;
};

// A request as a path handler sees it.
struct HttpRequest {
    std::string method;  // "GET", "HEAD", "POST" or "PUT"
    std::string target;  // path and query as received, not decoded
    std::string body;
};

struct HttpResponse {
    int status = 200;
    std::string content_type;  // no Content-Type header when empty
    std::string body;          // for HEAD the server sends the headers only
};

// Answers the requests under one prefix. `rest` is the target after the prefix (query
// included), as Core passes it to its handlers.
using HttpHandler = std::function<HttpResponse(const HttpRequest& request, const std::string& rest)>;

class HttpRpcServer {
public:
    HttpRpcServer(const RpcTable& table, NodeContext& node, Authenticator auth, HttpServerOptions options);
    ~HttpRpcServer();  // stop()s
    HttpRpcServer(const HttpRpcServer&) = delete;
    HttpRpcServer& operator=(const HttpRpcServer&) = delete;

    // Serves targets starting with `prefix` (equal to it when `exact`) with `handler`,
    // without authentication (Core's RegisterHTTPHandler). Prefixes are tried in the order
    // they were added. Only before start().
    void add_handler(std::string prefix, bool exact, HttpHandler handler);

    // Validates -rpcallowip, binds every address (Core's rule: loopback only unless both
    // -rpcbind and -rpcallowip are given) and starts the threads. False with `error` set
    // when an option is malformed or no address could be bound; warnings are logged.
    [[nodiscard]] bool start(std::string* error);
    // Stops accepting, lets requests in progress finish (up to a few seconds), closes
    // every connection and joins the threads. Idempotent. Not from a handler thread.
    void stop();

    // "127.0.0.1:18443" etc. of the bound sockets.
    std::vector<std::string> bound_addresses() const;

    // The reply body and status for one HTTP request body (exposed for unit tests).
    struct Reply {
        int status = 200;
        std::string body;  // empty for 204
    };
    Reply handle_body(const std::string& body, const std::string& user) const;

    struct Impl;  // private to http_server.cpp

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash::rpc
