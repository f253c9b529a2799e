// The mempool's fee-rate histogram as Electrum's mempool.get_fee_histogram and Esplora's
// /mempool return it: [fee rate in sat/vB, vsize] pairs, highest fee rate first, each bin
// closing once it holds more than its size (30,000 vB, then 10% more per bin; ElectrumX's
// compact histogram, which electrs serves too). The fee rate of a bin is its lowest.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace minicash {

class Mempool;

std::vector<std::pair<double, uint64_t>> fee_histogram(const Mempool& mempool);
// The same binning over (fee rate, vsize) pairs in any order.
std::vector<std::pair<double, uint64_t>> fee_histogram(std::vector<std::pair<double, uint64_t>> rates);

}  // namespace minicash
