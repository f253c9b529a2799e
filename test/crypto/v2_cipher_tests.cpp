// BIP324 key agreement and packet cipher (net/v2_keys.h, net/v2_cipher.h) against every
// row of BIP324's packet_encoding vectors: every mid_* value, the session id, the
// garbage terminators and the ciphertext, after in_idx earlier packets (the rows with
// large in_idx and in_multiply cross several rekeyings), then decryption by the other
// end with and without damage.
#include <gtest/gtest.h>

#include <openssl/rand.h>

#include "consensus/params.h"
#include "net/fschacha20.h"
#include "net/v2_cipher.h"
#include "net/v2_keys.h"
#include "test/crypto/helpers.h"
#include "test/util/vectors.h"
#include "util/ellswift.h"

namespace minicash::net {
namespace {

using test::array_from_hex;
using test::from_hex;

template <size_t N>
std::string hex_of(const std::array<uint8_t, N>& a) {
    return hex_encode(a);
}

// Decrypts one packet with `receiver`; false when it is not authentic.
bool receive(V2Cipher& receiver, const Bytes& packet, ByteView aad, Bytes& contents, bool& ignore) {
    if (packet.size() < V2Cipher::kExpansion) return false;
    const uint32_t len = receiver.decrypt_length(std::span<const uint8_t, 3>(packet.data(), 3));
    if (size_t(len) + V2Cipher::kExpansion != packet.size()) return false;
    contents.assign(len, 0);
    return receiver.decrypt(ByteView(packet).subspan(V2Cipher::kLengthSize), aad, ignore, contents);
}

TEST(V2Cipher, PacketEncodingVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const auto rows = test::load_csv(dir / "bips" / "bip-0324_packet_encoding_test_vectors.csv");
    ASSERT_EQ(rows.size(), 7u);
    // The vectors are for mainnet's magic (f9beb4d9), the salt's suffix.
    const std::array<uint8_t, 4> magic = make_chain_params(Network::MAIN).magic;
    ASSERT_EQ(hex_of(magic), "f9beb4d9");
    const test::FailureCounter failures;
    size_t passed = 0;
    for (const test::CsvRow& row : rows) {
        SCOPED_TRACE("in_idx " + row.at("in_idx"));
        const int failures_before = failures.count();
        const SecretKey key(array_from_hex<32>(row.at("in_priv_ours")));
        ASSERT_TRUE(key.valid());
        const auto ours = array_from_hex<64>(row.at("in_ellswift_ours"));
        const auto theirs = array_from_hex<64>(row.at("in_ellswift_theirs"));
        const bool initiating = row.at("in_initiating") == "1";

        // Key agreement.
        const std::array<uint8_t, 33> pub = key.compressed_pubkey();
        EXPECT_EQ(hex_encode(ByteView(pub).subspan(1)), row.at("mid_x_ours"));
        EXPECT_EQ(hex_of(ellswift::ellswift_decode(ours)), row.at("mid_x_ours"));
        EXPECT_EQ(hex_of(ellswift::ellswift_decode(theirs)), row.at("mid_x_theirs"));
        const auto shared_x = ellswift_ecdh_xonly(theirs, key);
        ASSERT_TRUE(shared_x.has_value());
        EXPECT_EQ(hex_of(*shared_x), row.at("mid_x_shared"));
        const auto secret = v2_shared_secret(key, ours, theirs, initiating);
        ASSERT_TRUE(secret.has_value());
        EXPECT_EQ(hex_of(*secret), row.at("mid_shared_secret"));
        const V2SessionKeys keys = derive_v2_session_keys(*secret, magic);
        EXPECT_EQ(hex_of(keys.initiator_l), row.at("mid_initiator_l"));
        EXPECT_EQ(hex_of(keys.initiator_p), row.at("mid_initiator_p"));
        EXPECT_EQ(hex_of(keys.responder_l), row.at("mid_responder_l"));
        EXPECT_EQ(hex_of(keys.responder_p), row.at("mid_responder_p"));

        V2Cipher cipher(keys, initiating);
        EXPECT_EQ(hex_of(cipher.send_garbage_terminator()), row.at("mid_send_garbage_terminator"));
        EXPECT_EQ(hex_of(cipher.recv_garbage_terminator()), row.at("mid_recv_garbage_terminator"));
        EXPECT_EQ(hex_of(cipher.session_id()), row.at("out_session_id"));

        // Seek: in_idx earlier packets, empty, ignored, no AAD (as the BIP's generator).
        const uint32_t idx = uint32_t(std::stoul(row.at("in_idx")));
        std::vector<Bytes> earlier;
        for (uint32_t i = 0; i < idx; ++i) earlier.push_back(cipher.encrypt({}, {}, true));

        const Bytes piece = from_hex(row.at("in_contents"));
        const uint32_t multiply = uint32_t(std::stoul(row.at("in_multiply")));
        Bytes contents;
        contents.reserve(piece.size() * multiply);
        for (uint32_t i = 0; i < multiply; ++i) append(contents, piece);
        const Bytes aad = from_hex(row.at("in_aad"));
        const bool ignore = row.at("in_ignore") == "1";
        const Bytes packet = cipher.encrypt(contents, aad, ignore);
        ASSERT_EQ(packet.size(), contents.size() + V2Cipher::kExpansion);
        if (!row.at("out_ciphertext").empty()) {
            EXPECT_EQ(hex_encode(packet), row.at("out_ciphertext"));
        } else {
            const Bytes tail = from_hex(row.at("out_ciphertext_endswith"));
            ASSERT_GE(packet.size(), tail.size());
            EXPECT_EQ(hex_encode(ByteView(packet).last(tail.size())), hex_encode(tail));
        }

        // The other end decrypts it: error 0 is none; 1 a bit flip in the packet (after the
        // length: a damaged length is a different read), 2 a flipped AAD bit, 3 an extra AAD
        // byte, 4 a receiver that skipped one earlier packet.
        for (int error = 0; error <= 4; ++error) {
            SCOPED_TRACE("error " + std::to_string(error));
            if (error == 2 && aad.empty()) continue;
            if (error == 4 && idx == 0) continue;
            V2Cipher peer(keys, !initiating);
            EXPECT_EQ(peer.session_id(), cipher.session_id());
            EXPECT_EQ(peer.recv_garbage_terminator(), cipher.send_garbage_terminator());
            const uint32_t skip = error == 4 ? 1 : 0;
            for (uint32_t i = skip; i < idx; ++i) {
                Bytes dummy;
                bool dummy_ignore = false;
                ASSERT_TRUE(receive(peer, earlier[i], {}, dummy, dummy_ignore) || error == 4);
                if (error != 4) { EXPECT_TRUE(dummy_ignore && dummy.empty()); }
            }
            Bytes damaged = packet;
            if (error == 1) damaged[V2Cipher::kLengthSize + (packet.size() - V2Cipher::kLengthSize) / 2] ^= 0x04;
            Bytes bad_aad = aad;
            if (error == 2) bad_aad[bad_aad.size() / 2] ^= 0x01;
            if (error == 3) bad_aad.push_back(0);
            Bytes got;
            bool got_ignore = !ignore;
            const bool ok = receive(peer, damaged, bad_aad, got, got_ignore);
            EXPECT_EQ(ok, error == 0);
            if (ok) {
                EXPECT_TRUE(got == contents);
                EXPECT_EQ(got_ignore, ignore);
            }
        }
        if (failures.count() == failures_before) ++passed;
    }
    EXPECT_EQ(passed, rows.size());
    std::cout << "[packet_encoding] " << passed << "/" << rows.size() << " rows passed\n";
}

TEST(V2Cipher, BothEndsOfAFreshConnection) {
    // Two parties with random keys agree on everything and exchange packets both ways
    // across several rekeyings (224 packets each).
    std::array<uint8_t, 32> a_secret{}, b_secret{}, a_rnd{}, b_rnd{};
    for (auto* b : {&a_secret, &b_secret, &a_rnd, &b_rnd}) ASSERT_EQ(RAND_bytes(b->data(), 32), 1);
    const SecretKey a(a_secret), b(b_secret);
    ASSERT_TRUE(a.valid() && b.valid());
    const auto a_pub = make_ellswift_pubkey(a, a_rnd);
    const auto b_pub = make_ellswift_pubkey(b, b_rnd);
    ASSERT_TRUE(a_pub && b_pub);
    const auto a_secret_shared = v2_shared_secret(a, *a_pub, *b_pub, true);
    const auto b_secret_shared = v2_shared_secret(b, *b_pub, *a_pub, false);
    ASSERT_TRUE(a_secret_shared && b_secret_shared);
    EXPECT_EQ(*a_secret_shared, *b_secret_shared);
    const std::array<uint8_t, 4> magic = make_chain_params(Network::REGTEST).magic;
    V2Cipher initiator(derive_v2_session_keys(*a_secret_shared, magic), true);
    V2Cipher responder(derive_v2_session_keys(*b_secret_shared, magic), false);
    EXPECT_EQ(initiator.send_garbage_terminator(), responder.recv_garbage_terminator());
    EXPECT_EQ(initiator.recv_garbage_terminator(), responder.send_garbage_terminator());
    for (uint32_t i = 0; i < 3 * kRekeyInterval + 5; ++i) {
        const Bytes msg(i % 70, uint8_t(i));
        const Bytes aad = i == 0 ? from_hex("0102") : Bytes{};
        Bytes got;
        bool ignore = false;
        ASSERT_TRUE(receive(responder, initiator.encrypt(msg, aad, i % 3 == 0), aad, got, ignore)) << i;
        EXPECT_EQ(got, msg);
        EXPECT_EQ(ignore, i % 3 == 0);
        ASSERT_TRUE(receive(initiator, responder.encrypt(msg), {}, got, ignore)) << i;
        EXPECT_EQ(got, msg);
    }
    // A different network's magic gives different keys.
    const V2SessionKeys main_keys = derive_v2_session_keys(*a_secret_shared, make_chain_params(Network::MAIN).magic);
    EXPECT_NE(main_keys.session_id, initiator.session_id());
}

TEST(V2Cipher, InvalidKeysAndSizesAreRefused) {
    const SecretKey zero;  // 0 is not a valid secret key
    const std::array<uint8_t, 32> rnd{};
    EXPECT_FALSE(make_ellswift_pubkey(zero, rnd).has_value());
    EXPECT_FALSE(ellswift_ecdh_xonly(EllSwiftPubKey{}, zero).has_value());
    // Every 64-byte string is a usable public key.
    std::array<uint8_t, 32> one{};
    one[31] = 1;
    EXPECT_TRUE(ellswift_ecdh_xonly(EllSwiftPubKey{}, SecretKey(one)).has_value());
    EllSwiftPubKey ff;
    ff.fill(0xff);
    EXPECT_TRUE(ellswift_ecdh_xonly(ff, SecretKey(one)).has_value());

    V2Cipher c(V2SessionKeys{}, true);
    Bytes out(10);
    EXPECT_THROW(c.encrypt(Bytes(1), {}, false, out), std::invalid_argument);
    Bytes contents(5);
    bool ignore = false;
    EXPECT_THROW((void)c.decrypt(Bytes(3), {}, ignore, contents), std::invalid_argument);
}

TEST(FSChaCha20, RekeysEveryIntervalFromItsOwnKeystream) {
    // Model of the length cipher built from plain ChaCha20: 224 three-byte messages, then
    // the next 32 keystream bytes are the key for nonce LE32(0) || LE64(1).
    const ChaCha20Key key = array_from_hex<32>("0101010101010101010101010101010101010101010101010101010101010101");
    FSChaCha20 fs(key);
    ChaCha20Nonce nonce{};
    ChaCha20 model(key, nonce);
    for (uint32_t i = 0; i < kRekeyInterval; ++i) {
        uint8_t a[3] = {1, 2, 3}, b[3] = {1, 2, 3};
        fs.crypt(a, a);
        model.crypt(b, b);
        ASSERT_TRUE(std::equal(a, a + 3, b)) << i;
    }
    ChaCha20Key next{};
    model.keystream(next);
    nonce[4] = 1;
    ChaCha20 model2(next, nonce);
    uint8_t a[3] = {9, 9, 9}, b[3] = {9, 9, 9};
    fs.crypt(a, a);
    model2.crypt(b, b);
    EXPECT_TRUE(std::equal(a, a + 3, b));
}

}  // namespace
}  // namespace minicash::net
