// ZMQ notifications (src/zmq/): Core's message bodies, the messages a chain state and a
// mempool produce and their order (blocks, mempool additions, replacements, a
// disconnection), per-notifier sequence numbers, and the publisher on real sockets
// (a cppzmq subscriber; addresses that cannot be bound).

#include <gtest/gtest.h>

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "node/mempool.h"
#include "test/node/mempool_test_util.h"
#include "test/util/free_port.h"
#include "test/util/wait_until.h"
#include "util/hex.h"
#include "zmq/notifications.h"
#include "zmq/publisher.h"
#include "zmq/zmq_message.h"

namespace minicash::test {
namespace {

using zmq::Topic;
using zmq::ZmqMessage;

constexpr int kStartHeight = 110;

TEST(ZmqMessage, Bodies) {
    const uint256 h = *uint256::from_hex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
    EXPECT_EQ(hex_encode(zmq::hash_body(h)), h.to_hex());  // display order
    const Bytes c = zmq::sequence_body(h, 'C');
    ASSERT_EQ(c.size(), 33u);
    EXPECT_EQ(c[32], 'C');
    const Bytes a = zmq::sequence_body(h, 'A', 0x0102030405060708ull);
    ASSERT_EQ(a.size(), 41u);
    EXPECT_EQ(hex_encode(ByteView(a).subspan(32)), "410807060504030201");
    EXPECT_EQ(hex_encode(zmq::sequence_part(0x01020304)), "04030201");
    EXPECT_STREQ(zmq::topic_name(Topic::RAWBLOCK), "rawblock");
    EXPECT_EQ(zmq::notifier_type(Topic::SEQUENCE), "pubsequence");
}

TEST(ZmqMessage, SocketsPerDistinctAddress) {
    const std::vector<zmq::NotifierConfig> n = {
        {Topic::HASHBLOCK, "tcp://a:1", 10}, {Topic::HASHTX, "tcp://b:2", 20}, {Topic::RAWTX, "tcp://a:1", 30}};
    EXPECT_EQ(zmq::socket_addresses(n), (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
}

// Messages as "<topic> <short hash or size>[ label seq] #<notifier sequence>@<socket>".
class Capture final : public zmq::MessageSink {
public:
    void publish(ZmqMessage m) override {
        std::string s = zmq::topic_name(m.topic);
        if (m.topic == Topic::RAWBLOCK || m.topic == Topic::RAWTX) {
            s += " raw";
        } else {
            s += " " + hex_encode(ByteView(m.body).subspan(0, 4));
        }
        if (m.topic == Topic::SEQUENCE) {
            s += std::string(" ") + char(m.body[32]);
            if (m.body.size() == 41) s += std::to_string(read_le64(m.body.data() + 33));
        }
        s += " #" + std::to_string(m.sequence) + "@" + std::to_string(m.socket);
        messages.push_back(s);
        bodies.push_back(m.body);
    }
    std::vector<std::string> take() {
        std::vector<std::string> out;
        out.swap(messages);
        return out;
    }
    std::vector<std::string> messages;
    std::vector<Bytes> bodies;
};

std::string short_hash(const uint256& h) { return h.to_hex().substr(0, 8); }

class ZmqNotify : public ::testing::Test {
protected:
    void SetUp() override {
        tc_ = std::make_unique<TestChain>(::testing::UnitTest::GetInstance()->current_test_info()->name());
        tc_->mine_blocks(kStartHeight);
        pool_ = std::make_unique<Mempool>(tc_->chain(), MempoolOptions{});
        // Core's order: by topic, then as given; hashtx twice on two sockets.
        notifications_ = std::make_unique<zmq::ZmqNotifications>(
            std::vector<zmq::NotifierConfig>{{Topic::HASHBLOCK, "tcp://a", 1000},
                                             {Topic::HASHTX, "tcp://a", 1000},
                                             {Topic::HASHTX, "tcp://b", 1000},
                                             {Topic::RAWBLOCK, "tcp://a", 1000},
                                             {Topic::RAWTX, "tcp://a", 1000},
                                             {Topic::SEQUENCE, "tcp://a", 1000}},
            sink_);
        notifications_->attach(tc_->chain(), pool_.get());
        for (int h = 1; h <= 10; ++h)
            for (const Utxo& u : tc_->coinbase_utxos(h)) coins_.push_back(u);
    }
    void TearDown() override {
        notifications_.reset();
        pool_.reset();
        tc_.reset();
    }
    Utxo coin() { return coins_.at(next_++); }

    std::unique_ptr<TestChain> tc_;
    std::unique_ptr<Mempool> pool_;
    Capture sink_;
    std::unique_ptr<zmq::ZmqNotifications> notifications_;
    std::vector<Utxo> coins_;
    size_t next_ = 0;
};

TEST_F(ZmqNotify, CoreOrderThroughMempoolBlocksAndReorg) {
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 1000, 1);
    const Transaction a2 = tc_->spend1(u, 5000, 2);  // replaces a
    const std::string ta = short_hash(a.txid()), ta2 = short_hash(a2.txid());

    ASSERT_TRUE(pool_->accept(a).accepted);
    EXPECT_EQ(sink_.take(), (std::vector<std::string>{"hashtx " + ta + " #0@0", "hashtx " + ta + " #0@1",
                                                      "rawtx raw #0@0", "sequence " + ta + " A1 #0@0"}));

    ASSERT_TRUE(pool_->accept(a2).accepted);
    EXPECT_EQ(sink_.take(),
              (std::vector<std::string>{"sequence " + ta + " R2 #1@0", "hashtx " + ta2 + " #1@0",
                                        "hashtx " + ta2 + " #1@1", "rawtx raw #1@0", "sequence " + ta2 + " A3 #2@0"}));

    // A block confirming a2: its removal takes number 4 silently; then each transaction
    // (coinbase first), C, and the tip's hashblock and rawblock.
    const Block block = tc_->mine({a2});
    const std::string tb = short_hash(block.hash()), tcb = short_hash(block.txs[0].txid());
    EXPECT_EQ(sink_.take(), (std::vector<std::string>{
                                "hashtx " + tcb + " #2@0", "hashtx " + tcb + " #2@1", "rawtx raw #2@0",
                                "hashtx " + ta2 + " #3@0", "hashtx " + ta2 + " #3@1", "rawtx raw #3@0",
                                "sequence " + tb + " C #3@0", "hashblock " + tb + " #0@0", "rawblock raw #0@0"}));
    EXPECT_EQ(sink_.bodies.back(), block.serialize(true));
    EXPECT_EQ(pool_->sequence(), 5u);

    // invalidateblock: the block's transactions and D first, then the mempool takes a2
    // back (A 5); no hashblock (nothing was connected).
    ValidationState state;
    ASSERT_TRUE(tc_->chain().invalidate_block(block.hash(), state));
    EXPECT_EQ(sink_.take(),
              (std::vector<std::string>{"hashtx " + tcb + " #4@0", "hashtx " + tcb + " #4@1", "rawtx raw #4@0",
                                        "hashtx " + ta2 + " #5@0", "hashtx " + ta2 + " #5@1", "rawtx raw #5@0",
                                        "sequence " + tb + " D #4@0", "hashtx " + ta2 + " #6@0",
                                        "hashtx " + ta2 + " #6@1", "rawtx raw #6@0", "sequence " + ta2 + " A5 #5@0"}));

    // A block spending a2's coin another way: the mempool drops a2 (R, conflict) before C.
    const Transaction a3 = tc_->spend1(u, 7000, 3);
    const Block b2 = tc_->mine({a3});
    const std::vector<std::string> got = sink_.take();
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got[0], "sequence " + ta2 + " R6 #6@0");
    EXPECT_EQ(got[got.size() - 3], "sequence " + short_hash(b2.hash()) + " C #7@0");

    // Detached: nothing more.
    notifications_->detach();
    tc_->mine_blocks(1);
    EXPECT_TRUE(sink_.take().empty());
}

// ---- The publisher on real sockets -------------------------------------------------------

TEST(ZmqPublisher, SubscriberReceivesThreePartMessages) {
    const std::string address = "tcp://127.0.0.1:" + std::to_string(free_port());
    const std::vector<zmq::NotifierConfig> notifiers = {{Topic::HASHTX, address, 1000},
                                                        {Topic::SEQUENCE, address, 1000}};
    std::string error;
    std::unique_ptr<zmq::ZmqPublisher> publisher = zmq::ZmqPublisher::start(notifiers, &error);
    ASSERT_TRUE(publisher) << error;

    ::zmq::context_t context;
    ::zmq::socket_t sub(context, ::zmq::socket_type::sub);
    sub.set(::zmq::sockopt::subscribe, "hashtx");
    sub.set(::zmq::sockopt::rcvtimeo, 100);
    sub.connect(address);
    // A subscription takes a moment to reach the publisher: publish until one arrives.
    std::vector<::zmq::message_t> parts;
    uint32_t sent = 0;
    const bool arrived = wait_until(
        [&] {
            publisher->publish(ZmqMessage{0, Topic::HASHTX, Bytes(32, 0xab), sent++});
            publisher->publish(ZmqMessage{0, Topic::SEQUENCE, Bytes(33, 0xcd), 0});  // not subscribed
            parts.clear();
            return ::zmq::recv_multipart(sub, std::back_inserter(parts)).has_value();
        },
        std::chrono::seconds(30), std::chrono::milliseconds(10));
    ASSERT_TRUE(arrived);
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[0].to_string(), "hashtx");
    EXPECT_EQ(parts[1].size(), 32u);
    EXPECT_EQ(static_cast<const uint8_t*>(parts[1].data())[0], 0xab);
    ASSERT_EQ(parts[2].size(), 4u);
    EXPECT_LT(read_le32(static_cast<const uint8_t*>(parts[2].data())), sent);
    publisher->stop();
    publisher->stop();  // idempotent
    EXPECT_EQ(publisher->dropped(), 0u);
}

TEST(ZmqPublisher, UnbindableAddressesAreRefusedWithAReason) {
    const std::string address = "tcp://127.0.0.1:" + std::to_string(free_port());
    std::string error;
    auto first = zmq::ZmqPublisher::start({{Topic::HASHBLOCK, address, 1000}}, &error);
    ASSERT_TRUE(first) << error;
    // The same port again: taken.
    EXPECT_FALSE(zmq::ZmqPublisher::start({{Topic::RAWTX, address, 1000}}, &error));
    EXPECT_EQ(error, "-zmqpubrawtx=" + address + ": Address already in use");
    // Not an address libzmq can bind.
    for (const char* bad : {"foo", "tcp://", "tcp://256.1.1.1:1", "tcp://127.0.0.1:notaport", ""}) {
        error.clear();
        EXPECT_FALSE(zmq::ZmqPublisher::start({{Topic::SEQUENCE, bad, 1000}}, &error)) << bad;
        EXPECT_TRUE(error.starts_with(std::string("-zmqpubsequence=") + bad + ": ")) << error;
    }
    // After a failure nothing stays bound: a good address on a fresh port still works.
    const std::string other = "tcp://127.0.0.1:" + std::to_string(free_port());
    EXPECT_TRUE(zmq::ZmqPublisher::start({{Topic::HASHTX, other, 5}, {Topic::RAWTX, other, 7}}, &error)) << error;
}

TEST(ZmqPublisher, PublishAfterStopIsDroppedNotQueued) {
    const std::string address = "tcp://127.0.0.1:" + std::to_string(free_port());
    std::string error;
    auto publisher = zmq::ZmqPublisher::start({{Topic::RAWBLOCK, address, 1000}}, &error);
    ASSERT_TRUE(publisher) << error;
    publisher->stop();  // the thread is gone: nothing drains the queue any more
    publisher->publish(ZmqMessage{0, Topic::RAWBLOCK, Bytes(10, 1), 0});
    EXPECT_EQ(publisher->dropped(), 1u);  // refused at once, not queued
}

}  // namespace
}  // namespace minicash::test
