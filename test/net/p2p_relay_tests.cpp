// Transaction relay: announcements by wtxid or txid, trickling, requests and their
// timeouts, mempool acceptance, rejections and orphans, feefilter, serving
// transactions, and the initial-download rules, on fake peers (p2p_test_harness.h).
#include <gtest/gtest.h>

#include "net/net_permissions.h"
#include "test/net/p2p_test_harness.h"
#include "util/hash.h"

namespace minicash::net::test {
namespace {

constexpr int64_t kMaxMoneySats = int64_t(21000000) * 100000000;

// Our node out of initial download (a recent tip), with the fake mempool.
struct RelaySetup {
    explicit RelaySetup(const std::string& tag) : h(tag) {
        h.chain.mine_blocks(1);
        h.start();
        EXPECT_FALSE(h.logic->in_initial_block_download());
    }
    P2PHarness h;
};

Bytes tx_bytes(const Transaction& tx) { return tx.serialize(true); }

// Two peers, a and b, announce the same transaction, in that order.
struct TwoAnnouncers {
    explicit TwoAnnouncers(const std::string& tag)
        : setup(tag), h(setup.h), a(h.connect_ready()), b(h.connect_ready()), tx(make_tx(1)) {
        h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
        h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    }
    RelaySetup setup;
    P2PHarness& h;
    std::shared_ptr<Peer> a, b;
    Transaction tx;
};

// ---- announcements ----

TEST(P2PRelay, AnnouncedByWtxidOrTxidAsEachPeerAsked) {
    RelaySetup s("relay-announce");
    P2PHarness& h = s.h;
    auto w = h.connect_ready();
    auto t = h.connect_ready(PeerOptions().with_wtxidrelay(false));
    const Transaction tx = make_tx(1);
    h.txpool.add(tx);
    h.pass(1s);
    EXPECT_EQ(h.invs(w, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
    EXPECT_EQ(h.invs(t, cmd::INV), (std::vector<Inv>{Inv{MSG_TX, tx.txid()}}));
    h.pass(60s);
    EXPECT_EQ(h.count(w, cmd::INV), 1u) << "announced once";
}

TEST(P2PRelay, AnnouncementsAreTrickledAndBatched) {
    RelaySetup s("relay-trickle");
    P2PHarness& h = s.h;
    auto p = h.connect_ready(inbound());
    h.pass(1s);  // the first flush sets the Poisson timer
    h.take(p);
    for (int i = 0; i < 1500; ++i) h.txpool.add(make_tx(i));
    h.settle();
    EXPECT_EQ(h.count(p, cmd::INV), 0u) << "nothing goes out between timer expiries";
    h.pass(120s);
    const auto batches = h.payloads(p, cmd::INV);
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(decode_inv(batches[0])->size(), 1000u) << "at most 1,000 per inv";
    EXPECT_EQ(decode_inv(batches[1])->size(), 500u);
}

TEST(P2PRelay, FeefilterSuppressesCheaperTransactions) {
    RelaySetup s("relay-feefilter");
    P2PHarness& h = s.h;
    auto p = h.connect_ready();
    h.deliver(p, cmd::FEEFILTER, encode_i64(5000));
    EXPECT_EQ(p->fee_filter, 5000);
    const Transaction cheap = make_tx(1), rich = make_tx(2);
    h.txpool.add(cheap, 1000);
    h.txpool.add(rich, 6000);
    h.pass(10s);
    EXPECT_EQ(h.invs(p, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, rich.wtxid()}}));
    h.deliver(p, cmd::FEEFILTER, encode_i64(kMaxMoneySats + 1));
    EXPECT_EQ(p->fee_filter, 5000) << "out of range: ignored";
    EXPECT_FALSE(h.is_closed(p));
}

TEST(P2PRelay, TransactionsHeldBackByAFilterAreOfferedAgainLater) {
    RelaySetup s("relay-unbroadcast");
    P2PHarness& h = s.h;
    auto p = h.connect_ready();
    h.deliver(p, cmd::FEEFILTER, encode_i64(5000));
    const Transaction tx = make_tx(1);
    h.txpool.add(tx, 1000);
    h.pass(10s);
    EXPECT_EQ(h.count(p, cmd::INV), 0u);
    h.deliver(p, cmd::FEEFILTER, encode_i64(0));
    h.pass(31s);
    EXPECT_EQ(h.invs(p, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
}

TEST(P2PRelay, PeersThatDoNotRelayGetNoAnnouncements) {
    RelaySetup s("relay-norelay");
    P2PHarness& h = s.h;
    auto p = h.connect_ready(PeerOptions().with_relay(false));
    h.txpool.add(make_tx(1));
    h.pass(10s);
    EXPECT_EQ(h.count(p, cmd::INV), 0u);
}

// -blocksonly (Core's RejectIncomingTxs): our version says relay=0; a transaction or its inv
// disconnects a peer without relay permission; one with it is asked for what it announces;
// transactions that reach our mempool otherwise (RPC) are still announced.
TEST(P2PRelay, BlocksOnlyRefusesPeersTransactionsButAnnouncesOurs) {
    P2PHarness h("relay-blocksonly");
    h.chain.mine_blocks(1);
    h.options.blocks_only = true;
    h.start();
    auto out = h.connect();
    const auto versions = h.payloads(out, cmd::VERSION);
    ASSERT_EQ(versions.size(), 1u);
    const auto ours = decode_version(versions[0]);
    ASSERT_TRUE(ours);
    EXPECT_FALSE(ours->relay);
    h.handshake(out);

    auto a = h.connect_ready(inbound());
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {make_tx(1).wtxid()}));
    auto b = h.connect_ready(inbound());
    h.deliver(b, cmd::TX, tx_bytes(make_tx(2)));
    EXPECT_TRUE(h.is_closed(a));
    EXPECT_TRUE(h.is_closed(b));
    EXPECT_FALSE(h.txpool.contains(make_tx(2).txid()));

    auto relay = h.connect_ready(inbound().with_permissions(PF_RELAY));
    const Transaction offered = make_tx(3);
    h.deliver(relay, cmd::INV, inv_payload(MSG_WTX, {offered.wtxid()}));
    EXPECT_FALSE(h.is_closed(relay));
    EXPECT_EQ(h.invs(relay, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WTX, offered.wtxid()}}));

    const Transaction own = make_tx(4);
    h.txpool.add(own);
    h.pass(10s);
    EXPECT_EQ(h.invs(out, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, own.wtxid()}}));
}

// ---- requests ----

TEST(P2PRelay, AnnouncedTransactionsAreRequestedWithTheMatchingType) {
    RelaySetup s("relay-request");
    P2PHarness& h = s.h;
    auto w = h.connect_ready();
    auto t = h.connect_ready(PeerOptions().with_wtxidrelay(false));
    const Transaction a = make_tx(1), b = make_tx(2);
    h.deliver(w, cmd::INV, inv_payload(MSG_WTX, {a.wtxid()}));
    h.deliver(t, cmd::INV, inv_payload(MSG_TX, {b.txid()}));
    EXPECT_EQ(h.invs(w, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WTX, a.wtxid()}}));
    EXPECT_EQ(h.invs(t, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WITNESS_TX, b.txid()}}));
}

TEST(P2PRelay, AnnouncementsOfTheWrongKindOrOfKnownTransactionsAreIgnored) {
    RelaySetup s("relay-ignore");
    P2PHarness& h = s.h;
    auto w = h.connect_ready();
    const Transaction known = make_tx(1), other = make_tx(2);
    h.txpool.add(known);
    h.deliver(w, cmd::INV, inv_payload(MSG_TX, {other.txid()}));  // it promised wtxids
    h.deliver(w, cmd::INV, inv_payload(MSG_WTX, {known.wtxid()}));
    EXPECT_EQ(h.count(w, cmd::GETDATA), 0u);
    EXPECT_FALSE(h.is_closed(w));
}

TEST(P2PRelay, AtMostOneHundredRequestsInFlightPerPeer) {
    RelaySetup s("relay-inflight");
    P2PHarness& h = s.h;
    auto w = h.connect_ready();
    std::vector<uint256> announced;
    for (int i = 0; i < 150; ++i) announced.push_back(make_tx(i).wtxid());
    h.deliver(w, cmd::INV, inv_payload(MSG_WTX, announced));
    auto first = h.invs(w, cmd::GETDATA);
    ASSERT_EQ(first.size(), 100u);
    EXPECT_EQ(first.front().hash, announced.front());
    h.take(w);
    h.deliver(w, cmd::NOTFOUND, inv_payload(MSG_WTX, std::vector<uint256>(announced.begin(), announced.begin() + 30)));
    h.pass(1s);
    const auto more = h.invs(w, cmd::GETDATA);
    ASSERT_EQ(more.size(), 30u) << "notfound frees room for the rest";
    EXPECT_EQ(more.front().hash, announced[100]);
}

TEST(P2PRelay, ASecondAnnouncerIsAskedWhenTheFirstDoesNotDeliver) {
    TwoAnnouncers s("relay-second");
    auto& [setup, h, a, b, tx] = s;
    EXPECT_EQ(h.invs(a, cmd::GETDATA).size(), 1u);
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u) << "one request at a time";
    h.pass(59s);
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u);
    h.pass(3s);
    EXPECT_EQ(h.invs(b, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}))
        << "60 s without an answer: the next announcer";
    h.deliver(b, cmd::TX, tx_bytes(tx));
    EXPECT_TRUE(h.txpool.contains(tx.txid()));
}

TEST(P2PRelay, ASecondAnnouncerIsAskedWhenTheFirstLeaves) {
    TwoAnnouncers s("relay-second-gone");
    auto& [setup, h, a, b, tx] = s;
    h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));  // announced twice: asked once
    a->disconnect("gone");
    h.settle();
    h.pass(1s);
    EXPECT_EQ(h.invs(b, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
}

TEST(P2PRelay, AReceivedTransactionIsNotRequestedAgain) {
    TwoAnnouncers s("relay-received");
    auto& [setup, h, a, b, tx] = s;
    h.deliver(a, cmd::TX, tx_bytes(tx));
    h.pass(120s);
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u);
    EXPECT_EQ(h.txpool.offered.size(), 1u);
}

// ---- received transactions ----

TEST(P2PRelay, AcceptedTransactionsAreRelayedToOthersButNotBack) {
    RelaySetup s("relay-accept");
    P2PHarness& h = s.h;
    auto from = h.connect_ready();
    auto other = h.connect_ready();
    const Transaction tx = make_tx(1);
    h.deliver(from, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    h.deliver(from, cmd::TX, tx_bytes(tx));
    ASSERT_EQ(h.txpool.offered, std::vector<uint256>{tx.txid()});
    EXPECT_NE(from->last_tx_time, 0) << "remembered for eviction";
    h.pass(10s);
    EXPECT_EQ(h.invs(other, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
    EXPECT_EQ(h.count(from, cmd::INV), 0u);
}

TEST(P2PRelay, RejectedTransactionsAreNotRequestedAgainUntilANewTip) {
    RelaySetup s("relay-reject");
    P2PHarness& h = s.h;
    h.txpool.decide = [](const Transaction&) {
        AcceptResult r;
        r.state.invalid("min relay fee not met");
        return r;
    };
    auto a = h.connect_ready();
    auto b = h.connect_ready();
    const Transaction tx = make_tx(1);
    h.deliver(a, cmd::TX, tx_bytes(tx));
    EXPECT_FALSE(h.txpool.contains(tx.txid()));
    EXPECT_FALSE(h.is_closed(a)) << "mempool rejections are not punished";
    h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u);
    h.chain.mine_blocks(1);  // the chain moved: it may be valid now
    h.settle();
    h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    EXPECT_EQ(h.invs(b, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
}

// A transaction spending output 0 of `parent`.
Transaction child_of(const Transaction& parent, int n) {
    Transaction tx = make_tx(n);
    tx.vin[0].prevout = OutPoint{parent.txid(), 0};
    return tx;
}

// The fake mempool as Core 31 treats a zero-fee parent and its fee-paying child: the
// parent alone is refused for its feerate (reconsiderable), the child alone is an orphan
// while the parent is missing; together, as a package, they are accepted.
void one_parent_one_child_policy(P2PHarness& h, const Transaction& parent, const Transaction& child) {
    h.txpool.decide = [&h, parent, child](const Transaction& tx) {
        AcceptResult r;
        r.txid = tx.txid();
        r.wtxid = tx.wtxid();
        if (tx.txid() == parent.txid()) {
            r.reject = TxReject::RECONSIDERABLE;
            r.state.invalid("min relay fee not met", "0 < 110");
        } else if (tx.txid() == child.txid() && !h.txpool.contains(parent.txid())) {
            r.reject = TxReject::MISSING_INPUTS;
            r.state.invalid("bad-txns-inputs-missingorspent");
            r.missing_inputs = {parent.txid()};
        } else {
            r.accepted = true;
        }
        return r;
    };
}

// Core's orphan resolution: the parents of an orphan are requested (by txid, as
// MSG_WITNESS_TX) from the peer that sent it, and from the other peers that announced it
// when the first does not deliver.
TEST(P2PRelay, OrphanParentsAreFetchedFromEveryAnnouncer) {
    RelaySetup s("relay-orphan");
    P2PHarness& h = s.h;
    const Transaction parent = make_tx(1), child = child_of(parent, 2);
    h.txpool.decide = [&](const Transaction& tx) {
        AcceptResult r;
        if (tx.txid() == child.txid() && !h.txpool.contains(parent.txid())) {
            r.reject = TxReject::MISSING_INPUTS;
            r.state.invalid("bad-txns-inputs-missingorspent");
            r.missing_inputs = {parent.txid()};
        } else {
            r.accepted = true;
        }
        return r;
    };
    auto a = h.connect_ready();
    auto b = h.connect_ready();
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {child.wtxid()}));
    h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {child.wtxid()}));
    h.take(a);
    h.deliver(a, cmd::TX, tx_bytes(child));
    EXPECT_FALSE(h.txpool.contains(child.txid()));
    EXPECT_EQ(h.invs(a, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WITNESS_TX, parent.txid()}}));
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u) << "one request at a time";
    h.pass(61s);  // a never sends it: b, who announced the orphan, is asked
    EXPECT_EQ(h.invs(b, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WITNESS_TX, parent.txid()}}));
    h.deliver(b, cmd::TX, tx_bytes(parent));
    EXPECT_TRUE(h.txpool.contains(parent.txid()));
    // The mempool resolves the orphan itself once its parent is in (as node::Mempool does).
    h.deliver(a, cmd::TX, tx_bytes(child));
    EXPECT_TRUE(h.txpool.contains(child.txid()));
}

// 1p1c: a zero-fee parent (not TRUC) and its child reach the mempool as a package, the
// child arriving first as an orphan.
TEST(P2PRelay, ZeroFeeParentAndChildAreEvaluatedAsAPackage) {
    RelaySetup s("relay-1p1c");
    P2PHarness& h = s.h;
    const Transaction parent = make_tx(1), child = child_of(parent, 2);
    one_parent_one_child_policy(h, parent, child);
    auto a = h.connect_ready();
    auto other = h.connect_ready();
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {child.wtxid()}));
    h.deliver(a, cmd::TX, tx_bytes(child));
    EXPECT_EQ(h.invs(a, cmd::GETDATA).back(), (Inv{MSG_WITNESS_TX, parent.txid()}));
    h.deliver(a, cmd::TX, tx_bytes(parent));
    ASSERT_EQ(h.txpool.packages.size(), 1u);
    EXPECT_EQ(h.txpool.packages[0], (std::vector<uint256>{parent.txid(), child.txid()}));
    EXPECT_TRUE(h.txpool.contains(parent.txid()));
    EXPECT_TRUE(h.txpool.contains(child.txid()));
    h.pass(10s);
    const auto announced = h.invs(other, cmd::INV);
    EXPECT_EQ(announced.size(), 2u) << "both relayed";
}

// The parent first: refused alone, then fetched again when its orphan child arrives, and
// the two are tried together.
TEST(P2PRelay, ReconsiderableParentIsFetchedAgainForItsChild) {
    RelaySetup s("relay-1p1c-parent-first");
    P2PHarness& h = s.h;
    const Transaction parent = make_tx(1), child = child_of(parent, 2);
    one_parent_one_child_policy(h, parent, child);
    auto a = h.connect_ready();
    auto b = h.connect_ready();
    h.deliver(a, cmd::TX, tx_bytes(parent));
    EXPECT_FALSE(h.txpool.contains(parent.txid()));
    EXPECT_TRUE(h.txpool.packages.empty()) << "no orphan child yet";
    // Announced again by someone else: not requested (refused for its feerate already).
    h.deliver(b, cmd::INV, inv_payload(MSG_WTX, {parent.wtxid()}));
    EXPECT_EQ(h.count(b, cmd::GETDATA), 0u);
    h.take(a);
    h.deliver(a, cmd::TX, tx_bytes(child));
    EXPECT_EQ(h.invs(a, cmd::GETDATA), (std::vector<Inv>{Inv{MSG_WITNESS_TX, parent.txid()}}));
    h.deliver(a, cmd::TX, tx_bytes(parent));
    EXPECT_EQ(h.txpool.packages.size(), 1u);
    EXPECT_TRUE(h.txpool.contains(child.txid()));
}

// Only an orphan the same peer gave us is paired with its parent, and a refused package
// is not tried again; a child refused for good is not fetched again.
TEST(P2PRelay, PackagesPairOnlyTheSamePeersOrphanAndAreNotRetried) {
    RelaySetup s("relay-1p1c-refused");
    P2PHarness& h = s.h;
    const Transaction parent = make_tx(1), child = child_of(parent, 2);
    one_parent_one_child_policy(h, parent, child);
    h.txpool.decide_package = [&](const std::vector<Transaction>& txs) {
        PackageResult r;
        r.package_msg = "transaction failed";
        AcceptResult bad;
        bad.reject = TxReject::CONSENSUS;
        bad.state.invalid(
            "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a "
            "false/empty top stack element)");
        r.results[txs[1].wtxid()] = bad;
        return r;
    };
    auto a = h.connect_ready();
    auto c = h.connect_ready();
    h.deliver(a, cmd::TX, tx_bytes(child));
    h.deliver(c, cmd::TX, tx_bytes(parent));  // c never announced the orphan
    EXPECT_TRUE(h.txpool.packages.empty());
    h.deliver(a, cmd::TX, tx_bytes(parent));
    ASSERT_EQ(h.txpool.packages.size(), 1u);
    EXPECT_FALSE(h.txpool.contains(child.txid()));
    h.deliver(a, cmd::TX, tx_bytes(parent));
    EXPECT_EQ(h.txpool.packages.size(), 1u) << "the refused package is not tried again";
    h.deliver(c, cmd::INV, inv_payload(MSG_WTX, {child.wtxid()}));
    EXPECT_EQ(h.count(c, cmd::GETDATA), 0u) << "the invalid child is not fetched again";
}

TEST(P2PRelay, UndecodableTransactionIsDroppedAndReported) {
    RelaySetup s("relay-garbage");
    P2PHarness& h = s.h;
    auto a = h.connect_ready();
    h.deliver(a, cmd::TX, Bytes{1, 2, 3});
    ASSERT_EQ(h.reports.size(), 1u);
    EXPECT_EQ(h.reports[0].what, Misbehavior::UNDECODABLE);
    EXPECT_EQ(h.reports[0].detail.rfind("tx message", 0), 0u) << h.reports[0].detail;
    EXPECT_TRUE(h.misbehaved.empty());
    EXPECT_FALSE(h.is_closed(a)) << "dropped, as Core: the peer is not punished";
}

// ---- serving ----

TEST(P2PRelay, MempoolTransactionsAreServedUnknownOnesNotFound) {
    RelaySetup s("relay-serve");
    P2PHarness& h = s.h;
    const Transaction tx = make_tx(1);
    h.txpool.add(tx);
    h.clock.advance(121s);  // in the mempool for longer than 2 minutes: served to anyone
    auto p = h.connect_ready(inbound());
    const uint256 unknown = make_tx(2).wtxid();
    h.deliver(p, cmd::GETDATA, encode_inv({Inv{MSG_WTX, tx.wtxid()}, Inv{MSG_TX, tx.txid()}, Inv{MSG_WTX, unknown}}));
    const auto served = h.payloads(p, cmd::TX);
    ASSERT_EQ(served.size(), 2u);
    EXPECT_EQ(served[0], tx.serialize(true));
    EXPECT_EQ(served[1], tx.serialize(false)) << "MSG_TX: without witness";
    EXPECT_EQ(h.invs(p, cmd::NOTFOUND), (std::vector<Inv>{Inv{MSG_WTX, unknown}}));
}

// ---- private relay ----

TEST(P2PPrivateRelay, OnlyAnnouncedOrTwoMinuteOldTransactionsAreServed) {
    RelaySetup s("relay-private-getdata");
    P2PHarness& h = s.h;
    auto spy = h.connect_ready(inbound());
    auto other = h.connect_ready(inbound());
    h.pass(1s);
    const Transaction tx = make_tx(1);
    h.txpool.add(tx);
    // Asked for before we announced it: not found (a spy learns nothing early).
    h.deliver(spy, cmd::GETDATA, encode_inv({Inv{MSG_WTX, tx.wtxid()}}));
    EXPECT_EQ(h.count(spy, cmd::TX), 0u);
    EXPECT_EQ(h.invs(spy, cmd::NOTFOUND), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
    // Once announced to it, served.
    h.pass(60s);
    ASSERT_EQ(h.invs(other, cmd::INV), (std::vector<Inv>{Inv{MSG_WTX, tx.wtxid()}}));
    h.deliver(other, cmd::GETDATA, encode_inv({Inv{MSG_WTX, tx.wtxid()}}));
    EXPECT_EQ(h.count(other, cmd::TX), 1u);
    // A peer it was never announced to (it knew the transaction already) gets it only
    // after two minutes in the mempool.
    const Transaction tx2 = make_tx(2);
    auto late = h.connect_ready(inbound());
    h.deliver(late, cmd::INV, inv_payload(MSG_WTX, {tx2.wtxid()}));
    h.txpool.add(tx2);
    h.pass(10s);
    h.deliver(late, cmd::GETDATA, encode_inv({Inv{MSG_WTX, tx2.wtxid()}}));
    EXPECT_EQ(h.count(late, cmd::TX), 0u);
    h.clock.advance(121s);
    h.deliver(late, cmd::GETDATA, encode_inv({Inv{MSG_WTX, tx2.wtxid()}}));
    EXPECT_EQ(h.count(late, cmd::TX), 1u);
}

TEST(P2PPrivateRelay, AnnouncementsAreInRandomOrderAtPoissonIntervals) {
    RelaySetup s("relay-private-order");
    P2PHarness& h = s.h;
    auto in = h.connect_ready(inbound());
    auto out = h.connect_ready();
    h.pass(1s);
    h.take(in);
    h.take(out);
    std::vector<Inv> added;
    for (int i = 0; i < 50; ++i) {
        const Transaction tx = make_tx(i);
        h.txpool.add(tx);
        added.push_back(Inv{MSG_WTX, tx.wtxid()});
    }
    h.pass(30s);
    auto a = h.invs(in, cmd::INV), b = h.invs(out, cmd::INV);
    ASSERT_EQ(a.size(), 50u);
    ASSERT_EQ(b.size(), 50u);
    EXPECT_NE(a, added) << "not in the order they arrived";
    EXPECT_NE(a, b) << "each peer's order is drawn separately";
    // Intervals: averages of 5 s (inbound) and 2 s (outbound), on a one-second tick.
    h.take(in);
    h.take(out);
    int n = 0;
    for (int second = 0; second < 1200; ++second) {
        h.txpool.add(make_tx(1000 + n++));
        h.pass(1s);
    }
    const size_t in_invs = h.count(in, cmd::INV), out_invs = h.count(out, cmd::INV);
    EXPECT_GT(in_invs, 150u);
    EXPECT_LT(in_invs, 260u) << "about one every 5 s (+ the tick)";
    EXPECT_GT(out_invs, 330u);
    EXPECT_LT(out_invs, 560u) << "about one every 2 s (+ the tick)";
}

// ---- initial download, no mempool ----

TEST(P2PRelay, TransactionsAreIgnoredDuringInitialDownload) {
    P2PHarness h("relay-ibd");
    h.start();
    ASSERT_TRUE(h.logic->in_initial_block_download());
    auto a = h.connect_ready();
    const Transaction tx = make_tx(1);
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    h.deliver(a, cmd::TX, tx_bytes(tx));
    EXPECT_EQ(h.count(a, cmd::GETDATA), 0u);
    EXPECT_TRUE(h.txpool.offered.empty());
}

TEST(P2PRelay, WithoutAMempoolNothingIsRelayed) {
    P2PHarness h("relay-nomempool", /*with_mempool=*/false);
    h.chain.mine_blocks(1);
    h.start();
    auto a = h.connect_ready();
    const Transaction tx = make_tx(1);
    h.deliver(a, cmd::INV, inv_payload(MSG_WTX, {tx.wtxid()}));
    h.deliver(a, cmd::TX, tx_bytes(tx));
    h.pass(120s);
    EXPECT_EQ(h.count(a, cmd::GETDATA), 0u);
    EXPECT_EQ(h.count(a, cmd::FEEFILTER), 0u);
    EXPECT_TRUE(h.txpool.offered.empty());
}

}  // namespace
}  // namespace minicash::net::test
