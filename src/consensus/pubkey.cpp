#include "consensus/pubkey.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstring>

namespace minicash {
namespace {

// Every call below only parses or verifies, which libsecp256k1 (>= 0.2.0) allows on
// its static context; no mutable state is shared between threads.
const secp256k1_context* ctx() { return secp256k1_context_static; }

// Expected total size of a serialized pubkey from its header byte; 0 for an unknown
// header. 06/07 are the "hybrid" forms, which Bitcoin's consensus accepts.
size_t pubkey_size_from_header(uint8_t header) {
    switch (header) {
    case 0x02:
    case 0x03: return kCompressedPubkeySize;
    case 0x04:
    case 0x06:
    case 0x07: return kUncompressedPubkeySize;
    default: return 0;
    }
}

// Reads one DER length field leniently at `pos`. Short form: the byte itself. Long form
// (top bit set): that many big-endian bytes follow; leading zero bytes are skipped and
// at most 3 significant bytes are allowed. Returns false when the length bytes run past
// the input or the value is too large.
bool read_lax_length(ByteView in, size_t& pos, size_t& len) {
    if (pos == in.size()) return false;
    size_t lenbyte = in[pos++];
    if (!(lenbyte & 0x80)) {
        len = lenbyte;
        return true;
    }
    lenbyte -= 0x80;
    if (lenbyte > in.size() - pos) return false;
    while (lenbyte > 0 && in[pos] == 0) {
        ++pos;
        --lenbyte;
    }
    if (lenbyte >= 4) return false;
    len = 0;
    for (; lenbyte > 0; --lenbyte) len = (len << 8) | in[pos++];
    return true;
}

// Reads "02 <len> <bytes>" leniently; on success [start, start+len) lies inside `in`.
bool read_lax_integer(ByteView in, size_t& pos, size_t& start, size_t& len) {
    if (pos == in.size() || in[pos] != 0x02) return false;
    ++pos;
    if (!read_lax_length(in, pos, len)) return false;
    if (len > in.size() - pos) return false;
    start = pos;
    pos += len;
    return true;
}

// Copies a big-endian integer right-aligned into a 32-byte slot after dropping leading
// zeros. False when more than 32 significant bytes remain.
bool copy_scalar(ByteView in, size_t start, size_t len, uint8_t* out32) {
    while (len > 0 && in[start] == 0) {
        ++start;
        --len;
    }
    if (len > 32) return false;
    std::memcpy(out32 + 32 - len, in.data() + start, len);
    return true;
}

// Lax DER -> libsecp256k1 signature object; false only when not lax-parsable at all.
bool parse_lax_sig(ByteView der_sig, secp256k1_ecdsa_signature& sig) {
    const auto compact = parse_der_lax(der_sig);
    if (!compact) return false;
    // parse_der_lax already replaced out-of-range values with zeros, which always parse.
    return secp256k1_ecdsa_signature_parse_compact(ctx(), &sig, compact->data()) == 1;
}

}  // namespace

bool is_valid_signature_encoding(ByteView sig) {
    if (sig.size() < 9 || sig.size() > 73) return false;
    if (sig[0] != 0x30) return false;
    if (sig[1] != sig.size() - 3) return false;
    const size_t len_r = sig[3];
    if (5 + len_r >= sig.size()) return false;
    const size_t len_s = sig[5 + len_r];
    if (len_r + len_s + 7 != sig.size()) return false;
    if (sig[2] != 0x02 || len_r == 0) return false;
    if (sig[4] & 0x80) return false;                                 // R negative
    if (len_r > 1 && sig[4] == 0 && !(sig[5] & 0x80)) return false;  // R padded
    if (sig[len_r + 4] != 0x02 || len_s == 0) return false;
    if (sig[len_r + 6] & 0x80) return false;
    if (len_s > 1 && sig[len_r + 6] == 0 && !(sig[len_r + 7] & 0x80)) return false;
    return true;
}

bool is_valid_pubkey_size(ByteView pubkey) {
    if (pubkey.empty()) return false;
    switch (pubkey[0]) {
    case 0x02:
    case 0x03: return pubkey.size() == kCompressedPubkeySize;
    case 0x04:
    case 0x06:
    case 0x07: return pubkey.size() == kUncompressedPubkeySize;
    default: return false;
    }
}

bool is_fully_valid_pubkey(ByteView pubkey) {
    if (!is_valid_pubkey_size(pubkey)) return false;
    secp256k1_pubkey pk;
    return secp256k1_ec_pubkey_parse(ctx(), &pk, pubkey.data(), pubkey.size()) == 1;
}

bool is_fully_valid_xonly_pubkey(ByteView xonly) {
    if (xonly.size() != kXOnlyPubkeySize) return false;
    secp256k1_xonly_pubkey pk;
    return secp256k1_xonly_pubkey_parse(ctx(), &pk, xonly.data()) == 1;
}

bool is_compressed_or_uncompressed_pubkey(ByteView pubkey) {
    if (pubkey.size() < kCompressedPubkeySize) return false;
    if (pubkey[0] == 0x04) return pubkey.size() == kUncompressedPubkeySize;
    if (pubkey[0] == 0x02 || pubkey[0] == 0x03) return pubkey.size() == kCompressedPubkeySize;
    return false;
}

bool is_compressed_pubkey(ByteView pubkey) {
    return pubkey.size() == kCompressedPubkeySize && (pubkey[0] == 0x02 || pubkey[0] == 0x03);
}

std::optional<std::array<uint8_t, 64>> parse_der_lax(ByteView der_sig) {
    // Layout: 30 <len> 02 <rlen> R 02 <slen> S [anything]. The sequence length is skipped
    // without being checked, and bytes after S are ignored (pre-BIP66 behaviour).
    size_t pos = 0;
    if (pos == der_sig.size() || der_sig[pos] != 0x30) return std::nullopt;
    ++pos;
    if (pos == der_sig.size()) return std::nullopt;
    size_t seq_lenbyte = der_sig[pos++];
    if (seq_lenbyte & 0x80) {
        seq_lenbyte -= 0x80;
        if (seq_lenbyte > der_sig.size() - pos) return std::nullopt;
        pos += seq_lenbyte;
    }
    size_t rpos = 0, rlen = 0, spos = 0, slen = 0;
    if (!read_lax_integer(der_sig, pos, rpos, rlen)) return std::nullopt;
    if (!read_lax_integer(der_sig, pos, spos, slen)) return std::nullopt;

    // A value longer than 32 bytes, or one not below the curve order, does not make the
    // parse fail: the signature becomes R = S = 0, which parses but never verifies.
    std::array<uint8_t, 64> out{};
    bool ok = copy_scalar(der_sig, rpos, rlen, out.data()) && copy_scalar(der_sig, spos, slen, out.data() + 32);
    if (ok) {
        secp256k1_ecdsa_signature tmp;
        ok = secp256k1_ecdsa_signature_parse_compact(ctx(), &tmp, out.data()) == 1;
    }
    if (!ok) out.fill(0);
    return out;
}

bool verify_ecdsa(ByteView pubkey, ByteView der_sig, const uint256& hash) {
    if (pubkey.empty() || pubkey_size_from_header(pubkey[0]) != pubkey.size()) return false;
    secp256k1_pubkey pk;
    if (!secp256k1_ec_pubkey_parse(ctx(), &pk, pubkey.data(), pubkey.size())) return false;
    secp256k1_ecdsa_signature sig;
    if (!parse_lax_sig(der_sig, sig)) return false;
    // libsecp256k1 only accepts low-S; Bitcoin's consensus accepts both forms.
    secp256k1_ecdsa_signature_normalize(ctx(), &sig, &sig);
    return secp256k1_ecdsa_verify(ctx(), &sig, hash.data(), &pk) == 1;
}

bool is_low_s_der(ByteView der_sig) {
    secp256k1_ecdsa_signature sig;
    if (!parse_lax_sig(der_sig, sig)) return false;
    // normalize() returns 1 exactly when S was in the upper half.
    return secp256k1_ecdsa_signature_normalize(ctx(), nullptr, &sig) == 0;
}

bool verify_schnorr(ByteView xonly_pubkey, ByteView sig64, const uint256& msg) {
    if (xonly_pubkey.size() != kXOnlyPubkeySize || sig64.size() != kSchnorrSignatureSize) return false;
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(ctx(), &pk, xonly_pubkey.data())) return false;
    return secp256k1_schnorrsig_verify(ctx(), sig64.data(), msg.data(), 32, &pk) == 1;
}

bool check_taproot_tweak(ByteView internal_key, ByteView output_key, bool output_parity, const uint256& tweak) {
    if (internal_key.size() != kXOnlyPubkeySize || output_key.size() != kXOnlyPubkeySize) return false;
    secp256k1_xonly_pubkey internal;
    if (!secp256k1_xonly_pubkey_parse(ctx(), &internal, internal_key.data())) return false;
    return secp256k1_xonly_pubkey_tweak_add_check(ctx(), output_key.data(), output_parity ? 1 : 0, &internal,
                                                  tweak.data()) == 1;
}

std::optional<std::pair<uint256, bool>> taproot_tweak_pubkey(ByteView internal_key, const uint256& tweak) {
    if (internal_key.size() != kXOnlyPubkeySize) return std::nullopt;
    secp256k1_xonly_pubkey internal;
    if (!secp256k1_xonly_pubkey_parse(ctx(), &internal, internal_key.data())) return std::nullopt;
    secp256k1_pubkey tweaked;
    if (!secp256k1_xonly_pubkey_tweak_add(ctx(), &tweaked, &internal, tweak.data())) return std::nullopt;
    secp256k1_xonly_pubkey output;
    int parity = 0;
    if (!secp256k1_xonly_pubkey_from_pubkey(ctx(), &output, &parity, &tweaked)) return std::nullopt;
    uint256 out;
    if (!secp256k1_xonly_pubkey_serialize(ctx(), out.data(), &output)) return std::nullopt;
    return std::make_pair(out, parity != 0);
}

}  // namespace minicash
