// Progress estimates from chain transaction counts (node/chain_tx_data.h), as Core's
// GuessVerificationProgress computes them.

#include <gtest/gtest.h>

#include "node/chain_tx_data.h"

namespace minicash::test {
namespace {

TEST(ChainTxData, GuessVerificationProgress) {
    const ChainTxData data{1000000, 1000, 2.0};  // 1000 transactions at t=1e6, 2 per second after
    BlockIndex tip;
    EXPECT_EQ(guess_verification_progress(data, nullptr, 0), 0.0);
    EXPECT_EQ(guess_verification_progress(data, &tip, 0), 0.0);  // ancestors' data missing
    // Below the counted block: against the count plus what came since.
    tip.chain_tx_count = 600;
    tip.header.time = 900000;
    EXPECT_DOUBLE_EQ(guess_verification_progress(data, &tip, 1000000), 0.6);
    EXPECT_DOUBLE_EQ(guess_verification_progress(data, &tip, 1000100), 600.0 / 1200.0);
    // Beyond it: extrapolated from the tip's own time.
    tip.chain_tx_count = 1500;
    tip.header.time = 1000500;
    EXPECT_DOUBLE_EQ(guess_verification_progress(data, &tip, 1000500), 1.0);
    EXPECT_DOUBLE_EQ(guess_verification_progress(data, &tip, 1000750), 1500.0 / 2000.0);
}

TEST(ChainTxData, NetworkFigures) {
    EXPECT_EQ(chain_tx_data(make_chain_params(Network::MAIN)).tx_count, 1235299397u);
    EXPECT_EQ(chain_tx_data(make_chain_params(Network::TESTNET4)).tx_count, 11414302u);
    EXPECT_EQ(chain_tx_data(make_chain_params(Network::SIGNET)).tx_count, 26185472u);
    EXPECT_EQ(chain_tx_data(make_chain_params(Network::SIGNET, Bytes{0x51})).tx_count, 0u);  // custom signet
    EXPECT_EQ(chain_tx_data(make_chain_params(Network::REGTEST)).tx_rate, 0.001);
}

}  // namespace
}  // namespace minicash::test
