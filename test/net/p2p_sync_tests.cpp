// Headers-first sync, block download (window, per-peer limit, stalling, timeouts),
// low-work headers, serving headers and blocks, and tip announcements, on fake peers
// (p2p_test_harness.h). The peers' chain is a second regtest chain state (`source`).
#include <gtest/gtest.h>

#include <set>

#include "consensus/merkle.h"
#include "consensus/pow.h"
#include "net/headers_sync.h"
#include "net/net_permissions.h"
#include "test/net/p2p_test_harness.h"
#include "util/hash.h"

namespace minicash::net::test {
namespace {

using minicash::test::TestChain;

GetHeadersMsg last_getheaders(P2PHarness& h, const std::shared_ptr<Peer>& p) {
    auto all = h.payloads(p, cmd::GETHEADERS);
    EXPECT_FALSE(all.empty());
    auto m = decode_getheaders(all.back());
    EXPECT_TRUE(m);
    return *m;
}

std::vector<uint256> requested_blocks(P2PHarness& h, const std::shared_ptr<Peer>& p) {
    std::vector<uint256> out;
    for (const Inv& i : h.invs(p, cmd::GETDATA)) {
        EXPECT_EQ(i.type, uint32_t(MSG_WITNESS_BLOCK));
        out.push_back(i.hash);
    }
    return out;
}

std::vector<uint256> hashes(Chainstate& chain, int from, int to) {
    std::vector<uint256> out;
    for (int i = from; i <= to; ++i) out.push_back(hash_at(chain, i));
    return out;
}

std::vector<uint256> hashes_of(const std::vector<BlockHeader>& headers, size_t from, size_t to) {
    std::vector<uint256> out;
    for (size_t i = from; i <= to; ++i) out.push_back(headers[i].hash());
    return out;
}

// Sends the source's blocks at these heights from `p` (as answers to getdata).
void deliver_blocks(P2PHarness& h, TestChain& source, const std::shared_ptr<Peer>& p, int from, int to) {
    for (int i = from; i <= to; ++i) h.deliver(p, cmd::BLOCK, block_bytes(source.chain(), i));
}

// A copy of `block` with a re-ground proof of work (after a change to its contents).
Block regrind(Block block, bool fix_merkle_root) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    if (fix_merkle_root) block.header.merkle_root = block_merkle_root(block);
    block.header.nonce = 0;
    while (!check_proof_of_work(block.header.hash(), block.header.bits, params.consensus)) ++block.header.nonce;
    return block;
}

Block source_block(TestChain& source, int height) {
    auto b = source.chain().read_block(source.chain().at_height(height));
    EXPECT_TRUE(b);
    return *b;
}

// The peers' chain (`source`, `blocks` long) and our node (at genesis), started.
struct SyncSetup {
    SyncSetup(const std::string& tag, int blocks) : source(tag + "-src"), h(tag) {
        source.mine_blocks(blocks);
        h.start();
    }
    TestChain source;
    P2PHarness h;
};

// ---- headers-first sync ----

// While blocks load from files (-loadblock, -reindex) none is downloaded, as in Core:
// the files may hold them. Headers still sync; downloads resume at the next tick after.
TEST(P2PSync, NoBlockDownloadsWhileLoadingBlocks) {
    SyncSetup net("sync-loading", 5);
    auto& [source, h] = net;
    h.chain.chain().set_loading_blocks(true);
    auto a = h.connect();
    h.handshake(a, PeerOptions().with_start_height(5));
    h.take(a);
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 5)));
    EXPECT_NE(h.chain.chain().lookup(hash_at(source.chain(), 5)), nullptr) << "headers stored";
    EXPECT_TRUE(requested_blocks(h, a).empty());
    h.tick();
    EXPECT_TRUE(requested_blocks(h, a).empty());
    h.chain.chain().set_loading_blocks(false);
    h.tick();
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 1, 5));
}

TEST(P2PSync, HeadersFirstThenBlocksFromOnePeer) {
    SyncSetup net("sync-one", 20);
    auto& [source, h] = net;
    EXPECT_TRUE(h.logic->in_initial_block_download());

    auto a = h.connect();
    h.handshake(a, PeerOptions().with_start_height(20));
    const GetHeadersMsg gh = last_getheaders(h, a);
    ASSERT_EQ(gh.locator.size(), 1u);
    EXPECT_EQ(gh.locator[0], hash_at(h.chain.chain(), 0));
    h.take(a);

    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 20)));
    EXPECT_NE(h.chain.chain().lookup(hash_at(source.chain(), 20)), nullptr) << "headers stored";
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 1, 16)) << "16 blocks in flight per peer";
    EXPECT_EQ(h.count(a, cmd::GETHEADERS), 0u) << "a short batch: the peer has nothing more";
    h.take(a);

    deliver_blocks(h, source, a, 1, 16);
    EXPECT_EQ(h.chain.height(), 16);
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 17, 20));
    deliver_blocks(h, source, a, 17, 20);
    EXPECT_EQ(h.chain.height(), 20);
    EXPECT_EQ(h.chain.chain().tip()->hash, hash_at(source.chain(), 20));
    EXPECT_FALSE(h.logic->in_initial_block_download()) << "a recent tip ends initial download";
    const PeerSyncStats stats = h.logic->sync_stats(*a);
    EXPECT_EQ(stats.synced_headers, 20);
    EXPECT_EQ(stats.synced_blocks, 20);
    EXPECT_TRUE(stats.inflight.empty());
}

TEST(P2PSync, OneSyncPeerDuringInitialDownloadUnlessAnotherClaimsMore) {
    P2PHarness h("sync-peers");
    h.start();
    auto a = h.connect();
    h.handshake(a, PeerOptions().with_start_height(0));
    auto b = h.connect();
    h.handshake(b, PeerOptions().with_start_height(0));
    auto c = h.connect();
    h.handshake(c, PeerOptions().with_start_height(50));
    h.tick(4);
    EXPECT_EQ(h.count(a, cmd::GETHEADERS), 1u);
    EXPECT_EQ(h.count(b, cmd::GETHEADERS), 0u) << "one headers-sync peer at a time";
    EXPECT_EQ(h.count(c, cmd::GETHEADERS), 1u) << "it claims a greater height than our best header";
}

TEST(P2PSync, BlocksAreDownloadedFromSeveralPeersInParallel) {
    SyncSetup net("sync-parallel", 40);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(40));
    auto b = h.connect_ready(PeerOptions().with_start_height(40));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 40)));
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 1, 16));
    EXPECT_TRUE(requested_blocks(h, b).empty()) << "b has not shown it has them";
    h.deliver(b, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 40)));
    EXPECT_EQ(requested_blocks(h, b), hashes(source.chain(), 17, 32)) << "the next blocks, from b";
    h.take(a);
    h.take(b);

    deliver_blocks(h, source, a, 1, 16);
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 33, 40));
    EXPECT_EQ(h.chain.height(), 16) << "17.. still in flight from b";
    deliver_blocks(h, source, b, 17, 32);
    deliver_blocks(h, source, a, 33, 40);
    EXPECT_EQ(h.chain.height(), 40);
}

TEST(P2PSync, FullHeadersBatchAsksForTheNext) {
    P2PHarness h("sync-batch");
    h.start();
    const BlockHeader genesis = h.chain.chain().at_height(0)->header;
    const auto headers = make_headers(genesis, 2010, uint32_t(h.clock.unix_now() - 100000));
    auto a = h.connect_ready(PeerOptions().with_start_height(2010));
    const std::vector<BlockHeader> first(headers.begin(), headers.begin() + 2000);
    h.deliver(a, cmd::HEADERS, encode_headers(first));
    ASSERT_EQ(h.count(a, cmd::GETHEADERS), 1u);
    EXPECT_EQ(last_getheaders(h, a).locator.at(0), headers[1999].hash()) << "continues from the last one";
    h.take(a);
    const std::vector<BlockHeader> rest(headers.begin() + 2000, headers.end());
    h.deliver(a, cmd::HEADERS, encode_headers(rest));
    EXPECT_EQ(h.count(a, cmd::GETHEADERS), 0u);
    EXPECT_NE(h.chain.chain().lookup(headers.back().hash()), nullptr);
}

TEST(P2PSync, LowWorkHeaderChainsAreNotStored) {
    P2PHarness h("sync-lowwork");
    h.chain.mine_blocks(160);
    h.start();
    auto a = h.connect_ready();
    // A 10-header fork from genesis: far below our tip's work minus 144 blocks.
    const auto fork = make_headers(h.chain.chain().at_height(0)->header, 10, uint32_t(h.clock.unix_now() - 50000), 9);
    h.deliver(a, cmd::HEADERS, encode_headers(fork));
    for (const BlockHeader& hd : fork) EXPECT_EQ(h.chain.chain().lookup(hd.hash()), nullptr);
    EXPECT_TRUE(h.commands(a).empty()) << "nothing requested";
    EXPECT_FALSE(h.is_closed(a)) << "a low-work chain is not misbehaviour";
    EXPECT_TRUE(h.misbehaved.empty());
}

// A full batch of low-work headers starts PRESYNC: nothing is stored until the peer has
// shown the whole chain's work and then served the same chain again (REDOWNLOAD).
TEST(P2PSync, LowWorkFullBatchIsPresyncedThenRedownloaded) {
    P2PHarness h("sync-presync");
    h.chain.mine_blocks(2150);
    h.start();
    const BlockHeader genesis = h.chain.chain().at_height(0)->header;
    // 2,020 headers from genesis: more work than our tip minus 144 blocks (the threshold).
    const auto fork = make_headers(genesis, 2020, uint32_t(h.clock.unix_now() - 100000), 5);
    const std::vector<BlockHeader> first(fork.begin(), fork.begin() + 2000), rest(fork.begin() + 2000, fork.end());
    auto a = h.connect_ready();

    h.deliver(a, cmd::HEADERS, encode_headers(first));
    ASSERT_TRUE(a->headers_sync);
    EXPECT_EQ(a->headers_sync->phase(), HeadersSync::Phase::PRESYNC);
    EXPECT_EQ(h.chain.chain().lookup(fork[0].hash()), nullptr) << "nothing stored while presyncing";
    EXPECT_EQ(h.count(a, cmd::GETHEADERS), 1u);
    h.take(a);
    h.deliver(a, cmd::HEADERS, encode_headers(rest));
    ASSERT_TRUE(a->headers_sync);
    EXPECT_EQ(a->headers_sync->phase(), HeadersSync::Phase::REDOWNLOAD);
    EXPECT_EQ(last_getheaders(h, a).locator.back(), genesis.hash()) << "from the fork point again";
    EXPECT_EQ(h.chain.chain().lookup(fork[0].hash()), nullptr);

    h.deliver(a, cmd::HEADERS, encode_headers(first));
    h.deliver(a, cmd::HEADERS, encode_headers(rest));
    EXPECT_FALSE(a->headers_sync) << "done";
    EXPECT_NE(h.chain.chain().lookup(fork.back().hash()), nullptr) << "the whole chain is stored now";
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PSync, UnconnectingHeadersAskForTheGapAndAreNeverPunished) {
    P2PHarness h("sync-unconnecting");
    h.start();
    auto a = h.connect_ready();
    BlockHeader unknown_parent = h.chain.chain().at_height(0)->header;
    unknown_parent.nonce ^= 0x5555;
    for (int i = 0; i < 15; ++i) {
        const auto hs = make_headers(unknown_parent, 1, uint32_t(h.clock.unix_now()), uint32_t(i));
        h.deliver(a, cmd::HEADERS, encode_headers(hs));
        EXPECT_EQ(h.count(a, cmd::GETHEADERS), size_t(i + 1)) << "each one makes us ask for the headers between";
    }
    EXPECT_FALSE(h.is_closed(a)) << "Core 28+ no longer counts them";
    EXPECT_TRUE(h.misbehaved.empty());
}

TEST(P2PSync, BrokenHeadersArePunished) {
    P2PHarness h("sync-badheaders");
    h.start();
    const BlockHeader genesis = h.chain.chain().at_height(0)->header;
    auto a = h.connect_ready();
    auto hs = make_headers(genesis, 3, uint32_t(h.clock.unix_now()));
    std::swap(hs[1], hs[2]);
    h.deliver(a, cmd::HEADERS, encode_headers(hs));
    auto b = h.connect_ready();
    auto bad_pow = make_headers(genesis, 1, uint32_t(h.clock.unix_now()));
    bad_pow[0].bits = 0x1d00ffff;  // mainnet difficulty: this nonce does not meet it
    h.deliver(b, cmd::HEADERS, encode_headers(bad_pow));
    auto c = h.connect_ready();
    h.deliver(c, cmd::HEADERS, encode_headers(make_headers(genesis, 1, genesis.time - 1)));  // before its parent
    ASSERT_EQ(h.misbehaved.size(), 3u);
    EXPECT_EQ(h.misbehaved[0], std::make_pair(a->id, std::string("non-continuous headers sequence")));
    EXPECT_EQ(h.misbehaved[1], std::make_pair(b->id, std::string("header with invalid proof of work")));
    EXPECT_EQ(h.misbehaved[2].first, c->id);
    EXPECT_EQ(h.misbehaved[2].second.rfind("invalid header received: time-too-old", 0), 0u) << h.misbehaved[2].second;
    for (const auto& p : {a, b, c}) EXPECT_TRUE(h.banman.is_discouraged(p->addr.addr));
}

// ---- the download window and stalling ----

// 64 peers fill the 1,024-block window (16 each); a 65th peer that has more blocks but
// nothing to fetch makes the holder of the window's first block a staller.
TEST(P2PSync, StallingPeerIsReplacedAfterTwoSeconds) {
    P2PHarness h("sync-stall");
    h.start();
    const auto headers =
        make_headers(h.chain.chain().at_height(0)->header, 1100, uint32_t(h.clock.unix_now() - 200000));
    const uint256 last = headers.back().hash();
    std::vector<std::shared_ptr<Peer>> peers;
    for (int i = 0; i < 65; ++i) peers.push_back(h.connect_ready(PeerOptions().with_start_height(1100)));
    h.deliver(peers[0], cmd::HEADERS, encode_headers(headers));
    for (int i = 1; i < 64; ++i) h.deliver(peers[size_t(i)], cmd::INV, inv_payload(MSG_BLOCK, {last}));
    std::set<uint256> requested;
    for (int i = 0; i < 64; ++i) {
        const auto r = requested_blocks(h, peers[size_t(i)]);
        EXPECT_EQ(r.size(), 16u) << "peer " << i;
        requested.insert(r.begin(), r.end());
    }
    const std::vector<uint256> window = hashes_of(headers, 0, 1023);
    EXPECT_EQ(requested, std::set<uint256>(window.begin(), window.end())) << "exactly the 1,024-block window";
    EXPECT_EQ(requested_blocks(h, peers[0]), hashes_of(headers, 0, 15));

    auto late = peers[64];
    h.deliver(late, cmd::INV, inv_payload(MSG_BLOCK, {last}));
    EXPECT_TRUE(requested_blocks(h, late).empty()) << "nothing left inside the window";
    h.pass(1500ms);
    EXPECT_FALSE(h.is_closed(peers[0]));
    h.pass(1500ms);
    EXPECT_TRUE(h.is_closed(peers[0])) << "it held up the window's first block for 2 s";
    EXPECT_EQ(peers[0]->disconnect_reason(), "block sync timeout");
    EXPECT_TRUE(h.misbehaved.empty()) << "stalling is not misbehaviour";
    EXPECT_EQ(requested_blocks(h, late), hashes_of(headers, 0, 15)) << "its blocks go to the idle peer";
    for (int i = 1; i < 64; ++i) EXPECT_FALSE(h.is_closed(peers[size_t(i)]));
}

TEST(P2PSync, PeerThatDoesNotDeliverWithinABlockIntervalIsDropped) {
    SyncSetup net("sync-timeout", 5);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(5));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 5)));
    ASSERT_EQ(requested_blocks(h, a).size(), 5u);
    h.pass(595s);  // regtest's block interval is 600 s
    EXPECT_FALSE(h.is_closed(a));
    h.pass(10s);
    EXPECT_TRUE(h.is_closed(a));
    EXPECT_EQ(a->disconnect_reason(), "block sync timeout");
}

TEST(P2PSync, SyncPeerThatNeverAnswersGetheadersIsReplaced) {
    P2PHarness h("sync-gh-timeout");
    h.start();
    auto a = h.connect();
    h.handshake(a);
    auto b = h.connect();
    h.handshake(b);
    ASSERT_EQ(h.count(a, cmd::GETHEADERS), 1u);
    ASSERT_EQ(h.count(b, cmd::GETHEADERS), 0u);
    h.pass(119s);
    EXPECT_FALSE(h.is_closed(a));
    h.pass(2s);
    EXPECT_TRUE(h.is_closed(a)) << "two minutes without headers during initial download";
    EXPECT_EQ(a->disconnect_reason(), "block sync timeout");
    EXPECT_EQ(h.count(b, cmd::GETHEADERS), 1u) << "b takes over";
}

TEST(P2PSync, ManualSyncPeerIsKeptAndAskedAgain) {
    P2PHarness h("sync-gh-manual");
    h.start();
    const PeerOptions manual = PeerOptions().with_type(ConnType::MANUAL);
    auto m = h.connect(manual);
    h.handshake(m, manual);
    ASSERT_EQ(h.count(m, cmd::GETHEADERS), 1u);
    h.pass(121s);
    EXPECT_FALSE(h.is_closed(m)) << "manual connections are not dropped for it";
    EXPECT_EQ(h.count(m, cmd::GETHEADERS), 2u);
}

TEST(P2PSync, NotfoundBlockIsFetchedFromAnotherPeer) {
    SyncSetup net("sync-notfound", 20);
    auto& [source, h] = net;
    // b comes first in the peer table, but shows its headers second.
    auto b = h.connect_ready(PeerOptions().with_start_height(20));
    auto a = h.connect_ready(PeerOptions().with_start_height(20));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 20)));
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 1, 16));
    h.deliver(b, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 20)));
    EXPECT_EQ(requested_blocks(h, b), hashes(source.chain(), 17, 20));
    h.take(b);
    h.deliver(a, cmd::NOTFOUND, inv_payload(MSG_WITNESS_BLOCK, {hash_at(source.chain(), 1)}));
    EXPECT_EQ(requested_blocks(h, b), hashes(source.chain(), 1, 1));
    EXPECT_FALSE(h.is_closed(a));
}

TEST(P2PSync, BlocksAreValidatedInOrderOnTheValidationRunner) {
    SyncSetup net("sync-queue", 3);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(3));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 3)));
    h.validation.held = true;  // the validation thread is busy
    deliver_blocks(h, source, a, 1, 3);
    EXPECT_EQ(h.chain.height(), 0);
    EXPECT_EQ(h.validation.pending(), 3u) << "queued for validation, in order";
    h.validation.held = false;
    h.settle();
    EXPECT_EQ(h.chain.height(), 3);
    EXPECT_EQ(h.logic->sync_stats(*a).synced_blocks, 3);
}

// A full validation queue (256 blocks) stops reading from the peer whose block does not
// fit: its next messages wait until validation catches up.
TEST(P2PSync, FullValidationQueueStopsReadingFromThePeer) {
    SyncSetup net("sync-backpressure", 260);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(260));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 260)));
    h.validation.held = true;
    deliver_blocks(h, source, a, 1, 258);
    EXPECT_EQ(h.validation.pending(), 256u);
    h.take(a);
    h.deliver(a, cmd::PING, encode_u64(7));
    EXPECT_EQ(h.count(a, cmd::PONG), 0u) << "the peer is not read while its block waits";
    h.validation.held = false;
    h.settle();
    EXPECT_EQ(h.count(a, cmd::PONG), 1u);
    EXPECT_EQ(h.chain.height(), 258);
}

// ---- blocks we did not ask for, announcements ----

TEST(P2PSync, UnrequestedBlocksAreProcessedOnlyIfTheyCouldBeOurTip) {
    TestChain source("sync-unrequested-src");
    source.mine_blocks(3);
    const Block fork = source.mine_on(source.chain().at_height(1), {}, -1);  // a side branch at height 2
    P2PHarness h("sync-unrequested");
    h.start();
    auto a = h.connect_ready(PeerOptions().with_start_height(3));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 3)));
    deliver_blocks(h, source, a, 1, 3);
    ASSERT_EQ(h.chain.height(), 3);

    source.mine_blocks(1);  // a new block, sent without announcement
    h.deliver(a, cmd::BLOCK, block_bytes(source.chain(), 4));
    EXPECT_EQ(h.chain.height(), 4);
    h.deliver(a, cmd::BLOCK, fork.serialize(true));
    EXPECT_FALSE(h.chain.chain().have_block_data(fork.hash())) << "less work than our tip: not stored";
    EXPECT_FALSE(h.is_closed(a));
}

TEST(P2PSync, BlockAnnouncementsLeadToHeadersOrBlocks) {
    SyncSetup net("sync-inv", 2);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(2));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 1)));
    deliver_blocks(h, source, a, 1, 1);
    h.take(a);
    // Unknown block: ask for the headers leading to it.
    h.deliver(a, cmd::INV, inv_payload(MSG_BLOCK, {hash_at(source.chain(), 2)}));
    ASSERT_EQ(h.count(a, cmd::GETHEADERS), 1u);
    EXPECT_EQ(last_getheaders(h, a).locator.at(0), hash_at(source.chain(), 1));
    EXPECT_EQ(h.count(a, cmd::GETDATA), 0u);
    // Its header arrives from a peer that serves no blocks: now the announcement leads to
    // the block.
    auto b = h.connect_ready(inbound().with_services(NODE_WITNESS));
    h.deliver(b, cmd::HEADERS, encode_headers(headers_of(source.chain(), 2, 2)));
    h.take(a);
    h.deliver(a, cmd::INV, inv_payload(MSG_BLOCK, {hash_at(source.chain(), 2)}));
    EXPECT_EQ(requested_blocks(h, a), hashes(source.chain(), 2, 2));
}

TEST(P2PSync, NewTipsAreAnnouncedWithHeadersOrInv) {
    P2PHarness h("sync-announce");
    h.chain.mine_blocks(1);
    h.start();
    ASSERT_FALSE(h.logic->in_initial_block_download());
    auto with_headers = h.connect_ready(PeerOptions().with_sendheaders(true));
    auto with_inv = h.connect_ready();
    // The first has shown it knows our tip.
    h.deliver(with_headers, cmd::HEADERS, encode_headers(headers_of(h.chain.chain(), 1, 1)));
    h.take(with_headers);
    h.chain.mine_blocks(1);  // a new tip (from RPC, say)
    h.settle();
    auto hs = h.payloads(with_headers, cmd::HEADERS);
    ASSERT_EQ(hs.size(), 1u);
    auto decoded = decode_headers(hs[0]);
    ASSERT_TRUE(decoded);
    ASSERT_EQ(decoded->size(), 1u);
    EXPECT_EQ(decoded->at(0).hash(), hash_at(h.chain.chain(), 2));
    EXPECT_EQ(h.count(with_headers, cmd::INV), 0u);
    const auto invs = h.invs(with_inv, cmd::INV);
    ASSERT_EQ(invs.size(), 1u);
    EXPECT_EQ(invs[0], (Inv{MSG_BLOCK, hash_at(h.chain.chain(), 2)}));
    EXPECT_EQ(h.count(with_inv, cmd::HEADERS), 0u);
}

TEST(P2PSync, AfterAnInvTheNextTipIsNotAnnouncedWithHeadersThatDoNotConnect) {
    P2PHarness h("sync-announce-inv");
    h.chain.mine_blocks(1);
    h.start();
    auto p = h.connect_ready(PeerOptions().with_sendheaders(true));
    h.deliver(p, cmd::HEADERS, encode_headers(headers_of(h.chain.chain(), 1, 1)));
    h.take(p);
    h.chain.mine_blocks(9);  // more than 8 new blocks at once: an inv of the tip
    h.settle();
    ASSERT_EQ(h.invs(p, cmd::INV), (std::vector<Inv>{Inv{MSG_BLOCK, hash_at(h.chain.chain(), 10)}}));
    ASSERT_EQ(h.count(p, cmd::HEADERS), 0u);
    h.take(p);
    // The peer has not fetched the headers yet: header 11 alone would not connect for it.
    h.chain.mine_blocks(1);
    h.settle();
    EXPECT_EQ(h.count(p, cmd::HEADERS), 0u);
    EXPECT_EQ(h.invs(p, cmd::INV), (std::vector<Inv>{Inv{MSG_BLOCK, hash_at(h.chain.chain(), 11)}}));
}

TEST(P2PSync, InvalidAndMutatedBlocksArePunished) {
    SyncSetup net("sync-invalid", 3);
    auto& [source, h] = net;
    auto a = h.connect_ready(PeerOptions().with_start_height(3));
    h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 2)));
    deliver_blocks(h, source, a, 1, 2);
    ASSERT_EQ(h.chain.height(), 2);

    // Block 3 with its coinbase paying one satoshi too much (merkle root fixed).
    Block overpaying = source_block(source, 3);
    overpaying.txs[0].vout[0].value += 1;
    overpaying = regrind(overpaying, true);
    auto b = h.connect_ready();
    h.deliver(b, cmd::BLOCK, overpaying.serialize(true));
    EXPECT_TRUE(h.is_closed(b));
    ASSERT_EQ(h.misbehaved.size(), 1u);
    EXPECT_EQ(h.misbehaved[0].second.rfind("invalid block: bad-cb-amount", 0), 0u) << h.misbehaved[0].second;
    EXPECT_TRUE(h.banman.is_discouraged(b->addr.addr));

    // Block 3 with a merkle root that does not match its transactions: another copy may
    // be valid (the hash is not marked invalid), but the sender is punished (Core's
    // "mutated block").
    Block mutated = source_block(source, 3);
    mutated.header.merkle_root = uint256();
    mutated = regrind(mutated, false);
    auto c = h.connect_ready();
    h.deliver(c, cmd::BLOCK, mutated.serialize(true));
    EXPECT_TRUE(h.is_closed(c));
    EXPECT_TRUE(h.banman.is_discouraged(c->addr.addr));
    ASSERT_EQ(h.misbehaved.size(), 2u);
    EXPECT_EQ(h.misbehaved[1].second.rfind("invalid block: bad-txnmrklroot", 0), 0u) << h.misbehaved[1].second;
    EXPECT_EQ(h.chain.height(), 2);
    EXPECT_FALSE(h.is_closed(a));

    // The block already found invalid, sent again unrequested: Core's cached-invalid
    // rule discourages an outbound sender and spares an inbound one.
    auto d = h.connect_ready(inbound());
    h.deliver(d, cmd::BLOCK, overpaying.serialize(true));
    EXPECT_FALSE(h.is_closed(d)) << "inbound peers are not punished for a cached invalid block";
    ASSERT_EQ(h.misbehaved.size(), 2u);
    auto e = h.connect_ready();
    h.deliver(e, cmd::BLOCK, overpaying.serialize(true));
    EXPECT_TRUE(h.is_closed(e));
    ASSERT_EQ(h.misbehaved.size(), 3u);
    EXPECT_EQ(h.misbehaved[2].second.rfind("invalid block: duplicate-invalid", 0), 0u) << h.misbehaved[2].second;
}

// ---- serving ----

TEST(P2PSync, GetheadersAndGetblocksAreAnsweredFromTheLocator) {
    P2PHarness h("sync-serve-headers");
    h.chain.mine_blocks(30);
    h.start();
    Chainstate& cs = h.chain.chain();
    auto p = h.connect_ready(inbound());
    GetHeadersMsg m;
    m.locator = {hash_at(cs, 0)};
    h.deliver(p, cmd::GETHEADERS, encode_getheaders(m));
    auto answer = decode_headers(h.payloads(p, cmd::HEADERS).at(0));
    ASSERT_TRUE(answer);
    EXPECT_EQ(*answer, headers_of(cs, 1, 30));
    h.take(p);

    m.locator = {uint256(), hash_at(cs, 5)};  // an unknown entry is skipped
    m.stop = hash_at(cs, 10);
    h.deliver(p, cmd::GETHEADERS, encode_getheaders(m));
    answer = decode_headers(h.payloads(p, cmd::HEADERS).at(0));
    ASSERT_TRUE(answer);
    EXPECT_EQ(*answer, headers_of(cs, 6, 10)) << "up to and including hash_stop";
    h.take(p);

    h.deliver(p, cmd::GETBLOCKS, encode_getheaders(m));
    std::vector<Inv> expected;
    for (int i = 6; i <= 9; ++i) expected.push_back(Inv{MSG_BLOCK, hash_at(cs, i)});
    EXPECT_EQ(h.invs(p, cmd::INV), expected) << "getblocks stops before hash_stop";
}

TEST(P2PSync, BlocksAreServedAndUnknownOnesIgnored) {
    P2PHarness h("sync-serve-blocks");
    h.chain.mine_blocks(3);
    h.start();
    auto p = h.connect_ready(inbound());
    const uint256 unknown = sha256(Bytes{1, 2, 3});
    std::vector<Inv> request = {Inv{MSG_WITNESS_BLOCK, hash_at(h.chain.chain(), 2)}, Inv{MSG_BLOCK, unknown}};
    h.deliver(p, cmd::GETDATA, encode_inv(request));
    const auto blocks = h.payloads(p, cmd::BLOCK);
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0], block_bytes(h.chain.chain(), 2));
    EXPECT_EQ(h.count(p, cmd::NOTFOUND), 0u) << "as Core: notfound is for transactions";
    EXPECT_FALSE(h.is_closed(p));
}

TEST(P2PSync, PrunedNodeDisconnectsPeersAskingForDeepBlocks) {
    // NODE_NETWORK_LIMITED without NODE_NETWORK (-prune): blocks deeper than 288 + 2 are
    // not served and the peer is disconnected (Core, BIP159), unless it has noban.
    P2PHarness h("sync-limited");
    h.chain.mine_blocks(300);
    h.options.local_services = (kLocalServices & ~uint64_t(NODE_NETWORK)) | NODE_NETWORK_LIMITED;
    h.start();
    auto recent = h.connect_ready(inbound());
    h.deliver(recent, cmd::GETDATA, encode_inv({Inv{MSG_WITNESS_BLOCK, hash_at(h.chain.chain(), 300 - 290)}}));
    EXPECT_EQ(h.count(recent, cmd::BLOCK), 1u) << "290 deep: still served";
    EXPECT_FALSE(h.is_closed(recent));
    auto deep = h.connect_ready(inbound());
    h.deliver(deep, cmd::GETDATA, encode_inv({Inv{MSG_WITNESS_BLOCK, hash_at(h.chain.chain(), 300 - 291)}}));
    EXPECT_EQ(h.count(deep, cmd::BLOCK), 0u);
    EXPECT_TRUE(h.is_closed(deep));
    auto noban = h.connect_ready(inbound().with_permissions(PF_NOBAN));
    h.deliver(noban, cmd::GETDATA, encode_inv({Inv{MSG_WITNESS_BLOCK, hash_at(h.chain.chain(), 5)}}));
    EXPECT_EQ(h.count(noban, cmd::BLOCK), 1u) << "noban peers may ask for any stored block";
    EXPECT_FALSE(h.is_closed(noban));
}

}  // namespace
}  // namespace minicash::net::test
