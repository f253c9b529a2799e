#include "storage/coin_codec.h"

#include <secp256k1.h>

#include <cstring>
#include <limits>

#include "consensus/pubkey.h"

namespace minicash {

namespace {

// Compressed script tags 0..5 are the special forms; raw scripts store size + 6.
constexpr uint64_t kSpecialScripts = 6;

size_t special_script_size(uint64_t tag) { return tag < 2 ? 20 : 32; }  // REQUIRES: tag < 6

bool is_p2pkh(const Script& s) {
    return s.size() == 25 && s[0] == OP_DUP && s[1] == OP_HASH160 && s[2] == 20 && s[23] == OP_EQUALVERIFY &&
           s[24] == OP_CHECKSIG;
}

bool is_p2sh_exact(const Script& s) { return s.size() == 23 && s[0] == OP_HASH160 && s[1] == 20 && s[22] == OP_EQUAL; }

bool is_p2pk_compressed(const Script& s) {
    return s.size() == 35 && s[0] == 33 && s[34] == OP_CHECKSIG && (s[1] == 0x02 || s[1] == 0x03);
}

// Uncompressed P2PK whose key is on the curve: only such keys can be rebuilt from x.
bool is_p2pk_uncompressed_valid(const Script& s) {
    return s.size() == 67 && s[0] == 65 && s[66] == OP_CHECKSIG && s[1] == 0x04 &&
           is_fully_valid_pubkey(ByteView(s.data() + 1, 65));
}

}  // namespace

void write_varint(Writer& w, uint64_t n) {
    // Groups are produced least significant first, then written in reverse.
    uint8_t tmp[10];
    size_t len = 0;
    for (;;) {
        tmp[len] = uint8_t(n & 0x7f) | (len ? 0x80 : 0x00);
        if (n <= 0x7f) break;
        n = (n >> 7) - 1;
        ++len;
    }
    for (size_t i = len + 1; i-- > 0;) w.u8(tmp[i]);
}

uint64_t read_varint(Reader& r) {
    constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
    uint64_t n = 0;
    for (;;) {
        const uint8_t ch = r.u8();
        if (!r.ok()) return 0;
        if (n > (kMax >> 7)) {
            r.fail("VARINT too large");
            return 0;
        }
        n = (n << 7) | (ch & 0x7f);
        if (!(ch & 0x80)) return n;
        if (n == kMax) {
            r.fail("VARINT too large");
            return 0;
        }
        ++n;
    }
}

uint64_t compress_amount(uint64_t n) {
    if (n == 0) return 0;
    int e = 0;
    while (n % 10 == 0 && e < 9) {
        n /= 10;
        ++e;
    }
    if (e < 9) {
        const uint64_t d = n % 10;  // 1..9
        n /= 10;
        return 1 + (n * 9 + d - 1) * 10 + uint64_t(e);
    }
    return 1 + (n - 1) * 10 + 9;
}

uint64_t decompress_amount(uint64_t x) {
    if (x == 0) return 0;
    --x;
    int e = int(x % 10);
    x /= 10;
    uint64_t n;
    if (e < 9) {
        const uint64_t d = x % 9 + 1;
        x /= 9;
        n = x * 10 + d;
    } else {
        n = x + 1;
    }
    for (; e > 0; --e) n *= 10;  // wraps (defined) only on corrupt input
    return n;
}

void write_compressed_script(Writer& w, const Script& script) {
    if (is_p2pkh(script)) {
        w.u8(0x00);
        w.bytes(ByteView(script.data() + 3, 20));
    } else if (is_p2sh_exact(script)) {
        w.u8(0x01);
        w.bytes(ByteView(script.data() + 2, 20));
    } else if (is_p2pk_compressed(script)) {
        w.u8(script[1]);
        w.bytes(ByteView(script.data() + 2, 32));
    } else if (is_p2pk_uncompressed_valid(script)) {
        w.u8(uint8_t(0x04 | (script[65] & 0x01)));  // parity of y
        w.bytes(ByteView(script.data() + 2, 32));
    } else {
        write_varint(w, script.size() + kSpecialScripts);
        w.bytes(script.view());
    }
}

Script read_compressed_script(Reader& r) {
    const uint64_t tag = read_varint(r);
    if (!r.ok()) return {};
    if (tag < kSpecialScripts) {
        const ByteView body = r.view(special_script_size(tag));
        if (!r.ok()) return {};
        Bytes s;
        switch (tag) {
        case 0x00:
            s = {OP_DUP, OP_HASH160, 20};
            append(s, body);
            s.push_back(OP_EQUALVERIFY);
            s.push_back(OP_CHECKSIG);
            break;
        case 0x01:
            s = {OP_HASH160, 20};
            append(s, body);
            s.push_back(OP_EQUAL);
            break;
        case 0x02:
        case 0x03:
            s = {33, uint8_t(tag)};
            append(s, body);
            s.push_back(OP_CHECKSIG);
            break;
        default: {  // 0x04/0x05: x and the parity of y of an uncompressed key
            uint8_t compressed[33];
            compressed[0] = uint8_t(tag - 2);
            std::memcpy(compressed + 1, body.data(), 32);
            secp256k1_pubkey key;
            if (!secp256k1_ec_pubkey_parse(secp256k1_context_static, &key, compressed, sizeof compressed)) {
                // Never written for an off-curve key, so the record is corrupt.
                r.fail("compressed script: invalid public key");
                return {};
            }
            uint8_t full[65];
            size_t full_len = sizeof full;
            secp256k1_ec_pubkey_serialize(secp256k1_context_static, full, &full_len, &key, SECP256K1_EC_UNCOMPRESSED);
            s = {65};
            append(s, ByteView(full, full_len));
            s.push_back(OP_CHECKSIG);
            break;
        }
        }
        return Script(std::move(s));
    }
    const uint64_t size = tag - kSpecialScripts;
    if (size > kMaxScriptSize) {
        // Core keeps such outputs as a short unspendable script; skip the stored bytes.
        if (size > r.remaining()) {
            r.fail("unexpected end of data");
            return {};
        }
        r.view(size_t(size));
        return Script(Bytes{OP_RETURN});
    }
    return Script(r.bytes(size_t(size)));
}

void write_coin(Writer& w, const Coin& coin) {
    write_varint(w, uint64_t(uint32_t(coin.height)) * 2 + (coin.coinbase ? 1 : 0));
    write_varint(w, compress_amount(uint64_t(coin.out.value)));
    write_compressed_script(w, coin.out.script_pubkey);
}

namespace {

// Reads the height/coinbase code and returns false (reader failed) when it is out of range.
bool read_coin_code(Reader& r, Coin& coin) {
    const uint64_t code = read_varint(r);
    if (!r.ok()) return false;
    if (code > std::numeric_limits<uint32_t>::max()) {
        r.fail("coin: height out of range");
        return false;
    }
    coin.height = int(code >> 1);
    coin.coinbase = (code & 1) != 0;
    return true;
}

void read_txout(Reader& r, Coin& coin) {
    const uint64_t value = decompress_amount(read_varint(r));
    if (!r.ok()) return;
    if (value > uint64_t(kMaxMoney)) {
        r.fail("coin: amount out of range");
        return;
    }
    coin.out.value = Amount(value);
    coin.out.script_pubkey = read_compressed_script(r);
}

}  // namespace

Coin read_coin(Reader& r) {
    Coin coin;
    if (read_coin_code(r, coin)) read_txout(r, coin);
    return r.ok() ? coin : Coin{};
}

void write_undo_coin(Writer& w, const Coin& coin) {
    write_varint(w, uint64_t(uint32_t(coin.height)) * 2 + (coin.coinbase ? 1 : 0));
    if (coin.height > 0) w.u8(0);  // legacy transaction version, ignored on read
    write_varint(w, compress_amount(uint64_t(coin.out.value)));
    write_compressed_script(w, coin.out.script_pubkey);
}

Coin read_undo_coin(Reader& r) {
    Coin coin;
    if (read_coin_code(r, coin)) {
        if (coin.height > 0) read_varint(r);  // Core reads the legacy version as a VARINT
        if (r.ok()) read_txout(r, coin);
    }
    return r.ok() ? coin : Coin{};
}

}  // namespace minicash
