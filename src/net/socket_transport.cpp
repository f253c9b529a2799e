#include "net/socket_transport.h"

#include <algorithm>

namespace minicash::net {

SocketTransport::SocketTransport(asio::ip::tcp::socket socket, const Clock& clock, std::atomic<uint64_t>* sent_total,
                                 std::atomic<uint64_t>* recv_total)
    : clock_(clock),
      socket_(std::move(socket)),
      sent_total_(sent_total),
      recv_total_(recv_total),
      send_signal_(socket_.get_executor()),
      drain_signal_(socket_.get_executor()),
      read_buffer_(64 * 1024) {
    send_signal_.expires_at(SteadyTime::max());
    drain_signal_.expires_at(SteadyTime::max());
    stats_.last_recv_steady = clock_.steady_now();
}

SocketTransport::~SocketTransport() {
    boost::system::error_code ec;
    socket_.close(ec);
}

void SocketTransport::start() { asio::co_spawn(socket_.get_executor(), writer(), asio::detached); }

bool SocketTransport::queue_bytes(Bytes bytes) {
    if (closed_) return false;
    const size_t n = bytes.size();
    if (send_bytes_ + n > kSendHardLimit) {
        close("send buffer overflow (peer is not reading)");
        return false;
    }
    send_bytes_ += n;
    send_queue_.push_back(std::move(bytes));
    send_signal_.cancel();
    return true;
}

asio::awaitable<void> SocketTransport::wait_send_below(size_t limit) {
    auto self = shared_from_this();
    while (!closed_ && send_bytes_ > limit) {
        boost::system::error_code ec;
        co_await drain_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void SocketTransport::close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    close_reason_ = reason;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    send_signal_.cancel();
    drain_signal_.cancel();
}

asio::awaitable<std::optional<ByteView>> SocketTransport::read_some(std::string& error) {
    auto self = shared_from_this();
    if (closed_) {
        error = close_reason_;
        co_return std::nullopt;
    }
    boost::system::error_code ec;
    const size_t n =
        co_await socket_.async_read_some(asio::buffer(read_buffer_), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
        error = ec == asio::error::eof ? "connection closed by peer" : ec.message();
        co_return std::nullopt;
    }
    stats_.bytes_recv += n;
    if (recv_total_) *recv_total_ += n;
    stats_.last_recv = clock_.unix_now();
    stats_.last_recv_steady = clock_.steady_now();
    co_return ByteView(read_buffer_.data(), n);
}

asio::awaitable<void> SocketTransport::writer() {
    auto self = shared_from_this();
    while (!closed_) {
        if (send_queue_.empty()) {
            boost::system::error_code ec;
            co_await send_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        boost::system::error_code ec;
        const size_t n = send_queue_.front().size();
        co_await asio::async_write(socket_, asio::buffer(send_queue_.front()),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            close("write error: " + ec.message());
            break;
        }
        if (!send_queue_.empty()) send_queue_.pop_front();
        send_bytes_ -= std::min(send_bytes_, n);
        stats_.bytes_sent += n;
        if (sent_total_) *sent_total_ += n;
        stats_.last_send = clock_.unix_now();
        drain_signal_.cancel();
    }
    drain_signal_.cancel();
}

}  // namespace minicash::net
