// analyzepsbt's view of a PSBT (Bitcoin Core's AnalyzePSBT, node/psbt.cpp): per input
// whether its UTXO is known, whether it is final, what it still lacks (public keys,
// signatures, redeem or witness script) and which role comes next; the fee; and the size
// and fee rate of the finished transaction, estimated by completing every input with
// dummy signatures (71-byte ECDSA, 64-byte Schnorr) as Core does.
//
// Core's quirks are kept: a taproot input without signatures lists nothing missing and
// so goes to the updater; an input whose PSBT sighash field is not the default, or that
// has only a witness UTXO for a non-witness output, also goes to the updater.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/psbt.h"

namespace minicash {

struct PsbtInputStatus {
    bool has_utxo = false;
    bool is_final = false;
    PsbtRole next = PsbtRole::EXTRACTOR;
    std::vector<Bytes> missing_pubkeys;  // HASH160s of keys whose public key is unknown
    std::vector<Bytes> missing_sigs;     // HASH160s of keys whose signature is missing
    Bytes missing_redeem_script;         // HASH160 of the missing redeem script (empty: none)
    Bytes missing_witness_script;        // SHA256 of the missing witness script (empty: none)
};

struct PsbtStatus {
    std::vector<PsbtInputStatus> inputs;
    std::optional<size_t> estimated_vsize;
    std::optional<Amount> estimated_feerate;  // satoshis per 1000 vbytes
    std::optional<Amount> fee;
    PsbtRole next = PsbtRole::CREATOR;
    std::string error;  // "PSBT is not valid. ..." (then inputs are empty and next is "creator")
};

PsbtStatus psbt_status(const Psbt& psbt);

}  // namespace minicash
