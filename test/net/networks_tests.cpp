// The pure pieces behind connection types, permissions and proxies: BIP155 addresses
// (Tor v3, I2P, CJDNS) in text, addrv2 and the address manager; tried-table collisions;
// anchors.dat; the SOCKS5 client state machine; -whitelist/-whitebind parsing; which
// outbound connection comes next and which address it may use.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "consensus/serialize.h"
#include "net/addrman.h"
#include "net/anchors.h"
#include "net/net_permissions.h"
#include "net/outbound_policy.h"
#include "net/protocol.h"
#include "net/socks5.h"
#include "test/util/temp_dir.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::net {
namespace {

constexpr const char* kOnion = "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion";
constexpr const char* kOnionKey = "79bcc625184b05194975c28b66b66b0469f7f6556fb1ac3189a79b40dda32f1f";
constexpr const char* kI2P = "udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.i2p";
constexpr const char* kI2PKey = "a0ce38ce2224d2cecaf9929388f73379259c0c27e0debdbd7ca4cd085b55e25a";
const Magic kRegtestMagic = {0xfa, 0xbf, 0xb5, 0xda};

Bytes unhex(const char* h) { return *hex_decode(h); }

Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// ---- BIP155 addresses ----

TEST(Bip155, TorV3NamesAreCheckedAndRoundTrip) {
    auto a = NetAddr::parse(kOnion);
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_tor());
    EXPECT_TRUE(a->is_valid());
    EXPECT_TRUE(a->is_routable());
    EXPECT_FALSE(a->is_addr_v1_compatible());
    EXPECT_EQ(a->network(), NetType::ONION);
    EXPECT_EQ(a->to_string(), kOnion);
    EXPECT_EQ(Bytes(a->bip155_bytes().begin(), a->bip155_bytes().end()), unhex(kOnionKey));
    EXPECT_EQ(*NetAddr::from_bip155(4, unhex(kOnionKey)), *a);
    // Core's broken examples: wrong checksum, wrong version; and bad lengths/characters.
    EXPECT_FALSE(NetAddr::parse("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscsad.onion"));
    EXPECT_FALSE(NetAddr::parse("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrye.onion"));
    EXPECT_FALSE(NetAddr::parse("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry.onion"));
    EXPECT_FALSE(NetAddr::parse("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscry1.onion"));
    EXPECT_FALSE(NetAddr::parse("5wyqrzbvrdsumnok.onion")) << "Tor v2 is gone";
    EXPECT_FALSE(NetAddr::parse(".onion"));
    auto s = Service::parse(std::string(kOnion) + ":8333", 1);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->to_string(), std::string(kOnion) + ":8333");
    EXPECT_EQ(Service::parse(kOnion, 18444)->port, 18444);
}

TEST(Bip155, I2PAndCjdnsAddresses) {
    auto a = NetAddr::parse("UDHDrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jna.b32.I2P");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_i2p());
    EXPECT_EQ(a->to_string(), kI2P);
    EXPECT_EQ(Bytes(a->bip155_bytes().begin(), a->bip155_bytes().end()), unhex(kI2PKey));
    EXPECT_EQ(a->network(), NetType::I2P);
    EXPECT_FALSE(NetAddr::parse("udhdrtrcetjm5sxzskjyr5ztpeszydbh4dpl3pl4utgqqw2v4jn.b32.i2p"));

    // CJDNS: an IPv6 address in fc00::/8 becomes CJDNS only when CJDNS is reachable.
    auto v6 = NetAddr::parse("fc00:1:2:3:4:5:6:7");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->is_ipv6());
    EXPECT_FALSE(v6->is_routable()) << "fc00::/7 is private IPv6";
    EXPECT_EQ(v6->maybe_cjdns(false), *v6);
    const NetAddr c = v6->maybe_cjdns(true);
    EXPECT_TRUE(c.is_cjdns());
    EXPECT_TRUE(c.is_routable());
    EXPECT_EQ(c.network(), NetType::CJDNS);
    EXPECT_EQ(c.to_string(), "fc00:1:2:3:4:5:6:7");
    EXPECT_EQ((Service{c, 8888}.to_string()), "[fc00:1:2:3:4:5:6:7]:8888");
    EXPECT_FALSE(NetAddr::parse("2001:db8::1")->maybe_cjdns(true).is_cjdns());
    Bytes not_fc(16, 0x11);
    EXPECT_FALSE(NetAddr::from_bip155(6, not_fc)) << "CJDNS addresses start with 0xfc";
    EXPECT_FALSE(NetAddr::from_bip155(3, Bytes(10, 1))) << "Tor v2";
    EXPECT_FALSE(NetAddr::from_bip155(4, Bytes(31, 1))) << "wrong size";
    EXPECT_FALSE(NetAddr::from_bip155(9, Bytes(4, 1))) << "unknown network";
}

TEST(Bip155, GroupsSpreadPrivacyNetworksByTheirFirstBits) {
    const NetAddr onion = *NetAddr::parse(kOnion);
    EXPECT_EQ(onion.group(), (Bytes{uint8_t(NetType::ONION), uint8_t(0x79 | 0x0f)}));
    const NetAddr i2p = *NetAddr::parse(kI2P);
    EXPECT_EQ(i2p.group(), (Bytes{uint8_t(NetType::I2P), uint8_t(0xa0 | 0x0f)}));
    const NetAddr cjdns = NetAddr::parse("fc12:3456::1")->maybe_cjdns(true);
    EXPECT_EQ(cjdns.group(), (Bytes{uint8_t(NetType::CJDNS), 0xfc, uint8_t(0x12 | 0x0f)}));
    EXPECT_NE(onion.group(), NetAddr::parse("1.2.3.4")->group());
}

TEST(Bip155, AddrV2CarriesEveryNetworkAndLegacyAddrLeavesThemOut) {
    std::vector<AddrEntry> in = {
        {1700000000, NODE_NETWORK, Service::parse("8.8.8.8:8333", 0)},
        {1700000001, NODE_NETWORK, Service::parse(std::string(kOnion) + ":8333", 0)},
        {1700000002, NODE_NETWORK, Service{*NetAddr::parse(kI2P), 0}},
        {1700000003, NODE_NETWORK, Service{NetAddr::parse("fc00::5")->maybe_cjdns(true), 8333}},
    };
    auto v2 = decode_addr(encode_addr(in, true), true);
    ASSERT_TRUE(v2);
    ASSERT_EQ(v2->size(), 4u);
    for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(v2->at(i).service, in[i].service) << i;
    auto v1 = decode_addr(encode_addr(in, false), false);
    ASSERT_TRUE(v1);
    ASSERT_EQ(v1->size(), 1u) << "only IPv4/IPv6 fit the legacy form";
    EXPECT_EQ(v1->at(0).service, in[0].service);
    // The version message's 16-byte address field carries zeros for them.
    VersionMsg v;
    v.addr_recv.service = *in[1].service;
    auto d = decode_version(encode_version(v));
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->addr_recv.service.addr.is_valid());
}

TEST(Bip155, AddressManagerKeepsThemAndPeersDatRoundTrips) {
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 99);
    const NetAddr source = *NetAddr::parse("5.5.5.5");
    const Service onion = *Service::parse(std::string(kOnion) + ":8333", 0);
    const Service i2p{*NetAddr::parse(kI2P), 0};
    const Service cjdns{NetAddr::parse("fc00::7")->maybe_cjdns(true), 8333};
    const Service v4 = *Service::parse("9.9.9.9:8333", 0);
    EXPECT_TRUE(am.add(onion, NODE_NETWORK, now, source));
    EXPECT_FALSE(am.add(i2p, NODE_NETWORK, now, source)) << "port 0 is refused (as for every address)";
    const Service i2p_port{i2p.addr, 1};
    EXPECT_TRUE(am.add(i2p_port, NODE_NETWORK, now, source));
    EXPECT_TRUE(am.add(cjdns, NODE_NETWORK, now, source));
    EXPECT_TRUE(am.add(v4, NODE_NETWORK, now, source));
    EXPECT_TRUE(am.good(onion));
    EXPECT_EQ(am.size(), 4u);

    minicash::test::TempDir dir("peers-v2");
    std::string err;
    ASSERT_TRUE(am.save(dir.path() / "peers.dat", kRegtestMagic, &err)) << err;
    AddrMan back([&] { return now; }, 1);
    ASSERT_TRUE(back.load(dir.path() / "peers.dat", kRegtestMagic, &err)) << err;
    EXPECT_EQ(back.size(), 4u);
    EXPECT_TRUE(back.find(onion)->tried);
    EXPECT_TRUE(back.find(cjdns)->service.addr.is_cjdns());
    EXPECT_TRUE(back.find(i2p_port));

    // A truncated file is refused and leaves the table empty.
    const auto size = std::filesystem::file_size(dir.path() / "peers.dat");
    std::filesystem::resize_file(dir.path() / "peers.dat", size - 40);
    EXPECT_FALSE(back.load(dir.path() / "peers.dat", kRegtestMagic, &err));
    EXPECT_EQ(back.size(), 0u);
}

TEST(Bip155, VersionOnePeersDatIsStillRead) {
    // A format-1 file, written by hand: one IPv4 entry in the new table.
    Bytes out;
    Writer w(out);
    const char magic[8] = {'m', 'c', 'p', 'e', 'e', 'r', 's', 0};
    w.bytes(ByteView(reinterpret_cast<const uint8_t*>(magic), 8));
    w.u32(1);
    w.bytes(kRegtestMagic);
    w.bytes(Bytes(32, 3));
    w.u32(1);
    w.u8(0);
    const NetAddr a = *NetAddr::parse("9.8.7.6");
    w.bytes(ByteView(a.v6_bytes().data(), 16));
    w.u8(0x20);
    w.u8(0x8d);
    w.u64(NODE_NETWORK);
    w.i64(1700000000);
    w.bytes(ByteView(NetAddr::parse("1.1.1.1")->v6_bytes().data(), 16));
    w.i64(0);
    w.i64(0);
    w.i32(0);
    w.hash(sha256d(out));
    minicash::test::TempDir dir("peers-v1");
    {
        std::ofstream f(dir.path() / "peers.dat", std::ios::binary);
        f.write(reinterpret_cast<const char*>(out.data()), std::streamsize(out.size()));
    }
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 5);
    std::string err;
    ASSERT_TRUE(am.load(dir.path() / "peers.dat", kRegtestMagic, &err)) << err;
    ASSERT_EQ(am.size(), 1u);
    EXPECT_TRUE(am.find(Service{a, 8333}));
}

// ---- tried-table collisions (test before evict) ----

// Two addresses whose tried slots collide, found by search.
std::pair<Service, Service> colliding_pair(AddrMan& am, int64_t now) {
    const NetAddr source = *NetAddr::parse("5.5.5.5");
    std::vector<Service> tried;
    for (int i = 1; i < 5000; ++i) {
        const Service s =
            *Service::parse("50." + std::to_string(i % 200) + "." + std::to_string(i / 200) + ".1:8333", 0);
        if (!am.add(s, NODE_NETWORK | NODE_WITNESS, now, source)) continue;
        const size_t before = am.tried_count();
        if (!am.good(s)) return {tried.empty() ? s : tried.front(), s};  // s collided with an occupant
        if (am.tried_count() == before) continue;
        tried.push_back(s);
    }
    ADD_FAILURE() << "no collision found";
    return {};
}

TEST(AddrManCollisions, TheNewcomerWaitsForAFeelerToTestTheOccupant) {
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 77);
    auto [first, newcomer] = colliding_pair(am, now);
    ASSERT_EQ(am.collision_count(), 1u);
    EXPECT_FALSE(am.find(newcomer)->tried) << "kept in new meanwhile";
    auto occupant = am.select_tried_collision();
    ASSERT_TRUE(occupant);
    EXPECT_TRUE(occupant->tried);
    // The occupant answered recently: it stays, the collision is forgotten.
    am.resolve_collisions();
    EXPECT_EQ(am.collision_count(), 0u);
    EXPECT_FALSE(am.find(newcomer)->tried);
    EXPECT_TRUE(am.find(occupant->service)->tried);
}

TEST(AddrManCollisions, AnOccupantThatFailsItsTestIsReplaced) {
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 78);
    auto [first, newcomer] = colliding_pair(am, now);
    ASSERT_EQ(am.collision_count(), 1u);
    const Service occupant = am.select_tried_collision()->service;
    now += 5 * 60 * 60;          // the occupant's success is old now
    am.good(newcomer);           // the newcomer answered again
    am.attempt(occupant, true);  // the feeler to the occupant...
    now += 61;                   // ...got no answer within a minute
    am.resolve_collisions();
    EXPECT_EQ(am.collision_count(), 0u);
    EXPECT_TRUE(am.find(newcomer)->tried);
    auto old = am.find(occupant);
    EXPECT_TRUE(!old || !old->tried) << "pushed back to new (or out)";
}

TEST(AddrManCollisions, WithoutATestTheNewcomerWinsAfterFortyMinutes) {
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 79);
    auto [first, newcomer] = colliding_pair(am, now);
    now += 5 * 60 * 60;  // the occupant: no success, no try in 4 hours
    am.resolve_collisions();
    EXPECT_TRUE(am.find(newcomer)->tried) << "the newcomer's last success is over 40 minutes old";
}

// ---- anchors.dat ----

TEST(Anchors, WrittenReadOnceAndDeleted) {
    minicash::test::TempDir dir("anchors");
    const auto file = dir.path() / "anchors.dat";
    std::vector<AddrEntry> anchors = {
        {1700000000, NODE_NETWORK | NODE_WITNESS, Service::parse("1.2.3.4:8333", 0)},
        {1700000001, NODE_NETWORK | NODE_WITNESS, Service::parse(std::string(kOnion) + ":8333", 0)},
    };
    std::string err;
    ASSERT_TRUE(write_anchors(file, kRegtestMagic, anchors, &err)) << err;
    ASSERT_TRUE(std::filesystem::exists(file));
    auto back = read_anchors(file, kRegtestMagic, &err);
    EXPECT_FALSE(std::filesystem::exists(file)) << "anchors serve one start";
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].service, anchors[0].service);
    EXPECT_EQ(back[1].service, anchors[1].service);
    EXPECT_EQ(back[0].services, anchors[0].services);
    EXPECT_TRUE(read_anchors(file, kRegtestMagic, &err).empty()) << "gone";
}

TEST(Anchors, CoreLayoutAndDamagedFiles) {
    minicash::test::TempDir dir("anchors-bad");
    const auto file = dir.path() / "anchors.dat";
    std::string err;
    ASSERT_TRUE(write_anchors(file, kRegtestMagic, {{7, NODE_NETWORK, Service::parse("1.2.3.4:8333", 0)}}, &err));
    Bytes raw(std::filesystem::file_size(file));
    std::ifstream(file, std::ios::binary).read(reinterpret_cast<char*>(raw.data()), std::streamsize(raw.size()));
    // magic | 1 | (220000|2^29) LE | time LE | services | net 1 | len 4 | 1.2.3.4 | 8333 BE | sha256d
    const Bytes expected_body = unhex(
        "fabfb5da"
        "01"
        "605b0320"
        "07000000"
        "01"
        "01"
        "04"
        "01020304"
        "208d");
    ASSERT_EQ(raw.size(), expected_body.size() + 32);
    EXPECT_EQ(Bytes(raw.begin(), raw.end() - 32), expected_body);

    // Another network's file, a flipped bit, garbage: no anchors, file deleted anyway.
    const Magic other = {1, 2, 3, 4};
    EXPECT_TRUE(read_anchors(file, other, &err).empty());
    EXPECT_FALSE(err.empty());
    EXPECT_FALSE(std::filesystem::exists(file));
    raw[6] ^= 1;
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(raw.data()), std::streamsize(raw.size()));
    EXPECT_TRUE(read_anchors(file, kRegtestMagic, &err).empty());
    EXPECT_FALSE(std::filesystem::exists(file));
    std::ofstream(file, std::ios::binary) << "garbage";
    EXPECT_TRUE(read_anchors(file, kRegtestMagic, &err).empty());
    EXPECT_FALSE(std::filesystem::exists(file));
    // More than two: only two are used.
    std::vector<AddrEntry> many;
    for (int i = 0; i < 5; ++i)
        many.push_back({1, NODE_NETWORK, Service::parse("1.2.3." + std::to_string(i + 1) + ":8333", 0)});
    ASSERT_TRUE(write_anchors(file, kRegtestMagic, many, &err));
    EXPECT_EQ(read_anchors(file, kRegtestMagic, &err).size(), kMaxAnchors);
}

// ---- SOCKS5 ----

// Runs the client against scripted proxy replies; returns everything it sent.
Bytes run_socks5(Socks5Client& c, const std::vector<Bytes>& replies) {
    Bytes sent;
    Socks5Client::Step s = c.start();
    size_t next = 0;
    while (!c.finished()) {
        sent.insert(sent.end(), s.send.begin(), s.send.end());
        if (s.need == 0 || next == replies.size()) break;
        EXPECT_EQ(replies[next].size(), s.need) << "reply " << next;
        if (replies[next].size() != s.need) break;
        s = c.receive(replies[next++]);
    }
    sent.insert(sent.end(), s.send.begin(), s.send.end());
    return sent;
}

TEST(Socks5, ConnectWithoutAuthenticationSendsADomainName) {
    Socks5Client c("15.61.23.23", 1234, std::nullopt);
    const Bytes sent = run_socks5(c, {unhex("0500"), unhex("05000001"), unhex("0a000001208d")});
    EXPECT_TRUE(c.succeeded()) << c.error();
    Bytes expected = unhex(
        "050100"
        "050100030b");
    const std::string host = "15.61.23.23";
    expected.insert(expected.end(), host.begin(), host.end());
    expected.push_back(0x04);
    expected.push_back(0xd2);
    EXPECT_EQ(sent, expected);
}

TEST(Socks5, UsernamePasswordAuthenticationForStreamIsolation) {
    Socks5Client c(kOnion, 8333, ProxyCredentials{"abc-0", "abc-0"});
    const Bytes sent = run_socks5(
        c, {unhex("0502"), unhex("0100"), unhex("05000003"), unhex("04"), Bytes{'a', 'b', 'c', 'd', 0x20, 0x8d}});
    EXPECT_TRUE(c.succeeded()) << c.error();
    EXPECT_EQ(Bytes(sent.begin(), sent.begin() + 4), unhex("05020002")) << "offers no-auth and user/pass";
    EXPECT_EQ(Bytes(sent.begin() + 4, sent.begin() + 17),
              cat(unhex("0105"), Bytes{'a', 'b', 'c', '-', '0', 5, 'a', 'b', 'c', '-', '0'}));
}

TEST(Socks5, ProxyFailuresAndGarbageFailCleanly) {
    struct Case {
        std::vector<Bytes> replies;
        std::string error;
    };
    const std::vector<Case> cases = {
        {{unhex("0400")}, "Proxy failed to initialize"},
        {{unhex("05ff")}, "Proxy requested wrong authentication method ff"},
        {{unhex("0502")}, "Proxy requested wrong authentication method 02"},  // no credentials offered
        {{unhex("0500"), unhex("05050001")}, "connect to 1.2.3.4:8333 failed: connection refused"},
        {{unhex("0500"), unhex("05f00001")},
         "connect to 1.2.3.4:8333 failed: onion service descriptor can not be found"},
        {{unhex("0500"), unhex("05990001")}, "connect to 1.2.3.4:8333 failed: unknown (0x99)"},
        {{unhex("0500"), unhex("04000001")}, "Proxy failed to accept request"},
        {{unhex("0500"), unhex("05000101")}, "malformed proxy response"},
        {{unhex("0500"), unhex("05000007")}, "malformed proxy response"},
    };
    for (const Case& k : cases) {
        Socks5Client c("1.2.3.4", 8333, std::nullopt);
        run_socks5(c, k.replies);
        EXPECT_TRUE(c.finished());
        EXPECT_FALSE(c.succeeded());
        EXPECT_EQ(c.error(), k.error);
    }
    Socks5Client auth("1.2.3.4", 8333, ProxyCredentials{"u", "p"});
    run_socks5(auth, {unhex("0502"), unhex("0101")});
    EXPECT_EQ(auth.error(), "Proxy authentication unsuccessful");
    Socks5Client long_name(std::string(256, 'a'), 1, std::nullopt);
    EXPECT_EQ(long_name.start().send.size(), 0u);
    EXPECT_EQ(long_name.error(), "Hostname too long");
    // Random replies never crash, never ask for more than a small step, always end.
    std::mt19937 rng(3);
    for (int round = 0; round < 2000; ++round) {
        Socks5Client c("1.2.3.4", 8333,
                       round % 2 ? std::optional<ProxyCredentials>(ProxyCredentials{"a", "b"}) : std::nullopt);
        Socks5Client::Step s = c.start();
        int steps = 0;
        while (!c.finished() && s.need > 0) {
            ASSERT_LE(s.need, 257u);
            Bytes r(s.need);
            for (auto& b : r) b = uint8_t(rng());
            if (steps == 0 && round % 3 == 0) r[0] = 5;
            s = c.receive(r);
            ASSERT_LT(++steps, 10);
        }
    }
}

// ---- permissions ----

TEST(Permissions, ParsingAsCore) {
    std::string err;
    auto w = parse_whitelist("noban,relay@1.2.3.0/24", &err);
    ASSERT_TRUE(w) << err;
    EXPECT_EQ(w->flags, uint32_t(PF_NOBAN | PF_RELAY));
    EXPECT_EQ(w->directions, DIR_IN);
    EXPECT_TRUE(w->subnet.contains(*NetAddr::parse("1.2.3.200")));
    EXPECT_EQ(permission_names(w->flags), (std::vector<std::string>{"noban", "relay", "download"}));

    auto implicit = parse_whitelist("127.0.0.1", &err);
    ASSERT_TRUE(implicit);
    EXPECT_EQ(implicit->flags, uint32_t(PF_IMPLICIT));
    auto both = parse_whitelist("in,out,mempool@::1", &err);
    ASSERT_TRUE(both);
    EXPECT_EQ(both->directions, DIR_BOTH);
    EXPECT_EQ(parse_whitelist("bloom,forcerelay,addr@10.0.0.0/8", &err)->flags,
              uint32_t(PF_BLOOMFILTER | PF_FORCERELAY | PF_ADDR));
    EXPECT_EQ(permission_names(PF_ALL),
              (std::vector<std::string>{"bloomfilter", "noban", "forcerelay", "relay", "mempool", "download", "addr"}));
    EXPECT_EQ(parse_whitelist(",,noban,@1.2.3.4", &err)->flags, uint32_t(PF_NOBAN)) << "empty entries are allowed";

    EXPECT_FALSE(parse_whitelist("foo@1.2.3.4", &err));
    EXPECT_EQ(err, "Invalid P2P permission: 'foo'");
    EXPECT_FALSE(parse_whitelist("noban@1.2.3.4/40", &err));
    EXPECT_EQ(err, "Invalid netmask specified in -whitelist: '1.2.3.4/40'");
    EXPECT_FALSE(parse_whitelist("out@1.2.3.4", &err));
    EXPECT_EQ(err, "Only direction was set, no permissions: 'out@1.2.3.4'");
    EXPECT_FALSE(parse_whitelist("noban@", &err));

    auto b = parse_whitebind("mempool@127.0.0.1:18500", &err);
    ASSERT_TRUE(b) << err;
    EXPECT_EQ(b->flags, uint32_t(PF_MEMPOOL));
    EXPECT_EQ(b->service.port, 18500);
    EXPECT_FALSE(parse_whitebind("noban@127.0.0.1", &err));
    EXPECT_EQ(err, "Need to specify a port with -whitebind: '127.0.0.1'");
    EXPECT_FALSE(parse_whitebind("out,noban@127.0.0.1:1", &err));
    EXPECT_EQ(err, "whitebind may only be used for incoming connections (\"out\" was passed)");
    EXPECT_FALSE(parse_whitebind("noban@nowhere:1", &err));
    EXPECT_EQ(err, "Cannot resolve -whitebind address: 'nowhere:1'");
}

TEST(Permissions, ImplicitDefaultsAndDirections) {
    std::string err;
    const std::vector<WhitelistEntry> wl = {*parse_whitelist("10.0.0.0/8", &err),
                                            *parse_whitelist("out,addr@192.168.0.0/16", &err)};
    const NetAddr ten = *NetAddr::parse("10.1.2.3"), lan = *NetAddr::parse("192.168.1.1");
    EXPECT_EQ(apply_whitelist(PF_NONE, ten, wl, DIR_IN, true, false), uint32_t(PF_NOBAN | PF_MEMPOOL | PF_RELAY));
    EXPECT_EQ(apply_whitelist(PF_NONE, ten, wl, DIR_IN, false, true), uint32_t(PF_NOBAN | PF_MEMPOOL | PF_FORCERELAY));
    EXPECT_EQ(apply_whitelist(PF_NONE, ten, wl, DIR_OUT, true, false), uint32_t(PF_NONE)) << "inbound only";
    EXPECT_EQ(apply_whitelist(PF_NONE, lan, wl, DIR_OUT, true, false), uint32_t(PF_ADDR));
    EXPECT_EQ(apply_whitelist(PF_NONE, lan, wl, DIR_IN, true, false), uint32_t(PF_NONE));
    EXPECT_EQ(apply_whitelist(PF_MEMPOOL, lan, wl, DIR_IN, true, false), uint32_t(PF_MEMPOOL)) << "a -whitebind's own";
    EXPECT_EQ(apply_whitelist(PF_IMPLICIT, lan, {}, DIR_IN, true, false), uint32_t(PF_NOBAN | PF_MEMPOOL | PF_RELAY))
        << "a -whitebind without permissions gets the defaults too";
}

// ---- outbound policy ----

TEST(OutboundPolicy, FullRelayThenBlockRelayThenExtrasThenFeelers) {
    OutboundState s;
    EXPECT_EQ(next_outbound(s), OutboundChoice::FULL_RELAY);
    s.anchors_left = true;
    EXPECT_EQ(next_outbound(s), OutboundChoice::ANCHOR) << "anchors before anything";
    s.block_relay = 2;
    EXPECT_EQ(next_outbound(s), OutboundChoice::FULL_RELAY) << "anchors only fill block-relay-only slots";
    s = OutboundState{};
    s.full_relay = 8;
    EXPECT_EQ(next_outbound(s), OutboundChoice::BLOCK_RELAY);
    s.block_relay = 2;
    EXPECT_EQ(next_outbound(s), OutboundChoice::NONE);
    s.feeler_due = true;
    EXPECT_EQ(next_outbound(s), OutboundChoice::FEELER);
    s.extra_block_relay_due = true;
    EXPECT_EQ(next_outbound(s), OutboundChoice::FEELER) << "extra block-relay-only peers wait for the sync";
    s.extra_block_relay_enabled = true;
    EXPECT_EQ(next_outbound(s), OutboundChoice::EXTRA_BLOCK_RELAY);
    s.try_new_outbound_peer = true;
    EXPECT_EQ(next_outbound(s), OutboundChoice::EXTRA_FULL_RELAY);
}

TEST(OutboundPolicy, AddressChecksAsCore) {
    AddrInfo a;
    a.service = *Service::parse("1.2.3.4:8333", 0);
    a.services = NODE_NETWORK | NODE_WITNESS;
    AddressCheck c;
    c.tries = 1;
    c.now = 1700000000;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE);
    c.group_taken = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP) << "one outbound peer per group";
    c.feeler = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE) << "feelers ignore groups";
    c = AddressCheck{1, false, 1700000000};
    c.reachable = false;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP);
    c.reachable = true;
    c.is_local = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::STOP);
    c.is_local = false;
    a.last_try = 1700000000 - 60;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP) << "tried a minute ago";
    c.tries = 30;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE) << "after 30 selections, anyway";
    a.last_try = 0;
    c.tries = 1;
    a.services = NODE_NETWORK;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP) << "no witness";
    c.feeler = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE) << "feelers need a full node only";
    a.services = NODE_NETWORK_LIMITED | NODE_WITNESS;
    c.feeler = false;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP) << "pruned peers only after our download";
    c.initial_download_done = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE);
    a.service.port = 22;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP) << "bad port";
    c.tries = 50;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::USE) << "after 50 selections, anyway";
    c.is_added_node = true;
    EXPECT_EQ(check_outbound_address(a, c), AddressVerdict::SKIP);
    EXPECT_TRUE(is_bad_port(25));
    EXPECT_TRUE(is_bad_port(10080));
    EXPECT_FALSE(is_bad_port(8333));
}

}  // namespace
}  // namespace minicash::net
