#include "common/bip32.h"

#include <openssl/crypto.h>
#include <secp256k1.h>

#include <cstdio>
#include <cstring>

#include "util/base58.h"
#include "util/hash.h"

namespace minicash {
namespace {

// Wipes a buffer when leaving scope.
template <typename T>
struct Cleanse {
    T& obj;
    ~Cleanse() { OPENSSL_cleanse(obj.data(), obj.size() * sizeof(obj[0])); }
};

void write_header(uint8_t* out, const std::array<uint8_t, 4>& version, uint8_t depth, const Fingerprint& parent,
                  uint32_t child, const std::array<uint8_t, 32>& chain_code) {
    std::memcpy(out, version.data(), 4);
    out[4] = depth;
    std::memcpy(out + 5, parent.data(), 4);
    write_be32(out + 9, child);
    std::memcpy(out + 13, chain_code.data(), 32);
}

bool parse_pubkey(const uint8_t* data33, secp256k1_pubkey& pk) {
    return secp256k1_ec_pubkey_parse(secp256k1_context_static, &pk, data33, 33) == 1;
}

std::array<uint8_t, 33> serialize_compressed(const secp256k1_pubkey& pk) {
    std::array<uint8_t, 33> out{};
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
    return out;
}

bool set_error(std::string* error, const std::string& msg) {
    if (error) *error = msg;
    return false;
}

}  // namespace

ExtKeyVersions ext_key_versions(const ChainParams& params) {
    return {params.base58.ext_public_key, params.base58.ext_secret_key};
}

Fingerprint key_fingerprint(ByteView compressed_pubkey) {
    const Hash160 h = hash160(compressed_pubkey);
    return {h[0], h[1], h[2], h[3]};
}

// ---------------------------------------------------------------------------------------
// Public derivation

std::optional<ExtPubKey> ExtPubKey::derive(uint32_t index) const {
    if (index & kHardenedBit) return std::nullopt;
    uint8_t data[37];
    std::memcpy(data, pubkey.data(), 33);
    write_be32(data + 33, index);
    const Hash512 I = hmac_sha512(chain_code, ByteView(data, sizeof data));
    secp256k1_pubkey pk;
    if (!parse_pubkey(pubkey.data(), pk)) return std::nullopt;
    // Fails when I_L >= n or the result is the point at infinity.
    if (!secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &pk, I.data())) return std::nullopt;
    ExtPubKey child;
    child.depth = static_cast<uint8_t>(depth + 1);
    child.parent_fingerprint = fingerprint();
    child.child_number = index;
    std::memcpy(child.chain_code.data(), I.data() + 32, 32);
    child.pubkey = serialize_compressed(pk);
    return child;
}

std::array<uint8_t, kExtKeySize> ExtPubKey::serialize(const std::array<uint8_t, 4>& version) const {
    std::array<uint8_t, kExtKeySize> out{};
    write_header(out.data(), version, depth, parent_fingerprint, child_number, chain_code);
    std::memcpy(out.data() + 45, pubkey.data(), 33);
    return out;
}

std::string ExtPubKey::to_string(const std::array<uint8_t, 4>& version) const {
    return base58check_encode(serialize(version));
}

std::string ExtPubKey::to_string(const ChainParams& params) const { return to_string(params.base58.ext_public_key); }

std::optional<ExtPubKey> derive_path(const ExtPubKey& key, const std::vector<uint32_t>& path) {
    std::optional<ExtPubKey> cur = key;
    for (uint32_t index : path) {
        cur = cur->derive(index);
        if (!cur) return std::nullopt;
    }
    return cur;
}

// ---------------------------------------------------------------------------------------
// Private derivation

std::optional<ExtPrivKey> ExtPrivKey::from_seed(ByteView seed) {
    if (seed.size() < 16 || seed.size() > 64) return std::nullopt;
    static constexpr char kKey[] = "Bitcoin seed";
    Hash512 I = hmac_sha512(ByteView(reinterpret_cast<const uint8_t*>(kKey), sizeof kKey - 1), seed);
    Cleanse<Hash512> wipe{I};
    ExtPrivKey m;
    std::memcpy(m.secret.data(), I.data(), 32);
    std::memcpy(m.chain_code.data(), I.data() + 32, 32);
    if (!m.secret.valid()) return std::nullopt;
    return m;
}

std::optional<ExtPrivKey> ExtPrivKey::derive(uint32_t index) const {
    std::array<uint8_t, 37> data{};
    Cleanse<std::array<uint8_t, 37>> wipe_data{data};
    if (index & kHardenedBit) {
        data[0] = 0;
        std::memcpy(data.data() + 1, secret.data(), 32);
    } else {
        const std::array<uint8_t, 33> pk = secret.compressed_pubkey();
        std::memcpy(data.data(), pk.data(), 33);
    }
    write_be32(data.data() + 33, index);
    Hash512 I = hmac_sha512(chain_code, data);
    Cleanse<Hash512> wipe_i{I};
    ExtPrivKey child;
    child.secret = secret;
    // Fails when I_L >= n or the sum is zero.
    if (!secp256k1_ec_seckey_tweak_add(secp256k1_context_static, child.secret.data(), I.data())) return std::nullopt;
    child.depth = static_cast<uint8_t>(depth + 1);
    child.parent_fingerprint = fingerprint();
    child.child_number = index;
    std::memcpy(child.chain_code.data(), I.data() + 32, 32);
    return child;
}

std::optional<ExtPrivKey> ExtPrivKey::derive_path(const std::vector<uint32_t>& path) const {
    std::optional<ExtPrivKey> cur = *this;
    for (uint32_t index : path) {
        cur = cur->derive(index);
        if (!cur) return std::nullopt;
    }
    return cur;
}

ExtPubKey ExtPrivKey::neuter() const {
    ExtPubKey pub;
    pub.depth = depth;
    pub.parent_fingerprint = parent_fingerprint;
    pub.child_number = child_number;
    pub.chain_code = chain_code;
    pub.pubkey = secret.compressed_pubkey();
    return pub;
}

Fingerprint ExtPrivKey::fingerprint() const { return key_fingerprint(secret.compressed_pubkey()); }

std::array<uint8_t, kExtKeySize> ExtPrivKey::serialize(const std::array<uint8_t, 4>& version) const {
    std::array<uint8_t, kExtKeySize> out{};
    write_header(out.data(), version, depth, parent_fingerprint, child_number, chain_code);
    out[45] = 0;
    std::memcpy(out.data() + 46, secret.data(), 32);
    return out;
}

std::string ExtPrivKey::to_string(const std::array<uint8_t, 4>& version) const {
    std::array<uint8_t, kExtKeySize> raw = serialize(version);
    Cleanse<std::array<uint8_t, kExtKeySize>> wipe{raw};
    return base58check_encode(raw);
}

std::string ExtPrivKey::to_string(const ChainParams& params) const { return to_string(params.base58.ext_secret_key); }

// ---------------------------------------------------------------------------------------
// Parsing

std::optional<DecodedExtKey> decode_ext_key(std::string_view str, std::span<const ExtKeyVersions> accepted,
                                            std::string* error) {
    std::optional<Bytes> raw = base58check_decode(str, kExtKeySize + 1);
    if (!raw) {
        set_error(error, "invalid extended key: bad Base58Check encoding or checksum");
        return std::nullopt;
    }
    Cleanse<Bytes> wipe{*raw};
    const Bytes& b = *raw;
    if (b.size() != kExtKeySize) {
        set_error(error, "invalid extended key length: " + std::to_string(b.size()) + " bytes (expected 78)");
        return std::nullopt;
    }
    std::array<uint8_t, 4> version;
    std::memcpy(version.data(), b.data(), 4);
    const ExtKeyVersions* match = nullptr;
    bool is_private = false;
    for (const ExtKeyVersions& v : accepted) {
        if (v.pub == version) {
            match = &v;
            is_private = false;
            break;
        }
        if (v.prv == version) {
            match = &v;
            is_private = true;
            break;
        }
    }
    if (!match) {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", version[0], version[1], version[2], version[3]);
        set_error(error, std::string("unknown extended key version bytes ") + hex +
                             " (another network or an unsupported key type)");
        return std::nullopt;
    }
    const uint8_t depth = b[4];
    Fingerprint parent;
    std::memcpy(parent.data(), b.data() + 5, 4);
    const uint32_t child = read_be32(b.data() + 9);
    if (depth == 0 && parent != Fingerprint{}) {
        set_error(error, "invalid extended key: depth 0 with a non-zero parent fingerprint");
        return std::nullopt;
    }
    if (depth == 0 && child != 0) {
        set_error(error, "invalid extended key: depth 0 with a non-zero child number");
        return std::nullopt;
    }
    std::array<uint8_t, 32> chain_code;
    std::memcpy(chain_code.data(), b.data() + 13, 32);
    const uint8_t prefix = b[45];
    if (is_private) {
        if (prefix == 0x02 || prefix == 0x03) {
            set_error(error, "invalid extended key: private key version with public key data");
            return std::nullopt;
        }
        if (prefix != 0x00) {
            set_error(error, "invalid extended private key: key data must start with 00");
            return std::nullopt;
        }
        ExtPrivKey k;
        k.depth = depth;
        k.parent_fingerprint = parent;
        k.child_number = child;
        k.chain_code = chain_code;
        std::memcpy(k.secret.data(), b.data() + 46, 32);
        if (!k.secret.valid()) {
            set_error(error, "invalid extended private key: key is zero or not below the curve order");
            return std::nullopt;
        }
        return DecodedExtKey{std::move(k), *match};
    }
    if (prefix == 0x00) {
        set_error(error, "invalid extended key: public key version with private key data");
        return std::nullopt;
    }
    if (prefix != 0x02 && prefix != 0x03) {
        set_error(error, "invalid extended public key: key data must be a compressed key (02 or 03)");
        return std::nullopt;
    }
    ExtPubKey k;
    k.depth = depth;
    k.parent_fingerprint = parent;
    k.child_number = child;
    k.chain_code = chain_code;
    std::memcpy(k.pubkey.data(), b.data() + 45, 33);
    secp256k1_pubkey pk;
    if (!parse_pubkey(k.pubkey.data(), pk)) {
        set_error(error, "invalid extended public key: not a point on the curve");
        return std::nullopt;
    }
    return DecodedExtKey{k, *match};
}

std::optional<ExtPubKey> decode_ext_pubkey(std::string_view str, const ChainParams& params, std::string* error) {
    const ExtKeyVersions v[] = {ext_key_versions(params)};
    std::optional<DecodedExtKey> d = decode_ext_key(str, v, error);
    if (!d) return std::nullopt;
    if (d->is_private()) {
        set_error(error, "expected an extended public key, got a private one");
        return std::nullopt;
    }
    return std::get<ExtPubKey>(d->key);
}

std::optional<ExtPrivKey> decode_ext_privkey(std::string_view str, const ChainParams& params, std::string* error) {
    const ExtKeyVersions v[] = {ext_key_versions(params)};
    std::optional<DecodedExtKey> d = decode_ext_key(str, v, error);
    if (!d) return std::nullopt;
    if (!d->is_private()) {
        set_error(error, "expected an extended private key, got a public one");
        return std::nullopt;
    }
    return std::get<ExtPrivKey>(std::move(d->key));
}

// ---------------------------------------------------------------------------------------
// Paths

std::optional<uint32_t> parse_path_component(std::string_view s) {
    bool hardened = false;
    if (!s.empty() && (s.back() == '\'' || s.back() == 'h')) {
        hardened = true;
        s.remove_suffix(1);
    }
    if (s.empty() || s.size() > 10) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v >= kHardenedBit) return std::nullopt;
    return static_cast<uint32_t>(v) | (hardened ? kHardenedBit : 0);
}

std::optional<std::vector<uint32_t>> parse_derivation_path(std::string_view path, std::string* error) {
    std::vector<uint32_t> out;
    if (path.empty() || path == "m") return out;
    if (path.substr(0, 2) == "m/") {
        path.remove_prefix(2);
    } else if (path.front() == '/') {
        path.remove_prefix(1);
    }
    size_t start = 0;
    while (true) {
        const size_t slash = path.find('/', start);
        const std::string_view comp =
            path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        const std::optional<uint32_t> idx = parse_path_component(comp);
        if (!idx) {
            set_error(error, "invalid derivation path element '" + std::string(comp) +
                                 "' (expected a number below 2^31, optionally followed by ' or h)");
            return std::nullopt;
        }
        out.push_back(*idx);
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return out;
}

std::string format_path_suffix(const std::vector<uint32_t>& path, char hardened_marker) {
    std::string out;
    for (uint32_t i : path) {
        out += '/';
        out += std::to_string(i & ~kHardenedBit);
        if (i & kHardenedBit) out += hardened_marker;
    }
    return out;
}

std::string format_derivation_path(const std::vector<uint32_t>& path, char hardened_marker) {
    return "m" + format_path_suffix(path, hardened_marker);
}

}  // namespace minicash
