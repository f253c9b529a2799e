// BIP324's v2 transport as a byte-in/byte-out state machine (net/v2_session.h): two
// sessions talking to each other over every garbage length class, split deliveries and
// several rekeyings; and a scripted peer built directly on V2Cipher that sends what a
// well-behaved session never does: decoys before the version packet, version packets
// with contents, unknown short ids, garbage beyond the limit, damaged packets, oversized
// lengths and malformed commands.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "net/v2_cipher.h"
#include "net/v2_keys.h"
#include "net/v2_session.h"

namespace minicash::net {
namespace {

const Magic& magic() {
    static const Magic m = make_chain_params(Network::REGTEST).magic;
    return m;
}

SecretKey test_key(uint8_t seed) {
    std::array<uint8_t, 32> b{};
    b.fill(seed);
    b[0] = 0x01;  // below the curve order
    return SecretKey(std::span<const uint8_t, 32>(b));
}

EllSwiftPubKey test_ellswift(const SecretKey& key, uint8_t seed) {
    std::array<uint8_t, 32> rnd{};
    rnd.fill(uint8_t(seed ^ 0x5a));
    return *make_ellswift_pubkey(key, rnd);
}

Bytes garbage_of(size_t n, uint8_t seed) {
    Bytes g(n);
    std::mt19937 rng(seed);
    for (auto& b : g) b = uint8_t(rng());
    return g;
}

V2Session make_session(bool initiator, uint8_t seed, size_t garbage) {
    const SecretKey key = test_key(seed);
    return V2Session(initiator, magic(), key, test_ellswift(key, seed), garbage_of(garbage, seed));
}

// Delivers `bytes` to `to` in chunks of random sizes; what `to` must send goes to `reply`.
bool deliver(V2Session& to, const Bytes& bytes, Bytes& reply, std::vector<Message>& got, std::mt19937& rng,
             std::string& error) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        const size_t n = std::min(bytes.size() - pos, size_t(1 + rng() % 700));
        if (!to.receive(ByteView(bytes.data() + pos, n), reply, got, error)) return false;
        pos += n;
    }
    return true;
}

// Two sessions exchange bytes until neither has anything to send.
void pump(V2Session& a, Bytes a_out, V2Session& b, Bytes b_out, std::vector<Message>& at_a, std::vector<Message>& at_b,
          std::mt19937& rng) {
    std::string error;
    while (!a_out.empty() || !b_out.empty()) {
        Bytes to_b, to_a;
        ASSERT_TRUE(deliver(b, a_out, to_a, at_b, rng, error)) << error;
        ASSERT_TRUE(deliver(a, b_out, to_b, at_a, rng, error)) << error;
        a_out = std::move(to_b);
        b_out = std::move(to_a);
    }
}

TEST(V2Session, ShortIdsFollowBip324sTable) {
    EXPECT_EQ(V2Session::short_id("addr"), 1);
    EXPECT_EQ(V2Session::short_id("block"), 2);
    EXPECT_EQ(V2Session::short_id("tx"), 21);
    EXPECT_EQ(V2Session::short_id("addrv2"), 28);
    EXPECT_EQ(V2Session::short_id("version"), 0);  // no short id: sent with its 12-byte command
    EXPECT_EQ(V2Session::short_id("verack"), 0);
    EXPECT_EQ(V2Session::command_of(0), nullptr);
    EXPECT_EQ(V2Session::command_of(29), nullptr);
    EXPECT_EQ(V2Session::command_of(255), nullptr);
    for (uint8_t id = 1; id <= 28; ++id) EXPECT_EQ(V2Session::short_id(V2Session::command_of(id)), id);
    const Bytes prefix = v1_version_prefix(magic());
    ASSERT_EQ(prefix.size(), 16u);
    EXPECT_TRUE(std::equal(magic().begin(), magic().end(), prefix.begin()));
    EXPECT_EQ(std::string(prefix.begin() + 4, prefix.begin() + 11), "version");
    EXPECT_TRUE(std::all_of(prefix.begin() + 11, prefix.end(), [](uint8_t b) { return b == 0; }));
}

TEST(V2Session, HandshakeAndMessagesBothWaysForEveryGarbageLengthClass) {
    std::mt19937 rng(7);
    for (size_t garbage : {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(1000), size_t(4095)}) {
        SCOPED_TRACE("garbage " + std::to_string(garbage));
        V2Session i = make_session(true, 3, garbage), r = make_session(false, 9, 4095 - garbage);
        Bytes i_out = i.hello(), r_out = r.hello();
        // The initiator's first messages wait for the keys (our version goes out at once).
        Bytes none;
        i.send("version", Bytes{1, 2, 3}, none);
        i.send("wtxidrelay", {}, none);
        EXPECT_TRUE(none.empty());
        EXPECT_FALSE(i.keys());
        std::vector<Message> at_i, at_r;
        pump(i, i_out, r, r_out, at_i, at_r, rng);
        ASSERT_TRUE(i.established() && r.established());
        ASSERT_TRUE(i.session_id() && r.session_id());
        EXPECT_EQ(*i.session_id(), *r.session_id());
        ASSERT_EQ(at_r.size(), 2u);
        EXPECT_EQ(at_r[0].command, "version");
        EXPECT_EQ(at_r[0].payload, (Bytes{1, 2, 3}));
        EXPECT_EQ(at_r[1].command, "wtxidrelay");
        EXPECT_TRUE(at_r[1].payload.empty());

        // After the handshake: short ids, long commands, empty and large payloads.
        Bytes to_i, to_r;
        const Bytes big = garbage_of(300000, 1);
        r.send("block", big, to_i);
        r.send("sendaddrv2", {}, to_i);
        i.send("ping", Bytes(8, 0xab), to_r);
        i.send("addrv2", Bytes{0}, to_r);
        at_i.clear();
        at_r.clear();
        pump(i, to_r, r, to_i, at_i, at_r, rng);
        ASSERT_EQ(at_i.size(), 2u);
        EXPECT_EQ(at_i[0].command, "block");
        EXPECT_EQ(at_i[0].payload, big);
        EXPECT_EQ(at_i[1].command, "sendaddrv2");
        ASSERT_EQ(at_r.size(), 2u);
        EXPECT_EQ(at_r[0].command, "ping");
        EXPECT_EQ(at_r[1].command, "addrv2");
    }
}

TEST(V2Session, RekeyingEvery224PacketsKeepsBothDirectionsWorking) {
    std::mt19937 rng(11);
    V2Session i = make_session(true, 21, 10), r = make_session(false, 22, 20);
    std::vector<Message> at_i, at_r;
    pump(i, i.hello(), r, r.hello(), at_i, at_r, rng);
    ASSERT_TRUE(i.established() && r.established());
    Bytes to_i, to_r;
    for (uint32_t n = 0; n < 1000; ++n) {  // four rekeyings each way
        Bytes payload(8);
        for (int k = 0; k < 4; ++k) payload[size_t(k)] = uint8_t(n >> (8 * k));
        i.send("ping", payload, to_r);
        r.send("pong", payload, to_i);
    }
    pump(i, to_r, r, to_i, at_i, at_r, rng);
    ASSERT_EQ(at_i.size(), 1000u);
    ASSERT_EQ(at_r.size(), 1000u);
    for (uint32_t n = 0; n < 1000; ++n) {
        EXPECT_EQ(at_r[n].payload[0] | (at_r[n].payload[1] << 8), int(n & 0xffff));
        EXPECT_EQ(at_i[n].command, "pong");
    }
}

// The other end, written directly on V2Cipher: it can send anything.
class ScriptedPeer {
public:
    explicit ScriptedPeer(bool initiator, Bytes garbage)
        : initiator_(initiator), key_(test_key(77)), ours_(test_ellswift(key_, 77)), garbage_(std::move(garbage)) {}

    // Our key and garbage (what goes first).
    Bytes hello() const {
        Bytes out(ours_.begin(), ours_.end());
        out.insert(out.end(), garbage_.begin(), garbage_.end());
        return out;
    }
    // Derives the keys from the session's hello (its first 64 bytes).
    void keys_from(const Bytes& their_hello) {
        EllSwiftPubKey theirs;
        std::copy(their_hello.begin(), their_hello.begin() + 64, theirs.begin());
        cipher_.emplace(derive_v2_session_keys(*v2_shared_secret(key_, ours_, theirs, initiator_), magic()),
                        initiator_);
    }
    Bytes terminator() const {
        const auto& t = cipher_->send_garbage_terminator();
        return Bytes(t.begin(), t.end());
    }
    Bytes packet(ByteView contents, bool ignore = false, bool first = false) {
        return cipher_->encrypt(contents, first ? ByteView(garbage_) : ByteView(), ignore);
    }
    static Bytes message(const std::string& command, ByteView payload) {
        Bytes c{0};
        for (size_t k = 0; k < kCommandSize; ++k) c.push_back(k < command.size() ? uint8_t(command[k]) : 0);
        c.insert(c.end(), payload.begin(), payload.end());
        return c;
    }

private:
    bool initiator_;
    SecretKey key_;
    EllSwiftPubKey ours_;
    Bytes garbage_;
    std::optional<V2Cipher> cipher_;
};

// A responder session that has the scripted initiator's key, garbage and terminator.
struct ScriptedConnection {
    explicit ScriptedConnection(size_t garbage)
        : peer(true, garbage_of(garbage, 5)), session(make_session(false, 6, 33)) {
        peer.keys_from(session.hello());
        Bytes out = peer.hello();
        const Bytes t = peer.terminator();
        out.insert(out.end(), t.begin(), t.end());
        ok = session.receive(out, reply, got, error);
    }
    bool feed(const Bytes& bytes) { return session.receive(bytes, reply, got, error); }

    ScriptedPeer peer;
    V2Session session;
    Bytes reply;
    std::vector<Message> got;
    std::string error;
    bool ok = false;
};

TEST(V2Session, DecoysOfEverySizeVersionContentsAndUnknownIdsAreIgnored) {
    ScriptedConnection c(100);
    ASSERT_TRUE(c.ok) << c.error;
    EXPECT_FALSE(c.reply.empty());  // the session's terminator and version packet
    // A decoy first: it carries the garbage as AAD. Then decoys of many sizes before the
    // version packet, which has contents (reserved for future extensions).
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes(5, 0x11), true, true))) << c.error;
    for (size_t size = 0; size < 600; size += 7) ASSERT_TRUE(c.feed(c.peer.packet(Bytes(size, 0x22), true))) << size;
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes{'e', 'x', 't'})));
    EXPECT_TRUE(c.session.established());
    EXPECT_TRUE(c.got.empty());
    // Decoys between messages, an unknown short id (dropped, as Core), a long command.
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes{18, 1, 2, 3, 4, 5, 6, 7, 8})));  // ping
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes(70000, 0), true)));
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes{29, 1, 2})));
    ASSERT_TRUE(c.feed(c.peer.packet(Bytes{200})));
    ASSERT_TRUE(c.feed(c.peer.packet(ScriptedPeer::message("verack", {}))));
    ASSERT_EQ(c.got.size(), 2u);
    EXPECT_EQ(c.got[0].command, "ping");
    EXPECT_EQ(c.got[0].payload.size(), 8u);
    EXPECT_EQ(c.got[1].command, "verack");
}

TEST(V2Session, GarbageUpToTheLimitIsAcceptedBeyondItIsNot) {
    for (size_t garbage : {size_t(0), size_t(4094), size_t(4095)}) {
        ScriptedConnection c(garbage);
        ASSERT_TRUE(c.ok) << c.error;
        ASSERT_TRUE(c.feed(c.peer.packet({}, false, true))) << c.error;
        EXPECT_TRUE(c.session.established()) << garbage;
    }
    for (size_t garbage : {size_t(4096), size_t(5000)}) {
        ScriptedConnection c(garbage);
        EXPECT_FALSE(c.ok) << garbage;
        EXPECT_NE(c.error.find("terminator"), std::string::npos) << c.error;
        EXPECT_TRUE(c.session.failed());
    }
    // No terminator at all: the session fails once 4,095 + 16 bytes of garbage arrived,
    // not earlier, however the bytes are split.
    V2Session s = make_session(false, 6, 0);
    ScriptedPeer p(true, {});
    Bytes reply;
    std::vector<Message> got;
    std::string error;
    ASSERT_TRUE(s.receive(p.hello(), reply, got, error));
    const Bytes junk = garbage_of(4095 + 16, 9);
    ASSERT_TRUE(s.receive(ByteView(junk.data(), junk.size() - 1), reply, got, error));
    EXPECT_FALSE(s.receive(ByteView(junk.data() + junk.size() - 1, 1), reply, got, error));
    EXPECT_FALSE(s.receive(Bytes{1}, reply, got, error));  // nothing more is accepted
}

TEST(V2Session, DamagedPacketsAndGarbageDoNotAuthenticate) {
    {  // the garbage is the first packet's AAD
        ScriptedPeer p(true, garbage_of(50, 1));
        V2Session s = make_session(false, 6, 0);
        p.keys_from(s.hello());
        Bytes bytes = p.hello();
        bytes[64 + 10] ^= 1;
        const Bytes t = p.terminator(), version = p.packet({}, false, true);
        bytes.insert(bytes.end(), t.begin(), t.end());
        bytes.insert(bytes.end(), version.begin(), version.end());
        Bytes reply;
        std::vector<Message> got;
        std::string error;
        EXPECT_FALSE(s.receive(bytes, reply, got, error));
        EXPECT_NE(error.find("authenticate"), std::string::npos) << error;
    }
    for (size_t byte : {size_t(3), size_t(4), size_t(12), size_t(30)}) {  // header, contents, tag
        ScriptedConnection c(20);
        ASSERT_TRUE(c.feed(c.peer.packet({}, false, true)));
        Bytes ping = c.peer.packet(Bytes{18, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        ping[byte] ^= 0x40;
        EXPECT_FALSE(c.feed(ping)) << byte;
        EXPECT_TRUE(c.got.empty());
    }
}

TEST(V2Session, OversizedPacketsAndMalformedCommandsAreRefused) {
    {  // the length alone is enough: nothing of the contents is buffered
        ScriptedConnection c(0);
        ASSERT_TRUE(c.feed(c.peer.packet({}, false, true)));
        const Bytes big = c.peer.packet(Bytes(V2Session::kMaxContents + 1, 0));
        EXPECT_FALSE(c.feed(Bytes(big.begin(), big.begin() + 3)));
        EXPECT_NE(c.error.find("too long"), std::string::npos) << c.error;
    }
    const std::vector<Bytes> bad = {
        Bytes{},                                              // no message type
        Bytes{0, 'p', 'i', 'n', 'g'},                         // command shorter than 12 bytes
        ScriptedPeer::message(std::string("pi\0ng", 5), {}),  // data after the NUL padding
        ScriptedPeer::message("", {}),                        // empty command
        ScriptedPeer::message("p\x01ng", {}),                 // not printable
    };
    for (const Bytes& contents : bad) {
        ScriptedConnection c(0);
        ASSERT_TRUE(c.feed(c.peer.packet({}, false, true)));
        EXPECT_FALSE(c.feed(c.peer.packet(contents))) << contents.size();
        EXPECT_TRUE(c.got.empty());
    }
}

TEST(V2Session, RandomSessionsUseFreshKeysAndBoundedGarbage) {
    auto a = V2Session::make_random(true, magic());
    auto b = V2Session::make_random(true, magic());
    const Bytes ha = a->hello(), hb = b->hello();
    ASSERT_GE(ha.size(), 64u);
    EXPECT_LE(ha.size(), 64u + V2Session::kMaxGarbage);
    EXPECT_NE(Bytes(ha.begin(), ha.begin() + 64), Bytes(hb.begin(), hb.begin() + 64));
    const Bytes v1 = v1_version_prefix(magic());
    EXPECT_FALSE(std::equal(v1.begin(), v1.end(), ha.begin()));
}

}  // namespace
}  // namespace minicash::net
