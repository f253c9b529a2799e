#include "node/assume_valid.h"

#include <limits>

namespace minicash {

uint256 default_assume_valid(const ChainParams& params) {
    const char* hex = nullptr;
    switch (params.network) {
    case Network::MAIN: hex = "00000000000000000000611fd22f2df7c8fbd0688745c3a6c3bb5109cc2a12cb"; break;
    case Network::TESTNET4: hex = "000000000000000180a58e7fa3b0db84b5ea76377524894f53660d93ac839d9b"; break;
    case Network::SIGNET:
        // Only the default signet (its challenge decides the magic).
        if (params.magic == make_chain_params(Network::SIGNET).magic)
            hex = "000000128586e26813922680309f04e1de713c7542fee86ed908f56368aefe2e";
        break;
    case Network::REGTEST: break;
    }
    return hex ? *uint256::from_hex(hex) : uint256();
}

int64_t block_proof_equivalent_time(const BlockIndex& to, const BlockIndex& from, const BlockIndex& tip,
                                    const ConsensusParams& params) {
    const bool forward = to.chain_work > from.chain_work;
    arith_uint256 r = forward ? to.chain_work - from.chain_work : from.chain_work - to.chain_work;
    r = r * arith_uint256(uint64_t(params.pow_target_spacing)) / block_proof(tip.header.bits);
    const int64_t magnitude = r.bits() > 63 ? std::numeric_limits<int64_t>::max() : int64_t(r.low64());
    return forward ? magnitude : -magnitude;
}

const char* assume_valid_refusal(const BlockIndex& block, bool configured, const BlockIndex* assumed,
                                 const BlockIndex* best_header, const ConsensusParams& params) {
    constexpr int64_t kTwoWeeks = 14 * 24 * 60 * 60;
    if (!configured) return "assumevalid=0 (always verify)";
    if (!assumed) return "assumevalid hash not in headers";
    if (assumed->ancestor(block.height) != &block)
        return block.height > assumed->height ? "block height above assumevalid height"
                                              : "block not in assumevalid chain";
    if (!best_header || best_header->ancestor(block.height) != &block) return "block not in best header chain";
    if (best_header->chain_work < arith_uint256::from_uint256(params.minimum_chain_work))
        return "best header chainwork below minimumchainwork";
    if (block_proof_equivalent_time(*best_header, block, *best_header, params) <= kTwoWeeks)
        return "block too recent relative to best header";
    return nullptr;
}

}  // namespace minicash
