// libFuzzer target: the script interpreter and signature checking.
//
// The input (layout in fuzz_input.h) gives flags, an amount, a scriptSig, a
// scriptPubKey and a witness. They are put into the same transaction pair that
// Bitcoin Core's script_tests.json uses (a crediting transaction paying the
// scriptPubKey, a spending transaction carrying the scriptSig and witness), so a
// seed made from a script test with a real signature verifies for real and the
// fuzzer starts beyond the signature checks.
//
// Properties: no crash, no sanitizer report, and
//   * verify_script reports ScriptError::OK exactly when it returns true;
//   * the verdict is deterministic (a second run agrees);
//   * eval_script run directly on the scriptPubKey obeys the same error contract and
//     never leaves more than kMaxStackSize items when it succeeds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "consensus/interpreter.h"
#include "consensus/script.h"
#include "consensus/script_error.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "consensus/transaction.h"
#include "fuzz_input.h"

using namespace minicash;

namespace {

[[noreturn]] void property_failed(const char* what) {
    std::fprintf(stderr, "fuzz_script_interpreter: property violated: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) property_failed(what);
}

Transaction crediting_tx(const Script& script_pubkey, Amount amount) {
    Transaction tx;
    tx.version = 1;
    tx.locktime = 0;
    TxIn in;
    in.prevout = OutPoint{};  // null: txid zero, index 0xffffffff
    in.script_sig = Script(Bytes{OP_0, OP_0});
    in.sequence = TxIn::kSequenceFinal;
    tx.vin.push_back(std::move(in));
    tx.vout.push_back(TxOut{amount, script_pubkey});
    return tx;
}

Transaction spending_tx(const Transaction& credit, const fuzz::ScriptInput& input) {
    Transaction tx;
    tx.version = 1;
    tx.locktime = 0;
    TxIn in;
    in.prevout = OutPoint{credit.txid(), 0};
    in.script_sig = input.script_sig;
    in.witness = input.witness;
    in.sequence = TxIn::kSequenceFinal;
    tx.vin.push_back(std::move(in));
    tx.vout.push_back(TxOut{credit.vout[0].value, Script()});
    return tx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parsed = fuzz::decode_script_input(ByteView(data, size));
    if (!parsed) return 0;
    const fuzz::ScriptInput& input = *parsed;

    const Transaction credit = crediting_tx(input.script_pubkey, input.amount);
    const Transaction spend = spending_tx(credit, input);
    const PrecomputedTxData txdata(spend, {credit.vout[0]});
    const TransactionSignatureChecker checker(spend, 0, input.amount, &txdata);

    // Full verification, twice: the verdict and the error must not change.
    ScriptError err1 = ScriptError::UNKNOWN_ERROR, err2 = ScriptError::UNKNOWN_ERROR;
    const bool ok1 =
        verify_script(input.script_sig, input.script_pubkey, &spend.vin[0].witness, input.flags, checker, &err1);
    check(ok1 == (err1 == ScriptError::OK), "verify_script result disagrees with its error");
    check(err1 != ScriptError::ERROR_COUNT, "verify_script reported an out-of-range error");
    const bool ok2 =
        verify_script(input.script_sig, input.script_pubkey, &spend.vin[0].witness, input.flags, checker, &err2);
    check(ok1 == ok2 && err1 == err2, "verify_script is not deterministic");

    // Without signature data (the default checker refuses every signature). Only success
    // is checked against the error: the default check_schnorr_signature fails without
    // setting an error, as Bitcoin Core's base checker does, so a failed key-path spend
    // may leave the error of the last successful step.
    ScriptError err3 = ScriptError::UNKNOWN_ERROR;
    const bool ok3 = verify_script(input.script_sig, input.script_pubkey, &spend.vin[0].witness, input.flags,
                                   SignatureChecker(), &err3);
    if (ok3) check(err3 == ScriptError::OK, "verify_script (no checker) succeeded with an error");

    // Direct evaluation of the scriptPubKey on a stack made of the witness items, in one
    // of the three script contexts.
    SigVersion sigversion = SigVersion::BASE;
    switch (input.mode % 3) {
    case 1: sigversion = SigVersion::WITNESS_V0; break;
    case 2: sigversion = SigVersion::TAPSCRIPT; break;
    default: break;
    }
    ScriptExecutionData execdata;
    if (sigversion == SigVersion::TAPSCRIPT) {
        execdata.tapleaf_hash_init = true;
        execdata.tapleaf_hash = tapleaf_hash(kTaprootLeafTapscript, input.script_pubkey);
        execdata.codeseparator_pos_init = true;
        execdata.codeseparator_pos = 0xffffffff;
        execdata.annex_init = true;
        execdata.annex_present = false;
        int64_t witness_size = 0;
        for (const Bytes& item : input.witness) witness_size += int64_t(item.size());
        execdata.validation_weight_left_init = true;
        execdata.validation_weight_left = witness_size + kValidationWeightOffset;
    }
    Stack stack(input.witness.begin(), input.witness.end());
    ScriptError err4 = ScriptError::UNKNOWN_ERROR;
    const bool ok4 = eval_script(stack, input.script_pubkey, input.flags, checker, sigversion, execdata, &err4);
    check(ok4 == (err4 == ScriptError::OK), "eval_script result disagrees with its error");
    if (ok4) check(stack.size() <= kMaxStackSize, "eval_script succeeded with an oversized stack");

    (void)cast_to_bool(input.script_pubkey.view());
    (void)witness_sigop_count(input.script_sig, input.script_pubkey, &spend.vin[0].witness, input.flags);
    return 0;
}
