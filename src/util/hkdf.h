// HKDF-SHA256 (RFC 5869), computed by OpenSSL's EVP_KDF "HKDF".
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "util/bytes.h"

namespace minicash {

// The extract step is done once at construction; expand() derives any number of keys
// from the resulting pseudorandom key. The key is wiped when the object is destroyed.
class HkdfSha256 {
public:
    // PRK = HMAC-SHA256(salt, ikm). An empty salt stands for 32 zero bytes (RFC 5869).
    HkdfSha256(ByteView ikm, ByteView salt);
    ~HkdfSha256();
    HkdfSha256(const HkdfSha256&) = delete;
    HkdfSha256& operator=(const HkdfSha256&) = delete;

    // Fills out with OKM = HKDF-Expand(PRK, info, out.size()).
    // REQUIRES: out.size() <= 255 * 32 (the RFC's limit).
    void expand(ByteView info, std::span<uint8_t> out) const;
    // 32 bytes of OKM for a text label (`info` taken as its bytes).
    std::array<uint8_t, 32> expand32(std::string_view info) const;

    const std::array<uint8_t, 32>& prk() const { return prk_; }

private:
    std::array<uint8_t, 32> prk_{};
};

}  // namespace minicash
