#include "consensus/script.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>

namespace minicash {
namespace {

constexpr auto kOpNames = std::to_array<std::pair<uint8_t, const char*>>({
    {OP_0, "0"},
    {OP_PUSHDATA1, "OP_PUSHDATA1"},
    {OP_PUSHDATA2, "OP_PUSHDATA2"},
    {OP_PUSHDATA4, "OP_PUSHDATA4"},
    {OP_1NEGATE, "-1"},
    {OP_RESERVED, "OP_RESERVED"},
    {OP_1, "1"},
    {OP_2, "2"},
    {OP_3, "3"},
    {OP_4, "4"},
    {OP_5, "5"},
    {OP_6, "6"},
    {OP_7, "7"},
    {OP_8, "8"},
    {OP_9, "9"},
    {OP_10, "10"},
    {OP_11, "11"},
    {OP_12, "12"},
    {OP_13, "13"},
    {OP_14, "14"},
    {OP_15, "15"},
    {OP_16, "16"},
    {OP_NOP, "OP_NOP"},
    {OP_VER, "OP_VER"},
    {OP_IF, "OP_IF"},
    {OP_NOTIF, "OP_NOTIF"},
    {OP_VERIF, "OP_VERIF"},
    {OP_VERNOTIF, "OP_VERNOTIF"},
    {OP_ELSE, "OP_ELSE"},
    {OP_ENDIF, "OP_ENDIF"},
    {OP_VERIFY, "OP_VERIFY"},
    {OP_RETURN, "OP_RETURN"},
    {OP_TOALTSTACK, "OP_TOALTSTACK"},
    {OP_FROMALTSTACK, "OP_FROMALTSTACK"},
    {OP_2DROP, "OP_2DROP"},
    {OP_2DUP, "OP_2DUP"},
    {OP_3DUP, "OP_3DUP"},
    {OP_2OVER, "OP_2OVER"},
    {OP_2ROT, "OP_2ROT"},
    {OP_2SWAP, "OP_2SWAP"},
    {OP_IFDUP, "OP_IFDUP"},
    {OP_DEPTH, "OP_DEPTH"},
    {OP_DROP, "OP_DROP"},
    {OP_DUP, "OP_DUP"},
    {OP_NIP, "OP_NIP"},
    {OP_OVER, "OP_OVER"},
    {OP_PICK, "OP_PICK"},
    {OP_ROLL, "OP_ROLL"},
    {OP_ROT, "OP_ROT"},
    {OP_SWAP, "OP_SWAP"},
    {OP_TUCK, "OP_TUCK"},
    {OP_CAT, "OP_CAT"},
    {OP_SUBSTR, "OP_SUBSTR"},
    {OP_LEFT, "OP_LEFT"},
    {OP_RIGHT, "OP_RIGHT"},
    {OP_SIZE, "OP_SIZE"},
    {OP_INVERT, "OP_INVERT"},
    {OP_AND, "OP_AND"},
    {OP_OR, "OP_OR"},
    {OP_XOR, "OP_XOR"},
    {OP_EQUAL, "OP_EQUAL"},
    {OP_EQUALVERIFY, "OP_EQUALVERIFY"},
    {OP_RESERVED1, "OP_RESERVED1"},
    {OP_RESERVED2, "OP_RESERVED2"},
    {OP_1ADD, "OP_1ADD"},
    {OP_1SUB, "OP_1SUB"},
    {OP_2MUL, "OP_2MUL"},
    {OP_2DIV, "OP_2DIV"},
    {OP_NEGATE, "OP_NEGATE"},
    {OP_ABS, "OP_ABS"},
    {OP_NOT, "OP_NOT"},
    {OP_0NOTEQUAL, "OP_0NOTEQUAL"},
    {OP_ADD, "OP_ADD"},
    {OP_SUB, "OP_SUB"},
    {OP_MUL, "OP_MUL"},
    {OP_DIV, "OP_DIV"},
    {OP_MOD, "OP_MOD"},
    {OP_LSHIFT, "OP_LSHIFT"},
    {OP_RSHIFT, "OP_RSHIFT"},
    {OP_BOOLAND, "OP_BOOLAND"},
    {OP_BOOLOR, "OP_BOOLOR"},
    {OP_NUMEQUAL, "OP_NUMEQUAL"},
    {OP_NUMEQUALVERIFY, "OP_NUMEQUALVERIFY"},
    {OP_NUMNOTEQUAL, "OP_NUMNOTEQUAL"},
    {OP_LESSTHAN, "OP_LESSTHAN"},
    {OP_GREATERTHAN, "OP_GREATERTHAN"},
    {OP_LESSTHANOREQUAL, "OP_LESSTHANOREQUAL"},
    {OP_GREATERTHANOREQUAL, "OP_GREATERTHANOREQUAL"},
    {OP_MIN, "OP_MIN"},
    {OP_MAX, "OP_MAX"},
    {OP_WITHIN, "OP_WITHIN"},
    {OP_RIPEMD160, "OP_RIPEMD160"},
    {OP_SHA1, "OP_SHA1"},
    {OP_SHA256, "OP_SHA256"},
    {OP_HASH160, "OP_HASH160"},
    {OP_HASH256, "OP_HASH256"},
    {OP_CODESEPARATOR, "OP_CODESEPARATOR"},
    {OP_CHECKSIG, "OP_CHECKSIG"},
    {OP_CHECKSIGVERIFY, "OP_CHECKSIGVERIFY"},
    {OP_CHECKMULTISIG, "OP_CHECKMULTISIG"},
    {OP_CHECKMULTISIGVERIFY, "OP_CHECKMULTISIGVERIFY"},
});
// Opcodes from 0xb0 on, in order (NOP2/NOP3 carry their BIP65/BIP112 names).
constexpr std::array<const char*, 11> kHighOpNames{"OP_NOP1",
                                                   "OP_CHECKLOCKTIMEVERIFY",
                                                   "OP_CHECKSEQUENCEVERIFY",
                                                   "OP_NOP4",
                                                   "OP_NOP5",
                                                   "OP_NOP6",
                                                   "OP_NOP7",
                                                   "OP_NOP8",
                                                   "OP_NOP9",
                                                   "OP_NOP10",
                                                   "OP_CHECKSIGADD"};

}  // namespace

std::string opcode_name(Opcode op) {
    if (op >= OP_NOP1 && op <= OP_CHECKSIGADD) return kHighOpNames[op - OP_NOP1];
    for (const auto& [code, name] : kOpNames)
        if (code == op) return name;
    return "OP_UNKNOWN";
}

std::optional<Opcode> opcode_from_name(const std::string& name) {
    static const std::map<std::string, Opcode> table = [] {
        std::map<std::string, Opcode> t;
        for (unsigned op = 0; op <= OP_CHECKSIGADD; ++op) {
            std::string n = opcode_name(Opcode(op));
            if (n == "OP_UNKNOWN" || n.rfind("OP_", 0) != 0) continue;
            t[n] = Opcode(op);
            t[n.substr(3)] = Opcode(op);
        }
        t["OP_NOP2"] = t["NOP2"] = OP_NOP2;
        t["OP_NOP3"] = t["NOP3"] = OP_NOP3;
        return t;
    }();
    auto it = table.find(name);
    if (it == table.end()) return std::nullopt;
    return it->second;
}

bool is_op_success(uint8_t op) {
    return op == 80 || op == 98 || (op >= 126 && op <= 129) || (op >= 131 && op <= 134) || (op >= 137 && op <= 138) ||
           (op >= 141 && op <= 142) || (op >= 149 && op <= 153) || (op >= 187 && op <= 254);
}

bool Script::get_op(size_t& pc, Opcode& op, ByteView* push) const {
    op = OP_INVALIDOPCODE;
    if (push) *push = {};
    if (pc >= bytes_.size()) return false;
    const uint8_t code = bytes_[pc++];
    if (code <= OP_PUSHDATA4) {
        size_t len;
        const size_t left = bytes_.size() - pc;
        if (code < OP_PUSHDATA1) {
            len = code;
        } else if (code == OP_PUSHDATA1) {
            if (left < 1) return false;
            len = bytes_[pc];
            pc += 1;
        } else if (code == OP_PUSHDATA2) {
            if (left < 2) return false;
            len = read_le16(&bytes_[pc]);
            pc += 2;
        } else {
            if (left < 4) return false;
            len = read_le32(&bytes_[pc]);
            pc += 4;
        }
        if (bytes_.size() - pc < len) return false;
        if (push) *push = ByteView(bytes_.data() + pc, len);
        pc += len;
    }
    op = Opcode(code);
    return true;
}

Script& Script::push_data(ByteView data) {
    const size_t n = data.size();
    if (n < OP_PUSHDATA1) {
        bytes_.push_back(uint8_t(n));
    } else if (n <= 0xff) {
        bytes_.push_back(OP_PUSHDATA1);
        bytes_.push_back(uint8_t(n));
    } else if (n <= 0xffff) {
        bytes_.push_back(OP_PUSHDATA2);
        uint8_t b[2];
        write_le16(b, uint16_t(n));
        bytes_.insert(bytes_.end(), b, b + 2);
    } else {
        bytes_.push_back(OP_PUSHDATA4);
        uint8_t b[4];
        write_le32(b, uint32_t(n));
        bytes_.insert(bytes_.end(), b, b + 4);
    }
    append(bytes_, data);
    return *this;
}

Script& Script::push_int(int64_t n) {
    if (n == -1 || (n >= 1 && n <= 16)) return push_op(Opcode(n + (OP_1 - 1)));
    if (n == 0) return push_op(OP_0);
    return push_data(ScriptNum::encode(n));
}

bool Script::is_p2sh() const {
    return bytes_.size() == 23 && bytes_[0] == OP_HASH160 && bytes_[1] == 0x14 && bytes_[22] == OP_EQUAL;
}

bool Script::is_push_only() const {
    size_t pc = 0;
    Opcode op;
    while (pc < bytes_.size()) {
        if (!get_op(pc, op)) return false;
        if (op > OP_16) return false;
    }
    return true;
}

bool Script::is_witness_program(int& version, Bytes& program) const {
    if (bytes_.size() < 4 || bytes_.size() > 42) return false;
    if (bytes_[0] != OP_0 && (bytes_[0] < OP_1 || bytes_[0] > OP_16)) return false;
    if (size_t(bytes_[1]) + 2 != bytes_.size()) return false;
    version = bytes_[0] == OP_0 ? 0 : bytes_[0] - (OP_1 - 1);
    program.assign(bytes_.begin() + 2, bytes_.end());
    return true;
}

unsigned Script::sigop_count(bool accurate) const {
    unsigned n = 0;
    size_t pc = 0;
    Opcode op, last = OP_INVALIDOPCODE;
    while (pc < bytes_.size()) {
        if (!get_op(pc, op)) break;
        if (op == OP_CHECKSIG || op == OP_CHECKSIGVERIFY) {
            n += 1;
        } else if (op == OP_CHECKMULTISIG || op == OP_CHECKMULTISIGVERIFY) {
            n += (accurate && last >= OP_1 && last <= OP_16) ? unsigned(last - (OP_1 - 1))
                                                             : unsigned(kMaxPubkeysPerMultisig);
        }
        last = op;
    }
    return n;
}

unsigned Script::p2sh_sigop_count(const Script& script_sig) const {
    if (!is_p2sh()) return sigop_count(true);
    // The redeem script is the last push of the scriptSig; a non-push op means none.
    size_t pc = 0;
    Opcode op;
    ByteView data;
    while (pc < script_sig.size()) {
        if (!script_sig.get_op(pc, op, &data)) return 0;
        if (op > OP_16) return 0;
    }
    return Script(data).sigop_count(true);
}

int find_and_delete(Script& script, const Script& pattern) {
    if (pattern.empty()) return 0;
    const Bytes& src = script.bytes();
    const Bytes& pat = pattern.bytes();
    Bytes result;
    int found = 0;
    size_t pc = 0, copied_to = 0;
    Opcode op;
    // At every op boundary drop as many back-to-back copies of the pattern as match,
    // then step over one op; a parse failure ends the scan and keeps the tail verbatim.
    while (true) {
        result.insert(result.end(), src.begin() + copied_to, src.begin() + pc);
        while (src.size() - pc >= pat.size() && std::equal(pat.begin(), pat.end(), src.begin() + pc)) {
            pc += pat.size();
            ++found;
        }
        copied_to = pc;
        if (!script.get_op(pc, op)) break;
    }
    if (found > 0) {
        result.insert(result.end(), src.begin() + copied_to, src.end());
        script = Script(std::move(result));
    }
    return found;
}

ScriptNum::ScriptNum(ByteView bytes, bool require_minimal, size_t max_size) {
    if (bytes.size() > max_size) throw Error("script number overflow");
    if (require_minimal && !is_minimally_encoded(bytes, max_size)) throw Error("non-minimally encoded script number");
    value_ = 0;
    if (bytes.empty()) return;
    uint64_t v = 0;
    for (size_t i = 0; i < bytes.size(); ++i) v |= uint64_t(bytes[i]) << (8 * i);
    if (bytes.back() & 0x80) {
        v &= ~(uint64_t(0x80) << (8 * (bytes.size() - 1)));
        value_ = -int64_t(v);
    } else {
        value_ = int64_t(v);
    }
}

bool ScriptNum::is_minimally_encoded(ByteView bytes, size_t max_size) {
    if (bytes.size() > max_size) return false;
    // The top byte may only be 0x00/0x80 when it is needed to hold the sign bit.
    if (!bytes.empty() && (bytes.back() & 0x7f) == 0) {
        if (bytes.size() == 1 || (bytes[bytes.size() - 2] & 0x80) == 0) return false;
    }
    return true;
}

int ScriptNum::getint() const {
    if (value_ > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
    if (value_ < std::numeric_limits<int>::min()) return std::numeric_limits<int>::min();
    return int(value_);
}

Bytes ScriptNum::encode(int64_t v) {
    Bytes out;
    if (v == 0) return out;
    const bool neg = v < 0;
    uint64_t abs = neg ? uint64_t(0) - uint64_t(v) : uint64_t(v);
    while (abs) {
        out.push_back(uint8_t(abs & 0xff));
        abs >>= 8;
    }
    if (out.back() & 0x80) {
        out.push_back(neg ? 0x80 : 0x00);
    } else if (neg) {
        out.back() |= 0x80;
    }
    return out;
}

}  // namespace minicash
