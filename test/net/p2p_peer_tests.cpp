// Handshake, pings and address relay limits, on fake peers (misbehaviour:
// p2p_misbehavior_tests.cpp) (p2p_test_harness.h): no sockets, no processes.
#include <gtest/gtest.h>

#include <set>

#include "net/eviction.h"
#include "test/net/p2p_test_harness.h"

namespace minicash::net::test {
namespace {

constexpr int64_t kMaxMoneySats = int64_t(21000000) * 100000000;

VersionMsg sent_version(P2PHarness& h, const std::shared_ptr<Peer>& p) {
    auto v = h.payloads(p, cmd::VERSION);
    EXPECT_EQ(v.size(), 1u);
    auto m = decode_version(v.at(0));
    EXPECT_TRUE(m);
    return *m;
}

uint64_t sent_ping_nonce(P2PHarness& h, const std::shared_ptr<Peer>& p) {
    auto pings = h.payloads(p, cmd::PING);
    EXPECT_FALSE(pings.empty());
    return pings.empty() ? 0 : *decode_ping(pings.back());
}

std::vector<AddrEntry> routable_addresses(int first, int n, uint32_t time) {
    std::vector<AddrEntry> out;
    for (int i = first; i < first + n; ++i) {
        const std::string text = std::to_string(100 + i / 250) + "." + std::to_string(i % 250) + ".7." +
                                 std::to_string(1 + i % 200) + ":8333";
        out.push_back(AddrEntry{time, NODE_NETWORK | NODE_WITNESS, Service::parse(text, 8333)});
    }
    return out;
}

// ---- handshake ----

TEST(P2PHandshake, OutboundSendsVersionThenNegotiatesAndStartsSync) {
    P2PHarness h("hs-out");
    h.start();
    auto p = h.connect();
    ASSERT_EQ(h.commands(p), std::vector<std::string>{cmd::VERSION});
    const VersionMsg ours = sent_version(h, p);
    EXPECT_EQ(ours.version, kProtocolVersion);
    EXPECT_EQ(ours.services, kLocalServices);
    EXPECT_EQ(ours.user_agent, "/minicash:0.1.0/");
    EXPECT_EQ(ours.start_height, 0);
    EXPECT_TRUE(ours.relay);
    EXPECT_NE(ours.nonce, 0u);
    EXPECT_EQ(ours.time, h.clock.unix_now());
    h.take(p);

    h.handshake(p);
    const std::vector<std::string> expected = {cmd::WTXIDRELAY, cmd::SENDADDRV2, cmd::VERACK, cmd::SENDHEADERS,
                                               cmd::SENDCMPCT,  cmd::GETADDR,    cmd::PING,   cmd::GETHEADERS};
    EXPECT_EQ(h.commands(p), expected);
    EXPECT_TRUE(p->successfully_connected);
    EXPECT_TRUE(p->wtxid_relay);
    // A peer that completed the handshake on an outbound connection is a good address.
    EXPECT_EQ(h.addresses.size(), 1u);
}

TEST(P2PHandshake, InboundWaitsForTheirVersionAndNeverAsksForAddresses) {
    P2PHarness h("hs-in");
    h.start();
    auto p = h.connect(inbound());
    EXPECT_TRUE(h.commands(p).empty());
    h.handshake(p, inbound());
    const std::vector<std::string> expected = {cmd::VERSION,     cmd::WTXIDRELAY, cmd::SENDADDRV2, cmd::VERACK,
                                               cmd::SENDHEADERS, cmd::SENDCMPCT,  cmd::PING,       cmd::GETHEADERS};
    EXPECT_EQ(h.commands(p), expected);
    EXPECT_EQ(h.addresses.size(), 0u);
}

TEST(P2PHandshake, FeefilterIsMaxMoneyDuringInitialDownload) {
    P2PHarness h("hs-feefilter");
    h.start();
    auto p = h.connect_ready();
    h.tick(2);
    auto filters = h.payloads(p, cmd::FEEFILTER);
    ASSERT_EQ(filters.size(), 1u);
    EXPECT_EQ(*decode_feefilter(filters[0]), kMaxMoneySats);
    h.pass(60s);
    EXPECT_EQ(h.count(p, cmd::FEEFILTER), 1u) << "an unchanged filter is not sent again";
}

TEST(P2PHandshake, FeefilterIsTheMempoolMinimumAfterInitialDownload) {
    P2PHarness h("hs-feefilter-synced");
    h.chain.mine_blocks(1);  // a recent tip: not in initial download
    h.txpool.min_fee_rate = FeeRate{2500};
    h.start();
    auto p = h.connect_ready();
    h.tick(2);
    auto filters = h.payloads(p, cmd::FEEFILTER);
    ASSERT_EQ(filters.size(), 1u);
    EXPECT_EQ(*decode_feefilter(filters[0]), 2500);
}

TEST(P2PHandshake, OldVersionIsDroppedWithoutPunishment) {
    P2PHarness h("hs-old");
    h.start();
    auto p = h.connect(inbound());
    VersionMsg v;
    v.version = kMinPeerProtocolVersion - 1;
    v.services = NODE_NETWORK;
    h.deliver(p, cmd::VERSION, encode_version(v));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_EQ(p->disconnect_reason(), "obsolete protocol version");
    EXPECT_TRUE(h.misbehaved.empty());
    EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
}

TEST(P2PHandshake, ConnectionToOurselfIsDetectedByTheNonce) {
    P2PHarness h("hs-self");
    h.start();
    auto out = h.connect();
    const VersionMsg ours = sent_version(h, out);
    auto in = h.connect(inbound());
    VersionMsg echo = ours;  // our own version message arriving on the inbound side
    h.deliver(in, cmd::VERSION, encode_version(echo));
    EXPECT_TRUE(h.is_closed(in));
    EXPECT_EQ(in->disconnect_reason(), "connected to self");
    EXPECT_FALSE(h.is_closed(out));
}

TEST(P2PHandshake, OutboundPeerWithoutWitnessIsDropped) {
    P2PHarness h("hs-services");
    h.start();
    auto p = h.connect();
    h.handshake(p, PeerOptions().with_services(NODE_NETWORK));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_EQ(p->disconnect_reason(), "does not offer the expected services");
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PHandshake, MessagesBeforeVerackAreIgnored) {
    P2PHarness h("hs-early");
    h.start();
    auto p = h.connect(inbound());
    VersionMsg v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    v.nonce = 99;
    h.deliver(p, cmd::VERSION, encode_version(v));
    h.take(p);
    h.deliver(p, cmd::PING, encode_u64(5));
    h.deliver(p, cmd::GETADDR);
    EXPECT_TRUE(h.commands(p).empty());
    EXPECT_FALSE(h.is_closed(p));
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PHandshake, PingIsAnsweredAndOurPingsMeasureLatency) {
    P2PHarness h("hs-ping");
    h.start();
    auto p = h.connect();
    h.handshake(p);
    const uint64_t ours = sent_ping_nonce(h, p);
    h.deliver(p, cmd::HEADERS, encode_headers({}));  // it has no blocks for us
    h.take(p);

    h.deliver(p, cmd::PING, encode_u64(77));
    ASSERT_EQ(h.payloads(p, cmd::PONG).size(), 1u);
    EXPECT_EQ(*decode_ping(h.payloads(p, cmd::PONG)[0]), 77u);

    h.clock.advance(250ms);
    h.deliver(p, cmd::PONG, encode_u64(ours + 1));  // not our nonce: ignored
    EXPECT_EQ(p->ping_nonce, ours);
    h.deliver(p, cmd::PONG, encode_u64(ours));
    EXPECT_EQ(p->ping_nonce, 0u);
    EXPECT_DOUBLE_EQ(p->min_ping_seconds, 0.25);

    h.take(p);
    h.pass(119s);
    EXPECT_EQ(h.count(p, cmd::PING), 0u);
    h.pass(2s);
    EXPECT_EQ(h.count(p, cmd::PING), 1u) << "a new ping every two minutes";
}

// ---- addresses ----

TEST(P2PAddr, UnsolicitedAddressesAreRateLimitedByTheTokenBucket) {
    P2PHarness h("addr-bucket");
    h.start();
    auto p = h.connect_ready(inbound());
    const uint32_t now = uint32_t(h.clock.unix_now());
    h.deliver(p, cmd::ADDR, encode_addr(routable_addresses(0, 20, now), false));
    EXPECT_EQ(h.addresses.size(), 1u) << "one token to start with";
    h.clock.advance(100s);  // 0.1 address per second
    h.deliver(p, cmd::ADDR, encode_addr(routable_addresses(20, 20, now), false));
    EXPECT_EQ(h.addresses.size(), 11u);
    h.deliver(p, cmd::ADDR, encode_addr(routable_addresses(40, 20, now), false));
    EXPECT_EQ(h.addresses.size(), 11u) << "the bucket is empty";
    EXPECT_FALSE(h.is_closed(p)) << "rate limiting is not punishment";
    EXPECT_EQ(p->addr_processed, 11u);
    EXPECT_EQ(p->addr_rate_limited, 49u);
}

TEST(P2PAddr, AnswerToOurGetaddrMayBeLarge) {
    P2PHarness h("addr-getaddr");
    h.start();
    auto p = h.connect();
    h.handshake(p);
    ASSERT_EQ(h.count(p, cmd::GETADDR), 1u);
    const size_t before = h.addresses.size();
    h.deliver(p, cmd::ADDR, encode_addr(routable_addresses(0, 1000, uint32_t(h.clock.unix_now())), false));
    // 1,000 tokens after our getaddr (a few addresses collide in the address manager).
    EXPECT_GT(h.addresses.size() - before, 800u);
    EXPECT_LT(p->addr_tokens, 2.0);
}

TEST(P2PAddr, SmallFreshAnnouncementsAreRelayedToTwoOtherPeers) {
    P2PHarness h("addr-relay");
    h.start();
    auto from = h.connect_ready(inbound());
    std::vector<std::shared_ptr<Peer>> others;
    for (int i = 0; i < 4; ++i) others.push_back(h.connect_ready(inbound()));
    const auto entry = routable_addresses(0, 1, uint32_t(h.clock.unix_now()));
    h.deliver(from, cmd::ADDR, encode_addr(entry, false));
    h.pass(1s);
    int relayed = 0;
    for (const auto& p : others) {
        for (const Bytes& payload : h.payloads(p, cmd::ADDR)) {
            auto got = decode_addr(payload, false);
            ASSERT_TRUE(got);
            ASSERT_EQ(got->size(), 1u);
            EXPECT_EQ(*got->at(0).service, *entry[0].service);
            ++relayed;
        }
    }
    EXPECT_EQ(relayed, 2);
    EXPECT_EQ(h.count(from, cmd::ADDR), 0u) << "never back to its source";
}

TEST(P2PAddr, GetaddrIsAnsweredOnceAndOnlyForInboundPeers) {
    P2PHarness h("addr-serve");
    h.start();
    for (const AddrEntry& e : routable_addresses(0, 200, uint32_t(h.clock.unix_now())))
        h.addresses.add(*e.service, e.services, e.time, e.service->addr);
    const size_t known = h.addresses.size();
    ASSERT_GT(known, 50u);
    auto in = h.connect_ready(inbound());
    auto out = h.connect_ready();
    h.deliver(in, cmd::GETADDR);
    h.deliver(out, cmd::GETADDR);
    h.pass(1s);
    ASSERT_EQ(h.count(in, cmd::ADDR), 1u);
    auto answer = decode_addr(h.payloads(in, cmd::ADDR)[0], false);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->size(), (known * 23 + 99) / 100) << "23% of the known addresses";
    EXPECT_EQ(h.count(out, cmd::ADDR), 0u);
    h.take(in);
    h.deliver(in, cmd::GETADDR);
    h.pass(60s);
    EXPECT_EQ(h.count(in, cmd::ADDR), 0u) << "once per connection";
}

TEST(P2PAddr, GetaddrAnswersComeFromACacheKeptAboutADay) {
    P2PHarness h("addr-cache");
    h.start();
    for (const AddrEntry& e : routable_addresses(0, 200, uint32_t(h.clock.unix_now())))
        h.addresses.add(*e.service, e.services, e.time, e.service->addr);
    auto answer = [&h] {
        auto p = h.connect_ready(inbound());
        h.deliver(p, cmd::GETADDR);
        h.pass(1s);
        std::set<std::string> out;
        for (const Bytes& b : h.payloads(p, cmd::ADDR)) {
            const std::vector<AddrEntry> entries = decode_addr(b, false).value_or(std::vector<AddrEntry>{});
            for (const AddrEntry& e : entries) out.insert(e.service->to_string());
        }
        return out;
    };
    const auto first = answer();
    ASSERT_FALSE(first.empty());
    for (const AddrEntry& e : routable_addresses(200, 400, uint32_t(h.clock.unix_now())))
        h.addresses.add(*e.service, e.services, e.time, e.service->addr);
    EXPECT_EQ(answer(), first) << "a second connection gets the same (cached) answer";
    h.clock.advance(std::chrono::hours(27) + 1s);
    const auto later = answer();
    EXPECT_NE(later, first) << "refreshed after 21-27 hours";
    EXPECT_GT(later.size(), first.size());
}

TEST(P2PAddr, AddrFetchConnectionLeavesAfterTheAnswer) {
    P2PHarness h("addr-fetch");
    h.start();
    auto p = h.connect_ready(PeerOptions().with_type(ConnType::ADDR_FETCH));
    EXPECT_EQ(h.count(p, cmd::GETHEADERS), 0u);
    h.deliver(p, cmd::ADDR, encode_addr(routable_addresses(0, 3, uint32_t(h.clock.unix_now())), false));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_EQ(p->disconnect_reason(), "addr-fetch connection done");
    EXPECT_EQ(h.addresses.size(), 3u);
}

TEST(P2PAddr, UnroutableAddressesAreNotStored) {
    P2PHarness h("addr-unroutable");
    h.start();
    auto p = h.connect();
    h.handshake(p);
    std::vector<AddrEntry> entries;
    for (const char* a : {"10.0.0.1:8333", "192.168.1.1:8333", "127.0.0.1:8333"})
        entries.push_back(AddrEntry{uint32_t(h.clock.unix_now()), NODE_NETWORK, Service::parse(a, 8333)});
    const size_t before = h.addresses.size();
    h.deliver(p, cmd::ADDR, encode_addr(entries, false));
    EXPECT_EQ(h.addresses.size(), before);
}

}  // namespace
}  // namespace minicash::net::test
