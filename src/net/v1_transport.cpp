#include "net/v1_transport.h"

#include <algorithm>

namespace minicash::net {

V1Transport::V1Transport(asio::ip::tcp::socket socket, const Magic& magic, const Clock& clock,
                         std::atomic<uint64_t>* sent_total, std::atomic<uint64_t>* recv_total)
    : socket_(std::move(socket)),
      magic_(magic),
      clock_(clock),
      sent_total_(sent_total),
      recv_total_(recv_total),
      send_signal_(socket_.get_executor()),
      drain_signal_(socket_.get_executor()),
      parser_(magic),
      read_buffer_(64 * 1024) {
    send_signal_.expires_at(SteadyTime::max());
    drain_signal_.expires_at(SteadyTime::max());
    stats_.last_recv_steady = clock_.steady_now();
}

V1Transport::~V1Transport() {
    boost::system::error_code ec;
    socket_.close(ec);
}

void V1Transport::start() { asio::co_spawn(socket_.get_executor(), writer(), asio::detached); }

size_t V1Transport::send(const std::string& command, ByteView payload) {
    if (closed_) return 0;
    Bytes frame = frame_message(magic_, command, payload);
    const size_t n = frame.size();
    if (send_bytes_ + n > kSendHardLimit) {
        close("send buffer overflow (peer is not reading)");
        return 0;
    }
    send_bytes_ += n;
    send_queue_.push_back(std::move(frame));
    send_signal_.cancel();
    return n;
}

asio::awaitable<void> V1Transport::wait_send_below(size_t limit) {
    auto self = shared_from_this();
    while (!closed_ && send_bytes_ > limit) {
        boost::system::error_code ec;
        co_await drain_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void V1Transport::close(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    close_reason_ = reason;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    send_signal_.cancel();
    drain_signal_.cancel();
}

asio::awaitable<Received> V1Transport::receive() {
    auto self = shared_from_this();
    for (;;) {
        if (closed_) co_return Received{std::nullopt, 0, close_reason_, false};
        if (!unparsed_.empty()) {
            const size_t used = parser_.feed(unparsed_);
            unparsed_ = unparsed_.subspan(used);
            if (parser_.failed()) {
                std::string what = frame_error_name(parser_.error());
                if (parser_.error() != FrameError::BAD_MAGIC && parser_.error() != FrameError::BAD_COMMAND)
                    what += " (" + traffic_key(parser_.header().command) + ", " +
                            std::to_string(parser_.header().length) + " bytes)";
                co_return Received{std::nullopt, 0, what, true};
            }
            if (parser_.has_message()) {
                Message msg = parser_.take();
                const size_t wire = msg.payload.size() + kHeaderSize;
                co_return Received{std::move(msg), wire, {}, false};
            }
            continue;  // everything was fed: read more
        }
        boost::system::error_code ec;
        const size_t n =
            co_await socket_.async_read_some(asio::buffer(read_buffer_), asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return Received{std::nullopt, 0, ec == asio::error::eof ? "connection closed by peer" : ec.message(),
                               false};
        stats_.bytes_recv += n;
        if (recv_total_) *recv_total_ += n;
        stats_.last_recv = clock_.unix_now();
        stats_.last_recv_steady = clock_.steady_now();
        unparsed_ = ByteView(read_buffer_.data(), n);
    }
}

asio::awaitable<void> V1Transport::writer() {
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
