// Signed messages: Bitcoin Core's signmessage / verifymessage (legacy P2PKH) and the
// BIP137 header bytes for segwit single-key addresses; BIP322 signing (simple and full
// formats, common/bip322.h for the format and verification) and one verifier for both.
//
// The signed hash is SHA256d(compact_size(24) || "Bitcoin Signed Message:\n" ||
// compact_size(len) || message). A signature is 65 bytes, Base64-encoded:
//   header || R (32) || S (32), header = 27 + recovery id (0..3) + flag, where flag is
//     0   P2PKH, uncompressed key   (27..30)     Core signs and verifies these two
//     4   P2PKH, compressed key     (31..34)
//     8   P2SH-P2WPKH               (35..38)     BIP137, accepted on verify
//     12  P2WPKH                    (39..42)     BIP137, accepted on verify
// Recovery uses libsecp256k1's recovery module.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "common/bip322.h"
#include "common/key.h"
#include "consensus/params.h"
#include "util/uint256.h"
#include "wallet/signer.h"

namespace minicash::wallet {

inline constexpr std::string_view kMessageMagic = "Bitcoin Signed Message:\n";

// The hash a message signature commits to (Core's MessageHash).
uint256 message_hash(std::string_view message);

// Which header range to write (BIP137). Core's signmessage always uses kP2pkh.
enum class MessageSigType { kP2pkh, kP2shP2wpkh, kP2wpkh };

// Base64 of the 65-byte compact recoverable signature of `message` by `key` (RFC6979
// nonce, deterministic). `compressed` selects the P2PKH header range (Core's
// signmessagewithprivkey takes it from the WIF key); segwit types always use the
// compressed key. nullopt only if libsecp256k1 fails (invalid key).
[[nodiscard]] std::optional<std::string> sign_message(const SecretKey& key, std::string_view message,
                                                      bool compressed = true,
                                                      MessageSigType type = MessageSigType::kP2pkh);

// Core's MessageVerificationResult.
enum class MessageVerificationResult {
    kErrInvalidAddress,      // address does not decode on this network
    kErrAddressNoKey,        // not a P2PKH (or BIP137 P2SH-P2WPKH / P2WPKH) address
    kErrMalformedSignature,  // not valid Base64
    kErrPubkeyNotRecovered,  // wrong length, bad header, or recovery failed
    kErrNotSigned,           // a key was recovered but it does not match the address
    kOk,
};

// Checks `signature_b64` over `message` against `address` on `params`'s network. For a
// P2PKH address the header is read as Core reads it: only the low three bits of
// (header - 27) count (recovery id and compression flag), whatever the byte. A P2SH address accepts a signature with
// a BIP137 header 35..38 (its script must be P2SH-P2WPKH of the recovered key) and a
// P2WPKH address one with 39..42; any other signature for them - including Core's P2PKH
// signatures and malformed Base64 - gives kErrAddressNoKey, which is what Core answers for
// every non-P2PKH address. P2WSH, P2TR and other addresses give kErrAddressNoKey.
[[nodiscard]] MessageVerificationResult verify_message(const std::string& address, const std::string& signature_b64,
                                                       std::string_view message, const ChainParams& params);

// Core's verifymessage outcome for a result: the JSON-RPC error code and message, or
// code 0 for kOk/kErrPubkeyNotRecovered/kErrNotSigned (the RPC returns true/false):
//   kErrInvalidAddress      -5 (RPC_INVALID_ADDRESS_OR_KEY) "Invalid address"
//   kErrAddressNoKey        -3 (RPC_TYPE_ERROR)             "Address does not refer to key"
//   kErrMalformedSignature  -3 (RPC_TYPE_ERROR)             "Malformed base64 encoding"
struct MessageRpcError {
    int code = 0;
    std::string message;
};
MessageRpcError verify_message_rpc_error(MessageVerificationResult r);

// The public key (33 bytes compressed or 65 uncompressed, by the header) that produced
// `signature` (65 raw bytes) over `hash`, or nullopt. Header 27..42 accepted.
[[nodiscard]] std::optional<Bytes> recover_message_pubkey(ByteView signature, const uint256& hash);

// ---------------------------------------------------------------------------------------
// BIP322

enum class MessageFormat { kLegacy, kSimple, kFull };
// "legacy", "simple", "full"; nullopt for anything else.
std::optional<MessageFormat> parse_message_format(std::string_view name);
// The format signmessage uses for an address: legacy for P2PKH (Core's), simple for
// native segwit (P2WPKH, P2WSH, P2TR), full for anything else (P2SH-P2WPKH...).
MessageFormat default_message_format(const Script& script_pubkey);

struct Bip322SignOptions {
    MessageFormat format = MessageFormat::kSimple;  // kSimple or kFull
    int32_t version = 0;                            // full format only: to_sign's fields
    uint32_t locktime = 0;
    uint32_t sequence = 0;
    bool grind_low_r = true;
    std::optional<std::array<uint8_t, 32>> aux_rand;  // BIP340 auxiliary randomness (tests)
};

// A BIP322 signature of `message` for `challenge` with the keys and scripts in `keys`
// (the to_sign input signed and checked like any input, SIGHASH_ALL / DEFAULT). nullopt
// with `*error` when the keys do not satisfy the script, or the simple format is asked
// for a script that needs a scriptSig or non-zero version, locktime or sequence.
std::optional<std::string> sign_message_bip322(const KeyStore& keys, const Script& challenge, std::string_view message,
                                               const Bip322SignOptions& options, std::string* error = nullptr);

// verifymessage for every format: a 65-byte signature without prefix whose header is
// 27..42 is the legacy format (verify_message, Core's errors); anything else BIP322.
struct MessageCheck {
    bool legacy = false;
    MessageVerificationResult legacy_result = MessageVerificationResult::kErrNotSigned;
    bip322::Result bip322;
    bool valid() const {
        return legacy ? legacy_result == MessageVerificationResult::kOk : bip322.state == bip322::State::kValid;
    }
};
// nullopt with `*error` when the address does not decode on `params`'s network.
std::optional<MessageCheck> check_message(const std::string& address, const std::string& signature,
                                          std::string_view message, const ChainParams& params,
                                          std::string* error = nullptr);

}  // namespace minicash::wallet
