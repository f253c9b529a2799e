// Input sizes from descriptors (wallet/input_size.h): for every script the descriptors
// express, a wallet funds a payment at a fee rate, signs it with all its keys (the
// finalizer keeps m signatures of a multisig), and the fee of the finalized transaction
// divided by its real vsize lands within [target, target + 1) sat/vB.
#include <gtest/gtest.h>

#include <cmath>

#include "common/bip32.h"
#include "common/money.h"
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
