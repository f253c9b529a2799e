#include "net/v2_transport.h"

#include "util/hex.h"

namespace minicash::net {

namespace {

// Bytes one message takes on the wire: packet overhead, message type, payload.
size_t wire_size(const std::string& command, size_t payload) {
    return payload + V2Cipher::kExpansion + (V2Session::short_id(command) ? 1 : 1 + kCommandSize);
}

}  // namespace

V2Transport::V2Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock,
                         std::atomic<uint64_t>* sent_total, std::atomic<uint64_t>* recv_total, bool initiator)
    : SocketTransport(std::move(socket), clock, sent_total, recv_total),
      initiator_(initiator),
      session_(V2Session::make_random(initiator, magic)) {}

void V2Transport::start() {
    queue_bytes(session_->hello());
    SocketTransport::start();
}

std::string V2Transport::session_id() const {
    auto id = session_->session_id();
    return id ? hex_encode(ByteView(id->data(), id->size())) : std::string();
}

size_t V2Transport::send(const std::string& command, ByteView payload) {
    if (closed()) return 0;
    Bytes out;
    session_->send(command, payload, out);
    const size_t wire = wire_size(command, payload.size());
    if (out.empty()) return wire;  // waits in the session for the keys
    return queue_bytes(std::move(out)) ? wire : 0;
}

asio::awaitable<Received> V2Transport::receive() {
    auto self = shared_from_this();
    for (;;) {
        if (closed()) co_return Received{std::nullopt, 0, close_reason(), std::nullopt};
        if (unknown_to_report_ > 0) {
            --unknown_to_report_;
            co_return Received{std::nullopt, 0, "unknown v2 short message id", Misbehavior::BAD_COMMAND};
        }
        if (!received_.empty()) {
            auto [msg, wire] = std::move(received_.front());
            received_.pop_front();
            co_return Received{std::move(msg), wire, {}, std::nullopt};
        }
        std::string error;
        std::optional<ByteView> data = co_await read_some(error);
        if (!data) co_return Received{std::nullopt, 0, error, std::nullopt};
        Bytes out;
        std::vector<Message> messages;
        // A broken handshake or packet only disconnects, as Core (no discouragement).
        const size_t unknown_before = session_->unknown_ids_dropped();
        if (!session_->receive(*data, out, messages, error)) co_return Received{std::nullopt, 0, error, std::nullopt};
        unknown_to_report_ += session_->unknown_ids_dropped() - unknown_before;
        if (!out.empty()) queue_bytes(std::move(out));
        for (Message& m : messages) {
            const size_t wire = wire_size(m.command, m.payload.size());
            received_.emplace_back(std::move(m), wire);
        }
    }
}

}  // namespace minicash::net
