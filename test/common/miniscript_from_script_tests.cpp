// Recognizing Miniscript in scripts (common/miniscript_from_script.h): every fragment and
// wrapper of BIP379's table, in P2WSH and tapscript, is read back from its script to an
// expression giving the same script; scripts that are not Miniscript are refused.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/miniscript.h"
#include "common/miniscript_from_script.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::miniscript;

namespace {

// Key X is 0x02 followed by 32 bytes of X (32 bytes of X in tapscript).
Bytes key_of(char c, Context ctx) {
    Bytes b(ctx == Context::P2WSH ? 33 : 32, uint8_t(c));
    if (ctx == Context::P2WSH) b[0] = 0x02;
    return b;
}

Script script_of(const std::string& text, Context ctx) {
    std::vector<Bytes> keys;
    std::string error;
    const KeyParser parse_key = [&](std::string_view k, std::string&) -> std::optional<size_t> {
        keys.push_back(key_of(k[0], ctx));
        return keys.size() - 1;
    };
    const NodeRef node = parse(text, ctx, parse_key, error);
    EXPECT_TRUE(node) << text << ": " << error;
    return node ? to_script(*node, keys) : Script();
}

// The public key among A..Z whose HASH160 is `h` (pkh fragments).
std::optional<Bytes> key_for_hash(ByteView h, Context ctx) {
    for (char c = 'A'; c <= 'Z'; ++c) {
        const Bytes k = key_of(c, ctx);
        const Hash160 kh = hash160(k);
        if (std::equal(kh.begin(), kh.end(), h.begin(), h.end())) return k;
    }
    return std::nullopt;
}

}  // namespace

TEST(MiniscriptFromScript, EveryFragmentRoundTrips) {
    const std::string h32(64, 'a'), h20(40, 'b');
    const std::vector<std::string> both = {
        "pk(A)",
        "pkh(A)",
        "and_v(v:pk(A),older(144))",
        "and_v(v:pk(A),after(500000000))",
        "and_v(v:pkh(A),and_v(v:older(16),after(100)))",
        "and_v(v:pk(A),sha256(" + h32 + "))",
        "and_v(v:hash256(" + h32 + "),pk(A))",
        "and_v(v:ripemd160(" + h20 + "),pk(A))",
        "and_v(v:hash160(" + h20 + "),pk(A))",
        "or_d(pk(A),and_v(v:pk(B),older(1000)))",
        "andor(pk(A),pk(B),pk(C))",
        "and_n(pk(A),pk(B))",
        "and_b(pk(A),s:pk(B))",
        "or_b(pk(A),a:pk(B))",
        "t:or_c(pk(A),v:pk(B))",
        "or_i(pk(A),pk(B))",
        "l:pk(A)",
        "u:pk(A)",
        "and_v(v:pk(A),d:v:older(1))",
        "j:pk(A)",
        "n:pk(A)",
        "thresh(2,pk(A),s:pk(B),s:pk(C))",
        "thresh(2,pk(A),a:pk(B),s:pk(C))",
        "and_v(v:pk(A),thresh(2,pk(B),s:pk(C),sln:older(5)))",
        "thresh(1,pk(A))",
        "andor(pk(A),or_i(and_v(v:pkh(B),hash160(" + h20 + ")),older(10)),and_v(v:pk(C),after(20)))",
    };
    for (Context ctx : {Context::P2WSH, Context::TAPSCRIPT}) {
        std::vector<std::string> exprs = both;
        const std::string multi = ctx == Context::P2WSH ? "multi" : "multi_a";
        exprs.push_back("or_d(" + multi + "(2,A,B,C),pk(D))");
        exprs.push_back("and_v(v:" + multi + "(1,A,B),pk(C))");
        for (const std::string& text : exprs) {
            SCOPED_TRACE(text + (ctx == Context::P2WSH ? " (P2WSH)" : " (tapscript)"));
            const Script script = script_of(text, ctx);
            auto d = from_script(script, ctx, [ctx](ByteView h) { return key_for_hash(h, ctx); });
            EXPECT_TRUE(d);
            if (d) { EXPECT_EQ(to_script(*d->node, d->keys), script); }
        }
    }
}

TEST(MiniscriptFromScript, RefusesOtherScripts) {
    const auto decode = [](const std::string& hex, Context ctx = Context::P2WSH) {
        return from_script(Script(*hex_decode(hex)), ctx).has_value();
    };
    EXPECT_FALSE(decode(""));
    EXPECT_FALSE(decode("525293"));                       // 2 2 ADD
    EXPECT_FALSE(decode("0014" + std::string(40, '1')));  // a witness program
    EXPECT_FALSE(decode("4c"));                           // truncated push
    // A pkh whose key is unknown cannot be rebuilt.
    EXPECT_FALSE(decode("76a914" + std::string(40, '1') + "88ac"));
    // An x-only key is not a P2WSH key, and a 33-byte key not a tapscript one.
    EXPECT_FALSE(decode("20" + std::string(64, '1') + "ac"));
    EXPECT_FALSE(decode("21" + std::string(66, '1') + "ac", Context::TAPSCRIPT));
}

// Damaged scripts (bytes changed, dropped, cut off) never crash the decoder, and whatever
// it accepts gives back exactly the damaged script.
TEST(MiniscriptFromScript, DamagedScriptsAreRefusedOrExact) {
    const std::vector<std::string> exprs = {
        "andor(pk(A),or_i(and_v(v:pkh(B),hash160(" + std::string(40, 'b') + ")),older(10)),and_v(v:pk(C),after(20)))",
        "thresh(2,pk(A),a:pk(B),s:pk(C))", "or_d(multi(2,A,B,C),and_v(v:pk(D),older(5)))", "j:and_b(pk(A),s:pk(B))"};
    std::mt19937 rng(18);
    size_t accepted = 0;
    for (const std::string& text : exprs) {
        const Bytes good = script_of(text, Context::P2WSH).bytes();
        for (int round = 0; round < 400; ++round) {
            Bytes b = good;
            const size_t at = rng() % b.size();
            switch (rng() % 3) {
            case 0: b[at] = uint8_t(rng()); break;
            case 1: b.erase(b.begin() + ptrdiff_t(at)); break;
            default: b.resize(at); break;
            }
            const Script damaged(b);
            auto d = from_script(damaged, Context::P2WSH, [](ByteView h) { return key_for_hash(h, Context::P2WSH); });
            if (d) {
                ++accepted;
                EXPECT_EQ(to_script(*d->node, d->keys), damaged);
            }
        }
    }
    EXPECT_LT(accepted, 1600u);
}
