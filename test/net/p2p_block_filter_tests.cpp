// BIP157 serving: getcfilters, getcfheaders and getcfcheckpt answered from the block
// filter index (a fake source here) with Core's limits, and the requests that get a
// peer disconnected. Fake peers and clock (p2p_test_harness.h).
#include <gtest/gtest.h>

#include "test/net/p2p_test_harness.h"
#include "util/hash.h"

namespace minicash::net::test {
namespace {

// Our chain of `height` blocks with a made-up filter and header for each block.
struct Served {
    Served(const std::string& tag, int height, bool serve = true) : h(tag) {
        h.chain.mine_blocks(height);
        if (serve) h.options.local_services |= NODE_COMPACT_FILTERS;
        for (int i = 0; i <= height; ++i) {
            const uint256 hash = hash_at(h.chain.chain(), i);
            h.filters.entries[hash] =
                BlockFilterSource::Entry{Bytes{uint8_t(i), uint8_t(i >> 8), 7}, sha256(hash.view())};
        }
        h.start();
        p = h.connect_ready(inbound());
    }
    uint256 at(int height) { return hash_at(h.chain.chain(), height); }
    P2PHarness h;
    std::shared_ptr<Peer> p;
};

Bytes request(uint32_t start, const uint256& stop, uint8_t type = 0) {
    return encode_filter_request(FilterRequest{type, start, stop}, true);
}

TEST(P2PBlockFilters, ServedWithTheServiceBit) {
    P2PHarness plain("cf-bit-off");
    plain.start();
    auto q = plain.connect();
    auto ours = decode_version(plain.payloads(q, cmd::VERSION).at(0));
    ASSERT_TRUE(ours);
    EXPECT_FALSE(ours->services & NODE_COMPACT_FILTERS);
    Served t("cf-bit-on", 1);
    auto out = t.h.connect();
    auto with = decode_version(t.h.payloads(out, cmd::VERSION).at(0));
    ASSERT_TRUE(with);
    EXPECT_TRUE(with->services & NODE_COMPACT_FILTERS);
}

TEST(P2PBlockFilters, GetcfiltersGetcfheadersAndGetcfcheckptAreAnswered) {
    Served s("cf-answer", 12);
    s.h.deliver(s.p, cmd::GETCFILTERS, request(3, s.at(6)));
    const auto filters = s.h.payloads(s.p, cmd::CFILTER);
    ASSERT_EQ(filters.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        auto f = decode_cfilter(filters[size_t(i)]);
        ASSERT_TRUE(f);
        EXPECT_EQ(f->block_hash, s.at(3 + i));
        EXPECT_EQ(f->filter, s.h.filters.entries[s.at(3 + i)].filter);
    }
    s.h.deliver(s.p, cmd::GETCFHEADERS, request(3, s.at(6)));
    auto hs = decode_cfheaders(s.h.payloads(s.p, cmd::CFHEADERS).at(0));
    ASSERT_TRUE(hs);
    EXPECT_EQ(hs->stop_hash, s.at(6));
    EXPECT_EQ(hs->previous_header, s.h.filters.entries[s.at(2)].header);
    ASSERT_EQ(hs->filter_hashes.size(), 4u);
    EXPECT_EQ(hs->filter_hashes[0], sha256d(s.h.filters.entries[s.at(3)].filter));
    s.h.deliver(s.p, cmd::GETCFCHECKPT, encode_filter_request(FilterRequest{0, 0, s.at(12)}, false));
    auto cp = decode_cfcheckpt(s.h.payloads(s.p, cmd::CFCHECKPT).at(0));
    ASSERT_TRUE(cp);
    EXPECT_TRUE(cp->headers.empty()) << "checkpoints every 1,000 blocks: none below 12";
    EXPECT_FALSE(s.h.is_closed(s.p));
}

TEST(P2PBlockFilters, RangesAtTheLimitAreServedBeyondItDisconnect) {
    Served s("cf-limit", 1005);
    s.h.deliver(s.p, cmd::GETCFILTERS, request(1, s.at(1000)));
    EXPECT_EQ(s.h.count(s.p, cmd::CFILTER), 1000u);
    auto cp_peer = s.h.connect_ready(inbound());
    s.h.deliver(cp_peer, cmd::GETCFCHECKPT, encode_filter_request(FilterRequest{0, 0, s.at(1005)}, false));
    auto cp = decode_cfcheckpt(s.h.payloads(cp_peer, cmd::CFCHECKPT).at(0));
    ASSERT_EQ(cp->headers.size(), 1u);
    EXPECT_EQ(cp->headers[0], s.h.filters.entries[s.at(1000)].header);
    s.h.deliver(s.p, cmd::GETCFILTERS, request(0, s.at(1000)));
    EXPECT_TRUE(s.h.is_closed(s.p)) << "1,001 filters: too many";
    EXPECT_TRUE(s.h.misbehaved.empty()) << "disconnected, not discouraged";
}

TEST(P2PBlockFilters, BadRequestsDisconnectTheNodeKeepsServingOthers) {
    Served s("cf-bad", 5);
    auto good = s.h.connect_ready(inbound());
    auto expect_closed = [&s](const std::string& command, const Bytes& payload) {
        auto p = s.h.connect_ready(inbound());
        s.h.deliver(p, command, payload);
        EXPECT_TRUE(s.h.is_closed(p)) << command;
    };
    expect_closed(cmd::GETCFILTERS, request(0, sha256(Bytes{9})));  // unknown stop hash
    expect_closed(cmd::GETCFILTERS, request(4, s.at(3)));           // start above stop
    expect_closed(cmd::GETCFILTERS, request(0, s.at(3), 1));        // unknown filter type
    expect_closed(cmd::GETCFHEADERS, request(0, sha256(Bytes{9})));
    expect_closed(cmd::GETCFCHECKPT, encode_filter_request(FilterRequest{0, 0, sha256(Bytes{9})}, false));
    // A truncated request is dropped (Core: an exception, caught and logged).
    auto t = s.h.connect_ready(inbound());
    s.h.deliver(t, cmd::GETCFILTERS, Bytes{0, 1});
    EXPECT_FALSE(s.h.is_closed(t));
    EXPECT_EQ(s.h.reports.back().what, Misbehavior::UNDECODABLE);
    // Blocks not indexed yet: ignored, not punished.
    s.h.filters.entries.erase(s.at(5));
    s.h.deliver(good, cmd::GETCFILTERS, request(4, s.at(5)));
    EXPECT_EQ(s.h.count(good, cmd::CFILTER), 0u);
    EXPECT_FALSE(s.h.is_closed(good));
    s.h.deliver(good, cmd::GETCFILTERS, request(1, s.at(3)));
    EXPECT_EQ(s.h.count(good, cmd::CFILTER), 3u);
    // Without -peerblockfilters every request disconnects.
    Served off("cf-off", 2, false);
    off.h.deliver(off.p, cmd::GETCFILTERS, request(0, off.at(1)));
    EXPECT_TRUE(off.h.is_closed(off.p));
}

}  // namespace
}  // namespace minicash::net::test
