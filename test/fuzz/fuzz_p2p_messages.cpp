// libFuzzer target: the decoders of the messages added for BIP152 (cmpctblock,
// getblocktxn, blocktxn) and BIP157 (getcfilters, getcfheaders, getcfcheckpt, cfilter,
// cfheaders, cfcheckpt), and compact block reconstruction on whatever decodes.
// The first input byte picks the message; the rest is its payload.
//
// Properties: no decoder crashes, reads out of bounds or allocates from a claimed count;
// what decodes re-encodes to bytes that decode to the same encoding again; a decoded
// compact block either fails init() or yields strictly increasing missing positions
// inside the block, fill() with the wrong count is INVALID and with the right count
// never INVALID.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "net/compact_block.h"
#include "net/protocol.h"

using namespace minicash;
using namespace minicash::net;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

template <class Decode, class Encode>
void round_trip(ByteView payload, Decode decode, Encode encode) {
    auto m = decode(payload);
    if (!m) return;
    const Bytes once = encode(*m);
    auto again = decode(ByteView(once));
    check(again.has_value());
    check(encode(*again) == once);
}

void reconstruct(const CompactBlockMsg& m) {
    std::vector<std::pair<uint256, PartialBlock::TxRef>> pool;
    for (const PrefilledTx& p : m.prefilled) {  // candidates that may or may not match
        auto tx = std::make_shared<const Transaction>(p.tx);
        pool.emplace_back(tx->wtxid(), tx);
    }
    PartialBlock partial;
    if (partial.init(m, pool, pool) != PartialBlock::Status::OK) return;
    const std::vector<uint16_t> missing = partial.missing();
    for (size_t i = 0; i < missing.size(); ++i) {
        check(missing[i] < m.tx_count());
        if (i > 0) check(missing[i] > missing[i - 1]);
    }
    check(partial.complete() == missing.empty());
    Block out;
    std::vector<Transaction> fillers(missing.size(), m.prefilled.empty() ? Transaction{} : m.prefilled[0].tx);
    check(partial.fill(fillers, out) != PartialBlock::Status::INVALID);
    fillers.push_back(Transaction{});
    check(partial.fill(fillers, out) == PartialBlock::Status::INVALID);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const ByteView payload(data + 1, size - 1);
    switch (data[0] % 8) {
    case 0: {
        round_trip(
            payload, [](ByteView p) { return decode_cmpctblock(p); }, encode_cmpctblock);
        if (auto m = decode_cmpctblock(payload)) reconstruct(*m);
        break;
    }
    case 1:
        round_trip(
            payload, [](ByteView p) { return decode_getblocktxn(p); }, encode_getblocktxn);
        break;
    case 2:
        round_trip(
            payload, [](ByteView p) { return decode_blocktxn(p); }, encode_blocktxn);
        break;
    case 3:
        round_trip(
            payload, [](ByteView p) { return decode_filter_request(p, true); },
            [](const FilterRequest& r) { return encode_filter_request(r, true); });
        break;
    case 4:
        round_trip(
            payload, [](ByteView p) { return decode_filter_request(p, false); },
            [](const FilterRequest& r) { return encode_filter_request(r, false); });
        break;
    case 5:
        round_trip(
            payload, [](ByteView p) { return decode_cfilter(p); }, encode_cfilter);
        break;
    case 6:
        round_trip(
            payload, [](ByteView p) { return decode_cfheaders(p); }, encode_cfheaders);
        break;
    default:
        round_trip(
            payload, [](ByteView p) { return decode_cfcheckpt(p); }, encode_cfcheckpt);
        break;
    }
    return 0;
}
