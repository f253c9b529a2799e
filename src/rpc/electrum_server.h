// The Electrum server of minicashd (-electrum, -electrumtls): newline-delimited JSON-RPC
// over TCP, or over TLS with the operator's certificate, as electrs and Fulcrum speak it
// (protocol 1.4; methods in rpc/electrum_methods.h).
//
// Threads: one thread runs the sockets (its own io_context, never the P2P loop); requests
// run on a small pool of their own (index and block reads). A connection reads its next
// line only after the previous one was answered, so its requests are answered in order
// and each connection holds at most one line, one reply and its write queue.
//
// Limits per connection (each gives a clear error or a disconnect, never unbounded
// memory): a request line longer than max_line_bytes -> disconnect; replies and
// notifications waiting to be written beyond max_write_queue_bytes (a client that does
// not read) -> disconnect; more than requests_per_second (a token bucket holding one
// second's worth) -> a JSON-RPC error per refused request; batches of at most max_batch
// requests; at most max_subscriptions script hashes; history of at most max_history
// entries (ElectrumConfig). Connections beyond max_connections are closed on accept; a
// connection silent for 10 minutes (a TLS handshake: 30 s) is closed.
//
// Notifications: the address index and its mempool half report changed script hashes
// (node/index/address_index.h on_change); those some connection subscribed to are
// collected and one job recomputes their status and notifies the connections whose
// status changed; a new best block is sent to those subscribed to headers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "rpc/electrum_methods.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::rpc {

struct ElectrumEndpoint {
    std::string host;  // an IP address ("127.0.0.1", "::1") or "localhost"
    uint16_t port = 0;
};

struct ElectrumServerOptions {
    std::optional<ElectrumEndpoint> tcp;      // -electrum
    std::optional<ElectrumEndpoint> tls;      // -electrumtls
    std::filesystem::path tls_cert, tls_key;  // PEM (-electrumcert, -electrumkey)
    ElectrumConfig config;
    size_t max_line_bytes = 1 << 20;
    size_t max_write_queue_bytes = 8 << 20;
    size_t max_batch = 1000;
    double requests_per_second = 1000;  // 0: unlimited
    size_t max_connections = 256;
    int threads = 2;  // the request pool
};

class ElectrumServer {
public:
    // Binds the endpoints, loads the certificate and starts the threads. REQUIRES:
    // node.chainstate and node.address_index set and outliving the server. nullptr with
    // `error` when an endpoint cannot be bound or the certificate or key cannot be read.
    [[nodiscard]] static std::unique_ptr<ElectrumServer> start(const ElectrumServerOptions& options, NodeContext& node,
                                                               std::string* error);
    ~ElectrumServer();  // stop()s
    // Closes every connection and joins the threads. Idempotent.
    void stop();
    // The bound addresses ("host:port"), for the log.
    std::optional<std::string> tcp_endpoint() const;
    std::optional<std::string> tls_endpoint() const;

    struct Impl;

private:
    explicit ElectrumServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash::rpc
