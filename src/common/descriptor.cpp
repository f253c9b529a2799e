// Output script descriptors: parser, printer and expansion. Written from BIP380-386/389.
//
// Parsing produces an immutable tree of Nodes (shared between copies of a Descriptor).
// Key expressions keep their derivation path split around the multipath step, so that
// printing gives back what was parsed and split_multipath() can pick one alternative.
#include "common/descriptor.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "common/address.h"
#include "common/miniscript.h"
#include "consensus/interpreter.h"
#include "consensus/pubkey.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash {

// ---------------------------------------------------------------------------------------
// Checksum (BIP380)

namespace {

// Three groups of 32 characters; a character's symbol is its position in its group, and
// every three characters add one symbol made of their group numbers.
constexpr char kInputCharset[] =
    "0123456789()[],'/*abcdefgh@:$%{}"
    "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
    "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
constexpr char kChecksumCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint64_t checksum_step(uint64_t chk, uint8_t value) {
    static constexpr uint64_t kGen[5] = {0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd};
    const uint64_t top = chk >> 35;
    chk = ((chk & 0x7ffffffffULL) << 5) ^ value;
    for (int i = 0; i < 5; ++i) {
        if ((top >> i) & 1) chk ^= kGen[i];
    }
    return chk;
}

int charset_position(char c) {
    if (c == '\0') return -1;
    const char* p = std::strchr(kInputCharset, c);
    return p ? static_cast<int>(p - kInputCharset) : -1;
}

// Offset of the first character outside the descriptor character set, or npos.
size_t first_invalid_char(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        if (charset_position(s[i]) < 0) return i;
    }
    return std::string_view::npos;
}

}  // namespace

std::string descriptor_checksum(std::string_view desc) {
    uint64_t chk = 1;
    int groups[3];
    int ngroups = 0;
    for (char c : desc) {
        const int pos = charset_position(c);
        if (pos < 0) return "";
        chk = checksum_step(chk, static_cast<uint8_t>(pos & 31));
        groups[ngroups++] = pos >> 5;
        if (ngroups == 3) {
            chk = checksum_step(chk, static_cast<uint8_t>(groups[0] * 9 + groups[1] * 3 + groups[2]));
            ngroups = 0;
        }
    }
    if (ngroups == 1) chk = checksum_step(chk, static_cast<uint8_t>(groups[0]));
    if (ngroups == 2) chk = checksum_step(chk, static_cast<uint8_t>(groups[0] * 3 + groups[1]));
    for (int i = 0; i < 8; ++i) chk = checksum_step(chk, 0);
    chk ^= 1;
    std::string out(8, ' ');
    for (int i = 0; i < 8; ++i) out[i] = kChecksumCharset[(chk >> (5 * (7 - i))) & 31];
    return out;
}

std::string add_descriptor_checksum(std::string_view desc) {
    const std::string sum = descriptor_checksum(desc);
    if (sum.empty()) return "";
    return std::string(desc) + "#" + sum;
}

// ---------------------------------------------------------------------------------------
// The parsed tree

namespace descriptor_detail {

enum class Ctx { TOP, P2SH, P2WSH, P2TR };

enum class KeyKind { CONST_PUB, WIF, EXTENDED };
enum class Wildcard { NONE, UNHARDENED, HARDENED };

struct KeyExpr {
    std::optional<KeyOriginInfo> origin;
    KeyKind kind = KeyKind::CONST_PUB;
    bool xonly = false;  // inside tr(): scripts use the 32-byte x-only form
    char marker = 'h';   // hardened marker used when printing
    // CONST_PUB and WIF: the public key (33 or 65 bytes; for an x-only hex key, 02 || x).
    Bytes pubkey;
    std::optional<SecretKey> secret;  // WIF
    bool compressed = true;           // WIF
    // EXTENDED: the key as written and the steps after it. The path is
    // prefix [|| alternatives[i]] || suffix.
    ExtPubKey xpub;
    std::optional<ExtPrivKey> xprv;
    std::vector<uint32_t> prefix;
    std::vector<uint32_t> alternatives;  // multipath step; empty when there is none
    std::vector<uint32_t> suffix;
    Wildcard wildcard = Wildcard::NONE;
    // EXTENDED without multipath: the key at prefix||suffix, derived once at parse time.
    std::optional<ExtPubKey> base_pub;
    std::optional<ExtPrivKey> base_prv;

    std::vector<uint32_t> path() const {
        std::vector<uint32_t> p = prefix;
        p.insert(p.end(), suffix.begin(), suffix.end());
        return p;
    }
};

enum class Kind {
    PK,
    PKH,
    WPKH,
    SH,
    WSH,
    MULTI,
    SORTEDMULTI,
    MULTI_A,
    SORTEDMULTI_A,
    COMBO,
    RAW,
    ADDR,
    TR,
    MINISCRIPT
};

struct TreeNode;

struct Node {
    Kind kind;
    std::vector<KeyExpr> keys;
    std::shared_ptr<const Node> sub;            // SH, WSH
    uint32_t threshold = 0;                     // multisig
    Script script;                              // RAW, ADDR
    std::shared_ptr<const TreeNode> tree;       // TR (may be null)
    miniscript::NodeRef miniscript;             // MINISCRIPT: its key indexes refer to `keys`
    std::shared_ptr<const ChainParams> params;  // root only
};

struct TreeNode {
    std::shared_ptr<const Node> leaf;  // set for a leaf
    std::shared_ptr<const TreeNode> left, right;
};

}  // namespace descriptor_detail

using namespace descriptor_detail;

namespace {

const char* kind_name(Kind k) {
    switch (k) {
    case Kind::PK: return "pk";
    case Kind::PKH: return "pkh";
    case Kind::WPKH: return "wpkh";
    case Kind::SH: return "sh";
    case Kind::WSH: return "wsh";
    case Kind::MULTI: return "multi";
    case Kind::SORTEDMULTI: return "sortedmulti";
    case Kind::MULTI_A: return "multi_a";
    case Kind::SORTEDMULTI_A: return "sortedmulti_a";
    case Kind::COMBO: return "combo";
    case Kind::RAW: return "raw";
    case Kind::ADDR: return "addr";
    case Kind::TR: return "tr";
    case Kind::MINISCRIPT: return "miniscript";
    }
    return "?";
}

const char* ctx_name(Ctx c) {
    switch (c) {
    case Ctx::TOP: return "at top level";
    case Ctx::P2SH: return "inside sh()";
    case Ctx::P2WSH: return "inside wsh()";
    case Ctx::P2TR: return "inside tr()";
    }
    return "";
}

// Size in bytes of the push of a small number as Script::push_int writes it.
size_t push_int_size(int64_t n) {
    if (n >= -1 && n <= 16) return 1;
    return 1 + ScriptNum::encode(n).size();
}

// Splits `s` at commas outside (), {} and [] nesting. nullopt when brackets do not balance.
std::optional<std::vector<std::string_view>> split_args(std::string_view s) {
    std::vector<std::string_view> out;
    std::vector<char> stack;
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '(' || c == '{' || c == '[') {
            stack.push_back(c);
        } else if (c == ')' || c == '}' || c == ']') {
            const char open = c == ')' ? '(' : c == '}' ? '{' : '[';
            if (stack.empty() || stack.back() != open) return std::nullopt;
            stack.pop_back();
        } else if (c == ',' && stack.empty()) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    }
    if (!stack.empty()) return std::nullopt;
    out.push_back(s.substr(start));
    return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t p = s.find(sep, start);
        if (p == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, p - start));
        start = p + 1;
    }
}

std::string ordinal(size_t i) {
    static const char* const kNames[] = {"first", "second", "third", "fourth", "fifth"};
    if (i < 5) return kNames[i];
    return "#" + std::to_string(i + 1);
}

std::string key_to_string(const KeyExpr& k, const ChainParams& params, bool priv);

// Fragments that only Miniscript has (wsh() and tr() leaves hand these to miniscript.h;
// pk, pkh and multi/multi_a keep the descriptor forms, whose scripts are the same).
bool is_miniscript_expression(std::string_view s) {
    static constexpr std::string_view kNames[] = {"pk_k",      "pk_h",    "older", "after", "sha256", "hash256",
                                                  "ripemd160", "hash160", "andor", "and_v", "and_b",  "and_n",
                                                  "or_b",      "or_c",    "or_d",  "or_i",  "thresh"};
    if (s == "0" || s == "1") return true;
    const size_t open = s.find('(');
    const size_t colon = s.find(':');
    if (colon != std::string_view::npos && colon < open) return true;
    if (open == std::string_view::npos) return false;
    return std::find(std::begin(kNames), std::end(kNames), s.substr(0, open)) != std::end(kNames);
}

class Parser {
public:
    explicit Parser(const ChainParams& params) : params_(params) {}

    std::string error;

    std::shared_ptr<Node> parse_script(std::string_view s, Ctx ctx);

private:
    const ChainParams& params_;

    bool fail(const std::string& msg) {
        if (error.empty()) error = msg;
        return false;
    }
    std::optional<KeyExpr> parse_key(std::string_view s, Ctx ctx, bool allow_uncompressed, const std::string& where);
    bool parse_steps(const std::vector<std::string_view>& steps, KeyExpr& key, const std::string& where);
    std::shared_ptr<const TreeNode> parse_tree(std::string_view s, int depth);
    std::shared_ptr<Node> parse_miniscript(std::string_view s, Ctx ctx);
};

bool finalize_key(KeyExpr& key, std::string& error, const std::string& where) {
    if (key.kind != KeyKind::EXTENDED || !key.alternatives.empty()) return true;
    const std::vector<uint32_t> path = key.path();
    if (key.xprv) {
        key.base_prv = key.xprv->derive_path(path);
        if (!key.base_prv) {
            error = where + ": derivation gives an invalid key";
            return false;
        }
        key.base_pub = key.base_prv->neuter();
        return true;
    }
    // Public derivation is only possible without hardened steps; otherwise expand() fails
    // with an explanation.
    if (std::none_of(path.begin(), path.end(), [](uint32_t i) { return (i & kHardenedBit) != 0; })) {
        key.base_pub = derive_path(key.xpub, path);
        if (!key.base_pub) {
            error = where + ": derivation gives an invalid key";
            return false;
        }
    }
    return true;
}

bool Parser::parse_steps(const std::vector<std::string_view>& steps, KeyExpr& key, const std::string& where) {
    bool seen_multipath = false;
    for (size_t i = 0; i < steps.size(); ++i) {
        const std::string_view st = steps[i];
        if (st == "*" || st == "*'" || st == "*h") {
            if (i + 1 != steps.size()) return fail(where + ": '*' must be the last derivation step");
            key.wildcard = st == "*" ? Wildcard::UNHARDENED : Wildcard::HARDENED;
            continue;
        }
        if (!st.empty() && st.front() == '<') {
            if (st.back() != '>') return fail(where + ": multipath step is missing its closing '>'");
            if (seen_multipath) return fail(where + ": only one multipath step <...> is allowed per key");
            seen_multipath = true;
            const std::vector<std::string_view> alts = split(st.substr(1, st.size() - 2), ';');
            if (alts.size() < 2) return fail(where + ": a multipath step needs at least two indexes, like <0;1>");
            for (std::string_view a : alts) {
                const std::optional<uint32_t> idx = parse_path_component(a);
                if (!idx) {
                    return fail(where + ": invalid index '" + std::string(a) +
                                "' in multipath step (expected a number below 2^31, optionally followed by ' or h)");
                }
                if (std::find(key.alternatives.begin(), key.alternatives.end(), *idx) != key.alternatives.end()) {
                    return fail(where + ": duplicate index in multipath step");
                }
                key.alternatives.push_back(*idx);
            }
            continue;
        }
        if (st.find('>') != std::string_view::npos || st.find(';') != std::string_view::npos) {
            return fail(where + ": multipath step is missing its opening '<'");
        }
        const std::optional<uint32_t> idx = parse_path_component(st);
        if (!idx) {
            return fail(where + ": invalid derivation step '" + std::string(st) +
                        "' (expected a number below 2^31, optionally followed by ' or h)");
        }
        (seen_multipath ? key.suffix : key.prefix).push_back(*idx);
    }
    return true;
}

std::optional<KeyExpr> Parser::parse_key(std::string_view s, Ctx ctx, bool allow_uncompressed,
                                         const std::string& where) {
    KeyExpr key;
    key.xonly = ctx == Ctx::P2TR;
    if (s.find('\'') != std::string_view::npos) key.marker = '\'';
    std::string_view rest = s;
    if (!rest.empty() && rest.front() == '[') {
        const size_t close = rest.find(']');
        if (close == std::string_view::npos) {
            fail(where + ": key origin '[' has no closing ']'");
            return std::nullopt;
        }
        const std::vector<std::string_view> parts = split(rest.substr(1, close - 1), '/');
        const std::string_view fp = parts[0];
        if (fp.size() != 8 || !is_hex(fp)) {
            fail(where + ": key origin fingerprint must be exactly 8 hex characters");
            return std::nullopt;
        }
        KeyOriginInfo origin;
        const Bytes fpb = *hex_decode(fp);
        std::copy(fpb.begin(), fpb.end(), origin.fingerprint.begin());
        for (size_t i = 1; i < parts.size(); ++i) {
            const std::optional<uint32_t> idx = parse_path_component(parts[i]);
            if (!idx) {
                fail(where + ": invalid key origin step '" + std::string(parts[i]) +
                     "' (expected a number below 2^31, optionally followed by ' or h)");
                return std::nullopt;
            }
            origin.path.push_back(*idx);
        }
        key.origin = std::move(origin);
        rest = rest.substr(close + 1);
        if (rest.find('[') != std::string_view::npos || rest.find(']') != std::string_view::npos) {
            fail(where + ": more than one key origin");
            return std::nullopt;
        }
    } else if (rest.find(']') != std::string_view::npos) {
        fail(where + ": key origin ']' has no opening '['");
        return std::nullopt;
    }
    std::vector<std::string_view> parts = split(rest, '/');
    const std::string_view body = parts[0];
    const std::vector<std::string_view> steps(parts.begin() + 1, parts.end());
    if (body.empty()) {
        fail(where + (key.origin ? ": key origin is not followed by a key" : ": missing key"));
        return std::nullopt;
    }
    const char* uncompressed_reason = ctx == Ctx::P2WSH  ? "inside wsh()"
                                      : ctx == Ctx::P2TR ? "inside tr()"
                                                         : "in wpkh()";

    if (is_hex(body)) {
        if (!steps.empty()) {
            fail(where + ": a hex public key cannot be followed by derivation steps");
            return std::nullopt;
        }
        const Bytes b = *hex_decode(body);
        if (b.size() == 32 && ctx == Ctx::P2TR) {
            if (!is_fully_valid_xonly_pubkey(b)) {
                fail(where + ": x-only public key is not on the curve");
                return std::nullopt;
            }
            key.pubkey = Bytes{0x02};
            append(key.pubkey, b);
            return key;
        }
        if (b.size() == 33 || b.size() == 65) {
            if (!is_fully_valid_non_hybrid_pubkey(b)) {
                fail(where + ": hex public key is not a valid point (or has a bad prefix byte)");
                return std::nullopt;
            }
            if (b.size() == 65 && !allow_uncompressed) {
                fail(where + ": uncompressed public keys are not allowed " + uncompressed_reason);
                return std::nullopt;
            }
            key.pubkey = b;
            return key;
        }
        fail(where + ": hex public key has " + std::to_string(b.size()) + " bytes (expected 33 or 65" +
             (ctx == Ctx::P2TR ? ", or 32 for x-only" : "") + ")");
        return std::nullopt;
    }

    const std::string body_str(body);
    std::string wif_error;
    if (std::optional<WifKey> wif = decode_wif(body_str, params_, &wif_error)) {
        if (!steps.empty()) {
            fail(where + ": a WIF private key cannot be followed by derivation steps");
            return std::nullopt;
        }
        if (!wif->compressed && !allow_uncompressed) {
            fail(where + ": uncompressed keys are not allowed " + std::string(uncompressed_reason));
            return std::nullopt;
        }
        key.kind = KeyKind::WIF;
        key.secret = SecretKey(wif->secret);
        key.compressed = wif->compressed;
        key.pubkey = key.secret->pubkey(wif->compressed);
        return key;
    }
    const ExtKeyVersions versions[] = {ext_key_versions(params_)};
    std::string ext_error;
    std::optional<DecodedExtKey> ext = decode_ext_key(body, versions, &ext_error);
    if (!ext) {
        // Say why using the parser that fits the string's length best (never echo it:
        // it may be a mistyped private key).
        fail(where + ": not a valid hex public key, WIF private key or extended key (" +
             (body.size() >= 100 ? ext_error : wif_error) + ")");
        return std::nullopt;
    }
    key.kind = KeyKind::EXTENDED;
    if (ext->is_private()) {
        key.xprv = std::get<ExtPrivKey>(ext->key);
        key.xpub = key.xprv->neuter();
    } else {
        key.xpub = std::get<ExtPubKey>(ext->key);
    }
    if (!parse_steps(steps, key, where)) return std::nullopt;
    if (!finalize_key(key, error, where)) return std::nullopt;
    return key;
}

std::shared_ptr<const TreeNode> Parser::parse_tree(std::string_view s, int depth) {
    if (depth > static_cast<int>(kTaprootControlMaxNodeCount)) {
        fail("tr(): script tree is deeper than 128 levels");
        return nullptr;
    }
    auto node = std::make_shared<TreeNode>();
    if (!s.empty() && s.front() == '{') {
        if (s.back() != '}') {
            fail("tr(): script tree branch '{' has no matching '}'");
            return nullptr;
        }
        const std::optional<std::vector<std::string_view>> args = split_args(s.substr(1, s.size() - 2));
        if (!args || args->size() != 2) {
            fail("tr(): a script tree branch {A,B} must have exactly two elements");
            return nullptr;
        }
        node->left = parse_tree((*args)[0], depth + 1);
        if (!node->left) return nullptr;
        node->right = parse_tree((*args)[1], depth + 1);
        if (!node->right) return nullptr;
        return node;
    }
    std::shared_ptr<Node> leaf = parse_script(s, Ctx::P2TR);
    if (!leaf) return nullptr;
    node->leaf = std::move(leaf);
    return node;
}

std::shared_ptr<Node> Parser::parse_miniscript(std::string_view s, Ctx ctx) {
    auto node = std::make_shared<Node>();
    node->kind = Kind::MINISCRIPT;
    const miniscript::Context mctx = ctx == Ctx::P2TR ? miniscript::Context::TAPSCRIPT : miniscript::Context::P2WSH;
    std::string err;
    const miniscript::KeyParser parse_key_fn = [&](std::string_view text,
                                                   std::string& key_error) -> std::optional<size_t> {
        std::optional<KeyExpr> k = parse_key(text, ctx, false, "Miniscript key");
        if (!k) {
            key_error = error;
            return std::nullopt;
        }
        node->keys.push_back(std::move(*k));
        return node->keys.size() - 1;
    };
    node->miniscript = miniscript::parse(s, mctx, parse_key_fn, err);
    if (!node->miniscript) {
        fail(err);
        return nullptr;
    }
    const auto print_key = [&](size_t i) { return key_to_string(node->keys[i], params_, false); };
    std::vector<std::string> ids;
    for (const KeyExpr& k : node->keys) ids.push_back(key_to_string(k, params_, false));
    if (std::optional<std::string> why = miniscript::check_top_level(*node->miniscript, mctx, print_key, ids)) {
        fail(*why);
        return nullptr;
    }
    return node;
}

std::shared_ptr<Node> Parser::parse_script(std::string_view s, Ctx ctx) {
    if ((ctx == Ctx::P2WSH || ctx == Ctx::P2TR) && is_miniscript_expression(s)) return parse_miniscript(s, ctx);
    const size_t open = s.find('(');
    if (open == std::string_view::npos || s.empty() || s.back() != ')') {
        if (ctx == Ctx::TOP) {
            fail("not a descriptor: expected a script expression like wpkh(KEY)");
        } else {
            fail(std::string("expected a script expression ") + ctx_name(ctx) + ", not a key or other text");
        }
        return nullptr;
    }
    const std::string name(s.substr(0, open));
    const std::string_view inner = s.substr(open + 1, s.size() - open - 2);
    const std::optional<std::vector<std::string_view>> args_opt = split_args(inner);
    if (!args_opt) {
        fail(name + "(): unbalanced brackets");
        return nullptr;
    }
    const std::vector<std::string_view>& args = *args_opt;
    auto node = std::make_shared<Node>();
    const std::string fn = name + "()";

    auto allowed = [&](std::initializer_list<Ctx> ok) {
        if (std::find(ok.begin(), ok.end(), ctx) != ok.end()) return true;
        fail(fn + " is not allowed " + ctx_name(ctx));
        return false;
    };
    auto nargs = [&](size_t n) {
        if (args.size() == n && !(n == 1 && args[0].empty())) return true;
        fail(fn + " takes " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") + ", got " +
             (args.size() == 1 && args[0].empty() ? std::string("none") : std::to_string(args.size())));
        return false;
    };
    auto single_key = [&](Kind kind, bool allow_uncompressed) -> std::shared_ptr<Node> {
        if (!nargs(1)) return nullptr;
        node->kind = kind;
        std::optional<KeyExpr> k = parse_key(args[0], ctx, allow_uncompressed, fn);
        if (!k) return nullptr;
        node->keys.push_back(std::move(*k));
        return node;
    };
    // Uncompressed keys are fine in legacy scripts only.
    const bool legacy_ctx = ctx == Ctx::TOP || ctx == Ctx::P2SH;

    if (name == "pk") return single_key(Kind::PK, legacy_ctx);
    if (name == "pkh") {
        if (!allowed({Ctx::TOP, Ctx::P2SH, Ctx::P2WSH})) return nullptr;
        return single_key(Kind::PKH, legacy_ctx);
    }
    if (name == "wpkh") {
        if (!allowed({Ctx::TOP, Ctx::P2SH})) return nullptr;
        return single_key(Kind::WPKH, false);
    }
    if (name == "combo") {
        if (!allowed({Ctx::TOP})) return nullptr;
        return single_key(Kind::COMBO, true);
    }
    if (name == "sh" || name == "wsh") {
        const bool is_sh = name == "sh";
        if (is_sh ? !allowed({Ctx::TOP}) : !allowed({Ctx::TOP, Ctx::P2SH})) return nullptr;
        if (!nargs(1)) return nullptr;
        node->kind = is_sh ? Kind::SH : Kind::WSH;
        node->sub = parse_script(args[0], is_sh ? Ctx::P2SH : Ctx::P2WSH);
        if (!node->sub) return nullptr;
        if (is_sh) {
            // The redeem script must fit in one push (520 bytes).
            const Node& sub = *node->sub;
            if (sub.kind == Kind::MULTI || sub.kind == Kind::SORTEDMULTI) {
                size_t size = push_int_size(sub.threshold) + push_int_size(int64_t(sub.keys.size())) + 1;
                for (const KeyExpr& k : sub.keys) size += 1 + (k.pubkey.size() == 65 ? 65 : 33);
                if (size > kMaxScriptElementSize) {
                    fail("sh(): redeem script would be " + std::to_string(size) +
                         " bytes, above the 520-byte P2SH limit (at most 15 compressed keys in multi())");
                    return nullptr;
                }
            }
        }
        return node;
    }
    if (name == "multi" || name == "sortedmulti" || name == "multi_a" || name == "sortedmulti_a") {
        const bool tapscript = name == "multi_a" || name == "sortedmulti_a";
        if (tapscript ? !allowed({Ctx::P2TR}) : !allowed({Ctx::TOP, Ctx::P2SH, Ctx::P2WSH})) return nullptr;
        node->kind = name == "multi"         ? Kind::MULTI
                     : name == "sortedmulti" ? Kind::SORTEDMULTI
                     : name == "multi_a"     ? Kind::MULTI_A
                                             : Kind::SORTEDMULTI_A;
        if (args.size() < 2) {
            fail(fn + " needs a threshold and at least one key");
            return nullptr;
        }
        const std::string_view t = args[0];
        if (t.empty() || t.size() > 9 ||
            !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            fail(fn + ": threshold '" + std::string(t) + "' is not a number");
            return nullptr;
        }
        node->threshold = static_cast<uint32_t>(std::stoul(std::string(t)));
        const size_t n = args.size() - 1;
        const size_t max_keys = tapscript         ? size_t(kMaxPubkeysPerMultiA)
                                : ctx == Ctx::TOP ? 3
                                                  : size_t(kMaxPubkeysPerMultisig);
        if (n > max_keys) {
            fail(fn + " has " + std::to_string(n) + " keys; at most " + std::to_string(max_keys) + " are allowed " +
                 ctx_name(ctx) + (ctx == Ctx::TOP ? " (bare multisig)" : ""));
            return nullptr;
        }
        if (node->threshold < 1) {
            fail(fn + ": threshold must be at least 1");
            return nullptr;
        }
        if (node->threshold > n) {
            fail(fn + ": threshold " + std::to_string(node->threshold) + " is larger than the number of keys (" +
                 std::to_string(n) + ")");
            return nullptr;
        }
        for (size_t i = 1; i < args.size(); ++i) {
            std::optional<KeyExpr> k = parse_key(args[i], ctx, legacy_ctx, fn + ", " + ordinal(i - 1) + " key");
            if (!k) return nullptr;
            node->keys.push_back(std::move(*k));
        }
        return node;
    }
    if (name == "raw" || name == "addr") {
        if (!allowed({Ctx::TOP})) return nullptr;
        if (!nargs(1)) return nullptr;
        if (name == "raw") {
            node->kind = Kind::RAW;
            const std::optional<Bytes> b = hex_decode(args[0]);
            if (!b || b->empty()) {
                fail("raw(): argument is not a non-empty hex string");
                return nullptr;
            }
            node->script = Script(*b);
        } else {
            node->kind = Kind::ADDR;
            std::string err;
            const std::optional<Script> sc = decode_address(std::string(args[0]), params_, &err);
            if (!sc) {
                fail("addr(): invalid address: " + err);
                return nullptr;
            }
            node->script = *sc;
        }
        return node;
    }
    if (name == "tr") {
        if (!allowed({Ctx::TOP})) return nullptr;
        if (args.size() != 1 && args.size() != 2) {
            fail("tr() takes a key and optionally a script tree");
            return nullptr;
        }
        node->kind = Kind::TR;
        std::optional<KeyExpr> k = parse_key(args[0], Ctx::P2TR, false, "tr() internal key");
        if (!k) return nullptr;
        node->keys.push_back(std::move(*k));
        if (args.size() == 2) {
            node->tree = parse_tree(args[1], 0);
            if (!node->tree) return nullptr;
        }
        return node;
    }
    fail("unknown script expression '" + name + "()'");
    return nullptr;
}

// ---------------------------------------------------------------------------------------
// Walking keys

template <typename F>
void for_each_key(const Node& n, F&& f) {
    for (const KeyExpr& k : n.keys) f(k);
    if (n.sub) for_each_key(*n.sub, f);
    if (n.tree) {
        std::vector<const TreeNode*> todo{n.tree.get()};
        while (!todo.empty()) {
            const TreeNode* t = todo.back();
            todo.pop_back();
            if (t->leaf) for_each_key(*t->leaf, f);
            if (t->right) todo.push_back(t->right.get());
            if (t->left) todo.push_back(t->left.get());
        }
    }
}

// A new tree with every key taking multipath alternative `i` (keys without one unchanged).
std::shared_ptr<const Node> pick_alternative(const Node& n, size_t i, std::string& error);

std::shared_ptr<const TreeNode> pick_tree(const TreeNode& t, size_t i, std::string& error) {
    auto out = std::make_shared<TreeNode>();
    if (t.leaf) {
        out->leaf = pick_alternative(*t.leaf, i, error);
        if (!out->leaf) return nullptr;
    } else {
        out->left = pick_tree(*t.left, i, error);
        out->right = pick_tree(*t.right, i, error);
        if (!out->left || !out->right) return nullptr;
    }
    return out;
}

std::shared_ptr<const Node> pick_alternative(const Node& n, size_t i, std::string& error) {
    auto out = std::make_shared<Node>(n);
    for (KeyExpr& k : out->keys) {
        if (k.alternatives.empty()) continue;
        k.prefix.push_back(k.alternatives[i]);
        k.alternatives.clear();
        if (!finalize_key(k, error, std::string(kind_name(n.kind)) + "()")) return nullptr;
    }
    if (n.sub) {
        out->sub = pick_alternative(*n.sub, i, error);
        if (!out->sub) return nullptr;
    }
    if (n.tree) {
        out->tree = pick_tree(*n.tree, i, error);
        if (!out->tree) return nullptr;
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// Printing

std::string key_to_string(const KeyExpr& k, const ChainParams& params, bool priv) {
    std::string out;
    if (k.origin) {
        out += '[';
        out += hex_encode(k.origin->fingerprint);
        out += format_path_suffix(k.origin->path, k.marker);
        out += ']';
    }
    switch (k.kind) {
    case KeyKind::CONST_PUB:
    case KeyKind::WIF:
        if (priv && k.kind == KeyKind::WIF) {
            out += encode_wif(k.secret->span(), k.compressed, params);
        } else if (k.xonly) {
            out += hex_encode(ByteView(k.pubkey).subspan(1));
        } else {
            out += hex_encode(k.pubkey);
        }
        return out;
    case KeyKind::EXTENDED: break;
    }
    out += (priv && k.xprv) ? k.xprv->to_string(params) : k.xpub.to_string(params);
    out += format_path_suffix(k.prefix, k.marker);
    if (!k.alternatives.empty()) {
        out += "/<";
        for (size_t i = 0; i < k.alternatives.size(); ++i) {
            if (i) out += ';';
            out += std::to_string(k.alternatives[i] & ~kHardenedBit);
            if (k.alternatives[i] & kHardenedBit) out += k.marker;
        }
        out += '>';
    }
    out += format_path_suffix(k.suffix, k.marker);
    if (k.wildcard == Wildcard::UNHARDENED) out += "/*";
    if (k.wildcard == Wildcard::HARDENED) {
        out += "/*";
        out += k.marker;
    }
    return out;
}

std::string node_to_string(const Node& n, const ChainParams& params, bool priv);

std::string tree_to_string(const TreeNode& t, const ChainParams& params, bool priv) {
    if (t.leaf) return node_to_string(*t.leaf, params, priv);
    return "{" + tree_to_string(*t.left, params, priv) + "," + tree_to_string(*t.right, params, priv) + "}";
}

std::string node_to_string(const Node& n, const ChainParams& params, bool priv) {
    std::string out = std::string(kind_name(n.kind)) + "(";
    switch (n.kind) {
    case Kind::SH:
    case Kind::WSH: out += node_to_string(*n.sub, params, priv); break;
    case Kind::MULTI:
    case Kind::SORTEDMULTI:
    case Kind::MULTI_A:
    case Kind::SORTEDMULTI_A:
        out += std::to_string(n.threshold);
        for (const KeyExpr& k : n.keys) out += "," + key_to_string(k, params, priv);
        break;
    case Kind::RAW: out += hex_encode(n.script.bytes()); break;
    case Kind::ADDR: out += encode_address(n.script, params).value_or(""); break;
    case Kind::TR:
        out += key_to_string(n.keys[0], params, priv);
        if (n.tree) out += "," + tree_to_string(*n.tree, params, priv);
        break;
    case Kind::MINISCRIPT:
        return miniscript::to_string(*n.miniscript, [&](size_t i) { return key_to_string(n.keys[i], params, priv); });
    default: out += key_to_string(n.keys[0], params, priv); break;
    }
    return out + ")";
}

// ---------------------------------------------------------------------------------------
// Expansion

struct DerivedKey {
    Bytes pubkey;  // 33 or 65 bytes
    KeyOriginInfo origin;
    std::optional<SecretKey> secret;
};

std::optional<DerivedKey> derive_key(const KeyExpr& k, uint32_t index, bool want_secret, std::string& error) {
    DerivedKey out;
    if (k.kind != KeyKind::EXTENDED) {
        out.pubkey = k.pubkey;
        if (k.origin) {
            out.origin = *k.origin;
        } else {
            out.origin.fingerprint = key_fingerprint(k.pubkey);
        }
        if (want_secret && k.secret) out.secret = *k.secret;
        return out;
    }
    if (!k.alternatives.empty()) {
        error = "cannot expand a multipath descriptor; split it first";
        return std::nullopt;
    }
    std::vector<uint32_t> steps = k.path();
    std::optional<uint32_t> child;
    if (k.wildcard != Wildcard::NONE) {
        child = index | (k.wildcard == Wildcard::HARDENED ? kHardenedBit : 0);
        steps.push_back(*child);
    }
    if (k.base_prv) {
        std::optional<ExtPrivKey> d = child ? k.base_prv->derive(*child) : k.base_prv;
        if (!d) {
            error = "derivation at index " + std::to_string(index) + " gives an invalid key";
            return std::nullopt;
        }
        const std::array<uint8_t, 33> pk = d->secret.compressed_pubkey();
        out.pubkey.assign(pk.begin(), pk.end());
        if (want_secret) out.secret = d->secret;
    } else {
        if (!k.base_pub || (child && (*child & kHardenedBit))) {
            error = "hardened derivation needs the private key (the descriptor has an xpub)";
            return std::nullopt;
        }
        std::optional<ExtPubKey> d = child ? k.base_pub->derive(*child) : k.base_pub;
        if (!d) {
            error = "derivation at index " + std::to_string(index) + " gives an invalid key";
            return std::nullopt;
        }
        out.pubkey.assign(d->pubkey.begin(), d->pubkey.end());
    }
    if (k.origin) {
        out.origin = *k.origin;
    } else {
        out.origin.fingerprint = k.xpub.fingerprint();
    }
    out.origin.path.insert(out.origin.path.end(), steps.begin(), steps.end());
    return out;
}

class Expander {
public:
    Expander(uint32_t index, std::string& error) : index_(index), error_(error) {}

    std::vector<DerivedPubkey> keys;

    // The key as the script uses it (x-only under tr()); records it in `keys`.
    std::optional<Bytes> key(const KeyExpr& k) {
        std::optional<DerivedKey> d = derive_key(k, index_, false, error_);
        if (!d) return std::nullopt;
        Bytes used = k.xonly ? Bytes(d->pubkey.begin() + 1, d->pubkey.begin() + 33) : d->pubkey;
        keys.push_back(DerivedPubkey{used, d->origin, {}});
        return used;
    }

    // Every key of `n`, in order, as the script uses them.
    std::optional<std::vector<Bytes>> all_keys(const Node& n) {
        std::vector<Bytes> out;
        for (const KeyExpr& k : n.keys) {
            auto pk = key(k);
            if (!pk) return std::nullopt;
            out.push_back(std::move(*pk));
        }
        return out;
    }

    // Scripts of pk/pkh/wpkh/multi*/Miniscript/sh/wsh nodes; sh, wsh and Miniscript fill `es`.
    std::optional<Script> build(const Node& n, ExpandedScript& es) {
        Script s;
        switch (n.kind) {
        case Kind::PK: {
            auto k = key(n.keys[0]);
            if (!k) return std::nullopt;
            s.push_data(*k).push_op(OP_CHECKSIG);
            return s;
        }
        case Kind::PKH: {
            auto k = key(n.keys[0]);
            if (!k) return std::nullopt;
            s.push_op(OP_DUP).push_op(OP_HASH160).push_data(hash160(*k)).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
            return s;
        }
        case Kind::WPKH: {
            auto k = key(n.keys[0]);
            if (!k) return std::nullopt;
            s.push_op(OP_0).push_data(hash160(*k));
            return s;
        }
        case Kind::MULTI:
        case Kind::SORTEDMULTI:
        case Kind::MULTI_A:
        case Kind::SORTEDMULTI_A: {
            auto derived = all_keys(n);
            if (!derived) return std::nullopt;
            std::vector<Bytes>& pks = *derived;
            if (n.kind == Kind::SORTEDMULTI || n.kind == Kind::SORTEDMULTI_A) std::sort(pks.begin(), pks.end());
            if (n.kind == Kind::MULTI || n.kind == Kind::SORTEDMULTI) {
                s.push_int(n.threshold);
                for (const Bytes& pk : pks) s.push_data(pk);
                s.push_int(static_cast<int64_t>(pks.size())).push_op(OP_CHECKMULTISIG);
            } else {
                for (size_t i = 0; i < pks.size(); ++i) {
                    s.push_data(pks[i]).push_op(i == 0 ? OP_CHECKSIG : OP_CHECKSIGADD);
                }
                s.push_int(n.threshold).push_op(OP_NUMEQUAL);
            }
            return s;
        }
        case Kind::MINISCRIPT: {
            auto derived = all_keys(n);
            if (!derived) return std::nullopt;
            std::vector<Bytes>& pks = *derived;
            s = miniscript::to_script(*n.miniscript, pks);
            es.miniscripts.push_back(MiniscriptScript{s, n.miniscript, pks});
            return s;
        }
        case Kind::SH: {
            auto inner = build(*n.sub, es);
            if (!inner) return std::nullopt;
            es.redeem_script = *inner;
            s.push_op(OP_HASH160).push_data(hash160(inner->bytes())).push_op(OP_EQUAL);
            return s;
        }
        case Kind::WSH: {
            auto inner = build(*n.sub, es);
            if (!inner) return std::nullopt;
            es.witness_script = *inner;
            s.push_op(OP_0).push_data(sha256(inner->bytes()).view());
            return s;
        }
        default: error_ = std::string(kind_name(n.kind)) + "() cannot be used here"; return std::nullopt;
        }
    }

    bool taproot(const Node& n, ExpandedScript& es) {
        auto internal = key(n.keys[0]);
        if (!internal) return false;
        XOnlyPubkey ik;
        std::copy(internal->begin(), internal->end(), ik.begin());
        TaprootBuilder builder;
        if (n.tree) {
            // Depth-first, left before right.
            std::vector<std::pair<const TreeNode*, int>> todo{{n.tree.get(), 0}};
            while (!todo.empty()) {
                auto [t, depth] = todo.back();
                todo.pop_back();
                if (!t->leaf) {
                    todo.push_back({t->right.get(), depth + 1});
                    todo.push_back({t->left.get(), depth + 1});
                    continue;
                }
                const size_t first_key = keys.size();
                ExpandedScript leaf_es;
                auto leaf_script = build(*t->leaf, leaf_es);
                if (!leaf_script) return false;
                for (MiniscriptScript& m : leaf_es.miniscripts) es.miniscripts.push_back(std::move(m));
                const uint256 lh = tapleaf_hash(kTaprootLeafTapscript, *leaf_script);
                for (size_t i = first_key; i < keys.size(); ++i) keys[i].leaf_hashes.push_back(lh);
                builder.add_leaf(depth, *leaf_script, kTaprootLeafTapscript);
            }
        }
        std::optional<TaprootSpendData> data = builder.finalize(ik, &error_);
        if (!data) return false;
        es.script_pubkey = data->script_pubkey();
        es.taproot = std::move(*data);
        return true;
    }

private:
    uint32_t index_;
    std::string& error_;
};

// Merges entries for the same key (a key may appear in several leaves).
std::vector<DerivedPubkey> dedupe(std::vector<DerivedPubkey> in) {
    std::vector<DerivedPubkey> out;
    for (DerivedPubkey& d : in) {
        auto it = std::find_if(out.begin(), out.end(), [&](const DerivedPubkey& o) { return o.pubkey == d.pubkey; });
        if (it == out.end()) {
            out.push_back(std::move(d));
        } else {
            for (const uint256& h : d.leaf_hashes) {
                if (std::find(it->leaf_hashes.begin(), it->leaf_hashes.end(), h) == it->leaf_hashes.end()) {
                    it->leaf_hashes.push_back(h);
                }
            }
        }
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Descriptor

std::optional<Descriptor> Descriptor::parse(std::string_view text, const ChainParams& params, std::string* error,
                                            bool require_checksum) {
    auto fail = [&](const std::string& msg) -> std::optional<Descriptor> {
        if (error) *error = msg;
        return std::nullopt;
    };
    std::string_view payload = text;
    const size_t hash = text.find('#');
    if (hash != std::string_view::npos) {
        if (text.find('#', hash + 1) != std::string_view::npos) return fail("Multiple '#' symbols");
        payload = text.substr(0, hash);
        const std::string_view sum = text.substr(hash + 1);
        if (sum.size() != 8) {
            return fail("Expected 8 character checksum, not " + std::to_string(sum.size()) + " characters");
        }
        const size_t bad = first_invalid_char(payload);
        if (bad != std::string_view::npos) return fail("Invalid characters in payload");
        const std::string want = descriptor_checksum(payload);
        if (sum != want) {
            return fail("Provided checksum '" + std::string(sum) + "' does not match computed checksum '" + want + "'");
        }
    } else {
        if (require_checksum) return fail("Missing checksum");
        if (first_invalid_char(payload) != std::string_view::npos) return fail("Invalid characters in payload");
    }
    Parser parser(params);
    std::shared_ptr<Node> root = parser.parse_script(payload, Ctx::TOP);
    if (!root) return fail(parser.error.empty() ? "invalid descriptor" : parser.error);
    root->params = std::make_shared<const ChainParams>(params);

    // Multipath keys must agree on the number of alternatives.
    size_t count = 1;
    bool mismatch = false;
    for_each_key(*root, [&](const KeyExpr& k) {
        if (k.alternatives.empty()) return;
        if (count == 1) {
            count = k.alternatives.size();
        } else if (k.alternatives.size() != count) {
            mismatch = true;
        }
    });
    if (mismatch) return fail("multipath steps of different lengths (all <...> steps must have as many indexes)");
    Descriptor d;
    d.root_ = std::move(root);
    return d;
}

bool Descriptor::is_range() const {
    bool range = false;
    for_each_key(*root_, [&](const KeyExpr& k) { range = range || k.wildcard != Wildcard::NONE; });
    return range;
}

bool Descriptor::is_solvable() const { return root_->kind != Kind::RAW && root_->kind != Kind::ADDR; }

bool Descriptor::has_private_keys() const {
    bool any = false;
    for_each_key(*root_, [&](const KeyExpr& k) { any = any || k.secret.has_value() || k.xprv.has_value(); });
    return any;
}

size_t Descriptor::multipath_count() const {
    size_t count = 1;
    for_each_key(*root_, [&](const KeyExpr& k) {
        if (!k.alternatives.empty()) count = k.alternatives.size();
    });
    return count;
}

std::vector<Descriptor> Descriptor::split_multipath() const {
    const size_t count = multipath_count();
    if (count == 1) return {*this};
    std::vector<Descriptor> out;
    for (size_t i = 0; i < count; ++i) {
        std::string err;
        std::shared_ptr<const Node> n = pick_alternative(*root_, i, err);
        if (!n) continue;  // an invalid child key (probability 2^-127)
        auto root = std::make_shared<Node>(*n);
        root->params = root_->params;
        Descriptor d;
        d.root_ = std::move(root);
        out.push_back(std::move(d));
    }
    return out;
}

std::string Descriptor::to_string(bool include_private) const {
    return add_descriptor_checksum(node_to_string(*root_, *root_->params, include_private));
}

std::optional<std::vector<ExpandedScript>> Descriptor::expand(uint32_t index, std::string* error) const {
    std::string err;
    auto fail = [&](const std::string& msg) -> std::optional<std::vector<ExpandedScript>> {
        if (error) *error = msg;
        return std::nullopt;
    };
    if (is_multipath()) return fail("cannot expand a multipath descriptor; split it first");
    if (is_range() && (index & kHardenedBit)) return fail("index must be below 2^31");
    const Node& n = *root_;
    std::vector<ExpandedScript> out;
    Expander ex(index, err);
    switch (n.kind) {
    case Kind::RAW:
    case Kind::ADDR: {
        ExpandedScript es;
        es.script_pubkey = n.script;
        out.push_back(std::move(es));
        return out;
    }
    case Kind::TR: {
        ExpandedScript es;
        if (!ex.taproot(n, es)) return fail(err);
        es.pubkeys = dedupe(std::move(ex.keys));
        out.push_back(std::move(es));
        return out;
    }
    case Kind::COMBO: {
        auto pk = ex.key(n.keys[0]);
        if (!pk) return fail(err);
        const std::vector<DerivedPubkey> keys = ex.keys;
        auto add = [&](Script s, std::optional<Script> redeem = std::nullopt) {
            ExpandedScript es;
            es.script_pubkey = std::move(s);
            es.redeem_script = std::move(redeem);
            es.pubkeys = keys;
            out.push_back(std::move(es));
        };
        add(Script().push_data(*pk).push_op(OP_CHECKSIG));
        add(script_for_destination(PKHashDest{hash160(*pk)}));
        if (pk->size() == 33) {
            const Script wpkh = script_for_destination(WitnessV0KeyHashDest{hash160(*pk)});
            add(wpkh);
            add(script_for_destination(ScriptHashDest{hash160(wpkh.bytes())}), wpkh);
        }
        return out;
    }
    default: {
        ExpandedScript es;
        std::optional<Script> s = ex.build(n, es);
        if (!s) return fail(err);
        es.script_pubkey = std::move(*s);
        es.pubkeys = dedupe(std::move(ex.keys));
        out.push_back(std::move(es));
        return out;
    }
    }
}

std::vector<std::pair<Bytes, SecretKey>> Descriptor::private_keys(uint32_t index) const {
    std::vector<std::pair<Bytes, SecretKey>> out;
    if (is_multipath()) return out;
    for_each_key(*root_, [&](const KeyExpr& k) {
        if (!k.secret && !k.xprv) return;
        std::string err;
        std::optional<DerivedKey> d = derive_key(k, index, true, err);
        if (!d || !d->secret) return;
        const bool dup = std::any_of(out.begin(), out.end(), [&](const auto& p) { return p.first == d->pubkey; });
        if (!dup) out.emplace_back(d->pubkey, *d->secret);
    });
    return out;
}

}  // namespace minicash
