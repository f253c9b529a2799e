// Script verification errors. Names match Bitcoin Core's (script_error_name() gives the
// string its test data uses, e.g. "EVAL_FALSE"), so expectations compare one to one.
#pragma once

#include <string>

namespace minicash {

enum class ScriptError {
    OK = 0,
    UNKNOWN_ERROR,
    EVAL_FALSE,
    SCRIPTNUM,  // operand too long or (with MINIMALDATA) not minimally encoded
    OP_RETURN,
    // Limits
    SCRIPT_SIZE,
    PUSH_SIZE,
    OP_COUNT,
    STACK_SIZE,
    SIG_COUNT,
    PUBKEY_COUNT,
    // Failed verify operations
    VERIFY,
    EQUALVERIFY,
    CHECKMULTISIGVERIFY,
    CHECKSIGVERIFY,
    NUMEQUALVERIFY,
    // Logical/format/canonical errors
    BAD_OPCODE,
    DISABLED_OPCODE,
    INVALID_STACK_OPERATION,
    INVALID_ALTSTACK_OPERATION,
    UNBALANCED_CONDITIONAL,
    // CHECKLOCKTIMEVERIFY and CHECKSEQUENCEVERIFY
    NEGATIVE_LOCKTIME,
    UNSATISFIED_LOCKTIME,
    // Malleability
    SIG_HASHTYPE,
    SIG_DER,
    MINIMALDATA,
    SIG_PUSHONLY,
    SIG_HIGH_S,
    SIG_NULLDUMMY,
    PUBKEYTYPE,
    CLEANSTACK,
    MINIMALIF,
    SIG_NULLFAIL,
    // Soft-fork safeness
    DISCOURAGE_UPGRADABLE_NOPS,
    DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM,
    DISCOURAGE_UPGRADABLE_TAPROOT_VERSION,
    DISCOURAGE_OP_SUCCESS,
    DISCOURAGE_UPGRADABLE_PUBKEYTYPE,
    // Segregated witness
    WITNESS_PROGRAM_WRONG_LENGTH,
    WITNESS_PROGRAM_WITNESS_EMPTY,
    WITNESS_PROGRAM_MISMATCH,
    WITNESS_MALLEATED,
    WITNESS_MALLEATED_P2SH,
    WITNESS_UNEXPECTED,
    WITNESS_PUBKEYTYPE,
    // Taproot
    SCHNORR_SIG_SIZE,
    SCHNORR_SIG_HASHTYPE,
    SCHNORR_SIG,
    TAPROOT_WRONG_CONTROL_SIZE,
    TAPSCRIPT_VALIDATION_WEIGHT,
    TAPSCRIPT_CHECKMULTISIG,
    TAPSCRIPT_MINIMALIF,
    TAPSCRIPT_EMPTY_PUBKEY,
    // Constant scriptCode
    OP_CODESEPARATOR,
    SIG_FINDANDDELETE,

    ERROR_COUNT
};

// Core's test-data name, e.g. ScriptError::SIG_NULLFAIL -> "NULLFAIL".
std::string script_error_name(ScriptError e);
// Human-readable message as Core's ScriptErrorString (used in reject reasons).
std::string script_error_message(ScriptError e);

}  // namespace minicash
