#include "common/miniscript_from_script.h"

#include <string>

#include "util/hex.h"

namespace minicash::miniscript {

namespace {

struct Token {
    Opcode op;
    Bytes push;
    bool is_push = false;
};

// The script's opcodes, with each VERIFY form split into its base opcode and OP_VERIFY
// (the v: wrapper merges them). nullopt for an unparsable script.
std::optional<std::vector<Token>> tokenize(const Script& script) {
    std::vector<Token> out;
    size_t pc = 0;
    Opcode op;
    ByteView push;
    while (pc < script.size()) {
        if (!script.get_op(pc, op, &push)) return std::nullopt;
        const bool is_push = op <= OP_PUSHDATA4;
        Opcode base = op;
        switch (op) {
        case OP_CHECKSIGVERIFY: base = OP_CHECKSIG; break;
        case OP_CHECKMULTISIGVERIFY: base = OP_CHECKMULTISIG; break;
        case OP_EQUALVERIFY: base = OP_EQUAL; break;
        case OP_NUMEQUALVERIFY: base = OP_NUMEQUAL; break;
        default: break;
        }
        out.push_back(Token{base, Bytes(push.begin(), push.end()), is_push});
        if (base != op) out.push_back(Token{OP_VERIFY, {}, false});
    }
    return out;
}

// A part of the expression: its text and the first token it covers.
struct Part {
    std::string text;
    size_t begin;
};
using Opt = std::optional<Part>;

// `letter` wrapped around `text` ("v" and "c:pk_k(k0)" -> "vc:pk_k(k0)").
std::string wrap(char letter, const std::string& text) {
    const size_t colon = text.find(':'), paren = text.find('(');
    const bool wrapped = colon != std::string::npos && colon < paren && text.find_first_not_of("asctdvjnlu") == colon;
    return std::string(1, letter) + (wrapped ? "" : ":") + text;
}

class Decoder {
public:
    Decoder(std::vector<Token> toks, Context ctx, const KeyForHash& key_for_hash)
        : t_(std::move(toks)), ctx_(ctx), key_for_hash_(key_for_hash) {}

    Opt top() {
        Opt r = chain(t_.size());
        if (!r || r->begin != 0) return std::nullopt;
        return r;
    }
    std::vector<Bytes>& keys() { return keys_; }

private:
    bool is(size_t i, Opcode op) const { return i < t_.size() && t_[i].op == op && !t_[i].is_push; }

    std::optional<int64_t> number(size_t i) const {
        if (i >= t_.size()) return std::nullopt;
        const Token& k = t_[i];
        if (k.op == OP_0) return 0;
        if (k.op >= OP_1 && k.op <= OP_16) return int64_t(k.op) - int64_t(OP_1) + 1;
        if (!k.is_push || k.push.empty() || k.push.size() > 5) return std::nullopt;
        try {
            return ScriptNum(k.push, true, 5).value();
        } catch (const ScriptNum::Error&) { return std::nullopt; }
    }

    std::optional<std::string> key(size_t i) {
        const size_t size = ctx_ == Context::TAPSCRIPT ? 32 : 33;
        if (i >= t_.size() || !t_[i].is_push || t_[i].push.size() != size) return std::nullopt;
        keys_.push_back(t_[i].push);
        return "k" + std::to_string(keys_.size() - 1);
    }

    // A K expression ending at `pos`: <key> (pk_k) or DUP HASH160 <h> EQUALVERIFY (pk_h).
    Opt k_expr(size_t pos) {
        if (pos >= 5 && is(pos - 1, OP_VERIFY) && is(pos - 2, OP_EQUAL) && t_[pos - 3].is_push &&
            t_[pos - 3].push.size() == 20 && is(pos - 4, OP_HASH160) && is(pos - 5, OP_DUP)) {
            if (!key_for_hash_) return std::nullopt;
            auto pk = key_for_hash_(t_[pos - 3].push);
            if (!pk) return std::nullopt;
            keys_.push_back(*pk);
            return Part{"pk_h(k" + std::to_string(keys_.size() - 1) + ")", pos - 5};
        }
        if (pos < 1) return std::nullopt;
        auto k = key(pos - 1);
        if (!k) return std::nullopt;
        return Part{"pk_k(" + *k + ")", pos - 1};
    }

    // A W expression: a:X or s:X.
    Opt w(size_t pos) {
        Opt s = single(pos);
        if (!s) return std::nullopt;
        if (is(pos - 1, OP_FROMALTSTACK)) return s;  // a:X
        if (s->begin > 0 && is(s->begin - 1, OP_SWAP)) return Part{wrap('s', s->text), s->begin - 1};
        return std::nullopt;
    }

    // Expressions one after the other (and_v, right-associated) until a delimiter.
    Opt chain(size_t pos) {
        Opt r = single(pos);
        while (r && r->begin > 0) {
            const size_t b = r->begin - 1;
            if (is(b, OP_IF) || is(b, OP_NOTIF) || is(b, OP_ELSE) || is(b, OP_TOALTSTACK) || is(b, OP_SWAP) ||
                is(b, OP_IFDUP))
                break;
            Opt l = single(r->begin);
            if (!l) return std::nullopt;
            r = Part{"and_v(" + l->text + "," + r->text + ")", l->begin};
        }
        return r;
    }

    // One fragment (with its wrappers) ending at `pos`.
    Opt single(size_t pos) {
        if (pos == 0 || ++depth_ > kMaxDepth) return std::nullopt;
        struct Leave {
            int& d;
            ~Leave() { --d; }
        } leave{depth_};
        const Token& last = t_[pos - 1];
        if (last.op == OP_0) return Part{"0", pos - 1};
        if (last.op == OP_1) return Part{"1", pos - 1};
        if (last.is_push) return std::nullopt;
        switch (last.op) {
        case OP_VERIFY: {
            Opt x = single(pos - 1);
            if (!x) return std::nullopt;
            return Part{wrap('v', x->text), x->begin};
        }
        case OP_CHECKSIG: {
            Opt x = k_expr(pos - 1);
            if (!x) return std::nullopt;
            return Part{wrap('c', x->text), x->begin};
        }
        case OP_CHECKSEQUENCEVERIFY:
        case OP_CHECKLOCKTIMEVERIFY: {
            auto n = number(pos - 2);
            if (pos < 2 || !n) return std::nullopt;
            return Part{std::string(last.op == OP_CHECKSEQUENCEVERIFY ? "older(" : "after(") + std::to_string(*n) + ")",
                        pos - 2};
        }
        case OP_EQUAL: return equal(pos);
        case OP_CHECKMULTISIG: {
            auto n = number(pos - 2);
            if (pos < 3 || !n || *n < 1 || size_t(*n) + 3 > pos) return std::nullopt;
            const size_t first = pos - 2 - size_t(*n);
            auto k = number(first - 1);
            if (!k) return std::nullopt;
            std::string text = "multi(" + std::to_string(*k);
            for (size_t i = first; i < pos - 2; ++i) {
                auto name = key(i);
                if (!name) return std::nullopt;
                text += "," + *name;
            }
            return Part{text + ")", first - 1};
        }
        case OP_NUMEQUAL: {
            auto k = number(pos - 2);
            if (pos < 4 || !k) return std::nullopt;
            std::vector<size_t> at;  // key positions, last key first
            size_t p = pos - 2;
            while (p >= 2 && is(p - 1, OP_CHECKSIGADD)) at.push_back(p - 2), p -= 2;
            if (p < 2 || !is(p - 1, OP_CHECKSIG)) return std::nullopt;
            at.push_back(p - 2);
            std::string text = "multi_a(" + std::to_string(*k);
            for (size_t i = at.size(); i-- > 0;) {
                auto name = key(at[i]);
                if (!name) return std::nullopt;
                text += "," + *name;
            }
            return Part{text + ")", p - 2};
        }
        case OP_FROMALTSTACK: {
            Opt x = chain(pos - 1);
            if (!x || x->begin == 0 || !is(x->begin - 1, OP_TOALTSTACK)) return std::nullopt;
            return Part{wrap('a', x->text), x->begin - 1};
        }
        case OP_0NOTEQUAL: {
            Opt x = single(pos - 1);
            if (!x) return std::nullopt;
            return Part{wrap('n', x->text), x->begin};
        }
        case OP_BOOLAND:
        case OP_BOOLOR: {
            Opt y = w(pos - 1);
            if (!y) return std::nullopt;
            Opt x = single(y->begin);
            if (!x) return std::nullopt;
            return Part{std::string(last.op == OP_BOOLAND ? "and_b(" : "or_b(") + x->text + "," + y->text + ")",
                        x->begin};
        }
        case OP_ENDIF: return endif(pos);
        default: return std::nullopt;
        }
    }

    // ... EQUAL: a hash lock, or thresh.
    Opt equal(size_t pos) {
        if (pos >= 7 && is(pos - 7, OP_SIZE) && number(pos - 6) == 32 && is(pos - 5, OP_EQUAL) &&
            is(pos - 4, OP_VERIFY) && t_[pos - 2].is_push) {
            const Opcode h = t_[pos - 3].op;
            const size_t len = t_[pos - 2].push.size();
            const char* name = h == OP_SHA256 && len == 32      ? "sha256"
                               : h == OP_HASH256 && len == 32   ? "hash256"
                               : h == OP_RIPEMD160 && len == 20 ? "ripemd160"
                               : h == OP_HASH160 && len == 20   ? "hash160"
                                                                : nullptr;
            if (name && !t_[pos - 3].is_push)
                return Part{std::string(name) + "(" + hex_encode(t_[pos - 2].push) + ")", pos - 7};
        }
        auto k = number(pos - 2);
        if (pos < 3 || !k) return std::nullopt;
        std::vector<std::string> subs;  // last first
        size_t p = pos - 2;
        while (p > 0 && is(p - 1, OP_ADD)) {
            Opt s = w(p - 1);
            if (!s) return std::nullopt;
            subs.push_back(s->text);
            p = s->begin;
        }
        Opt first = single(p);
        if (!first) return std::nullopt;
        std::string text = "thresh(" + std::to_string(*k) + "," + first->text;
        for (size_t i = subs.size(); i-- > 0;) text += "," + subs[i];
        return Part{text + ")", first->begin};
    }

    // ... ENDIF: or_i, andor, or_c, or_d, d:, j:.
    Opt endif(size_t pos) {
        Opt b1 = chain(pos - 1);
        if (!b1 || b1->begin == 0) return std::nullopt;
        const size_t p = b1->begin - 1;
        if (is(p, OP_ELSE)) {
            Opt b2 = chain(p);
            if (!b2 || b2->begin == 0) return std::nullopt;
            const size_t q = b2->begin - 1;
            if (is(q, OP_IF)) return Part{"or_i(" + b2->text + "," + b1->text + ")", q};
            if (!is(q, OP_NOTIF)) return std::nullopt;
            Opt x = single(q);
            if (!x) return std::nullopt;
            return Part{"andor(" + x->text + "," + b1->text + "," + b2->text + ")", x->begin};
        }
        if (is(p, OP_IF)) {
            if (p >= 1 && is(p - 1, OP_DUP)) return Part{wrap('d', b1->text), p - 1};
            if (p >= 2 && is(p - 1, OP_0NOTEQUAL) && is(p - 2, OP_SIZE)) return Part{wrap('j', b1->text), p - 2};
            return std::nullopt;
        }
        if (!is(p, OP_NOTIF)) return std::nullopt;
        const bool ifdup = p >= 1 && is(p - 1, OP_IFDUP);
        Opt x = single(ifdup ? p - 1 : p);
        if (!x) return std::nullopt;
        return Part{std::string(ifdup ? "or_d(" : "or_c(") + x->text + "," + b1->text + ")", x->begin};
    }

    static constexpr int kMaxDepth = 500;
    std::vector<Token> t_;
    Context ctx_;
    const KeyForHash& key_for_hash_;
    std::vector<Bytes> keys_;
    int depth_ = 0;
};

}  // namespace

std::optional<DecodedScript> from_script(const Script& script, Context ctx, const KeyForHash& key_for_hash) {
    auto toks = tokenize(script);
    if (!toks || toks->empty()) return std::nullopt;
    Decoder d(std::move(*toks), ctx, key_for_hash);
    Opt text = d.top();
    if (!text) return std::nullopt;
    // Accepted only if the expression is valid Miniscript that gives back the same script.
    const size_t key_count = d.keys().size();
    const KeyParser parse_key = [key_count](std::string_view k, std::string& error) -> std::optional<size_t> {
        size_t i = 0;
        if (k.size() < 2 || k[0] != 'k') return std::nullopt;
        for (char c : k.substr(1)) {
            if (c < '0' || c > '9' || i > key_count) return std::nullopt;
            i = i * 10 + size_t(c - '0');
        }
        if (i >= key_count) {
            error = "unknown key";
            return std::nullopt;
        }
        return i;
    };
    std::string error;
    NodeRef node = parse(text->text, ctx, parse_key, error);
    if (!node || !node->type.has(Type::B)) return std::nullopt;
    if (to_script(*node, d.keys()) != script) return std::nullopt;
    return DecodedScript{std::move(node), std::move(d.keys())};
}

}  // namespace minicash::miniscript
