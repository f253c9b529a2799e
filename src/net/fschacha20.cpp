#include "net/fschacha20.h"

#include <openssl/crypto.h>

#include <cstring>

namespace minicash::net {

namespace {

ChaCha20Nonce make_nonce(uint32_t low, uint64_t epoch) {
    ChaCha20Nonce n{};
    write_le32(n.data(), low);
    write_le64(n.data() + 4, epoch);
    return n;
}

}  // namespace

FSChaCha20::FSChaCha20(std::span<const uint8_t, 32> key) : stream_(key, make_nonce(0, 0)) {}

FSChaCha20::~FSChaCha20() = default;

void FSChaCha20::crypt(ByteView in, std::span<uint8_t> out) {
    stream_.crypt(in, out);
    if (++message_in_epoch_ == kRekeyInterval) {
        ChaCha20Key next{};
        stream_.keystream(next);
        message_in_epoch_ = 0;
        ++rekey_counter_;
        stream_.reset(next, make_nonce(0, rekey_counter_));
        OPENSSL_cleanse(next.data(), next.size());
    }
}

FSChaCha20Poly1305::FSChaCha20Poly1305(std::span<const uint8_t, 32> key) {
    std::memcpy(key_.data(), key.data(), key_.size());
}

FSChaCha20Poly1305::~FSChaCha20Poly1305() { OPENSSL_cleanse(key_.data(), key_.size()); }

ChaCha20Nonce FSChaCha20Poly1305::nonce() const { return make_nonce(message_in_epoch_, rekey_counter_); }

void FSChaCha20Poly1305::encrypt(ByteView plaintext, ByteView aad, std::span<uint8_t> out) {
    chacha20_poly1305_encrypt(key_, nonce(), aad, plaintext, out);
    next_message();
}

bool FSChaCha20Poly1305::decrypt(ByteView ciphertext, ByteView aad, std::span<uint8_t> out) {
    const bool ok = chacha20_poly1305_decrypt(key_, nonce(), aad, ciphertext, out);
    next_message();
    return ok;
}

void FSChaCha20Poly1305::next_message() {
    if (++message_in_epoch_ < kRekeyInterval) return;
    ChaCha20 rekey_stream(key_, make_nonce(0xffffffff, rekey_counter_), /*block_counter=*/1);
    rekey_stream.keystream(key_);
    message_in_epoch_ = 0;
    ++rekey_counter_;
}

}  // namespace minicash::net
