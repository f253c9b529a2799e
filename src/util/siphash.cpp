#include "util/siphash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace minicash {
namespace {
struct MacFree {
    void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct CtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

EVP_MAC* siphash_mac() {
    // Fetched once; the EVP_MAC object is immutable and safe to share between threads.
    static std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "SIPHASH", nullptr));
    if (!mac) throw std::runtime_error("OpenSSL SIPHASH unavailable");
    return mac.get();
}
}  // namespace

uint64_t siphash24(uint64_t k0, uint64_t k1, ByteView data) {
    std::unique_ptr<EVP_MAC_CTX, CtxFree> ctx(EVP_MAC_CTX_new(siphash_mac()));
    uint8_t key[16];
    write_le64(key, k0);
    write_le64(key + 8, k1);
    unsigned size = 8, c_rounds = 2, d_rounds = 4;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
        OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c_rounds),
        OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d_rounds),
        OSSL_PARAM_construct_end(),
    };
    uint8_t out[8];
    size_t out_len = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), key, sizeof key, params) != 1 ||
        EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out, &out_len, sizeof out) != 1 || out_len != 8)
        throw std::runtime_error("OpenSSL SIPHASH failed");
    return read_le64(out);
}

}  // namespace minicash
