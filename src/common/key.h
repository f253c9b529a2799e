// Secret keys and public-key helpers on top of libsecp256k1.
//
// Operations that involve a secret (public key generation, signing) need a context with
// generator tables; signing_context() creates one, randomized for side-channel
// protection, on first use. Pure public operations (parsing, tweaking public keys) use
// secp256k1_context_static.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "util/bytes.h"

struct secp256k1_context_struct;
typedef struct secp256k1_context_struct secp256k1_context;

namespace minicash {

// The process-wide signing context: created by secp256k1_context_create and randomized
// with 32 bytes from OpenSSL's RAND_bytes on first call (thread-safe). Never destroyed.
// Safe to share between threads for signing and key generation (libsecp256k1 only
// mutates a context in randomize, which happens before it is published).
const secp256k1_context* signing_context();

// A 32-byte secret key that wipes itself (OPENSSL_cleanse) when destroyed or
// overwritten. It may hold an invalid value; check valid() where it matters.
class SecretKey {
public:
    SecretKey() = default;
    explicit SecretKey(std::span<const uint8_t, 32> bytes);
    SecretKey(const SecretKey& other) = default;
    SecretKey& operator=(const SecretKey& other);
    ~SecretKey();

    // 1 <= s < n (the curve order).
    bool valid() const;
    const uint8_t* data() const { return bytes_.data(); }
    uint8_t* data() { return bytes_.data(); }
    std::span<const uint8_t, 32> span() const { return bytes_; }
    const std::array<uint8_t, 32>& bytes() const { return bytes_; }

    // The public key, compressed (33 bytes) or uncompressed (65 bytes).
    // REQUIRES: valid().
    Bytes pubkey(bool compressed = true) const;
    std::array<uint8_t, 33> compressed_pubkey() const;
    // BIP340 x-only public key. REQUIRES: valid().
    std::array<uint8_t, 32> xonly_pubkey() const;

    friend bool operator==(const SecretKey& a, const SecretKey& b);

private:
    std::array<uint8_t, 32> bytes_{};
};

// A key as descriptors and PSBT take it: is_fully_valid_pubkey (consensus/pubkey.h)
// without the hybrid encodings 06/07, which Core's descriptors refuse.
bool is_fully_valid_non_hybrid_pubkey(ByteView pubkey);
// Re-serializes a valid public key (33 or 65 bytes) in the requested form.
[[nodiscard]] std::optional<Bytes> reserialize_pubkey(ByteView pubkey, bool compressed);

}  // namespace minicash
