// Block download where Bitcoin Core's rules are subtle (issue 14, item 0): equal-work
// announcements, a competing block after an invalid one, unrequested equal-work blocks,
// and blocks with a non-canonical ("bloated") encoding. Fake peers, fake clock
// (p2p_test_harness.h); the peers' chain is a second regtest chain state.
#include <gtest/gtest.h>

#include "consensus/merkle.h"
#include "consensus/pow.h"
#include "test/net/p2p_test_harness.h"

namespace minicash::net::test {
namespace {

using minicash::test::TestChain;

std::vector<uint256> requested_blocks(P2PHarness& h, const std::shared_ptr<Peer>& p) {
    std::vector<uint256> out;
    for (const Inv& i : h.invs(p, cmd::GETDATA))
        if (i.type == MSG_WITNESS_BLOCK || i.type == MSG_BLOCK || i.type == MSG_CMPCT_BLOCK) out.push_back(i.hash);
    return out;
}

// Our node and the peers' chain share `common` blocks; our node is synced to them.
struct Synced {
    Synced(const std::string& tag, int common) : source(tag + "-src"), h(tag) {
        source.mine_blocks(common);
        h.start();
        a = h.connect_ready(PeerOptions().with_start_height(common));
        h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, common)));
        for (int i = 1; i <= common; ++i) h.deliver(a, cmd::BLOCK, block_bytes(source.chain(), i));
        h.take(a);
    }
    TestChain source;
    P2PHarness h;
    std::shared_ptr<Peer> a;
};

TEST(P2PBlockDownload, EqualWorkBlockAnnouncedByHeadersIsRequested) {
    Synced s("dl-equal", 3);
    auto& h = s.h;
    // Our own tip at height 4, and a competitor at height 4 (equal work) from the source.
    h.chain.mine_blocks(1);
    h.settle();
    ASSERT_EQ(h.chain.height(), 4);
    s.source.mine_blocks(1);
    h.take(s.a);
    h.deliver(s.a, cmd::HEADERS, encode_headers(headers_of(s.source.chain(), 4, 4)));
    EXPECT_EQ(requested_blocks(h, s.a), std::vector<uint256>(1, hash_at(s.source.chain(), 4)))
        << "Core fetches an equal-work competitor (to keep the branch and switch on a tie-break)";
    h.deliver(s.a, cmd::BLOCK, block_bytes(s.source.chain(), 4));
    EXPECT_TRUE(h.chain.chain().have_block_data(hash_at(s.source.chain(), 4))) << "stored";
    EXPECT_FALSE(h.is_closed(s.a));
}

TEST(P2PBlockDownload, CompetingBlockAfterAnInvalidOneIsRequestedFromANewPeer) {
    Synced s("dl-after-invalid", 2);
    auto& h = s.h;
    s.source.mine_blocks(1);
    // Block 3 overpaying its coinbase, announced by headers and sent by a bad peer.
    Block bad = *s.source.chain().read_block(s.source.chain().at_height(3));
    bad.txs[0].vout[0].value += 1;
    bad.header.merkle_root = block_merkle_root(bad);
    bad.header.nonce = 0;
    const ChainParams params = make_chain_params(Network::REGTEST);
    while (!check_proof_of_work(bad.header.hash(), bad.header.bits, params.consensus)) ++bad.header.nonce;
    auto evil = h.connect_ready(PeerOptions().with_start_height(3));
    h.deliver(evil, cmd::HEADERS, encode_headers({bad.header}));
    ASSERT_EQ(requested_blocks(h, evil), std::vector<uint256>(1, bad.hash()));
    h.deliver(evil, cmd::BLOCK, bad.serialize(true));
    EXPECT_TRUE(h.is_closed(evil));
    ASSERT_EQ(h.chain.height(), 2);

    // A new peer announces the valid block at the same height: requested right away,
    // without waiting for any timeout.
    auto fresh = h.connect_ready(PeerOptions().with_start_height(3));
    h.deliver(fresh, cmd::HEADERS, encode_headers(headers_of(s.source.chain(), 3, 3)));
    EXPECT_EQ(requested_blocks(h, fresh), std::vector<uint256>(1, hash_at(s.source.chain(), 3)));
    h.deliver(fresh, cmd::BLOCK, block_bytes(s.source.chain(), 3));
    EXPECT_EQ(h.chain.height(), 3);
    EXPECT_EQ(h.chain.chain().tip()->hash, hash_at(s.source.chain(), 3));
}

TEST(P2PBlockDownload, UnrequestedEqualWorkBlockIsStored) {
    Synced s("dl-unrequested-equal", 3);
    auto& h = s.h;
    h.chain.mine_blocks(1);  // our tip at 4
    h.settle();
    s.source.mine_blocks(1);  // a competitor at 4, sent without announcement
    h.deliver(s.a, cmd::BLOCK, block_bytes(s.source.chain(), 4));
    EXPECT_TRUE(h.chain.chain().have_block_data(hash_at(s.source.chain(), 4))) << "same work as the tip: kept";
    EXPECT_NE(h.chain.chain().tip()->hash, hash_at(s.source.chain(), 4)) << "first seen stays our tip";
    EXPECT_FALSE(h.is_closed(s.a));
}

// The block's transaction count as 0xfd + 2 bytes although it is below 253.
Bytes bloated(const Block& block) {
    const Bytes canonical = block.serialize(true);
    Bytes out(canonical.begin(), canonical.begin() + kBlockHeaderSize);
    EXPECT_LT(block.txs.size(), 253u);
    out.push_back(0xfd);
    out.push_back(uint8_t(block.txs.size()));
    out.push_back(0);
    out.insert(out.end(), canonical.begin() + kBlockHeaderSize + 1, canonical.end());
    return out;
}

TEST(P2PBlockDownload, BloatedBlockIsRefusedWithoutDisconnectingAndTheCanonicalOneAccepted) {
    Synced s("dl-bloated", 2);
    auto& h = s.h;
    s.source.mine_blocks(1);
    const Block b3 = *s.source.chain().read_block(s.source.chain().at_height(3));
    h.deliver(s.a, cmd::HEADERS, encode_headers({b3.header}));
    ASSERT_EQ(requested_blocks(h, s.a), std::vector<uint256>(1, b3.hash()));
    h.deliver(s.a, cmd::BLOCK, bloated(b3));
    EXPECT_FALSE(h.is_closed(s.a)) << "Core keeps a peer whose block does not decode canonically";
    EXPECT_TRUE(h.misbehaved.empty());
    EXPECT_EQ(h.chain.height(), 2);
    h.deliver(s.a, cmd::BLOCK, b3.serialize(true));
    EXPECT_EQ(h.chain.height(), 3) << "the same block, canonically encoded, is accepted";
}

}  // namespace
}  // namespace minicash::net::test
