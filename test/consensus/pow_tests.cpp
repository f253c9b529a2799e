#include <gtest/gtest.h>

#include <map>

#include "consensus/block_check.h"
#include "consensus/pow.h"
#include "consensus/tx_verify.h"

using namespace minicash;

namespace {
// A chain whose blocks all share one time and nBits unless overridden.
class FakeChain : public AncestorView {
public:
    FakeChain(int tip, int64_t time, uint32_t bits) : tip_(tip), time_(time), bits_(bits) {}
    int tip_height() const override { return tip_; }
    uint32_t bits_at(int h) const override { return bits_override.count(h) ? bits_override.at(h) : bits_; }
    int64_t time_at(int h) const override {
        return time_override.count(h) ? time_override.at(h) : time_ - (tip_ - h) * 600;
    }
    std::map<int, uint32_t> bits_override;
    std::map<int, int64_t> time_override;

private:
    int tip_;
    int64_t time_;
    uint32_t bits_;
};
}  // namespace

// Mainnet retargets from Bitcoin Core's pow tests.
TEST(Pow, MainnetRetargets) {
    const ConsensusParams main = make_chain_params(Network::MAIN).consensus;
    EXPECT_EQ(calculate_next_work_required(FakeChain(32255, 1262152739, 0x1d00ffff), 1261130161, main), 0x1d00d86au);
    EXPECT_EQ(calculate_next_work_required(FakeChain(2015, 1233061996, 0x1d00ffff), 1231006505, main), 0x1d00ffffu);
    EXPECT_EQ(calculate_next_work_required(FakeChain(68543, 1279297671, 0x1c05a3f4), 1279008237, main), 0x1c0168fdu);
    EXPECT_EQ(calculate_next_work_required(FakeChain(46367, 1269211443, 0x1c387f6f), 1263163443, main), 0x1d00e1fdu);
}

TEST(Pow, NoRetargetOffBoundaryAndRegtest) {
    const ConsensusParams main = make_chain_params(Network::MAIN).consensus;
    FakeChain chain(100, 1300000000, 0x1c05a3f4);
    EXPECT_EQ(next_work_required(chain, 1300000600, main), 0x1c05a3f4u);
    const ConsensusParams reg = make_chain_params(Network::REGTEST).consensus;
    FakeChain rchain(2015, 1300000000, 0x207fffff);
    EXPECT_EQ(next_work_required(rchain, 1300000001, reg), 0x207fffffu);
}

TEST(Pow, TestnetMinDifficultyRule) {
    const ConsensusParams t4 = make_chain_params(Network::TESTNET4).consensus;
    FakeChain chain(100, 1714800000, 0x1c00ffff);
    // More than 20 minutes after the parent: minimum difficulty allowed.
    EXPECT_EQ(next_work_required(chain, 1714800000 + 1201, t4), 0x1d00ffffu);
    // Otherwise the last block that did not use the exception sets the difficulty.
    chain.bits_override[100] = 0x1d00ffff;
    chain.bits_override[99] = 0x1d00ffff;
    EXPECT_EQ(next_work_required(chain, 1714800000 + 600, t4), 0x1c00ffffu);
}

TEST(Pow, Bip94UsesPeriodStartDifficulty) {
    const ConsensusParams t4 = make_chain_params(Network::TESTNET4).consensus;
    FakeChain chain(4031, 1714800000, 0x1d00ffff);  // last block of the period used min difficulty
    chain.bits_override[2016] = 0x1c00ffff;         // first block of the period: real difficulty
    const uint32_t next = calculate_next_work_required(chain, chain.time_at(2016), t4);
    EXPECT_LT(arith_uint256::from_compact(next), arith_uint256::from_compact(0x1d00ffff));
}

TEST(Pow, CheckProofOfWorkAndProof) {
    const ChainParams main = make_chain_params(Network::MAIN);
    EXPECT_TRUE(check_proof_of_work(main.genesis.hash(), main.genesis.header.bits, main.consensus));
    EXPECT_FALSE(check_proof_of_work(main.genesis.hash(), 0x1b00ffff, main.consensus));  // harder target
    EXPECT_FALSE(check_proof_of_work(main.genesis.hash(), 0x1d80ffff, main.consensus));  // negative
    EXPECT_FALSE(check_proof_of_work(main.genesis.hash(), 0x2100ffff, main.consensus));  // above the limit
    EXPECT_EQ(block_proof(0x1d00ffff).to_hex(), "0000000000000000000000000000000000000000000000000000000100010001");
    EXPECT_EQ(block_proof(0x207fffff), arith_uint256(2));
}

TEST(Pow, Subsidy) {
    const ConsensusParams main = make_chain_params(Network::MAIN).consensus;
    EXPECT_EQ(block_subsidy(0, main), 50 * kCoin);
    EXPECT_EQ(block_subsidy(209999, main), 50 * kCoin);
    EXPECT_EQ(block_subsidy(210000, main), 25 * kCoin);
    EXPECT_EQ(block_subsidy(840000, main), 3 * kCoin + kCoin / 8);
    EXPECT_EQ(block_subsidy(64 * 210000, main), 0);
    const ConsensusParams reg = make_chain_params(Network::REGTEST).consensus;
    EXPECT_EQ(block_subsidy(150, reg), 25 * kCoin);
}

TEST(BlockCheck, ScriptFlagsByHeight) {
    const ConsensusParams main = make_chain_params(Network::MAIN).consensus;
    const uint256 any = uint256::from_hex("00000000000000000000000000000000000000000000000000000000000000aa").value();
    EXPECT_EQ(block_script_flags(1, any, main), SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_TAPROOT);
    EXPECT_EQ(block_script_flags(481824, any, main), kMandatoryScriptFlags);
    // The BIP16 exception block is checked without P2SH.
    const uint256 bip16 = main.script_flag_exceptions[0].block_hash;
    EXPECT_EQ(block_script_flags(170060, bip16, main), SCRIPT_VERIFY_NONE);
}

TEST(BlockCheck, GenesisPassesContextFreeChecks) {
    for (Network n : {Network::MAIN, Network::TESTNET4, Network::SIGNET, Network::REGTEST}) {
        const ChainParams p = make_chain_params(n);
        ValidationState state;
        EXPECT_TRUE(check_block(p.genesis, p.consensus, state)) << network_name(n) << ": " << state.to_string();
    }
}

TEST(TxVerify, FinalityAndInputs) {
    Transaction tx;
    tx.vin.resize(1);
    tx.vin[0].sequence = 0;
    tx.locktime = 100;
    EXPECT_FALSE(is_final_tx(tx, 100, 0));
    EXPECT_TRUE(is_final_tx(tx, 101, 0));
    tx.vin[0].sequence = TxIn::kSequenceFinal;
    EXPECT_TRUE(is_final_tx(tx, 100, 0));

    tx.vout.push_back(TxOut{1000, Script()});
    std::vector<Coin> coins{Coin{TxOut{999, Script()}, 1, false}};
    Amount fee = 0;
    ValidationState s1;
    EXPECT_FALSE(check_tx_inputs(tx, coins, 200, fee, s1));
    EXPECT_EQ(s1.reason(), "bad-txns-in-belowout");
    coins[0] = Coin{TxOut{5000, Script()}, 150, true};
    ValidationState s2;
    EXPECT_FALSE(check_tx_inputs(tx, coins, 249, fee, s2));
    EXPECT_EQ(s2.reason(), "bad-txns-premature-spend-of-coinbase");
    ValidationState s3;
    EXPECT_TRUE(check_tx_inputs(tx, coins, 250, fee, s3));
    EXPECT_EQ(fee, 4000);
}
