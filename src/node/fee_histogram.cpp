#include "node/fee_histogram.h"

#include <algorithm>

#include "node/mempool.h"

namespace minicash {

std::vector<std::pair<double, uint64_t>> fee_histogram(std::vector<std::pair<double, uint64_t>> rates) {
    std::sort(rates.begin(), rates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::pair<double, uint64_t>> out;
    double bin_size = 30000;
    uint64_t size = 0;
    for (size_t i = 0; i < rates.size(); ++i) {
        size += rates[i].second;
        if (size > bin_size || i + 1 == rates.size()) {
            out.push_back({rates[i].first, size});
            size = 0;
            bin_size *= 1.1;
        }
    }
    return out;
}

std::vector<std::pair<double, uint64_t>> fee_histogram(const Mempool& mempool) {
    std::vector<std::pair<double, uint64_t>> rates;
    for (const uint256& txid : mempool.txids())
        if (auto e = mempool.entry(txid))
            rates.push_back({double(e->modified_fee) / double(std::max<size_t>(1, e->vsize)), e->vsize});
    return fee_histogram(std::move(rates));
}

}  // namespace minicash
