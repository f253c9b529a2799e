// Signing raw transactions in place, as Bitcoin Core's signrawtransactionwithkey and
// combinerawtransaction do (Core's DataFromTransaction, ProduceSignature, SignTransaction):
// signatures already in an input's scriptSig and witness are read back, new ones are
// added with the given keys (common/signer.h), and the input's scripts are rebuilt, in
// Core's partial form when signatures are still missing (a multisig input keeps an empty
// push per missing signature) so that another signer can complete it later.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/psbt.h"
#include "common/signer.h"
#include "consensus/sighash.h"
#include "consensus/transaction.h"

namespace minicash {

// What an input's scriptSig and witness hold, in PsbtInput's fields: partial_sigs (valid
// ECDSA signatures by public key), redeem_script, witness_script. `complete` when the
// input already verifies (standard flags); then nothing else is filled.
struct InputSignatures {
    PsbtInput data;
    bool complete = false;
};

// Core's DataFromTransaction. `txdata` (optional) holds every spent output, needed to
// recognise a complete taproot input.
InputSignatures extract_input_signatures(const Transaction& tx, size_t i, const TxOut& spent,
                                         const PrecomputedTxData* txdata = nullptr);

// The scriptSig and witness that the signatures and scripts in `data` give for an output
// paying `script_pubkey` (Core's ProduceSignature without creating signatures). `solved`
// when every signature the script needs is there. For a taproot output the witness is
// only produced when solved (finalize_input of common/psbt.h); `keep_witness` is then set
// when nothing could be built and the input's witness should stay as it is.
struct InputScripts {
    Script script_sig;
    Witness witness;
    bool solved = false;
    bool keep_witness = false;
};
InputScripts assemble_input_scripts(const PsbtInput& data, const Script& script_pubkey);

// Core's SignTransaction. `spent[k]` is the output input k spends (nullopt: unknown or
// already spent); an amount of kMaxMoney stands for "not given" (legacy inputs can still be
// signed). `hash_type` nullopt is SIGHASH_DEFAULT (ALL for ECDSA). Errors per input index,
// with Core's texts: "Input not found or already spent", "Missing amount" (the RPC turns
// it into an exception), "Unable to sign input, invalid stack size (possibly missing
// key)", "CHECK(MULTI)SIG failing with non-zero signature (possibly need more
// signatures)", or the script error's message. True when no input has an error.
[[nodiscard]] bool sign_raw_transaction(Transaction& tx, const std::vector<std::optional<TxOut>>& spent,
                                        const KeyStore& keys, std::optional<int> hash_type,
                                        std::map<size_t, std::string>& errors);

// combinerawtransaction's merge of input `i`: the signatures of every variant (that has
// input i) read back against `spent`, then the scripts rebuilt; a variant whose input is
// already complete is taken as it is.
void combine_input_signatures(Transaction& merged, size_t i, const std::vector<Transaction>& variants,
                              const TxOut& spent);

}  // namespace minicash
