// Transaction building: signed size vs estimate for every single-key type (signed with
// signer.h and verified by the interpreter), fee rate guarantees, dust, change dropped,
// subtract-fee, options (RBF, locktime, order), errors, and BIP125 fee bumps.
#include <gtest/gtest.h>

#include <map>

#include "common/address.h"
#include "common/descriptor.h"
#include "common/signer.h"
#include "util/hash.h"
#include "util/hex.h"
#include "wallet/tx_builder.h"

using namespace minicash;
using namespace minicash::wallet;

namespace {

const ChainParams& regtest() {
    static const ChainParams p = make_chain_params(Network::REGTEST);
    return p;
}

enum class Type { kP2wpkh, kP2tr, kP2pkh, kP2shP2wpkh };
const char* type_name(Type t) {
    switch (t) {
    case Type::kP2wpkh: return "p2wpkh";
    case Type::kP2tr: return "p2tr";
    case Type::kP2pkh: return "p2pkh";
    case Type::kP2shP2wpkh: return "p2sh-p2wpkh";
    }
    return "?";
}

// Keys for each output type, registered in one key store.
struct TestWallet {
    KeyStore keys;
    std::map<Type, Script> scripts;
    uint32_t next = 0;

    TestWallet() {
        const std::pair<Type, const char*> kinds[] = {{Type::kP2wpkh, "wpkh(%)"},
                                                      {Type::kP2tr, "tr(%)"},
                                                      {Type::kP2pkh, "pkh(%)"},
                                                      {Type::kP2shP2wpkh, "sh(wpkh(%))"}};
        uint8_t seed = 1;
        for (const auto& [type, pattern] : kinds) {
            Bytes secret(32, 0);
            secret[31] = seed++;
            secret[0] = 0x42;
            const std::string wif = encode_wif(std::span<const uint8_t, 32>(secret.data(), 32), true, regtest());
            std::string text = pattern;
            text.replace(text.find('%'), 1, wif);
            std::string err;
            const auto d = Descriptor::parse(text, regtest(), &err);
            EXPECT_TRUE(d) << err;
            keys.add_descriptor(*d, 0);
            scripts[type] = (*d->expand(0))[0].script_pubkey;
        }
    }

    SpendableCoin coin(Type t, Amount value, int confirmations = 6) {
        OutPoint op;
        op.txid = sha256(Bytes{uint8_t(next), uint8_t(next >> 8), 0x77});
        op.index = next++ % 3;
        auto c = make_spendable_coin(op, TxOut{value, scripts.at(t)}, confirmations, false);
        EXPECT_TRUE(c);
        return *c;
    }

    // Signs and verifies; returns the signed transaction.
    Transaction sign(const BuiltTransaction& b) {
        Transaction tx = b.tx;
        std::string err;
        EXPECT_TRUE(sign_transaction(tx, b.spent_outputs, keys, {}, &err)) << err;
        EXPECT_TRUE(verify_transaction_scripts(tx, b.spent_outputs, &err)) << err;
        return tx;
    }
};

Script recipient_script(uint8_t tag = 9) {
    Bytes b{OP_0, 20};
    b.resize(22, tag);
    return Script(b);
}

Amount sum_in(const BuiltTransaction& b) {
    Amount s = 0;
    for (const auto& o : b.spent_outputs) s += o.value;
    return s;
}

// Checks the invariants every build must satisfy.
void check_balanced(const BuiltTransaction& b) {
    EXPECT_EQ(sum_in(b), b.tx.value_out() + b.fee);
    EXPECT_EQ(b.spent_outputs.size(), b.tx.vin.size());
    EXPECT_EQ(b.inputs.size(), b.tx.vin.size());
    for (size_t i = 0; i < b.tx.vin.size(); ++i) EXPECT_EQ(b.tx.vin[i].prevout, b.inputs[i].outpoint);
    EXPECT_EQ(b.estimated_vsize, (b.estimated_weight + 3) / 4);
    for (const auto& in : b.tx.vin) {
        EXPECT_TRUE(in.script_sig.empty());
        EXPECT_TRUE(in.witness.empty());
    }
}

}  // namespace

TEST(TxBuilder, SignedSizeNeverExceedsEstimate) {
    TestWallet w;
    const std::vector<std::vector<Type>> mixes = {{Type::kP2wpkh},
                                                  {Type::kP2tr},
                                                  {Type::kP2pkh},
                                                  {Type::kP2shP2wpkh},
                                                  {Type::kP2pkh, Type::kP2wpkh},
                                                  {Type::kP2tr, Type::kP2pkh, Type::kP2shP2wpkh}};
    for (const auto& mix : mixes) {
        for (uint64_t seed = 0; seed < 12; ++seed) {
            std::vector<SpendableCoin> coins;
            for (size_t i = 0; i < 6; ++i) coins.push_back(w.coin(mix[i % mix.size()], 40000 + Amount(i) * 1111));
            const Recipient r{recipient_script(), 100000 + Amount(seed) * 3333, false};
            BuildOptions opt;
            opt.fee_rate = FeeRate{7321};  // 7.321 sat/vB
            opt.seed = seed;
            BuildError err;
            auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(mix[0]), opt, &err);
            ASSERT_TRUE(b) << err.message;
            check_balanced(*b);
            const Transaction signed_tx = w.sign(*b);
            const size_t actual_weight = signed_tx.weight();
            const size_t actual_vsize = (actual_weight + 3) / 4;
            bool all_schnorr = true;
            size_t ecdsa_inputs = 0;
            for (const auto& c : b->inputs) {
                const bool schnorr = c.txout.script_pubkey == w.scripts.at(Type::kP2tr);
                all_schnorr &= schnorr;
                ecdsa_inputs += schnorr ? 0 : 1;
            }
            SCOPED_TRACE(std::string(type_name(mix[0])) + " mix of " + std::to_string(mix.size()) + ", seed " +
                         std::to_string(seed));
            EXPECT_LE(actual_weight, b->estimated_weight);
            if (all_schnorr) { EXPECT_EQ(actual_weight, b->estimated_weight); }
            // Low-R ECDSA signatures are 71 bytes with their hash type, seldom (1/256) shorter.
            EXPECT_LE(b->estimated_weight - actual_weight, ecdsa_inputs * 4);
            // The fee pays the requested rate for the signed size.
            EXPECT_GE(b->fee, opt.fee_rate.fee(actual_vsize));
            EXPECT_GE(FeeRate::of(b->fee, actual_vsize), opt.fee_rate);
            if (b->change_position) { EXPECT_EQ(b->fee, opt.fee_rate.fee(b->estimated_vsize)); }
        }
    }
}

TEST(TxBuilder, EstimateSignedWeightCountsSegwitOverhead) {
    TestWallet w;
    Transaction tx;
    tx.vin.resize(2);
    tx.vout.push_back(TxOut{1000, recipient_script()});
    const InputSize legacy = *estimate_input_size(w.scripts.at(Type::kP2pkh));
    const InputSize segwit = *estimate_input_size(w.scripts.at(Type::kP2wpkh));
    const std::vector<InputSize> both_legacy{legacy, legacy};
    const std::vector<InputSize> mixed{legacy, segwit};
    // 4+4 version/locktime, 1+1 counts, 31 output.
    EXPECT_EQ(estimate_signed_weight(tx, both_legacy), (10 + 31) * 4 + 2 * legacy.weight);
    // Marker+flag (2) and the legacy input's empty witness (1).
    EXPECT_EQ(estimate_signed_weight(tx, mixed), (10 + 31) * 4 + legacy.weight + segwit.weight + 3);
}

TEST(TxBuilder, DustRecipientsRefused) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 100000)};
    BuildOptions opt;
    opt.seed = 1;
    BuildError err;
    Recipient r{recipient_script(), 293, false};  // P2WPKH dust threshold is 294
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kAmountTooSmall);
    EXPECT_EQ(err.message, "Transaction amount too small");
    r.amount = 294;
    EXPECT_TRUE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err)) << err.message;
    r.amount = -5;
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.message, "Transaction amounts must not be negative");
    // A P2PKH recipient's threshold is 546.
    Recipient legacy{w.scripts.at(Type::kP2pkh), 545, false};
    EXPECT_FALSE(build_transaction(coins, std::span(&legacy, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kAmountTooSmall);
    EXPECT_FALSE(build_transaction(coins, {}, w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.message, "Transaction must have at least one recipient");
}

TEST(TxBuilder, SmallChangeGoesToFee) {
    TestWallet w;
    // One P2WPKH input, one P2WPKH output: 437 WU -> 110 vB without change. Selection
    // charges 68 vB for the input and 42 for the rest, and leaves 500 sat: below the
    // minimum viable change (980), so it is added to the fee.
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 100610)};
    BuildOptions opt;
    opt.fee_rate = FeeRate::from_sat_per_vb(1);
    opt.seed = 3;
    const Recipient r{recipient_script(), 100000, false};
    BuildError err;
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err);
    ASSERT_TRUE(b) << err.message;
    check_balanced(*b);
    EXPECT_FALSE(b->change_position);
    EXPECT_EQ(b->tx.vout.size(), 1u);
    EXPECT_EQ(b->fee, 610);
    EXPECT_EQ(b->estimated_vsize, 110u);
    // With more left over, change is made and the fee is exact.
    coins = {w.coin(Type::kP2wpkh, 110000)};
    b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err);
    ASSERT_TRUE(b) << err.message;
    ASSERT_TRUE(b->change_position);
    EXPECT_EQ(b->tx.vout[*b->change_position].script_pubkey, w.scripts.at(Type::kP2wpkh));
    EXPECT_EQ(b->fee, FeeRate::from_sat_per_vb(1).fee(b->estimated_vsize));
    EXPECT_EQ(b->estimated_vsize, 141u);
}

TEST(TxBuilder, ExactMatchNeedsNoChange) {
    TestWallet w;
    // Input worth exactly recipient + fee (110 vB at 2 sat/vB): BnB, no change.
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 50220), w.coin(Type::kP2wpkh, 900000)};
    BuildOptions opt;
    opt.fee_rate = FeeRate::from_sat_per_vb(2);
    opt.seed = 4;
    const Recipient r{recipient_script(), 50000, false};
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->algorithm, SelectionAlgorithm::kBnB);
    EXPECT_FALSE(b->change_position);
    EXPECT_EQ(b->fee, 220);
    EXPECT_EQ(b->tx.vin.size(), 1u);
}

TEST(TxBuilder, SubtractFeeFromAmounts) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 300001)};
    BuildOptions opt;
    opt.fee_rate = FeeRate::from_sat_per_vb(3);
    opt.seed = 5;
    // Send everything to three recipients, two of which pay the fee.
    const std::vector<Recipient> rs{
        {recipient_script(1), 100000, true}, {recipient_script(2), 100000, false}, {recipient_script(3), 100001, true}};
    BuildError err;
    auto b = build_transaction(coins, rs, w.scripts.at(Type::kP2wpkh), opt, &err);
    ASSERT_TRUE(b) << err.message;
    check_balanced(*b);
    EXPECT_FALSE(b->change_position);
    EXPECT_EQ(b->fee, opt.fee_rate.fee(b->estimated_vsize));
    ASSERT_EQ(b->tx.vout.size(), 3u);
    const Amount paid0 = 100000 - b->tx.vout[0].value, paid2 = 100001 - b->tx.vout[2].value;
    EXPECT_EQ(b->tx.vout[1].value, 100000);
    EXPECT_EQ(paid0 + paid2, b->fee);
    EXPECT_EQ(paid0, b->fee / 2 + b->fee % 2);  // the first marked output pays the remainder
    EXPECT_EQ(paid2, b->fee / 2);
    const Transaction signed_tx = w.sign(*b);
    EXPECT_GE(FeeRate::of(b->fee, (signed_tx.weight() + 3) / 4), opt.fee_rate);

    // A marked amount that cannot carry its share of the fee.
    const std::vector<Recipient> tiny{{recipient_script(1), 299301, false}, {recipient_script(2), 700, true}};
    EXPECT_FALSE(build_transaction(coins, tiny, w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kAmountTooSmall);
    EXPECT_EQ(err.message, "The transaction amount is too small to send after the fee has been deducted");
    const std::vector<Recipient> negative{{recipient_script(1), 299700, false}, {recipient_script(2), 301, true}};
    EXPECT_FALSE(build_transaction(coins, negative, w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.message, "The transaction amount is too small to pay the fee");
}

TEST(TxBuilder, SubtractFeeWithChange) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2tr, 1000000)};
    BuildOptions opt;
    opt.fee_rate = FeeRate::from_sat_per_vb(5);
    opt.seed = 6;
    const Recipient r{recipient_script(), 400000, true};
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2tr), opt);
    ASSERT_TRUE(b);
    check_balanced(*b);
    ASSERT_TRUE(b->change_position);
    EXPECT_EQ(b->fee, opt.fee_rate.fee(b->estimated_vsize));
    const size_t pay = *b->change_position == 0 ? 1 : 0;
    // The recipient pays the whole fee: the change is everything else.
    EXPECT_EQ(b->tx.vout[pay].value, 400000 - b->fee);
    EXPECT_EQ(b->tx.vout[*b->change_position].value, 600000);
    const Transaction signed_tx = w.sign(*b);
    EXPECT_EQ(signed_tx.weight(), b->estimated_weight);  // Schnorr: exact
}

TEST(TxBuilder, SequenceLocktimeVersion) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 100000), w.coin(Type::kP2wpkh, 100000)};
    const Recipient r{recipient_script(), 150000, false};
    BuildOptions opt;
    opt.seed = 7;
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->tx.version, 2);
    EXPECT_EQ(b->tx.locktime, 0u);
    for (const auto& in : b->tx.vin) EXPECT_EQ(in.sequence, 0xfffffffdu);

    opt.rbf = false;
    opt.locktime = 12345;
    opt.version = 3;
    b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->tx.version, 3);
    EXPECT_EQ(b->tx.locktime, 12345u);
    for (const auto& in : b->tx.vin) EXPECT_EQ(in.sequence, 0xfffffffeu);

    // Anti-fee-sniping: the tip height, sometimes up to 99 blocks less.
    opt.locktime.reset();
    opt.tip_height = 800000;
    int at_tip = 0;
    for (uint64_t seed = 0; seed < 200; ++seed) {
        opt.seed = seed;
        b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
        ASSERT_TRUE(b);
        EXPECT_LE(b->tx.locktime, 800000u);
        EXPECT_GE(b->tx.locktime, 800000u - 99);
        at_tip += b->tx.locktime == 800000u;
    }
    EXPECT_GT(at_tip, 150);
    EXPECT_LT(at_tip, 200);
}

TEST(TxBuilder, OutputOrderAndDeterminism) {
    TestWallet w;
    std::vector<SpendableCoin> coins;
    for (int i = 0; i < 8; ++i) coins.push_back(w.coin(Type::kP2wpkh, 90000 + i * 1000));
    std::vector<Recipient> rs;
    for (uint8_t i = 1; i <= 4; ++i) rs.push_back(Recipient{recipient_script(i), 30000 + i, false});
    BuildOptions opt;
    std::map<size_t, int> change_positions;
    bool recipients_moved = false;
    for (uint64_t seed = 0; seed < 40; ++seed) {
        opt.seed = seed;
        opt.shuffle_outputs = false;
        auto a = build_transaction(coins, rs, w.scripts.at(Type::kP2wpkh), opt);
        auto b = build_transaction(coins, rs, w.scripts.at(Type::kP2wpkh), opt);
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->tx, b->tx);  // same seed, same transaction
        ASSERT_TRUE(a->change_position);
        ++change_positions[*a->change_position];
        // Recipients keep their order around the change.
        std::vector<Amount> amounts;
        for (size_t i = 0; i < a->tx.vout.size(); ++i) {
            if (i != *a->change_position) amounts.push_back(a->tx.vout[i].value);
        }
        EXPECT_EQ(amounts, (std::vector<Amount>{30001, 30002, 30003, 30004}));
        opt.shuffle_outputs = true;
        auto s = build_transaction(coins, rs, w.scripts.at(Type::kP2wpkh), opt);
        ASSERT_TRUE(s);
        for (size_t i = 0, k = 0; i < s->tx.vout.size(); ++i) {
            if (s->change_position && i == *s->change_position) continue;
            recipients_moved |= s->tx.vout[i].value != 30001 + Amount(k++);
        }
    }
    EXPECT_GE(change_positions.size(), 3u);  // the change lands in different places
    EXPECT_TRUE(recipients_moved);
}

TEST(TxBuilder, FeeRateLimits) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 100000)};
    const Recipient r{recipient_script(), 50000, false};
    BuildOptions opt;
    opt.seed = 8;
    opt.fee_rate = FeeRate{99};
    BuildError err;
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInvalidParameter);
    EXPECT_EQ(err.message, "Fee rate (0.099 sat/vB) is lower than the minimum fee rate setting (0.100 sat/vB)");
    // The relay minimum itself works and pays at least 0.1 sat/vB.
    opt.fee_rate = FeeRate{100};
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err);
    ASSERT_TRUE(b) << err.message;
    EXPECT_GE(b->fee, FeeRate{100}.fee(b->estimated_vsize));
    // Above -maxtxfee.
    opt.fee_rate = FeeRate::from_sat_per_vb(100);
    opt.max_tx_fee = 10000;
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kFeeTooHigh);
    EXPECT_EQ(err.message, "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)");
}

TEST(TxBuilder, InsufficientFundsAndTooLarge) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 100000)};
    const Recipient r{recipient_script(), 100000, false};
    BuildOptions opt;
    opt.seed = 9;
    BuildError err;
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInsufficientFunds);
    EXPECT_EQ(err.message.rfind("Insufficient funds", 0), 0u) << err.message;

    // 1,500 P2PKH coins (147 vB each) hold enough, but 1,000,000 sat needs more of them
    // than fit in 400,000 weight units.
    std::vector<SpendableCoin> many;
    for (int i = 0; i < 1500; ++i) many.push_back(w.coin(Type::kP2pkh, 1000));
    const Recipient big{recipient_script(), 1000000, false};
    EXPECT_FALSE(build_transaction(many, std::span(&big, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kTooLarge);
    // 300 inputs fit (and need a 3-byte input count): the result is under the limit.
    const Recipient mid{recipient_script(), 250000, false};
    auto b = build_transaction(many, std::span(&mid, 1), w.scripts.at(Type::kP2wpkh), opt, &err);
    ASSERT_TRUE(b) << err.message;
    check_balanced(*b);
    EXPECT_LE(b->estimated_weight, kMaxStandardTxWeight);
    EXPECT_GE(b->tx.vin.size(), 253u);
    EXPECT_GE(b->fee, opt.fee_rate.fee(b->estimated_vsize));
}

TEST(TxBuilder, PresetInputsAndChangeScript) {
    TestWallet w;
    std::vector<SpendableCoin> coins{w.coin(Type::kP2wpkh, 500000)};
    BuildOptions opt;
    opt.seed = 10;
    opt.preset_inputs = {w.coin(Type::kP2tr, 20000)};
    const Recipient r{recipient_script(), 100000, false};
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->tx.vin.size(), 2u);
    bool has_preset = false;
    for (const auto& in : b->tx.vin) has_preset |= in.prevout == opt.preset_inputs[0].outpoint;
    EXPECT_TRUE(has_preset);
    w.sign(*b);
    // Presets alone, no more coins allowed: insufficient.
    opt.add_inputs = false;
    BuildError err;
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInsufficientFunds);
    // Change needed but no change script.
    opt.add_inputs = true;
    opt.preset_inputs.clear();
    EXPECT_FALSE(build_transaction(coins, std::span(&r, 1), Script(), opt, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kNeedsChange);
}

// ---------------------------------------------------------------------------------------
// Fee bumps

namespace {

struct Original {
    BuiltTransaction built;
    Transaction signed_tx;
};

Original make_original(TestWallet& w, std::vector<SpendableCoin> coins, Amount amount, FeeRate rate) {
    BuildOptions opt;
    opt.fee_rate = rate;
    opt.seed = 21;
    const Recipient r{recipient_script(), amount, false};
    auto b = build_transaction(coins, std::span(&r, 1), w.scripts.at(Type::kP2wpkh), opt);
    EXPECT_TRUE(b);
    return {*b, w.sign(*b)};
}

}  // namespace

TEST(TxBuilder, BumpReducesChange) {
    TestWallet w;
    Original o = make_original(w, {w.coin(Type::kP2wpkh, 300000)}, 100000, FeeRate::from_sat_per_vb(2));
    ASSERT_TRUE(o.built.change_position);
    BumpOptions bo;
    bo.new_fee_rate = FeeRate::from_sat_per_vb(5);
    BuildError err;
    auto b = build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err);
    ASSERT_TRUE(b) << err.message;
    check_balanced(*b);
    // Same inputs in the same order with the same sequences; same recipient; change reduced.
    ASSERT_EQ(b->tx.vin.size(), o.signed_tx.vin.size());
    for (size_t i = 0; i < b->tx.vin.size(); ++i) {
        EXPECT_EQ(b->tx.vin[i].prevout, o.signed_tx.vin[i].prevout);
        EXPECT_EQ(b->tx.vin[i].sequence, o.signed_tx.vin[i].sequence);
    }
    EXPECT_EQ(b->tx.locktime, o.signed_tx.locktime);
    ASSERT_EQ(b->change_position, o.built.change_position);
    const size_t pay = *b->change_position == 0 ? 1 : 0;
    EXPECT_EQ(b->tx.vout[pay], o.signed_tx.vout[pay]);
    EXPECT_EQ(b->tx.vout[*b->change_position].value,
              o.signed_tx.vout[*b->change_position].value - (b->fee - o.built.fee));
    EXPECT_EQ(b->fee, bo.new_fee_rate.fee(b->estimated_vsize));
    // BIP125: at least the old fee plus the incremental relay fee for the new size.
    EXPECT_GE(b->fee, o.built.fee + kDefaultIncrementalRelayFeeRate.fee(b->estimated_vsize));
    const Transaction signed_bump = w.sign(*b);
    EXPECT_GT(FeeRate::of(b->fee, (signed_bump.weight() + 3) / 4),
              FeeRate::of(o.built.fee, (o.signed_tx.weight() + 3) / 4));
}

TEST(TxBuilder, BumpAddsInputsWhenChangeIsNotEnough) {
    TestWallet w;
    // No change in the original (exact match), so a bump needs another input and change.
    Original o = make_original(w, {w.coin(Type::kP2wpkh, 50220)}, 50000, FeeRate::from_sat_per_vb(2));
    ASSERT_FALSE(o.built.change_position);
    BumpOptions bo;
    bo.new_fee_rate = FeeRate::from_sat_per_vb(10);
    bo.seed = 3;
    BuildError err;
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, std::nullopt, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInsufficientFunds);
    std::vector<SpendableCoin> extra{w.coin(Type::kP2tr, 80000)};
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, std::nullopt, extra, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kNeedsChange);
    bo.fallback_change_script = w.scripts.at(Type::kP2tr);
    auto b = build_bump(o.signed_tx, o.built.spent_outputs, std::nullopt, extra, bo, &err);
    ASSERT_TRUE(b) << err.message;
    check_balanced(*b);
    ASSERT_EQ(b->tx.vin.size(), 2u);
    EXPECT_EQ(b->tx.vin[0].prevout, o.signed_tx.vin[0].prevout);  // originals first
    EXPECT_EQ(b->tx.vin[1].prevout, extra[0].outpoint);
    EXPECT_EQ(b->tx.vin[1].sequence, kSequenceRbf);
    ASSERT_TRUE(b->change_position);
    EXPECT_EQ(b->tx.vout[*b->change_position].script_pubkey, w.scripts.at(Type::kP2tr));
    EXPECT_EQ(b->tx.vout[0], o.signed_tx.vout[0]);
    EXPECT_GE(b->fee, bo.new_fee_rate.fee(b->estimated_vsize));
    w.sign(*b);
}

TEST(TxBuilder, BumpDropsChangeBelowMinimum) {
    TestWallet w;
    // Change of about 2,000 sat at 1 sat/vB; at 10 sat/vB it would fall below the
    // minimum viable change (980), so it goes to the fee.
    Original o = make_original(w, {w.coin(Type::kP2wpkh, 102200)}, 100000, FeeRate::from_sat_per_vb(1));
    ASSERT_TRUE(o.built.change_position);
    BumpOptions bo;
    bo.new_fee_rate = FeeRate::from_sat_per_vb(10);
    BuildError err;
    auto b = build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err);
    ASSERT_TRUE(b) << err.message;
    EXPECT_FALSE(b->change_position);
    EXPECT_EQ(b->tx.vout.size(), 1u);
    EXPECT_EQ(b->fee, 102200 - 100000);
    EXPECT_GE(b->fee, bo.new_fee_rate.fee(b->estimated_vsize));
}

TEST(TxBuilder, BumpRules) {
    TestWallet w;
    Original o = make_original(w, {w.coin(Type::kP2wpkh, 300000)}, 100000, FeeRate::from_sat_per_vb(2));
    BumpOptions bo;
    BuildError err;
    // Not higher than the original's rate.
    bo.new_fee_rate = FeeRate::from_sat_per_vb(2);
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kBumpRejected);
    // Higher rate but the fee grows by less than the incremental relay fee.
    bo.new_fee_rate = FeeRate{2050};
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kBumpRejected);
    EXPECT_EQ(err.message.rfind("Insufficient total fee ", 0), 0u) << err.message;
    EXPECT_NE(err.message.find("(oldFee 0.00000282 + incrementalFee 0.00000015)"), std::string::npos) << err.message;
    // Exactly old rate + incremental rate is enough.
    bo.new_fee_rate = FeeRate{2100};
    EXPECT_TRUE(build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err)) << err.message;
    // Below the relay minimum.
    bo.new_fee_rate = FeeRate{50};
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, o.built.change_position, {}, bo, &err));
    EXPECT_EQ(err.message.rfind("New fee rate (0.050 sat/vB) is lower than the minimum fee rate", 0), 0u);
    // Malformed requests.
    bo.new_fee_rate = FeeRate::from_sat_per_vb(5);
    EXPECT_FALSE(build_bump(o.signed_tx, {}, o.built.change_position, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInvalidParameter);
    EXPECT_FALSE(build_bump(o.signed_tx, o.built.spent_outputs, size_t{7}, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInvalidParameter);
    std::vector<TxOut> unknown = o.built.spent_outputs;
    unknown[0].script_pubkey = Script(Bytes{OP_TRUE});
    EXPECT_FALSE(build_bump(o.signed_tx, unknown, o.built.change_position, {}, bo, &err));
    EXPECT_EQ(err.kind, BuildError::Kind::kInvalidParameter);
}
