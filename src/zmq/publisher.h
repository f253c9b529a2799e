// The ZMQ PUB sockets (libzmq through cppzmq) and the thread that feeds them.
//
// One socket per distinct address (notifications.h: socket_addresses), bound at start
// with Core's options: ZMQ_SNDHWM from the first notifier of that address, TCP
// keep-alive on, ZMQ_IPV6 when the address is an IPv6 one. publish() only appends to a
// bounded queue (at most kMaxQueuedMessages messages or kMaxQueuedBytes of bodies;
// beyond that a message is dropped and counted, and the subscriber sees a gap in the
// sequence numbers), so validation and the P2P loop never wait for a subscriber. The
// thread sends without blocking: a subscriber past its high-water mark loses messages,
// as with Core.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "zmq/notifications.h"

namespace minicash::zmq {

class ZmqPublisher final : public MessageSink {
public:
    static constexpr size_t kMaxQueuedMessages = 100000;
    static constexpr size_t kMaxQueuedBytes = size_t(256) << 20;

    // Binds every socket and starts the thread. nullptr with `error` ("-zmqpubrawtx=<address>:
    // <libzmq's reason>") when an address cannot be bound; nothing is left open then.
    [[nodiscard]] static std::unique_ptr<ZmqPublisher> start(const std::vector<NotifierConfig>& notifiers,
                                                             std::string* error);
    ~ZmqPublisher() override;  // stop()s
    ZmqPublisher(const ZmqPublisher&) = delete;
    ZmqPublisher& operator=(const ZmqPublisher&) = delete;

    void publish(ZmqMessage message) override;
    // Sends what is queued, closes the sockets (without lingering, as Core) and joins
    // the thread. Idempotent.
    void stop();

    uint64_t dropped() const { return dropped_; }

    struct Sockets;  // libzmq's context and sockets (publisher.cpp)

private:
    ZmqPublisher();
    void run();

    std::unique_ptr<Sockets> sockets_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<ZmqMessage> queue_;
    size_t queued_bytes_ = 0;
    bool stopping_ = false;
    std::atomic<uint64_t> dropped_{0};
    std::thread thread_;
};

}  // namespace minicash::zmq
