#include "common/fee_rate.h"

#include <cstdlib>

#include "consensus/serialize.h"

namespace minicash {

Amount FeeRate::fee(size_t vsize) const {
    if (vsize == 0) return 0;
    const Amount num = sat_per_kvb * Amount(vsize);
    // ceil(num / 1000); C++ division truncates towards zero, which is ceil for negatives.
    Amount fee = num >= 0 ? (num + 999) / 1000 : num / 1000;
    if (fee == 0 && sat_per_kvb < 0) fee = -1;  // as Core: a non-zero rate never gives 0
    return fee;
}

FeeRate FeeRate::of(Amount fee, size_t vsize) {
    if (vsize == 0) return FeeRate{0};
    return FeeRate{fee * 1000 / Amount(vsize)};
}

std::string FeeRate::to_string() const {
    const Amount whole = sat_per_kvb / 1000, frac = std::abs(sat_per_kvb % 1000);
    std::string f = std::to_string(frac);
    while (f.size() < 3) f.insert(f.begin(), '0');
    return (sat_per_kvb < 0 && whole == 0 ? "-" : "") + std::to_string(whole) + "." + f + " sat/vB";
}

Amount dust_threshold(const TxOut& out, FeeRate dust_relay) {
    if (out.script_pubkey.is_unspendable()) return 0;
    size_t size = 8 + compact_size_length(out.script_pubkey.size()) + out.script_pubkey.size();
    int version = 0;
    Bytes program;
    // The smallest input spending it: outpoint 36 + scriptSig length 1 + sequence 4, plus
    // a 107-byte signature and key, at a quarter of the weight for witness programs.
    if (out.script_pubkey.is_witness_program(version, program)) size += 32 + 4 + 1 + 107 / 4 + 4;
    else size += 32 + 4 + 1 + 107 + 4;
    return dust_relay.fee(size);
}

}  // namespace minicash
