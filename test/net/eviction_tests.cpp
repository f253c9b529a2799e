// Inbound eviction (net/eviction.h), a pure function: every protection Core applies, the
// disadvantaged-network reservation, and who is never a candidate.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "net/eviction.h"

namespace minicash::net {
namespace {

// A candidate no protection favours by itself: its own group, a middling ping, no
// blocks or transactions, relaying transactions. Higher `age_rank`: connected later.
EvictionCandidate candidate(int64_t id, uint64_t group, int age_rank) {
    EvictionCandidate c;
    c.id = id;
    c.connected = SteadyTime{} + std::chrono::seconds(1000 + age_rank);
    c.min_ping_seconds = 1.0 + 0.01 * double(id);
    c.keyed_netgroup = group;
    c.relay_txs = true;
    c.relevant_services = true;
    c.network = NetType::IPV4;
    return c;
}

std::set<int64_t> ids(const std::vector<EvictionCandidate>& c) {
    std::set<int64_t> out;
    for (const auto& x : c) out.insert(x.id);
    return out;
}

TEST(Eviction, NobodyIsEvictedWhenEveryoneIsProtected) {
    EXPECT_FALSE(select_node_to_evict({}));
    std::vector<EvictionCandidate> few;
    for (int i = 0; i < 4; ++i) few.push_back(candidate(i, uint64_t(i), i));
    EXPECT_FALSE(select_node_to_evict(few)) << "four network groups are always protected";
    // 4 by group, 8 by ping, 4 by transactions, 4 by blocks: 20 candidates with nothing
    // to tell them apart are all protected once half of the rest... there is no rest.
    std::vector<EvictionCandidate> twenty;
    for (int i = 0; i < 20; ++i) twenty.push_back(candidate(i, uint64_t(i), i));
    EXPECT_FALSE(select_node_to_evict(twenty));
    twenty.push_back(candidate(20, 20, 20));
    EXPECT_TRUE(select_node_to_evict(twenty));
}

TEST(Eviction, TheCrowdedGroupLosesItsYoungestMember) {
    std::vector<EvictionCandidate> c;
    // 30 peers in their own groups, fast, connected early.
    for (int i = 0; i < 30; ++i) c.push_back(candidate(i, uint64_t(100 + i), i));
    // 10 peers in one group, slow, connected last.
    for (int i = 30; i < 40; ++i) {
        c.push_back(candidate(i, 7, i));
        c.back().min_ping_seconds = 5.0 + i;
    }
    auto victim = select_node_to_evict(c);
    ASSERT_TRUE(victim);
    EXPECT_EQ(*victim, 39);
}

TEST(Eviction, OnlyInboundPeersWithoutNobanAreCandidates) {
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < 40; ++i) {
        c.push_back(candidate(i, 7, i));
        c.back().min_ping_seconds = 5.0;
    }
    // The youngest would go; as an outbound peer or with noban it cannot.
    c[39].inbound = false;
    c[38].noban = true;
    auto victim = select_node_to_evict(c);
    ASSERT_TRUE(victim);
    EXPECT_EQ(*victim, 37);
    for (auto& x : c) x.noban = true;
    EXPECT_FALSE(select_node_to_evict(c));
}

// Candidates whose protections fall, in order, on the oldest: the highest group keys
// and the fastest pings belong to the oldest peers. Nobody else is special.
std::vector<EvictionCandidate> ordinary(int n) {
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < n; ++i) c.push_back(candidate(i, uint64_t(1000 - i), i));
    return c;
}

TEST(Eviction, FastPeersAndThoseThatRelayedBlocksOrTransactionsAreProtected) {
    // group: 0..3, ping: 4..11, transactions: 12..15, blocks: 16..19, uptime: 20..29;
    // the youngest of the rest (39) would go.
    std::vector<EvictionCandidate> c = ordinary(40);
    EXPECT_EQ(select_node_to_evict(c), 39);
    c[39].last_block_time = 1700000000;  // the youngest gave us a block
    c[38].last_tx_time = 1700000000;     // the next one a transaction
    c[37].min_ping_seconds = 0.001;      // and this one is fast
    auto victim = select_node_to_evict(c);
    ASSERT_TRUE(victim);
    EXPECT_EQ(*victim, 36);
}

TEST(Eviction, UpToEightBlockRelayOnlyPeersThatGaveBlocksAreProtected) {
    std::vector<EvictionCandidate> c = ordinary(60);
    // The 12 youngest do not relay transactions; 10 of them gave us blocks (57 most
    // recently). The block-relay-only rule protects the 8 most recent of those (50..57),
    // the general block rule the next two (49, 48) and two old ones; 58 and 59, which
    // gave nothing, stay exposed.
    for (int i = 48; i < 60; ++i) c[size_t(i)].relay_txs = false;
    for (int i = 48; i < 58; ++i) c[size_t(i)].last_block_time = 1700000000 + i;
    EXPECT_EQ(select_node_to_evict(c), 59);
    c[59].last_block_time = 1700000100;  // now it gave the most recent block
    EXPECT_EQ(select_node_to_evict(c), 58);
}

TEST(Eviction, DiscouragedPeersLetInGoFirst) {
    // Of the unprotected 30..39, the discouraged one goes rather than the youngest.
    std::vector<EvictionCandidate> c = ordinary(40);
    c[35].prefer_evict = true;
    EXPECT_EQ(select_node_to_evict(c), 35);
    c[5].prefer_evict = true;  // protected (fast): prefer_evict does not override that
    EXPECT_EQ(select_node_to_evict(c), 35);
}

TEST(Eviction, RatioProtectsHalfByUptimeWhenNoDisadvantagedNetwork) {
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < 20; ++i) c.push_back(candidate(i, uint64_t(i), i));
    protect_candidates_by_ratio(c);
    ASSERT_EQ(c.size(), 10u);
    // The 10 oldest (ranks 0..9) are protected: the 10 youngest remain.
    for (const auto& x : c) EXPECT_GE(x.id, 10);
}

TEST(Eviction, RatioReservesAQuarterForDisadvantagedNetworks) {
    // 20 candidates: the 8 youngest are Tor peers. Half (10) are protected; up to 5 of
    // them by network: the 5 oldest Tor peers, then the 5 oldest of the rest.
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < 20; ++i) {
        c.push_back(candidate(i, uint64_t(i), i));
        if (i >= 12) c.back().network = NetType::ONION;
    }
    protect_candidates_by_ratio(c);
    const std::set<int64_t> left = ids(c);
    ASSERT_EQ(left.size(), 10u);
    for (int64_t protected_onion : {12, 13, 14, 15, 16}) EXPECT_FALSE(left.count(protected_onion)) << protected_onion;
    for (int64_t protected_old : {0, 1, 2, 3, 4}) EXPECT_FALSE(left.count(protected_old)) << protected_old;
    for (int64_t evictable : {5, 6, 7, 8, 9, 10, 11, 17, 18, 19}) EXPECT_TRUE(left.count(evictable)) << evictable;
}

TEST(Eviction, RatioSharesTheReservationBetweenNetworksFewestFirst) {
    // 24 candidates: 2 I2P, 2 localhost, 4 Tor, all young; 16 IPv4, old. 12 protected, at
    // most 6 by network: 2 per network in the first round (I2P and localhost have fewest,
    // then CJDNS has none), the remaining ones go to Tor.
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < 24; ++i) c.push_back(candidate(i, uint64_t(i), i));
    for (int i : {16, 17}) c[size_t(i)].network = NetType::I2P;
    for (int i : {18, 19}) {
        c[size_t(i)].network = NetType::UNROUTABLE;
        c[size_t(i)].is_local = true;
    }
    for (int i : {20, 21, 22, 23}) c[size_t(i)].network = NetType::ONION;
    protect_candidates_by_ratio(c);
    const std::set<int64_t> left = ids(c);
    ASSERT_EQ(left.size(), 12u);
    for (int64_t p : {16, 17, 18, 19, 20, 21}) EXPECT_FALSE(left.count(p)) << p;
    for (int64_t p : {0, 1, 2, 3, 4, 5}) EXPECT_FALSE(left.count(p)) << p;
    for (int64_t p : {22, 23}) EXPECT_TRUE(left.count(p)) << p;
}

TEST(Eviction, LocalPeersSurviveAFloodOfOlderPeers) {
    // Through the whole function: 3 young loopback peers among 40 old remote ones keep
    // their slots, while a young remote peer is evicted.
    std::vector<EvictionCandidate> c;
    for (int i = 0; i < 40; ++i) {
        c.push_back(candidate(i, 7, i));
        c.back().min_ping_seconds = 0.5;
    }
    for (int i = 40; i < 44; ++i) {
        c.push_back(candidate(i, 7, i));
        c.back().min_ping_seconds = 9.0;
    }
    for (int i : {41, 42, 43}) {
        c[size_t(i)].is_local = true;
        c[size_t(i)].network = NetType::UNROUTABLE;
    }
    auto victim = select_node_to_evict(c);
    ASSERT_TRUE(victim);
    EXPECT_EQ(*victim, 40);
}

}  // namespace
}  // namespace minicash::net
