#include "util/chacha20.h"

#include <openssl/evp.h>

#include <climits>
#include <cstring>
#include <stdexcept>

namespace minicash {

namespace {

// Fetched once: OpenSSL 3 otherwise looks the algorithm up by name on every init.
struct Ciphers {
    EVP_CIPHER* chacha20 = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
    EVP_CIPHER* chacha20_poly1305 = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    ~Ciphers() {
        EVP_CIPHER_free(chacha20);
        EVP_CIPHER_free(chacha20_poly1305);
    }
};

const Ciphers& ciphers() {
    static const Ciphers c;
    if (!c.chacha20 || !c.chacha20_poly1305) throw std::runtime_error("OpenSSL ChaCha20 unavailable");
    return c;
}

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("OpenSSL ChaCha20: ") + what); }

EVP_CIPHER_CTX* as_ctx(void* p) { return static_cast<EVP_CIPHER_CTX*>(p); }

// OpenSSL's ChaCha20 IV: the 32-bit block counter (little-endian), then the 96-bit nonce.
std::array<uint8_t, 16> openssl_iv(std::span<const uint8_t, 12> nonce, uint32_t block_counter) {
    std::array<uint8_t, 16> iv{};
    write_le32(iv.data(), block_counter);
    std::memcpy(iv.data() + 4, nonce.data(), 12);
    return iv;
}

// EVP_*Update takes an int length; larger inputs go through in slices.
template <typename Update>
void update_in_slices(const uint8_t* in, uint8_t* out, size_t len, Update update) {
    constexpr size_t kSlice = size_t(1) << 30;
    while (len > 0) {
        const size_t n = len < kSlice ? len : kSlice;
        int written = 0;
        if (update(out, &written, in, int(n)) != 1 || size_t(written) != n) fail("update");
        in += n;
        out += n;
        len -= n;
    }
}

struct ThreadCipherContext {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    ~ThreadCipherContext() { EVP_CIPHER_CTX_free(ctx); }
};

EVP_CIPHER_CTX* thread_ctx() {
    thread_local ThreadCipherContext tc;
    if (!tc.ctx) fail("out of memory");
    return tc.ctx;
}

bool aead_init(EVP_CIPHER_CTX* ctx, bool encrypt, std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce,
               ByteView aad) {
    if (EVP_CipherInit_ex2(ctx, ciphers().chacha20_poly1305, key.data(), nonce.data(), encrypt ? 1 : 0, nullptr) != 1)
        return false;
    if (aad.empty()) return true;
    if (aad.size() > size_t(INT_MAX)) return false;
    int len = 0;
    return EVP_CipherUpdate(ctx, nullptr, &len, aad.data(), int(aad.size())) == 1;
}

}  // namespace

ChaCha20::ChaCha20(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, uint32_t block_counter)
    : ctx_(EVP_CIPHER_CTX_new()) {
    if (!ctx_) fail("out of memory");
    try {
        reset(key, nonce, block_counter);
    } catch (...) {
        EVP_CIPHER_CTX_free(as_ctx(ctx_));
        throw;
    }
}

ChaCha20::~ChaCha20() { EVP_CIPHER_CTX_free(as_ctx(ctx_)); }

void ChaCha20::reset(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, uint32_t block_counter) {
    const auto iv = openssl_iv(nonce, block_counter);
    if (EVP_EncryptInit_ex2(as_ctx(ctx_), ciphers().chacha20, key.data(), iv.data(), nullptr) != 1) fail("init");
}

void ChaCha20::keystream(std::span<uint8_t> out) {
    std::memset(out.data(), 0, out.size());
    crypt(out, out);
}

void ChaCha20::crypt(ByteView in, std::span<uint8_t> out) {
    if (in.size() != out.size()) throw std::invalid_argument("ChaCha20::crypt: sizes differ");
    update_in_slices(in.data(), out.data(), in.size(), [this](uint8_t* o, int* w, const uint8_t* i, int n) {
        return EVP_EncryptUpdate(as_ctx(ctx_), o, w, i, n);
    });
}

void chacha20_keystream(std::span<const uint8_t, 32> key, std::span<uint8_t> out) {
    EVP_CIPHER_CTX* ctx = thread_ctx();
    const ChaCha20Nonce zero_nonce{};
    const auto iv = openssl_iv(zero_nonce, 0);
    if (EVP_EncryptInit_ex2(ctx, ciphers().chacha20, key.data(), iv.data(), nullptr) != 1) fail("init");
    std::memset(out.data(), 0, out.size());
    update_in_slices(out.data(), out.data(), out.size(),
                     [ctx](uint8_t* o, int* w, const uint8_t* i, int n) { return EVP_EncryptUpdate(ctx, o, w, i, n); });
}

void chacha20_poly1305_encrypt(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, ByteView aad,
                               ByteView plaintext, std::span<uint8_t> out) {
    if (out.size() != plaintext.size() + kPoly1305TagSize)
        throw std::invalid_argument("chacha20_poly1305_encrypt: output size");
    EVP_CIPHER_CTX* ctx = thread_ctx();
    if (!aead_init(ctx, true, key, nonce, aad)) fail("AEAD init");
    update_in_slices(plaintext.data(), out.data(), plaintext.size(),
                     [ctx](uint8_t* o, int* w, const uint8_t* i, int n) { return EVP_EncryptUpdate(ctx, o, w, i, n); });
    uint8_t no_output[16];  // a stream cipher's final step writes nothing
    int len = 0;
    if (EVP_EncryptFinal_ex(ctx, no_output, &len) != 1 || len != 0) fail("AEAD final");
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, int(kPoly1305TagSize), out.data() + plaintext.size()) != 1)
        fail("AEAD tag");
}

bool chacha20_poly1305_decrypt(std::span<const uint8_t, 32> key, std::span<const uint8_t, 12> nonce, ByteView aad,
                               ByteView ciphertext, std::span<uint8_t> out) {
    if (ciphertext.size() < kPoly1305TagSize) {
        std::memset(out.data(), 0, out.size());
        return false;
    }
    const size_t text_len = ciphertext.size() - kPoly1305TagSize;
    if (out.size() != text_len) throw std::invalid_argument("chacha20_poly1305_decrypt: output size");
    // The tag is copied first: decryption may overwrite the ciphertext in place.
    std::array<uint8_t, kPoly1305TagSize> tag;
    std::memcpy(tag.data(), ciphertext.data() + text_len, tag.size());
    EVP_CIPHER_CTX* ctx = thread_ctx();
    if (!aead_init(ctx, false, key, nonce, aad)) fail("AEAD init");
    update_in_slices(ciphertext.data(), out.data(), text_len,
                     [ctx](uint8_t* o, int* w, const uint8_t* i, int n) { return EVP_DecryptUpdate(ctx, o, w, i, n); });
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, int(tag.size()), tag.data()) != 1) fail("AEAD tag");
    uint8_t no_output[16];  // a stream cipher's final step writes nothing
    int len = 0;
    if (EVP_DecryptFinal_ex(ctx, no_output, &len) != 1 || len != 0) {
        std::memset(out.data(), 0, out.size());
        return false;
    }
    return true;
}

}  // namespace minicash
