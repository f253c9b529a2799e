// Unit tests of src/net: message framing, every payload codec against malformed input,
// network addresses, the address manager and ban list (including persistence), the
// low-work headers presync and the worker.
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "consensus/params.h"
#include "consensus/pow.h"
#include "net/addrman.h"
#include "net/banman.h"
#include "net/headers_sync.h"
#include "net/netaddress.h"
#include "net/protocol.h"
#include "net/worker.h"
#include "test/util/temp_dir.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::net {
namespace {

namespace fs = std::filesystem;

const Magic kRegtestMagic = {0xfa, 0xbf, 0xb5, 0xda};

using test::TempDir;

Bytes bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Feeds `stream` to a parser in chunks of `chunk` bytes; returns the messages and the
// final error. Rejected messages (bad checksum or command) are left out, their reasons
// appended to `rejected`.
std::pair<std::vector<Message>, FrameError> parse_stream(ByteView stream, size_t chunk,
                                                         std::vector<FrameError>* rejected = nullptr) {
    MessageParser p(kRegtestMagic);
    std::vector<Message> out;
    auto take = [&] {
        const FrameError r = p.rejected();
        Message m = p.take();
        if (r == FrameError::NONE) out.push_back(std::move(m));
        else if (rejected) rejected->push_back(r);
    };
    size_t pos = 0;
    while (pos < stream.size() && !p.failed()) {
        ByteView piece = stream.subspan(pos, std::min(chunk, stream.size() - pos));
        while (!piece.empty() && !p.failed()) {
            const size_t used = p.feed(piece);
            piece = piece.subspan(used);
            if (p.has_message()) take();
            else if (used == 0) break;
        }
        pos += std::min(chunk, stream.size() - pos);
    }
    if (p.has_message()) take();
    return {out, p.error()};
}

// ---- framing ----

TEST(Framing, RoundTripAcrossArbitraryChunking) {
    std::vector<std::pair<std::string, Bytes>> msgs = {
        {"verack", {}},
        {"ping", encode_u64(0x0102030405060708ull)},
        {"inv", encode_inv({Inv{MSG_TX, sha256(bytes_of("a"))}, Inv{MSG_WITNESS_BLOCK, sha256(bytes_of("b"))}})},
        {"abcdefghijkl", Bytes(100000, 0x5a)},  // 12-character command, no NUL
    };
    Bytes stream;
    for (const auto& [c, p] : msgs) append(stream, frame_message(kRegtestMagic, c, p));
    for (size_t chunk : {size_t(1), size_t(7), size_t(24), size_t(25), size_t(4096), stream.size()}) {
        auto [out, err] = parse_stream(stream, chunk);
        EXPECT_EQ(err, FrameError::NONE) << chunk;
        ASSERT_EQ(out.size(), msgs.size()) << chunk;
        for (size_t i = 0; i < msgs.size(); ++i) {
            EXPECT_EQ(out[i].command, msgs[i].first);
            EXPECT_EQ(out[i].payload, msgs[i].second);
        }
    }
}

TEST(Framing, HeaderLayout) {
    const Bytes f = frame_message(kRegtestMagic, "ping", encode_u64(1));
    ASSERT_EQ(f.size(), 24u + 8u);
    EXPECT_TRUE(std::equal(kRegtestMagic.begin(), kRegtestMagic.end(), f.begin()));
    EXPECT_EQ(std::string(f.begin() + 4, f.begin() + 8), "ping");
    for (int i = 8; i < 16; ++i) EXPECT_EQ(f[size_t(i)], 0);
    EXPECT_EQ(read_le32(f.data() + 16), 8u);
    const uint256 h = sha256d(ByteView(f.data() + 24, 8));
    EXPECT_TRUE(std::equal(h.begin(), h.begin() + 4, f.begin() + 20));
    // The well-known checksum of an empty payload.
    const Bytes e = frame_message(kRegtestMagic, "verack", {});
    EXPECT_EQ(hex_encode(ByteView(e.data() + 20, 4)), "5df6e0e2");
}

TEST(Framing, WrongChecksumDropsTheMessageOnly) {
    // As Core's V1Transport: the message is read whole and dropped, the stream goes on.
    Bytes f = frame_message(kRegtestMagic, "ping", encode_u64(7));
    f[20] ^= 1;
    Bytes g = frame_message(kRegtestMagic, "ping", encode_u64(7));
    g.back() ^= 0x80;  // payload damaged instead
    Bytes stream = f;
    append(stream, g);
    append(stream, frame_message(kRegtestMagic, "pong", encode_u64(8)));
    for (size_t chunk : {size_t(1), size_t(3), size_t(100)}) {
        std::vector<FrameError> rejected;
        auto [out, err] = parse_stream(stream, chunk, &rejected);
        EXPECT_EQ(err, FrameError::NONE);
        EXPECT_EQ(rejected, (std::vector<FrameError>{FrameError::BAD_CHECKSUM, FrameError::BAD_CHECKSUM}));
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].command, "pong");
    }
}

TEST(Framing, OversizedLengthRejectedBeforeAnyPayload) {
    Bytes f = frame_message(kRegtestMagic, "block", {});
    write_le32(f.data() + 16, uint32_t(kMaxMessageSize + 1));
    MessageParser p(kRegtestMagic);
    EXPECT_EQ(p.feed(f), 24u);
    EXPECT_EQ(p.error(), FrameError::OVERSIZED);
    EXPECT_EQ(p.buffered_bytes(), 0u);  // nothing reserved for the claimed length
    // Exactly the maximum is fine (as far as the header goes).
    write_le32(f.data() + 16, uint32_t(kMaxMessageSize));
    MessageParser q(kRegtestMagic);
    q.feed(f);
    EXPECT_FALSE(q.failed());
    EXPECT_LT(q.buffered_bytes(), 1000u);
    write_le32(f.data() + 16, 0xffffffffu);
    MessageParser r(kRegtestMagic);
    r.feed(f);
    EXPECT_EQ(r.error(), FrameError::OVERSIZED);
}

TEST(Framing, BadMagicAndBadCommand) {
    Bytes f = frame_message({0xf9, 0xbe, 0xb4, 0xd9}, "ping", encode_u64(1));  // mainnet magic
    EXPECT_EQ(parse_stream(f, 100).second, FrameError::BAD_MAGIC);
    // A bad command is read whole and dropped (Core: "Invalid message type").
    Bytes g = frame_message(kRegtestMagic, "ping", encode_u64(1));
    g[9] = 'x';  // data after the NUL padding started
    Bytes h = frame_message(kRegtestMagic, "ping", encode_u64(1));
    h[5] = 0x01;  // control character
    Bytes stream = g;
    append(stream, h);
    append(stream, frame_message(kRegtestMagic, "verack", {}));
    std::vector<FrameError> rejected;
    auto [out, err] = parse_stream(stream, 5, &rejected);
    EXPECT_EQ(err, FrameError::NONE);
    EXPECT_EQ(rejected, (std::vector<FrameError>{FrameError::BAD_COMMAND, FrameError::BAD_COMMAND}));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].command, "verack");
    // A bad command with an oversized length: the length decides (the connection ends).
    Bytes big = frame_message(kRegtestMagic, "ping", {});
    big[5] = 0x01;
    write_le32(big.data() + 16, uint32_t(kMaxMessageSize + 1));
    EXPECT_EQ(parse_stream(big, 100).second, FrameError::OVERSIZED);
    // After an error the parser consumes nothing more.
    MessageParser p(kRegtestMagic);
    p.feed(f);
    EXPECT_TRUE(p.failed());
    EXPECT_EQ(p.feed(g), 0u);
}

TEST(Framing, GarbageNeverCrashesOrBuffersMuch) {
    std::mt19937 rng(42);
    for (int round = 0; round < 2000; ++round) {
        Bytes junk(size_t(rng() % 300));
        for (auto& b : junk) b = uint8_t(rng());
        if (round % 3 == 0 && junk.size() >= 4) std::copy(kRegtestMagic.begin(), kRegtestMagic.end(), junk.begin());
        MessageParser p(kRegtestMagic);
        size_t pos = 0;
        while (pos < junk.size() && !p.failed()) {
            const size_t used = p.feed(ByteView(junk).subspan(pos));
            pos += used;
            if (p.has_message()) p.take();
            else if (used == 0) break;
            ASSERT_LE(p.buffered_bytes(), junk.size());
        }
    }
}

// ---- payload codecs ----

TEST(Codec, VersionRoundTripAndOptionalTail) {
    VersionMsg v;
    v.version = 70016;
    v.services = kLocalServices;
    v.time = 1700000000;
    v.addr_recv.service = *Service::parse("1.2.3.4:8333", 0);
    v.addr_from.services = kLocalServices;
    v.nonce = 0x1122334455667788ull;
    v.user_agent = "/minicash:0.1.0/";
    v.start_height = 812345;
    v.relay = false;
    const Bytes enc = encode_version(v);
    auto d = decode_version(enc);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->version, v.version);
    EXPECT_EQ(d->services, v.services);
    EXPECT_EQ(d->time, v.time);
    EXPECT_EQ(d->addr_recv.service, v.addr_recv.service);
    EXPECT_EQ(d->nonce, v.nonce);
    EXPECT_EQ(d->user_agent, v.user_agent);
    EXPECT_EQ(d->start_height, v.start_height);
    EXPECT_FALSE(d->relay);
    // Without the relay byte (pre-BIP37 peers): relay defaults to true.
    auto short_v = decode_version(ByteView(enc).first(enc.size() - 1));
    ASSERT_TRUE(short_v);
    EXPECT_TRUE(short_v->relay);
    // Truncated inside a mandatory field: an error, for every cut.
    for (size_t cut = 0; cut < 46; ++cut) EXPECT_FALSE(decode_version(ByteView(enc).first(cut))) << cut;
    // A user agent longer than 256 bytes is refused.
    v.user_agent = std::string(300, 'x');
    Bytes big;
    Writer w(big);
    w.i32(70016);
    w.u64(0);
    w.i64(0);
    w.bytes(Bytes(26, 0));
    w.bytes(Bytes(26, 0));
    w.u64(1);
    w.var_bytes(bytes_of(v.user_agent));
    std::string err;
    EXPECT_FALSE(decode_version(big, &err));
    EXPECT_FALSE(err.empty());
}

TEST(Codec, InvLimitsAndLargeMessages) {
    std::vector<Inv> items;
    for (int i = 0; i < 10000; ++i) items.push_back(Inv{i % 2 ? MSG_WTX : MSG_BLOCK, sha256(encode_u64(uint64_t(i)))});
    const Bytes enc = encode_inv(items);
    auto d = decode_inv(enc);
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, items);
    // 50,000 is allowed, 50,001 is not.
    std::vector<Inv> max(kMaxInvEntries);
    EXPECT_TRUE(decode_inv(encode_inv(max)));
    max.emplace_back();
    std::string err;
    EXPECT_FALSE(decode_inv(encode_inv(max), &err));
    EXPECT_EQ(err, "too many inventory entries");
    // A count claiming more entries than there are bytes fails without allocating.
    Bytes lie;
    Writer w(lie);
    w.compact_size(40000);
    w.u32(1);
    EXPECT_FALSE(decode_inv(lie));
    // Truncations.
    for (size_t cut = 1; cut < 80; ++cut) EXPECT_FALSE(decode_inv(ByteView(enc).first(cut))) << cut;
    // Non-canonical count.
    EXPECT_FALSE(decode_inv(Bytes{0xfd, 0x01, 0x00}));
}

TEST(Codec, HeadersLimits) {
    BlockHeader h;
    h.version = 4;
    h.time = 1234;
    h.bits = 0x207fffff;
    std::vector<BlockHeader> hs(kMaxHeadersResults, h);
    auto d = decode_headers(encode_headers(hs));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->size(), kMaxHeadersResults);
    EXPECT_EQ(d->front(), h);
    hs.push_back(h);
    EXPECT_FALSE(decode_headers(encode_headers(hs)));
    EXPECT_TRUE(decode_headers(Bytes{0}));  // empty headers message
    Bytes one = encode_headers({h});
    EXPECT_FALSE(decode_headers(ByteView(one).first(one.size() - 1)));  // missing tx count
    EXPECT_FALSE(decode_headers(ByteView(one).first(40)));
}

TEST(Codec, GetHeadersLocatorBound) {
    GetHeadersMsg m;
    m.locator.resize(kMaxLocatorEntries);
    m.stop = sha256(bytes_of("stop"));
    auto d = decode_getheaders(encode_getheaders(m));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->locator.size(), kMaxLocatorEntries);
    EXPECT_EQ(d->stop, m.stop);
    m.locator.emplace_back();
    EXPECT_FALSE(decode_getheaders(encode_getheaders(m)));
    const Bytes enc = encode_getheaders(GetHeadersMsg{});
    EXPECT_FALSE(decode_getheaders(ByteView(enc).first(enc.size() - 1)));
}

TEST(Codec, AddrV1AndV2) {
    std::vector<AddrEntry> in = {
        {1700000000, NODE_NETWORK, Service::parse("8.8.8.8:8333", 0)},
        {1700000001, NODE_WITNESS, Service::parse("[2001:4860::1]:18444", 0)},
    };
    for (bool v2 : {false, true}) {
        auto d = decode_addr(encode_addr(in, v2), v2);
        ASSERT_TRUE(d) << v2;
        ASSERT_EQ(d->size(), 2u);
        EXPECT_EQ(d->at(0).service, in[0].service);
        EXPECT_EQ(d->at(1).service, in[1].service);
        EXPECT_EQ(d->at(1).services, in[1].services);
        EXPECT_EQ(d->at(0).time, in[0].time);
    }
    // addrv2: a Tor v3 address is kept (BIP155), a Tor v2 one decoded and skipped; a
    // wrong length for IPv4 is an error.
    Bytes tor;
    Writer w(tor);
    w.compact_size(2);
    w.u32(1);
    w.compact_size(1);
    w.u8(4);
    w.var_bytes(Bytes(32, 7));
    w.bytes(Bytes{0x20, 0x8d});  // port 8333, big-endian
    w.u32(1);
    w.compact_size(1);
    w.u8(3);
    w.var_bytes(Bytes(10, 7));
    w.bytes(Bytes{0x20, 0x8d});
    auto t = decode_addr(tor, true);
    ASSERT_TRUE(t);
    ASSERT_EQ(t->size(), 2u);
    ASSERT_TRUE(t->at(0).service);
    EXPECT_TRUE(t->at(0).service->addr.is_tor());
    EXPECT_EQ(t->at(0).service->port, 8333);
    EXPECT_FALSE(t->at(1).service);
    Bytes bad;
    Writer b(bad);
    b.compact_size(1);
    b.u32(1);
    b.compact_size(1);
    b.u8(1);
    b.var_bytes(Bytes(5, 1));
    b.u16(0);
    EXPECT_FALSE(decode_addr(bad, true));
    // Too many entries.
    std::vector<AddrEntry> many(kMaxAddrEntries + 1, in[0]);
    EXPECT_FALSE(decode_addr(encode_addr(many, false), false));
    EXPECT_FALSE(decode_addr(encode_addr(many, true), true));
    // A huge address length is refused without reading it.
    Bytes huge;
    Writer hw(huge);
    hw.compact_size(1);
    hw.u32(1);
    hw.compact_size(1);
    hw.u8(9);
    hw.compact_size(100000);
    EXPECT_FALSE(decode_addr(huge, true));
}

TEST(Codec, SmallMessages) {
    EXPECT_EQ(decode_ping(encode_u64(99)), std::optional<uint64_t>(99));
    EXPECT_FALSE(decode_ping(Bytes(7, 0)));
    EXPECT_EQ(decode_feefilter(encode_i64(1000)), std::optional<int64_t>(1000));
    EXPECT_FALSE(decode_feefilter(Bytes{}));
    Bytes sc{1, 2, 0, 0, 0, 0, 0, 0, 0};
    auto s = decode_sendcmpct(sc);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->high_bandwidth);
    EXPECT_EQ(s->version, 2u);
    EXPECT_FALSE(decode_sendcmpct(Bytes{1}));
}

// Every decoder on random and mutated input: a clean result or a clean error.
TEST(Codec, FuzzishEveryDecoder) {
    std::mt19937 rng(7);
    std::vector<Bytes> seeds = {
        encode_inv({Inv{MSG_TX, sha256(bytes_of("x"))}}),
        encode_headers({BlockHeader{}}),
        encode_getheaders(GetHeadersMsg{70016, {uint256()}, uint256()}),
        encode_addr({{1, 1, Service::parse("1.2.3.4:1", 0)}}, false),
        encode_addr({{1, 1, Service::parse("1.2.3.4:1", 0)}}, true),
        encode_version(VersionMsg{}),
        encode_u64(5),
    };
    for (int round = 0; round < 20000; ++round) {
        Bytes b;
        if (round % 2) {
            b = seeds[size_t(rng()) % seeds.size()];
            const int flips = 1 + int(rng() % 4);
            for (int i = 0; i < flips && !b.empty(); ++i) b[rng() % b.size()] = uint8_t(rng());
            if (rng() % 3 == 0) b.resize(rng() % (b.size() + 1));
        } else {
            b.resize(rng() % 120);
            for (auto& x : b) x = uint8_t(rng());
        }
        (void)decode_version(b);
        (void)decode_inv(b);
        (void)decode_addr(b, false);
        (void)decode_addr(b, true);
        (void)decode_getheaders(b);
        (void)decode_headers(b);
        (void)decode_ping(b);
        (void)decode_feefilter(b);
        (void)decode_sendcmpct(b);
        (void)Transaction::decode(b);
        (void)Block::decode(b);
    }
}

// ---- addresses ----

TEST(NetAddress, ParseFormatAndClassify) {
    auto a = NetAddr::parse("1.2.3.4");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->is_ipv4());
    EXPECT_EQ(a->to_string(), "1.2.3.4");
    EXPECT_TRUE(a->is_routable());
    EXPECT_TRUE(NetAddr::parse("127.0.0.1")->is_loopback());
    EXPECT_TRUE(NetAddr::parse("::1")->is_loopback());
    EXPECT_FALSE(NetAddr::parse("10.1.2.3")->is_routable());
    EXPECT_FALSE(NetAddr::parse("192.168.1.1")->is_routable());
    EXPECT_FALSE(NetAddr::parse("2001:db8::1")->is_routable());
    EXPECT_TRUE(NetAddr::parse("2a01:4f8::1")->is_routable());
    EXPECT_FALSE(NetAddr::parse("1.2.3"));
    EXPECT_FALSE(NetAddr::parse("example.com"));
    EXPECT_EQ(Service::parse("1.2.3.4:8333", 1)->to_string(), "1.2.3.4:8333");
    EXPECT_EQ(Service::parse("1.2.3.4", 18444)->port, 18444);
    EXPECT_EQ(Service::parse("[::1]:5", 1)->to_string(), "[::1]:5");
    EXPECT_EQ(Service::parse("::1", 7)->port, 7);
    EXPECT_FALSE(Service::parse("1.2.3.4:99999", 1));
    EXPECT_FALSE(Service::parse("[::1", 1));
    EXPECT_EQ(NetAddr::parse("1.2.3.4")->group(), NetAddr::parse("1.2.200.1")->group());
    EXPECT_NE(NetAddr::parse("1.2.3.4")->group(), NetAddr::parse("1.3.3.4")->group());
    EXPECT_EQ(NetAddr::parse("127.0.0.1")->group(), NetAddr::parse("127.0.0.2")->group());
}

TEST(NetAddress, Subnets) {
    auto s = SubNet::parse("10.0.0.0/8");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains(*NetAddr::parse("10.200.1.1")));
    EXPECT_FALSE(s->contains(*NetAddr::parse("11.0.0.1")));
    EXPECT_EQ(s->to_string(), "10.0.0.0/8");
    EXPECT_EQ(SubNet::parse("10.1.2.3/255.255.0.0")->to_string(), "10.1.0.0/16");
    EXPECT_EQ(SubNet(*NetAddr::parse("1.2.3.4")).to_string(), "1.2.3.4/32");
    EXPECT_EQ(SubNet::parse("2001:db8::/32")->to_string(), "2001:db8::/32");
    EXPECT_FALSE(SubNet::parse("1.2.3.4/33"));
    EXPECT_FALSE(SubNet::parse("1.2.3.4/255.0.255.0"));  // not contiguous
    EXPECT_FALSE(SubNet::parse("1.2.3.4/ffff::"));       // mixed families
    EXPECT_TRUE(SubNet::parse("0.0.0.0/0")->contains(*NetAddr::parse("9.9.9.9")));
}

// ---- address manager ----

TEST(AddrMan, AddGoodSelectAndBounds) {
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 1234);
    const NetAddr source = *NetAddr::parse("5.5.5.5");
    EXPECT_FALSE(am.select());
    EXPECT_TRUE(am.add(*Service::parse("1.2.3.4:8333", 0), NODE_NETWORK, now - 100, source));
    EXPECT_FALSE(am.add(*Service::parse("1.2.3.4:8333", 0), NODE_NETWORK, now - 100, source));  // known
    EXPECT_FALSE(am.add(*Service::parse("10.0.0.1:8333", 0), NODE_NETWORK, now, source));       // unroutable
    EXPECT_FALSE(am.add(*Service::parse("127.0.0.1:8333", 0), NODE_NETWORK, now, source));
    EXPECT_TRUE(am.add(*Service::parse("127.0.0.1:8333", 0), NODE_NETWORK, now, source, 0, true));
    EXPECT_EQ(am.size(), 2u);
    am.good(*Service::parse("1.2.3.4:8333", 0));
    EXPECT_EQ(am.tried_count(), 1u);
    EXPECT_EQ(am.new_count(), 1u);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(am.select());

    // One source flooding addresses fills at most 64 buckets' worth of slots.
    AddrMan flood([&] { return now; }, 99);
    size_t added = 0;
    for (uint32_t i = 0; i < 100000; ++i) {
        const NetAddr a = NetAddr::from_ipv4(0x01000000u + i * 7919u);
        if (flood.add(Service{a, 8333}, NODE_NETWORK, now, source)) ++added;
    }
    EXPECT_LE(flood.size(), size_t(64 * AddrMan::kBucketSize));
    EXPECT_EQ(flood.size(), added);
    const auto sample = flood.get_addresses(1000, 23);
    EXPECT_LE(sample.size(), 1000u);
    EXPECT_GT(sample.size(), 0u);
}

TEST(AddrMan, PersistenceRoundTripAndDamage) {
    TempDir dir;
    const fs::path file = dir.path() / "peers.dat";
    int64_t now = 1700000000;
    AddrMan am([&] { return now; }, 5);
    const NetAddr source = *NetAddr::parse("5.5.5.5");
    for (uint32_t i = 0; i < 500; ++i)
        am.add(Service{NetAddr::from_ipv4(0x02000000u + i * 65537u), 8333}, 9, now, source);
    am.add(*Service::parse("[2a01:4f8::1]:8333", 0), 9, now, source);
    am.good(*Service::parse("[2a01:4f8::1]:8333", 0));
    am.attempt(Service{NetAddr::from_ipv4(0x02000000u), 8333}, true);
    std::string err;
    ASSERT_TRUE(am.save(file, kRegtestMagic, &err)) << err;

    AddrMan loaded([&] { return now; }, 6);
    ASSERT_TRUE(loaded.load(file, kRegtestMagic, &err)) << err;
    EXPECT_EQ(loaded.size(), am.size());
    EXPECT_EQ(loaded.tried_count(), 1u);
    auto info = loaded.find(*Service::parse("[2a01:4f8::1]:8333", 0));
    ASSERT_TRUE(info);
    EXPECT_TRUE(info->tried);
    EXPECT_EQ(info->last_success, now);
    auto failed = loaded.find(Service{NetAddr::from_ipv4(0x02000000u), 8333});
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->attempts, 1);
    EXPECT_EQ(failed->source, source);

    // Another network's file is refused.
    AddrMan other;
    EXPECT_FALSE(other.load(file, Magic{0xf9, 0xbe, 0xb4, 0xd9}, &err));
    // Any damaged byte is detected by the checksum; truncation too.
    std::ifstream in(file, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t pos : {size_t(0), size_t(9), size_t(60), data.size() / 2, data.size() - 1}) {
        std::string bad = data;
        bad[pos] ^= 0x10;
        std::ofstream(file, std::ios::binary | std::ios::trunc) << bad;
        AddrMan x;
        EXPECT_FALSE(x.load(file, kRegtestMagic, &err)) << pos;
        EXPECT_EQ(x.size(), 0u);
    }
    std::ofstream(file, std::ios::binary | std::ios::trunc) << data.substr(0, data.size() - 40);
    AddrMan y;
    EXPECT_FALSE(y.load(file, kRegtestMagic, &err));
    // A missing file is simply an empty table.
    fs::remove(file);
    AddrMan z;
    EXPECT_TRUE(z.load(file, kRegtestMagic, &err));
    EXPECT_EQ(z.size(), 0u);
}

// ---- bans ----

TEST(BanMan, BansDiscouragementAndPersistence) {
    TempDir dir;
    const fs::path file = dir.path() / "banlist.json";
    int64_t now = 1700000000;
    {
        BanMan bans(file, [&] { return now; });
        EXPECT_TRUE(bans.ban(*SubNet::parse("1.2.3.0/24"), now + 100));
        EXPECT_TRUE(bans.ban(SubNet(*NetAddr::parse("2001:4860::8888")), now + 1000));
        EXPECT_TRUE(bans.ban(SubNet(*NetAddr::parse("9.9.9.9")), now + 5));
        EXPECT_TRUE(bans.is_banned(*NetAddr::parse("1.2.3.77")));
        EXPECT_FALSE(bans.is_banned(*NetAddr::parse("1.2.4.77")));
        EXPECT_TRUE(bans.is_banned_exactly(*SubNet::parse("1.2.3.0/24")));
        bans.discourage(*NetAddr::parse("7.7.7.7"));
        EXPECT_TRUE(bans.is_discouraged(*NetAddr::parse("7.7.7.7")));
        EXPECT_FALSE(bans.is_banned(*NetAddr::parse("7.7.7.7")));
        std::string err;
        ASSERT_TRUE(bans.save(&err)) << err;
    }
    // Core's shape.
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"banned_nets\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"ban_created\""), std::string::npos);
    EXPECT_NE(text.find("\"banned_until\""), std::string::npos);
    EXPECT_NE(text.find("\"address\":\"1.2.3.0/24\""), std::string::npos) << text;

    now += 10;  // the 9.9.9.9 ban has expired
    BanMan loaded(file, [&] { return now; });
    std::string err;
    ASSERT_TRUE(loaded.load(&err)) << err;
    const auto list = loaded.list();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_TRUE(loaded.is_banned(*NetAddr::parse("1.2.3.1")));
    EXPECT_TRUE(loaded.is_banned(*NetAddr::parse("2001:4860::8888")));
    EXPECT_FALSE(loaded.is_discouraged(*NetAddr::parse("7.7.7.7")));  // not persisted
    EXPECT_TRUE(loaded.unban(*SubNet::parse("1.2.3.0/24")));
    EXPECT_FALSE(loaded.unban(*SubNet::parse("1.2.3.0/24")));
    now += 2000;
    EXPECT_TRUE(loaded.list().empty());

    // Malformed files are reported, not trusted.
    std::ofstream(file, std::ios::trunc) << "{\"banned_nets\": 5}";
    EXPECT_FALSE(loaded.load(&err));
    std::ofstream(file, std::ios::trunc) << "not json";
    EXPECT_FALSE(loaded.load(&err));
    std::ofstream(file, std::ios::trunc)
        << "{\"banned_nets\":[{\"version\":1,\"ban_created\":1,\"banned_until\":99999999999,\"address\":\"junk\"},"
           "{\"version\":1,\"ban_created\":1,\"banned_until\":99999999999,\"address\":\"4.4.4.4/32\"}]}";
    EXPECT_TRUE(loaded.load(&err));
    EXPECT_EQ(loaded.list().size(), 1u);
}

TEST(BanMan, DiscouragementIsBoundedAndExpires) {
    int64_t now = 1000;
    BanMan bans({}, [&] { return now; });
    for (uint32_t i = 0; i < BanMan::kMaxDiscouraged + 100; ++i) bans.discourage(NetAddr::from_ipv4(0x05000000u + i));
    EXPECT_EQ(bans.discouraged_count(), BanMan::kMaxDiscouraged);
    EXPECT_FALSE(bans.is_discouraged(NetAddr::from_ipv4(0x05000000u)));  // the oldest went first
    EXPECT_TRUE(bans.is_discouraged(NetAddr::from_ipv4(0x05000000u + BanMan::kMaxDiscouraged + 99)));
    now += BanMan::kDiscourageSeconds + 1;
    EXPECT_FALSE(bans.is_discouraged(NetAddr::from_ipv4(0x05000000u + BanMan::kMaxDiscouraged + 99)));
}

// ---- headers presync ----

// A chain of regtest headers (trivial proof of work) after `prev`.
std::vector<BlockHeader> make_headers(const BlockHeader& prev, int count, uint32_t salt) {
    std::vector<BlockHeader> out;
    uint256 prev_hash = prev.hash();
    uint32_t time = prev.time;
    const ChainParams p = make_chain_params(Network::REGTEST);
    for (int i = 0; i < count; ++i) {
        BlockHeader h;
        h.version = 4;
        h.prev_block = prev_hash;
        h.merkle_root = sha256(encode_u64(uint64_t(i) ^ (uint64_t(salt) << 32)));
        h.time = ++time;
        h.bits = 0x207fffff;
        while (!check_proof_of_work(h.hash(), h.bits, p.consensus)) ++h.nonce;
        prev_hash = h.hash();
        out.push_back(h);
    }
    return out;
}

TEST(HeadersSync, PresyncThenRedownloadReleasesOnlyCommittedChain) {
    const ChainParams p = make_chain_params(Network::REGTEST);
    BlockIndex genesis;
    genesis.header = p.genesis.header;
    genesis.hash = p.genesis.hash();
    genesis.chain_work = block_proof(genesis.header.bits);
    const auto chain = make_headers(genesis.header, 300, 1);
    const arith_uint256 min_work = genesis.chain_work + block_proof(0x207fffff) * 250;  // reached at ~250 headers
    HeadersSync::Params params{10, 50};
    HeadersSync hs(p.consensus, &genesis, min_work, int64_t(genesis.header.time) + 1000000, 77, params);
    auto r = hs.process(std::vector<BlockHeader>(chain.begin(), chain.begin() + 100), true);
    EXPECT_TRUE(r.success);
    EXPECT_TRUE(r.ready.empty());
    EXPECT_TRUE(r.request_more);
    EXPECT_EQ(hs.phase(), HeadersSync::Phase::PRESYNC);
    EXPECT_EQ(hs.locator().front(), chain[99].hash());
    r = hs.process(std::vector<BlockHeader>(chain.begin() + 100, chain.end()), false);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(hs.phase(), HeadersSync::Phase::REDOWNLOAD);
    EXPECT_TRUE(r.request_more);
    EXPECT_EQ(hs.locator().front(), genesis.hash);
    // Redownload: nothing is released until 50 headers are buffered beyond it.
    r = hs.process(std::vector<BlockHeader>(chain.begin(), chain.begin() + 40), true);
    EXPECT_TRUE(r.success);
    EXPECT_TRUE(r.ready.empty());
    r = hs.process(std::vector<BlockHeader>(chain.begin() + 40, chain.begin() + 100), true);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.ready.size(), 50u);
    EXPECT_EQ(r.ready.front(), chain[0]);
    r = hs.process(std::vector<BlockHeader>(chain.begin() + 100, chain.end()), false);
    EXPECT_TRUE(r.success);
    EXPECT_EQ(r.ready.size(), 250u);  // the work threshold was reached: everything goes
    EXPECT_EQ(r.ready.back(), chain.back());
    EXPECT_EQ(hs.phase(), HeadersSync::Phase::FINAL);
}

TEST(HeadersSync, DifferentChainOnRedownloadFails) {
    const ChainParams p = make_chain_params(Network::REGTEST);
    BlockIndex genesis;
    genesis.header = p.genesis.header;
    genesis.hash = p.genesis.hash();
    genesis.chain_work = block_proof(genesis.header.bits);
    const auto chain = make_headers(genesis.header, 400, 1);
    const auto fake = make_headers(genesis.header, 400, 2);
    const arith_uint256 min_work = genesis.chain_work + block_proof(0x207fffff) * 390;
    HeadersSync hs(p.consensus, &genesis, min_work, int64_t(genesis.header.time) + 1000000, 12345, {5, 100});
    auto r = hs.process(chain, false);
    ASSERT_EQ(hs.phase(), HeadersSync::Phase::REDOWNLOAD);
    size_t released = 0;
    bool failed = false;
    for (size_t i = 0; i < fake.size() && !failed; i += 50) {
        r = hs.process(std::vector<BlockHeader>(fake.begin() + long(i), fake.begin() + long(i + 50)), true);
        failed = !r.success;
        released += r.ready.size();
    }
    EXPECT_TRUE(failed) << "80 commitments never all matched by chance";
    EXPECT_EQ(released, 0u);
    EXPECT_EQ(hs.phase(), HeadersSync::Phase::FINAL);
}

TEST(HeadersSync, NonContinuousAndLowWorkEnd) {
    const ChainParams p = make_chain_params(Network::REGTEST);
    BlockIndex genesis;
    genesis.header = p.genesis.header;
    genesis.hash = p.genesis.hash();
    genesis.chain_work = block_proof(genesis.header.bits);
    const auto chain = make_headers(genesis.header, 20, 1);
    HeadersSync a(p.consensus, &genesis, genesis.chain_work * 1000, int64_t(genesis.header.time) + 100000, 1);
    EXPECT_FALSE(a.process(std::vector<BlockHeader>(chain.begin() + 1, chain.end()), true).success);
    HeadersSync b(p.consensus, &genesis, genesis.chain_work * 1000, int64_t(genesis.header.time) + 100000, 1);
    auto r = b.process(chain, false);  // ended without the work: nothing stored, done
    EXPECT_TRUE(r.success);
    EXPECT_FALSE(r.request_more);
    EXPECT_TRUE(r.ready.empty());
    EXPECT_EQ(b.phase(), HeadersSync::Phase::FINAL);
}

TEST(HeadersSync, DifficultyTransitions) {
    const ChainParams main = make_chain_params(Network::MAIN);
    EXPECT_TRUE(permitted_difficulty_transition(main.consensus, 100, 0x1d00ffff, 0x1d00ffff));
    EXPECT_FALSE(permitted_difficulty_transition(main.consensus, 100, 0x1d00ffff, 0x1c00ffff));
    EXPECT_TRUE(permitted_difficulty_transition(main.consensus, 2016, 0x1b0404cb, 0x1b038dee));
    EXPECT_FALSE(permitted_difficulty_transition(main.consensus, 2016, 0x1b0404cb, 0x1a0404cb));  // /256
    const ChainParams reg = make_chain_params(Network::REGTEST);
    EXPECT_TRUE(permitted_difficulty_transition(reg.consensus, 2016, 0x207fffff, 0x1d00ffff));
}

TEST(HeadersSync, Locator) {
    std::vector<std::unique_ptr<BlockIndex>> chain;
    for (int h = 0; h <= 1000; ++h) {
        auto b = std::make_unique<BlockIndex>();
        b->height = h;
        b->prev = h ? chain.back().get() : nullptr;
        b->hash = sha256(encode_u64(uint64_t(h)));
        b->build_skip();
        chain.push_back(std::move(b));
    }
    const auto loc = block_locator(chain.back().get());
    ASSERT_GE(loc.size(), 11u);
    EXPECT_LE(loc.size(), 30u);
    EXPECT_EQ(loc.front(), chain[1000]->hash);
    EXPECT_EQ(loc[10], chain[990]->hash);
    EXPECT_EQ(loc.back(), chain[0]->hash);
}

// ---- worker ----

TEST(Worker, RunsJobsOffTheLoopAndResumesOnIt) {
    boost::asio::io_context io;
    Worker w("test-worker");
    w.start();
    const auto loop_thread = std::this_thread::get_id();
    std::thread::id job_thread, resume_thread;
    int result = 0;
    bool threw = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto job = [&] {
                job_thread = std::this_thread::get_id();
                return 41 + 1;
            };
            result = co_await w.run(job);
            resume_thread = std::this_thread::get_id();
            auto failing = []() -> int { throw std::runtime_error("boom"); };
            try {
                co_await w.run(failing);
            } catch (const std::runtime_error&) { threw = true; }
        },
        boost::asio::detached);
    io.run();
    w.stop();
    EXPECT_EQ(result, 42);
    EXPECT_NE(job_thread, loop_thread);
    EXPECT_EQ(resume_thread, loop_thread);
    EXPECT_TRUE(threw);
}

}  // namespace
}  // namespace minicash::net
