// Script: opcodes, the script byte string with op-by-op parsing, and script numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace minicash {

// Consensus limits of the script language.
inline constexpr size_t kMaxScriptElementSize = 520;  // bytes in one stack element
inline constexpr int kMaxOpsPerScript = 201;          // non-push opcodes (legacy, v0)
inline constexpr int kMaxPubkeysPerMultisig = 20;
inline constexpr int kMaxPubkeysPerMultiA = 999;  // OP_CHECKSIGADD soft bound (policy-free)
inline constexpr size_t kMaxScriptSize = 10000;
inline constexpr size_t kMaxStackSize = 1000;              // stack + altstack elements
inline constexpr uint32_t kLocktimeThreshold = 500000000;  // below: height, above: time

enum Opcode : uint8_t {
    OP_0 = 0x00,
    OP_FALSE = OP_0,
    OP_PUSHDATA1 = 0x4c,
    OP_PUSHDATA2 = 0x4d,
    OP_PUSHDATA4 = 0x4e,
    OP_1NEGATE = 0x4f,
    OP_RESERVED = 0x50,
    OP_1 = 0x51,
    OP_TRUE = OP_1,
    OP_2,
    OP_3,
    OP_4,
    OP_5,
    OP_6,
    OP_7,
    OP_8,
    OP_9,
    OP_10,
    OP_11,
    OP_12,
    OP_13,
    OP_14,
    OP_15,
    OP_16,
    OP_NOP = 0x61,
    OP_VER,
    OP_IF,
    OP_NOTIF,
    OP_VERIF,
    OP_VERNOTIF,
    OP_ELSE,
    OP_ENDIF,
    OP_VERIFY,
    OP_RETURN,
    OP_TOALTSTACK = 0x6b,
    OP_FROMALTSTACK,
    OP_2DROP,
    OP_2DUP,
    OP_3DUP,
    OP_2OVER,
    OP_2ROT,
    OP_2SWAP,
    OP_IFDUP,
    OP_DEPTH,
    OP_DROP,
    OP_DUP,
    OP_NIP,
    OP_OVER,
    OP_PICK,
    OP_ROLL,
    OP_ROT,
    OP_SWAP,
    OP_TUCK,
    OP_CAT = 0x7e,
    OP_SUBSTR,
    OP_LEFT,
    OP_RIGHT,
    OP_SIZE,
    OP_INVERT = 0x83,
    OP_AND,
    OP_OR,
    OP_XOR,
    OP_EQUAL,
    OP_EQUALVERIFY,
    OP_RESERVED1,
    OP_RESERVED2,
    OP_1ADD = 0x8b,
    OP_1SUB,
    OP_2MUL,
    OP_2DIV,
    OP_NEGATE,
    OP_ABS,
    OP_NOT,
    OP_0NOTEQUAL,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_LSHIFT,
    OP_RSHIFT,
    OP_BOOLAND,
    OP_BOOLOR,
    OP_NUMEQUAL,
    OP_NUMEQUALVERIFY,
    OP_NUMNOTEQUAL,
    OP_LESSTHAN,
    OP_GREATERTHAN,
    OP_LESSTHANOREQUAL,
    OP_GREATERTHANOREQUAL,
    OP_MIN,
    OP_MAX,
    OP_WITHIN,
    OP_RIPEMD160 = 0xa6,
    OP_SHA1,
    OP_SHA256,
    OP_HASH160,
    OP_HASH256,
    OP_CODESEPARATOR,
    OP_CHECKSIG,
    OP_CHECKSIGVERIFY,
    OP_CHECKMULTISIG,
    OP_CHECKMULTISIGVERIFY,
    OP_NOP1 = 0xb0,
    OP_CHECKLOCKTIMEVERIFY,
    OP_CHECKSEQUENCEVERIFY,
    OP_NOP4,
    OP_NOP5,
    OP_NOP6,
    OP_NOP7,
    OP_NOP8,
    OP_NOP9,
    OP_NOP10,
    OP_CHECKSIGADD = 0xba,
    OP_INVALIDOPCODE = 0xff,
};
inline constexpr Opcode OP_NOP2 = OP_CHECKLOCKTIMEVERIFY;
inline constexpr Opcode OP_NOP3 = OP_CHECKSEQUENCEVERIFY;

// Name without the OP_ prefix as Bitcoin Core's script assembler writes it
// ("CHECKSIG", "0", "1NEGATE", "NOP2" is spelled "CHECKLOCKTIMEVERIFY"); "OP_UNKNOWN" otherwise.
std::string opcode_name(Opcode op);
// Parses an opcode name with or without "OP_" (e.g. "DUP", "OP_NOP2").
[[nodiscard]] std::optional<Opcode> opcode_from_name(const std::string& name);

// BIP342: opcodes that make a tapscript succeed unconditionally.
bool is_op_success(uint8_t op);

// Raw script bytes with helpers to parse them op by op. A Script may be malformed
// (a push running past the end); get_op() reports that instead of reading past it.
class Script {
public:
    Script() = default;
    explicit Script(Bytes b) : bytes_(std::move(b)) {}
    Script(ByteView b) : bytes_(b.begin(), b.end()) {}  // NOLINT: implicit view conversion is handy
    Script(const uint8_t* b, const uint8_t* e) : bytes_(b, e) {}

    const Bytes& bytes() const { return bytes_; }
    Bytes& bytes() { return bytes_; }
    ByteView view() const { return bytes_; }
    size_t size() const { return bytes_.size(); }
    bool empty() const { return bytes_.empty(); }
    const uint8_t* data() const { return bytes_.data(); }
    uint8_t operator[](size_t i) const { return bytes_[i]; }

    // Reads the op at `pc` (an offset). On success advances pc and, for pushes, sets
    // `push` to the pushed bytes. Fails on a truncated push or pc at the end.
    [[nodiscard]] bool get_op(size_t& pc, Opcode& op, ByteView* push = nullptr) const;

    // Builders (minimal encodings, as Core's CScript << operators).
    Script& push_op(Opcode op) {
        bytes_.push_back(op);
        return *this;
    }
    Script& push_data(ByteView data);  // smallest PUSHDATA form; never OP_n
    Script& push_int(int64_t n);       // OP_0/OP_1NEGATE/OP_1..16 or a script number push

    bool is_p2sh() const;       // OP_HASH160 <20> OP_EQUAL
    bool is_push_only() const;  // only opcodes <= OP_16 (OP_RESERVED counts as push)
    // Witness program: a version opcode (OP_0, OP_1..OP_16) followed by one push of
    // 2..40 bytes, 4..42 bytes in total.
    bool is_witness_program(int& version, Bytes& program) const;
    // Starts with OP_RETURN or is longer than kMaxScriptSize: can never be spent.
    bool is_unspendable() const { return (!empty() && bytes_[0] == OP_RETURN) || size() > kMaxScriptSize; }

    // Legacy sigop counting. `accurate` counts CHECKMULTISIG by its preceding OP_n.
    unsigned sigop_count(bool accurate) const;
    // Sigops of a P2SH redeem script given the spending scriptSig.
    unsigned p2sh_sigop_count(const Script& script_sig) const;

    friend bool operator==(const Script&, const Script&) = default;
    friend auto operator<=>(const Script&, const Script&) = default;

private:
    Bytes bytes_;
};

// Removes every occurrence of the exact push-encoded `sig` at op boundaries (legacy
// FindAndDelete). Returns how many were removed.
int find_and_delete(Script& script, const Script& pattern);

// Number on the script stack: little-endian sign-magnitude, at most `max_size` bytes
// when read. Arithmetic operands are 4 bytes; results may be up to 5.
class ScriptNum {
public:
    struct Error : std::runtime_error {
        using std::runtime_error::runtime_error;
    };

    explicit ScriptNum(int64_t v) : value_(v) {}
    // Throws ScriptNum::Error when too long or, with `require_minimal`, not minimally encoded.
    ScriptNum(ByteView bytes, bool require_minimal, size_t max_size = 4);

    int64_t value() const { return value_; }
    int getint() const;  // clamped to int range
    Bytes serialize() const { return encode(value_); }
    static Bytes encode(int64_t v);
    static bool is_minimally_encoded(ByteView bytes, size_t max_size = 4);

private:
    int64_t value_;
};

}  // namespace minicash
