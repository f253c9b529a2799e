#include "util/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace minicash {

namespace {

// OpenSSL 3 looks algorithms up by name on every one-shot call; fetching each digest
// once and reusing a per-thread context halves the cost of a small hash.
struct Digests {
    EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    EVP_MD* ripemd160 = EVP_MD_fetch(nullptr, "RIPEMD160", nullptr);
    EVP_MD* sha3_256 = EVP_MD_fetch(nullptr, "SHA3-256", nullptr);
    ~Digests() {
        EVP_MD_free(sha256);
        EVP_MD_free(sha512);
        EVP_MD_free(sha1);
        EVP_MD_free(ripemd160);
        EVP_MD_free(sha3_256);
    }
};

const Digests& digests() {
    static const Digests d;
    return d;
}

struct ThreadContext {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadContext() { EVP_MD_CTX_free(ctx); }
};

void digest(const EVP_MD* md, ByteView data, uint8_t* out, unsigned expected_len) {
    thread_local ThreadContext tc;
    unsigned len = 0;
    if (!md || !tc.ctx || EVP_DigestInit_ex2(tc.ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(tc.ctx, data.data(), data.size()) != 1 || EVP_DigestFinal_ex(tc.ctx, out, &len) != 1 ||
        len != expected_len)
        throw std::runtime_error("OpenSSL digest unavailable");
}

}  // namespace

uint256 sha256(ByteView data) {
    uint256 out;
    digest(digests().sha256, data, out.data(), 32);
    return out;
}

uint256 sha256d(ByteView data) {
    uint256 once = sha256(data);
    return sha256(once.view());
}

Hash160 ripemd160(ByteView data) {
    Hash160 out{};
    digest(digests().ripemd160, data, out.data(), 20);
    return out;
}

Hash160 sha1(ByteView data) {
    Hash160 out{};
    digest(digests().sha1, data, out.data(), 20);
    return out;
}

Hash160 hash160(ByteView data) { return ripemd160(sha256(data).view()); }

Hash512 hmac_sha512(ByteView key, ByteView data) {
    Hash512 out{};
    unsigned len = 0;
    if (!HMAC(EVP_sha512(), key.data(), int(key.size()), data.data(), data.size(), out.data(), &len) ||
        len != out.size())
        throw std::runtime_error("OpenSSL HMAC-SHA512 failed");
    return out;
}

Hash512 sha512(ByteView data) {
    Hash512 out{};
    digest(digests().sha512, data, out.data(), 64);
    return out;
}

uint256 sha3_256(ByteView data) {
    uint256 out;
    digest(digests().sha3_256, data, out.data(), 32);
    return out;
}

HashWriter& HashWriter::write_compact_size(uint64_t n) {
    if (n < 253) return write_u8(uint8_t(n));
    if (n <= 0xffff) {
        uint8_t b[3] = {253, uint8_t(n), uint8_t(n >> 8)};
        return write(b);
    }
    if (n <= 0xffffffff) {
        write_u8(254);
        return write_u32(uint32_t(n));
    }
    write_u8(255);
    return write_u64(n);
}

HashWriter HashWriter::tagged(std::string_view tag) {
    // SHA256(tag) for the few tags Bitcoin uses, computed once each.
    static std::mutex mutex;
    static std::map<std::string, uint256, std::less<>> cache;
    uint256 t;
    {
        std::lock_guard lock(mutex);
        auto it = cache.find(tag);
        if (it == cache.end())
            it = cache
                     .emplace(std::string(tag),
                              minicash::sha256(ByteView(reinterpret_cast<const uint8_t*>(tag.data()), tag.size())))
                     .first;
        t = it->second;
    }
    HashWriter w;
    w.reserve(64 + 128);
    w.write(t.view()).write(t.view());
    return w;
}

uint256 tagged_hash(std::string_view tag, ByteView msg) { return HashWriter::tagged(tag).write(msg).sha256(); }

}  // namespace minicash

namespace minicash {
uint256 HashWriter::sha256() const { return minicash::sha256(buf_); }
uint256 HashWriter::sha256d() const { return minicash::sha256d(buf_); }
}  // namespace minicash

namespace minicash {

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("OpenSSL SHA-256 unavailable");
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

Sha256Stream& Sha256Stream::write(ByteView data) {
    if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()) != 1)
        throw std::runtime_error("OpenSSL SHA-256 update failed");
    return *this;
}

uint256 Sha256Stream::finalize() {
    uint256 out;
    unsigned len = 0;
    if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len) != 1 || len != 32)
        throw std::runtime_error("OpenSSL SHA-256 final failed");
    return out;
}

}  // namespace minicash
