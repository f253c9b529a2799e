#include "common/key.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "consensus/pubkey.h"

namespace minicash {

const secp256k1_context* signing_context() {
    static const secp256k1_context* const ctx = [] {
        secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
        if (c == nullptr) throw std::runtime_error("secp256k1_context_create failed");
        uint8_t seed[32];
        if (RAND_bytes(seed, sizeof seed) != 1) {
            secp256k1_context_destroy(c);
            throw std::runtime_error("RAND_bytes failed: cannot randomize the signing context");
        }
        const int ok = secp256k1_context_randomize(c, seed);
        OPENSSL_cleanse(seed, sizeof seed);
        if (!ok) {
            secp256k1_context_destroy(c);
            throw std::runtime_error("secp256k1_context_randomize failed");
        }
        return c;
    }();
    return ctx;
}

SecretKey::SecretKey(std::span<const uint8_t, 32> bytes) { std::memcpy(bytes_.data(), bytes.data(), 32); }

SecretKey& SecretKey::operator=(const SecretKey& other) {
    if (this != &other) std::memcpy(bytes_.data(), other.bytes_.data(), 32);
    return *this;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

bool SecretKey::valid() const { return secp256k1_ec_seckey_verify(secp256k1_context_static, bytes_.data()) == 1; }

Bytes SecretKey::pubkey(bool compressed) const {
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_create(signing_context(), &pk, bytes_.data())) return {};
    Bytes out(compressed ? 33 : 65);
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, out.data(), &len, &pk,
                                  compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
    return out;
}

std::array<uint8_t, 33> SecretKey::compressed_pubkey() const {
    std::array<uint8_t, 33> out{};
    const Bytes pk = pubkey(true);
    if (pk.size() == 33) std::memcpy(out.data(), pk.data(), 33);
    return out;
}

std::array<uint8_t, 32> SecretKey::xonly_pubkey() const {
    std::array<uint8_t, 32> out{};
    secp256k1_keypair kp;
    if (secp256k1_keypair_create(signing_context(), &kp, bytes_.data())) {
        secp256k1_xonly_pubkey xpk;
        if (secp256k1_keypair_xonly_pub(secp256k1_context_static, &xpk, nullptr, &kp)) {
            secp256k1_xonly_pubkey_serialize(secp256k1_context_static, out.data(), &xpk);
        }
    }
    OPENSSL_cleanse(&kp, sizeof kp);
    return out;
}

bool operator==(const SecretKey& a, const SecretKey& b) {
    return CRYPTO_memcmp(a.bytes_.data(), b.bytes_.data(), 32) == 0;
}

bool is_fully_valid_non_hybrid_pubkey(ByteView pubkey) {
    return !pubkey.empty() && pubkey[0] != 0x06 && pubkey[0] != 0x07 && is_fully_valid_pubkey(pubkey);
}

std::optional<Bytes> reserialize_pubkey(ByteView pubkey, bool compressed) {
    if (pubkey.size() != 33 && pubkey.size() != 65) return std::nullopt;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, pubkey.data(), pubkey.size())) return std::nullopt;
    Bytes out(compressed ? 33 : 65);
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, out.data(), &len, &pk,
                                  compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
    return out;
}

}  // namespace minicash
