#include "app/zmq_setup.h"

#include <climits>

#include "zmq/publisher.h"

namespace minicash::app {

namespace {

// The words of Core's -help for each topic.
const char* topic_words(zmq::Topic topic) {
    switch (topic) {
    case zmq::Topic::HASHBLOCK: return "hash block";
    case zmq::Topic::HASHTX: return "hash transaction";
    case zmq::Topic::RAWBLOCK: return "raw block";
    case zmq::Topic::RAWTX: return "raw transaction";
    case zmq::Topic::SEQUENCE: return "hash block and tx sequence";
    }
    return "";
}

}  // namespace

void add_zmq_options(NodeOptions& o) {
    for (zmq::Topic topic : zmq::kAllTopics) {
        const std::string name = "zmq" + zmq::notifier_type(topic);
        o.add_list(name, "address", std::string("Enable publish ") + topic_words(topic) + " in <address>. Repeatable");
        o.add_int(name + "hwm", "n",
                  topic == zmq::Topic::SEQUENCE ? "Set publish hash sequence message high water mark (default: 1000)"
                                                : std::string("Set publish ") + topic_words(topic) +
                                                      " outbound message high water mark (default: 1000)");
    }
}

ZmqSettings read_zmq_settings(const NodeOptions& o) {
    ZmqSettings s;
    for (zmq::Topic topic : zmq::kAllTopics) {
        const std::string name = "zmq" + zmq::notifier_type(topic);
        int hwm = zmq::kDefaultHighWaterMark;
        if (auto v = o.get_int(name + "hwm")) {
            if (*v < 0 || *v > INT_MAX)
                throw OptionError("-" + name + "hwm must be between 0 and " + std::to_string(INT_MAX));
            hwm = int(*v);
        }
        for (std::string address : o.get_list(name)) {
            // libzmq names UNIX domain sockets ipc://, Core also takes unix:.
            if (address.starts_with("unix:")) address = "ipc://" + address.substr(5);
            s.notifiers.push_back({topic, address, hwm});
        }
    }
    return s;
}

std::unique_ptr<ZmqService> ZmqService::start(const ZmqSettings& settings, Chainstate& chain, Mempool* mempool,
                                              std::string* error) {
    std::unique_ptr<ZmqService> svc(new ZmqService());
    if (settings.notifiers.empty()) return svc;
    svc->publisher_ = zmq::ZmqPublisher::start(settings.notifiers, error);
    if (!svc->publisher_) return nullptr;
    svc->notifications_ = std::make_unique<zmq::ZmqNotifications>(settings.notifiers, *svc->publisher_);
    svc->notifications_->attach(chain, mempool);
    return svc;
}

ZmqService::~ZmqService() { stop(); }

void ZmqService::stop() {
    if (notifications_) notifications_->detach();
    if (publisher_) publisher_->stop();
}

}  // namespace minicash::app
