// ChaCha20 and ChaCha20-Poly1305 (RFC 8439), both computed by OpenSSL.
//
// Nonces are the RFC's 96-bit nonces; the 32-bit block counter is separate. OpenSSL's
// "ChaCha20" takes both as one 16-byte IV (counter little-endian, then the nonce); that
// layout stays inside chacha20.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "util/bytes.h"

namespace minicash {

using ChaCha20Key = std::array<uint8_t, 32>;
using ChaCha20Nonce = std::array<uint8_t, 12>;

// A ChaCha20 keystream positioned at block `block_counter` of (key, nonce). Successive
// calls continue where the previous one stopped, at any byte offset.
class ChaCha20 {
public:
    static constexpr size_t kBlockSize = 64;

    ChaCha20(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, uint32_t block_counter = 0);
    ~ChaCha20();
    ChaCha20(const ChaCha20&) = delete;
    ChaCha20& operator=(const ChaCha20&) = delete;

    // Restarts the keystream at block `block_counter` of a new (key, nonce).
    void reset(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, uint32_t block_counter = 0);
    // Writes the next out.size() keystream bytes.
    void keystream(std::span<uint8_t> out);
    // out = in XOR the next in.size() keystream bytes. REQUIRES: out.size() == in.size();
    // in and out are either the same bytes or do not overlap.
    void crypt(ByteView in, std::span<uint8_t> out);

private:
    void* ctx_;  // EVP_CIPHER_CTX
};

// The 384-byte keystream of (key, all-zero nonce) from block 0: the expansion MuHash3072
// uses. A fast path for a fresh one-shot ChaCha20 (per-thread OpenSSL context).
void chacha20_keystream(std::span<const uint8_t, 32> key, std::span<uint8_t> out);

inline constexpr size_t kPoly1305TagSize = 16;

// ChaCha20-Poly1305 AEAD. Writes ciphertext || 16-byte tag into out.
// REQUIRES: out.size() == plaintext.size() + kPoly1305TagSize; out may start at the same
// address as plaintext (in-place), otherwise they do not overlap.
void chacha20_poly1305_encrypt(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, ByteView aad,
                               ByteView plaintext, std::span<uint8_t> out);

// Checks the tag at the end of `ciphertext` and writes the plaintext into out. Returns
// false, with out zeroed, when the tag does not match (or ciphertext is shorter than a
// tag). REQUIRES: out.size() + kPoly1305TagSize == ciphertext.size() (when it is at least
// a tag long); out may start at the same address as ciphertext.
[[nodiscard]] bool chacha20_poly1305_decrypt(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce,
                                             ByteView aad, ByteView ciphertext, std::span<uint8_t> out);

}  // namespace minicash
