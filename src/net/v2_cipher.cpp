#include "net/v2_cipher.h"

#include <openssl/crypto.h>

#include <cstring>
#include <stdexcept>

namespace minicash::net {

V2Cipher::V2Cipher(const V2SessionKeys& keys, bool initiator)
    : send_l_(initiator ? keys.initiator_l : keys.responder_l),
      send_p_(initiator ? keys.initiator_p : keys.responder_p),
      recv_l_(initiator ? keys.responder_l : keys.initiator_l),
      recv_p_(initiator ? keys.responder_p : keys.initiator_p),
      session_id_(keys.session_id),
      send_terminator_(initiator ? keys.initiator_garbage_terminator : keys.responder_garbage_terminator),
      recv_terminator_(initiator ? keys.responder_garbage_terminator : keys.initiator_garbage_terminator) {}

void V2Cipher::encrypt(ByteView contents, ByteView aad, bool ignore, std::span<uint8_t> out) {
    if (contents.size() > kMaxContentsSize) throw std::invalid_argument("V2Cipher::encrypt: contents too long");
    if (out.size() != contents.size() + kExpansion) throw std::invalid_argument("V2Cipher::encrypt: output size");
    uint8_t length[kLengthSize];
    const uint32_t len = uint32_t(contents.size());
    length[0] = uint8_t(len);
    length[1] = uint8_t(len >> 8);
    length[2] = uint8_t(len >> 16);
    send_l_.crypt(length, out.first(kLengthSize));
    // header || contents is laid out in out, then encrypted in place.
    const std::span<uint8_t> body = out.subspan(kLengthSize);
    body[0] = ignore ? kIgnoreBit : 0;
    if (!contents.empty()) std::memcpy(body.data() + kHeaderSize, contents.data(), contents.size());
    send_p_.encrypt(body.first(kHeaderSize + contents.size()), aad, body);
}

Bytes V2Cipher::encrypt(ByteView contents, ByteView aad, bool ignore) {
    Bytes out(contents.size() + kExpansion);
    encrypt(contents, aad, ignore, out);
    return out;
}

uint32_t V2Cipher::decrypt_length(std::span<const uint8_t, kLengthSize> encrypted_length) {
    uint8_t length[kLengthSize];
    recv_l_.crypt(encrypted_length, length);
    return uint32_t(length[0]) | (uint32_t(length[1]) << 8) | (uint32_t(length[2]) << 16);
}

bool V2Cipher::decrypt(ByteView ciphertext, ByteView aad, bool& ignore, std::span<uint8_t> contents) {
    if (contents.size() + kHeaderSize + kTagSize != ciphertext.size())
        throw std::invalid_argument("V2Cipher::decrypt: sizes do not match");
    scratch_.resize(kHeaderSize + contents.size());
    const bool ok = recv_p_.decrypt(ciphertext, aad, scratch_);
    if (ok) {
        ignore = (scratch_[0] & kIgnoreBit) != 0;
        if (!contents.empty()) std::memcpy(contents.data(), scratch_.data() + kHeaderSize, contents.size());
    }
    OPENSSL_cleanse(scratch_.data(), scratch_.size());
    return ok;
}

}  // namespace minicash::net
