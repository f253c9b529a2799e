// Bitcoin's v1 (plaintext) transport over a TCP socket: 24-byte headers with the
// network magic and a checksum (protocol.h), an incremental parser on the receive side;
// the socket, send queue and writer are SocketTransport's.
//
// Limits: received payloads are bounded by MessageParser (4,000,000 bytes, checked on
// the header before any payload is buffered).
//
// Thread rules: event loop thread only; made with std::make_shared.
#pragma once

#include <string>

#include "net/socket_transport.h"

namespace minicash::net {

class V1Transport final : public SocketTransport {
public:
    V1Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock, std::atomic<uint64_t>* sent_total,
                std::atomic<uint64_t>* recv_total);

    size_t send(const std::string& command, ByteView payload) override;
    asio::awaitable<Received> receive() override;

private:
    Magic magic_;
    MessageParser parser_;
    ByteView unparsed_;  // received bytes not yet fed to the parser (inside the read buffer)
};

}  // namespace minicash::net
