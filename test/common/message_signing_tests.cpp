// Signed messages: Bitcoin Core's known vectors (util_tests message_sign / message_verify,
// rpc_signmessagewithprivkey.py), verifymessage's error mapping, BIP137 segwit headers.
#include <gtest/gtest.h>

#include "common/address.h"
#include "common/base64.h"
#include "common/message_signing.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
using R = MessageVerificationResult;

namespace {

const ChainParams& mainnet() {
    static const ChainParams p = make_chain_params(Network::MAIN);
    return p;
}
const ChainParams& testnet() {
    static const ChainParams p = make_chain_params(Network::TESTNET4);
    return p;
}

SecretKey secret_from_hex(const std::string& hex) {
    const Bytes b = *hex_decode(hex);
    return SecretKey(std::span<const uint8_t, 32>(b.data(), 32));
}

// Core's util_tests key: address 15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs.
const char* kUnitKey = "d97f5108f11cda6eeebaaa420fef0726b1f898060b98489fa3098463c0032866";
const char* kUnitSig = "IPojfrX2dfPnH26UegfbGQQLrdK844DlHq5157/P6h57WyuS/Qsl+h/WSVGDF4MUi4rWSswW38oimDYfNNUBUOk=";

std::string address_of(const Destination& d, const ChainParams& p = mainnet()) { return encode_destination(d, p); }

}  // namespace

TEST(MessageSigning, HashMatchesCore) {
    EXPECT_EQ(hex_encode(message_hash("Trust no one").view()),
              "aa8215d723ecd2f14867eeb7e19f192be7bc15a2352a24b991d4f5870cbaf6e8");
}

TEST(MessageSigning, CoreUnitVectorSign) {
    const SecretKey key = secret_from_hex(kUnitKey);
    const auto sig = sign_message(key, "Trust no one");
    ASSERT_TRUE(sig);
    EXPECT_EQ(*sig, kUnitSig);
    // Deterministic (RFC6979 without extra entropy).
    EXPECT_EQ(*sign_message(key, "Trust no one"), *sig);
    // An invalid key signs nothing.
    EXPECT_FALSE(sign_message(SecretKey{}, "Trust no one"));
}

TEST(MessageSigning, CoreUnitVectorVerify) {
    EXPECT_EQ(verify_message("invalid address", "signature should be irrelevant", "message too", mainnet()),
              R::kErrInvalidAddress);
    EXPECT_EQ(verify_message("3B5fQsEXEaV8v6U3ejYc8XaKXAkyQj2MjV", "signature should be irrelevant", "message too",
                             mainnet()),
              R::kErrAddressNoKey);
    EXPECT_EQ(verify_message("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm", "invalid signature, not in base64 encoding",
                             "message should be irrelevant", mainnet()),
              R::kErrMalformedSignature);
    EXPECT_EQ(verify_message("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm",
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                             "message should be irrelevant", mainnet()),
              R::kErrPubkeyNotRecovered);
    EXPECT_EQ(verify_message("15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", kUnitSig, "I never signed this", mainnet()),
              R::kErrNotSigned);
    EXPECT_EQ(verify_message("15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", kUnitSig, "Trust no one", mainnet()), R::kOk);
    EXPECT_EQ(verify_message("11canuhp9X2NocwCq7xNrQYTmUgZAnLK3",
                             "IIcaIENoYW5jZWxsb3Igb24gYnJpbmsgb2Ygc2Vjb25kIGJhaWxvdXQgZm9yIGJhbmtzIAaHRtbCeDZINyavx14=",
                             "Trust me", mainnet()),
              R::kOk);
    // An address of another network is invalid here.
    EXPECT_EQ(verify_message("15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", kUnitSig, "Trust no one", testnet()),
              R::kErrInvalidAddress);
}

TEST(MessageSigning, CoreFunctionalVector) {
    // rpc_signmessagewithprivkey.py: a testnet WIF, its P2PKH address, and the two
    // segwit addresses of the same key, which Core refuses for a P2PKH signature.
    std::string err;
    const auto wif = decode_wif("cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N", testnet(), &err);
    ASSERT_TRUE(wif) << err;
    const SecretKey key(wif->secret);
    const std::string message = "This is just a test message";
    const auto sig = sign_message(key, message, wif->compressed);
    ASSERT_TRUE(sig);
    EXPECT_EQ(*sig, "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=");
    EXPECT_EQ(verify_message("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", *sig, message, testnet()), R::kOk);

    const Hash160 h = hash160(key.pubkey(true));
    const std::string wpkh = address_of(WitnessV0KeyHashDest{h}, testnet());
    const Script program = script_for_destination(WitnessV0KeyHashDest{h});
    const std::string sh_wpkh = address_of(ScriptHashDest{hash160(program.view())}, testnet());
    EXPECT_EQ(verify_message(wpkh, *sig, message, testnet()), R::kErrAddressNoKey);
    EXPECT_EQ(verify_message(sh_wpkh, *sig, message, testnet()), R::kErrAddressNoKey);
    EXPECT_EQ(verify_message(wpkh, "invalid_sig", message, testnet()), R::kErrAddressNoKey);
    EXPECT_EQ(verify_message("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", "invalid_sig", message, testnet()),
              R::kErrMalformedSignature);
}

TEST(MessageSigning, RpcErrorMapping) {
    EXPECT_EQ(verify_message_rpc_error(R::kErrInvalidAddress).code, -5);
    EXPECT_EQ(verify_message_rpc_error(R::kErrInvalidAddress).message, "Invalid address");
    EXPECT_EQ(verify_message_rpc_error(R::kErrAddressNoKey).code, -3);
    EXPECT_EQ(verify_message_rpc_error(R::kErrAddressNoKey).message, "Address does not refer to key");
    EXPECT_EQ(verify_message_rpc_error(R::kErrMalformedSignature).code, -3);
    EXPECT_EQ(verify_message_rpc_error(R::kErrMalformedSignature).message, "Malformed base64 encoding");
    EXPECT_EQ(verify_message_rpc_error(R::kOk).code, 0);
    EXPECT_EQ(verify_message_rpc_error(R::kErrNotSigned).code, 0);
    EXPECT_EQ(verify_message_rpc_error(R::kErrPubkeyNotRecovered).code, 0);
}

TEST(MessageSigning, UncompressedP2pkh) {
    const SecretKey key = secret_from_hex(kUnitKey);
    const auto sig = sign_message(key, "hello", /*compressed=*/false);
    ASSERT_TRUE(sig);
    const Bytes raw = *base64_decode(*sig);
    ASSERT_EQ(raw.size(), 65u);
    EXPECT_GE(raw[0], 27);
    EXPECT_LE(raw[0], 30);
    const std::string uncompressed_addr = address_of(PKHashDest{hash160(key.pubkey(false))});
    const std::string compressed_addr = address_of(PKHashDest{hash160(key.pubkey(true))});
    EXPECT_EQ(verify_message(uncompressed_addr, *sig, "hello", mainnet()), R::kOk);
    EXPECT_EQ(verify_message(compressed_addr, *sig, "hello", mainnet()), R::kErrNotSigned);
    EXPECT_EQ(*recover_message_pubkey(raw, message_hash("hello")), key.pubkey(false));
}

TEST(MessageSigning, Bip137SegwitHeaders) {
    const SecretKey key = secret_from_hex(kUnitKey);
    const Hash160 h = hash160(key.pubkey(true));
    const std::string wpkh = address_of(WitnessV0KeyHashDest{h});
    const Script program = script_for_destination(WitnessV0KeyHashDest{h});
    const std::string sh_wpkh = address_of(ScriptHashDest{hash160(program.view())});

    const auto sig_wpkh = sign_message(key, "segwit", true, MessageSigType::kP2wpkh);
    const auto sig_sh = sign_message(key, "segwit", true, MessageSigType::kP2shP2wpkh);
    ASSERT_TRUE(sig_wpkh && sig_sh);
    const Bytes raw_wpkh = *base64_decode(*sig_wpkh), raw_sh = *base64_decode(*sig_sh);
    EXPECT_GE(raw_wpkh[0], 39);
    EXPECT_LE(raw_wpkh[0], 42);
    EXPECT_GE(raw_sh[0], 35);
    EXPECT_LE(raw_sh[0], 38);
    // Same R and S as the P2PKH signature; only the header differs.
    const Bytes raw_pkh = *base64_decode(*sign_message(key, "segwit"));
    EXPECT_TRUE(std::equal(raw_pkh.begin() + 1, raw_pkh.end(), raw_wpkh.begin() + 1));

    EXPECT_EQ(verify_message(wpkh, *sig_wpkh, "segwit", mainnet()), R::kOk);
    EXPECT_EQ(verify_message(sh_wpkh, *sig_sh, "segwit", mainnet()), R::kOk);
    EXPECT_EQ(verify_message(wpkh, *sig_wpkh, "other", mainnet()), R::kErrNotSigned);
    // Header for the wrong kind of address.
    EXPECT_EQ(verify_message(wpkh, *sig_sh, "segwit", mainnet()), R::kErrAddressNoKey);
    EXPECT_EQ(verify_message(sh_wpkh, *sig_wpkh, "segwit", mainnet()), R::kErrAddressNoKey);
    // Core reads only the low bits of a P2PKH signature's header, so the BIP137 P2WPKH
    // header (39 + recid: compressed) verifies for the key's P2PKH address as in Core.
    EXPECT_EQ(verify_message(address_of(PKHashDest{h}), *sig_wpkh, "segwit", mainnet()), R::kOk);
    // The P2SH-P2WPKH header (35 + recid) reads as uncompressed: another address.
    EXPECT_EQ(verify_message(address_of(PKHashDest{h}), *sig_sh, "segwit", mainnet()), R::kErrNotSigned);
    // Another key's P2WPKH address.
    const SecretKey other = secret_from_hex("0000000000000000000000000000000000000000000000000000000000000001");
    EXPECT_EQ(
        verify_message(address_of(WitnessV0KeyHashDest{hash160(other.pubkey(true))}), *sig_wpkh, "segwit", mainnet()),
        R::kErrNotSigned);
}

TEST(MessageSigning, OtherAddressKindsReferToNoKey) {
    const SecretKey key = secret_from_hex(kUnitKey);
    const auto sig = *sign_message(key, "x");
    WitnessV0ScriptHashDest wsh{};
    WitnessV1TaprootDest tr{};
    tr.output_key = key.xonly_pubkey();
    EXPECT_EQ(verify_message(address_of(wsh), sig, "x", mainnet()), R::kErrAddressNoKey);
    EXPECT_EQ(verify_message(address_of(tr), sig, "x", mainnet()), R::kErrAddressNoKey);
}

TEST(MessageSigning, MalformedSignatures) {
    const SecretKey key = secret_from_hex(kUnitKey);
    Bytes raw = *base64_decode(kUnitSig);
    const std::string addr = "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs";
    // Wrong lengths.
    EXPECT_EQ(verify_message(addr, base64_encode(ByteView(raw).first(64)), "Trust no one", mainnet()),
              R::kErrPubkeyNotRecovered);
    Bytes longer = raw;
    longer.push_back(0);
    EXPECT_EQ(verify_message(addr, base64_encode(longer), "Trust no one", mainnet()), R::kErrPubkeyNotRecovered);
    EXPECT_EQ(verify_message(addr, "", "Trust no one", mainnet()), R::kErrPubkeyNotRecovered);
    // Headers outside 27..42: recover_message_pubkey refuses them; verify_message reads
    // them as Core does (low bits of header - 27), so one with the same bits still verifies.
    for (uint8_t header : {uint8_t(0), uint8_t(26), uint8_t(43), uint8_t(255)}) {
        Bytes bad = raw;
        bad[0] = header;
        EXPECT_FALSE(recover_message_pubkey(bad, message_hash("Trust no one")));
        const bool same_bits = ((int(header) - 27) & 7) == ((int(raw[0]) - 27) & 7);  // true for 0
        EXPECT_EQ(verify_message(addr, base64_encode(bad), "Trust no one", mainnet()) == R::kOk, same_bits)
            << int(header);
    }
    Bytes aliased = raw;
    aliased[0] = uint8_t(raw[0] + 16);  // same recovery id and compression bits
    EXPECT_EQ(verify_message(addr, base64_encode(aliased), "Trust no one", mainnet()), R::kOk);
    // R = 0 cannot be recovered; a flipped recovery id gives another key.
    Bytes zero_r = raw;
    std::fill(zero_r.begin() + 1, zero_r.begin() + 33, 0);
    EXPECT_EQ(verify_message(addr, base64_encode(zero_r), "Trust no one", mainnet()), R::kErrPubkeyNotRecovered);
    Bytes flipped = raw;
    flipped[0] ^= 1;
    EXPECT_NE(verify_message(addr, base64_encode(flipped), "Trust no one", mainnet()), R::kOk);
}
