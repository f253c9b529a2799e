#include "consensus/signature_checker.h"

#include "consensus/pubkey.h"

namespace minicash {
namespace {

// A pubkey libsecp256k1 could parse: 02/03 + 32 bytes, or 04/06/07 + 64 bytes. Checked
// before hashing so that an unusable key costs no signature hash.
bool plausible_ecdsa_pubkey(ByteView pubkey) {
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

bool set_error(ScriptError* error, ScriptError e) {
    if (error) *error = e;
    return false;
}

}  // namespace

bool TransactionSignatureChecker::verify_ecdsa_hash(ByteView der_sig, ByteView pubkey, const uint256& sighash) const {
    return verify_ecdsa(pubkey, der_sig, sighash);
}

bool TransactionSignatureChecker::verify_schnorr_hash(ByteView sig64, ByteView pubkey_xonly,
                                                      const uint256& sighash) const {
    return verify_schnorr(pubkey_xonly, sig64, sighash);
}

bool TransactionSignatureChecker::check_ecdsa_signature(ByteView sig, ByteView pubkey, const Script& script_code,
                                                        SigVersion sigversion) const {
    if (!plausible_ecdsa_pubkey(pubkey)) return false;
    if (sig.empty()) return false;
    // The hash type is the last byte, read unsigned (0..255) and used as a 32-bit value.
    const int32_t hash_type = sig.back();
    const ByteView der = sig.first(sig.size() - 1);

    uint256 sighash;
    if (sigversion == SigVersion::WITNESS_V0) {
        if (amount_ < 0) return false;  // the spent amount is unknown
        sighash = witness_v0_signature_hash(script_code, tx_, n_in_, hash_type, amount_, txdata_);
    } else if (sigversion == SigVersion::BASE) {
        sighash = legacy_signature_hash(script_code, tx_, n_in_, hash_type);
    } else {
        return false;  // ECDSA is not used by taproot
    }
    return verify_ecdsa_hash(der, pubkey, sighash);
}

bool TransactionSignatureChecker::check_schnorr_signature(ByteView sig, ByteView pubkey_xonly, SigVersion sigversion,
                                                          ScriptExecutionData& execdata, ScriptError* error) const {
    if (sig.size() != kSchnorrSignatureSize && sig.size() != kSchnorrSignatureSize + 1)
        return set_error(error, ScriptError::SCHNORR_SIG_SIZE);
    uint8_t hash_type = SIGHASH_DEFAULT;
    if (sig.size() == kSchnorrSignatureSize + 1) {
        hash_type = sig.back();
        // An explicit DEFAULT byte would be a second encoding of the 64-byte form.
        if (hash_type == SIGHASH_DEFAULT) return set_error(error, ScriptError::SCHNORR_SIG_HASHTYPE);
        sig = sig.first(kSchnorrSignatureSize);
    }
    // Without the spent outputs no taproot hash exists: fail (never "assume valid").
    if (txdata_ == nullptr || !txdata_->bip341_ready) return set_error(error, ScriptError::SCHNORR_SIG_HASHTYPE);
    const std::optional<uint256> sighash =
        taproot_signature_hash(execdata, tx_, n_in_, hash_type, sigversion, *txdata_);
    if (!sighash) return set_error(error, ScriptError::SCHNORR_SIG_HASHTYPE);
    if (!verify_schnorr_hash(sig, pubkey_xonly, *sighash)) return set_error(error, ScriptError::SCHNORR_SIG);
    return true;
}

bool TransactionSignatureChecker::check_locktime(const ScriptNum& locktime) const {
    const int64_t wanted = locktime.value();
    const int64_t tx_locktime = tx_.locktime;
    // Heights compare with heights, times with times.
    const bool wanted_is_height = wanted < int64_t(kLocktimeThreshold);
    const bool tx_is_height = tx_locktime < int64_t(kLocktimeThreshold);
    if (wanted_is_height != tx_is_height) return false;
    if (wanted > tx_locktime) return false;
    // A final input would let the transaction ignore nLockTime altogether (IsFinalTx),
    // which would bypass the check; this input must therefore not be final.
    if (n_in_ >= tx_.vin.size()) return false;
    if (tx_.vin[n_in_].sequence == TxIn::kSequenceFinal) return false;
    return true;
}

bool TransactionSignatureChecker::check_sequence(const ScriptNum& sequence) const {
    if (n_in_ >= tx_.vin.size()) return false;
    const int64_t tx_sequence = tx_.vin[n_in_].sequence;
    // BIP68 applies to version >= 2, the version read as unsigned.
    if (uint32_t(tx_.version) < 2) return false;
    // An input with the disable flag has no relative lock, so nothing can satisfy CSV.
    if (tx_sequence & TxIn::kSequenceDisableFlag) return false;

    // Only the type flag and the 16-bit value have consensus meaning.
    constexpr int64_t kMask = TxIn::kSequenceTypeFlag | TxIn::kSequenceLocktimeMask;
    const int64_t tx_masked = tx_sequence & kMask;
    const int64_t wanted_masked = sequence.value() & kMask;
    const bool tx_is_time = tx_masked >= int64_t(TxIn::kSequenceTypeFlag);
    const bool wanted_is_time = wanted_masked >= int64_t(TxIn::kSequenceTypeFlag);
    if (tx_is_time != wanted_is_time) return false;
    if (wanted_masked > tx_masked) return false;
    return true;
}

}  // namespace minicash
