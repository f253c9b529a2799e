#include "common/script_solver.h"

#include <optional>

#include "consensus/interpreter.h"
#include "consensus/pubkey.h"

namespace minicash {
namespace {

constexpr size_t kMaxMultisigKeys = 20;  // MAX_PUBKEYS_PER_MULTISIG

// The shortest encoding of `data` would have used exactly `op` (CheckMinimalPush).
bool minimal_push(ByteView data, Opcode op) {
    if (data.empty()) return op == OP_0;
    if (data.size() == 1 && data[0] >= 1 && data[0] <= 16) return false;  // OP_1..OP_16 exist
    if (data.size() == 1 && data[0] == 0x81) return false;                // OP_1NEGATE exists
    if (data.size() <= 75) return op == data.size();
    if (data.size() <= 255) return op == OP_PUSHDATA1;
    if (data.size() <= 65535) return op == OP_PUSHDATA2;
    return true;
}

// A key count written as OP_1..OP_16 or as a minimal script number push, within [lo, hi]
// (Core's GetScriptNumber for multisig templates).
std::optional<int> template_number(Opcode op, ByteView data, int lo, int hi) {
    int n;
    if (op >= OP_1 && op <= OP_16) {
        n = int(op) - int(OP_1 - 1);
    } else if (op <= OP_PUSHDATA4) {
        if (!minimal_push(data, op)) return std::nullopt;
        try {
            n = ScriptNum(data, true).getint();
        } catch (const ScriptNum::Error&) { return std::nullopt; }
    } else {
        return std::nullopt;
    }
    if (n < lo || n > hi) return std::nullopt;
    return n;
}

// Pushes only from byte `from` on (OP_RESERVED counts as a push, as in Core).
bool push_only_from(const Script& s, size_t from) {
    size_t pc = from;
    Opcode op;
    while (pc < s.size()) {
        if (!s.get_op(pc, op)) return false;
        if (op > OP_16) return false;
    }
    return true;
}

// m <key>... n OP_CHECKMULTISIG with 1 <= m <= n <= 20 and n keys of valid sizes.
bool match_multisig(const Script& s, std::vector<Bytes>* solutions) {
    if (s.empty() || s[s.size() - 1] != OP_CHECKMULTISIG) return false;
    size_t pc = 0;
    Opcode op;
    ByteView data;
    if (!s.get_op(pc, op, &data)) return false;
    const auto m = template_number(op, data, 1, int(kMaxMultisigKeys));
    if (!m) return false;
    std::vector<Bytes> keys;
    bool parsed;
    while ((parsed = s.get_op(pc, op, &data)) && op <= OP_PUSHDATA4 && is_valid_pubkey_size(data))
        keys.emplace_back(data.begin(), data.end());
    if (!parsed) return false;
    const auto n = template_number(op, data, *m, int(kMaxMultisigKeys));
    if (!n || size_t(*n) != keys.size()) return false;
    if (pc + 1 != s.size()) return false;  // only OP_CHECKMULTISIG may follow
    if (solutions) {
        solutions->push_back(Bytes{uint8_t(*m)});
        for (Bytes& k : keys) solutions->push_back(std::move(k));
        solutions->push_back(Bytes{uint8_t(*n)});
    }
    return true;
}

}  // namespace

bool is_pay_to_anchor(const Script& s) {
    return s.size() == 4 && s[0] == OP_1 && s[1] == 0x02 && s[2] == 0x4e && s[3] == 0x73;
}

TxoutType solve(const Script& s, std::vector<Bytes>* solutions) {
    if (solutions) solutions->clear();
    auto keep = [&](ByteView data) {
        if (solutions) solutions->emplace_back(data.begin(), data.end());
    };
    const Bytes& b = s.bytes();
    if (s.is_p2sh()) {
        keep(ByteView(b).subspan(2, 20));
        return TxoutType::SCRIPTHASH;
    }
    int version = 0;
    Bytes program;
    if (s.is_witness_program(version, program)) {
        if (version == 0 && program.size() == 20) {
            keep(program);
            return TxoutType::WITNESS_V0_KEYHASH;
        }
        if (version == 0 && program.size() == 32) {
            keep(program);
            return TxoutType::WITNESS_V0_SCRIPTHASH;
        }
        if (version == 1 && program.size() == 32) {
            keep(program);
            return TxoutType::WITNESS_V1_TAPROOT;
        }
        if (is_pay_to_anchor(s)) return TxoutType::ANCHOR;
        if (version != 0) {
            keep(Bytes{uint8_t(version)});
            keep(program);
            return TxoutType::WITNESS_UNKNOWN;
        }
        return TxoutType::NONSTANDARD;
    }
    if (!b.empty() && b[0] == OP_RETURN && push_only_from(s, 1)) return TxoutType::NULL_DATA;
    // <pubkey> OP_CHECKSIG
    if ((b.size() == 35 || b.size() == 67) && b[0] == b.size() - 2 && b.back() == OP_CHECKSIG &&
        is_valid_pubkey_size(ByteView(b).subspan(1, b.size() - 2))) {
        keep(ByteView(b).subspan(1, b.size() - 2));
        return TxoutType::PUBKEY;
    }
    // OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG
    if (b.size() == 25 && b[0] == OP_DUP && b[1] == OP_HASH160 && b[2] == 20 && b[23] == OP_EQUALVERIFY &&
        b[24] == OP_CHECKSIG) {
        keep(ByteView(b).subspan(3, 20));
        return TxoutType::PUBKEYHASH;
    }
    if (match_multisig(s, solutions)) return TxoutType::MULTISIG;
    return TxoutType::NONSTANDARD;
}

TxoutType classify(const Script& s, int* required, int* keys) {
    if (!required && !keys) return solve(s);
    std::vector<Bytes> sol;
    const TxoutType t = solve(s, &sol);
    if (t == TxoutType::MULTISIG) {
        if (required) *required = sol.front()[0];
        if (keys) *keys = sol.back()[0];
    }
    return t;
}

const char* txout_type_name(TxoutType t) {
    switch (t) {
    case TxoutType::NONSTANDARD: return "nonstandard";
    case TxoutType::ANCHOR: return "anchor";
    case TxoutType::PUBKEY: return "pubkey";
    case TxoutType::PUBKEYHASH: return "pubkeyhash";
    case TxoutType::SCRIPTHASH: return "scripthash";
    case TxoutType::MULTISIG: return "multisig";
    case TxoutType::NULL_DATA: return "nulldata";
    case TxoutType::WITNESS_V0_SCRIPTHASH: return "witness_v0_scripthash";
    case TxoutType::WITNESS_V0_KEYHASH: return "witness_v0_keyhash";
    case TxoutType::WITNESS_V1_TAPROOT: return "witness_v1_taproot";
    case TxoutType::WITNESS_UNKNOWN: return "witness_unknown";
    }
    return "nonstandard";
}

}  // namespace minicash
