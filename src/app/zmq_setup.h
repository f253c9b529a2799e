// What ZMQ notifications add to minicashd, kept out of minicashd.cpp: the -zmqpub<topic>
// and -zmqpub<topic>hwm options (Core's names, meanings and defaults), and the
// publisher's start and stop (src/zmq/).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/app_options.h"
#include "zmq/notifications.h"

namespace minicash {
class Chainstate;
class Mempool;
}  // namespace minicash

namespace minicash::zmq {
class ZmqPublisher;
}

namespace minicash::app {

void add_zmq_options(NodeOptions& o);

struct ZmqSettings {
    // In Core's order (by topic, then as given); "unix:" addresses already as "ipc://".
    std::vector<zmq::NotifierConfig> notifiers;
};

// Collects the options. Throws OptionError (a negative or too large high-water mark).
ZmqSettings read_zmq_settings(const NodeOptions& o);

class ZmqService {
public:
    // Binds every address and starts following `chain` and `mempool` (created before:
    // their order of chain listeners matters, see zmq/notifications.h). With no notifier
    // it does nothing. nullptr with `error` when an address cannot be bound.
    [[nodiscard]] static std::unique_ptr<ZmqService> start(const ZmqSettings& settings, Chainstate& chain,
                                                           Mempool* mempool, std::string* error);
    ~ZmqService();  // stop()s
    // No more notifications; the sockets close. Idempotent.
    void stop();

private:
    ZmqService() = default;
    std::unique_ptr<zmq::ZmqPublisher> publisher_;
    std::unique_ptr<zmq::ZmqNotifications> notifications_;
};

}  // namespace minicash::app
