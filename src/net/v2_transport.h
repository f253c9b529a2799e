// BIP324's v2 (encrypted) transport over a TCP socket: a V2Session (v2_session.h) run
// over SocketTransport's socket and send queue. Our key and garbage go out on start();
// messages the logic sends before the handshake keys exist wait in the session.
//
// Inbound connections are only made V2Transports after their first 16 bytes were seen
// not to be a v1 version message (Connman peeks at them); an outbound v2 connection
// whose peer closes it before sending anything is retried over v1 by Connman
// (reconnect_over_v1()).
//
// Thread rules: event loop thread only; made with std::make_shared.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "net/socket_transport.h"
#include "net/v2_session.h"

namespace minicash::net {

class V2Transport final : public SocketTransport {
public:
    V2Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock, std::atomic<uint64_t>* sent_total,
                std::atomic<uint64_t>* recv_total, bool initiator);

    void start() override;
    size_t send(const std::string& command, ByteView payload) override;
    asio::awaitable<Received> receive() override;
    std::string protocol() const override { return "v2"; }
    std::string session_id() const override;
    // We initiated and the peer closed without sending a byte: it probably speaks only v1
    // (a v1 node drops us on the first header, whose magic is wrong).
    bool reconnect_over_v1() const { return initiator_ && !session_->received_anything(); }

private:
    const bool initiator_;
    std::unique_ptr<V2Session> session_;
    std::deque<std::pair<Message, size_t>> received_;  // decoded, not yet handed out (wire size)
    size_t unknown_to_report_ = 0;                     // dropped unknown short ids, not yet reported as Received
};

}  // namespace minicash::net
