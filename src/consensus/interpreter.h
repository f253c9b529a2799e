// The script interpreter: legacy, P2SH, SegWit v0 and Taproot/Tapscript evaluation.
//
// Signature checking is separated from evaluation: the interpreter asks a
// SignatureChecker, which knows the transaction and how to hash it.
#pragma once

#include <vector>

#include "consensus/script.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/transaction.h"
#include "util/uint256.h"

namespace minicash {

enum class SigVersion {
    BASE,        // legacy and P2SH scripts
    WITNESS_V0,  // P2WPKH / P2WSH (BIP143)
    TAPROOT,     // key path spending (BIP341); never evaluates a script
    TAPSCRIPT,   // script path spending, leaf version 0xc0 (BIP342)
};

// Signature hash types.
enum : int {
    SIGHASH_ALL = 1,
    SIGHASH_NONE = 2,
    SIGHASH_SINGLE = 3,
    SIGHASH_ANYONECANPAY = 0x80,
    SIGHASH_DEFAULT = 0,  // taproot only: ALL, with a 64-byte signature
    SIGHASH_OUTPUT_MASK = 3,
    SIGHASH_INPUT_MASK = 0x80,
};

// Taproot constants (BIP341/342).
inline constexpr uint8_t kTaprootLeafMask = 0xfe;
inline constexpr uint8_t kTaprootLeafTapscript = 0xc0;
inline constexpr size_t kTaprootControlBaseSize = 33;
inline constexpr size_t kTaprootControlNodeSize = 32;
inline constexpr size_t kTaprootControlMaxNodeCount = 128;
inline constexpr size_t kTaprootControlMaxSize =
    kTaprootControlBaseSize + kTaprootControlNodeSize * kTaprootControlMaxNodeCount;
inline constexpr uint8_t kAnnexTag = 0x50;
inline constexpr int64_t kValidationWeightPerSigop = 50;
inline constexpr int64_t kValidationWeightOffset = 50;
inline constexpr size_t kWitnessV0ScriptHashSize = 32;
inline constexpr size_t kWitnessV0KeyHashSize = 20;
inline constexpr size_t kWitnessV1TaprootSize = 32;

// Facts about the script being executed that taproot signature hashes commit to.
struct ScriptExecutionData {
    bool tapleaf_hash_init = false;
    uint256 tapleaf_hash;  // hash of the executed leaf (script path only)
    bool codeseparator_pos_init = false;
    uint32_t codeseparator_pos = 0xffffffff;  // opcode position of the last executed OP_CODESEPARATOR
    bool annex_init = false;
    bool annex_present = false;
    uint256 annex_hash;  // SHA256 of CompactSize(len) || annex
    bool validation_weight_left_init = false;
    int64_t validation_weight_left = 0;  // tapscript sigop budget (BIP342)
};

// What the interpreter needs from the spending transaction. The default checker
// rejects every signature and lock time (useful for evaluating scripts without a tx).
class SignatureChecker {
public:
    virtual ~SignatureChecker() = default;
    // `sig` includes the trailing hash type byte; `script_code` is what legacy/BIP143
    // hashing commits to (after FindAndDelete for legacy).
    [[nodiscard]] virtual bool check_ecdsa_signature(ByteView sig, ByteView pubkey, const Script& script_code,
                                                     SigVersion sigversion) const {
        return false;
    }
    // `sig` is 64 or 65 bytes (65: explicit hash type). On failure sets `error` to one of
    // SCHNORR_SIG_SIZE, SCHNORR_SIG_HASHTYPE, SCHNORR_SIG.
    [[nodiscard]] virtual bool check_schnorr_signature(ByteView sig, ByteView pubkey_xonly, SigVersion sigversion,
                                                       ScriptExecutionData& execdata, ScriptError* error) const {
        return false;
    }
    [[nodiscard]] virtual bool check_locktime(const ScriptNum& locktime) const { return false; }
    [[nodiscard]] virtual bool check_sequence(const ScriptNum& sequence) const { return false; }
};

using Stack = std::vector<Bytes>;

// Runs `script` on `stack`. REQUIRES: sigversion is BASE, WITNESS_V0 or TAPSCRIPT.
[[nodiscard]] bool eval_script(Stack& stack, const Script& script, ScriptFlags flags, const SignatureChecker& checker,
                               SigVersion sigversion, ScriptExecutionData& execdata, ScriptError* error = nullptr);
[[nodiscard]] bool eval_script(Stack& stack, const Script& script, ScriptFlags flags, const SignatureChecker& checker,
                               SigVersion sigversion, ScriptError* error = nullptr);

// Verifies one input: scriptSig, then scriptPubKey, then P2SH / witness programs as the
// flags enable. `witness` may be null (treated as empty).
[[nodiscard]] bool verify_script(const Script& script_sig, const Script& script_pubkey, const Witness* witness,
                                 ScriptFlags flags, const SignatureChecker& checker, ScriptError* error = nullptr);

// Sigop cost of one input for the block limit (legacy counted x4 elsewhere; this returns
// the witness part: P2WPKH 1, P2WSH by its script, taproot 0).
size_t witness_sigop_count(const Script& script_sig, const Script& script_pubkey, const Witness* witness,
                           ScriptFlags flags);

// Leaf hash, branch combination and output-key tweak (BIP341), used by verification,
// by tests and by the wallet when it builds taproot outputs.
uint256 tapleaf_hash(uint8_t leaf_version, const Script& script);
uint256 tapbranch_hash(const uint256& a, const uint256& b);  // sorted pair
uint256 taproot_merkle_root(ByteView control_block, const uint256& tapleaf_hash);

// Pure stack-item truthiness (any non-zero byte other than a trailing 0x80 sign).
bool cast_to_bool(ByteView v);

}  // namespace minicash
