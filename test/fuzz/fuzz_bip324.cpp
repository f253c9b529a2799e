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
//     deserialize or are refused without crashing.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "net/v2_cipher.h"
#include "net/v2_keys.h"
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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096) return 0;  // large inputs add nothing but time
    const ByteView input(data, size);
    exercise_ellswift(input);
    exercise_cipher(input);
    exercise_muhash(input);
    return 0;
}
