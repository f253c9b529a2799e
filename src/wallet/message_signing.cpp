#include "wallet/message_signing.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <variant>

#include "common/address.h"
#include "common/base64.h"
#include "util/hash.h"

namespace minicash::wallet {

namespace {

constexpr int kHeaderBase = 27;
constexpr int kHeaderLast = 42;
constexpr size_t kCompactSigSize = 65;

// Header range start for each signature kind (BIP137).
constexpr int kP2pkhUncompressed = 27, kP2pkhCompressed = 31, kP2shP2wpkh = 35, kP2wpkh = 39;

int header_kind(int header) { return kHeaderBase + ((header - kHeaderBase) / 4) * 4; }

}  // namespace

uint256 message_hash(std::string_view message) {
    HashWriter w;
    const ByteView magic(reinterpret_cast<const uint8_t*>(kMessageMagic.data()), kMessageMagic.size());
    const ByteView msg(reinterpret_cast<const uint8_t*>(message.data()), message.size());
    w.write_var_bytes(magic).write_var_bytes(msg);
    return w.sha256d();
}

std::optional<std::string> sign_message(const SecretKey& key, std::string_view message, bool compressed,
                                        MessageSigType type) {
    if (!key.valid()) return std::nullopt;
    const uint256 hash = message_hash(message);
    secp256k1_ecdsa_recoverable_signature sig;
    // RFC6979 nonce without extra entropy: the same key and message give the same signature (Core).
    if (!secp256k1_ecdsa_sign_recoverable(signing_context(), &sig, hash.data(), key.data(),
                                          secp256k1_nonce_function_rfc6979, nullptr)) {
        return std::nullopt;
    }
    Bytes out(kCompactSigSize);
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(secp256k1_context_static, out.data() + 1, &recid, &sig);
    int base = compressed ? kP2pkhCompressed : kP2pkhUncompressed;
    if (type == MessageSigType::kP2shP2wpkh) base = kP2shP2wpkh;
    if (type == MessageSigType::kP2wpkh) base = kP2wpkh;
    out[0] = uint8_t(base + recid);
    // Check the round trip, as Core's SignCompact does.
    const auto pub = recover_message_pubkey(out, hash);
    if (!pub || *pub != key.pubkey(compressed || type != MessageSigType::kP2pkh)) return std::nullopt;
    return base64_encode(out);
}

std::optional<Bytes> recover_message_pubkey(ByteView signature, const uint256& hash) {
    if (signature.size() != kCompactSigSize) return std::nullopt;
    const int header = signature[0];
    if (header < kHeaderBase || header > kHeaderLast) return std::nullopt;
    const int recid = (header - kHeaderBase) & 3;
    const bool compressed = header_kind(header) != kP2pkhUncompressed;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig, signature.data() + 1,
                                                             recid)) {
        return std::nullopt;
    }
    secp256k1_pubkey pubkey;
    if (!secp256k1_ecdsa_recover(secp256k1_context_static, &pubkey, &sig, hash.data())) return std::nullopt;
    Bytes out(compressed ? 33 : 65);
    size_t len = out.size();
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, out.data(), &len, &pubkey,
                                  compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
    out.resize(len);
    return out;
}

MessageVerificationResult verify_message(const std::string& address, const std::string& signature_b64,
                                         std::string_view message, const ChainParams& params) {
    using R = MessageVerificationResult;
    const auto script = decode_address(address, params);
    if (!script) return R::kErrInvalidAddress;
    const auto dest = extract_destination(*script);
    if (!dest) return R::kErrInvalidAddress;
    const bool p2pkh = std::holds_alternative<PKHashDest>(*dest);
    const bool p2sh = std::holds_alternative<ScriptHashDest>(*dest);
    const bool p2wpkh = std::holds_alternative<WitnessV0KeyHashDest>(*dest);
    if (!p2pkh && !p2sh && !p2wpkh) return R::kErrAddressNoKey;

    const auto sig = base64_decode(signature_b64);
    // Core knows only P2PKH and says so before it looks at the signature; only a BIP137
    // segwit header makes a P2SH or P2WPKH address refer to a key.
    const int segwit_kind = p2sh ? kP2shP2wpkh : kP2wpkh;
    if (!p2pkh && (!sig || sig->size() != kCompactSigSize || (*sig)[0] < kHeaderBase || (*sig)[0] > kHeaderLast ||
                   header_kind((*sig)[0]) != segwit_kind)) {
        return R::kErrAddressNoKey;
    }
    if (!sig) return R::kErrMalformedSignature;
    if (sig->size() != kCompactSigSize) return R::kErrPubkeyNotRecovered;
    Bytes normalized = *sig;
    if (p2pkh) {
        // Core's RecoverCompact reads only two bits of (header - 27): the recovery id and
        // the compression flag. Any header byte is read that way, so do the same.
        const int d = int((*sig)[0]) - kHeaderBase;
        normalized[0] = uint8_t(kHeaderBase + (d & 3) + (d & 4));
    }
    const auto pubkey = recover_message_pubkey(normalized, message_hash(message));
    if (!pubkey) return R::kErrPubkeyNotRecovered;

    const Hash160 key_hash = hash160(*pubkey);
    Script expected;
    if (p2pkh) {
        expected = script_for_destination(PKHashDest{key_hash});
    } else if (p2wpkh) {
        expected = script_for_destination(WitnessV0KeyHashDest{key_hash});
    } else {
        // P2SH wrapping the P2WPKH program of the key.
        const Script program = script_for_destination(WitnessV0KeyHashDest{key_hash});
        expected = script_for_destination(ScriptHashDest{hash160(program.view())});
    }
    return expected == *script ? R::kOk : R::kErrNotSigned;
}

MessageRpcError verify_message_rpc_error(MessageVerificationResult r) {
    switch (r) {
    case MessageVerificationResult::kErrInvalidAddress: return {-5, "Invalid address"};
    case MessageVerificationResult::kErrAddressNoKey: return {-3, "Address does not refer to key"};
    case MessageVerificationResult::kErrMalformedSignature: return {-3, "Malformed base64 encoding"};
    case MessageVerificationResult::kErrPubkeyNotRecovered:
    case MessageVerificationResult::kErrNotSigned:
    case MessageVerificationResult::kOk: return {0, ""};
    }
    return {0, ""};
}

}  // namespace minicash::wallet

namespace minicash::wallet {

std::optional<MessageFormat> parse_message_format(std::string_view name) {
    if (name == "legacy") return MessageFormat::kLegacy;
    if (name == "simple") return MessageFormat::kSimple;
    if (name == "full") return MessageFormat::kFull;
    return std::nullopt;
}

MessageFormat default_message_format(const Script& script_pubkey) {
    auto dest = extract_destination(script_pubkey);
    if (dest && std::holds_alternative<PKHashDest>(*dest)) return MessageFormat::kLegacy;
    int version = 0;
    Bytes program;
    if (script_pubkey.is_witness_program(version, program)) return MessageFormat::kSimple;
    return MessageFormat::kFull;
}

std::optional<std::string> sign_message_bip322(const KeyStore& keys, const Script& challenge, std::string_view message,
                                               const Bip322SignOptions& options, std::string* error) {
    auto fail = [&](const std::string& why) -> std::optional<std::string> {
        if (error) *error = why;
        return std::nullopt;
    };
    if (options.format == MessageFormat::kLegacy) return fail("the legacy format is signed with sign_message");
    const bool simple = options.format == MessageFormat::kSimple;
    int version = 0;
    Bytes program;
    if (simple && !challenge.is_witness_program(version, program))
        return fail("the simple format is for native segwit addresses (P2WPKH, P2WSH, P2TR): use the full format");
    if (simple && (options.version != 0 || options.locktime != 0 || options.sequence != 0))
        return fail("the simple format has version, locktime and sequence 0: use the full format");
    const Transaction spend = bip322::to_spend(challenge, message);
    Transaction tx = bip322::to_sign(spend, options.version, options.locktime, options.sequence);
    SignOptions so;
    so.grind_low_r = options.grind_low_r;
    so.aux_rand = options.aux_rand;
    std::string why;
    if (!sign_transaction_input(tx, 0, {spend.vout[0]}, keys, so, &why))
        return fail("cannot sign for this address: " + why);
    if (simple && !tx.vin[0].script_sig.empty())
        return fail("the signature needs a scriptSig, which the simple format cannot carry: use the full format");
    return simple ? bip322::encode_simple(tx.vin[0].witness) : bip322::encode_full(tx);
}

std::optional<MessageCheck> check_message(const std::string& address, const std::string& signature,
                                          std::string_view message, const ChainParams& params, std::string* error) {
    std::string why;
    auto script = decode_address(address, params, &why);
    if (!script) {
        if (error) *error = why;
        return std::nullopt;
    }
    MessageCheck c;
    const bool prefixed = signature.starts_with("smp") || signature.starts_with("ful") || signature.starts_with("pof");
    if (!prefixed) {
        auto raw = base64_decode(signature);
        const bool p2pkh = default_message_format(*script) == MessageFormat::kLegacy;
        if ((raw && raw->size() == kCompactSigSize && (*raw)[0] >= kHeaderBase && (*raw)[0] <= kHeaderLast) ||
            (p2pkh && (!raw || raw->size() == kCompactSigSize))) {
            c.legacy = true;
            c.legacy_result = verify_message(address, signature, message, params);
            return c;
        }
    }
    c.bip322 = bip322::verify(*script, signature, message);
    return c;
}

}  // namespace minicash::wallet
