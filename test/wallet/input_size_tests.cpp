// Input sizes from descriptors (wallet/input_size.h): for every script the descriptors
// express, a wallet funds a payment at a fee rate, signs it with all its keys (the
// finalizer keeps m signatures of a multisig), and the fee of the finalized transaction
// divided by its real vsize lands within [target, target + 1) sat/vB.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "common/bip32.h"
#include "common/money.h"
#include "common/signer.h"
#include "consensus/interpreter.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "util/hash.h"
#include "wallet/input_size.h"
#include "wallet/keychain.h"
#include "wallet/spend.h"

using namespace minicash;
using namespace minicash::wallet;

namespace {

const ChainParams& regtest() {
    static const ChainParams p = make_chain_params(Network::REGTEST);
    return p;
}

// An xprv from a fixed seed byte, its key expression with a /0/* path.
std::string xprv(uint8_t seed_byte) {
    Bytes seed(32, seed_byte);
    auto k = ExtPrivKey::from_seed(seed);
    return k->to_string(regtest()) + "/0/*";
}

// NUMS point H of BIP341: the internal key of policies with no key path.
const char* kNums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

// A funding transaction (as if confirmed at height 1) paying the wallet's first script
// `outputs` times.
Transaction funding(const Script& to, int outputs, Amount each) {
    Transaction t;
    TxIn in;
    in.prevout = OutPoint{sha256(Bytes{1, 2, 3}), 0};
    t.vin.push_back(in);
    for (int i = 0; i < outputs; ++i) t.vout.push_back(TxOut{each + i, to});
    return t;
}

struct Case {
    const char* name;
    std::string desc;
};

std::vector<Case> cases() {
    const std::string a = xprv(1), b = xprv(2), c = xprv(3);
    return {
        {"pkh", "pkh(" + a + ")"},
        {"wpkh", "wpkh(" + a + ")"},
        {"sh-wpkh", "sh(wpkh(" + a + "))"},
        {"tr key path", "tr(" + a + ")"},
        {"tr key path with a tree", "tr(" + a + ",pk(" + b + "))"},
        {"tr pk leaf", "tr(" + std::string(kNums) + ",pk(" + a + "))"},
        {"tr multi_a 2-of-3", "tr(" + std::string(kNums) + ",multi_a(2," + a + "," + b + "," + c + "))"},
        {"tr sortedmulti_a 1-of-2 in a tree",
         "tr(" + std::string(kNums) + ",{sortedmulti_a(1," + a + "," + b + "),pk(" + c + ")})"},
        {"bare multi 1-of-2", "multi(1," + a + "," + b + ")"},
        {"sh multi 2-of-3", "sh(multi(2," + a + "," + b + "," + c + "))"},
        {"sh sortedmulti 2-of-3", "sh(sortedmulti(2," + a + "," + b + "," + c + "))"},
        {"wsh multi 2-of-3", "wsh(multi(2," + a + "," + b + "," + c + "))"},
        {"wsh sortedmulti 3-of-3", "wsh(sortedmulti(3," + a + "," + b + "," + c + "))"},
        {"sh-wsh sortedmulti 2-of-3", "sh(wsh(sortedmulti(2," + a + "," + b + "," + c + ")))"},
        {"sh pk", "sh(pk(" + a + "))"},
        {"wsh pkh", "wsh(pkh(" + a + "))"},
        {"sh-wsh pk", "sh(wsh(pk(" + a + ")))"},
        {"pk", "pk(" + a + ")"},
        // Miniscript: the builder sets nSequence / nLockTime for the timelocks, the
        // finalizer picks the cheapest satisfaction.
        {"wsh miniscript and_v older", "wsh(and_v(v:pk(" + a + "),older(10)))"},
        {"wsh miniscript and_v after", "wsh(and_v(v:pk(" + a + "),after(100)))"},
        {"wsh miniscript or_d", "wsh(or_d(pk(" + a + "),and_v(v:pk(" + b + "),older(10))))"},
        {"wsh miniscript thresh 2-of-3", "wsh(thresh(2,pk(" + a + "),s:pk(" + b + "),s:pk(" + c + ")))"},
        {"sh-wsh miniscript andor", "sh(wsh(andor(pk(" + a + "),pk(" + b + "),and_v(v:pkh(" + c + "),older(10)))))"},
        {"tr miniscript leaf older", "tr(" + std::string(kNums) + ",and_v(v:pk(" + a + "),older(10)))"},
        {"tr miniscript leaves", "tr(" + std::string(kNums) + ",{and_v(v:pk(" + a + "),after(100)),or_d(pk(" + b +
                                     "),and_v(v:pk(" + c + "),older(10)))})"},
    };
}

// A wallet holding only `desc` (receive and change), with `inputs` coins of it.
WalletState wallet_with(const std::string& desc_text, int inputs) {
    std::string why;
    auto d = Descriptor::parse(desc_text, regtest(), &why);
    EXPECT_TRUE(d) << desc_text << ": " << why;
    auto s = new_wallet_state(Network::REGTEST, 0, {DescriptorSpec{*d, false, infer_address_type(*d)}}, false, &why);
    EXPECT_TRUE(s) << why;
    const Script to = d->expand(0)->front().script_pubkey;
    s->add_transaction(funding(to, inputs, 100000), TxState::CONFIRMED, 1, sha256(Bytes{9}), 1700000000, 0);
    s->set_synced(200, sha256(Bytes{8}));
    return std::move(*s);
}

Script external() {
    Script s;
    s.push_op(OP_0).push_data(Bytes(20, 0x77));
    return s;
}

}  // namespace

TEST(InputSize, FinalizedFeeRateHitsTheTargetForEveryDescriptorType) {
    for (const Case& c : cases()) {
        for (int inputs : {1, 3}) {
            for (double rate_vb : {1.0, 7.3, 25.0}) {
                SCOPED_TRACE(std::string(c.name) + ", " + std::to_string(inputs) + " inputs, " +
                             std::to_string(rate_vb) + " sat/vB");
                WalletState s = wallet_with(c.desc, inputs);
                const FeeRate rate{Amount(std::llround(rate_vb * 1000))};
                // Pay nearly everything so that every coin is spent.
                Recipient r{external(), Amount(100000 * inputs) - 40000, false};
                BuiltTransaction built;
                ASSERT_NO_THROW(built = fund_transaction(s, {r}, rate, 200));
                ASSERT_EQ(built.tx.vin.size(), size_t(inputs));
                ASSERT_NO_THROW(sign_and_verify(s, built.tx, built.spent_outputs));
                const size_t vsize = (built.tx.weight() + 3) / 4;
                const double actual = double(built.fee) / double(vsize);
                EXPECT_GE(actual, rate_vb);
                EXPECT_LT(actual, rate_vb + 1.0);
                // The estimate is an upper bound, and exact up to signature length.
                EXPECT_GE(built.estimated_weight, built.tx.weight());
                EXPECT_LE(built.estimated_weight - built.tx.weight(), 4u * size_t(inputs) + 4);
            }
        }
    }
}

TEST(InputSize, KnownSizes) {
    // Reference values: P2WPKH 67.75 vB (low R), P2TR key path 57.5 vB, 2-of-3 P2WSH
    // 104.5 vB... checked from the stack layouts.
    auto size_of = [](const std::string& text, bool key_path = true) {
        auto d = Descriptor::parse(text, regtest());
        auto e = d->expand(0);
        SatisfactionOptions o;
        o.taproot_key_path = key_path;
        return satisfied_input_size(e->front(), o);
    };
    const std::string a = xprv(1), b = xprv(2), c = xprv(3);
    EXPECT_EQ(size_of("wpkh(" + a + ")")->weight, 271u);
    EXPECT_EQ(size_of("tr(" + a + ")")->weight, 230u);
    EXPECT_EQ(size_of("pkh(" + a + ")")->weight, 4u * 147);
    EXPECT_EQ(size_of("sh(wpkh(" + a + "))")->weight, 4u * 64 + 107);
    // wsh(multi(2,3 keys)): count 1 + dummy 1 + 2 x (1 + 71) + script (1 + 105).
    EXPECT_EQ(size_of("wsh(multi(2," + a + "," + b + "," + c + "))")->weight, 4u * 41 + 1 + 1 + 144 + 106);
    // tr multi_a(2,3 keys) leaf: count 1 + 2 x 65 + 1 empty + script (1 + 104) + control block (1 + 33).
    EXPECT_EQ(size_of("tr(" + std::string(kNums) + ",multi_a(2," + a + "," + b + "," + c + "))", false)->weight,
              4u * 41 + 1 + 130 + 1 + 105 + 34);
    // Unknown scripts have no size.
    EXPECT_FALSE(size_of("raw(51)"));
}

// Miniscript under wsh() and in tr() leaves: the estimate is the largest satisfaction.
// Each case spends its coin with a witness built by hand from real signatures (the
// largest one the policy allows), checks it with the interpreter, and compares the
// input's real weight with the estimate.
namespace {

struct MiniscriptSpend {
    std::string desc;
    uint32_t sequence;
    // The witness stack before the script (and control block); `sigs` holds the
    // signatures of keys a, b and c (empty for a key the descriptor does not hold).
    std::function<Witness(const std::vector<Bytes>& sigs)> stack;
};

// The first public key of a /0/* xprv expression.
Bytes first_pubkey(const std::string& key) {
    auto d = Descriptor::parse("wpkh(" + key + ")", regtest());
    return d->private_keys(0).at(0).first;
}

// Real weight of input 0 (outpoint, sequence, empty scriptSig, witness).
size_t input_weight(const Transaction& tx) {
    Transaction bare = tx;
    bare.vin[0].witness.clear();
    return 4 * 41 + (tx.weight() - bare.weight() - 2);  // minus the segwit marker and flag
}

}  // namespace

TEST(InputSize, MiniscriptEstimateCoversARealSpend) {
    const std::string a = xprv(1), b = xprv(2), c = xprv(3);
    const std::string other = ExtPrivKey::from_seed(Bytes(32, 9))->neuter().to_string(regtest()) + "/0/*";
    const std::vector<MiniscriptSpend> spends = {
        {"wsh(and_v(v:pk(" + a + "),older(10)))", 10, [](const auto& s) { return Witness{s[0]}; }},
        // Largest: B's signature after A's empty dissatisfaction.
        {"wsh(or_d(pk(" + a + "),and_v(v:pk(" + b + "),older(10))))", 10,
         [](const auto& s) {
             return Witness{s[1], Bytes{}};
         }},
        {"wsh(andor(pk(" + a + "),pk(" + b + "),and_v(v:pkh(" + c + "),older(10))))", 10,
         [](const auto& s) {
             return Witness{s[1], s[0]};
         }},
        // thresh(2 of 3): two signatures and an empty element; the stack is in reverse order.
        {"wsh(thresh(2,pk(" + a + "),s:pk(" + b + "),s:pk(" + c + ")))", 0xfffffffe,
         [](const auto& s) {
             return Witness{Bytes{}, s[1], s[0]};
         }},
        {"tr(" + std::string(kNums) + ",and_v(v:pk(" + a + "),older(10)))", 10,
         [](const auto& s) { return Witness{s[0]}; }},
        // A leaf of someone else's key, and one the wallet can satisfy (the one it uses).
        {"tr(" + std::string(kNums) + ",{pk(" + other + "),or_d(pk(" + a + "),and_v(v:pk(" + b + "),older(10)))})", 10,
         [](const auto& s) {
             return Witness{s[1], Bytes{}};
         }},
    };
    for (const MiniscriptSpend& spend : spends) {
        SCOPED_TRACE(spend.desc);
        std::string why;
        auto d = Descriptor::parse(spend.desc, regtest(), &why);
        ASSERT_TRUE(d) << why;
        auto e = d->expand(0);
        ASSERT_TRUE(e);
        const ExpandedScript& x = e->front();
        const Amount amount = 100000;
        Transaction tx;
        tx.version = 2;
        TxIn in;
        in.prevout = OutPoint{sha256(Bytes{4, 5, 6}), 1};
        in.sequence = spend.sequence;
        tx.vin.push_back(in);
        tx.vout.push_back(TxOut{amount - 1000, external()});
        const std::vector<TxOut> spent{TxOut{amount, x.script_pubkey}};
        const PrecomputedTxData txdata(tx, spent, true);
        const auto keys = d->private_keys(0);
        const std::vector<Bytes> order{first_pubkey(a), first_pubkey(b), first_pubkey(c)};
        auto slot = [&](const Bytes& pub) {
            return size_t(std::find(order.begin(), order.end(), pub) - order.begin());
        };

        std::vector<Bytes> sigs;
        Witness tail;
        const TaprootSpendData::Leaf* leaf = nullptr;
        if (x.witness_script) {
            const uint256 h = witness_v0_signature_hash(*x.witness_script, tx, 0, SIGHASH_ALL, amount, &txdata);
            sigs.assign(3, Bytes{});
            for (const auto& [pub, key] : keys) {
                Bytes sig = sign_ecdsa(key, h);
                sig.push_back(SIGHASH_ALL);
                sigs.at(slot(pub)) = sig;
            }
            tail.push_back(x.witness_script->bytes());
        } else {
            ASSERT_TRUE(x.taproot);
            // The leaf with the timelock (the miniscript one).
            for (const auto& l : x.taproot->leaves)
                if (l.script.size() > 34) leaf = &l;
            ASSERT_TRUE(leaf);
            ScriptExecutionData exec;
            exec.tapleaf_hash_init = true;
            exec.tapleaf_hash = leaf->leaf_hash;
            exec.codeseparator_pos_init = true;
            auto h = taproot_signature_hash(exec, tx, 0, SIGHASH_DEFAULT, SigVersion::TAPSCRIPT, txdata);
            ASSERT_TRUE(h);
            sigs.assign(3, Bytes{});
            for (const auto& [pub, key] : keys) {
                auto sig = sign_schnorr(key, *h);
                ASSERT_TRUE(sig);
                sigs.at(slot(pub)) = Bytes(sig->begin(), sig->end());
            }
            tail.push_back(leaf->script.bytes());
            tail.push_back(leaf->control_block);
        }
        Witness w = spend.stack(sigs);
        w.insert(w.end(), tail.begin(), tail.end());
        tx.vin[0].witness = w;
        const TransactionSignatureChecker checker(tx, 0, amount, &txdata);
        ScriptError err;
        ASSERT_TRUE(verify_script(Script(), x.script_pubkey, &tx.vin[0].witness, kStandardScriptFlags, checker, &err))
            << script_error_name(err);

        auto est = descriptor_input_size(*d, 0, x.script_pubkey);
        ASSERT_TRUE(est);
        const size_t real = input_weight(tx);
        // An upper bound, exact up to the ECDSA signatures' length (71 bytes assumed, 70
        // or 71 made); a weight unit is a quarter vbyte, so the fee rate is within 1 sat/vB.
        EXPECT_GE(est->weight, real);
        EXPECT_LE(est->weight - real, 2u);

        // The wallet watches the script and selects the coin with that estimate.
        WalletState w2 = wallet_with(spend.desc, 1);
        BuiltTransaction built;
        ASSERT_NO_THROW(built =
                            fund_transaction(w2, {Recipient{external(), 50000, false}}, FeeRate{Amount(2000)}, 200));
        ASSERT_EQ(built.tx.vin.size(), 1u);
        EXPECT_GE(built.estimated_weight, est->weight);
    }
}
