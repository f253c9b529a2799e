#include "consensus/interpreter.h"

#include <algorithm>

#include "consensus/pubkey.h"
#include "util/hash.h"

namespace minicash {
namespace {

bool fail(ScriptError* out, ScriptError e) {
    if (out) *out = e;
    return false;
}

bool succeed(ScriptError* out) {
    if (out) *out = ScriptError::OK;
    return true;
}

const Bytes kFalse;
const Bytes kTrue{1};

// Tracks nested IF/NOTIF/ELSE branches in O(1) per operation: only the depth and the
// position of the outermost false branch matter for whether the current op executes.
class ConditionStack {
public:
    bool empty() const { return size_ == 0; }
    bool all_true() const { return first_false_ == kNone; }
    void push(bool value) {
        if (first_false_ == kNone && !value) first_false_ = size_;
        ++size_;
    }
    void pop() {  // REQUIRES: !empty()
        --size_;
        if (first_false_ == size_) first_false_ = kNone;
    }
    void toggle_top() {  // REQUIRES: !empty()
        if (first_false_ == kNone) {
            first_false_ = size_ - 1;
        } else if (first_false_ == size_ - 1) {
            first_false_ = kNone;
        }  // else: an outer branch is false; the top's value does not matter
    }

private:
    static constexpr uint32_t kNone = 0xffffffff;
    uint32_t size_ = 0;
    uint32_t first_false_ = kNone;
};

bool is_defined_hashtype(ByteView sig) {
    if (sig.empty()) return false;
    const int type = sig.back() & ~SIGHASH_ANYONECANPAY;
    return type >= SIGHASH_ALL && type <= SIGHASH_SINGLE;
}

bool check_signature_encoding(ByteView sig, ScriptFlags flags, ScriptError* error) {
    // An empty signature is the compact way to provide a signature that fails.
    if (sig.empty()) return true;
    if ((flags & (SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S | SCRIPT_VERIFY_STRICTENC)) &&
        !is_valid_signature_encoding(sig))
        return fail(error, ScriptError::SIG_DER);
    if ((flags & SCRIPT_VERIFY_LOW_S) && !is_low_s_der(sig.first(sig.size() - 1)))
        return fail(error, ScriptError::SIG_HIGH_S);
    if ((flags & SCRIPT_VERIFY_STRICTENC) && !is_defined_hashtype(sig)) return fail(error, ScriptError::SIG_HASHTYPE);
    return true;
}

bool check_pubkey_encoding(ByteView pubkey, ScriptFlags flags, SigVersion sigversion, ScriptError* error) {
    if ((flags & SCRIPT_VERIFY_STRICTENC) && !is_compressed_or_uncompressed_pubkey(pubkey))
        return fail(error, ScriptError::PUBKEYTYPE);
    if ((flags & SCRIPT_VERIFY_WITNESS_PUBKEYTYPE) && sigversion == SigVersion::WITNESS_V0 &&
        !is_compressed_pubkey(pubkey))
        return fail(error, ScriptError::WITNESS_PUBKEYTYPE);
    return true;
}

// MINIMALDATA: a push must use the shortest encoding, and OP_0/OP_1NEGATE/OP_1..16 where
// they apply. REQUIRES: op <= OP_PUSHDATA4.
bool is_minimal_push(ByteView data, Opcode op) {
    const size_t n = data.size();
    if (n == 0) return op == OP_0;
    if (n == 1 && data[0] >= 1 && data[0] <= 16) return false;
    if (n == 1 && data[0] == 0x81) return false;
    if (n <= 75) return op == n;
    if (n <= 255) return op == OP_PUSHDATA1;
    if (n <= 65535) return op == OP_PUSHDATA2;
    return true;
}

bool is_disabled_opcode(Opcode op) {
    switch (op) {
    case OP_CAT:
    case OP_SUBSTR:
    case OP_LEFT:
    case OP_RIGHT:
    case OP_INVERT:
    case OP_AND:
    case OP_OR:
    case OP_XOR:
    case OP_2MUL:
    case OP_2DIV:
    case OP_MUL:
    case OP_DIV:
    case OP_MOD:
    case OP_LSHIFT:
    case OP_RSHIFT: return true;
    default: return false;
    }
}

Script push_only_script(ByteView data) {
    Script s;
    s.push_data(data);
    return s;
}

// ECDSA CHECKSIG for legacy and witness v0 scripts. Returns false only on a script
// error; the signature's validity is reported in `success`.
bool eval_checksig_ecdsa(ByteView sig, ByteView pubkey, const Script& script, size_t codehash_pos, ScriptFlags flags,
                         const SignatureChecker& checker, SigVersion sigversion, ScriptError* error, bool& success) {
    Script script_code(script.data() + codehash_pos, script.data() + script.size());
    if (sigversion == SigVersion::BASE) {
        // Legacy hashing commits to the script code without the signature itself.
        const int found = find_and_delete(script_code, push_only_script(sig));
        if (found > 0 && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE)) return fail(error, ScriptError::SIG_FINDANDDELETE);
    }
    if (!check_signature_encoding(sig, flags, error) || !check_pubkey_encoding(pubkey, flags, sigversion, error))
        return false;
    success = checker.check_ecdsa_signature(sig, pubkey, script_code, sigversion);
    if (!success && (flags & SCRIPT_VERIFY_NULLFAIL) && !sig.empty()) return fail(error, ScriptError::SIG_NULLFAIL);
    return true;
}

// BIP342 CHECKSIG / CHECKSIGVERIFY / CHECKSIGADD: an empty signature is a valid "no";
// every non-empty one spends validation weight and must be valid.
bool eval_checksig_tapscript(ByteView sig, ByteView pubkey, ScriptExecutionData& execdata, ScriptFlags flags,
                             const SignatureChecker& checker, ScriptError* error, bool& success) {
    success = !sig.empty();
    if (success) {
        execdata.validation_weight_left -= kValidationWeightPerSigop;
        if (execdata.validation_weight_left < 0) return fail(error, ScriptError::TAPSCRIPT_VALIDATION_WEIGHT);
    }
    if (pubkey.empty()) return fail(error, ScriptError::TAPSCRIPT_EMPTY_PUBKEY);
    if (pubkey.size() == kXOnlyPubkeySize) {
        if (success && !checker.check_schnorr_signature(sig, pubkey, SigVersion::TAPSCRIPT, execdata, error))
            return false;
    } else if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
        // Unknown public key types are reserved for soft forks and succeed by consensus.
        return fail(error, ScriptError::DISCOURAGE_UPGRADABLE_PUBKEYTYPE);
    }
    return true;
}

bool eval_checksig(ByteView sig, ByteView pubkey, const Script& script, size_t codehash_pos,
                   ScriptExecutionData& execdata, ScriptFlags flags, const SignatureChecker& checker,
                   SigVersion sigversion, ScriptError* error, bool& success) {
    if (sigversion == SigVersion::TAPSCRIPT)
        return eval_checksig_tapscript(sig, pubkey, execdata, flags, checker, error, success);
    return eval_checksig_ecdsa(sig, pubkey, script, codehash_pos, flags, checker, sigversion, error, success);
}

size_t witness_stack_serialized_size(const Witness& stack) {
    size_t n = compact_size_length(stack.size());
    for (const Bytes& item : stack) n += compact_size_length(item.size()) + item.size();
    return n;
}

}  // namespace

bool cast_to_bool(ByteView v) {
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] != 0) return !(i == v.size() - 1 && v[i] == 0x80);  // negative zero is false
    }
    return false;
}

bool eval_script(Stack& stack, const Script& script, ScriptFlags flags, const SignatureChecker& checker,
                 SigVersion sigversion, ScriptError* error) {
    ScriptExecutionData execdata;
    return eval_script(stack, script, flags, checker, sigversion, execdata, error);
}

bool eval_script(Stack& stack, const Script& script, ScriptFlags flags, const SignatureChecker& checker,
                 SigVersion sigversion, ScriptExecutionData& execdata, ScriptError* error) {
    const bool legacy_limits = sigversion == SigVersion::BASE || sigversion == SigVersion::WITNESS_V0;
    if (error) *error = ScriptError::UNKNOWN_ERROR;
    if (legacy_limits && script.size() > kMaxScriptSize) return fail(error, ScriptError::SCRIPT_SIZE);

    const bool require_minimal = flags & SCRIPT_VERIFY_MINIMALDATA;
    ConditionStack exec_stack;
    Stack altstack;
    size_t pc = 0;
    size_t codehash_pos = 0;  // script code starts after the last executed OP_CODESEPARATOR
    int op_count = 0;
    uint32_t opcode_pos = 0;
    execdata.codeseparator_pos = 0xffffffff;
    execdata.codeseparator_pos_init = true;

    // Element `i` from the top: top(-1) is the topmost. REQUIRES: stack.size() >= -i.
    auto top = [&stack](int i) -> Bytes& { return stack[stack.size() + i]; };
    auto pop = [&stack]() { stack.pop_back(); };
    auto push_bool = [&stack](bool v) { stack.push_back(v ? kTrue : kFalse); };
    auto num = [&](int i) { return ScriptNum(top(i), require_minimal); };

    try {
        for (; pc < script.size(); ++opcode_pos) {
            const bool executing = exec_stack.all_true();
            Opcode op;
            ByteView push;
            if (!script.get_op(pc, op, &push)) return fail(error, ScriptError::BAD_OPCODE);
            if (push.size() > kMaxScriptElementSize) return fail(error, ScriptError::PUSH_SIZE);
            if (legacy_limits && op > OP_16 && ++op_count > kMaxOpsPerScript) return fail(error, ScriptError::OP_COUNT);
            // Disabled opcodes fail even in an unexecuted branch.
            if (is_disabled_opcode(op)) return fail(error, ScriptError::DISABLED_OPCODE);
            if (op == OP_CODESEPARATOR && sigversion == SigVersion::BASE && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE))
                return fail(error, ScriptError::OP_CODESEPARATOR);

            if (executing && op <= OP_PUSHDATA4) {
                if (require_minimal && !is_minimal_push(push, op)) return fail(error, ScriptError::MINIMALDATA);
                stack.emplace_back(push.begin(), push.end());
            } else if (executing || (op >= OP_IF && op <= OP_ENDIF)) {
                switch (op) {
                // Constants
                case OP_1NEGATE:
                case OP_1:
                case OP_2:
                case OP_3:
                case OP_4:
                case OP_5:
                case OP_6:
                case OP_7:
                case OP_8:
                case OP_9:
                case OP_10:
                case OP_11:
                case OP_12:
                case OP_13:
                case OP_14:
                case OP_15:
                case OP_16: stack.push_back(ScriptNum::encode(int(op) - int(OP_1 - 1))); break;

                // Control
                case OP_NOP: break;
                case OP_CHECKLOCKTIMEVERIFY: {
                    if (!(flags & SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY)) break;  // NOP2 before BIP65
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    // Five bytes: lock times go up to 2^32-1, beyond the 4-byte operand range.
                    const ScriptNum locktime(top(-1), require_minimal, 5);
                    if (locktime.value() < 0) return fail(error, ScriptError::NEGATIVE_LOCKTIME);
                    if (!checker.check_locktime(locktime)) return fail(error, ScriptError::UNSATISFIED_LOCKTIME);
                    break;
                }
                case OP_CHECKSEQUENCEVERIFY: {
                    if (!(flags & SCRIPT_VERIFY_CHECKSEQUENCEVERIFY)) break;  // NOP3 before BIP112
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const ScriptNum sequence(top(-1), require_minimal, 5);
                    if (sequence.value() < 0) return fail(error, ScriptError::NEGATIVE_LOCKTIME);
                    // With the disable flag set the operand has no meaning yet (soft-fork room).
                    if (sequence.value() & TxIn::kSequenceDisableFlag) break;
                    if (!checker.check_sequence(sequence)) return fail(error, ScriptError::UNSATISFIED_LOCKTIME);
                    break;
                }
                case OP_NOP1:
                case OP_NOP4:
                case OP_NOP5:
                case OP_NOP6:
                case OP_NOP7:
                case OP_NOP8:
                case OP_NOP9:
                case OP_NOP10:
                    if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS)
                        return fail(error, ScriptError::DISCOURAGE_UPGRADABLE_NOPS);
                    break;
                case OP_IF:
                case OP_NOTIF: {
                    bool value = false;
                    if (executing) {
                        // An IF with nothing to test is a stack error (Core reports it so since 2025).
                        if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                        const Bytes& cond = top(-1);
                        const bool minimal = cond.size() == 0 || (cond.size() == 1 && cond[0] == 1);
                        // Minimal IF arguments: consensus in tapscript, policy in witness v0.
                        if (sigversion == SigVersion::TAPSCRIPT && !minimal)
                            return fail(error, ScriptError::TAPSCRIPT_MINIMALIF);
                        if (sigversion == SigVersion::WITNESS_V0 && (flags & SCRIPT_VERIFY_MINIMALIF) && !minimal)
                            return fail(error, ScriptError::MINIMALIF);
                        value = cast_to_bool(cond);
                        if (op == OP_NOTIF) value = !value;
                        pop();
                    }
                    exec_stack.push(value);
                    break;
                }
                case OP_ELSE:
                    if (exec_stack.empty()) return fail(error, ScriptError::UNBALANCED_CONDITIONAL);
                    exec_stack.toggle_top();
                    break;
                case OP_ENDIF:
                    if (exec_stack.empty()) return fail(error, ScriptError::UNBALANCED_CONDITIONAL);
                    exec_stack.pop();
                    break;
                case OP_VERIFY:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    if (!cast_to_bool(top(-1))) return fail(error, ScriptError::VERIFY);
                    pop();
                    break;
                case OP_RETURN: return fail(error, ScriptError::OP_RETURN);

                // Stack operations
                case OP_TOALTSTACK:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    altstack.push_back(std::move(top(-1)));
                    pop();
                    break;
                case OP_FROMALTSTACK:
                    if (altstack.empty()) return fail(error, ScriptError::INVALID_ALTSTACK_OPERATION);
                    stack.push_back(std::move(altstack.back()));
                    altstack.pop_back();
                    break;
                case OP_2DROP:
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    pop();
                    pop();
                    break;
                case OP_2DUP: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes a = top(-2), b = top(-1);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }
                case OP_3DUP: {
                    if (stack.size() < 3) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes a = top(-3), b = top(-2), c = top(-1);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    stack.push_back(std::move(c));
                    break;
                }
                case OP_2OVER: {
                    if (stack.size() < 4) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes a = top(-4), b = top(-3);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }
                case OP_2ROT: {
                    if (stack.size() < 6) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes a = top(-6), b = top(-5);
                    stack.erase(stack.end() - 6, stack.end() - 4);
                    stack.push_back(std::move(a));
                    stack.push_back(std::move(b));
                    break;
                }
                case OP_2SWAP:
                    if (stack.size() < 4) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    std::swap(top(-4), top(-2));
                    std::swap(top(-3), top(-1));
                    break;
                case OP_IFDUP:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    if (cast_to_bool(top(-1))) stack.push_back(Bytes(top(-1)));
                    break;
                case OP_DEPTH: stack.push_back(ScriptNum::encode(int64_t(stack.size()))); break;
                case OP_DROP:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    pop();
                    break;
                case OP_DUP:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    stack.push_back(Bytes(top(-1)));
                    break;
                case OP_NIP:
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    stack.erase(stack.end() - 2);
                    break;
                case OP_OVER:
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    stack.push_back(Bytes(top(-2)));
                    break;
                case OP_PICK:
                case OP_ROLL: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const int n = num(-1).getint();
                    pop();
                    if (n < 0 || size_t(n) >= stack.size()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes item = top(-n - 1);
                    if (op == OP_ROLL) stack.erase(stack.end() - n - 1);
                    stack.push_back(std::move(item));
                    break;
                }
                case OP_ROT:
                    if (stack.size() < 3) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    std::swap(top(-3), top(-2));
                    std::swap(top(-2), top(-1));
                    break;
                case OP_SWAP:
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    std::swap(top(-2), top(-1));
                    break;
                case OP_TUCK: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    Bytes item = top(-1);
                    stack.insert(stack.end() - 2, std::move(item));
                    break;
                }
                case OP_SIZE:
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    stack.push_back(ScriptNum::encode(int64_t(top(-1).size())));
                    break;

                // Bitwise logic
                case OP_EQUAL:
                case OP_EQUALVERIFY: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const bool equal = top(-2) == top(-1);
                    pop();
                    pop();
                    push_bool(equal);
                    if (op == OP_EQUALVERIFY) {
                        if (!equal) return fail(error, ScriptError::EQUALVERIFY);
                        pop();
                    }
                    break;
                }

                // Numeric, one operand
                case OP_1ADD:
                case OP_1SUB:
                case OP_NEGATE:
                case OP_ABS:
                case OP_NOT:
                case OP_0NOTEQUAL: {
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    int64_t v = num(-1).value();
                    switch (op) {
                    case OP_1ADD: v += 1; break;
                    case OP_1SUB: v -= 1; break;
                    case OP_NEGATE: v = -v; break;
                    case OP_ABS: v = v < 0 ? -v : v; break;
                    case OP_NOT: v = v == 0; break;
                    default: v = v != 0; break;  // OP_0NOTEQUAL
                    }
                    pop();
                    stack.push_back(ScriptNum::encode(v));
                    break;
                }

                // Numeric, two operands
                case OP_ADD:
                case OP_SUB:
                case OP_BOOLAND:
                case OP_BOOLOR:
                case OP_NUMEQUAL:
                case OP_NUMEQUALVERIFY:
                case OP_NUMNOTEQUAL:
                case OP_LESSTHAN:
                case OP_GREATERTHAN:
                case OP_LESSTHANOREQUAL:
                case OP_GREATERTHANOREQUAL:
                case OP_MIN:
                case OP_MAX: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const int64_t a = num(-2).value(), b = num(-1).value();
                    int64_t r = 0;
                    switch (op) {
                    case OP_ADD: r = a + b; break;
                    case OP_SUB: r = a - b; break;
                    case OP_BOOLAND: r = a != 0 && b != 0; break;
                    case OP_BOOLOR: r = a != 0 || b != 0; break;
                    case OP_NUMEQUAL:
                    case OP_NUMEQUALVERIFY: r = a == b; break;
                    case OP_NUMNOTEQUAL: r = a != b; break;
                    case OP_LESSTHAN: r = a < b; break;
                    case OP_GREATERTHAN: r = a > b; break;
                    case OP_LESSTHANOREQUAL: r = a <= b; break;
                    case OP_GREATERTHANOREQUAL: r = a >= b; break;
                    case OP_MIN: r = std::min(a, b); break;
                    default: r = std::max(a, b); break;  // OP_MAX
                    }
                    pop();
                    pop();
                    stack.push_back(ScriptNum::encode(r));
                    if (op == OP_NUMEQUALVERIFY) {
                        if (!cast_to_bool(top(-1))) return fail(error, ScriptError::NUMEQUALVERIFY);
                        pop();
                    }
                    break;
                }
                case OP_WITHIN: {
                    if (stack.size() < 3) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const int64_t x = num(-3).value(), lo = num(-2).value(), hi = num(-1).value();
                    pop();
                    pop();
                    pop();
                    push_bool(lo <= x && x < hi);
                    break;
                }

                // Crypto
                case OP_RIPEMD160:
                case OP_SHA1:
                case OP_SHA256:
                case OP_HASH160:
                case OP_HASH256: {
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const Bytes& in = top(-1);
                    Bytes out;
                    if (op == OP_RIPEMD160) {
                        const Hash160 h = ripemd160(in);
                        out.assign(h.begin(), h.end());
                    } else if (op == OP_SHA1) {
                        const Hash160 h = sha1(in);
                        out.assign(h.begin(), h.end());
                    } else if (op == OP_HASH160) {
                        const Hash160 h = hash160(in);
                        out.assign(h.begin(), h.end());
                    } else {
                        const uint256 h = op == OP_SHA256 ? sha256(in) : sha256d(in);
                        out.assign(h.begin(), h.end());
                    }
                    pop();
                    stack.push_back(std::move(out));
                    break;
                }
                case OP_CODESEPARATOR:
                    codehash_pos = pc;
                    execdata.codeseparator_pos = opcode_pos;
                    break;
                case OP_CHECKSIG:
                case OP_CHECKSIGVERIFY: {
                    if (stack.size() < 2) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    bool ok = true;
                    if (!eval_checksig(top(-2), top(-1), script, codehash_pos, execdata, flags, checker, sigversion,
                                       error, ok))
                        return false;
                    pop();
                    pop();
                    push_bool(ok);
                    if (op == OP_CHECKSIGVERIFY) {
                        if (!ok) return fail(error, ScriptError::CHECKSIGVERIFY);
                        pop();
                    }
                    break;
                }
                case OP_CHECKSIGADD: {
                    if (legacy_limits) return fail(error, ScriptError::BAD_OPCODE);
                    if (stack.size() < 3) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    const ScriptNum n = num(-2);
                    bool ok = true;
                    if (!eval_checksig(top(-3), top(-1), script, codehash_pos, execdata, flags, checker, sigversion,
                                       error, ok))
                        return false;
                    pop();
                    pop();
                    pop();
                    stack.push_back(ScriptNum::encode(n.value() + (ok ? 1 : 0)));
                    break;
                }
                case OP_CHECKMULTISIG:
                case OP_CHECKMULTISIGVERIFY: {
                    if (sigversion == SigVersion::TAPSCRIPT) return fail(error, ScriptError::TAPSCRIPT_CHECKMULTISIG);
                    // Stack, top first: n_keys, keys..., n_sigs, sigs..., dummy.
                    int i = 1;
                    if (int(stack.size()) < i) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    int n_keys = num(-i).getint();
                    if (n_keys < 0 || n_keys > kMaxPubkeysPerMultisig) return fail(error, ScriptError::PUBKEY_COUNT);
                    op_count += n_keys;
                    if (op_count > kMaxOpsPerScript) return fail(error, ScriptError::OP_COUNT);
                    int ikey = ++i;
                    // Depth of the last key; items deeper than it are signatures (for NULLFAIL).
                    int ikey2 = n_keys + 2;
                    i += n_keys;
                    if (int(stack.size()) < i) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    int n_sigs = num(-i).getint();
                    if (n_sigs < 0 || n_sigs > n_keys) return fail(error, ScriptError::SIG_COUNT);
                    int isig = ++i;
                    i += n_sigs;
                    if (int(stack.size()) < i) return fail(error, ScriptError::INVALID_STACK_OPERATION);

                    Script script_code(script.data() + codehash_pos, script.data() + script.size());
                    if (sigversion == SigVersion::BASE) {
                        for (int k = 0; k < n_sigs; ++k) {
                            const int found = find_and_delete(script_code, push_only_script(top(-isig - k)));
                            if (found > 0 && (flags & SCRIPT_VERIFY_CONST_SCRIPTCODE))
                                return fail(error, ScriptError::SIG_FINDANDDELETE);
                        }
                    }
                    bool ok = true;
                    while (ok && n_sigs > 0) {
                        const Bytes& sig = top(-isig);
                        const Bytes& key = top(-ikey);
                        // Encoding is checked pair by pair, so the order of evaluation is observable.
                        if (!check_signature_encoding(sig, flags, error) ||
                            !check_pubkey_encoding(key, flags, sigversion, error))
                            return false;
                        if (checker.check_ecdsa_signature(sig, key, script_code, sigversion)) {
                            ++isig;
                            --n_sigs;
                        }
                        ++ikey;
                        --n_keys;
                        // More signatures left than keys: cannot succeed any more.
                        if (n_sigs > n_keys) ok = false;
                    }
                    // Pop the arguments; on failure with NULLFAIL every signature must be empty.
                    while (i-- > 1) {
                        if (!ok && (flags & SCRIPT_VERIFY_NULLFAIL) && !ikey2 && !top(-1).empty())
                            return fail(error, ScriptError::SIG_NULLFAIL);
                        if (ikey2 > 0) --ikey2;
                        pop();
                    }
                    // The historical off-by-one: one extra, unchecked item is consumed.
                    if (stack.empty()) return fail(error, ScriptError::INVALID_STACK_OPERATION);
                    if ((flags & SCRIPT_VERIFY_NULLDUMMY) && !top(-1).empty())
                        return fail(error, ScriptError::SIG_NULLDUMMY);
                    pop();
                    push_bool(ok);
                    if (op == OP_CHECKMULTISIGVERIFY) {
                        if (!ok) return fail(error, ScriptError::CHECKMULTISIGVERIFY);
                        pop();
                    }
                    break;
                }
                default: return fail(error, ScriptError::BAD_OPCODE);
                }
            }
            if (stack.size() + altstack.size() > kMaxStackSize) return fail(error, ScriptError::STACK_SIZE);
        }
    } catch (const ScriptNum::Error&) { return fail(error, ScriptError::SCRIPTNUM); } catch (...) {
        return fail(error, ScriptError::UNKNOWN_ERROR);
    }
    if (!exec_stack.empty()) return fail(error, ScriptError::UNBALANCED_CONDITIONAL);
    return succeed(error);
}

uint256 tapleaf_hash(uint8_t leaf_version, const Script& script) {
    HashWriter w = HashWriter::tagged("TapLeaf");
    w.write_u8(leaf_version).write_var_bytes(script.view());
    return w.sha256();
}

uint256 tapbranch_hash(const uint256& a, const uint256& b) {
    HashWriter w = HashWriter::tagged("TapBranch");
    if (b < a) {
        w.write_hash(b).write_hash(a);
    } else {
        w.write_hash(a).write_hash(b);
    }
    return w.sha256();
}

uint256 taproot_merkle_root(ByteView control_block, const uint256& leaf_hash) {
    uint256 k = leaf_hash;
    for (size_t pos = kTaprootControlBaseSize; pos + kTaprootControlNodeSize <= control_block.size();
         pos += kTaprootControlNodeSize)
        k = tapbranch_hash(k, uint256(control_block.subspan(pos, kTaprootControlNodeSize)));
    return k;
}

namespace {

// Runs a witness script (P2WSH, P2WPKH's implied script, or a tapscript) on the
// remaining witness stack; witness scripts must leave exactly one true element.
bool execute_witness_script(Stack stack, const Script& script, ScriptFlags flags, SigVersion sigversion,
                            const SignatureChecker& checker, ScriptExecutionData& execdata, ScriptError* error) {
    if (sigversion == SigVersion::TAPSCRIPT) {
        // OP_SUCCESSx anywhere in a parsable script makes it succeed before any other rule.
        size_t pc = 0;
        Opcode op;
        while (pc < script.size()) {
            if (!script.get_op(pc, op)) return fail(error, ScriptError::BAD_OPCODE);
            if (is_op_success(op)) {
                if (flags & SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS) return fail(error, ScriptError::DISCOURAGE_OP_SUCCESS);
                return succeed(error);
            }
        }
        if (stack.size() > kMaxStackSize) return fail(error, ScriptError::STACK_SIZE);
    }
    for (const Bytes& item : stack)
        if (item.size() > kMaxScriptElementSize) return fail(error, ScriptError::PUSH_SIZE);
    if (!eval_script(stack, script, flags, checker, sigversion, execdata, error)) return false;
    if (stack.size() != 1) return fail(error, ScriptError::CLEANSTACK);
    if (!cast_to_bool(stack.back())) return fail(error, ScriptError::EVAL_FALSE);
    return true;
}

bool is_pay_to_anchor(int version, const Bytes& program) {
    return version == 1 && program.size() == 2 && program[0] == 0x4e && program[1] == 0x73;
}

bool verify_witness_program(const Witness& witness, int version, const Bytes& program, ScriptFlags flags,
                            const SignatureChecker& checker, ScriptError* error, bool is_p2sh) {
    ScriptExecutionData execdata;
    if (version == 0) {
        if (program.size() == kWitnessV0ScriptHashSize) {
            // P2WSH: the last witness item is the script, committed to by SHA256.
            if (witness.empty()) return fail(error, ScriptError::WITNESS_PROGRAM_WITNESS_EMPTY);
            const Script script(witness.back());
            if (sha256(script.view()) != uint256(program)) return fail(error, ScriptError::WITNESS_PROGRAM_MISMATCH);
            Stack stack(witness.begin(), witness.end() - 1);
            return execute_witness_script(std::move(stack), script, flags, SigVersion::WITNESS_V0, checker, execdata,
                                          error);
        }
        if (program.size() == kWitnessV0KeyHashSize) {
            // P2WPKH: exactly <sig> <pubkey>, run against the implied P2PKH script.
            if (witness.size() != 2) return fail(error, ScriptError::WITNESS_PROGRAM_MISMATCH);
            Script script;
            script.push_op(OP_DUP).push_op(OP_HASH160).push_data(program).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
            return execute_witness_script(Stack(witness.begin(), witness.end()), script, flags, SigVersion::WITNESS_V0,
                                          checker, execdata, error);
        }
        return fail(error, ScriptError::WITNESS_PROGRAM_WRONG_LENGTH);
    }
    if (version == 1 && program.size() == kWitnessV1TaprootSize && !is_p2sh) {
        if (!(flags & SCRIPT_VERIFY_TAPROOT)) return succeed(error);
        if (witness.empty()) return fail(error, ScriptError::WITNESS_PROGRAM_WITNESS_EMPTY);
        size_t n = witness.size();
        // With two or more items, a last item starting with 0x50 is the annex.
        if (n >= 2 && !witness.back().empty() && witness.back()[0] == kAnnexTag) {
            HashWriter w;
            w.write_var_bytes(witness.back());
            execdata.annex_hash = w.sha256();
            execdata.annex_present = true;
            --n;
        } else {
            execdata.annex_present = false;
        }
        execdata.annex_init = true;
        if (n == 1) {
            // Key path: a single signature for the output key itself.
            if (!checker.check_schnorr_signature(witness[0], program, SigVersion::TAPROOT, execdata, error))
                return false;
            return succeed(error);
        }
        // Script path: ..., script, control block.
        const Bytes& control = witness[n - 1];
        const Script script(witness[n - 2]);
        if (control.size() < kTaprootControlBaseSize || control.size() > kTaprootControlMaxSize ||
            (control.size() - kTaprootControlBaseSize) % kTaprootControlNodeSize != 0)
            return fail(error, ScriptError::TAPROOT_WRONG_CONTROL_SIZE);
        const uint8_t leaf_version = control[0] & kTaprootLeafMask;
        execdata.tapleaf_hash = tapleaf_hash(leaf_version, script);
        const uint256 root = taproot_merkle_root(control, execdata.tapleaf_hash);
        const uint256 tweak =
            HashWriter::tagged("TapTweak").write(ByteView(control).subspan(1, 32)).write_hash(root).sha256();
        if (!check_taproot_tweak(ByteView(control).subspan(1, 32), program, control[0] & 1, tweak))
            return fail(error, ScriptError::WITNESS_PROGRAM_MISMATCH);
        execdata.tapleaf_hash_init = true;
        if (leaf_version == kTaprootLeafTapscript) {
            // BIP342 budget: the whole witness's size plus 50 (annex, script and control included).
            execdata.validation_weight_left = int64_t(witness_stack_serialized_size(witness)) + kValidationWeightOffset;
            execdata.validation_weight_left_init = true;
            Stack stack(witness.begin(), witness.begin() + (n - 2));
            return execute_witness_script(std::move(stack), script, flags, SigVersion::TAPSCRIPT, checker, execdata,
                                          error);
        }
        if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION)
            return fail(error, ScriptError::DISCOURAGE_UPGRADABLE_TAPROOT_VERSION);
        return succeed(error);
    }
    if (!is_p2sh && is_pay_to_anchor(version, program)) return succeed(error);
    // Other versions and lengths are anyone-can-spend until a soft fork gives them meaning.
    if (flags & SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM)
        return fail(error, ScriptError::DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM);
    return succeed(error);
}

}  // namespace

bool verify_script(const Script& script_sig, const Script& script_pubkey, const Witness* witness, ScriptFlags flags,
                   const SignatureChecker& checker, ScriptError* error) {
    static const Witness kEmptyWitness;
    if (!witness) witness = &kEmptyWitness;
    bool had_witness = false;
    if (error) *error = ScriptError::UNKNOWN_ERROR;

    if ((flags & SCRIPT_VERIFY_SIGPUSHONLY) && !script_sig.is_push_only())
        return fail(error, ScriptError::SIG_PUSHONLY);

    // scriptSig and scriptPubKey run one after the other on one stack, never concatenated.
    Stack stack, p2sh_stack;
    if (!eval_script(stack, script_sig, flags, checker, SigVersion::BASE, error)) return false;
    if (flags & SCRIPT_VERIFY_P2SH) p2sh_stack = stack;
    if (!eval_script(stack, script_pubkey, flags, checker, SigVersion::BASE, error)) return false;
    if (stack.empty() || !cast_to_bool(stack.back())) return fail(error, ScriptError::EVAL_FALSE);

    int version = 0;
    Bytes program;
    if ((flags & SCRIPT_VERIFY_WITNESS) && script_pubkey.is_witness_program(version, program)) {
        had_witness = true;
        // Any scriptSig would make the transaction malleable.
        if (!script_sig.empty()) return fail(error, ScriptError::WITNESS_MALLEATED);
        if (!verify_witness_program(*witness, version, program, flags, checker, error, false)) return false;
        stack.resize(1);  // the stack left by the program is not subject to CLEANSTACK
    }

    if ((flags & SCRIPT_VERIFY_P2SH) && script_pubkey.is_p2sh()) {
        if (!script_sig.is_push_only()) return fail(error, ScriptError::SIG_PUSHONLY);
        std::swap(stack, p2sh_stack);
        // Not empty: HASH160 <h> EQUAL succeeded on this stack above.
        const Script redeem(stack.back());
        stack.pop_back();
        if (!eval_script(stack, redeem, flags, checker, SigVersion::BASE, error)) return false;
        if (stack.empty() || !cast_to_bool(stack.back())) return fail(error, ScriptError::EVAL_FALSE);

        if ((flags & SCRIPT_VERIFY_WITNESS) && redeem.is_witness_program(version, program)) {
            had_witness = true;
            // The scriptSig must be exactly one push of the redeem script.
            if (script_sig != push_only_script(redeem.view())) return fail(error, ScriptError::WITNESS_MALLEATED_P2SH);
            if (!verify_witness_program(*witness, version, program, flags, checker, error, true)) return false;
            stack.resize(1);
        }
    }

    // CLEANSTACK is only meaningful after P2SH and witness evaluation (callers pair it
    // with P2SH and WITNESS, otherwise enabling P2SH later would not be a soft fork).
    if ((flags & SCRIPT_VERIFY_CLEANSTACK) && stack.size() != 1) return fail(error, ScriptError::CLEANSTACK);

    if ((flags & SCRIPT_VERIFY_WITNESS) && !had_witness && !witness->empty())
        return fail(error, ScriptError::WITNESS_UNEXPECTED);
    return succeed(error);
}

namespace {
size_t witness_program_sigops(int version, const Bytes& program, const Witness& witness) {
    if (version != 0) return 0;
    if (program.size() == kWitnessV0KeyHashSize) return 1;
    if (program.size() == kWitnessV0ScriptHashSize && !witness.empty()) return Script(witness.back()).sigop_count(true);
    return 0;
}
}  // namespace

size_t witness_sigop_count(const Script& script_sig, const Script& script_pubkey, const Witness* witness,
                           ScriptFlags flags) {
    static const Witness kEmptyWitness;
    if (!(flags & SCRIPT_VERIFY_WITNESS)) return 0;
    const Witness& wit = witness ? *witness : kEmptyWitness;
    int version = 0;
    Bytes program;
    if (script_pubkey.is_witness_program(version, program)) return witness_program_sigops(version, program, wit);
    if (script_pubkey.is_p2sh() && script_sig.is_push_only()) {
        // The redeem script is the last push of the scriptSig.
        size_t pc = 0;
        Opcode op;
        ByteView last;
        while (pc < script_sig.size() && script_sig.get_op(pc, op, &last)) {}
        if (Script(last).is_witness_program(version, program)) return witness_program_sigops(version, program, wit);
    }
    return 0;
}

}  // namespace minicash
