// Miniscript satisfaction (common/miniscript_satisfier.h): hand-checked witness stacks
// (bottom first) for each combinator, the non-malleable choice, timelocks and the reason
// given when nothing satisfies. Signature of key X is "sX", its key "kX"; the scripts
// and real signatures are checked end to end in wallet/input_size_tests and the
// wallet's miniscript end-to-end test.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/bip32.h"
#include "common/descriptor.h"
#include "common/miniscript.h"
#include "common/miniscript_satisfier.h"
#include "common/psbt.h"
#include "common/signer.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::miniscript;

namespace {

Bytes text_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

using Preimages = std::map<Bytes, Bytes>;  // SHA256 hash -> preimage

struct Result {
    std::vector<std::string> stack;
    uint32_t older = 0, after = 0;
    std::string error;
};

// Satisfies `text` with signatures by `signers`, older(n) met for n <= max_older and
// after(n) for n <= max_after.
Result run(const std::string& text, const std::set<char>& signers, uint32_t max_older = 0, uint32_t max_after = 0,
           Context ctx = Context::P2WSH, const Preimages& preimages = {}) {
    std::vector<char> names;
    std::string error;
    const KeyParser keys = [&](std::string_view t, std::string&) -> std::optional<size_t> {
        names.push_back(t[0]);
        return names.size() - 1;
    };
    const NodeRef node = parse(text, ctx, keys, error);
    EXPECT_TRUE(node) << text << ": " << error;
    if (!node) return {};
    SatisfierInputs in;
    in.signature = [&](size_t k) -> std::optional<Bytes> {
        if (!signers.count(names[k])) return std::nullopt;
        return text_bytes(std::string("s") + names[k]);
    };
    in.key = [&](size_t k) { return text_bytes(std::string("k") + names[k]); };
    in.preimage = [&](Fragment f, const Bytes& hash) -> std::optional<Bytes> {
        auto it = preimages.find(hash);
        if (f != Fragment::SHA256 || it == preimages.end()) return std::nullopt;
        return it->second;
    };
    in.older = [&](uint32_t n) { return n <= max_older; };
    in.after = [&](uint32_t n) { return n <= max_after; };
    Result r;
    auto sat = satisfy(*node, ctx, in, &r.error);
    if (!sat) return r;
    for (const Bytes& b : sat->stack) {
        const bool printable = !b.empty() && std::all_of(b.begin(), b.end(), [](uint8_t c) { return c >= 'A'; });
        r.stack.push_back(printable ? std::string(b.begin(), b.end()) : hex_encode(b));
    }
    r.older = sat->older;
    r.after = sat->after;
    return r;
}

using Items = std::vector<std::string>;

}  // namespace

TEST(MiniscriptSatisfier, KeysAndAnd) {
    EXPECT_EQ(run("pk(A)", {'A'}).stack, Items({"sA"}));
    EXPECT_EQ(run("pkh(A)", {'A'}).stack, Items({"sA", "kA"}));
    // X runs first, so its elements are on top (last).
    EXPECT_EQ(run("and_v(v:pk(A),pk(B))", {'A', 'B'}).stack, Items({"sB", "sA"}));
    EXPECT_EQ(run("and_b(pk(A),s:pk(B))", {'A', 'B'}).stack, Items({"sB", "sA"}));
    const Result missing = run("and_v(v:pk(A),pk(B))", {'A'});
    EXPECT_TRUE(missing.stack.empty());
    EXPECT_EQ(missing.error, "signatures or preimages are missing");
}

TEST(MiniscriptSatisfier, OrTakesTheCheapestBranchAndDissatisfiesTheOther) {
    // or_d: X, or dissatisfied X (the empty signature) then Z.
    EXPECT_EQ(run("or_d(pk(A),pk(B))", {'B'}).stack, Items({"sB", ""}));
    EXPECT_EQ(run("or_d(pk(A),pk(B))", {'A', 'B'}).stack, Items({"sA"}));
    EXPECT_EQ(run("or_b(pk(A),s:pk(B))", {'A'}).stack, Items({"", "sA"}));
    EXPECT_EQ(run("or_b(pk(A),s:pk(B))", {'B'}).stack, Items({"sB", ""}));
    EXPECT_EQ(run("or_c(pk(A),v:pk(B))", {'B'}).stack, Items({"sB", ""}));
    // or_i: MINIMALIF selectors, 0x01 for X and empty for Z.
    EXPECT_EQ(run("or_i(pk(A),pk(B))", {'A'}).stack, Items({"sA", "01"}));
    EXPECT_EQ(run("or_i(pk(A),pk(B))", {'B'}).stack, Items({"sB", ""}));
    // andor(X,Y,Z): Y and X, or Z and dissatisfied X.
    EXPECT_EQ(run("andor(pk(A),pk(B),pk(C))", {'A', 'B'}).stack, Items({"sB", "sA"}));
    EXPECT_EQ(run("andor(pk(A),pk(B),pk(C))", {'C'}).stack, Items({"sC", ""}));
    // The timelocked branch when only its key signs.
    EXPECT_EQ(run("or_d(pk(A),and_v(v:pk(B),older(10)))", {'B'}, 10).stack, Items({"sB", ""}));
}

TEST(MiniscriptSatisfier, ThresholdsAndMultisig) {
    // thresh: the first subexpression's elements on top; unused ones dissatisfied.
    EXPECT_EQ(run("thresh(2,pk(A),s:pk(B),s:pk(C))", {'A', 'C'}).stack, Items({"sC", "", "sA"}));
    EXPECT_EQ(run("thresh(2,pk(A),s:pk(B),s:pk(C))", {'B', 'C'}).stack, Items({"sC", "sB", ""}));
    EXPECT_EQ(run("thresh(2,pk(A),s:pk(B),s:pk(C))", {'A', 'B', 'C'}).stack.size(), 3u);
    EXPECT_EQ(run("thresh(2,pk(A),s:pk(B),s:pk(C))", {'A'}).error, "signatures or preimages are missing");
    // multi: CHECKMULTISIG's dummy, then the signatures in key order.
    EXPECT_EQ(run("multi(2,A,B,C)", {'A', 'C'}).stack, Items({"", "sA", "sC"}));
    EXPECT_EQ(run("multi(2,A,B,C)", {'B', 'C'}).stack, Items({"", "sB", "sC"}));
    EXPECT_EQ(run("multi(1,A,B)", {'A', 'B'}).stack, Items({"", "sA"}));
    // multi_a: one element per key, the first key's on top, empty for keys not signing.
    EXPECT_EQ(run("multi_a(2,A,B,C)", {'A', 'C'}, 0, 0, Context::TAPSCRIPT).stack, Items({"sC", "", "sA"}));
    EXPECT_EQ(run("multi_a(1,A,B,C)", {'B'}, 0, 0, Context::TAPSCRIPT).stack, Items({"", "sB", ""}));
    EXPECT_EQ(run("multi_a(3,A,B,C)", {'A', 'C'}, 0, 0, Context::TAPSCRIPT).error,
              "signatures or preimages are missing");
}

TEST(MiniscriptSatisfier, TimelocksAreReportedAndChecked) {
    Result r = run("and_v(v:pk(A),older(10))", {'A'}, 10);
    EXPECT_EQ(r.stack, Items({"sA"}));
    EXPECT_EQ(r.older, 10u);
    EXPECT_EQ(r.after, 0u);
    r = run("and_v(v:pk(A),older(10))", {'A'}, 9);
    EXPECT_TRUE(r.stack.empty());
    EXPECT_EQ(r.error, "the transaction does not meet the timelock it needs (older(10))");
    r = run("and_v(v:pk(A),after(500))", {'A'}, 0, 500, Context::TAPSCRIPT);
    EXPECT_EQ(r.stack, Items({"sA"}));
    EXPECT_EQ(r.after, 500u);
    EXPECT_EQ(run("and_v(v:pk(A),after(500))", {'A'}, 0, 499).error,
              "the transaction does not meet the timelock it needs (after(500))");
    // The branch without a timelock needs no nSequence: none reported.
    r = run("or_d(pk(A),and_v(v:pk(B),older(10)))", {'A', 'B'}, 10);
    EXPECT_EQ(r.stack, Items({"sA"}));
    EXPECT_EQ(r.older, 0u);
}

TEST(MiniscriptSatisfier, PreimagesAndMalleability) {
    const Bytes pre(32, 0x07);
    const auto digest = sha256(pre);
    const Bytes h(digest.view().begin(), digest.view().end());
    const std::string expr = "and_v(v:pk(A),sha256(" + hex_encode(h) + "))";
    EXPECT_EQ(run(expr, {'A'}).error, "signatures or preimages are missing");
    const Preimages known{{h, pre}};
    EXPECT_EQ(run(expr, {'A'}, 0, 0, Context::P2WSH, known).stack, Items({hex_encode(pre), "sA"}));
    // A satisfaction without a signature could be used by anyone instead of the one with
    // A's: when the timelock is met there is no non-malleable satisfaction.
    EXPECT_EQ(run("or_i(pk(A),older(10))", {'A'}, 10).error, "it has no non-malleable satisfaction");
    EXPECT_EQ(run("or_i(pk(A),older(10))", {'A'}, 9).stack, Items({"sA", "01"}));
}

TEST(MiniscriptSatisfier, TransactionTimelocks) {
    Transaction tx;
    tx.version = 2;
    tx.vin.resize(1);
    tx.vin[0].sequence = 10;
    EXPECT_TRUE(tx_meets_older(tx, 0, 10));
    EXPECT_TRUE(tx_meets_older(tx, 0, 9));
    EXPECT_FALSE(tx_meets_older(tx, 0, 11));
    EXPECT_FALSE(tx_meets_older(tx, 0, 10 | TxIn::kSequenceTypeFlag));  // time, not height
    tx.version = 1;
    EXPECT_FALSE(tx_meets_older(tx, 0, 10));
    tx.version = 2;
    tx.vin[0].sequence = TxIn::kSequenceDisableFlag | 10;
    EXPECT_FALSE(tx_meets_older(tx, 0, 10));
    tx.vin[0].sequence = 0xfffffffd;
    tx.locktime = 200;
    EXPECT_TRUE(tx_meets_after(tx, 0, 200));
    EXPECT_FALSE(tx_meets_after(tx, 0, 201));
    EXPECT_FALSE(tx_meets_after(tx, 0, 500000000));  // a time, not a height
    tx.vin[0].sequence = TxIn::kSequenceFinal;
    EXPECT_FALSE(tx_meets_after(tx, 0, 200));
}

// The PSBT signer and finalizer on real keys: a Miniscript coin under wsh() and in a
// tapscript leaf is signed, and finalized once the transaction meets its timelock; the
// result verifies with the interpreter.
TEST(MiniscriptSatisfier, SignerFinalizesMiniscriptSpendsWithTheirTimelock) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    const std::string a = ExtPrivKey::from_seed(Bytes(32, 1))->to_string(params) + "/0/*";
    const std::string b = ExtPrivKey::from_seed(Bytes(32, 2))->neuter().to_string(params) + "/0/*";
    const std::string nums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";
    for (const std::string& text : {"wsh(or_d(pk(" + b + "),and_v(v:pk(" + a + "),older(10))))",
                                    "tr(" + nums + ",{pk(" + b + "),and_v(v:pk(" + a + "),older(10))})"}) {
        SCOPED_TRACE(text);
        std::string why;
        auto desc = Descriptor::parse(text, params, &why);
        ASSERT_TRUE(desc) << why;
        const Script spk = desc->expand(0)->front().script_pubkey;
        KeyStore keys;
        keys.add_descriptor(*desc, 0);
        const TxOut coin{100000, spk};
        auto spend = [&](uint32_t sequence) {
            Transaction tx;
            tx.version = 2;
            tx.vin.resize(1);
            tx.vin[0].prevout = OutPoint{sha256(Bytes{1}), 0};
            tx.vin[0].sequence = sequence;
            tx.vout.push_back(TxOut{90000, spk});
            Psbt p = Psbt::from_transaction(tx);
            p.inputs[0].witness_utxo = coin;
            return p;
        };
        // B (not held) would need no timelock; A's branch needs older(10).
        Psbt early = spend(9);
        EXPECT_EQ(sign_psbt(early, keys), 0u);
        EXPECT_FALSE(early.inputs[0].is_final());
        EXPECT_EQ(early.inputs[0].partial_sigs.size() + early.inputs[0].tap_script_sigs.size(), 1u);

        Psbt ready = spend(10);
        Psbt copy = ready;
        ASSERT_EQ(sign_psbt(ready, keys), 1u);
        auto tx = extract_transaction(ready);
        ASSERT_TRUE(tx);
        EXPECT_TRUE(verify_transaction_scripts(*tx, {coin}, &why)) << why;
        // Without the expression, the finalizer recognizes the script (miniscript_from_script.h).
        ASSERT_TRUE(sign_psbt_input(copy, 0, keys));
        EXPECT_TRUE(finalize_input(copy, 0));
        ASSERT_TRUE(copy.inputs[0].final_script_witness && ready.inputs[0].final_script_witness);
        EXPECT_EQ(copy.inputs[0].final_script_witness->size(), ready.inputs[0].final_script_witness->size());
    }
}
