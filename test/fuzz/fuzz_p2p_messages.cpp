// libFuzzer target: every P2P payload decoder of net/protocol.h and net/compact_block.h
// (version, inv/getdata/notfound, addr, addrv2, getheaders/getblocks, headers,
// ping/pong, feefilter, sendcmpct, the BIP152 cmpctblock/getblocktxn/blocktxn and the
// BIP157 getcfilters/getcfheaders/getcfcheckpt/cfilter/cfheaders/cfcheckpt), and compact
// block reconstruction on whatever decodes. block and tx payloads are the consensus
// decoders of fuzz_tx_deserialize. The first input byte picks the message; the rest is
// its payload. Messages without a payload (verack, getaddr, mempool, sendheaders,
// wtxidrelay, sendaddrv2) have no decoder.
//
// Properties: no decoder crashes, reads out of bounds or allocates from a claimed count;
// every count is within its protocol limit; what decodes re-encodes to bytes that decode
// to the same encoding again (for fixed-size messages: to exactly the payload's first
// bytes); a decoded compact block either fails init() or yields strictly increasing
// missing positions inside the block, fill() with the wrong count is INVALID and with
// the right count never INVALID.
#include <algorithm>
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

// Returns the decoded message (nullopt when the payload does not decode).
template <class Decode, class Encode>
auto round_trip(ByteView payload, Decode decode, Encode encode) {
    auto m = decode(payload);
    if (!m) return m;
    const Bytes once = encode(*m);
    auto again = decode(ByteView(once));
    check(again.has_value());
    check(encode(*again) == once);
    return m;
}

// A fixed-size message re-encodes to exactly the bytes it was read from (trailing bytes
// are ignored, as Core does).
template <class Decode, class Encode>
void exact_round_trip(ByteView payload, size_t size, Decode decode, Encode encode) {
    auto m = decode(payload);
    check(m.has_value() == (payload.size() >= size));
    if (!m) return;
    check(encode(*m) == Bytes(payload.begin(), payload.begin() + size));
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
    switch (data[0] % 17) {
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
    case 7:
        round_trip(
            payload, [](ByteView p) { return decode_cfcheckpt(p); }, encode_cfcheckpt);
        break;
    case 8: {
        const auto m = round_trip(
            payload, [](ByteView p) { return decode_version(p); }, encode_version);
        if (m) check(m->user_agent.size() <= kMaxUserAgentLength);
        break;
    }
    case 9: {  // inv, getdata, notfound: re-encodes to exactly what was read
        const auto m = round_trip(
            payload, [](ByteView p) { return decode_inv(p); }, encode_inv);
        if (m) {
            check(m->size() <= kMaxInvEntries);
            const Bytes again = encode_inv(*m);
            check(again.size() <= payload.size() && std::equal(again.begin(), again.end(), payload.begin()));
        }
        break;
    }
    case 10:
    case 11: {
        const bool v2 = data[0] % 17 == 11;
        const auto m = round_trip(
            payload, [v2](ByteView p) { return decode_addr(p, v2); },
            [v2](const std::vector<AddrEntry>& e) { return encode_addr(e, v2); });
        if (m) check(m->size() <= kMaxAddrEntries);
        break;
    }
    case 12: {  // getheaders, getblocks
        const auto m = round_trip(
            payload, [](ByteView p) { return decode_getheaders(p); }, encode_getheaders);
        if (m) {
            check(m->locator.size() <= kMaxLocatorEntries);
            const Bytes again = encode_getheaders(*m);
            check(again.size() <= payload.size() && std::equal(again.begin(), again.end(), payload.begin()));
        }
        break;
    }
    case 13: {
        const auto m = round_trip(
            payload, [](ByteView p) { return decode_headers(p); }, encode_headers);
        if (m) check(m->size() <= kMaxHeadersResults);
        break;
    }
    case 14:  // ping, pong
        exact_round_trip(
            payload, 8, [](ByteView p) { return decode_ping(p); }, encode_u64);
        break;
    case 15:
        exact_round_trip(
            payload, 8, [](ByteView p) { return decode_feefilter(p); }, encode_i64);
        break;
    default: {
        const auto m = decode_sendcmpct(payload);
        check(m.has_value() == (payload.size() >= 9));
        if (m) {
            const Bytes again = encode_sendcmpct(*m);
            check(again.size() == 9 && std::equal(again.begin() + 1, again.end(), payload.begin() + 1));
            check(again[0] == (payload[0] != 0 ? 1 : 0));
        }
        break;
    }
    }
    return 0;
}
