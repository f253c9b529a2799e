#include "net/peer.h"

#include <chrono>

#include "util/logging.h"

namespace minicash::net {

const char* conn_type_name(ConnType t) {
    switch (t) {
    case ConnType::INBOUND: return "inbound";
    case ConnType::OUTBOUND_FULL_RELAY: return "outbound-full-relay";
    case ConnType::MANUAL: return "manual";
    case ConnType::ADDR_FETCH: return "addr-fetch";
    }
    return "unknown";
}

void RollingHashSet::insert(const uint256& h) {
    if (!set_.insert(h).second) return;
    order_.push_back(h);
    while (order_.size() > capacity_) {
        set_.erase(order_.front());
        order_.pop_front();
    }
}

void RollingHashSet::clear() {
    set_.clear();
    order_.clear();
}

namespace {
int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}
}  // namespace

Peer::Peer(int64_t peer_id, asio::ip::tcp::socket socket, Service address, ConnType conn_type, const Magic& magic)
    : id(peer_id),
      addr(address),
      type(conn_type),
      socket_(std::move(socket)),
      magic_(magic),
      send_signal_(socket_.get_executor()),
      drain_signal_(socket_.get_executor()) {
    send_signal_.expires_at(SteadyTime::max());
    drain_signal_.expires_at(SteadyTime::max());
    connected_time = unix_now();
    connected_steady = std::chrono::steady_clock::now();
    last_recv_steady = connected_steady;
    addr_tokens_time = connected_steady;
    netgroup = addr.addr.group();
    addr_name = addr.to_string();
}

Peer::~Peer() {
    boost::system::error_code ec;
    socket_.close(ec);
}

void Peer::send(const std::string& command, ByteView payload) {
    if (disconnected_) return;
    Bytes frame = frame_message(magic_, command, payload);
    const size_t n = frame.size();
    if (send_bytes_ + n > kSendHardLimit) {
        disconnect("send buffer overflow (peer is not reading)");
        return;
    }
    bytes_sent_per_msg[command] += n;
    send_bytes_ += n;
    send_queue_.push_back(std::move(frame));
    if (log_enabled(LogCategory::NET))
        log_debug(LogCategory::NET, "sending %s (%zu bytes) peer=%lld", command.c_str(), payload.size(),
                  (long long)id);
    send_signal_.cancel();
}

asio::awaitable<void> Peer::wait_send_below(size_t limit) {
    auto self = shared_from_this();
    while (!disconnected_ && send_bytes_ > limit) {
        boost::system::error_code ec;
        co_await drain_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void Peer::disconnect(const std::string& reason) {
    if (disconnected_) return;
    disconnected_ = true;
    disconnect_reason_ = reason;
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    send_signal_.cancel();
    drain_signal_.cancel();
}

asio::awaitable<void> Peer::writer() {
    auto self = shared_from_this();
    while (!disconnected_) {
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
            disconnect("write error: " + ec.message());
            break;
        }
        if (!send_queue_.empty()) send_queue_.pop_front();
        send_bytes_ -= std::min(send_bytes_, n);
        bytes_sent += n;
        if (sent_counter) *sent_counter += n;
        last_send = unix_now();
        drain_signal_.cancel();
    }
    drain_signal_.cancel();
}

}  // namespace minicash::net
