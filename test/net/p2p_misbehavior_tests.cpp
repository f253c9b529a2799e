// Misbehaviour as Core's current release handles it (net/misbehavior.h): for each row of
// the table in src/net/README.md, a fake peer (p2p_test_harness.h) sends the bad message
// and the test checks what follows (dropped, disconnected, discouraged) and that a peer
// whose message was only dropped is still served afterwards. The framing rows (checksum,
// command, magic, size) are in net_tests (MessageParser) and the process test
// (test/functional/p2p_misbehavior.py).
#include <gtest/gtest.h>

#include "net/misbehavior.h"
#include "net/net_permissions.h"
#include "test/net/p2p_test_harness.h"

namespace minicash::net::test {
namespace {

// The peer answers a ping: it is connected and served.
bool still_served(P2PHarness& h, const std::shared_ptr<Peer>& p, uint64_t nonce) {
    if (h.is_closed(p)) return false;
    h.deliver(p, cmd::PING, encode_u64(nonce));
    for (const Bytes& pong : h.payloads(p, cmd::PONG))
        if (decode_ping(pong) == nonce) return true;
    return false;
}

bool reported(const P2PHarness& h, const std::shared_ptr<Peer>& p, Misbehavior what) {
    for (const auto& r : h.reports)
        if (r.peer == p->id && r.what == what) return true;
    return false;
}

// A version message whose user agent is `ua_length` bytes (encode_version caps it at 256).
Bytes version_with_user_agent(size_t ua_length) {
    VersionMsg v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    v.nonce = 42;
    Bytes b = encode_version(v);  // empty user agent: one 0x00 byte at offset 80
    const size_t at = 4 + 8 + 8 + 26 + 26 + 8;
    EXPECT_EQ(b.at(at), 0);
    Bytes ua{0xfd, uint8_t(ua_length & 0xff), uint8_t(ua_length >> 8)};
    ua.insert(ua.end(), ua_length, 'x');
    b.erase(b.begin() + long(at));
    b.insert(b.begin() + long(at), ua.begin(), ua.end());
    return b;
}

std::vector<AddrEntry> addresses(int n) {
    std::vector<AddrEntry> out;
    for (int i = 0; i < n; ++i) {
        const std::string text = std::to_string(100 + i / 250) + "." + std::to_string(i % 250) + ".9.1:8333";
        out.push_back(AddrEntry{1700000000, NODE_NETWORK | NODE_WITNESS, Service::parse(text, 8333)});
    }
    return out;
}

TEST(P2PMisbehaviorTable, EveryCaseHasOneRuleInOrder) {
    const auto rules = misbehavior_rules();
    ASSERT_EQ(rules.size(), size_t(Misbehavior::BAD_FILTER_REQUEST) + 1);
    for (size_t i = 0; i < rules.size(); ++i) {
        EXPECT_EQ(size_t(rules[i].what), i);
        EXPECT_NE(std::string(rules[i].reason), "");
        EXPECT_NE(std::string(rules[i].core), "");
        EXPECT_EQ(&misbehavior_rule(rules[i].what), &rules[i]);
    }
    // What Core 28+ stopped punishing: only dropped.
    for (Misbehavior m : {Misbehavior::BAD_CHECKSUM, Misbehavior::BAD_COMMAND, Misbehavior::BEFORE_VERSION,
                          Misbehavior::DUPLICATE_VERSION, Misbehavior::UNDECODABLE})
        EXPECT_EQ(misbehavior_rule(m).action, PeerAction::DROP) << misbehavior_rule(m).reason;
    for (Misbehavior m : {Misbehavior::WRONG_MAGIC, Misbehavior::OVERSIZED_MESSAGE, Misbehavior::FEATURE_AFTER_VERACK})
        EXPECT_EQ(misbehavior_rule(m).action, PeerAction::DISCONNECT) << misbehavior_rule(m).reason;
}

TEST(P2PMisbehaviorTable, BlockRejectionsArePunishedAsCore) {
    using R = ValidationResult;
    // Plain block or headers message.
    EXPECT_TRUE(block_rejection_punishable(R::CONSENSUS, false, false, true));
    EXPECT_TRUE(block_rejection_punishable(R::MUTATED, false, false, true));
    EXPECT_TRUE(block_rejection_punishable(R::INVALID_HEADER, false, false, true));
    EXPECT_TRUE(block_rejection_punishable(R::INVALID_PREV, false, false, true));
    EXPECT_TRUE(block_rejection_punishable(R::MISSING_PREV, false, false, true));
    EXPECT_FALSE(block_rejection_punishable(R::TIME_FUTURE, false, false, false));
    // Known invalid: outbound peers only.
    EXPECT_FALSE(block_rejection_punishable(R::CONSENSUS, true, false, true));
    EXPECT_TRUE(block_rejection_punishable(R::CONSENSUS, true, false, false));
    // Via a compact block: only the header's own failures.
    EXPECT_FALSE(block_rejection_punishable(R::CONSENSUS, false, true, false));
    EXPECT_FALSE(block_rejection_punishable(R::MUTATED, false, true, false));
    EXPECT_FALSE(block_rejection_punishable(R::CONSENSUS, true, true, false));
    EXPECT_TRUE(block_rejection_punishable(R::INVALID_HEADER, false, true, false));
}

// ---- handshake ----

TEST(P2PMisbehavior, MessageBeforeVersionIsDroppedAndTheHandshakeStillWorks) {
    P2PHarness h("mb-early");
    h.start();
    auto p = h.connect(inbound());
    h.deliver(p, cmd::PING, encode_u64(1));
    h.deliver(p, cmd::GETHEADERS, Bytes{1, 2, 3});
    EXPECT_FALSE(h.is_closed(p));
    EXPECT_TRUE(reported(h, p, Misbehavior::BEFORE_VERSION));
    EXPECT_EQ(h.count(p, cmd::PONG), 0u) << "not answered";
    h.handshake(p);
    EXPECT_TRUE(p->successfully_connected);
    EXPECT_TRUE(still_served(h, p, 7));
    EXPECT_TRUE(h.misbehaved.empty());
    EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
}

TEST(P2PMisbehavior, SecondVersionAndVerackAreDropped) {
    P2PHarness h("mb-dup");
    h.start();
    auto p = h.connect_ready(inbound());
    VersionMsg v;
    v.services = NODE_NETWORK;
    h.deliver(p, cmd::VERSION, encode_version(v));
    h.deliver(p, cmd::VERACK);
    EXPECT_TRUE(reported(h, p, Misbehavior::DUPLICATE_VERSION));
    EXPECT_TRUE(reported(h, p, Misbehavior::DUPLICATE_VERACK));
    EXPECT_EQ(p->services, NODE_NETWORK | NODE_WITNESS) << "the first version stands";
    EXPECT_TRUE(still_served(h, p, 8));
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PMisbehavior, MessagesBeforeVerackAreDropped) {
    P2PHarness h("mb-preverack");
    h.start();
    auto p = h.connect(inbound());
    VersionMsg v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    h.deliver(p, cmd::VERSION, encode_version(v));
    h.deliver(p, cmd::PING, encode_u64(3));
    EXPECT_TRUE(reported(h, p, Misbehavior::BEFORE_VERACK));
    EXPECT_EQ(h.count(p, cmd::PONG), 0u);
    // sendheaders and sendcmpct state preferences and are taken before verack, as Core.
    const size_t reports = h.reports.size();
    h.deliver(p, cmd::SENDHEADERS);
    h.deliver(p, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{true, 2}));
    EXPECT_EQ(h.reports.size(), reports);
    EXPECT_TRUE(p->prefer_headers);
    EXPECT_TRUE(p->provides_cmpct);
    EXPECT_TRUE(p->hb_from);
    h.deliver(p, cmd::VERACK);
    EXPECT_TRUE(still_served(h, p, 9));
}

TEST(P2PMisbehavior, UserAgentOver256BytesDropsTheVersionOnly) {
    P2PHarness h("mb-useragent");
    h.start();
    auto p = h.connect(inbound());
    h.deliver(p, cmd::VERSION, version_with_user_agent(300));
    EXPECT_FALSE(h.is_closed(p));
    EXPECT_FALSE(p->version_received);
    EXPECT_TRUE(reported(h, p, Misbehavior::UNDECODABLE));
    EXPECT_EQ(h.count(p, cmd::VERSION), 0u) << "no handshake from a version we could not read";
    h.handshake(p);  // a readable version afterwards is accepted
    EXPECT_TRUE(p->successfully_connected);
    EXPECT_TRUE(still_served(h, p, 10));
    // Exactly 256 bytes is fine.
    auto q = h.connect(inbound());
    h.deliver(q, cmd::VERSION, version_with_user_agent(256));
    EXPECT_TRUE(q->version_received);
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PMisbehavior, FeatureNegotiationAfterVerackDisconnectsWithoutDiscouraging) {
    P2PHarness h("mb-late");
    h.start();
    auto a = h.connect_ready(inbound());
    auto b = h.connect_ready(inbound());
    h.deliver(a, cmd::WTXIDRELAY);
    h.deliver(b, cmd::SENDADDRV2);
    for (const auto& p : {a, b}) {
        EXPECT_TRUE(h.is_closed(p));
        EXPECT_TRUE(reported(h, p, Misbehavior::FEATURE_AFTER_VERACK));
        EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
    }
    EXPECT_TRUE(h.misbehaved.empty());
}

// ---- payloads ----

TEST(P2PMisbehavior, UndecodablePayloadsAreDroppedAndThePeerIsStillServed) {
    P2PHarness h("mb-undecodable");
    h.chain.mine_blocks(1);  // out of initial download: transactions are read
    h.start();
    ASSERT_FALSE(h.logic->in_initial_block_download());
    auto p = h.connect_ready(inbound());
    const Bytes truncated_count{0xfd, 0xff};
    const std::vector<std::pair<std::string, Bytes>> cases = {
        {cmd::GETDATA, truncated_count},   {cmd::INV, truncated_count},      {cmd::NOTFOUND, truncated_count},
        {cmd::HEADERS, Bytes{1, 2, 3}},    {cmd::ADDR, truncated_count},     {cmd::ADDRV2, Bytes{1, 0}},
        {cmd::GETHEADERS, Bytes{1}},       {cmd::GETBLOCKS, Bytes{1}},       {cmd::PING, Bytes{1, 2}},
        {cmd::FEEFILTER, Bytes{1}},        {cmd::SENDCMPCT, Bytes{}},        {cmd::TX, Bytes{1, 2, 3}},
        {cmd::CMPCTBLOCK, Bytes{1, 2, 3}}, {cmd::GETBLOCKTXN, Bytes{1, 2}},  {cmd::BLOCKTXN, Bytes{1, 2}},
        {cmd::GETCFILTERS, Bytes{0, 1}},   {cmd::GETCFHEADERS, Bytes{0, 1}}, {cmd::GETCFCHECKPT, Bytes{0, 1}},
    };
    uint64_t nonce = 100;
    for (const auto& [command, payload] : cases) {
        const size_t before = h.reports.size();
        h.deliver(p, command, payload);
        ASSERT_EQ(h.reports.size(), before + 1) << command;
        EXPECT_EQ(h.reports.back().what, Misbehavior::UNDECODABLE) << command;
        EXPECT_EQ(h.reports.back().detail.rfind(command + " message", 0), 0u) << h.reports.back().detail;
        EXPECT_TRUE(still_served(h, p, ++nonce)) << command;
    }
    EXPECT_TRUE(h.misbehaved.empty());
    EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
}

TEST(P2PMisbehavior, UndecodableBlockIsDropped) {
    P2PHarness h("mb-badblock");
    h.start();
    auto p = h.connect_ready(inbound());
    Bytes garbage(200, 0x42);
    h.deliver(p, cmd::BLOCK, garbage);
    EXPECT_TRUE(still_served(h, p, 5));
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PMisbehavior, UnknownCommandsAndBadFeeFiltersAreIgnored) {
    P2PHarness h("mb-unknown");
    h.start();
    auto p = h.connect_ready(inbound());
    h.deliver(p, "bogus", Bytes{1, 2, 3});
    h.deliver(p, cmd::FEEFILTER, encode_i64(-1));
    EXPECT_TRUE(reported(h, p, Misbehavior::UNKNOWN_COMMAND));
    EXPECT_TRUE(reported(h, p, Misbehavior::BAD_FEEFILTER));
    EXPECT_EQ(p->fee_filter, 0);
    EXPECT_TRUE(still_served(h, p, 6));
}

TEST(P2PMisbehavior, ListsAboveTheirMaximumAreDiscouraged) {
    P2PHarness h("mb-oversized");
    h.start();
    const std::vector<Inv> inv(kMaxInvEntries + 1, Inv{MSG_TX, uint256()});
    const std::vector<BlockHeader> headers(kMaxHeadersResults + 1);
    const std::vector<std::tuple<std::string, Bytes, Misbehavior>> cases = {
        {cmd::INV, encode_inv(inv), Misbehavior::TOO_MANY_INVENTORY},
        {cmd::GETDATA, encode_inv(inv), Misbehavior::TOO_MANY_INVENTORY},
        {cmd::ADDR, encode_addr(addresses(int(kMaxAddrEntries) + 1), false), Misbehavior::TOO_MANY_ADDRESSES},
        {cmd::ADDRV2, encode_addr(addresses(int(kMaxAddrEntries) + 1), true), Misbehavior::TOO_MANY_ADDRESSES},
        {cmd::HEADERS, encode_headers(headers), Misbehavior::TOO_MANY_HEADERS},
    };
    for (const auto& [command, payload, what] : cases) {
        auto p = h.connect_ready(inbound());
        h.deliver(p, command, payload);
        EXPECT_TRUE(h.is_closed(p)) << command;
        EXPECT_TRUE(reported(h, p, what)) << command;
        EXPECT_TRUE(h.banman.is_discouraged(p->addr.addr)) << command;
    }
    EXPECT_EQ(h.misbehaved.size(), cases.size());
    // At the maximum: fine.
    auto q = h.connect_ready(inbound());
    h.deliver(q, cmd::NOTFOUND, encode_inv(inv));  // notfound above it: ignored (Core)
    h.deliver(q, cmd::ADDR, encode_addr(addresses(int(kMaxAddrEntries)), false));
    EXPECT_TRUE(still_served(h, q, 11));
}

TEST(P2PMisbehavior, LongLocatorDisconnectsWithoutDiscouraging) {
    P2PHarness h("mb-locator");
    h.start();
    GetHeadersMsg m;
    m.version = uint32_t(kProtocolVersion);
    m.locator.assign(kMaxLocatorEntries + 1, uint256());
    for (const char* command : {cmd::GETHEADERS, cmd::GETBLOCKS}) {
        auto p = h.connect_ready(inbound());
        h.deliver(p, command, encode_getheaders(m));
        EXPECT_TRUE(h.is_closed(p)) << command;
        EXPECT_TRUE(reported(h, p, Misbehavior::LOCATOR_TOO_LONG)) << command;
        EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr)) << command;
    }
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PMisbehavior, TransactionsOnBlockRelayOnlyConnectionsDisconnect) {
    P2PHarness h("mb-blockrelay");
    h.start();
    auto a = h.connect_ready(PeerOptions().with_type(ConnType::BLOCK_RELAY));
    h.deliver(a, cmd::INV, encode_inv({Inv{MSG_WTX, uint256()}}));
    auto b = h.connect_ready(PeerOptions().with_type(ConnType::BLOCK_RELAY));
    h.deliver(b, cmd::TX, Bytes{1, 2, 3});
    for (const auto& p : {a, b}) {
        EXPECT_TRUE(h.is_closed(p));
        EXPECT_TRUE(reported(h, p, Misbehavior::TX_RELAY_NOT_AGREED));
        EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
    }
}

// ---- who is never discouraged ----

TEST(P2PMisbehavior, LocalPeersAreDisconnectedButNotDiscouraged) {
    P2PHarness h("mb-loopback");
    h.start();
    auto p = h.connect_ready(inbound().with_addr("127.0.0.1:40000"));
    h.deliver(p, cmd::INV, encode_inv(std::vector<Inv>(kMaxInvEntries + 1, Inv{MSG_TX, uint256()})));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_FALSE(p->discourage_on_close);
    EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
}

TEST(P2PMisbehavior, ManualAndNobanPeersAreOnlyLogged) {
    P2PHarness h("mb-manual");
    h.start();
    const Bytes too_many = encode_inv(std::vector<Inv>(kMaxInvEntries + 1, Inv{MSG_TX, uint256()}));
    auto m = h.connect_ready(PeerOptions().with_type(ConnType::MANUAL));
    auto n = h.connect_ready(inbound().with_permissions(PF_NOBAN));
    for (const auto& p : {m, n}) {
        h.deliver(p, cmd::INV, too_many);
        EXPECT_TRUE(still_served(h, p, 12));
        EXPECT_FALSE(h.banman.is_discouraged(p->addr.addr));
    }
    EXPECT_EQ(h.misbehaved.size(), 2u);
}

}  // namespace
}  // namespace minicash::net::test
