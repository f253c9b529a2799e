// Connection types and permissions as the protocol logic applies them, on fake peers
// (p2p_test_harness.h): block-relay-only and feeler connections, the stale-tip check and
// outbound eviction (lagging chains, extra peers), and the effects of noban, relay,
// forcerelay, mempool and addr.
#include <gtest/gtest.h>

#include "net/addrman.h"
#include "net/net_permissions.h"
#include "test/net/p2p_test_harness.h"
#include "util/hash.h"

namespace minicash::net::test {
namespace {

// Our node out of initial download (a recent tip), with the fake mempool.
struct Node {
    explicit Node(const std::string& tag) : h(tag) {
        h.chain.mine_blocks(1);
        h.start();
        EXPECT_FALSE(h.logic->in_initial_block_download());
    }
    // A peer that has told us about our own tip (so its chain is as good as ours).
    std::shared_ptr<Peer> peer_at_our_tip(const PeerOptions& o = {}) {
        auto p = h.connect_ready(o);
        h.deliver(p, cmd::HEADERS, encode_headers(headers_of(h.chain.chain(), 1, 1)));
        h.take(p);
        return p;
    }
    P2PHarness h;
};

PeerOptions block_relay() { return PeerOptions().with_type(ConnType::BLOCK_RELAY); }

std::vector<AddrEntry> routable_addresses(int n, uint32_t time) {
    std::vector<AddrEntry> out;
    for (int i = 0; i < n; ++i)
        out.push_back(AddrEntry{time, NODE_NETWORK | NODE_WITNESS,
                                Service::parse("100." + std::to_string(i) + ".7.1:8333", 8333)});
    return out;
}

bool has_command(const std::vector<std::string>& commands, const std::string& c) {
    return std::find(commands.begin(), commands.end(), c) != commands.end();
}

// ---- block-relay-only connections ----

TEST(P2PBlockRelay, VersionSaysNoRelayAndNoAddressesAreExchanged) {
    Node n("br-handshake");
    P2PHarness& h = n.h;
    h.is_listening = true;  // we would advertise ourselves on a full-relay connection
    auto p = h.connect(block_relay());
    auto v = decode_version(h.payloads(p, cmd::VERSION).at(0));
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->relay) << "relay=0: no transaction announcements, please";
    h.take(p);
    h.handshake(p, block_relay());
    const auto commands = h.commands(p);
    EXPECT_FALSE(has_command(commands, cmd::GETADDR));
    EXPECT_FALSE(has_command(commands, cmd::ADDR));
    EXPECT_FALSE(has_command(commands, cmd::ADDRV2));
    EXPECT_TRUE(has_command(commands, cmd::GETHEADERS)) << "blocks do flow";
    EXPECT_FALSE(p->relay_txs) << "whatever its version said";
    // No feefilter (no transactions flow), no addresses ever.
    h.pass(5min);
    EXPECT_EQ(h.count(p, cmd::FEEFILTER), 0u);
    EXPECT_EQ(h.count(p, cmd::ADDR) + h.count(p, cmd::ADDRV2), 0u);
    // A full-relay peer of the same age did get both.
    auto f = h.connect_ready();
    h.pass(2min);
    EXPECT_GT(h.count(f, cmd::FEEFILTER), 0u);
}

TEST(P2PBlockRelay, TransactionsAreNotAnnouncedNorServed) {
    Node n("br-tx");
    P2PHarness& h = n.h;
    auto b = h.connect_ready(block_relay());
    auto f = h.connect_ready();
    const Transaction tx = make_tx(1);
    h.txpool.add(tx);
    h.pass(30s);
    EXPECT_EQ(h.count(b, cmd::INV), 0u);
    EXPECT_EQ(h.invs(f, cmd::INV).size(), 1u);
    h.deliver(b, cmd::GETDATA, inv_payload(MSG_WTX, {tx.wtxid()}));
    EXPECT_EQ(h.count(b, cmd::TX), 0u);
    EXPECT_EQ(h.count(b, cmd::NOTFOUND), 0u) << "the request is ignored";
    EXPECT_FALSE(h.is_closed(b));
}

TEST(P2PBlockRelay, PeerThatAnnouncesOrSendsTransactionsIsDisconnectedNotDiscouraged) {
    Node n("br-violation");
    P2PHarness& h = n.h;
    auto a = h.connect_ready(block_relay());
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {make_tx(1).wtxid()}));
    EXPECT_TRUE(h.is_closed(a));
    EXPECT_FALSE(h.banman.is_discouraged(a->addr.addr));
    auto b = h.connect_ready(block_relay());
    h.deliver(b, cmd::TX, make_tx(2).serialize(true));
    EXPECT_TRUE(h.is_closed(b));
    EXPECT_FALSE(h.banman.is_discouraged(b->addr.addr));
    EXPECT_TRUE(h.txpool.offered.empty()) << "nothing reached the mempool";
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PBlockRelay, AddressesFromItAreIgnoredAndNoneAreRelayedToIt) {
    Node n("br-addr");
    P2PHarness& h = n.h;
    auto b = h.connect_ready(block_relay());
    const size_t before = h.addresses.size();
    h.deliver(b, cmd::ADDR, encode_addr(routable_addresses(3, uint32_t(h.clock.unix_now())), false));
    EXPECT_EQ(h.addresses.size(), before);
    // A fresh announcement from an inbound peer is relayed to others, never to b.
    auto o1 = h.connect_ready();
    auto o2 = h.connect_ready();
    auto src = h.connect_ready(inbound());
    for (int round = 0; round < 10; ++round) {
        h.deliver(src, cmd::ADDR,
                  encode_addr({AddrEntry{uint32_t(h.clock.unix_now()), NODE_NETWORK,
                                         Service::parse("101." + std::to_string(round) + ".1.1:8333", 8333)}},
                              false));
        h.clock.advance(20s);
    }
    h.pass(2min);
    EXPECT_EQ(h.count(b, cmd::ADDR) + h.count(b, cmd::ADDRV2), 0u);
    EXPECT_GT(h.count(o1, cmd::ADDR) + h.count(o2, cmd::ADDR), 0u);
}

// ---- feelers ----

TEST(P2PFeeler, LeavesAfterTheVersionAndMarksTheAddressGood) {
    Node n("feeler");
    P2PHarness& h = n.h;
    auto p = h.connect(PeerOptions().with_type(ConnType::FEELER));
    VersionMsg v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    v.time = h.clock.unix_now();
    v.start_height = 1;
    h.deliver(p, cmd::VERSION, encode_version(v));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_EQ(p->disconnect_reason(), "feeler connection completed");
    auto info = h.addresses.find(p->addr);
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->tried) << "it answered: a good address";
    EXPECT_TRUE(h.misbehaved.empty());
}

// ---- stale tip and outbound eviction ----

TEST(P2POutboundEviction, StaleTipAsksForAnExtraOutboundPeerUntilABlockArrives) {
    Node n("stale-tip");
    P2PHarness& h = n.h;
    std::vector<std::shared_ptr<Peer>> peers;
    for (int i = 0; i < 8; ++i) peers.push_back(n.peer_at_our_tip());
    h.pass(25min);
    EXPECT_FALSE(h.try_new_outbound) << "no block for less than 3 block intervals (30 min)";
    h.pass(12min);
    EXPECT_TRUE(h.try_new_outbound) << "no new block for 30 minutes";
    for (const auto& p : peers) EXPECT_FALSE(h.is_closed(p)) << "peers at our tip are not lagging";
    // A block connects; at the next stale check (every 10 minutes) the wish is withdrawn.
    h.chain.mine_blocks(1);
    h.settle();
    h.pass(11min);
    EXPECT_FALSE(h.try_new_outbound);
}

TEST(P2POutboundEviction, ExtraFullRelayPeerThatAnnouncedLeastRecentlyIsEvicted) {
    Node n("extra-full");
    P2PHarness& h = n.h;
    std::vector<std::shared_ptr<Peer>> peers;
    for (int i = 0; i < 9; ++i) peers.push_back(h.connect_ready());  // one more than the 8 wanted
    for (int i = 0; i < 9; ++i) peers[size_t(i)]->last_block_announcement = 1700000100 + i;
    peers[5]->last_block_announcement = 1700000050;  // the stalest announcer
    h.try_new_outbound = true;
    h.pass(50s);  // connected for more than 30 s, one 45-s check
    for (int i = 0; i < 9; ++i) EXPECT_EQ(h.is_closed(peers[size_t(i)]), i == 5) << i;
    EXPECT_EQ(peers[5]->disconnect_reason(), "extra outbound peer");
    EXPECT_FALSE(h.try_new_outbound) << "a better peer was found: no more extra peers";
}

TEST(P2POutboundEviction, ProtectedPeersAndYoungPeersAreNotEvicted) {
    Node n("extra-protected");
    P2PHarness& h = n.h;
    std::vector<std::shared_ptr<Peer>> peers;
    // Four peers that had our tip's work are protected for good.
    for (int i = 0; i < 4; ++i) peers.push_back(n.peer_at_our_tip());
    for (int i = 4; i < 9; ++i) peers.push_back(h.connect_ready());
    for (auto& p : peers) p->last_block_announcement = 1700000100;
    for (int i = 0; i < 4; ++i) peers[size_t(i)]->last_block_announcement = 1;  // older, but protected
    h.clock.advance(10s);
    h.tick();
    EXPECT_EQ(h.extra_full_outbound_count(), 1);
    for (auto& p : peers) EXPECT_FALSE(h.is_closed(p)) << "connected for less than 30 s";
    h.pass(50s);
    int closed = 0;
    for (int i = 0; i < 9; ++i) {
        if (!h.is_closed(peers[size_t(i)])) continue;
        ++closed;
        EXPECT_EQ(i, 8) << "ties go to the youngest, never a protected peer";
    }
    EXPECT_EQ(closed, 1);
}

TEST(P2POutboundEviction, LaggingOutboundPeerGetsOneGetheadersThenIsDropped) {
    Node n("lagging");
    P2PHarness& h = n.h;
    auto good = n.peer_at_our_tip();
    auto lag = h.connect_ready();  // never shows our tip's work
    ASSERT_TRUE(lag->sync_started);
    h.pass(19min);
    EXPECT_FALSE(h.is_closed(lag));
    h.take(lag);
    h.pass(2min);  // CHAIN_SYNC_TIMEOUT (20 min) passed: a last getheaders
    EXPECT_FALSE(h.is_closed(lag));
    ASSERT_GE(h.count(lag, cmd::GETHEADERS), 1u);
    h.pass(3min);  // HEADERS_RESPONSE_TIME (2 min) without our tip's work
    EXPECT_TRUE(h.is_closed(lag));
    EXPECT_EQ(lag->disconnect_reason(), "outbound peer on an old chain");
    EXPECT_FALSE(h.is_closed(good));
    EXPECT_FALSE(h.banman.is_discouraged(lag->addr.addr));
}

TEST(P2POutboundEviction, LaggingPeerThatCatchesUpIsKept) {
    Node n("lagging-catches-up");
    P2PHarness& h = n.h;
    auto lag = h.connect_ready();
    h.pass(21min);  // the getheaders went out
    h.deliver(lag, cmd::HEADERS, encode_headers(headers_of(h.chain.chain(), 1, 1)));
    h.pass(5min);
    EXPECT_FALSE(h.is_closed(lag));
}

TEST(P2POutboundEviction, ExtraBlockRelayOnlyPeerIsTheYoungestUnlessItGaveABlockFirst) {
    Node n("extra-block-relay");
    P2PHarness& h = n.h;
    auto a = n.peer_at_our_tip(block_relay());
    auto b = n.peer_at_our_tip(block_relay());
    auto c = n.peer_at_our_tip(block_relay());  // the extra one
    c->last_block_time = 1700000500;            // it gave us a block more recently than b
    h.pass(50s);
    EXPECT_FALSE(h.is_closed(a));
    EXPECT_TRUE(h.is_closed(b)) << "the second youngest goes when the youngest is more useful";
    EXPECT_FALSE(h.is_closed(c));

    auto d = n.peer_at_our_tip(block_relay());  // a new extra one, which gave nothing
    h.pass(50s);
    EXPECT_TRUE(h.is_closed(d));
    EXPECT_FALSE(h.is_closed(a));
    EXPECT_FALSE(h.is_closed(c));
}

TEST(P2POutboundEviction, ExtraBlockRelayPeersStartOnceTheTipIsRecent) {
    P2PHarness h("extra-br-start");
    h.chain.mine_blocks(1);
    h.clock.advance(std::chrono::hours(5));  // our tip is older than 20 block intervals
    h.start();
    h.pass(2min);
    EXPECT_FALSE(h.extra_block_relay_started);
    h.chain.set_now(h.clock.unix_now());
    h.chain.mine_blocks(1);
    h.settle();
    h.pass(2min);
    EXPECT_TRUE(h.extra_block_relay_started);
}

// ---- permissions ----

TEST(P2PPermissions, NobanPeerIsNeitherDisconnectedNorDiscouraged) {
    Node n("perm-noban");
    P2PHarness& h = n.h;
    // An inv above 50,000 entries: misbehaviour.
    const Bytes too_many = encode_inv(std::vector<Inv>(kMaxInvEntries + 1, Inv{MSG_TX, uint256()}));
    auto p = h.connect_ready(inbound().with_permissions(PF_NOBAN));
    h.deliver(p, cmd::INV, too_many);
    EXPECT_EQ(h.misbehaved.size(), 1u);
    EXPECT_FALSE(h.is_closed(p));
    EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
    // The same from a peer without the permission: disconnected and discouraged.
    auto q = h.connect_ready(inbound());
    h.deliver(q, cmd::INV, too_many);
    EXPECT_TRUE(h.is_closed(q));
    EXPECT_TRUE(h.banman.is_discouraged(q->addr.addr));
}

TEST(P2PPermissions, MempoolRequestIsAnsweredOnlyWithThePermission) {
    Node n("perm-mempool");
    P2PHarness& h = n.h;
    const Transaction cheap = make_tx(1), rich = make_tx(2);
    h.txpool.add(cheap, 1000);
    h.txpool.add(rich, 9000);
    h.pass(11min);  // no longer offered again on its own (the unbroadcast window)
    auto p = h.connect_ready(inbound().with_permissions(PF_MEMPOOL));
    h.deliver(p, cmd::FEEFILTER, encode_i64(5000));
    h.deliver(p, cmd::MEMPOOL);
    h.pass(30s);  // answered at the next trickle
    EXPECT_EQ(h.invs(p, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, rich.wtxid()}})) << "above its fee filter only";
    EXPECT_GT(p->last_mempool_request, 0) << "remembered (transactions older than it may be served)";

    auto q = h.connect_ready(inbound());
    h.deliver(q, cmd::MEMPOOL);
    EXPECT_TRUE(h.is_closed(q)) << "no bloom filters, no permission: disconnected";
    EXPECT_FALSE(h.banman.is_discouraged(q->addr.addr));
    auto r = h.connect_ready(inbound().with_permissions(PF_NOBAN));
    h.deliver(r, cmd::MEMPOOL);
    EXPECT_FALSE(h.is_closed(r)) << "noban: ignored";
    h.pass(30s);
    EXPECT_EQ(h.count(r, cmd::INV), 0u);
}

TEST(P2PPermissions, ForcerelayRelaysATransactionWeAlreadyHave) {
    Node n("perm-forcerelay");
    P2PHarness& h = n.h;
    const Transaction tx = make_tx(7);
    h.txpool.add(tx);
    h.pass(11min);                   // no longer offered again on its own (the unbroadcast window)
    auto later = h.connect_ready();  // joined after the announcements went out
    auto plain = h.connect_ready(inbound());
    h.deliver(plain, cmd::TX, tx.serialize(true));
    h.pass(30s);
    EXPECT_EQ(h.count(later, cmd::INV), 0u) << "already in the mempool: nothing to relay";
    auto force = h.connect_ready(inbound().with_permissions(PF_FORCERELAY));
    h.pass(10s);
    EXPECT_EQ(h.count(force, cmd::FEEFILTER), 0u) << "no fee filter for forcerelay peers";
    h.deliver(force, cmd::TX, tx.serialize(true));
    h.pass(30s);
    EXPECT_EQ(h.invs(later, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
}

TEST(P2PPermissions, RelayPermissionLiftsTheAnnouncementCap) {
    Node n("perm-relay");
    P2PHarness& h = n.h;
    h.txpool.decide = [](const Transaction&) { return AcceptResult{}; };
    std::vector<uint256> hashes;
    for (int i = 0; i < 6000; ++i) hashes.push_back(sha256(Bytes{uint8_t(i), uint8_t(i >> 8), 0x5a}));
    auto plain = h.connect_ready(inbound());
    auto relay = h.connect_ready(inbound().with_permissions(PF_RELAY));
    std::vector<uint256> first(hashes.begin(), hashes.begin() + 3000), second(hashes.begin() + 3000, hashes.end());
    for (const auto& p : {plain, relay}) {
        h.deliver(p, cmd::INV, inv_payload(MSG_WTX, first));
        h.deliver(p, cmd::INV, inv_payload(MSG_WTX, second));
    }
    EXPECT_LE(plain->tx_to_request.size() + plain->tx_in_flight.size(), Peer::kMaxTxToRequest + Peer::kMaxTxInFlight);
    EXPECT_EQ(relay->tx_to_request.size() + relay->tx_in_flight.size(), 6000u);
}

TEST(P2PPermissions, AddrPermissionLiftsTheRateLimit) {
    Node n("perm-addr");
    P2PHarness& h = n.h;
    auto plain = h.connect_ready(inbound());
    auto addr = h.connect_ready(inbound().with_permissions(PF_ADDR));
    const uint32_t now = uint32_t(h.clock.unix_now());
    const size_t before = h.addresses.size();
    h.deliver(plain, cmd::ADDR, encode_addr(routable_addresses(20, now), false));
    EXPECT_EQ(h.addresses.size(), before + 1) << "one token";
    std::vector<AddrEntry> more;
    for (int i = 0; i < 20; ++i)
        more.push_back(AddrEntry{now, NODE_NETWORK, Service::parse("102." + std::to_string(i) + ".7.1:8333", 8333)});
    h.deliver(addr, cmd::ADDR, encode_addr(more, false));
    EXPECT_EQ(h.addresses.size(), before + 21) << "no limit";
}

}  // namespace
}  // namespace minicash::net::test
