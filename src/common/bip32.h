// BIP32 hierarchical deterministic keys: master key from a seed, child key derivation
// (CKDpriv, CKDpub, hardened and normal), key fingerprints, the 78-byte serialization
// with Base58Check (xprv/xpub, tprv/tpub, or explicit SLIP-132 versions such as
// zprv/zpub), and derivation paths.
//
// Curve arithmetic is done by libsecp256k1, HMAC-SHA512 by OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/key.h"
#include "consensus/params.h"
#include "util/bytes.h"

namespace minicash {

inline constexpr uint32_t kHardenedBit = 0x80000000u;
inline constexpr size_t kExtKeySize = 78;  // serialized size without the checksum

using Fingerprint = std::array<uint8_t, 4>;

// Version bytes of a public/private extended key pair.
struct ExtKeyVersions {
    std::array<uint8_t, 4> pub;
    std::array<uint8_t, 4> prv;
    friend bool operator==(const ExtKeyVersions&, const ExtKeyVersions&) = default;
};
// The network's xpub/xprv (tpub/tprv) versions.
ExtKeyVersions ext_key_versions(const ChainParams& params);
// SLIP-132 versions for BIP49 (y/u) and BIP84 (z/v) keys.
inline constexpr ExtKeyVersions kYpubVersions{{0x04, 0x9d, 0x7c, 0xb2}, {0x04, 0x9d, 0x78, 0x78}};
inline constexpr ExtKeyVersions kZpubVersions{{0x04, 0xb2, 0x47, 0x46}, {0x04, 0xb2, 0x43, 0x0c}};
inline constexpr ExtKeyVersions kUpubVersions{{0x04, 0x4a, 0x52, 0x62}, {0x04, 0x4a, 0x4e, 0x28}};
inline constexpr ExtKeyVersions kVpubVersions{{0x04, 0x5f, 0x1c, 0xf6}, {0x04, 0x5f, 0x18, 0xbc}};

// Where a key comes from: the master key's fingerprint and the derivation path from it.
struct KeyOriginInfo {
    Fingerprint fingerprint{};
    std::vector<uint32_t> path;
    friend bool operator==(const KeyOriginInfo&, const KeyOriginInfo&) = default;
    friend auto operator<=>(const KeyOriginInfo&, const KeyOriginInfo&) = default;
};

// Fingerprint of a public key: first 4 bytes of HASH160(compressed key).
Fingerprint key_fingerprint(ByteView compressed_pubkey);

struct ExtPubKey {
    uint8_t depth = 0;
    Fingerprint parent_fingerprint{};
    uint32_t child_number = 0;
    std::array<uint8_t, 32> chain_code{};
    std::array<uint8_t, 33> pubkey{};  // compressed

    // CKDpub. nullopt for a hardened index, or (probability < 2^-127) when the index
    // yields an invalid key, in which case BIP32 says to proceed with the next index.
    [[nodiscard]] std::optional<ExtPubKey> derive(uint32_t index) const;
    Fingerprint fingerprint() const { return key_fingerprint(pubkey); }

    // The 78 bytes: version, depth, parent fingerprint, child number, chain code, key.
    std::array<uint8_t, kExtKeySize> serialize(const std::array<uint8_t, 4>& version) const;
    std::string to_string(const std::array<uint8_t, 4>& version) const;  // Base58Check
    std::string to_string(const ChainParams& params) const;

    friend bool operator==(const ExtPubKey&, const ExtPubKey&) = default;
};

struct ExtPrivKey {
    uint8_t depth = 0;
    Fingerprint parent_fingerprint{};
    uint32_t child_number = 0;
    std::array<uint8_t, 32> chain_code{};
    SecretKey secret;

    // Master key: I = HMAC-SHA512("Bitcoin seed", seed), key = I_L, chain code = I_R.
    // nullopt when the seed is not 16..64 bytes or I_L is not a valid secret.
    [[nodiscard]] static std::optional<ExtPrivKey> from_seed(ByteView seed);

    // CKDpriv (hardened when index >= kHardenedBit). nullopt (probability < 2^-127) when
    // the index yields an invalid key.
    [[nodiscard]] std::optional<ExtPrivKey> derive(uint32_t index) const;
    // Derives along a path of child numbers. nullopt if any step fails.
    [[nodiscard]] std::optional<ExtPrivKey> derive_path(const std::vector<uint32_t>& path) const;
    ExtPubKey neuter() const;
    Fingerprint fingerprint() const;

    // Serialization; the key field is 0x00 || secret. The result holds the secret:
    // callers should wipe it (the string forms cannot be wiped reliably).
    std::array<uint8_t, kExtKeySize> serialize(const std::array<uint8_t, 4>& version) const;
    std::string to_string(const std::array<uint8_t, 4>& version) const;
    std::string to_string(const ChainParams& params) const;

    friend bool operator==(const ExtPrivKey&, const ExtPrivKey&) = default;
};

[[nodiscard]] std::optional<ExtPubKey> derive_path(const ExtPubKey& key, const std::vector<uint32_t>& path);

// A parsed extended key and the version pair it was recognised by.
struct DecodedExtKey {
    std::variant<ExtPubKey, ExtPrivKey> key;
    ExtKeyVersions versions;
    bool is_private() const { return key.index() == 1; }
};

// Parses a Base58Check extended key whose version is the public or private half of one
// of `accepted`. Applies all of BIP32's checks: checksum, 78-byte length, known
// version, key type matching the version (0x00 prefix for private, 02/03 for public),
// private key in 1..n-1, public key on the curve, depth 0 implying zero parent
// fingerprint and child number. On failure sets `*error` to the reason.
[[nodiscard]] std::optional<DecodedExtKey> decode_ext_key(std::string_view str,
                                                          std::span<const ExtKeyVersions> accepted,
                                                          std::string* error = nullptr);
// Convenience forms accepting only the network's xpub/xprv (tpub/tprv) versions.
[[nodiscard]] std::optional<ExtPubKey> decode_ext_pubkey(std::string_view str, const ChainParams& params,
                                                         std::string* error = nullptr);
[[nodiscard]] std::optional<ExtPrivKey> decode_ext_privkey(std::string_view str, const ChainParams& params,
                                                           std::string* error = nullptr);

// Derivation paths: "m/84'/0'/0'/0/1", also with 'h' for hardened (not 'H', as in
// Bitcoin Core and BIP380's test vectors), with or without
// the leading "m" ("84h/0h" and "" are fine: relative / empty path). Each index must be
// below 2^31 before the hardened bit is added. nullopt (and `*error`) on bad syntax.
[[nodiscard]] std::optional<std::vector<uint32_t>> parse_derivation_path(std::string_view path,
                                                                         std::string* error = nullptr);
// One component: "0", "44'", "44h". nullopt when not a valid index.
[[nodiscard]] std::optional<uint32_t> parse_path_component(std::string_view s);
// "m/84'/0'/0'" (with `hardened_marker` for hardened steps); "m" for an empty path.
std::string format_derivation_path(const std::vector<uint32_t>& path, char hardened_marker = '\'');
// The same without the leading "m": "/84'/0'/0'" ("" for an empty path).
std::string format_path_suffix(const std::vector<uint32_t>& path, char hardened_marker = '\'');

}  // namespace minicash
