// Public-key encodings and signature verification, all curve math by libsecp256k1.
//
// Every function here is stateless and thread-safe (it uses libsecp256k1's static
// context, which supports verification and parsing).
#pragma once

#include <array>
#include <optional>

#include "util/bytes.h"
#include "util/uint256.h"

namespace minicash {

inline constexpr size_t kCompressedPubkeySize = 33;
inline constexpr size_t kUncompressedPubkeySize = 65;
inline constexpr size_t kXOnlyPubkeySize = 32;
inline constexpr size_t kSchnorrSignatureSize = 64;

// Public-key validity comes in two kinds, kept apart on purpose:
//
// What a key is. Consensus itself accepts any bytes as a key in a script: a key that
// does not parse only makes its signature check fail (verify_ecdsa). These say whether
// bytes are a key at all, for templates, descriptors, PSBT and decoders:
//   is_valid_pubkey_size   the length its first byte implies: 02/03 -> 33, 04/06/07 -> 65
//                          (Core's CPubKey::ValidSize; hybrid 06/07 included); no curve check
//   is_fully_valid_pubkey  that, and a point on the curve (Core's IsFullyValid; hybrid
//                          keys parse too)
//   is_fully_valid_xonly_pubkey  32 bytes, the x coordinate of a curve point (BIP340)
bool is_valid_pubkey_size(ByteView pubkey);
bool is_fully_valid_pubkey(ByteView pubkey);
bool is_fully_valid_xonly_pubkey(ByteView xonly);

// Policy (standardness) encodings, bytes only: the interpreter enforces them only under
// the policy flags SCRIPT_VERIFY_STRICTENC (02/03 + 32 or 04 + 64, no hybrid) and
// SCRIPT_VERIFY_WITNESS_PUBKEYTYPE (compressed only in segwit v0), which no block
// requires.
bool is_compressed_or_uncompressed_pubkey(ByteView pubkey);  // STRICTENC: 02/03 + 32, or 04 + 64
bool is_compressed_pubkey(ByteView pubkey);                  // WITNESS_PUBKEYTYPE: 02/03 + 32

// Verifies an ECDSA signature (DER, without the hash type byte) over `hash`. Parses the
// DER leniently, as Bitcoin did before BIP66 (consensus for old blocks), then normalises
// S to the lower half before verifying: high-S rejection is a separate policy check.
// Fails for a pubkey that does not parse or is not on the curve.
[[nodiscard]] bool verify_ecdsa(ByteView pubkey, ByteView der_sig, const uint256& hash);

// Parses a DER-ish signature with the lax rules (any length bytes, padding, overlong
// integers) into 64 bytes R || S (big-endian). nullopt when not even lax-parsable.
[[nodiscard]] std::optional<std::array<uint8_t, 64>> parse_der_lax(ByteView der_sig);

// BIP66 strict DER followed by one hash type byte (Core's IsValidSignatureEncoding):
// 0x30 len 0x02 lenR R 0x02 lenS S hashtype, 9..73 bytes, R and S minimal and positive.
// The interpreter requires it under DERSIG/LOW_S/STRICTENC; decoders use it to tell a
// signature push from other data. The hash type's value is not checked here.
bool is_valid_signature_encoding(ByteView sig_with_hashtype);

// True when the DER signature's S is at most half the curve order.
bool is_low_s_der(ByteView der_sig);

// BIP340: verifies a 64-byte Schnorr signature over a 32-byte message with an x-only key.
[[nodiscard]] bool verify_schnorr(ByteView xonly_pubkey, ByteView sig64, const uint256& msg);

// BIP341: checks that `output_key` (x-only, with parity `output_parity`) equals
// `internal_key` + tweak*G.
[[nodiscard]] bool check_taproot_tweak(ByteView internal_key, ByteView output_key, bool output_parity,
                                       const uint256& tweak);

// Computes internal_key + tweak*G; returns the x-only output key and its parity bit.
// nullopt when the internal key is invalid or the tweak overflows.
[[nodiscard]] std::optional<std::pair<uint256, bool>> taproot_tweak_pubkey(ByteView internal_key, const uint256& tweak);

}  // namespace minicash
