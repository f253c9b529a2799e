// Bitcoin's v1 (plaintext) transport over a TCP socket: 24-byte headers with the
// network magic and a checksum (protocol.h), a bounded send queue drained by a writer
// coroutine, and an incremental parser on the receive side.
//
// Limits: queueing beyond kSendHardLimit bytes means the peer is not reading: the
// transport closes. Received payloads are bounded by MessageParser (4,000,000 bytes,
// checked on the header before any payload is buffered).
//
// Thread rules: event loop thread only. Made with std::make_shared: the writer and
// waiting coroutines keep it alive until they end.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "net/transport.h"

namespace minicash::net {

class V1Transport final : public Transport, public std::enable_shared_from_this<V1Transport> {
public:
    static constexpr size_t kSendHardLimit = 32u << 20;

    // `sent_total` / `recv_total` (may be null) count every byte of every connection
    // (getnettotals); they must outlive the transport.
    V1Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock, std::atomic<uint64_t>* sent_total,
                std::atomic<uint64_t>* recv_total);
    ~V1Transport() override;

    void start() override;
    size_t send(const std::string& command, ByteView payload) override;
    size_t send_queue_bytes() const override { return send_bytes_; }
    asio::awaitable<void> wait_send_below(size_t limit) override;
    asio::awaitable<Received> receive() override;
    void close(const std::string& reason) override;
    bool closed() const override { return closed_; }
    const std::string& close_reason() const override { return close_reason_; }
    TransportStats stats() const override { return stats_; }

private:
    asio::awaitable<void> writer();

    asio::ip::tcp::socket socket_;
    Magic magic_;
    const Clock& clock_;
    std::atomic<uint64_t>* sent_total_;
    std::atomic<uint64_t>* recv_total_;
    TransportStats stats_;
    bool closed_ = false;
    std::string close_reason_;

    std::deque<Bytes> send_queue_;
    size_t send_bytes_ = 0;
    asio::steady_timer send_signal_;   // wakes the writer
    asio::steady_timer drain_signal_;  // wakes wait_send_below()

    MessageParser parser_;
    std::vector<uint8_t> read_buffer_;
    ByteView unparsed_;  // received bytes not yet fed to the parser (inside read_buffer_)
};

}  // namespace minicash::net
