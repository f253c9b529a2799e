// BIP324's forward-secure ciphers: FSChaCha20 (for the encrypted length field) and
// FSChaCha20Poly1305 (for packet contents). Both rekey themselves every kRekeyInterval
// messages from their own output, so a key captured later cannot decrypt older traffic.
// The ChaCha20 and ChaCha20-Poly1305 underneath are OpenSSL's (util/chacha20.h).
//
// Nonce layout (12 bytes, as BIP324 specifies):
//   FSChaCha20:          LE32(0)                   || LE64(message / kRekeyInterval)
//   FSChaCha20Poly1305:  LE32(message % interval)  || LE64(message / kRekeyInterval)
// where `message` counts the messages handled so far by this instance.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "util/bytes.h"
#include "util/chacha20.h"

namespace minicash::net {

inline constexpr uint32_t kRekeyInterval = 224;

// A ChaCha20 stream whose every call to crypt() is one message. After every
// kRekeyInterval-th message the next 32 keystream bytes become the new key and the
// stream restarts at block 0 with the next rekey counter in its nonce. (BIP324 uses
// 3-byte messages: 224 of them plus the 32-byte key are exactly 11 blocks, so no
// keystream is left over at a rekey.)
class FSChaCha20 {
public:
    explicit FSChaCha20(std::span<const uint8_t, 32> key);
    ~FSChaCha20();
    FSChaCha20(const FSChaCha20&) = delete;
    FSChaCha20& operator=(const FSChaCha20&) = delete;

    // Encrypts or decrypts (the same operation) one message. REQUIRES: out.size() ==
    // in.size(); in and out are the same bytes or do not overlap.
    void crypt(ByteView in, std::span<uint8_t> out);

private:
    ChaCha20 stream_;
    uint32_t message_in_epoch_ = 0;  // messages since the last rekey, < kRekeyInterval
    uint64_t rekey_counter_ = 0;
};

// ChaCha20-Poly1305 whose nonce counts messages, rekeyed after every kRekeyInterval-th
// message (encrypted or decrypted, authentic or not) with the first 32 bytes of the
// keystream of nonce LE32(0xffffffff) || LE64(epoch) from block 1, i.e. what encrypting
// 32 zero bytes under that nonce gives.
class FSChaCha20Poly1305 {
public:
    static constexpr size_t kTagSize = kPoly1305TagSize;

    explicit FSChaCha20Poly1305(std::span<const uint8_t, 32> key);
    ~FSChaCha20Poly1305();
    FSChaCha20Poly1305(const FSChaCha20Poly1305&) = delete;
    FSChaCha20Poly1305& operator=(const FSChaCha20Poly1305&) = delete;

    // out = ciphertext || tag. REQUIRES: out.size() == plaintext.size() + kTagSize; out
    // starts at plaintext (in place) or does not overlap it.
    void encrypt(ByteView plaintext, ByteView aad, std::span<uint8_t> out);
    // Checks and decrypts ciphertext || tag into out; false (out zeroed) when not
    // authentic. Either way the message counts. REQUIRES: out.size() + kTagSize ==
    // ciphertext.size(); out starts at ciphertext or does not overlap it.
    [[nodiscard]] bool decrypt(ByteView ciphertext, ByteView aad, std::span<uint8_t> out);

private:
    ChaCha20Nonce nonce() const;
    void next_message();

    ChaCha20Key key_;
    uint32_t message_in_epoch_ = 0;
    uint64_t rekey_counter_ = 0;
};

}  // namespace minicash::net
