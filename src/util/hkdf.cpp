#include "util/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <stdexcept>

namespace minicash {

namespace {

// One HKDF derivation in `mode` (extract only or expand only). `key` is the IKM for
// extraction and the PRK for expansion.
void hkdf(int mode, ByteView key, ByteView salt, ByteView info, std::span<uint8_t> out) {
    static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (!kdf) throw std::runtime_error("OpenSSL HKDF unavailable");
    EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
    if (!ctx) throw std::runtime_error("OpenSSL HKDF: out of memory");
    char digest[] = "SHA256";
    // OpenSSL refuses a zero-length key parameter; a non-null pointer is needed for it.
    static const uint8_t kEmpty[1] = {0};
    auto octets = [](const char* name, ByteView v) {
        return OSSL_PARAM_construct_octet_string(name, const_cast<uint8_t*>(v.empty() ? kEmpty : v.data()), v.size());
    };
    OSSL_PARAM params[6];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    params[n++] = octets(OSSL_KDF_PARAM_KEY, key);
    if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
        if (!salt.empty()) params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
    } else if (!info.empty()) {
        params[n++] = octets(OSSL_KDF_PARAM_INFO, info);
    }
    params[n] = OSSL_PARAM_construct_end();
    const int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params);
    EVP_KDF_CTX_free(ctx);
    if (ok != 1) throw std::runtime_error("OpenSSL HKDF failed");
}

}  // namespace

HkdfSha256::HkdfSha256(ByteView ikm, ByteView salt) { hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, salt, {}, prk_); }

HkdfSha256::~HkdfSha256() { OPENSSL_cleanse(prk_.data(), prk_.size()); }

void HkdfSha256::expand(ByteView info, std::span<uint8_t> out) const {
    if (out.size() > 255 * 32) throw std::invalid_argument("HKDF-Expand: output too long");
    if (out.empty()) return;
    hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk_, {}, info, out);
}

std::array<uint8_t, 32> HkdfSha256::expand32(std::string_view info) const {
    std::array<uint8_t, 32> out{};
    expand(ByteView(reinterpret_cast<const uint8_t*>(info.data()), info.size()), out);
    return out;
}

}  // namespace minicash
