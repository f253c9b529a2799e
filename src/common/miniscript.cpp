// Miniscript (BIP379): written from the BIP's tables (types, malleability, scripts,
// satisfactions). Core's conventions are followed where the BIP leaves a choice open:
// the v: wrapper merges into a final EQUAL / CHECKSIG / CHECKMULTISIG / NUMEQUAL, and
// printing uses the pk(), pkh(), t:, l:, u: and and_n() aliases.
#include "common/miniscript.h"

#include <algorithm>

#include "consensus/serialize.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::miniscript {

namespace {

using T = Type;

constexpr size_t kMaxDepth = 400;                 // nesting; bounds recursion on bad input
constexpr size_t kMaxStandardP2wshScript = 3600;  // bytes (policy)
constexpr size_t kMaxStandardP2wshStackItems = 100;
constexpr uint32_t kSequenceTypeFlag = 1u << 22;  // BIP68: relative lock in time units
constexpr uint32_t kLocktimeThreshold = 500000000;

constexpr uint32_t kTimelockBits = T::g | T::h | T::i | T::j;

bool timelocks_conflict(uint32_t a, uint32_t b) {
    return ((a & T::g) && (b & T::h)) || ((a & T::h) && (b & T::g)) || ((a & T::i) && (b & T::j)) ||
           ((a & T::j) && (b & T::i));
}

const char* fragment_name(Fragment f) {
    switch (f) {
    case Fragment::JUST_0: return "0";
    case Fragment::JUST_1: return "1";
    case Fragment::PK_K: return "pk_k";
    case Fragment::PK_H: return "pk_h";
    case Fragment::OLDER: return "older";
    case Fragment::AFTER: return "after";
    case Fragment::SHA256: return "sha256";
    case Fragment::HASH256: return "hash256";
    case Fragment::RIPEMD160: return "ripemd160";
    case Fragment::HASH160: return "hash160";
    case Fragment::ANDOR: return "andor";
    case Fragment::AND_V: return "and_v";
    case Fragment::AND_B: return "and_b";
    case Fragment::OR_B: return "or_b";
    case Fragment::OR_C: return "or_c";
    case Fragment::OR_D: return "or_d";
    case Fragment::OR_I: return "or_i";
    case Fragment::THRESH: return "thresh";
    case Fragment::MULTI: return "multi";
    case Fragment::MULTI_A: return "multi_a";
    case Fragment::WRAP_A: return "a:";
    case Fragment::WRAP_S: return "s:";
    case Fragment::WRAP_C: return "c:";
    case Fragment::WRAP_D: return "d:";
    case Fragment::WRAP_V: return "v:";
    case Fragment::WRAP_J: return "j:";
    case Fragment::WRAP_N: return "n:";
    }
    return "?";
}

// The type of a fragment from its subexpressions' types; nullopt (and `why`) when a
// requirement of BIP379's correctness table is not met.
std::optional<Type> compute_type(Fragment f, const std::vector<NodeRef>& subs, uint32_t k, size_t nkeys, Context ctx,
                                 std::string& why) {
    auto fail = [&](const std::string& msg) -> std::optional<Type> {
        why = msg;
        return std::nullopt;
    };
    auto sub = [&](size_t i) { return subs[i]->type; };
    auto bit = [](bool c, uint32_t b) { return c ? b : 0u; };
    const uint32_t bases = T::B | T::K | T::V;
    uint32_t r = 0;
    switch (f) {
    case Fragment::JUST_0: r = T::B | T::z | T::u | T::d | T::e | T::s | T::m | T::x | T::k; break;
    case Fragment::JUST_1: r = T::B | T::z | T::u | T::f | T::m | T::x | T::k; break;
    case Fragment::PK_K: r = T::K | T::o | T::n | T::u | T::d | T::e | T::s | T::m | T::x | T::k; break;
    case Fragment::PK_H: r = T::K | T::n | T::u | T::d | T::e | T::s | T::m | T::x | T::k; break;
    case Fragment::OLDER: r = T::B | T::z | T::f | T::m | T::x | T::k | ((k & kSequenceTypeFlag) ? T::g : T::h); break;
    case Fragment::AFTER: r = T::B | T::z | T::f | T::m | T::x | T::k | (k >= kLocktimeThreshold ? T::i : T::j); break;
    case Fragment::SHA256:
    case Fragment::HASH256:
    case Fragment::RIPEMD160:
    case Fragment::HASH160: r = T::B | T::o | T::n | T::u | T::d | T::m | T::k; break;
    case Fragment::MULTI: r = T::B | T::n | T::u | T::d | T::e | T::s | T::m | T::k; break;
    case Fragment::MULTI_A: r = T::B | T::u | T::d | T::e | T::s | T::m | T::k; break;
    case Fragment::WRAP_A:
    case Fragment::WRAP_S: {
        const Type x = sub(0);
        if (f == Fragment::WRAP_A && !x.has(T::B)) return fail("a: needs a B expression");
        if (f == Fragment::WRAP_S && !x.has(T::B | T::o)) return fail("s: needs a B expression with property o");
        r = T::W | (x.bits & (T::d | T::u | T::s | T::f | T::e | T::m | kTimelockBits | T::k));
        r |= f == Fragment::WRAP_A ? T::x : (x.bits & T::x);
        break;
    }
    case Fragment::WRAP_C: {
        const Type x = sub(0);
        if (!x.has(T::K)) return fail("c: needs a K expression");
        r = T::B | T::u | T::s | (x.bits & (T::o | T::n | T::d | T::f | T::e | T::m | kTimelockBits | T::k));
        break;
    }
    case Fragment::WRAP_D: {
        const Type x = sub(0);
        if (!x.has(T::V | T::z)) return fail("d: needs a V expression with property z");
        r = T::B | T::o | T::n | T::d | T::e | T::x | bit(ctx == Context::TAPSCRIPT, T::u) |
            (x.bits & (T::s | T::m | kTimelockBits | T::k));
        break;
    }
    case Fragment::WRAP_V: {
        const Type x = sub(0);
        if (!x.has(T::B)) return fail("v: needs a B expression");
        r = T::V | T::f | T::x | (x.bits & (T::z | T::o | T::n | T::s | T::m | kTimelockBits | T::k));
        break;
    }
    case Fragment::WRAP_J: {
        const Type x = sub(0);
        if (!x.has(T::B | T::n)) return fail("j: needs a B expression with property n");
        r = T::B | T::n | T::d | T::x | (x.bits & (T::o | T::u | T::s | T::m | kTimelockBits | T::k)) |
            bit(x.has(T::f), T::e);
        break;
    }
    case Fragment::WRAP_N: {
        const Type x = sub(0);
        if (!x.has(T::B)) return fail("n: needs a B expression");
        r = T::B | T::u | T::x |
            (x.bits & (T::z | T::o | T::n | T::d | T::s | T::f | T::e | T::m | kTimelockBits | T::k));
        break;
    }
    case Fragment::AND_V: {
        const Type x = sub(0), y = sub(1);
        if (!x.has(T::V)) return fail("and_v: the first argument must be of type V");
        if (!(y.bits & bases)) return fail("and_v: the second argument must be of type B, K or V");
        r = (y.bits & bases) | bit(x.has(T::z) && y.has(T::z), T::z) |
            bit((x.has(T::z) && y.has(T::o)) || (y.has(T::z) && x.has(T::o)), T::o) |
            bit(x.has(T::n) || (x.has(T::z) && y.has(T::n)), T::n) | (y.bits & (T::u | T::x)) |
            bit(x.has(T::s) || y.has(T::s), T::s) | bit(x.has(T::s) || y.has(T::f), T::f) |
            bit(x.has(T::m) && y.has(T::m), T::m);
        r |= (x.bits | y.bits) & kTimelockBits;
        r |= bit(x.has(T::k) && y.has(T::k) && !timelocks_conflict(x.bits, y.bits), T::k);
        break;
    }
    case Fragment::AND_B: {
        const Type x = sub(0), y = sub(1);
        if (!x.has(T::B) || !y.has(T::W)) return fail("and_b: needs a B and a W expression");
        r = T::B | T::u | T::x | bit(x.has(T::z) && y.has(T::z), T::z) |
            bit((x.has(T::z) && y.has(T::o)) || (y.has(T::z) && x.has(T::o)), T::o) |
            bit(x.has(T::n) || (x.has(T::z) && y.has(T::n)), T::n) | bit(x.has(T::d) && y.has(T::d), T::d) |
            bit(x.has(T::s) || y.has(T::s), T::s) |
            bit((x.has(T::f) && y.has(T::f)) || x.has(T::s | T::f) || y.has(T::s | T::f), T::f) |
            bit(x.has(T::e | T::s) && y.has(T::e | T::s), T::e) | bit(x.has(T::m) && y.has(T::m), T::m);
        r |= (x.bits | y.bits) & kTimelockBits;
        r |= bit(x.has(T::k) && y.has(T::k) && !timelocks_conflict(x.bits, y.bits), T::k);
        break;
    }
    case Fragment::OR_B:
    case Fragment::OR_C:
    case Fragment::OR_D: {
        const Type x = sub(0), z = sub(1);
        const bool mall_ok = x.has(T::e) && (x.has(T::s) || z.has(T::s)) && x.has(T::m) && z.has(T::m);
        r = T::x | bit(x.has(T::z) && z.has(T::z), T::z) | bit(x.has(T::s) && z.has(T::s), T::s);
        if (f == Fragment::OR_B) {
            if (!x.has(T::B | T::d) || !z.has(T::W | T::d)) return fail("or_b: needs a Bd and a Wd expression");
            r |= T::B | T::d | T::u | T::e | bit((x.has(T::z) && z.has(T::o)) || (z.has(T::z) && x.has(T::o)), T::o) |
                 bit(mall_ok && z.has(T::e), T::m);
        } else if (f == Fragment::OR_C) {
            if (!x.has(T::B | T::d | T::u) || !z.has(T::V)) return fail("or_c: needs a Bdu and a V expression");
            r |= T::V | T::f | bit(x.has(T::o) && z.has(T::z), T::o) | bit(mall_ok, T::m);
        } else {
            if (!x.has(T::B | T::d | T::u) || !z.has(T::B)) return fail("or_d: needs a Bdu and a B expression");
            r |= T::B | bit(x.has(T::o) && z.has(T::z), T::o) | (z.bits & (T::d | T::u | T::f | T::e)) |
                 bit(mall_ok, T::m);
        }
        r |= (x.bits | z.bits) & kTimelockBits;
        r |= bit(x.has(T::k) && z.has(T::k), T::k);
        break;
    }
    case Fragment::OR_I: {
        const Type x = sub(0), z = sub(1);
        if (!(x.bits & bases) || (x.bits & bases) != (z.bits & bases)) {
            return fail("or_i: both arguments must be of the same type, B, K or V");
        }
        r = (x.bits & bases) | T::x | bit(x.has(T::z) && z.has(T::z), T::o) | bit(x.has(T::u) && z.has(T::u), T::u) |
            bit(x.has(T::d) || z.has(T::d), T::d) | bit(x.has(T::s) && z.has(T::s), T::s) |
            bit(x.has(T::f) && z.has(T::f), T::f) |
            bit((x.has(T::e) && z.has(T::f)) || (z.has(T::e) && x.has(T::f)), T::e) |
            bit(x.has(T::m) && z.has(T::m) && (x.has(T::s) || z.has(T::s)), T::m);
        r |= (x.bits | z.bits) & kTimelockBits;
        r |= bit(x.has(T::k) && z.has(T::k), T::k);
        break;
    }
    case Fragment::ANDOR: {
        const Type x = sub(0), y = sub(1), z = sub(2);
        if (!x.has(T::B | T::d | T::u))
            return fail("andor: the first argument must be of type B with properties d and u");
        if (!(y.bits & bases) || (y.bits & bases) != (z.bits & bases)) {
            return fail("andor: the second and third arguments must be of the same type, B, K or V");
        }
        r = (y.bits & bases) | T::x | bit(x.has(T::z) && y.has(T::z) && z.has(T::z), T::z) |
            bit((x.has(T::z) && y.has(T::o) && z.has(T::o)) || (x.has(T::o) && y.has(T::z) && z.has(T::z)), T::o) |
            bit(y.has(T::u) && z.has(T::u), T::u) | (z.bits & T::d) |
            bit(z.has(T::s) && (x.has(T::s) || y.has(T::s)), T::s) |
            bit(z.has(T::f) && (x.has(T::s) || y.has(T::f)), T::f) |
            bit(z.has(T::e) && (x.has(T::s) || y.has(T::f)), T::e) |
            bit(x.has(T::m) && y.has(T::m) && z.has(T::m) && x.has(T::e) && (x.has(T::s) || y.has(T::s) || z.has(T::s)),
                T::m);
        r |= (x.bits | y.bits | z.bits) & kTimelockBits;
        r |= bit(x.has(T::k) && y.has(T::k) && z.has(T::k) && !timelocks_conflict(x.bits, y.bits), T::k);
        break;
    }
    case Fragment::THRESH: {
        const size_t n = subs.size();
        if (k < 1 || k > n) return fail("thresh: the threshold must be between 1 and the number of arguments");
        bool all_z = true, all_m = true, all_e = true, all_k = true, conflict = false;
        size_t num_o = 0, non_s = 0;
        uint32_t locks = 0;
        for (size_t i = 0; i < n; ++i) {
            const Type t = sub(i);
            const uint32_t need = (i == 0 ? T::B : T::W) | T::d | T::u;
            if (!t.has(need)) {
                return fail(i == 0 ? "thresh: the first argument must be of type B with properties d and u"
                                   : "thresh: arguments after the first must be of type W with properties d and u");
            }
            if (!t.has(T::z)) {
                all_z = false;
                if (t.has(T::o)) ++num_o;
                else num_o = n + 1;  // neither z nor o: o is impossible
            }
            all_m = all_m && t.has(T::m);
            all_e = all_e && t.has(T::e);
            all_k = all_k && t.has(T::k);
            if (!t.has(T::s)) ++non_s;
            if (k > 1 && timelocks_conflict(locks, t.bits)) conflict = true;
            locks |= t.bits & kTimelockBits;
        }
        r = T::B | T::d | T::u | bit(all_z, T::z) | bit(!all_z && num_o == 1, T::o) | bit(non_s + 1 <= k, T::s) |
            bit(non_s == 0, T::e) | bit(all_m && all_e && non_s <= k, T::m) | locks | bit(all_k && !conflict, T::k);
        break;
    }
    }
    if (f == Fragment::MULTI || f == Fragment::MULTI_A) {
        const size_t max = f == Fragment::MULTI ? size_t(kMaxPubkeysPerMultisig) : size_t(kMaxPubkeysPerMultiA);
        if (nkeys < 1 || nkeys > max) {
            return fail(std::string(fragment_name(f)) + ": between 1 and " + std::to_string(max) + " keys are allowed");
        }
        if (k < 1 || k > nkeys)
            return fail(std::string(fragment_name(f)) + ": the threshold must be between 1 and the number of keys");
    }
    return Type{r};
}

// ---------------------------------------------------------------------------------------
// Parsing

std::optional<std::vector<std::string_view>> split_args(std::string_view s) {
    std::vector<std::string_view> out;
    int depth = 0;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '(' || c == '[' || c == '{') ++depth;
        if (c == ')' || c == ']' || c == '}') {
            if (--depth < 0) return std::nullopt;
        }
        if (c == ',' && depth == 0) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    if (depth != 0) return std::nullopt;
    out.push_back(s.substr(start));
    return out;
}

// A decimal number in [1, 2^31).
std::optional<uint32_t> parse_lock(std::string_view s) {
    if (s.empty() || s.size() > 10 || s[0] == '0') return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint64_t(c - '0');
    }
    if (v >= (1ull << 31)) return std::nullopt;
    return uint32_t(v);
}

// A decimal number (thresholds): no sign, no leading zeros, at most 9 digits.
std::optional<uint32_t> parse_count(std::string_view s) {
    if (s.empty() || s.size() > 9 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
    uint32_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + uint32_t(c - '0');
    }
    return v;
}

class Parser {
public:
    Parser(Context ctx, const KeyParser& parse_key, std::string& error)
        : ctx_(ctx), parse_key_(parse_key), error_(error) {}

    NodeRef expr(std::string_view s, size_t depth);

private:
    Context ctx_;
    const KeyParser& parse_key_;
    std::string& error_;

    NodeRef fail(const std::string& msg) {
        if (error_.empty()) error_ = msg;
        return nullptr;
    }
    NodeRef make(std::string_view text, Fragment f, std::vector<NodeRef> subs, uint32_t k = 0,
                 std::vector<size_t> keys = {}, Bytes data = {}) {
        std::string why;
        const size_t nkeys = keys.size();
        const std::optional<Type> t = compute_type(f, subs, k, nkeys, ctx_, why);
        if (!t) return fail("'" + std::string(text) + "' is not valid Miniscript: " + why);
        auto n = std::make_shared<Node>();
        n->fragment = f;
        n->subs = std::move(subs);
        n->k = k;
        n->keys = std::move(keys);
        n->data = std::move(data);
        n->type = *t;
        return n;
    }
    NodeRef leaf(Fragment f) { return make("", f, {}); }
};

NodeRef Parser::expr(std::string_view s, size_t depth) {
    if (depth > kMaxDepth) return fail("Miniscript expression is nested too deeply");
    const size_t paren = s.find('(');
    const size_t colon = s.find(':');
    if (colon != std::string_view::npos && (paren == std::string_view::npos || colon < paren)) {
        const std::string_view wrappers = s.substr(0, colon);
        if (wrappers.empty()) return fail("'" + std::string(s) + "': empty wrapper list before ':'");
        NodeRef n = expr(s.substr(colon + 1), depth + 1);
        if (!n) return nullptr;
        for (size_t i = wrappers.size(); i-- > 0;) {
            switch (wrappers[i]) {
            case 'a': n = make(s, Fragment::WRAP_A, {n}); break;
            case 's': n = make(s, Fragment::WRAP_S, {n}); break;
            case 'c': n = make(s, Fragment::WRAP_C, {n}); break;
            case 'd': n = make(s, Fragment::WRAP_D, {n}); break;
            case 'v': n = make(s, Fragment::WRAP_V, {n}); break;
            case 'j': n = make(s, Fragment::WRAP_J, {n}); break;
            case 'n': n = make(s, Fragment::WRAP_N, {n}); break;
            case 't': n = make(s, Fragment::AND_V, {n, leaf(Fragment::JUST_1)}); break;
            case 'l': n = make(s, Fragment::OR_I, {leaf(Fragment::JUST_0), n}); break;
            case 'u': n = make(s, Fragment::OR_I, {n, leaf(Fragment::JUST_0)}); break;
            default: return fail("'" + std::string(s) + "': unknown wrapper '" + std::string(1, wrappers[i]) + ":'");
            }
            if (!n) return nullptr;
        }
        return n;
    }
    if (s == "0") return leaf(Fragment::JUST_0);
    if (s == "1") return leaf(Fragment::JUST_1);
    if (paren == std::string_view::npos || s.back() != ')') {
        return fail("'" + std::string(s) + "' is not a Miniscript expression");
    }
    const std::string name(s.substr(0, paren));
    const std::optional<std::vector<std::string_view>> args_opt = split_args(s.substr(paren + 1, s.size() - paren - 2));
    if (!args_opt) return fail(name + "(): unbalanced brackets");
    const std::vector<std::string_view>& args = *args_opt;
    const bool no_args = args.size() == 1 && args[0].empty();
    auto count = [&](size_t want) {
        if (args.size() == want && !no_args) return true;
        fail(name + "() takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") + ", got " +
             (no_args ? std::string("none") : std::to_string(args.size())));
        return false;
    };
    auto key = [&](std::string_view text) -> std::optional<size_t> {
        std::string err;
        std::optional<size_t> i = parse_key_(text, err);
        if (!i) fail(err.empty() ? name + "(): invalid key" : err);
        return i;
    };
    auto subs = [&](size_t from) -> std::optional<std::vector<NodeRef>> {
        std::vector<NodeRef> out;
        for (size_t i = from; i < args.size(); ++i) {
            NodeRef n = expr(args[i], depth + 1);
            if (!n) return std::nullopt;
            out.push_back(std::move(n));
        }
        return out;
    };

    if (name == "pk_k" || name == "pk_h" || name == "pk" || name == "pkh") {
        if (!count(1)) return nullptr;
        const std::optional<size_t> i = key(args[0]);
        if (!i) return nullptr;
        const bool hash = name == "pk_h" || name == "pkh";
        NodeRef n = make(s, hash ? Fragment::PK_H : Fragment::PK_K, {}, 0, {*i});
        if (name == "pk" || name == "pkh") n = make(s, Fragment::WRAP_C, {n});
        return n;
    }
    if (name == "older" || name == "after") {
        if (!count(1)) return nullptr;
        const std::optional<uint32_t> v = parse_lock(args[0]);
        if (!v) return fail(name + "(): '" + std::string(args[0]) + "' is not a number between 1 and 2147483647");
        return make(s, name == "older" ? Fragment::OLDER : Fragment::AFTER, {}, *v);
    }
    if (name == "sha256" || name == "hash256" || name == "ripemd160" || name == "hash160") {
        if (!count(1)) return nullptr;
        const size_t want = (name == "sha256" || name == "hash256") ? 32 : 20;
        const std::optional<Bytes> h = is_hex(args[0]) ? hex_decode(args[0]) : std::nullopt;
        if (!h || h->size() != want) {
            return fail(name + "(): the hash must be " + std::to_string(2 * want) + " hex characters");
        }
        const Fragment f = name == "sha256"      ? Fragment::SHA256
                           : name == "hash256"   ? Fragment::HASH256
                           : name == "ripemd160" ? Fragment::RIPEMD160
                                                 : Fragment::HASH160;
        return make(s, f, {}, 0, {}, *h);
    }
    if (name == "multi" || name == "multi_a") {
        const bool tap = name == "multi_a";
        if (tap && ctx_ != Context::TAPSCRIPT) return fail("multi_a() is only allowed in tapscript (inside tr())");
        if (!tap && ctx_ != Context::P2WSH) return fail("multi() is not allowed in tapscript (use multi_a())");
        if (args.size() < 2) return fail(name + "() needs a threshold and at least one key");
        const std::optional<uint32_t> k = parse_count(args[0]);
        if (!k) return fail(name + "(): threshold '" + std::string(args[0]) + "' is not a number");
        std::vector<size_t> keys;
        for (size_t i = 1; i < args.size(); ++i) {
            const std::optional<size_t> idx = key(args[i]);
            if (!idx) return nullptr;
            keys.push_back(*idx);
        }
        return make(s, tap ? Fragment::MULTI_A : Fragment::MULTI, {}, *k, std::move(keys));
    }
    if (name == "thresh") {
        if (args.size() < 2) return fail("thresh() needs a threshold and at least one expression");
        const std::optional<uint32_t> k = parse_count(args[0]);
        if (!k) return fail("thresh(): threshold '" + std::string(args[0]) + "' is not a number");
        auto x = subs(1);
        if (!x) return nullptr;
        return make(s, Fragment::THRESH, std::move(*x), *k);
    }
    struct Combinator {
        const char* name;
        Fragment fragment;
        size_t args;
    };
    static constexpr Combinator kCombinators[] = {
        {"andor", Fragment::ANDOR, 3}, {"and_v", Fragment::AND_V, 2}, {"and_b", Fragment::AND_B, 2},
        {"and_n", Fragment::ANDOR, 2}, {"or_b", Fragment::OR_B, 2},   {"or_c", Fragment::OR_C, 2},
        {"or_d", Fragment::OR_D, 2},   {"or_i", Fragment::OR_I, 2},
    };
    for (const Combinator& c : kCombinators) {
        if (name != c.name) continue;
        if (!count(c.args)) return nullptr;
        auto x = subs(0);
        if (!x) return nullptr;
        if (name == "and_n") x->push_back(leaf(Fragment::JUST_0));  // and_n(X,Y) = andor(X,Y,0)
        return make(s, c.fragment, std::move(*x));
    }
    return fail("'" + name + "()' is not a Miniscript fragment");
}

// ---------------------------------------------------------------------------------------
// Printing

std::string print(const Node& n, const KeyPrinter& key, bool wrapped) {
    const std::string colon = wrapped ? ":" : "";
    auto sub = [&](size_t i, bool w = false) { return print(*n.subs[i], key, w); };
    switch (n.fragment) {
    case Fragment::WRAP_A: return "a" + sub(0, true);
    case Fragment::WRAP_S: return "s" + sub(0, true);
    case Fragment::WRAP_D: return "d" + sub(0, true);
    case Fragment::WRAP_V: return "v" + sub(0, true);
    case Fragment::WRAP_J: return "j" + sub(0, true);
    case Fragment::WRAP_N: return "n" + sub(0, true);
    case Fragment::WRAP_C: {
        const Node& x = *n.subs[0];
        if (x.fragment == Fragment::PK_K) return colon + "pk(" + key(x.keys[0]) + ")";
        if (x.fragment == Fragment::PK_H) return colon + "pkh(" + key(x.keys[0]) + ")";
        return "c" + sub(0, true);
    }
    case Fragment::AND_V:
        if (n.subs[1]->fragment == Fragment::JUST_1) return "t" + sub(0, true);
        break;
    case Fragment::OR_I:
        if (n.subs[0]->fragment == Fragment::JUST_0) return "l" + sub(1, true);
        if (n.subs[1]->fragment == Fragment::JUST_0) return "u" + sub(0, true);
        break;
    default: break;
    }
    switch (n.fragment) {
    case Fragment::JUST_0: return colon + "0";
    case Fragment::JUST_1: return colon + "1";
    case Fragment::PK_K:
    case Fragment::PK_H: return colon + fragment_name(n.fragment) + "(" + key(n.keys[0]) + ")";
    case Fragment::OLDER:
    case Fragment::AFTER: return colon + fragment_name(n.fragment) + "(" + std::to_string(n.k) + ")";
    case Fragment::SHA256:
    case Fragment::HASH256:
    case Fragment::RIPEMD160:
    case Fragment::HASH160: return colon + fragment_name(n.fragment) + "(" + hex_encode(n.data) + ")";
    case Fragment::MULTI:
    case Fragment::MULTI_A: {
        std::string out = colon + fragment_name(n.fragment) + "(" + std::to_string(n.k);
        for (size_t i : n.keys) out += "," + key(i);
        return out + ")";
    }
    case Fragment::THRESH: {
        std::string out = colon + "thresh(" + std::to_string(n.k);
        for (size_t i = 0; i < n.subs.size(); ++i) out += "," + sub(i);
        return out + ")";
    }
    case Fragment::ANDOR:
        if (n.subs[2]->fragment == Fragment::JUST_0) return colon + "and_n(" + sub(0) + "," + sub(1) + ")";
        return colon + "andor(" + sub(0) + "," + sub(1) + "," + sub(2) + ")";
    default: return colon + fragment_name(n.fragment) + "(" + sub(0) + "," + sub(1) + ")";
    }
}

// ---------------------------------------------------------------------------------------
// Script

// `verify`: the expression is followed by OP_VERIFY, so a final EQUAL / CHECKSIG /
// CHECKMULTISIG / NUMEQUAL takes its VERIFY form instead (exactly when x is not set).
void emit(const Node& n, const std::vector<Bytes>& keys, bool verify, Script& s) {
    auto sub = [&](size_t i, bool v = false) { emit(*n.subs[i], keys, v, s); };
    switch (n.fragment) {
    case Fragment::JUST_0: s.push_op(OP_0); return;
    case Fragment::JUST_1: s.push_op(OP_1); return;
    case Fragment::PK_K: s.push_data(keys[n.keys[0]]); return;
    case Fragment::PK_H:
        s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash160(keys[n.keys[0]])).push_op(OP_EQUALVERIFY);
        return;
    case Fragment::OLDER: s.push_int(n.k).push_op(OP_CHECKSEQUENCEVERIFY); return;
    case Fragment::AFTER: s.push_int(n.k).push_op(OP_CHECKLOCKTIMEVERIFY); return;
    case Fragment::SHA256:
    case Fragment::HASH256:
    case Fragment::RIPEMD160:
    case Fragment::HASH160: {
        const Opcode op = n.fragment == Fragment::SHA256      ? OP_SHA256
                          : n.fragment == Fragment::HASH256   ? OP_HASH256
                          : n.fragment == Fragment::RIPEMD160 ? OP_RIPEMD160
                                                              : OP_HASH160;
        s.push_op(OP_SIZE).push_int(32).push_op(OP_EQUALVERIFY).push_op(op).push_data(n.data);
        s.push_op(verify ? OP_EQUALVERIFY : OP_EQUAL);
        return;
    }
    case Fragment::ANDOR:
        sub(0);
        s.push_op(OP_NOTIF);
        sub(2);
        s.push_op(OP_ELSE);
        sub(1);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::AND_V:
        sub(0);
        sub(1, verify);
        return;
    case Fragment::AND_B:
        sub(0);
        sub(1);
        s.push_op(OP_BOOLAND);
        return;
    case Fragment::OR_B:
        sub(0);
        sub(1);
        s.push_op(OP_BOOLOR);
        return;
    case Fragment::OR_C:
        sub(0);
        s.push_op(OP_NOTIF);
        sub(1);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::OR_D:
        sub(0);
        s.push_op(OP_IFDUP).push_op(OP_NOTIF);
        sub(1);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::OR_I:
        s.push_op(OP_IF);
        sub(0);
        s.push_op(OP_ELSE);
        sub(1);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::THRESH:
        sub(0);
        for (size_t i = 1; i < n.subs.size(); ++i) {
            sub(i);
            s.push_op(OP_ADD);
        }
        s.push_int(n.k).push_op(verify ? OP_EQUALVERIFY : OP_EQUAL);
        return;
    case Fragment::MULTI:
        s.push_int(n.k);
        for (size_t i : n.keys) s.push_data(keys[i]);
        s.push_int(int64_t(n.keys.size())).push_op(verify ? OP_CHECKMULTISIGVERIFY : OP_CHECKMULTISIG);
        return;
    case Fragment::MULTI_A:
        for (size_t i = 0; i < n.keys.size(); ++i) {
            s.push_data(keys[n.keys[i]]).push_op(i == 0 ? OP_CHECKSIG : OP_CHECKSIGADD);
        }
        s.push_int(n.k).push_op(verify ? OP_NUMEQUALVERIFY : OP_NUMEQUAL);
        return;
    case Fragment::WRAP_A:
        s.push_op(OP_TOALTSTACK);
        sub(0);
        s.push_op(OP_FROMALTSTACK);
        return;
    case Fragment::WRAP_S:
        s.push_op(OP_SWAP);
        sub(0, verify);
        return;
    case Fragment::WRAP_C:
        sub(0);
        s.push_op(verify ? OP_CHECKSIGVERIFY : OP_CHECKSIG);
        return;
    case Fragment::WRAP_D:
        s.push_op(OP_DUP).push_op(OP_IF);
        sub(0);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::WRAP_V:
        sub(0, true);
        if (n.subs[0]->type.has(T::x)) s.push_op(OP_VERIFY);
        return;
    case Fragment::WRAP_J:
        s.push_op(OP_SIZE).push_op(OP_0NOTEQUAL).push_op(OP_IF);
        sub(0);
        s.push_op(OP_ENDIF);
        return;
    case Fragment::WRAP_N:
        sub(0);
        s.push_op(OP_0NOTEQUAL);
        return;
    }
}

// ---------------------------------------------------------------------------------------
// Satisfaction sizes

using Opt = std::optional<WitnessSize>;

Opt add(const Opt& a, const Opt& b) {
    if (!a || !b) return std::nullopt;
    return WitnessSize{a->elems + b->elems, a->bytes + b->bytes, a->ops + b->ops};
}
// Either option (the larger of each component when both exist).
Opt either(const Opt& a, const Opt& b) {
    if (!a) return b;
    if (!b) return a;
    return WitnessSize{std::max(a->elems, b->elems), std::max(a->bytes, b->bytes), std::max(a->ops, b->ops)};
}

struct SatDsat {
    Opt sat, dsat;
};

struct SizeParams {
    Context ctx;
    size_t sig;  // serialized element bytes of a signature (prefix included)
    size_t key;
};

// Largest satisfaction and dissatisfaction over the canonical options of BIP379's table.
SatDsat sizes(const Node& n, const SizeParams& p) {
    const Opt empty = WitnessSize{};
    const Opt zero = WitnessSize{1, 1, 0};  // the empty vector
    const Opt one = WitnessSize{1, 2, 0};   // 0x01
    const Opt sig = WitnessSize{1, p.sig, 0};
    const Opt key = WitnessSize{1, p.key, 0};
    auto sub = [&](size_t i) { return sizes(*n.subs[i], p); };
    switch (n.fragment) {
    case Fragment::JUST_0: return {std::nullopt, empty};
    case Fragment::JUST_1: return {empty, std::nullopt};
    case Fragment::PK_K: return {sig, zero};
    case Fragment::PK_H: return {add(sig, key), add(zero, key)};
    case Fragment::OLDER:
    case Fragment::AFTER: return {empty, std::nullopt};
    case Fragment::SHA256:
    case Fragment::HASH256:
    case Fragment::RIPEMD160:
    case Fragment::HASH160: {
        const Opt preimage = WitnessSize{1, 33, 0};
        return {preimage, preimage};
    }
    case Fragment::ANDOR: {
        const SatDsat x = sub(0), y = sub(1), z = sub(2);
        return {either(add(y.sat, x.sat), add(z.sat, x.dsat)), add(z.dsat, x.dsat)};
    }
    case Fragment::AND_V: {
        const SatDsat x = sub(0), y = sub(1);
        return {add(y.sat, x.sat), std::nullopt};
    }
    case Fragment::AND_B: {
        const SatDsat x = sub(0), y = sub(1);
        return {add(y.sat, x.sat), add(y.dsat, x.dsat)};
    }
    case Fragment::OR_B: {
        const SatDsat x = sub(0), z = sub(1);
        return {either(add(z.dsat, x.sat), add(z.sat, x.dsat)), add(z.dsat, x.dsat)};
    }
    case Fragment::OR_C: {
        const SatDsat x = sub(0), z = sub(1);
        return {either(x.sat, add(z.sat, x.dsat)), std::nullopt};
    }
    case Fragment::OR_D: {
        const SatDsat x = sub(0), z = sub(1);
        return {either(x.sat, add(z.sat, x.dsat)), add(z.dsat, x.dsat)};
    }
    case Fragment::OR_I: {
        const SatDsat x = sub(0), z = sub(1);
        return {either(add(x.sat, one), add(z.sat, zero)), either(add(x.dsat, one), add(z.dsat, zero))};
    }
    case Fragment::THRESH: {
        // best[j]: the largest witness of the subexpressions so far with j of them satisfied.
        std::vector<Opt> best(n.k + 1);
        best[0] = empty;
        Opt dsat = empty;
        for (const NodeRef& c : n.subs) {
            const SatDsat cs = sizes(*c, p);
            std::vector<Opt> next(n.k + 1);
            for (size_t j = 0; j <= n.k; ++j) {
                next[j] = add(best[j], cs.dsat);
                if (j > 0) next[j] = either(next[j], add(best[j - 1], cs.sat));
            }
            best = std::move(next);
            dsat = add(dsat, cs.dsat);
        }
        return {best[n.k], dsat};
    }
    case Fragment::MULTI: {
        const size_t k = n.k, keys = n.keys.size();
        return {WitnessSize{k + 1, 1 + k * p.sig, keys}, WitnessSize{k + 1, k + 1, keys}};
    }
    case Fragment::MULTI_A: {
        const size_t k = n.k, keys = n.keys.size();
        return {WitnessSize{keys, k * p.sig + (keys - k), 0}, WitnessSize{keys, keys, 0}};
    }
    case Fragment::WRAP_A:
    case Fragment::WRAP_S:
    case Fragment::WRAP_C:
    case Fragment::WRAP_N: return sub(0);
    case Fragment::WRAP_D: return {add(sub(0).sat, one), zero};
    case Fragment::WRAP_V: return {sub(0).sat, std::nullopt};
    case Fragment::WRAP_J: return {sub(0).sat, zero};
    }
    return {};
}

size_t static_ops(const Script& s) {
    size_t count = 0, pc = 0;
    Opcode op;
    while (pc < s.size() && s.get_op(pc, op)) {
        if (op > OP_16) ++count;
    }
    return count;
}

void collect_keys(const Node& n, std::vector<size_t>& out) {
    out.insert(out.end(), n.keys.begin(), n.keys.end());
    for (const NodeRef& c : n.subs) collect_keys(*c, out);
}

}  // namespace

NodeRef parse(std::string_view text, Context ctx, const KeyParser& parse_key, std::string& error) {
    error.clear();
    Parser p(ctx, parse_key, error);
    NodeRef n = p.expr(text, 0);
    if (!n && error.empty()) error = "invalid Miniscript expression";
    return n;
}

std::string to_string(const Node& node, const KeyPrinter& print_key) { return print(node, print_key, false); }

Script to_script(const Node& node, const std::vector<Bytes>& keys) {
    Script s;
    emit(node, keys, false, s);
    return s;
}

std::optional<WitnessSize> max_satisfaction(const Node& node, Context ctx, size_t sig_size, size_t key_size) {
    const SizeParams p{ctx, compact_size_length(sig_size) + sig_size, compact_size_length(key_size) + key_size};
    return sizes(node, p).sat;
}

std::optional<std::string> check_top_level(const Node& node, Context ctx, const KeyPrinter& print_key,
                                           const std::vector<std::string>& key_ids) {
    const std::string text = to_string(node, print_key);
    const Type t = node.type;
    if (!t.has(T::B)) return text + " is invalid: a top-level Miniscript expression must be of type B";
    std::vector<size_t> used;
    collect_keys(node, used);
    const size_t key_size = ctx == Context::TAPSCRIPT ? 32 : 33;
    size_t max_index = 0;
    for (size_t i : used) max_index = std::max(max_index, i + 1);
    const Script script = to_script(node, std::vector<Bytes>(max_index, Bytes(key_size, 0x02)));
    if (ctx == Context::P2WSH && script.size() > kMaxStandardP2wshScript) {
        return text + " is invalid: its script would be " + std::to_string(script.size()) + " bytes (at most " +
               std::to_string(kMaxStandardP2wshScript) + ")";
    }
    if (!t.has(T::m)) return text + " is not sane: malleable witnesses exist";
    if (!t.has(T::s)) return text + " is not sane: witnesses without signature exist";
    if (!t.has(T::k)) return text + " is not sane: contains mixes of timelocks expressed in blocks and seconds";
    std::vector<std::string> ids;
    for (size_t i : used) ids.push_back(i < key_ids.size() ? key_ids[i] : std::to_string(i));
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
        return text + " is not sane: contains duplicate public keys";
    }
    const std::optional<WitnessSize> sat = max_satisfaction(node, ctx, 72, key_size);
    if (!sat) return text + " is not satisfiable";
    const bool too_big = ctx == Context::P2WSH ? (static_ops(script) + sat->ops > size_t(kMaxOpsPerScript) ||
                                                  sat->elems > kMaxStandardP2wshStackItems)
                                               : sat->elems > kMaxStackSize;
    if (too_big) return text + " is not sane: needs witnesses that may exceed resource limits";
    return std::nullopt;
}

}  // namespace minicash::miniscript
