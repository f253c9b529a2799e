// The SignatureChecker that validation uses: signature hashes of a real transaction,
// verified through libsecp256k1, plus lock-time and sequence checks (BIP65/BIP112).
#pragma once

#include "consensus/interpreter.h"
#include "consensus/sighash.h"

namespace minicash {

class TransactionSignatureChecker : public SignatureChecker {
public:
    // REQUIRES: n_in < tx.vin.size(); tx and txdata outlive the checker. `txdata` may be
    // null for legacy-only use; witness v0 then recomputes aggregates, and taproot fails.
    TransactionSignatureChecker(const Transaction& tx, unsigned n_in, Amount amount,
                                const PrecomputedTxData* txdata = nullptr)
        : tx_(tx), n_in_(n_in), amount_(amount), txdata_(txdata) {}

    [[nodiscard]] bool check_ecdsa_signature(ByteView sig, ByteView pubkey, const Script& script_code,
                                             SigVersion sigversion) const override;
    [[nodiscard]] bool check_schnorr_signature(ByteView sig, ByteView pubkey_xonly, SigVersion sigversion,
                                               ScriptExecutionData& execdata, ScriptError* error) const override;
    [[nodiscard]] bool check_locktime(const ScriptNum& locktime) const override;
    [[nodiscard]] bool check_sequence(const ScriptNum& sequence) const override;

protected:
    // The curve checks, virtual so that a caching checker can sit in front of them.
    [[nodiscard]] virtual bool verify_ecdsa_hash(ByteView der_sig, ByteView pubkey, const uint256& sighash) const;
    [[nodiscard]] virtual bool verify_schnorr_hash(ByteView sig64, ByteView pubkey_xonly, const uint256& sighash) const;

    const Transaction& tx_;
    const unsigned n_in_;
    const Amount amount_;
    const PrecomputedTxData* txdata_;
};

}  // namespace minicash
