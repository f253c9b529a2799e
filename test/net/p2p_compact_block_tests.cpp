// BIP152 compact blocks (version 2): messages and short ids, negotiation, reconstruction
// from the mempool and the extra pool with and without a getblocktxn round trip, the
// fallback to full blocks, serving cmpctblock/blocktxn, high-bandwidth peer selection,
// and malformed input. Fake peers and clock (p2p_test_harness.h); the peers' chain is a
// second regtest chain state whose blocks spend real coins.
#include <gtest/gtest.h>

#include "net/compact_block.h"
#include "test/net/p2p_test_harness.h"
#include "util/hash.h"
#include "util/siphash.h"

namespace minicash::net::test {
namespace {

using minicash::test::TestChain;

std::vector<Inv> getdata(P2PHarness& h, const std::shared_ptr<Peer>& p) { return h.invs(p, cmd::GETDATA); }

// Our node synced with the source's 101 blocks (so coinbase 1 is spendable), and a
// block 102 on the source with two transactions.
struct Net {
    explicit Net(const std::string& tag) : source(tag + "-src"), h(tag) {
        source.mine_blocks(101);
        h.start();
        a = h.connect_ready(PeerOptions().with_start_height(101));
        h.deliver(a, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 101)));
        for (int i = 1; i <= 101; ++i) h.deliver(a, cmd::BLOCK, block_bytes(source.chain(), i));
        EXPECT_EQ(h.chain.height(), 101);
        const std::vector<minicash::test::Utxo> coins = source.coinbase_utxos(1);
        tx1 = source.spend1(coins.at(0), 1000);
        tx2 = source.spend1(coins.at(1), 2000);
        block = source.mine({tx1, tx2});
        h.take(a);
    }
    Bytes compact(uint64_t nonce = 7) const { return encode_cmpctblock(make_compact_block(block, nonce)); }
    TestChain source;
    P2PHarness h;
    std::shared_ptr<Peer> a;
    Transaction tx1, tx2;
    Block block;
};

TEST(CompactBlockMessages, RoundTripAndShortIdsAsSpecified) {
    Block b;
    b.header.time = 1234;
    b.txs.push_back(make_tx(1));
    b.txs.push_back(make_tx(2));
    b.txs.push_back(make_tx(3));
    const CompactBlockMsg m = make_compact_block(b, 0x0102030405060708ull);
    ASSERT_EQ(m.prefilled.size(), 1u);
    ASSERT_EQ(m.short_ids.size(), 2u);
    // Key: SHA-256(header || nonce), first two little-endian words; id: low 48 bits.
    Bytes pre = Bytes();
    {
        Writer w(pre);
        b.header.write(w);
        w.u64(0x0102030405060708ull);
    }
    const uint256 k = sha256(pre);
    const uint64_t expect =
        siphash24(read_le64(k.data()), read_le64(k.data() + 8), b.txs[1].wtxid().view()) & 0xffffffffffffull;
    EXPECT_EQ(m.short_ids[0], expect);
    auto back = decode_cmpctblock(encode_cmpctblock(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->short_ids, m.short_ids);
    EXPECT_EQ(back->prefilled.at(0).tx, b.txs[0]);
    EXPECT_EQ(back->hash(), b.hash());

    BlockTxnRequest r{b.hash(), {0, 5, 6, 65535}};
    auto r2 = decode_getblocktxn(encode_getblocktxn(r));
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->indexes, r.indexes);
    BlockTxnMsg t{b.hash(), {b.txs[1]}};
    auto t2 = decode_blocktxn(encode_blocktxn(t));
    ASSERT_TRUE(t2);
    EXPECT_EQ(t2->txs.at(0), b.txs[1]);
}

TEST(CompactBlockMessages, IndexesBeyondSixteenBitsAndTruncationAreRejected) {
    Bytes p;
    Writer w(p);
    w.hash(uint256());
    w.compact_size(2);
    w.compact_size(65535);
    w.compact_size(0);  // 65536: overflows
    std::string error;
    EXPECT_FALSE(decode_getblocktxn(p, &error));
    EXPECT_EQ(error, "indexes overflowed 16 bits");
    Bytes q;
    Writer w2(q);
    w2.hash(uint256());
    w2.compact_size(1);
    w2.compact_size(70000);
    EXPECT_FALSE(decode_getblocktxn(q, &error));
    EXPECT_EQ(error, "index overflowed 16 bits");
    // A count far beyond the payload allocates nothing and fails.
    Bytes c(88, 0);
    c.push_back(0xfe);
    c.insert(c.end(), {0xff, 0xff, 0xff, 0x01});
    EXPECT_FALSE(decode_cmpctblock(c));
    EXPECT_FALSE(decode_blocktxn(Bytes(31, 0)));
}

TEST(P2PCompactBlocks, SendcmpctIsNegotiatedVersionTwoOnly) {
    P2PHarness h("cb-negotiate");
    h.start();
    auto p = h.connect();
    h.handshake(p);
    auto ours = h.payloads(p, cmd::SENDCMPCT);
    ASSERT_EQ(ours.size(), 1u);
    auto m = decode_sendcmpct(ours[0]);
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->high_bandwidth);
    EXPECT_EQ(m->version, 2u);
    h.deliver(p, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{true, 1}));
    EXPECT_FALSE(p->provides_cmpct) << "version 1 (txid short ids) is not spoken";
    h.deliver(p, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{true, 2}));
    EXPECT_TRUE(p->provides_cmpct);
    EXPECT_TRUE(p->hb_from);
}

TEST(P2PCompactBlocks, ReconstructedFromTheMempoolWithoutRoundTrip) {
    Net n("cb-mempool");
    n.h.txpool.add(n.tx1);
    n.h.txpool.add(n.tx2);
    n.h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    EXPECT_EQ(n.h.chain.height(), 102);
    EXPECT_EQ(n.h.chain.chain().tip()->hash, n.block.hash());
    EXPECT_EQ(n.h.count(n.a, cmd::GETBLOCKTXN), 0u);
    EXPECT_TRUE(getdata(n.h, n.a).empty());
}

TEST(P2PCompactBlocks, MissingTransactionsAreFetchedWithGetblocktxn) {
    Net n("cb-roundtrip");
    n.h.txpool.add(n.tx1);
    n.h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    auto reqs = n.h.payloads(n.a, cmd::GETBLOCKTXN);
    ASSERT_EQ(reqs.size(), 1u);
    auto req = decode_getblocktxn(reqs[0]);
    ASSERT_TRUE(req);
    EXPECT_EQ(req->block_hash, n.block.hash());
    EXPECT_EQ(req->indexes, std::vector<uint16_t>{2});
    EXPECT_EQ(n.h.chain.height(), 101);
    n.h.deliver(n.a, cmd::BLOCKTXN, encode_blocktxn(BlockTxnMsg{n.block.hash(), {n.tx2}}));
    EXPECT_EQ(n.h.chain.height(), 102);
}

TEST(P2PCompactBlocks, RejectedTransactionsServeFromTheExtraPool) {
    Net n("cb-extra");
    n.h.txpool.add(n.tx1);
    n.h.txpool.decide = [](const Transaction&) {
        AcceptResult r;
        r.state.invalid("min relay fee not met", "", ValidationResult::INPUTS);
        return r;
    };
    n.h.deliver(n.a, cmd::TX, n.tx2.serialize(true));
    EXPECT_FALSE(n.h.txpool.contains(n.tx2.txid()));
    n.h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    EXPECT_EQ(n.h.count(n.a, cmd::GETBLOCKTXN), 0u) << "tx2 came from the extra pool";
    EXPECT_EQ(n.h.chain.height(), 102);
}

TEST(P2PCompactBlocks, CollidingShortIdsFallBackToTheFullBlock) {
    Net n("cb-collide");
    CompactBlockMsg m = make_compact_block(n.block, 1);
    m.short_ids[1] = m.short_ids[0];
    n.h.deliver(n.a, cmd::CMPCTBLOCK, encode_cmpctblock(m));
    EXPECT_FALSE(n.h.is_closed(n.a));
    const auto gd = getdata(n.h, n.a);
    ASSERT_EQ(gd.size(), 1u);
    EXPECT_EQ(gd[0], (Inv{MSG_WITNESS_BLOCK, n.block.hash()}));
    n.h.deliver(n.a, cmd::BLOCK, n.block.serialize(true));
    EXPECT_EQ(n.h.chain.height(), 102);
}

TEST(P2PCompactBlocks, WrongTransactionsFallBackWrongCountsArePunished) {
    Net n("cb-blocktxn");
    n.h.txpool.add(n.tx1);
    // Unsolicited blocktxn: ignored.
    n.h.deliver(n.a, cmd::BLOCKTXN, encode_blocktxn(BlockTxnMsg{n.block.hash(), {n.tx2}}));
    EXPECT_FALSE(n.h.is_closed(n.a));
    n.h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    // The right count but a wrong transaction: the merkle root does not match: full block.
    n.h.deliver(n.a, cmd::BLOCKTXN, encode_blocktxn(BlockTxnMsg{n.block.hash(), {make_tx(9)}}));
    EXPECT_FALSE(n.h.is_closed(n.a));
    const auto gd = getdata(n.h, n.a);
    ASSERT_EQ(gd.size(), 1u);
    EXPECT_EQ(gd[0].type, uint32_t(MSG_WITNESS_BLOCK));
    n.h.deliver(n.a, cmd::BLOCK, n.block.serialize(true));
    EXPECT_EQ(n.h.chain.height(), 102);

    // Another peer answers with the wrong number of transactions: misbehaviour.
    Net m("cb-blocktxn2");
    auto b = m.h.connect_ready();
    m.h.deliver(b, cmd::CMPCTBLOCK, m.compact());
    ASSERT_EQ(m.h.count(b, cmd::GETBLOCKTXN), 1u);
    m.h.deliver(b, cmd::BLOCKTXN, encode_blocktxn(BlockTxnMsg{m.block.hash(), {m.tx1}}));
    EXPECT_TRUE(m.h.is_closed(b));
    ASSERT_EQ(m.h.misbehaved.size(), 1u);
    EXPECT_EQ(m.h.misbehaved[0].second, "invalid compact block/non-matching block transactions");
    EXPECT_FALSE(m.h.is_closed(m.a)) << "the node keeps serving others";
}

TEST(P2PCompactBlocks, InvalidCompactBlocksArePunishedUndecodableOnesDropped) {
    Net n("cb-malformed");
    CompactBlockMsg m = make_compact_block(n.block, 1);
    m.prefilled[0].index = 3;  // beyond the block's 3 transactions
    n.h.deliver(n.a, cmd::CMPCTBLOCK, encode_cmpctblock(m));
    EXPECT_TRUE(n.h.is_closed(n.a));
    ASSERT_EQ(n.h.misbehaved.size(), 1u);
    EXPECT_EQ(n.h.misbehaved[0].second, "invalid compact block");
    // Bytes that do not decode: dropped (Core: an exception, caught and logged).
    auto b = n.h.connect_ready();
    n.h.deliver(b, cmd::CMPCTBLOCK, Bytes(50, 1));
    EXPECT_FALSE(n.h.is_closed(b));
    ASSERT_FALSE(n.h.reports.empty());
    EXPECT_EQ(n.h.reports.back().what, Misbehavior::UNDECODABLE);
    EXPECT_EQ(n.h.misbehaved.size(), 1u);
}

TEST(P2PCompactBlocks, GetblocktxnIsAnsweredCheckedAndBounded) {
    P2PHarness h("cb-serve");
    h.chain.mine_blocks(12);
    h.start();
    auto p = h.connect_ready();
    const Block tip = *h.chain.chain().read_block(h.chain.chain().at_height(12));
    h.deliver(p, cmd::GETBLOCKTXN, encode_getblocktxn(BlockTxnRequest{tip.hash(), {0}}));
    auto answers = h.payloads(p, cmd::BLOCKTXN);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(decode_blocktxn(answers[0])->txs.at(0), tip.txs[0]);
    // Unknown block: ignored. Deeper than 10: the whole block.
    h.deliver(p, cmd::GETBLOCKTXN, encode_getblocktxn(BlockTxnRequest{sha256(Bytes{1}), {0}}));
    h.deliver(p, cmd::GETBLOCKTXN, encode_getblocktxn(BlockTxnRequest{hash_at(h.chain.chain(), 1), {0}}));
    EXPECT_EQ(h.count(p, cmd::BLOCKTXN), 1u);
    EXPECT_EQ(h.count(p, cmd::BLOCK), 1u);
    EXPECT_FALSE(h.is_closed(p));
    // getdata MSG_CMPCT_BLOCK: compact for the tip, whole for a deep block.
    h.deliver(p, cmd::GETDATA, inv_payload(MSG_CMPCT_BLOCK, {tip.hash(), hash_at(h.chain.chain(), 2)}));
    auto cb = h.payloads(p, cmd::CMPCTBLOCK);
    ASSERT_EQ(cb.size(), 1u);
    EXPECT_EQ(decode_cmpctblock(cb[0])->hash(), tip.hash());
    EXPECT_EQ(h.count(p, cmd::BLOCK), 2u);
    // An index out of range: misbehaviour.
    h.deliver(p, cmd::GETBLOCKTXN, encode_getblocktxn(BlockTxnRequest{tip.hash(), {1}}));
    EXPECT_TRUE(h.is_closed(p));
    EXPECT_EQ(h.misbehaved.at(0).second, "getblocktxn with out-of-bounds tx indices");
}

TEST(P2PCompactBlocks, AtMostThreeHighBandwidthPeersOutboundProtected) {
    TestChain source("cb-hb-src");
    source.mine_blocks(6);
    P2PHarness h("cb-hb");
    h.start();
    std::vector<std::shared_ptr<Peer>> peers;
    auto out = h.connect_ready(PeerOptions().with_start_height(6));
    h.deliver(out, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{false, 2}));
    h.deliver(out, cmd::HEADERS, encode_headers(headers_of(source.chain(), 1, 1)));
    h.deliver(out, cmd::BLOCK, block_bytes(source.chain(), 1));
    EXPECT_TRUE(out->hb_to) << "a peer that gave us a new block becomes high-bandwidth";
    auto hb = decode_sendcmpct(h.payloads(out, cmd::SENDCMPCT).back());
    EXPECT_TRUE(hb->high_bandwidth);
    for (int i = 2; i <= 5; ++i) {
        auto in = h.connect_ready(inbound());
        h.deliver(in, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{false, 2}));
        h.deliver(in, cmd::HEADERS, encode_headers(headers_of(source.chain(), i, i)));
        h.deliver(in, cmd::BLOCK, block_bytes(source.chain(), i));
        peers.push_back(in);
    }
    EXPECT_TRUE(out->hb_to) << "inbound peers never displace the only outbound one";
    int hb_count = out->hb_to ? 1 : 0;
    for (auto& p : peers) hb_count += p->hb_to ? 1 : 0;
    EXPECT_EQ(hb_count, 3);
    EXPECT_FALSE(peers[0]->hb_to) << "the oldest inbound one was told sendcmpct(0, 2)";
    EXPECT_FALSE(decode_sendcmpct(h.payloads(peers[0], cmd::SENDCMPCT).back())->high_bandwidth);
}

TEST(P2PCompactBlocks, NewBlocksArePushedToHighBandwidthPeers) {
    Net n("cb-push");
    auto& h = n.h;
    auto hb = h.connect_ready();
    h.deliver(hb, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{true, 2}));
    h.deliver(hb, cmd::HEADERS, encode_headers(headers_of(h.chain.chain(), 101, 101)));  // it has our tip
    h.take(hb);
    // A block from a peer, pushed on before (and regardless of) full validation.
    h.txpool.add(n.tx1);
    h.txpool.add(n.tx2);
    h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    ASSERT_EQ(h.chain.height(), 102);
    auto pushed = h.payloads(hb, cmd::CMPCTBLOCK);
    ASSERT_EQ(pushed.size(), 1u);
    EXPECT_EQ(decode_cmpctblock(pushed[0])->hash(), n.block.hash());
    EXPECT_EQ(h.count(hb, cmd::HEADERS) + h.count(hb, cmd::INV), 0u) << "no second announcement";
    // A block we mine ourselves: pushed after it connects.
    h.take(hb);
    h.chain.mine_blocks(1);
    h.settle();
    pushed = h.payloads(hb, cmd::CMPCTBLOCK);
    ASSERT_EQ(pushed.size(), 1u);
    EXPECT_EQ(decode_cmpctblock(pushed[0])->hash(), hash_at(h.chain.chain(), 103));
}

TEST(P2PCompactBlocks, LowBandwidthPeersAnnouncingOneBlockAreAskedForACompactBlock) {
    Net n("cb-lowbw");
    n.h.deliver(n.a, cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{false, 2}));
    n.h.txpool.add(n.tx1);
    n.h.txpool.add(n.tx2);
    n.h.take(n.a);
    n.h.deliver(n.a, cmd::HEADERS, encode_headers({n.block.header}));
    const auto gd = getdata(n.h, n.a);
    ASSERT_EQ(gd.size(), 1u);
    EXPECT_EQ(gd[0], (Inv{MSG_CMPCT_BLOCK, n.block.hash()}));
    n.h.deliver(n.a, cmd::CMPCTBLOCK, n.compact());
    EXPECT_EQ(n.h.chain.height(), 102);
    EXPECT_EQ(n.h.count(n.a, cmd::GETBLOCKTXN), 0u);
}

}  // namespace
}  // namespace minicash::net::test
