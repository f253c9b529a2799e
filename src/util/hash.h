// Hash functions Bitcoin uses, all computed by OpenSSL.
#pragma once

#include <array>
#include <string_view>

#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

using Hash160 = std::array<uint8_t, 20>;
using Hash512 = std::array<uint8_t, 64>;

uint256 sha256(ByteView data);
uint256 sha256d(ByteView data);  // SHA256(SHA256(data))
Hash160 ripemd160(ByteView data);
Hash160 sha1(ByteView data);     // only for OP_SHA1
Hash160 hash160(ByteView data);  // RIPEMD160(SHA256(data))
Hash512 hmac_sha512(ByteView key, ByteView data);
Hash512 sha512(ByteView data);
uint256 sha3_256(ByteView data);  // FIPS 202 SHA3-256 (Tor v3 onion checksums)

// Accumulates a message, then hashes it. Used to build hash preimages field by field
// (sighash messages, merkle nodes, tagged hashes). The buffer is reused by reset().
class HashWriter {
public:
    HashWriter() = default;
    // A BIP340 tagged-hash writer: the message starts with SHA256(tag) || SHA256(tag).
    static HashWriter tagged(std::string_view tag);

    HashWriter& write(ByteView data) {
        append(buf_, data);
        return *this;
    }
    HashWriter& write_u8(uint8_t v) {
        buf_.push_back(v);
        return *this;
    }
    HashWriter& write_u32(uint32_t v) {
        uint8_t b[4];
        write_le32(b, v);
        return write(b);
    }
    HashWriter& write_u64(uint64_t v) {
        uint8_t b[8];
        write_le64(b, v);
        return write(b);
    }
    HashWriter& write_compact_size(uint64_t n);
    HashWriter& write_var_bytes(ByteView data) {
        write_compact_size(data.size());
        return write(data);
    }
    HashWriter& write_hash(const uint256& h) { return write(h.view()); }

    uint256 sha256() const;
    uint256 sha256d() const;
    const Bytes& bytes() const { return buf_; }
    void reserve(size_t n) { buf_.reserve(n); }

private:
    Bytes buf_;
};

// Incremental SHA-256 for inputs too large to buffer (e.g. the whole UTXO set).
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    Sha256Stream& write(ByteView data);
    uint256 finalize();  // REQUIRES: called once

private:
    void* ctx_;  // EVP_MD_CTX
};

// BIP340 tagged hash of `msg` under `tag`.
uint256 tagged_hash(std::string_view tag, ByteView msg);

}  // namespace minicash
