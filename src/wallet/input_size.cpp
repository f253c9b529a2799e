#include "wallet/input_size.h"

#include <algorithm>
#include <vector>

#include "common/script_solver.h"
#include "consensus/interpreter.h"
#include "consensus/serialize.h"

namespace minicash::wallet {

namespace {

constexpr size_t kOutpointAndSequence = 36 + 4;
constexpr size_t kSchnorrSig = 64;  // SIGHASH_DEFAULT: no hash type byte

// Bytes of a scriptSig push of `n` bytes (minimal push opcodes).
size_t push_size(size_t n) {
    if (n <= 75) return 1 + n;
    if (n <= 255) return 2 + n;
    return 3 + n;
}

// A satisfaction: the stack items (their lengths), bottom first.
using Stack = std::vector<size_t>;

size_t script_sig_size(const Stack& items) {
    size_t s = 0;
    for (size_t n : items) s += n == 0 ? 1 : push_size(n);  // an empty item is OP_0
    return s;
}

size_t witness_size(const Stack& items) {
    size_t s = compact_size_length(items.size());
    for (size_t n : items) s += compact_size_length(n) + n;
    return s;
}

InputSize make_size(size_t script_sig, const Stack* witness) {
    InputSize out;
    out.weight = 4 * (kOutpointAndSequence + compact_size_length(script_sig) + script_sig);
    if (witness) {
        out.weight += witness_size(*witness);
        out.witness = true;
    }
    return out;
}

// The witness of a Miniscript script: its largest satisfaction, then `tail` (the script,
// and under taproot the control block). nullopt when `script` is not Miniscript.
std::optional<size_t> miniscript_witness_size(const ExpandedScript& e, const Script& script, bool tapscript, size_t sig,
                                              const Stack& tail) {
    for (const MiniscriptScript& m : e.miniscripts) {
        if (m.script != script) continue;
        const auto ctx = tapscript ? miniscript::Context::TAPSCRIPT : miniscript::Context::P2WSH;
        const auto sat = miniscript::max_satisfaction(*m.node, ctx, tapscript ? kSchnorrSig : sig, tapscript ? 32 : 33);
        if (!sat) return std::nullopt;
        size_t size = compact_size_length(sat->elems + tail.size()) + sat->bytes;
        for (size_t n : tail) size += compact_size_length(n) + n;
        return size;
    }
    return std::nullopt;
}

InputSize make_size_witness_bytes(size_t script_sig, size_t witness_bytes) {
    InputSize out = make_size(script_sig, nullptr);
    out.weight += witness_bytes;
    out.witness = true;
    return out;
}

// The stack that satisfies a pk, pkh or multisig script (legacy or witness v0), without
// the script itself. `pubkey_size`: the key a pkh script hashes (33 or 65).
std::optional<Stack> ecdsa_stack(const Script& script, size_t sig, size_t pubkey_size) {
    std::vector<Bytes> sol;
    switch (solve(script, &sol)) {
    case TxoutType::PUBKEY: return Stack{sig};
    case TxoutType::PUBKEYHASH: return Stack{sig, pubkey_size};
    case TxoutType::MULTISIG: {
        const size_t m = sol.front().empty() ? 0 : sol.front()[0];
        Stack s{0};  // CHECKMULTISIG's extra (dummy) element
        s.insert(s.end(), m, sig);
        return s;
    }
    default: return std::nullopt;
    }
}

// The size of a P2WSH input (nested in P2SH when `redeem_push` > 0) with witness script `ws`.
std::optional<InputSize> p2wsh_size(const ExpandedScript& e, const Script& ws, size_t redeem_push, size_t sig,
                                    size_t pubkey) {
    if (auto w = ecdsa_stack(ws, sig, pubkey)) {
        w->push_back(ws.size());
        return make_size(redeem_push, &*w);
    }
    if (auto bytes = miniscript_witness_size(e, ws, false, sig, Stack{ws.size()})) {
        return make_size_witness_bytes(redeem_push, *bytes);
    }
    return std::nullopt;
}

struct TapscriptStack {
    Stack stack;
    size_t required = 0;            // signatures needed
    std::vector<XOnlyPubkey> keys;  // the keys that may provide them
};

// The stack of a tapscript leaf: `<key> CHECKSIG` or `<key> CHECKSIG (<key> CHECKSIGADD)*
// <m> NUMEQUAL` (multi_a). One item per key, in reverse key order: m signatures and
// n - m empty items.
std::optional<TapscriptStack> tapscript_stack(const Script& leaf) {
    size_t pc = 0;
    std::vector<XOnlyPubkey> keys;
    Opcode op;
    ByteView push;
    while (pc < leaf.size()) {
        if (!leaf.get_op(pc, op, &push) || push.size() != 32) break;
        XOnlyPubkey x;
        std::copy(push.begin(), push.end(), x.begin());
        if (!leaf.get_op(pc, op)) return std::nullopt;
        if (op != (keys.empty() ? OP_CHECKSIG : OP_CHECKSIGADD)) return std::nullopt;
        keys.push_back(x);
        if (pc == leaf.size()) {
            if (keys.size() != 1) return std::nullopt;
            return TapscriptStack{Stack{kSchnorrSig}, 1, keys};
        }
        // Look ahead: another key, or the threshold.
        size_t peek = pc;
        ByteView next;
        if (!leaf.get_op(peek, op, &next)) return std::nullopt;
        if (next.size() == 32) continue;
        // <m> NUMEQUAL ends the script.
        int64_t m = 0;
        if (op >= OP_1 && op <= OP_16) {
            m = int64_t(op) - int64_t(OP_1) + 1;
        } else if (op <= OP_PUSHDATA4 && !next.empty() && next.size() <= 4) {
            try {
                m = ScriptNum(next, true).getint();
            } catch (const ScriptNum::Error&) { return std::nullopt; }
        } else {
            return std::nullopt;
        }
        Opcode last;
        if (!leaf.get_op(peek, last) || last != OP_NUMEQUAL || peek != leaf.size()) return std::nullopt;
        if (m < 1 || size_t(m) > keys.size()) return std::nullopt;
        Stack s(keys.size(), 0);
        std::fill(s.begin(), s.begin() + m, kSchnorrSig);
        return TapscriptStack{std::move(s), size_t(m), std::move(keys)};
    }
    return std::nullopt;
}

// The x-only keys the descriptor derived for tapscript leaf `script`.
std::vector<XOnlyPubkey> leaf_keys(const ExpandedScript& e, const Script& script) {
    const uint256 h = tapleaf_hash(kTaprootLeafTapscript, script);
    std::vector<XOnlyPubkey> out;
    for (const DerivedPubkey& p : e.pubkeys) {
        if (p.pubkey.size() != 32 || std::find(p.leaf_hashes.begin(), p.leaf_hashes.end(), h) == p.leaf_hashes.end()) {
            continue;
        }
        XOnlyPubkey x;
        std::copy(p.pubkey.begin(), p.pubkey.end(), x.begin());
        out.push_back(x);
    }
    return out;
}

size_t pkh_pubkey_size(const ExpandedScript& e) {
    for (const DerivedPubkey& p : e.pubkeys)
        if (p.pubkey.size() == 65) return 65;
    return 33;
}

}  // namespace

std::optional<InputSize> satisfied_input_size(const ExpandedScript& e, const SatisfactionOptions& options) {
    const size_t sig = options.low_r ? 71 : 72;
    const size_t pubkey = pkh_pubkey_size(e);
    const Script& spk = e.script_pubkey;
    int version = 0;
    Bytes program;

    // Taproot: key path, or the largest leaf (its stack, the script and the control block).
    if (e.taproot && spk.is_witness_program(version, program) && version == 1) {
        if (options.taproot_key_path || e.taproot->leaves.empty()) {
            const Stack w{kSchnorrSig};
            return make_size(0, &w);
        }
        std::optional<InputSize> largest, smallest_held;
        for (const TaprootSpendData::Leaf& leaf : e.taproot->leaves) {
            if (leaf.leaf_version != kTaprootLeafTapscript) continue;
            auto t = tapscript_stack(leaf.script);
            InputSize s;
            if (t) {
                t->stack.push_back(leaf.script.size());
                t->stack.push_back(leaf.control_block.size());
                s = make_size(0, &t->stack);
            } else {
                // A Miniscript leaf: held when the wallet has any of its keys.
                const Stack tail{leaf.script.size(), leaf.control_block.size()};
                auto bytes = miniscript_witness_size(e, leaf.script, true, sig, tail);
                if (!bytes) continue;
                s = make_size_witness_bytes(0, *bytes);
                t = TapscriptStack{{}, 1, leaf_keys(e, leaf.script)};
            }
            if (!largest || s.weight > largest->weight) largest = s;
            size_t held = 0;
            for (const XOnlyPubkey& k : t->keys)
                held += std::count(options.held_keys.begin(), options.held_keys.end(), k) ? 1 : 0;
            if (held >= t->required && (!smallest_held || s.weight < smallest_held->weight)) smallest_held = s;
        }
        return smallest_held ? smallest_held : largest;
    }

    // The script that is satisfied, and how it is wrapped.
    if (spk.is_witness_program(version, program)) {
        if (version != 0) return std::nullopt;
        if (program.size() == 20) {
            const Stack w{sig, 33};
            return make_size(0, &w);
        }
        if (!e.witness_script) return std::nullopt;
        return p2wsh_size(e, *e.witness_script, 0, sig, pubkey);
    }
    if (spk.is_p2sh()) {
        if (!e.redeem_script) return std::nullopt;
        const Script& redeem = *e.redeem_script;
        const size_t redeem_push = push_size(redeem.size());
        if (redeem.is_witness_program(version, program)) {
            if (version != 0) return std::nullopt;
            if (program.size() == 20) {
                const Stack w{sig, 33};
                return make_size(redeem_push, &w);
            }
            if (!e.witness_script) return std::nullopt;
            return p2wsh_size(e, *e.witness_script, redeem_push, sig, pubkey);
        }
        auto s = ecdsa_stack(redeem, sig, pubkey);
        if (!s) return std::nullopt;
        return make_size(script_sig_size(*s) + redeem_push, nullptr);
    }
    auto s = ecdsa_stack(spk, sig, pubkey);
    if (!s) return std::nullopt;
    return make_size(script_sig_size(*s), nullptr);
}

bool taproot_key_path_expected(const Descriptor& desc, uint32_t index, const ExpandedScript& e) {
    if (!e.taproot || e.taproot->leaves.empty()) return true;
    for (const auto& [pub, key] : desc.private_keys(index))
        if (pub.size() == 33 && std::equal(pub.begin() + 1, pub.end(), e.taproot->internal_key.begin())) return true;
    return false;
}

std::optional<InputSize> descriptor_input_size(const Descriptor& desc, uint32_t index, const Script& script_pubkey,
                                               bool low_r) {
    auto expanded = desc.expand(index);
    if (!expanded) return std::nullopt;
    for (const ExpandedScript& e : *expanded) {
        if (e.script_pubkey != script_pubkey) continue;
        SatisfactionOptions o;
        o.low_r = low_r;
        o.taproot_key_path = taproot_key_path_expected(desc, index, e);
        for (const auto& [pub, key] : desc.private_keys(index)) {
            if (pub.size() != 33) continue;
            XOnlyPubkey x;
            std::copy(pub.begin() + 1, pub.end(), x.begin());
            o.held_keys.push_back(x);
        }
        return satisfied_input_size(e, o);
    }
    return std::nullopt;
}

}  // namespace minicash::wallet
