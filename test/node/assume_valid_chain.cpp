#include "test/node/assume_valid_chain.h"

#include "test/node/mempool_test_util.h"

namespace minicash::test {

const AssumeValidChains& assume_valid_chains() {
    static const AssumeValidChains c = [] {
        TestChain signer("assumevalid-signer");
        const ChainParams& params = signer.params();
        AssumeValidChains out;
        // Appends `count` blocks after `from` (at `from_height`); `overpay_height` > 0 makes
        // that block's coinbase pay too much, 0 puts the bad signature at the bad height.
        auto extend = [&](std::vector<Block>& v, const Block& from, int from_height, int count, int tag,
                          int overpay_height) {
            const Block* prev = &from;
            for (int h = from_height + 1; h <= from_height + count; ++h) {
                std::vector<Transaction> txs;
                if (h == kAssumeValidBadHeight && overpay_height == 0) {
                    const Transaction& cb = out.main[0].txs[0];
                    const Utxo coin{OutPoint{cb.txid(), 0}, cb.vout[0], 0};
                    SpendOptions bad;
                    bad.wrong_hash = true;
                    txs.push_back(signer.spend1(coin, 1000, 1, bad));
                }
                const BlockLocation at{prev->hash(), h, prev->header.time + 600, prev->header.bits};
                v.push_back(build_test_block(params, signer.keys, at, txs, 1, tag, h == overpay_height ? 1 : 0));
                prev = &v.back();
            }
        };
        const int length = kAssumeValidBadHeight + kAssumeValidBuried;
        out.main.reserve(size_t(length));
        out.branch.reserve(size_t(kAssumeValidBuried + 2));
        out.overpay.reserve(size_t(length));
        extend(out.main, params.genesis, 0, length, 0, 0);
        extend(out.branch, out.main[kAssumeValidBadHeight - 2], kAssumeValidBadHeight - 1, kAssumeValidBuried + 2, 1,
               -1);
        extend(out.overpay, params.genesis, 0, length, 2, 50);
        return out;
    }();
    return c;
}

}  // namespace minicash::test
