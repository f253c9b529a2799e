// BIP324 key agreement: our ElligatorSwift public key, the x-only ECDH over two such
// keys, and the session keys both sides derive from it.
//
// Curve math is libsecp256k1's (public key creation; its ECDH module with a hash
// function that returns the shared point's x unhashed). The ElligatorSwift maps are
// util/ellswift.h, because Debian's libsecp256k1 0.2.0 lacks them; HKDF-SHA256 and the
// tagged hash are OpenSSL's SHA-256.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "common/key.h"

namespace minicash::net {

using EllSwiftPubKey = std::array<uint8_t, 64>;
using GarbageTerminator = std::array<uint8_t, 16>;

// Our public key for `key`, ElligatorSwift-encoded with 32 bytes of fresh randomness
// (use RAND_bytes; any 32 bytes give a valid encoding, fresh ones make it look random).
// nullopt when key is not a valid secret key.
[[nodiscard]] std::optional<EllSwiftPubKey> make_ellswift_pubkey(const SecretKey& key,
                                                                 std::span<const uint8_t, 32> rnd32);

// x(key * P) where P is a point with x coordinate ellswift_decode(theirs) (either such
// point: x does not depend on the choice). nullopt when key is not a valid secret key.
[[nodiscard]] std::optional<std::array<uint8_t, 32>> ellswift_ecdh_xonly(const EllSwiftPubKey& theirs,
                                                                         const SecretKey& key);

// The BIP324 shared secret: tagged hash "bip324_ellswift_xonly_ecdh" over the
// initiator's encoding, the responder's encoding and the ECDH x coordinate. `ours` is
// the encoding we sent (as sent, not re-encoded). nullopt when key is invalid.
[[nodiscard]] std::optional<std::array<uint8_t, 32>> v2_shared_secret(const SecretKey& key, const EllSwiftPubKey& ours,
                                                                      const EllSwiftPubKey& theirs, bool initiating);

// Everything derived from the shared secret with HKDF-SHA256, salt
// "bitcoin_v2_shared_secret" || network magic, one expansion per label. The same for
// both sides; which half a side sends with depends on its role (V2Cipher). Wiped on
// destruction.
struct V2SessionKeys {
    std::array<uint8_t, 32> initiator_l{};  // initiator's length cipher (FSChaCha20)
    std::array<uint8_t, 32> initiator_p{};  // initiator's packet cipher (FSChaCha20Poly1305)
    std::array<uint8_t, 32> responder_l{};
    std::array<uint8_t, 32> responder_p{};
    GarbageTerminator initiator_garbage_terminator{};  // first half of "garbage_terminators"
    GarbageTerminator responder_garbage_terminator{};  // second half
    std::array<uint8_t, 32> session_id{};

    V2SessionKeys() = default;
    V2SessionKeys(const V2SessionKeys&) = default;
    V2SessionKeys& operator=(const V2SessionKeys&) = default;
    ~V2SessionKeys();
};

V2SessionKeys derive_v2_session_keys(std::span<const uint8_t, 32> shared_secret,
                                     std::span<const uint8_t, 4> network_magic);

}  // namespace minicash::net
