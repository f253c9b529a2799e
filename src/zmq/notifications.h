// ZMQ notifications (Core's CZMQNotificationInterface): the chain state's and the
// mempool's events turned into messages (zmq/zmq_message.h), in Core's order:
//
//   transaction added to the mempool   hashtx, rawtx, sequence <txid>A<seq>
//   transaction removed (not by a block)                  sequence <txid>R<seq>
//   block connected                    hashtx and rawtx of each of its transactions, in
//                                      block order, then sequence <hash>C
//   block disconnected                 the same, then sequence <hash>D
//   tip moved (once per activation, not during initial block download)
//                                      hashblock, rawblock of the new tip
//
// Within one event the notifiers speak in Core's order: by type (hashblock, hashtx,
// rawblock, rawtx, sequence), then in the order their addresses were given. The chain
// state reports a disconnection to listeners registered later first (node/chainstate.h),
// so a block's D comes before the mempool takes its transactions back (their A), and the
// mempool's removals for a connected block (R for conflicts) come before its C, as in Core.
// A mempool sequence number is taken by every addition and removal, a block's removals
// too (node/mempool.h), so the numbers a subscriber sees may jump; getrawmempool
// mempool_sequence=true gives the current one.
//
// Nothing here blocks: messages go to a MessageSink (the publisher's bounded queue)
// while the chain state (and, for mempool events, the mempool) is locked, so the order
// of the messages is the order of the events. Lock order: chain state, mempool, this
// object, the sink.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "zmq/zmq_message.h"

namespace minicash {
class Chainstate;
class Mempool;
}  // namespace minicash

namespace minicash::zmq {

inline constexpr int kDefaultHighWaterMark = 1000;  // Core's DEFAULT_ZMQ_SNDHWM

// One -zmqpub<topic>=<address> option.
struct NotifierConfig {
    Topic topic = Topic::HASHBLOCK;
    std::string address;  // as bound and reported: "tcp://127.0.0.1:28332", "ipc:///run/x"
    int hwm = kDefaultHighWaterMark;
    friend bool operator==(const NotifierConfig&, const NotifierConfig&) = default;
};

// The distinct addresses of `notifiers` in first-seen order: one PUB socket each
// (notifiers sharing an address share its socket, and the first one's high-water mark).
// A message's ZmqMessage::socket indexes this list.
std::vector<std::string> socket_addresses(const std::vector<NotifierConfig>& notifiers);

// Where messages go. publish() is called with locks held: it must not block.
class MessageSink {
public:
    virtual ~MessageSink() = default;
    virtual void publish(ZmqMessage message) = 0;
};

class ZmqNotifications {
public:
    // REQUIRES: `notifiers` in Core's order (by topic as kAllTopics lists them, then as
    // given); `sink` outlives detach().
    ZmqNotifications(std::vector<NotifierConfig> notifiers, MessageSink& sink);
    ~ZmqNotifications();  // detach()s
    ZmqNotifications(const ZmqNotifications&) = delete;
    ZmqNotifications& operator=(const ZmqNotifications&) = delete;

    // Starts following the chain state and the mempool (which may be null). REQUIRES: the
    // mempool was created before (its chain listener must be registered first); called
    // once, not inside a chain state or mempool callback.
    void attach(Chainstate& chain, Mempool* mempool);
    // No message is published after this returns (the listeners stay registered, idle).
    void detach();

    const std::vector<NotifierConfig>& notifiers() const { return notifiers_; }

    struct State;  // shared with the listeners (notifications.cpp)

private:
    std::vector<NotifierConfig> notifiers_;
    std::shared_ptr<State> state_;
};

}  // namespace minicash::zmq
