// libFuzzer target: the hand-written constructions (ElligatorSwift, MuHash3072) and the
// BIP324 packet cipher, on arbitrary bytes.
//
// Properties checked on every input (a violation aborts, which libFuzzer reports):
//   * any 64 bytes decode to a valid x coordinate;
//   * every t the inverse finds for (that x, u) maps back to x through XSwiftEC;
//   * a key built from that x encodes (with input bytes as randomness) to 64 bytes that
//     decode to x again, t carrying y's parity;
//   * a packet decrypts only when authentic and never crashes on junk; a packet we
//     encrypt decrypts at the other end to the same contents and ignore bit;
//   * MuHash3072: inserting a and b then removing a equals inserting b; any 768 bytes
//     deserialize or are refused without crashing;
//   * two V2Sessions (net/v2_session.h) driven by the input (garbage lengths, messages
//     with and without short ids, decoys, delivery in arbitrary pieces, one flipped bit
//     in flight): what a side receives is always a prefix of what the other sent, in
//     order and unchanged; with nothing flipped, everything arrives and both sides agree
//     on the session id; a failed session accepts nothing more.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <deque>
#include <string>
#include <vector>

#include "net/v2_cipher.h"
#include "net/v2_keys.h"
#include "net/v2_session.h"
#include "util/ellswift.h"
#include "util/muhash.h"

using namespace minicash;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_bip324: property violated: %s\n", what);
        std::abort();
    }
}

void exercise_ellswift(ByteView in) {
    if (in.size() < 64) return;
    const ellswift::FieldBytes x = ellswift::ellswift_decode(in.first<64>());
    check(ellswift::is_valid_x(x), "decoded x is not on the curve");
    if (in.size() >= 96) {
        ellswift::FieldBytes u{};
        std::memcpy(u.data(), in.data() + 64, 32);
        // u = 0 mod p has no inverse (the decoder reads it as 1).
        static const ellswift::FieldBytes kZero{},
            kP = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f};
        if (u != kZero && u != kP) {
            for (unsigned c = 0; c < 8; ++c) {
                if (const auto t = ellswift::xswiftec_inv(x, u, c))
                    check(ellswift::xswiftec(u, *t) == x, "inverse does not map back to x");
            }
        }
    }
    std::array<uint8_t, 33> pubkey{};
    pubkey[0] = (in[0] & 1) ? 0x03 : 0x02;
    std::memcpy(pubkey.data() + 1, x.data(), 32);
    const auto enc = ellswift::ellswift_encode(pubkey, in.subspan(32).first<32>());
    check(enc.has_value(), "a valid key did not encode");
    check(ellswift::ellswift_decode(*enc) == x, "encoding does not decode to the key");
    check(((*enc)[63] & 1) == (in[0] & 1), "t does not carry y's parity");
}

void exercise_cipher(ByteView in) {
    static const std::array<uint8_t, 32> secret{1, 2, 3};
    static const std::array<uint8_t, 4> magic{0xf9, 0xbe, 0xb4, 0xd9};
    const net::V2SessionKeys keys = net::derive_v2_session_keys(secret, magic);
    // Junk at the receiver.
    net::V2Cipher receiver(keys, false);
    if (in.size() >= net::V2Cipher::kLengthSize) {
        const uint32_t len = receiver.decrypt_length(in.first<3>());
        const ByteView rest = in.subspan(3);
        if (size_t(len) + net::V2Cipher::kHeaderSize + net::V2Cipher::kTagSize == rest.size()) {
            Bytes contents(len);
            bool ignore = false;
            check(!receiver.decrypt(rest, {}, ignore, contents), "junk authenticated");
        }
    }
    // Our own packet, contents and AAD from the input, reaches the other end intact.
    net::V2Cipher sender(keys, true), peer(keys, false);
    const size_t aad_len = in.empty() ? 0 : in[0] % 8;
    const ByteView aad = in.first(std::min(aad_len, in.size()));
    const bool ignore = !in.empty() && (in.back() & 1);
    const Bytes packet = sender.encrypt(in, aad, ignore);
    const uint32_t len = peer.decrypt_length(std::span<const uint8_t, 3>(packet.data(), 3));
    check(len == in.size(), "length field");
    Bytes contents(len);
    bool got_ignore = !ignore;
    check(peer.decrypt(ByteView(packet).subspan(3), aad, got_ignore, contents), "own packet refused");
    check(got_ignore == ignore && std::equal(contents.begin(), contents.end(), in.begin()), "contents differ");
}

void exercise_muhash(ByteView in) {
    const ByteView a = in.first(in.size() / 2), b = in.subspan(in.size() / 2);
    MuHash3072 both;
    both.insert(a).insert(b).remove(a);
    check(both.finalize() == MuHash3072(b).finalize(), "insert/remove does not cancel");
    if (in.size() >= MuHash3072::kSerializedSize) {
        if (auto restored = MuHash3072::deserialize(in.first(MuHash3072::kSerializedSize))) (void)restored->finalize();
    }
}

}  // namespace

// One direction of a connection between two sessions: bytes in flight and what was sent.
struct Direction {
    Bytes in_flight;
    std::vector<net::Message> sent, received;
    bool failed = false;
};

void check_prefix(const Direction& d) {
    check(d.received.size() <= d.sent.size(), "more messages received than sent");
    for (size_t k = 0; k < d.received.size(); ++k)
        check(d.received[k].command == d.sent[k].command && d.received[k].payload == d.sent[k].payload,
              "a received message differs from the one sent");
}

// Delivers up to `n` bytes of `d` to `to`; its reply goes into `back`.
void deliver(net::V2Session& to, Direction& d, size_t n, Direction& back) {
    n = std::min(n, d.in_flight.size());
    if (d.failed || n == 0) return;
    std::string error;
    if (!to.receive(ByteView(d.in_flight.data(), n), back.in_flight, d.received, error)) {
        d.failed = true;
        check(to.failed(), "receive() failed but the session does not say so");
        std::vector<net::Message> more;
        Bytes out;
        check(!to.receive(Bytes{0}, out, more, error) && more.empty(), "a failed session accepted more bytes");
    }
    d.in_flight.erase(d.in_flight.begin(), d.in_flight.begin() + long(n));
    check_prefix(d);
}

void exercise_session(ByteView in) {
    static const net::Magic magic{0xfa, 0xbf, 0xb5, 0xda};
    static const auto make = [](bool initiator, uint8_t seed, size_t garbage) {
        std::array<uint8_t, 32> b{};
        b.fill(seed);
        const SecretKey key{std::span<const uint8_t, 32>(b)};
        static std::array<uint8_t, 32> rnd{};
        return net::V2Session(initiator, magic, key, *net::make_ellswift_pubkey(key, rnd), Bytes(garbage, seed));
    };
    if (in.size() < 4) return;
    net::V2Session i = make(true, 0x11, size_t(in[0] | (in[1] << 8)) % 4096);
    net::V2Session r = make(false, 0x22, size_t(in[2] | (in[3] << 8)) % 4096);
    Direction to_r, to_i;  // initiator -> responder, responder -> initiator
    to_r.in_flight = i.hello();
    to_i.in_flight = r.hello();
    bool flipped = false;
    size_t pos = 4;
    while (pos + 2 <= in.size()) {
        const uint8_t op = in[pos], arg = in[pos + 1];
        pos += 2;
        net::V2Session& from = op & 1 ? r : i;
        Direction& d = op & 1 ? to_i : to_r;
        Direction& back = op & 1 ? to_r : to_i;
        net::V2Session& to = op & 1 ? i : r;
        switch ((op >> 1) % 5) {
        case 0:
        case 1: {  // a message: a short id's command or one without
            net::Message m;
            const char* c = net::V2Session::command_of(uint8_t(arg % 30));
            m.command = c ? c : (arg & 1 ? "version" : "wtxidrelay");
            m.payload.assign(size_t(arg) * 3, uint8_t(op));
            from.send(m.command, m.payload, d.in_flight);
            d.sent.push_back(std::move(m));
            break;
        }
        case 2:  // a decoy, once the keys exist
            if (from.keys()) from.send_decoy(size_t(arg) * 7, d.in_flight);
            break;
        case 3:  // deliver a piece
            deliver(to, d, size_t(arg) * 17 + 1, back);
            break;
        case 4:  // flip one bit in flight
            if (!flipped && !d.in_flight.empty()) {
                d.in_flight[(size_t(arg) * 131) % d.in_flight.size()] ^= uint8_t(1u << (op >> 5));
                flipped = true;
            }
            break;
        }
    }
    // Deliver everything left, both ways, until nothing moves.
    for (int round = 0; round < 8; ++round) {
        deliver(r, to_r, to_r.in_flight.size(), to_i);
        deliver(i, to_i, to_i.in_flight.size(), to_r);
    }
    if (!flipped) {
        check(!to_r.failed && !to_i.failed, "an undamaged connection failed");
        check(i.established() && r.established(), "an undamaged handshake did not complete");
        check(to_r.received.size() == to_r.sent.size() && to_i.received.size() == to_i.sent.size(),
              "an undamaged connection lost messages");
        check(*i.session_id() == *r.session_id(), "the two ends disagree on the session id");
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;  // large inputs add nothing but time
    const ByteView input(data, size);
    exercise_ellswift(input);
    exercise_cipher(input);
    exercise_muhash(input);
    exercise_session(input);
    return 0;
}
