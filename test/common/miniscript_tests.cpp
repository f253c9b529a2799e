// Miniscript (BIP379): parsing, the type system, printing with Core's aliases, script
// generation (hand-assembled from BIP379's script table) and the largest satisfaction.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <string>

#include "common/descriptor.h"
#include "common/key.h"
#include "common/miniscript.h"
#include "consensus/blk_records.h"
#include "consensus/block.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::miniscript;

namespace {

// Keys are single capital letters; key X is 0x02 followed by 32 bytes of X (32 bytes
// of X in tapscript). Scripts do not check keys, so these stand in for real ones.
struct Keys {
    std::vector<std::string> names;
    KeyParser parser() {
        return [this](std::string_view text, std::string& error) -> std::optional<size_t> {
            if (text.size() != 1 || text[0] < 'A' || text[0] > 'Z') {
                error = "bad key '" + std::string(text) + "'";
                return std::nullopt;
            }
            names.emplace_back(text);
            return names.size() - 1;
        };
    }
    KeyPrinter printer() const {
        return [this](size_t i) { return names[i]; };
    }
    std::vector<Bytes> bytes(Context ctx) const {
        std::vector<Bytes> out;
        for (const std::string& n : names) {
            Bytes b;
            if (ctx == Context::P2WSH) b.push_back(0x02);
            b.insert(b.end(), 32, uint8_t(n[0]));
            out.push_back(b);
        }
        return out;
    }
};

std::string key_hex(char c, Context ctx = Context::P2WSH) {
    Bytes b;
    if (ctx == Context::P2WSH) b.push_back(0x02);
    b.insert(b.end(), 32, uint8_t(c));
    return hex_encode(b);
}

struct Parsed {
    NodeRef node;
    Keys keys;
    std::string error;
};

Parsed parse_ms(const std::string& text, Context ctx = Context::P2WSH) {
    Parsed p;
    p.node = parse(text, ctx, p.keys.parser(), p.error);
    return p;
}

std::string script_hex(const std::string& text, Context ctx = Context::P2WSH) {
    Parsed p = parse_ms(text, ctx);
    EXPECT_TRUE(p.node) << text << ": " << p.error;
    if (!p.node) return "";
    return hex_encode(to_script(*p.node, p.keys.bytes(ctx)).bytes());
}

std::optional<std::string> top_level_error(const std::string& text, Context ctx = Context::P2WSH) {
    Parsed p = parse_ms(text, ctx);
    EXPECT_TRUE(p.node) << text << ": " << p.error;
    if (!p.node) return "parse failed";
    return check_top_level(*p.node, ctx, p.keys.printer(), p.keys.names);
}

const std::string kH32 = std::string(64, 'a');
const std::string kH20 = std::string(40, 'b');

}  // namespace

TEST(Miniscript, ScriptsFollowTheBip379Table) {
    const std::string A = key_hex('A'), B = key_hex('B'), C = key_hex('C');
    // c:pk_k: <A> CHECKSIG; pkh: DUP HASH160 <h> EQUALVERIFY CHECKSIG.
    EXPECT_EQ(script_hex("pk(A)"), "21" + A + "ac");
    EXPECT_EQ(script_hex("pkh(A)"), "76a914" + hex_encode(hash160(*hex_decode(A))) + "88ac");
    // and_v(v:pk(A),older(144)): CHECKSIG merges into CHECKSIGVERIFY; 144 = 0x9000.
    EXPECT_EQ(script_hex("and_v(v:pk(A),older(144))"), "21" + A + "ad029000b2");
    // v:older appends OP_VERIFY (CSV has no VERIFY form); after(500000000) = 0x0065cd1d.
    EXPECT_EQ(script_hex("and_v(v:older(16),after(500000000))"),
              "60b2690400"
              "65cd1d"
              "b1");
    // Hash locks: SIZE <32> EQUALVERIFY <op> <h> EQUAL (EQUALVERIFY under v:).
    EXPECT_EQ(script_hex("sha256(" + kH32 + ")"), "82012088a820" + kH32 + "87");
    EXPECT_EQ(script_hex("v:hash256(" + kH32 + ")"), "82012088aa20" + kH32 + "88");
    EXPECT_EQ(script_hex("ripemd160(" + kH20 + ")"), "82012088a614" + kH20 + "87");
    EXPECT_EQ(script_hex("hash160(" + kH20 + ")"), "82012088a914" + kH20 + "87");
    // or_d: X IFDUP NOTIF Z ENDIF.
    EXPECT_EQ(script_hex("or_d(pk(A),and_v(v:pk(B),older(1000)))"), "21" + A + "ac736421" + B + "ad02e803b268");
    // andor: X NOTIF Z ELSE Y ENDIF; and_n(X,Y) = andor(X,Y,0).
    EXPECT_EQ(script_hex("andor(pk(A),pk(B),pk(C))"), "21" + A + "ac6421" + C + "ac6721" + B + "ac68");
    EXPECT_EQ(script_hex("and_n(pk(A),pk(B))"), "21" + A +
                                                    "ac640067"
                                                    "21" +
                                                    B + "ac68");
    // and_b / or_b with s: (SWAP) and a: (TOALTSTACK .. FROMALTSTACK).
    EXPECT_EQ(script_hex("and_b(pk(A),s:pk(B))"), "21" + A + "ac7c21" + B + "ac9a");
    EXPECT_EQ(script_hex("or_b(pk(A),a:pk(B))"), "21" + A + "ac6b21" + B + "ac6c9b");
    // or_c inside t: (and_v(X,1)); or_i: IF X ELSE Z ENDIF; l: and u: put 0 on one side.
    EXPECT_EQ(script_hex("t:or_c(pk(A),v:pk(B))"), "21" + A + "ac6421" + B + "ad6851");
    EXPECT_EQ(script_hex("or_i(pk(A),pk(B))"), "6321" + A + "ac6721" + B + "ac68");
    EXPECT_EQ(script_hex("l:pk(A)"),
              "630067"
              "21" +
                  A + "ac68");
    EXPECT_EQ(script_hex("u:pk(A)"), "6321" + A + "ac670068");
    // d: DUP IF X ENDIF; j: SIZE 0NOTEQUAL IF X ENDIF; n: X 0NOTEQUAL.
    EXPECT_EQ(script_hex("d:v:older(1)"), "766351b26968");
    EXPECT_EQ(script_hex("j:pk(A)"), "82926321" + A + "ac68");
    EXPECT_EQ(script_hex("n:pk(A)"), "21" + A + "ac92");
    // thresh: X1 (Xi ADD)* <k> EQUAL; multi: <k> keys <n> CHECKMULTISIG(VERIFY).
    EXPECT_EQ(script_hex("thresh(2,pk(A),s:pk(B),s:pk(C))"), "21" + A + "ac7c21" + B + "ac937c21" + C + "ac935287");
    EXPECT_EQ(script_hex("multi(2,A,B,C)"), "5221" + A + "21" + B + "21" + C + "53ae");
    EXPECT_EQ(script_hex("and_v(v:multi(1,A,B),pk(C))"), "5121" + A + "21" + B + "52af21" + C + "ac");
    // Tapscript: x-only keys; multi_a: <k1> CHECKSIG (<ki> CHECKSIGADD)* <k> NUMEQUAL.
    const std::string xa = key_hex('A', Context::TAPSCRIPT), xb = key_hex('B', Context::TAPSCRIPT);
    EXPECT_EQ(script_hex("multi_a(1,A,B)", Context::TAPSCRIPT), "20" + xa + "ac20" + xb + "ba519c");
    EXPECT_EQ(script_hex("and_v(v:multi_a(1,A,B),pk(A))", Context::TAPSCRIPT),
              "20" + xa + "ac20" + xb + "ba519d20" + xa + "ac");
}

TEST(Miniscript, PrintsCanonicalTextWithCoresAliases) {
    for (const char* text :
         {"and_v(v:pk(A),older(144))", "or_d(pk(A),and_v(v:pk(B),older(1000)))", "l:pk(A)", "u:pk(A)",
          "t:or_c(pk(A),v:pk(B))", "and_n(pk(A),pk(B))", "thresh(2,pk(A),s:pk(B),s:pk(C))", "andor(pk(A),pkh(B),pk(C))",
          "sdv:older(2)", "multi(1,A,B)", "j:pk(A)"}) {
        Parsed p = parse_ms(text);
        ASSERT_TRUE(p.node) << text << ": " << p.error;
        EXPECT_EQ(to_string(*p.node, p.keys.printer()), text);
    }
    // Spelled-out forms print as their aliases.
    Parsed p = parse_ms("and_v(vc:pk_k(A),or_i(0,c:pk_h(B)))");
    ASSERT_TRUE(p.node) << p.error;
    EXPECT_EQ(to_string(*p.node, p.keys.printer()), "and_v(v:pk(A),l:pkh(B))");
}

TEST(Miniscript, TypeSystemRefusesInvalidExpressions) {
    struct Bad {
        const char* text;
        Context ctx;
    };
    for (const Bad& b : std::initializer_list<Bad>{
             {"and_v(pk(A),pk(B))", Context::P2WSH},       // X must be V
             {"or_b(pk(A),pk(B))", Context::P2WSH},        // Z must be W
             {"s:older(1)", Context::P2WSH},               // s: needs o
             {"c:older(1)", Context::P2WSH},               // c: needs K
             {"d:pk(A)", Context::P2WSH},                  // d: needs Vz
             {"j:older(1)", Context::P2WSH},               // j: needs n
             {"or_i(pk(A),v:pk(B))", Context::P2WSH},      // same basic type
             {"thresh(3,pk(A),s:pk(B))", Context::P2WSH},  // k > n
             {"thresh(0,pk(A))", Context::P2WSH},          // k < 1
             {"older(0)", Context::P2WSH},
             {"after(2147483648)", Context::P2WSH},
             {"sha256(abcd)", Context::P2WSH},
             {"multi(1,A,B)", Context::TAPSCRIPT},
             {"multi_a(1,A,B)", Context::P2WSH},
             {"multi(3,A,B)", Context::P2WSH},
             {"pk(A,B)", Context::P2WSH},
             {"x:pk(A)", Context::P2WSH},
             {"foo(A)", Context::P2WSH},
             {"pk(a)", Context::P2WSH},
             {"and_v(v:pk(A)", Context::P2WSH},
         }) {
        Parsed p = parse_ms(b.text, b.ctx);
        EXPECT_FALSE(p.node) << b.text;
        EXPECT_FALSE(p.error.empty()) << b.text;
    }
    // Deep nesting is refused, not a crash.
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "n:";
    EXPECT_FALSE(parse_ms(deep + "pk(A)").node);
    std::string nested = "pk(A)";
    for (int i = 0; i < 1000; ++i) nested = "and_b(" + nested + ",a:pk(A))";
    EXPECT_FALSE(parse_ms(nested).node);
}

TEST(Miniscript, TypePropertiesAndContext) {
    Parsed p = parse_ms("and_v(v:pk(A),older(144))");
    ASSERT_TRUE(p.node);
    const Type t = p.node->type;
    EXPECT_EQ(t.base(), 'B');
    EXPECT_TRUE(t.has(Type::o | Type::s | Type::m | Type::k | Type::f));
    EXPECT_FALSE(t.has(Type::z));
    EXPECT_FALSE(t.has(Type::d));
    // d: is u only in tapscript (MINIMALIF makes the IF argument exactly 1).
    Parsed w = parse_ms("d:v:older(1)"), tap = parse_ms("d:v:older(1)", Context::TAPSCRIPT);
    ASSERT_TRUE(w.node && tap.node);
    EXPECT_FALSE(w.node->type.has(Type::u));
    EXPECT_TRUE(tap.node->type.has(Type::u));
    // So thresh(1,d:v:...) needs u and only works in tapscript.
    EXPECT_FALSE(parse_ms("thresh(1,d:v:older(1))").node);
    EXPECT_TRUE(parse_ms("thresh(1,d:v:older(1))", Context::TAPSCRIPT).node);
}

TEST(Miniscript, TopLevelSanity) {
    EXPECT_EQ(top_level_error("and_v(v:pk(A),older(144))"), std::nullopt);
    EXPECT_EQ(top_level_error("multi_a(2,A,B,C)", Context::TAPSCRIPT), std::nullopt);
    EXPECT_NE(top_level_error("v:pk(A)")->find("of type B"), std::string::npos);
    EXPECT_NE(top_level_error("or_d(pk(A),older(12))")->find("witnesses without signature exist"), std::string::npos);
    EXPECT_NE(top_level_error("or_d(sha256(" + kH32 + "),pk(A))")->find("malleable witnesses exist"),
              std::string::npos);
    // older(144) is in blocks, older(4194305) in time units: both needed at once.
    EXPECT_NE(top_level_error("and_v(v:pk(A),and_v(v:older(144),older(4194305)))")->find("mixes of timelocks"),
              std::string::npos);
    // Mixing is fine when only one of them is needed.
    EXPECT_EQ(top_level_error("and_v(v:pk(A),or_i(and_v(v:pk(B),older(144)),and_v(v:pk(C),older(4194305))))"),
              std::nullopt);
    EXPECT_NE(top_level_error("and_v(v:pk(A),pk(A))")->find("duplicate public keys"), std::string::npos);
    // 11 CHECKMULTISIGs of 10 keys: a 3773-byte witness script, above P2WSH's 3600.
    std::string many = "multi(1,A,B,C,D,E,F,G,H,I,J)";
    for (int i = 0; i < 10; ++i) many = "and_v(v:multi(1,A,B,C,D,E,F,G,H,I,J)," + many + ")";
    Parsed p = parse_ms(many);
    ASSERT_TRUE(p.node) << p.error;
    std::vector<std::string> ids;
    for (size_t i = 0; i < p.keys.names.size(); ++i) ids.push_back(std::to_string(i));
    const auto err = check_top_level(*p.node, Context::P2WSH, p.keys.printer(), ids);
    ASSERT_TRUE(err);
    EXPECT_NE(err->find("is invalid: its script would be 3773 bytes"), std::string::npos) << *err;
}

TEST(Miniscript, MaxSatisfactionSize) {
    // Signatures of 72 bytes (P2WSH) or 64 (tapscript), keys of 33 or 32; each element
    // counts one length byte.
    struct Case {
        std::string text;
        Context ctx;
        size_t elems, bytes;
    };
    const std::vector<Case> cases = {
        {"and_v(v:pk(A),older(144))", Context::P2WSH, 1, 73},                 // one signature
        {"or_d(pk(A),and_v(v:pk(B),older(1000)))", Context::P2WSH, 2, 74},    // sat(Z) dsat(X): sig + empty
        {"pkh(A)", Context::P2WSH, 2, 73 + 34},                               // sig + key
        {"or_i(pk(A),pk(B))", Context::P2WSH, 2, 75},                         // sig + 0x01 on the left branch
        {"thresh(2,pk(A),s:pk(B),s:pk(C))", Context::P2WSH, 3, 147},          // two sigs + one empty
        {"multi(2,A,B,C)", Context::P2WSH, 3, 147},                           // dummy + two sigs
        {"and_v(v:pk(A),sha256(" + kH32 + "))", Context::P2WSH, 2, 73 + 33},  // + 32-byte preimage
        {"multi_a(2,A,B,C)", Context::TAPSCRIPT, 3, 131},                     // two sigs + one empty
        {"or_b(pk(A),sdv:older(1))", Context::TAPSCRIPT, 2, 65 + 1},          // d: dissatisfied by one empty
    };
    for (const Case& c : cases) {
        Parsed p = parse_ms(c.text, c.ctx);
        ASSERT_TRUE(p.node) << c.text << ": " << p.error;
        const bool wsh = c.ctx == Context::P2WSH;
        const auto s = max_satisfaction(*p.node, c.ctx, wsh ? 72 : 64, wsh ? 33 : 32);
        ASSERT_TRUE(s) << c.text;
        EXPECT_EQ(s->elems, c.elems) << c.text;
        EXPECT_EQ(s->bytes, c.bytes) << c.text;
    }
    // Unsatisfiable.
    Parsed p = parse_ms("and_b(pk(A),a:0)");
    ASSERT_TRUE(p.node) << p.error;
    EXPECT_FALSE(max_satisfaction(*p.node, Context::P2WSH, 72, 33));
}

TEST(Miniscript, DescriptorsExpandWshAndTrMiniscript) {
    const ChainParams params = make_chain_params(Network::MAIN);
    auto pub = [](uint8_t n, bool compressed = true) {
        std::array<uint8_t, 32> secret{};
        secret[31] = n;
        return hex_encode(SecretKey(secret).pubkey(compressed));
    };
    const std::string k1 = pub(1), k2 = pub(2);
    std::string err;
    const std::string text = "wsh(and_v(v:pk(" + k1 + "),older(144)))";
    auto d = Descriptor::parse(text, params, &err);
    ASSERT_TRUE(d) << err;
    EXPECT_EQ(d->to_string(), add_descriptor_checksum(text));
    auto e = d->expand(0);
    ASSERT_TRUE(e);
    const Script ws = e->front().witness_script.value();
    EXPECT_EQ(hex_encode(ws.bytes()), "21" + k1 + "ad029000b2");
    EXPECT_EQ(hex_encode(e->front().script_pubkey.bytes()), "0020" + hex_encode(sha256(ws.bytes()).view()));
    ASSERT_EQ(e->front().miniscripts.size(), 1u);
    EXPECT_EQ(e->front().miniscripts[0].script, ws);

    // tr() with a Miniscript leaf: x-only keys, leaf hash recorded for the key.
    const std::string xk1 = k1.substr(2), xk2 = k2.substr(2);
    const std::string tr = "tr(" + xk1 + ",{and_v(v:pk(" + xk2 + "),older(144)),pk(" + xk1 + ")})";
    auto t = Descriptor::parse(tr, params, &err);
    ASSERT_TRUE(t) << err;
    EXPECT_EQ(t->to_string(), add_descriptor_checksum(tr));
    auto te = t->expand(0);
    ASSERT_TRUE(te);
    ASSERT_EQ(te->front().miniscripts.size(), 1u);
    EXPECT_EQ(hex_encode(te->front().miniscripts[0].script.bytes()), "20" + xk2 + "ad029000b2");

    // Refused: insane expressions, multi_a under wsh, miniscript at top level or in sh().
    for (const std::string& bad : {"wsh(or_d(pk(" + k1 + "),older(12)))", "wsh(multi_a(1," + k1 + "))",
                                   "and_v(v:pk(" + k1 + "),older(144))", "sh(and_v(v:pk(" + k1 + "),older(144)))",
                                   "wsh(and_v(v:pk(" + k1 + "),pk(" + k1 + ")))", "wsh(v:pk(" + k1 + "))"}) {
        EXPECT_FALSE(Descriptor::parse(bad, params, &err)) << bad;
    }
    // Uncompressed keys are refused in Miniscript.
    EXPECT_FALSE(Descriptor::parse("wsh(and_v(v:pk(" + pub(3, false) + "),older(1)))", params, &err));
    EXPECT_NE(err.find("uncompressed"), std::string::npos) << err;
}

// chain/regtest/chain-a.blk holds Core-signed spends of wsh(and_v(v:pk(K),older(12))),
// wsh(and_v(v:pk(K),after(150))) and tapscript and_v(v:pk(K),older(16)) leaves. For each,
// the expression rebuilt from its key and lock gives exactly the script on chain, and
// the largest satisfaction with signatures of any hash type (65 / 73 bytes) covers the
// witness Core made.
TEST(Miniscript, RegtestChainSpendsMatchCoreScripts) {
    MINICASH_REQUIRE_VECTORS(dir);
    const Bytes data = test::read_binary(dir / "chain" / "regtest" / "chain-a.blk");
    const NetworkMagic magic = make_chain_params(Network::REGTEST).magic;
    const BlkSplit split = split_blk_records(data, &magic);
    ASSERT_EQ(split.end, BlkSplitEnd::END);
    std::map<OutPoint, TxOut> utxos;
    size_t wsh_checked = 0, tap_checked = 0;
    for (const BlkRecord& rec : split.records) {
        std::string err;
        std::optional<Block> block = Block::decode(rec.payload, &err);
        ASSERT_TRUE(block) << err;
        for (const Transaction& tx : block->txs) {
            for (const TxIn& in : tx.vin) {
                auto it = utxos.find(in.prevout);
                if (it == utxos.end()) continue;
                const Script spk = it->second.script_pubkey;
                utxos.erase(it);
                int version = 0;
                Bytes program;
                if (!spk.is_witness_program(version, program) || in.witness.size() < 2) continue;
                const bool tap = version == 1;
                // The witness script, or the leaf of a script path spend (no annex here).
                const Bytes& script = in.witness[in.witness.size() - (tap ? 2 : 1)];
                const size_t key_len = tap ? 32 : 33;
                if (script.size() < key_len + 4 || script[0] != key_len || script[key_len + 1] != OP_CHECKSIGVERIFY) {
                    continue;
                }
                const uint8_t lock_op = script.back();
                if (lock_op != OP_CHECKSEQUENCEVERIFY && lock_op != OP_CHECKLOCKTIMEVERIFY) continue;
                const Script lock(Bytes(script.begin() + key_len + 2, script.end() - 1));
                size_t pc = 0;
                Opcode op;
                ByteView push;
                ASSERT_TRUE(lock.get_op(pc, op, &push));
                const int64_t n = op >= OP_1 && op <= OP_16 ? int64_t(op - OP_1 + 1) : ScriptNum(push, true).value();
                const std::string text = std::string("and_v(v:pk(K),") +
                                         (lock_op == OP_CHECKSEQUENCEVERIFY ? "older(" : "after(") + std::to_string(n) +
                                         "))";
                const Context ctx = tap ? Context::TAPSCRIPT : Context::P2WSH;
                std::string error;
                const NodeRef node = parse(
                    text, ctx, [](std::string_view, std::string&) { return std::optional<size_t>(0); }, error);
                ASSERT_TRUE(node) << error;
                const Bytes key(script.begin() + 1, script.begin() + 1 + key_len);
                EXPECT_EQ(to_script(*node, {key}).bytes(), script) << text;
                const auto sat = max_satisfaction(*node, ctx, tap ? 65 : 73, key_len);
                ASSERT_TRUE(sat);
                const size_t stack_items = in.witness.size() - (tap ? 2 : 1);
                size_t stack_bytes = 0;
                for (size_t i = 0; i < stack_items; ++i) stack_bytes += 1 + in.witness[i].size();
                EXPECT_EQ(sat->elems, stack_items);
                EXPECT_GE(sat->bytes, stack_bytes);
                ++(tap ? tap_checked : wsh_checked);
            }
            const uint256 txid = tx.txid();
            for (uint32_t i = 0; i < tx.vout.size(); ++i) utxos[OutPoint{txid, i}] = tx.vout[i];
        }
    }
    // The README's counts: 170 older(12) + 165 after(150) P2WSH inputs, 142 tapscript leaves.
    EXPECT_EQ(wsh_checked, 335u);
    EXPECT_EQ(tap_checked, 142u);
}
