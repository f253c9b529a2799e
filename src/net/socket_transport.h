// What every transport over a TCP socket shares: the bounded send queue drained by a
// writer coroutine, reading, closing and traffic statistics. The framing is the
// subclass's: V1Transport (plaintext, v1_transport.h) and V2Transport (BIP324,
// v2_transport.h).
//
// Limits: queueing beyond kSendHardLimit bytes means the peer is not reading: the
// transport closes.
//
// Thread rules: event loop thread only. Made with std::make_shared: the writer and
// waiting coroutines keep it alive until they end.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/transport.h"

namespace minicash::net {

class SocketTransport : public Transport, public std::enable_shared_from_this<SocketTransport> {
public:
    static constexpr size_t kSendHardLimit = 32u << 20;

    // `sent_total` / `recv_total` (may be null) count every byte of every connection
    // (getnettotals); they must outlive the transport.
    SocketTransport(asio::ip::tcp::socket socket, const Clock& clock, std::atomic<uint64_t>* sent_total,
                    std::atomic<uint64_t>* recv_total);
    ~SocketTransport() override;

    void start() override;
    size_t send_queue_bytes() const override { return send_bytes_; }
    asio::awaitable<void> wait_send_below(size_t limit) override;
    void close(const std::string& reason) override;
    bool closed() const override { return closed_; }
    const std::string& close_reason() const override { return close_reason_; }
    TransportStats stats() const override { return stats_; }

protected:
    // Queues bytes for the socket; false (and closed) above the hard limit.
    bool queue_bytes(Bytes bytes);
    // The next bytes from the socket (in read_buffer_), or nullopt with `error`.
    asio::awaitable<std::optional<ByteView>> read_some(std::string& error);
    const Clock& clock_;

private:
    asio::awaitable<void> writer();

    asio::ip::tcp::socket socket_;
    std::atomic<uint64_t>* sent_total_;
    std::atomic<uint64_t>* recv_total_;
    TransportStats stats_;
    bool closed_ = false;
    std::string close_reason_;
    std::deque<Bytes> send_queue_;
    size_t send_bytes_ = 0;
    asio::steady_timer send_signal_;   // wakes the writer
    asio::steady_timer drain_signal_;  // wakes wait_send_below()
    std::vector<uint8_t> read_buffer_;
};

}  // namespace minicash::net
