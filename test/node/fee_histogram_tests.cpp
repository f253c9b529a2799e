// The mempool fee histogram (Esplora /mempool, Electrum mempool.get_fee_histogram):
// highest fee rate first, a bin closes once it holds more than 30,000 vB (then 10% more
// per bin), a bin's rate is its lowest, the last bin closes with the last transaction.
#include <gtest/gtest.h>

#include "node/fee_histogram.h"

namespace minicash {
namespace {

TEST(FeeHistogram, Bins) {
    EXPECT_TRUE(fee_histogram(std::vector<std::pair<double, uint64_t>>{}).empty());
    const std::vector<std::pair<double, uint64_t>> rates = {
        {1.0, 1000}, {50.0, 20000}, {40.0, 15000}, {30.0, 40000}, {2.0, 500}};
    const std::vector<std::pair<double, uint64_t>> want = {{40.0, 35000}, {30.0, 40000}, {1.0, 1500}};
    EXPECT_EQ(fee_histogram(rates), want);
}

}  // namespace
}  // namespace minicash
