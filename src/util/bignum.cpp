#include "util/bignum.h"

#include <openssl/bn.h>

#include <new>
#include <stdexcept>

namespace minicash {

void BnFree::operator()(bignum_st* b) const { BN_free(b); }

BnPtr bn_new() {
    BnPtr b(BN_new());
    if (!b) throw std::bad_alloc();
    return b;
}

BnPtr bn_dup(const bignum_st* b) {
    BnPtr copy(BN_dup(b));
    if (!copy) throw std::bad_alloc();
    return copy;
}

bignum_ctx* bn_ctx() {
    struct Holder {
        BN_CTX* ctx = BN_CTX_new();
        ~Holder() { BN_CTX_free(ctx); }
    };
    thread_local Holder h;
    if (!h.ctx) throw std::bad_alloc();
    return h.ctx;
}

void bn_check(int ok) {
    if (ok != 1) throw std::runtime_error("OpenSSL BIGNUM operation failed");
}

}  // namespace minicash
