// How messages cross one connection: the seam between a Peer's protocol state (peer.h)
// and the bytes on its socket. V1Transport (v1_transport.h) is Bitcoin's plaintext
// framing (magic, command, length, checksum); V2Transport (v2_transport.h) is BIP324's
// encrypted one, chosen per connection by Connman. Tests use a transport that records
// every message sent and has no socket.
//
// A transport owns the connection's send queue and its "closed" state: once close()d
// (by the protocol logic, by Connman, or by itself when the queue overflows), sending
// is a no-op and receive() returns an error.
//
// Thread rules: event loop thread only, like the Peer that owns it.
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "net/clock.h"
#include "net/misbehavior.h"
#include "net/protocol.h"

namespace minicash::net {

namespace asio = boost::asio;

struct TransportStats {
    uint64_t bytes_sent = 0, bytes_recv = 0;  // on the wire
    int64_t last_send = 0, last_recv = 0;     // unix seconds, 0: never
    SteadyTime last_recv_steady{};            // (initially: when the transport was made)
};

// One receive() outcome: a message; or a message the framing rejects (`misbehavior`
// says which rule, misbehavior.h what follows: dropped, or the connection closed); or
// why the connection cannot go on.
struct Received {
    std::optional<Message> message;
    size_t wire_size = 0;                    // bytes the message took on the wire
    std::string error;                       // when !message
    std::optional<Misbehavior> misbehavior;  // when !message: the peer broke a framing rule
};

class Transport {
public:
    virtual ~Transport() = default;

    // Starts sending what is queued (the production transport spawns its writer).
    virtual void start() = 0;
    // Queues one message; returns the bytes it takes on the wire, or 0 when the transport
    // is closed. A queue that would exceed its hard limit closes the transport instead
    // (the peer is not reading).
    virtual size_t send(const std::string& command, ByteView payload) = 0;
    virtual size_t send_queue_bytes() const = 0;
    // Completes when the queued bytes drop to `limit` or below, or the transport closes.
    virtual asio::awaitable<void> wait_send_below(size_t limit) = 0;
    // The next complete message. Callers await one message at a time.
    virtual asio::awaitable<Received> receive() = 0;
    // Closes the connection (idempotent: the first reason stays).
    virtual void close(const std::string& reason) = 0;
    virtual bool closed() const = 0;
    virtual const std::string& close_reason() const = 0;
    virtual TransportStats stats() const = 0;
    // getpeerinfo's transport_protocol_type ("v1", "v2") and session_id (hex, v2 only).
    virtual std::string protocol() const { return "v1"; }
    virtual std::string session_id() const { return {}; }
};

}  // namespace minicash::net
