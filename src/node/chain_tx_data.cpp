#include "node/chain_tx_data.h"

#include <algorithm>

namespace minicash {

ChainTxData chain_tx_data(const ChainParams& params) {
    switch (params.network) {
    case Network::MAIN: return {1756722903, 1235299397, 5.456290459519495};
    case Network::TESTNET4: return {1752470331, 11414302, 0.2842619757327476};
    case Network::SIGNET:
        if (params.magic == make_chain_params(Network::SIGNET).magic) return {1756723017, 26185472, 0.7452721495389969};
        return {};
    case Network::REGTEST: return {0, 0, 0.001};
    }
    return {};
}

double guess_verification_progress(const ChainTxData& data, const BlockIndex* tip, int64_t now) {
    if (!tip || tip->chain_tx_count == 0) return 0.0;
    const double done = double(tip->chain_tx_count);
    // Before the counted block: that count plus what came after it; beyond it, extrapolate
    // from the tip.
    const double expected = tip->chain_tx_count <= data.tx_count
                                ? double(data.tx_count) + double(now - data.time) * data.tx_rate
                                : done + double(std::max<int64_t>(0, now - int64_t(tip->header.time))) * data.tx_rate;
    return expected <= 0 ? 1.0 : std::min(1.0, done / expected);
}

}  // namespace minicash
