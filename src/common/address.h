// Addresses and WIF private keys: the text forms of output scripts and secrets.
//
// An address stands for an output script on one network (its ChainParams):
//   P2PKH   Base58Check(pubkey_address prefix || HASH160(pubkey))  -> DUP HASH160 <20> EQUALVERIFY CHECKSIG
//   P2SH    Base58Check(script_address prefix || HASH160(script))  -> HASH160 <20> EQUAL
//   segwit  bech32 (version 0) / bech32m (versions 1..16), BIP173 / BIP350, HRP of the
//           network; data = version || program in 5-bit groups -> OP_version <program>
// Version 0 programs are 20 (P2WPKH) or 32 (P2WSH) bytes; versions 1..16 take 2..40 bytes
// (version 1 with 32 bytes is taproot, the rest are reserved for future soft forks but
// still have addresses so that wallets can pay them).
//
// Bare public keys (P2PK), bare multisig, OP_RETURN and other scripts have no address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "consensus/params.h"
#include "consensus/script.h"
#include "util/bytes.h"

namespace minicash {

// ---------------------------------------------------------------------------------------
// Destinations: the kinds of output script that have an address.

struct PKHashDest {
    std::array<uint8_t, 20> hash;
    friend bool operator==(const PKHashDest&, const PKHashDest&) = default;
};
struct ScriptHashDest {
    std::array<uint8_t, 20> hash;
    friend bool operator==(const ScriptHashDest&, const ScriptHashDest&) = default;
};
struct WitnessV0KeyHashDest {
    std::array<uint8_t, 20> hash;
    friend bool operator==(const WitnessV0KeyHashDest&, const WitnessV0KeyHashDest&) = default;
};
struct WitnessV0ScriptHashDest {
    std::array<uint8_t, 32> hash;
    friend bool operator==(const WitnessV0ScriptHashDest&, const WitnessV0ScriptHashDest&) = default;
};
struct WitnessV1TaprootDest {
    std::array<uint8_t, 32> output_key;
    friend bool operator==(const WitnessV1TaprootDest&, const WitnessV1TaprootDest&) = default;
};
// Version 1..16 programs other than taproot's 32-byte v1 ones. INVARIANT (as produced by
// extract_destination / decode): 1 <= version <= 16, 2 <= program.size() <= 40.
struct WitnessUnknownDest {
    int version;
    Bytes program;
    friend bool operator==(const WitnessUnknownDest&, const WitnessUnknownDest&) = default;
};

using Destination = std::variant<PKHashDest, ScriptHashDest, WitnessV0KeyHashDest, WitnessV0ScriptHashDest,
                                 WitnessV1TaprootDest, WitnessUnknownDest>;

// The destination an output script pays, or nullopt when it has no address form.
std::optional<Destination> extract_destination(const Script& script);

// The output script paying `dest`.
Script script_for_destination(const Destination& dest);

// ---------------------------------------------------------------------------------------
// Addresses.

// Why decoding failed. `message` is a complete English sentence fragment without a
// trailing period, e.g. "invalid bech32m checksum". `positions` are 0-based character
// offsets into the input where the error probably is (may be empty).
struct AddressError {
    std::string message;
    std::vector<size_t> positions;
};

// The output script `address` stands for on network `params`, or nullopt. On failure
// `*error` (if given) explains what is wrong: bad checksum, address for another network
// (wrong HRP or version byte), witness version / checksum variant mismatch (bech32 vs
// bech32m), invalid program or payload length, invalid characters, mixed case, ...
[[nodiscard]] std::optional<Script> decode_address(const std::string& address, const ChainParams& params,
                                                   std::string* error = nullptr);
// As above, also reporting the likely error positions (for validateaddress).
[[nodiscard]] std::optional<Script> decode_address(const std::string& address, const ChainParams& params,
                                                   AddressError& error);

// The canonical (lower-case for bech32) address of `script` on `params`, or nullopt for
// scripts without an address.
[[nodiscard]] std::optional<std::string> encode_address(const Script& script, const ChainParams& params);
std::string encode_destination(const Destination& dest, const ChainParams& params);

// ---------------------------------------------------------------------------------------
// WIF private keys: Base58Check(secret_key prefix || 32-byte secret [|| 0x01 if the
// public key is used compressed]).

// A secret and its compression flag. The secret is wiped when the object dies.
struct WifKey {
    std::array<uint8_t, 32> secret{};
    bool compressed = true;

    WifKey() = default;
    WifKey(const WifKey&) = default;
    WifKey& operator=(const WifKey&) = default;
    ~WifKey();
};

// REQUIRES: `secret` is a valid secp256k1 secret key (1 <= s < n).
std::string encode_wif(std::span<const uint8_t, 32> secret, bool compressed, const ChainParams& params);

// Decodes a WIF string for network `params`. Fails (with `*error` set) on a bad
// checksum, another network's prefix, a wrong length or compression byte, or a secret
// that is zero or not below the curve order.
[[nodiscard]] std::optional<WifKey> decode_wif(const std::string& wif, const ChainParams& params,
                                               std::string* error = nullptr);

}  // namespace minicash
