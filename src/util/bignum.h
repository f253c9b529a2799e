// Small helpers for OpenSSL's BIGNUM, shared by the constructions written on it
// (ellswift.cpp, muhash.cpp): an owning pointer, a per-thread BN_CTX, error checks.
// The header does not include OpenSSL, so headers may hold a BnPtr.
#pragma once

#include <memory>

struct bignum_st;
struct bignum_ctx;

namespace minicash {

struct BnFree {
    void operator()(bignum_st* b) const;
};
// Owns one BIGNUM (freed with BN_free).
using BnPtr = std::unique_ptr<bignum_st, BnFree>;

// A new BIGNUM holding 0. Throws std::bad_alloc when OpenSSL cannot allocate.
BnPtr bn_new();
// A copy of b. Throws std::bad_alloc when OpenSSL cannot allocate.
BnPtr bn_dup(const bignum_st* b);

// This thread's BN_CTX (scratch space for BN_mod_* calls), created on first use.
bignum_ctx* bn_ctx();

// Throws std::runtime_error unless ok == 1, OpenSSL's success value.
void bn_check(int ok);

}  // namespace minicash
