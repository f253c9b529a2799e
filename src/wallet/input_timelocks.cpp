#include "wallet/input_timelocks.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "common/miniscript_satisfier.h"
#include "wallet/input_size.h"

namespace minicash::wallet {

namespace {

// The satisfaction of `ms` with signatures by the keys in `held` (as the script uses
// them), and with every timelock met when `timelocks`; nullopt when there is none.
std::optional<miniscript::Satisfaction> try_satisfy(const MiniscriptScript& ms, miniscript::Context ctx,
                                                    const std::vector<Bytes>& held, bool timelocks) {
    const size_t sig_size = ctx == miniscript::Context::TAPSCRIPT ? 64 : 72;
    miniscript::SatisfierInputs in;
    in.signature = [&](size_t k) -> std::optional<Bytes> {
        if (k >= ms.keys.size()) return std::nullopt;
        if (!held.empty() && std::find(held.begin(), held.end(), ms.keys[k]) == held.end()) return std::nullopt;
        return Bytes(sig_size, 0x30);
    };
    in.key = [&](size_t k) { return k < ms.keys.size() ? ms.keys[k] : Bytes{}; };
    in.older = [timelocks](uint32_t) { return timelocks; };
    in.after = [timelocks](uint32_t) { return timelocks; };
    return miniscript::satisfy(*ms.node, ctx, in);
}

size_t stack_bytes(const miniscript::Satisfaction& s) {
    size_t n = 0;
    for (const Bytes& b : s.stack) n += b.size() + 1;
    return n;
}

// The keys the wallet holds, as scripts use them: 33 bytes, and x-only.
std::vector<Bytes> held_keys(const Descriptor& desc, uint32_t index) {
    std::vector<Bytes> out;
    for (const auto& [pub, key] : desc.private_keys(index)) {
        out.push_back(pub);
        if (pub.size() == 33) out.emplace_back(pub.begin() + 1, pub.end());
    }
    return out;
}

bool is_miniscript(const ExpandedScript& e, const Script& script) {
    return std::any_of(e.miniscripts.begin(), e.miniscripts.end(),
                       [&](const MiniscriptScript& m) { return m.script == script; });
}

// Whether `script` pushes one of `keys` (all of them when `keys` is empty).
bool uses_key(const Script& script, const std::vector<Bytes>& keys) {
    if (keys.empty()) return true;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    while (pc < script.size() && script.get_op(pc, op, &push)) {
        if (std::any_of(keys.begin(), keys.end(),
                        [&](const Bytes& k) { return std::equal(k.begin(), k.end(), push.begin(), push.end()); }))
            return true;
    }
    return false;
}

}  // namespace

InputTimelocks descriptor_input_timelocks(const Descriptor& desc, uint32_t index, const Script& script_pubkey) {
    auto expanded = desc.expand(index);
    if (!expanded) return {};
    for (const ExpandedScript& e : *expanded) {
        if (e.script_pubkey != script_pubkey || e.miniscripts.empty()) continue;
        const bool tapscript = e.taproot.has_value();
        if (tapscript && taproot_key_path_expected(desc, index, e)) return {};
        const auto ctx = tapscript ? miniscript::Context::TAPSCRIPT : miniscript::Context::P2WSH;
        const std::vector<Bytes> held = held_keys(desc, index);
        // A script the wallet can spend without a timelock wins; among the rest, the
        // smallest satisfaction.
        std::optional<miniscript::Satisfaction> best;
        for (const MiniscriptScript& ms : e.miniscripts) {
            if (try_satisfy(ms, ctx, held, false)) return {};
            auto s = try_satisfy(ms, ctx, held, true);
            if (s && (!best || stack_bytes(*s) < stack_bytes(*best))) best = std::move(s);
        }
        // A leaf that is not Miniscript (pk, multi_a) with a key of the wallet needs none.
        if (tapscript) {
            for (const TaprootSpendData::Leaf& leaf : e.taproot->leaves)
                if (!is_miniscript(e, leaf.script) && uses_key(leaf.script, held)) return {};
        }
        if (!best) return {};
        return InputTimelocks{best->older, best->after};
    }
    return {};
}

}  // namespace minicash::wallet
