#include "zmq/publisher.h"

#include <zmq.hpp>

#include <algorithm>
#include <cstring>

#include "util/logging.h"

namespace minicash::zmq {

struct ZmqPublisher::Sockets {
    ::zmq::context_t context;
    std::vector<::zmq::socket_t> sockets;  // index: socket_addresses()
};

namespace {

// Core's IsZMQAddressIPV6: a tcp:// address whose host is an IPv6 address ("[::1]").
bool is_ipv6_address(const std::string& address) {
    if (!address.starts_with("tcp://")) return false;
    const size_t colon = address.rfind(':');
    const std::string host = address.substr(6, colon == std::string::npos ? std::string::npos : colon - 6);
    return host.find(':') != std::string::npos;
}

}  // namespace

ZmqPublisher::ZmqPublisher() : sockets_(std::make_unique<Sockets>()) {}

std::unique_ptr<ZmqPublisher> ZmqPublisher::start(const std::vector<NotifierConfig>& notifiers, std::string* error) {
    std::unique_ptr<ZmqPublisher> p(new ZmqPublisher());
    for (const std::string& address : socket_addresses(notifiers)) {
        const NotifierConfig& first = *std::find_if(notifiers.begin(), notifiers.end(),
                                                    [&](const NotifierConfig& n) { return n.address == address; });
        try {
            ::zmq::socket_t socket(p->sockets_->context, ::zmq::socket_type::pub);
            socket.set(::zmq::sockopt::sndhwm, first.hwm);
            socket.set(::zmq::sockopt::tcp_keepalive, 1);
            socket.set(::zmq::sockopt::ipv6, is_ipv6_address(address) ? 1 : 0);
            socket.set(::zmq::sockopt::linger, 0);
            socket.bind(address);
            p->sockets_->sockets.push_back(std::move(socket));
        } catch (const ::zmq::error_t& e) {
            if (error) *error = "-zmq" + notifier_type(first.topic) + "=" + address + ": " + e.what();
            p->sockets_->sockets.clear();  // closes what was bound
            return nullptr;
        }
        log_info("ZMQ: publishing on %s (high-water mark %d)", address.c_str(), first.hwm);
    }
    p->thread_ = std::thread([raw = p.get()] { raw->run(); });
    return p;
}

ZmqPublisher::~ZmqPublisher() { stop(); }

void ZmqPublisher::publish(ZmqMessage message) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_ && queue_.size() < kMaxQueuedMessages &&
            queued_bytes_ + message.body.size() <= kMaxQueuedBytes) {
            queued_bytes_ += message.body.size();
            queue_.push_back(std::move(message));
            wake_.notify_one();
            return;
        }
    }
    if (dropped_.fetch_add(1) % 1000 == 0)
        log_warning("ZMQ: notification queue full, messages dropped (%llu so far)",
                    static_cast<unsigned long long>(dropped_.load()));
}

void ZmqPublisher::run() {
    while (true) {
        std::deque<ZmqMessage> batch;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, nothing left
            batch.swap(queue_);
            queued_bytes_ = 0;
        }
        for (const ZmqMessage& m : batch) {
            ::zmq::socket_t& socket = sockets_->sockets.at(m.socket);
            const char* topic = topic_name(m.topic);
            const std::array<uint8_t, 4> sequence = sequence_part(m.sequence);
            constexpr auto more = ::zmq::send_flags::sndmore | ::zmq::send_flags::dontwait;
            try {
                // A PUB socket never blocks: past the high-water mark it drops the message.
                socket.send(::zmq::const_buffer(topic, std::strlen(topic)), more);
                socket.send(::zmq::const_buffer(m.body.data(), m.body.size()), more);
                socket.send(::zmq::const_buffer(sequence.data(), sequence.size()), ::zmq::send_flags::dontwait);
            } catch (const ::zmq::error_t& e) { log_warning("ZMQ: cannot send a %s message: %s", topic, e.what()); }
        }
    }
}

void ZmqPublisher::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        wake_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
    sockets_->sockets.clear();
    sockets_->context.close();
}

}  // namespace minicash::zmq
