// BIP324 packet encryption for one side of a v2 connection.
//
// A packet on the wire is
//   length (3 bytes, FSChaCha20)  ||  AEAD(header (1 byte) || contents)  (FSChaCha20Poly1305)
// where length = contents.size() little-endian, header bit 7 is the "ignore" bit (the
// receiver drops the packet after authenticating it), the other header bits are zero when
// sending and ignored when receiving, and the AEAD tag is 16 bytes. The AAD is the
// garbage for the first packet each way and empty afterwards (the caller supplies it).
//
// A side sends with the keys of its own role and receives with the peer's, so
// V2Cipher(keys, true) and V2Cipher(keys, false) are the two ends of one connection.
// Each direction counts its packets; both ends must process every packet, in order.
#pragma once

#include <cstdint>
#include <span>

#include "net/fschacha20.h"
#include "net/v2_keys.h"
#include "util/bytes.h"

namespace minicash::net {

class V2Cipher {
public:
    static constexpr size_t kLengthSize = 3;
    static constexpr size_t kHeaderSize = 1;
    static constexpr size_t kTagSize = FSChaCha20Poly1305::kTagSize;
    // Bytes a packet adds to its contents.
    static constexpr size_t kExpansion = kLengthSize + kHeaderSize + kTagSize;
    static constexpr uint32_t kMaxContentsSize = (uint32_t(1) << 24) - 1;
    static constexpr uint8_t kIgnoreBit = 0x80;

    V2Cipher(const V2SessionKeys& keys, bool initiator);

    const std::array<uint8_t, 32>& session_id() const { return session_id_; }
    const GarbageTerminator& send_garbage_terminator() const { return send_terminator_; }
    const GarbageTerminator& recv_garbage_terminator() const { return recv_terminator_; }

    // Encrypts one packet into out. REQUIRES: contents.size() <= kMaxContentsSize and
    // out.size() == contents.size() + kExpansion; out does not overlap contents.
    void encrypt(ByteView contents, ByteView aad, bool ignore, std::span<uint8_t> out);
    Bytes encrypt(ByteView contents, ByteView aad = {}, bool ignore = false);

    // Step 1 of receiving a packet: decrypts its first kLengthSize bytes and returns the
    // contents length; the rest of the packet is that plus kHeaderSize + kTagSize bytes.
    // Call exactly once per packet, before decrypt().
    uint32_t decrypt_length(std::span<const uint8_t, kLengthSize> encrypted_length);

    // Step 2: checks and decrypts the rest of the packet (header || contents || tag).
    // Returns false when it is not authentic (the connection must then be dropped);
    // otherwise fills contents and sets ignore from the header.
    // REQUIRES: contents.size() + kHeaderSize + kTagSize == ciphertext.size().
    [[nodiscard]] bool decrypt(ByteView ciphertext, ByteView aad, bool& ignore, std::span<uint8_t> contents);

private:
    FSChaCha20 send_l_;
    FSChaCha20Poly1305 send_p_;
    FSChaCha20 recv_l_;
    FSChaCha20Poly1305 recv_p_;
    std::array<uint8_t, 32> session_id_;
    GarbageTerminator send_terminator_;
    GarbageTerminator recv_terminator_;
    Bytes scratch_;  // header || contents while decrypting
};

}  // namespace minicash::net
