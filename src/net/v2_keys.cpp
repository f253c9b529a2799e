#include "net/v2_keys.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_ecdh.h>

#include <cstring>
#include <string_view>

#include "util/ellswift.h"
#include "util/hash.h"
#include "util/hkdf.h"

namespace minicash::net {

namespace {

// libsecp256k1 ECDH "hash" that returns the shared point's x coordinate as is.
int copy_x(unsigned char* output, const unsigned char* x32, const unsigned char* /*y32*/, void* /*data*/) {
    std::memcpy(output, x32, 32);
    return 1;
}

}  // namespace

std::optional<EllSwiftPubKey> make_ellswift_pubkey(const SecretKey& key, std::span<const uint8_t, 32> rnd32) {
    if (!key.valid()) return std::nullopt;
    const std::array<uint8_t, 33> pubkey = key.compressed_pubkey();
    return ellswift::ellswift_encode(pubkey, rnd32);
}

std::optional<std::array<uint8_t, 32>> ellswift_ecdh_xonly(const EllSwiftPubKey& theirs, const SecretKey& key) {
    if (!key.valid()) return std::nullopt;
    // Any decoded x is valid, so 02 || x always parses; x(k*P) = x(k*(-P)) makes the 02
    // (even y) choice irrelevant.
    std::array<uint8_t, 33> compressed{};
    compressed[0] = 0x02;
    const ellswift::FieldBytes x = ellswift::ellswift_decode(theirs);
    std::memcpy(compressed.data() + 1, x.data(), 32);
    secp256k1_pubkey point;
    if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &point, compressed.data(), compressed.size()))
        return std::nullopt;
    std::array<uint8_t, 32> out{};
    if (!secp256k1_ecdh(signing_context(), out.data(), &point, key.data(), copy_x, nullptr)) return std::nullopt;
    return out;
}

std::optional<std::array<uint8_t, 32>> v2_shared_secret(const SecretKey& key, const EllSwiftPubKey& ours,
                                                        const EllSwiftPubKey& theirs, bool initiating) {
    std::optional<std::array<uint8_t, 32>> x = ellswift_ecdh_xonly(theirs, key);
    if (!x) return std::nullopt;
    HashWriter w = HashWriter::tagged("bip324_ellswift_xonly_ecdh");
    w.write(initiating ? ours : theirs).write(initiating ? theirs : ours).write(*x);
    OPENSSL_cleanse(x->data(), x->size());
    const uint256 secret = w.sha256();
    std::array<uint8_t, 32> out{};
    std::memcpy(out.data(), secret.data(), 32);
    return out;
}

V2SessionKeys::~V2SessionKeys() { OPENSSL_cleanse(this, sizeof(*this)); }

V2SessionKeys derive_v2_session_keys(std::span<const uint8_t, 32> shared_secret,
                                     std::span<const uint8_t, 4> network_magic) {
    static constexpr std::string_view kSaltPrefix = "bitcoin_v2_shared_secret";
    Bytes salt(kSaltPrefix.begin(), kSaltPrefix.end());
    append(salt, network_magic);
    const HkdfSha256 hkdf(shared_secret, salt);
    V2SessionKeys keys;
    keys.initiator_l = hkdf.expand32("initiator_L");
    keys.initiator_p = hkdf.expand32("initiator_P");
    keys.responder_l = hkdf.expand32("responder_L");
    keys.responder_p = hkdf.expand32("responder_P");
    std::array<uint8_t, 32> terminators = hkdf.expand32("garbage_terminators");
    std::memcpy(keys.initiator_garbage_terminator.data(), terminators.data(), 16);
    std::memcpy(keys.responder_garbage_terminator.data(), terminators.data() + 16, 16);
    OPENSSL_cleanse(terminators.data(), terminators.size());
    keys.session_id = hkdf.expand32("session_id");
    return keys;
}

}  // namespace minicash::net
