// Mempool acceptance, replacement, orphans, block connection/disconnection, size limits,
// expiry, persistence, block selection and fee estimation, on a regtest chain mined here.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <random>
#include <thread>

#include "consensus/script_error.h"
#include "node/mempool.h"
#include "node/policy.h"
#include "test/node/mempool_test_util.h"
#include "util/hash.h"

namespace minicash::test {
namespace {

constexpr int kStartHeight = 110;  // coinbases of heights 1..11 are spendable in block 111

class MempoolTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        tc_ = std::make_unique<TestChain>(info->name());
        tc_->mine_blocks(kStartHeight);
        pool_ = std::make_unique<Mempool>(tc_->chain(), options_);
        for (int h = 1; h <= 10; ++h)
            for (const Utxo& u : tc_->coinbase_utxos(h)) coins_.push_back(u);
    }
    void TearDown() override {
        std::string error;
        EXPECT_TRUE(pool_->check_consistency(&error)) << error;
        pool_.reset();
        tc_.reset();
    }

    // A fresh pool with other options (the old one goes first).
    void reset_pool(const MempoolOptions& o) {
        std::string error;
        EXPECT_TRUE(pool_->check_consistency(&error)) << error;
        pool_.reset();
        pool_ = std::make_unique<Mempool>(tc_->chain(), o);
    }

    void expect_consistent() {
        std::string error;
        EXPECT_TRUE(pool_->check_consistency(&error)) << error;
    }

    Utxo coin() {
        if (next_coin_ >= coins_.size()) throw std::runtime_error("out of test coins");
        return coins_[next_coin_++];
    }
    Utxo out0(const Transaction& tx) { return tc_->outputs_of(tx)[0]; }

    AcceptResult accept(const Transaction& tx) { return pool_->accept(tx); }
    std::string reason(const Transaction& tx) { return pool_->accept(tx).state.reason(); }

    std::vector<uint256> selected_txids(size_t max_weight = 4000000) {
        Amount fees = 0;
        std::vector<uint256> out;
        for (const auto& tx : pool_->select_for_block(max_weight, 80000, fees)) out.push_back(tx->txid());
        return out;
    }
    // Mines the mempool's selection.
    Block mine_pool() {
        Amount fees = 0;
        std::vector<Transaction> txs;
        for (const auto& tx : pool_->select_for_block(3996000, 79600, fees)) txs.push_back(*tx);
        return tc_->mine(txs);
    }

    MempoolOptions options_;
    std::unique_ptr<TestChain> tc_;
    std::unique_ptr<Mempool> pool_;
    std::vector<Utxo> coins_;
    size_t next_coin_ = 0;
};

// ---- Acceptance ----

TEST_F(MempoolTest, AcceptsStandardSpend) {
    std::mutex m;
    std::vector<uint256> notified;
    pool_->on_transaction_added([&](const MempoolEntryInfo& e) {
        // Runs outside the mempool lock: reading the pool from here must not deadlock.
        EXPECT_TRUE(pool_->entry(e.txid).has_value());
        std::lock_guard lock(m);
        notified.push_back(e.txid);
    });
    const Utxo u = coin();
    const Transaction tx = tc_->spend1(u, 1000);
    const AcceptResult r = accept(tx);
    ASSERT_TRUE(r.accepted) << r.state.to_string();
    EXPECT_EQ(r.txid, tx.txid());
    EXPECT_EQ(r.wtxid, tx.wtxid());
    EXPECT_EQ(r.fee, 1000);
    EXPECT_EQ(r.vsize, (tx.weight() + 3) / 4);
    EXPECT_EQ(r.reject, TxReject::NONE);
    EXPECT_TRUE(pool_->contains(tx.txid()));
    EXPECT_TRUE(pool_->contains_wtxid(tx.wtxid()));
    ASSERT_NE(pool_->get_by_wtxid(tx.wtxid()), nullptr);
    EXPECT_EQ(*pool_->get(tx.txid()), tx);
    EXPECT_EQ(pool_->spender_of(u.outpoint), tx.txid());
    const auto e = pool_->entry(tx.txid());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->fee, 1000);
    EXPECT_EQ(e->modified_fee, 1000);
    EXPECT_EQ(e->ancestor_count, 1u);
    EXPECT_EQ(e->descendant_count, 1u);
    EXPECT_EQ(e->height, kStartHeight);
    EXPECT_EQ(e->time, tc_->now());
    EXPECT_TRUE(e->bip125_replaceable);  // sequence 0xfffffffd
    const MempoolInfo info = pool_->info();
    EXPECT_EQ(info.size, 1u);
    EXPECT_EQ(info.bytes, r.vsize);
    EXPECT_EQ(info.total_fee, 1000);
    EXPECT_EQ(info.min_fee.sat_per_kvb, 100);
    EXPECT_TRUE(info.full_rbf);
    ASSERT_EQ(notified.size(), 1u);
    EXPECT_EQ(notified[0], tx.txid());

    // Again: known.
    const AcceptResult again = accept(tx);
    EXPECT_FALSE(again.accepted);
    EXPECT_TRUE(again.already_known);
    EXPECT_EQ(again.state.reason(), "txn-already-in-mempool");
    // Same txid, other witness.
    Transaction other = tx;
    other.vin[0].witness[0].back() = 0x81;  // SIGHASH_ALL|ANYONECANPAY: a different wtxid
    const AcceptResult same = accept(other);
    EXPECT_TRUE(same.already_known);
    EXPECT_EQ(same.state.reason(), "txn-same-nonwitness-data-in-mempool");

    // A test accept changes nothing.
    const Transaction tx2 = tc_->spend1(coin(), 1000);
    const AcceptResult t = pool_->accept(tx2, true);
    EXPECT_TRUE(t.accepted) << t.state.to_string();
    EXPECT_FALSE(pool_->contains(tx2.txid()));
    EXPECT_EQ(notified.size(), 1u);
}

TEST_F(MempoolTest, RejectsDust) {
    const Script& spk = tc_->keys[1].p2wpkh;
    const Utxo u = coin();
    // P2WPKH dust threshold at 3000 sat/kvB: (31 + 67) * 3 = 294.
    EXPECT_EQ(dust_threshold(TxOut{0, spk}, FeeRate{3000}), 294);
    const Transaction two = tc_->spend({u}, {{100, spk}, {100, spk}, {u.out.value - 10000, spk}});
    EXPECT_EQ(reason(two), "dust");
    // One dust output is only allowed in a transaction paying no fee (ephemeral dust).
    const Transaction one = tc_->spend({u}, {{293, spk}, {u.out.value - 10000, spk}});
    const AcceptResult r = accept(one);
    EXPECT_EQ(r.state.reason(), "dust");
    EXPECT_EQ(r.state.debug(), "tx with dust output must be 0-fee");
    const Transaction ok = tc_->spend({u}, {{294, spk}, {u.out.value - 10000, spk}});
    EXPECT_TRUE(accept(ok).accepted);
}

TEST_F(MempoolTest, RejectsLowFee) {
    const Utxo u = coin();
    const AcceptResult zero = accept(tc_->spend1(u, 0));
    EXPECT_EQ(zero.state.reason(), "min relay fee not met");
    EXPECT_EQ(zero.reject, TxReject::RECONSIDERABLE);
    // 0.1 sat/vB: 11 satoshis for 101..110 vbytes.
    const Transaction low = tc_->spend1(u, 10);
    const AcceptResult r = accept(low);
    EXPECT_EQ(r.state.reason(), "min relay fee not met");
    EXPECT_EQ(r.state.debug(), "10 < " + std::to_string(FeeRate{100}.fee(r.vsize)));
    const Transaction enough = tc_->spend1(u, FeeRate{100}.fee(r.vsize));
    EXPECT_TRUE(accept(enough).accepted);
}

TEST_F(MempoolTest, RejectsNonStandardTransactions) {
    const Utxo u = coin();
    const Script& spk = tc_->keys[1].p2wpkh;
    Script op_true;
    op_true.push_op(OP_TRUE);
    EXPECT_EQ(reason(tc_->spend({u}, {{u.out.value - 1000, op_true}})), "scriptpubkey");
    // Bare multisig 1-of-4 is not standard; 1-of-3 is.
    Script ms4, ms3;
    ms4.push_op(OP_1);
    ms3.push_op(OP_1);
    for (int i = 0; i < 4; ++i) ms4.push_data(tc_->keys[size_t(i)].pubkey);
    for (int i = 0; i < 3; ++i) ms3.push_data(tc_->keys[size_t(i)].pubkey);
    ms4.push_op(OP_4).push_op(OP_CHECKMULTISIG);
    ms3.push_op(OP_3).push_op(OP_CHECKMULTISIG);
    EXPECT_EQ(reason(tc_->spend({u}, {{u.out.value - 1000, ms4}})), "scriptpubkey");
    EXPECT_EQ(policy::classify(ms3), policy::TxoutType::MULTISIG);

    SpendOptions v4;
    v4.version = 4;
    EXPECT_EQ(reason(tc_->spend1(u, 1000, 1, v4)), "version");
    SpendOptions v0;
    v0.version = 0;
    EXPECT_EQ(reason(tc_->spend1(u, 1000, 1, v0)), "version");

    // Oversize: more than 400000 weight units.
    std::vector<TxOut> many(3300, TxOut{10000, spk});
    const Transaction big = tc_->spend({u}, many);
    ASSERT_GT(big.weight(), policy::kMaxStandardTxWeight);
    EXPECT_EQ(reason(big), "tx-size");

    // Fewer than 65 bytes without witness.
    Script ret;
    ret.push_op(OP_RETURN);
    EXPECT_EQ(reason(tc_->spend({u}, {{0, ret}})), "tx-size-small");

    // Several OP_RETURN outputs are standard (Core 30).
    Script data1, data2;
    data1.push_op(OP_RETURN).push_data(Bytes(40, 1));
    data2.push_op(OP_RETURN).push_data(Bytes(200, 2));
    const Transaction carrier = tc_->spend({u}, {{0, data1}, {0, data2}, {u.out.value - 2000, spk}});
    const AcceptResult r = accept(carrier);
    EXPECT_TRUE(r.accepted) << r.state.to_string();

    // With Core 29's 83-byte limit the second one is too big.
    MempoolOptions o;
    o.max_datacarrier_bytes = 83;
    reset_pool(o);
    EXPECT_EQ(reason(carrier), "datacarrier");
    o.max_datacarrier_bytes = std::nullopt;
    reset_pool(o);
    EXPECT_EQ(reason(tc_->spend({u}, {{0, data1}, {u.out.value - 2000, spk}})), "datacarrier");
}

TEST_F(MempoolTest, RejectsNonFinalAndImmature) {
    const Utxo u = coin();
    SpendOptions lock;
    lock.sequence = 0xfffffffe;
    lock.locktime = uint32_t(kStartHeight + 1);  // final only in a block after the next
    EXPECT_EQ(reason(tc_->spend1(u, 1000, 1, lock)), "non-final");
    EXPECT_EQ(accept(tc_->spend1(u, 1000, 1, lock)).reject, TxReject::PREMATURE_SPEND);
    lock.locktime = uint32_t(kStartHeight);
    EXPECT_TRUE(accept(tc_->spend1(u, 1000, 1, lock)).accepted);

    // BIP68: five blocks after the coin's block.
    const Transaction parent = tc_->spend1(coin(), 1000);
    tc_->mine({parent});
    SpendOptions rel;
    rel.sequence = 5;
    const Transaction child = tc_->spend1(out0(parent), 1000, 1, rel);
    EXPECT_EQ(reason(child), "non-BIP68-final");
    tc_->mine_blocks(3);
    EXPECT_EQ(reason(child), "non-BIP68-final");
    tc_->mine_blocks(1);
    EXPECT_TRUE(accept(child).accepted);

    // Coinbase maturity against the next block.
    const int young = tc_->height() - 50;
    const AcceptResult r = accept(tc_->spend1(tc_->coinbase_utxos(young)[0], 1000));
    EXPECT_EQ(r.state.reason(), "bad-txns-premature-spend-of-coinbase");
    EXPECT_EQ(r.reject, TxReject::PREMATURE_SPEND);
}

// A chain of `n` transactions from a fresh coin, each paying `fee`.
std::vector<Transaction> make_chain(TestChain& tc, Utxo u, int n, Amount fee) {
    std::vector<Transaction> chain;
    for (int i = 0; i < n; ++i) {
        chain.push_back(tc.spend1(u, fee));
        u = tc.outputs_of(chain.back())[0];
    }
    return chain;
}

TEST_F(MempoolTest, ClusterCountLimitAtBoundary) {
    // Core 31: no ancestor limit; a chain of 64 (the cluster limit) is fine, the 65th is not.
    const std::vector<Transaction> chain = make_chain(*tc_, coin(), 65, 1000);
    for (int i = 0; i < 64; ++i) {
        const AcceptResult r = accept(chain[size_t(i)]);
        ASSERT_TRUE(r.accepted) << i << ": " << r.state.to_string();
    }
    EXPECT_EQ(pool_->entry(chain.front().txid())->descendant_count, 64u);
    EXPECT_EQ(pool_->entry(chain[63].txid())->ancestor_count, 64u);
    EXPECT_EQ(pool_->cluster(chain.front().txid())->tx_count, 64u);
    const AcceptResult r = accept(chain[64]);
    EXPECT_EQ(r.state.reason(), "too-large-cluster");
    EXPECT_EQ(r.state.debug(), "");
    EXPECT_EQ(r.reject, TxReject::MEMPOOL_POLICY);
    EXPECT_EQ(pool_->info().size, 64u);
}

TEST_F(MempoolTest, ClusterCountLimitOption) {
    MempoolOptions o = options_;
    o.cluster_count = 5;
    reset_pool(o);
    const std::vector<Transaction> chain = make_chain(*tc_, coin(), 6, 1000);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(accept(chain[size_t(i)]).accepted) << i;
    EXPECT_EQ(reason(chain[5]), "too-large-cluster");
    EXPECT_EQ(pool_->info().cluster_count, 5u);
}

TEST_F(MempoolTest, ClusterSizeLimitAtBoundary) {
    // The limit is in vbytes, compared with the sigops-adjusted weight / 4: a cluster whose
    // weight fits 4 x limit is accepted, one vbyte less of limit refuses it.
    const std::vector<Transaction> chain = make_chain(*tc_, coin(), 3, 1000);
    ASSERT_TRUE(accept(chain[0]).accepted);
    ASSERT_TRUE(accept(chain[1]).accepted);
    int64_t weight = 0;
    for (const Transaction& t : chain) weight += int64_t(t.weight());
    const size_t fits = size_t((weight + 3) / 4);
    MempoolOptions o = options_;
    o.cluster_size_vbytes = fits - 1;
    reset_pool(o);
    ASSERT_TRUE(accept(chain[0]).accepted);
    ASSERT_TRUE(accept(chain[1]).accepted);
    EXPECT_EQ(reason(chain[2]), "too-large-cluster");
    o.cluster_size_vbytes = fits;
    reset_pool(o);
    ASSERT_TRUE(accept(chain[0]).accepted);
    ASSERT_TRUE(accept(chain[1]).accepted);
    const AcceptResult r = accept(chain[2]);
    EXPECT_TRUE(r.accepted) << r.state.to_string();
    EXPECT_EQ(pool_->cluster(chain[0].txid())->weight, weight);
}

TEST_F(MempoolTest, MergingClustersCountsBoth) {
    MempoolOptions o = options_;
    o.cluster_count = 10;
    reset_pool(o);
    const std::vector<Transaction> a = make_chain(*tc_, coin(), 4, 1000);
    const std::vector<Transaction> b = make_chain(*tc_, coin(), 5, 1000);
    for (const Transaction& t : a) ASSERT_TRUE(accept(t).accepted);
    for (const Transaction& t : b) ASSERT_TRUE(accept(t).accepted);
    // 4 + 5 + 1 = 10: exactly the limit.
    const Utxo ua = out0(a.back()), ub = out0(b.back());
    const Transaction merge = tc_->spend({ua, ub}, {{ua.out.value + ub.out.value - 2000, tc_->keys[2].p2wpkh}});
    const AcceptResult r = accept(merge);
    ASSERT_TRUE(r.accepted) << r.state.to_string();
    EXPECT_EQ(pool_->cluster(a[0].txid())->tx_count, 10u);
    EXPECT_EQ(pool_->cluster(b[0].txid())->tx_count, 10u);
    // A third chain of 1 joined to it: 11.
    const Transaction c = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(accept(c).accepted);
    const Utxo um = out0(merge), uc = out0(c);
    const Transaction merge2 = tc_->spend({um, uc}, {{um.out.value + uc.out.value - 2000, tc_->keys[3].p2wpkh}});
    EXPECT_EQ(reason(merge2), "too-large-cluster");
}

TEST_F(MempoolTest, NoCarveOut) {
    // A parent and 63 children fill the cluster; a 64th small child gets no exception.
    const Utxo u = coin();
    std::vector<TxOut> outs(64, TxOut{u.out.value / 70, tc_->keys[1].p2wpkh});
    const Transaction parent = tc_->spend({u}, outs);
    ASSERT_TRUE(accept(parent).accepted);
    const auto po = tc_->outputs_of(parent);
    for (int i = 0; i < 63; ++i) ASSERT_TRUE(accept(tc_->spend1(po[size_t(i)], 1000)).accepted) << i;
    EXPECT_EQ(pool_->entry(parent.txid())->descendant_count, 64u);
    const AcceptResult r = accept(tc_->spend1(po[63], 1000));
    EXPECT_EQ(r.state.reason(), "too-large-cluster");
}

TEST_F(MempoolTest, ScriptFailures) {
    const Utxo u = coin();
    SpendOptions high;
    high.high_s = true;
    const AcceptResult h = accept(tc_->spend1(u, 1000, 1, high));
    EXPECT_EQ(h.state.reason(),
              "mempool-script-verify-flag-failed (" + script_error_message(ScriptError::SIG_HIGH_S) + ")");
    EXPECT_EQ(h.reject, TxReject::NOT_STANDARD);
    EXPECT_EQ(h.state.result(), ValidationResult::INPUTS);

    SpendOptions wrong;
    wrong.wrong_hash = true;
    const AcceptResult w = accept(tc_->spend1(u, 1000, 1, wrong));
    EXPECT_EQ(w.state.reason(),
              "mandatory-script-verify-flag-failed (" + script_error_message(ScriptError::EVAL_FALSE) + ")");
    EXPECT_EQ(w.reject, TxReject::CONSENSUS);
    EXPECT_EQ(w.state.result(), ValidationResult::CONSENSUS);

    Transaction stripped = tc_->spend1(u, 1000);
    stripped.vin[0].witness.clear();
    const AcceptResult s = accept(stripped);
    // P2WPKH needs exactly two witness items (as Core: "Witness program hash mismatch").
    EXPECT_EQ(s.state.reason(), "mandatory-script-verify-flag-failed (" +
                                    script_error_message(ScriptError::WITNESS_PROGRAM_MISMATCH) + ")");
    EXPECT_EQ(s.reject, TxReject::WITNESS_STRIPPED);
    EXPECT_EQ(s.state.result(), ValidationResult::MUTATED);
    EXPECT_TRUE(accept(tc_->spend1(u, 1000)).accepted);
}

TEST_F(MempoolTest, NonStandardInputsAndWitness) {
    // Outputs no relay policy allows creating can still be mined.
    const Utxo u = coin();
    Script op_true;
    op_true.push_op(OP_TRUE);
    const Script anchor(Bytes{OP_1, 0x02, 0x4e, 0x73});
    const Transaction maker =
        tc_->spend({u}, {{100000, op_true}, {100000, anchor}, {u.out.value - 300000, tc_->keys[1].p2wpkh}});
    tc_->mine({maker});
    const std::vector<Utxo> made = tc_->outputs_of(maker);
    const Utxo fee_coin = coin();
    const Script& spk = tc_->keys[2].p2wpkh;

    // Spending a bare OP_TRUE output.
    const Transaction t1 = tc_->spend({made[0], fee_coin}, {{fee_coin.out.value, spk}});
    const AcceptResult r1 = accept(t1);
    EXPECT_EQ(r1.state.reason(), "bad-txns-nonstandard-inputs");
    EXPECT_EQ(r1.reject, TxReject::INPUTS_NOT_STANDARD);

    // Pay-to-anchor: spent with an empty witness, it is standard; with a witness it is not.
    Transaction t2 = tc_->spend({made[1], fee_coin}, {{fee_coin.out.value, spk}});
    Transaction stuffed = t2;
    stuffed.vin[0].witness = {Bytes{1}};
    const AcceptResult r2 = accept(stuffed);
    EXPECT_EQ(r2.state.reason(), "bad-witness-nonstandard");
    EXPECT_EQ(r2.state.result(), ValidationResult::MUTATED);
    const AcceptResult r3 = accept(t2);
    EXPECT_TRUE(r3.accepted) << r3.state.to_string();
}

// ---- Replacement ----

TEST_F(MempoolTest, ReplaceByFee) {
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 1000, 1);
    ASSERT_TRUE(accept(a).accepted);
    const Transaction a_child = tc_->spend1(out0(a), 1000, 1);
    ASSERT_TRUE(accept(a_child).accepted);

    // Same fee: not more fees (rule 3).
    const AcceptResult same = accept(tc_->spend1(u, 1000, 2));
    EXPECT_EQ(same.state.reason(), "insufficient fee");
    EXPECT_EQ(same.reject, TxReject::RECONSIDERABLE);
    // Higher fee rate than A, but not paying for A's child plus its own relay (rules 3/4).
    const AcceptResult short_fee = accept(tc_->spend1(u, 2005, 2));
    EXPECT_EQ(short_fee.state.reason(), "insufficient fee");
    EXPECT_NE(short_fee.state.debug().find("rejecting replacement"), std::string::npos);
    EXPECT_TRUE(pool_->contains(a.txid()));

    // Enough: A and its child go.
    const Transaction b = tc_->spend1(u, 3000, 2);
    const AcceptResult r = accept(b);
    ASSERT_TRUE(r.accepted) << r.state.to_string();
    std::vector<uint256> replaced = r.replaced;
    std::sort(replaced.begin(), replaced.end());
    std::vector<uint256> expected{a.txid(), a_child.txid()};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(replaced, expected);
    EXPECT_FALSE(pool_->contains(a.txid()));
    EXPECT_FALSE(pool_->contains(a_child.txid()));
    EXPECT_TRUE(pool_->contains(b.txid()));
    EXPECT_EQ(pool_->info().size, 1u);

    // Core 31 has no "no new unconfirmed inputs" rule: the diagram decides.
    const Transaction x = tc_->spend1(coin(), 1000, 3);
    ASSERT_TRUE(accept(x).accepted);
    const Transaction adds = tc_->spend({u, out0(x)}, {{u.out.value - 10000, tc_->keys[4].p2wpkh}});
    const AcceptResult r2 = accept(adds);
    EXPECT_TRUE(r2.accepted) << r2.state.to_string();
    EXPECT_FALSE(pool_->contains(b.txid()));

    // Spending an output of the transaction it replaces (checked after the replacement rules,
    // which this one passes with its huge fee).
    const Transaction self = tc_->spend({out0(x), out0(adds)}, {{100000, tc_->keys[4].p2wpkh}});
    const AcceptResult r3 = accept(self);
    EXPECT_EQ(r3.state.reason(), "bad-txns-spends-conflicting-tx");
    EXPECT_EQ(r3.reject, TxReject::CONSENSUS);
}

TEST_F(MempoolTest, ReplacementMustImproveTheDiagram) {
    // A bigger replacement that pays more in total (rules 3 and 4 hold) but at a much lower
    // feerate: its diagram is above at the end and below at the start, so not better.
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 2000, 1);
    ASSERT_TRUE(accept(a).accepted);
    std::vector<TxOut> outs(20, TxOut{(u.out.value - 2200) / 20, tc_->keys[2].p2wpkh});
    const Transaction big = tc_->spend({u}, outs);
    const AcceptResult r = accept(big);
    EXPECT_EQ(r.state.reason(), "replacement-failed");
    EXPECT_EQ(r.state.debug(), "insufficient feerate: does not improve feerate diagram");
    EXPECT_EQ(r.reject, TxReject::RECONSIDERABLE);
    EXPECT_TRUE(pool_->contains(a.txid()));
    // The same outputs paying enough to be better everywhere: accepted.
    std::vector<TxOut> rich(20, TxOut{(u.out.value - 40000) / 20, tc_->keys[2].p2wpkh});
    const AcceptResult ok = accept(tc_->spend({u}, rich));
    EXPECT_TRUE(ok.accepted) << ok.state.to_string();
    EXPECT_EQ(ok.replaced, std::vector<uint256>{a.txid()});
}

TEST_F(MempoolTest, ReplacementWithEqualDiagramIsRefused) {
    // With no incremental relay fee, a replacement with the same fee and the same weight
    // passes rules 3 and 4; its diagram equals the old one, which is not enough.
    MempoolOptions o = options_;
    o.incremental_relay_feerate = FeeRate{0};
    reset_pool(o);
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 1000, 1);
    ASSERT_TRUE(accept(a).accepted);
    std::optional<Transaction> twin;
    for (uint32_t lock = 1; lock < 64 && !twin; ++lock) {
        SpendOptions so;
        so.locktime = lock;
        const Transaction b = tc_->spend1(u, 1000, 1, so);
        if (b.weight() == a.weight()) twin = b;
    }
    ASSERT_TRUE(twin);
    const AcceptResult r = accept(*twin);
    EXPECT_EQ(r.state.reason(), "replacement-failed");
    // One satoshi more (here through prioritisetransaction) is strictly better.
    pool_->prioritise(twin->txid(), 1);
    const AcceptResult rb = accept(*twin);
    EXPECT_TRUE(rb.accepted) << rb.state.to_string();
}

TEST_F(MempoolTest, ReplacingAChildPaidChunk) {
    // P (0.2 sat/vB) is carried by its child C: the replacement of P must beat the chunk.
    const Utxo u = coin();
    const Transaction p = tc_->spend1(u, 30, 1);
    ASSERT_TRUE(accept(p).accepted);
    const Transaction c = tc_->spend1(out0(p), 10000, 1);
    ASSERT_TRUE(accept(c).accepted);
    const auto cl = pool_->cluster(p.txid());
    ASSERT_TRUE(cl);
    ASSERT_EQ(cl->chunks.size(), 1u);
    EXPECT_EQ(cl->chunks[0].txids, (std::vector<uint256>{p.txid(), c.txid()}));
    EXPECT_EQ(pool_->entry(p.txid())->chunk_fee, 10030);
    // More than P's fee but less than the chunk's: rule 3.
    EXPECT_EQ(reason(tc_->spend1(u, 5000, 2)), "insufficient fee");
    const AcceptResult r = accept(tc_->spend1(u, 10500, 2));
    ASSERT_TRUE(r.accepted) << r.state.to_string();
    EXPECT_EQ(r.replaced.size(), 2u);
}

TEST_F(MempoolTest, ReplacementRespectsClusterLimit) {
    MempoolOptions o = options_;
    o.cluster_count = 6;
    reset_pool(o);
    const std::vector<Transaction> chain = make_chain(*tc_, coin(), 6, 1000);
    for (const Transaction& t : chain) ASSERT_TRUE(accept(t).accepted);
    // Replacing an unrelated singleton while extending the full chain: 6 + 1 - 0 = 7.
    const Utxo v = coin();
    const Transaction single = tc_->spend1(v, 1000, 1);
    ASSERT_TRUE(accept(single).accepted);
    const Utxo tip = out0(chain.back());
    const Transaction grow = tc_->spend({tip, v}, {{tip.out.value + v.out.value - 50000, tc_->keys[2].p2wpkh}});
    EXPECT_EQ(reason(grow), "too-large-cluster");
    // Replacing the chain's last transaction instead: 6 + 1 - 1 = 6.
    const Transaction swap = tc_->spend1(out0(chain[4]), 20000, 3);
    const AcceptResult r = accept(swap);
    EXPECT_TRUE(r.accepted) << r.state.to_string();
    EXPECT_EQ(pool_->cluster(chain[0].txid())->tx_count, 6u);
}

TEST_F(MempoolTest, EvictsTheWorstChunkFirst) {
    // S1 (3 sat/vB), S2 (4 sat/vB) and a pair P (0.3) + C (10): chunk feerate ~5. When the
    // pool overflows, S1 goes first, then S2; P, the lowest on its own, stays with C.
    ASSERT_TRUE(accept(tc_->spend1(coin(), 1000)).accepted);
    const size_t one = pool_->info().usage;
    MempoolOptions o = options_;
    o.max_bytes = 4 * one + one / 2;
    reset_pool(o);
    const Transaction s1 = tc_->spend1(coin(), 330);
    const Transaction s2 = tc_->spend1(coin(), 440);
    const Transaction p = tc_->spend1(coin(), 33);
    const Transaction c = tc_->spend1(out0(p), 1100);
    for (const Transaction* t : {&s1, &s2, &p, &c}) ASSERT_TRUE(accept(*t).accepted);
    const Transaction s3 = tc_->spend1(coin(), 2000);
    ASSERT_TRUE(accept(s3).accepted);
    EXPECT_FALSE(pool_->contains(s1.txid()));
    EXPECT_TRUE(pool_->contains(s2.txid()));
    EXPECT_TRUE(pool_->contains(p.txid()));
    const size_t v1 = (s1.weight() + 3) / 4;
    EXPECT_EQ(pool_->info().min_fee.sat_per_kvb, policy::rate_of(330, v1) + 100);
    const Transaction s4 = tc_->spend1(coin(), 2000);
    ASSERT_TRUE(accept(s4).accepted);
    EXPECT_FALSE(pool_->contains(s2.txid()));
    EXPECT_TRUE(pool_->contains(p.txid()));
    EXPECT_TRUE(pool_->contains(c.txid()));
}

TEST_F(MempoolTest, ReorgReaddingBeyondClusterLimitTrims) {
    MempoolOptions o = options_;
    o.cluster_count = 5;
    reset_pool(o);
    const Transaction a = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(accept(a).accepted);
    const Block block = mine_pool();
    ASSERT_EQ(pool_->info().size, 0u);
    // Five children of the confirmed A: a full cluster.
    const std::vector<Transaction> chain = make_chain(*tc_, out0(a), 5, 1000);
    for (const Transaction& t : chain) ASSERT_TRUE(accept(t).accepted);
    ValidationState state;
    ASSERT_TRUE(tc_->chain().invalidate_block(block.hash(), state));
    // A is back (no limit checks on the way back), then the cluster (6) is trimmed to the
    // best prefix of its linearization: the last transaction of the chain leaves.
    EXPECT_TRUE(pool_->contains(a.txid()));
    EXPECT_EQ(pool_->cluster(a.txid())->tx_count, 5u);
    EXPECT_FALSE(pool_->contains(chain.back().txid()));
    for (size_t i = 0; i + 1 < chain.size(); ++i) EXPECT_TRUE(pool_->contains(chain[i].txid())) << i;
    expect_consistent();
}

TEST_F(MempoolTest, SelectionByChunkFeerate) {
    // A zero-fee parent with a rich child is mined before a mid-feerate singleton, and the
    // template lists the parent first.
    const Transaction mid = tc_->spend1(coin(), 2000);
    const Transaction p = tc_->spend1(coin(), 20);
    const Transaction c = tc_->spend1(out0(p), 9000);
    for (const Transaction* t : {&mid, &p, &c}) ASSERT_TRUE(accept(*t).accepted);
    EXPECT_EQ(selected_txids(), (std::vector<uint256>{p.txid(), c.txid(), mid.txid()}));
    const auto diagram = pool_->feerate_diagram();
    ASSERT_EQ(diagram.size(), 3u);
    EXPECT_EQ(diagram[0], (std::pair<int64_t, Amount>{0, 0}));
    EXPECT_EQ(diagram[1].second, 9020);
    EXPECT_EQ(diagram[2].second, 11020);
    EXPECT_TRUE(pool_->info().optimal);
}

// ---- Packages ----

TEST_F(MempoolTest, PackageZeroFeeParentWithChild) {
    const Transaction p = tc_->spend1(coin(), 0);
    const Transaction c = tc_->spend1(out0(p), 5000);
    const AcceptResult alone = accept(p);
    EXPECT_EQ(alone.state.reason(), "min relay fee not met");
    EXPECT_EQ(alone.reject, TxReject::RECONSIDERABLE);
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "");
    ASSERT_EQ(r.results.size(), 2u);
    EXPECT_TRUE(r.results.at(p.wtxid()).accepted);
    EXPECT_TRUE(r.results.at(c.wtxid()).accepted);
    const size_t vsize = r.results.at(p.wtxid()).vsize + r.results.at(c.wtxid()).vsize;
    EXPECT_EQ(r.results.at(c.wtxid()).effective_feerate.sat_per_kvb, policy::rate_of(5000, vsize));
    EXPECT_EQ(r.results.at(c.wtxid()).effective_includes, (std::vector<uint256>{p.wtxid(), c.wtxid()}));
    EXPECT_EQ(pool_->cluster(p.txid())->chunks.size(), 1u);
    // Submitting it again: both already there.
    const PackageResult again = pool_->submit_package({p, c});
    EXPECT_EQ(again.package_msg, "");
    EXPECT_TRUE(again.results.at(p.wtxid()).already_known);
}

TEST_F(MempoolTest, PackageWithInvalidChildLeavesNothing) {
    const Transaction p = tc_->spend1(coin(), 0);
    SpendOptions bad;
    bad.wrong_hash = true;
    const Transaction c = tc_->spend1(out0(p), 5000, 1, bad);
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "transaction failed");
    EXPECT_EQ(r.results.at(c.wtxid()).state.reason(),
              "mandatory-script-verify-flag-failed (" + script_error_message(ScriptError::EVAL_FALSE) + ")");
    EXPECT_EQ(r.results.at(p.wtxid()).state.reason(), "min relay fee not met");
    EXPECT_EQ(pool_->info().size, 0u);
}

TEST_F(MempoolTest, PackageTooCheapTogether) {
    const Transaction p = tc_->spend1(coin(), 0);
    const Transaction c = tc_->spend1(out0(p), 15);
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "transaction failed");
    EXPECT_EQ(r.results.at(c.wtxid()).state.reason(), "min relay fee not met");
    EXPECT_EQ(r.results.at(c.wtxid()).effective_includes.size(), 2u);
    EXPECT_EQ(pool_->info().size, 0u);
}

TEST_F(MempoolTest, PackageWhoseParentIsInThePool) {
    const Transaction p = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(accept(p).accepted);
    const Transaction c = tc_->spend1(out0(p), 1000);
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "");
    EXPECT_TRUE(r.results.at(p.wtxid()).already_known);
    EXPECT_FALSE(r.results.at(p.wtxid()).accepted);
    EXPECT_TRUE(r.results.at(c.wtxid()).accepted);
    // A child whose other parent is in the pool may come without it.
    const Transaction q = tc_->spend1(coin(), 0);
    const Utxo oc = out0(c), oq = out0(q);
    const Transaction d = tc_->spend({oc, oq}, {{oc.out.value + oq.out.value - 8000, tc_->keys[3].p2wpkh}});
    const PackageResult r2 = pool_->submit_package({q, d});
    EXPECT_EQ(r2.package_msg, "");
    EXPECT_TRUE(pool_->contains(q.txid()));
    EXPECT_TRUE(pool_->contains(d.txid()));
}

TEST_F(MempoolTest, PackageBadShapes) {
    const Transaction p = tc_->spend1(coin(), 0);
    const Transaction c = tc_->spend1(out0(p), 5000);
    auto shape = [&](const std::vector<Transaction>& txs) {
        const PackageResult r = pool_->submit_package(txs);
        EXPECT_TRUE(r.policy_error);
        EXPECT_TRUE(r.results.empty());
        return r.package_msg;
    };
    EXPECT_EQ(shape({c, p}), "package-not-sorted");
    EXPECT_EQ(shape({p, p, c}), "package-contains-duplicates");
    const Transaction other = tc_->spend1(coin(), 1000);
    EXPECT_EQ(shape({p, other}), "package-not-child-with-parents");
    // Two parents spending the same coin.
    const Utxo u = coin();
    const Transaction p1 = tc_->spend1(u, 1000, 1), p2 = tc_->spend1(u, 1200, 2);
    const Utxo a = out0(p1), b = out0(p2);
    const Transaction child = tc_->spend({a, b}, {{a.out.value + b.out.value - 5000, tc_->keys[3].p2wpkh}});
    EXPECT_EQ(shape({p1, p2, child}), "conflict-in-package");
    // 26 transactions: too many.
    std::vector<Transaction> many = make_chain(*tc_, coin(), 26, 1000);
    EXPECT_EQ(shape(many), "package-too-many-transactions");
    // Two transactions over 404000 weight together.
    Transaction huge1 = p, huge2 = c;
    huge1.vout.push_back(TxOut{0, Script(Bytes(60000, 0x6a))});
    huge2.vout.push_back(TxOut{0, Script(Bytes(60000, 0x6a))});
    EXPECT_EQ(shape({huge1, huge2}), "package-too-large");
    EXPECT_EQ(pool_->info().size, 0u);
}

TEST_F(MempoolTest, PackageWithConfirmedParent) {
    const Transaction p = tc_->spend1(coin(), 1000);
    const Transaction c = tc_->spend1(out0(p), 1000);
    tc_->mine({p});
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "transaction failed");
    EXPECT_EQ(r.results.at(p.wtxid()).state.reason(), "txn-already-known");
    // The child stands on its own now.
    EXPECT_TRUE(r.results.at(c.wtxid()).accepted);
    EXPECT_TRUE(pool_->contains(c.txid()));
}

TEST_F(MempoolTest, PackageClusterLimit) {
    MempoolOptions o = options_;
    o.cluster_count = 4;
    reset_pool(o);
    const std::vector<Transaction> chain = make_chain(*tc_, coin(), 3, 1000);
    for (const Transaction& t : chain) ASSERT_TRUE(accept(t).accepted);
    // A zero-fee parent joining the chain plus its child: 3 + 2 = 5 > 4.
    const Utxo tip = out0(chain.back());
    const Transaction p = tc_->spend1(tip, 0);
    const Transaction c = tc_->spend1(out0(p), 5000);
    const PackageResult r = pool_->submit_package({p, c});
    EXPECT_EQ(r.package_msg, "too-large-cluster");
    EXPECT_TRUE(r.policy_error);
    EXPECT_EQ(r.results.at(p.wtxid()).state.reason(), "min relay fee not met");
    EXPECT_EQ(r.results.at(c.wtxid()).state.reason(), "bad-txns-inputs-missingorspent");
    EXPECT_EQ(pool_->info().size, 3u);
}

TEST_F(MempoolTest, EphemeralDustMustBeSpentInThePackage) {
    // A zero-fee parent with one dust output (0 sat) and a change output.
    const Utxo u = coin();
    const Transaction p = tc_->spend({u}, {{0, tc_->keys[5].p2wpkh}, {u.out.value, tc_->keys[1].p2wpkh}});
    const std::vector<Utxo> po = tc_->outputs_of(p);
    // A child that leaves the dust unspent.
    const Transaction lazy = tc_->spend1(po[1], 5000);
    const PackageResult r = pool_->submit_package({p, lazy});
    EXPECT_EQ(r.package_msg, "unspent-dust");
    EXPECT_EQ(r.results.at(lazy.wtxid()).state.reason(), "missing-ephemeral-spends");
    EXPECT_EQ(pool_->info().size, 0u);
    // One that spends it too.
    const Transaction sweep = tc_->spend({po[0], po[1]}, {{po[1].out.value - 5000, tc_->keys[2].p2wpkh}});
    const PackageResult ok = pool_->submit_package({p, sweep});
    EXPECT_EQ(ok.package_msg, "") << ok.package_msg;
    EXPECT_EQ(pool_->info().size, 2u);
    // A dust-making transaction must pay nothing itself.
    const Utxo w = coin();
    const Transaction paying = tc_->spend({w}, {{0, tc_->keys[5].p2wpkh}, {w.out.value - 1000, tc_->keys[1].p2wpkh}});
    EXPECT_EQ(reason(paying), "dust");
}

TEST_F(MempoolTest, PackageReplacement) {
    // Package RBF: a 1-parent-1-child package replacing the parent's conflict.
    const Utxo u = coin();
    const Transaction old = tc_->spend1(u, 2000, 1);
    ASSERT_TRUE(accept(old).accepted);
    const Transaction p = tc_->spend1(u, 0, 2);
    const Transaction weak = tc_->spend1(out0(p), 1000);
    const PackageResult low = pool_->submit_package({p, weak});
    EXPECT_EQ(low.package_msg.rfind("package RBF failed: insufficient anti-DoS fees", 0), 0u) << low.package_msg;
    EXPECT_TRUE(pool_->contains(old.txid()));
    const Transaction strong = tc_->spend1(out0(p), 10000);
    const PackageResult r = pool_->submit_package({p, strong});
    EXPECT_EQ(r.package_msg, "") << r.package_msg;
    EXPECT_FALSE(pool_->contains(old.txid()));
    EXPECT_EQ(r.results.at(strong.wtxid()).replaced, std::vector<uint256>{old.txid()});
}

TEST_F(MempoolTest, TooManyReplacements) {
    std::vector<Utxo> inputs;
    for (int i = 0; i < 101; ++i) {
        inputs.push_back(i < 100 ? coin() : tc_->coinbase_utxos(11)[0]);
        ASSERT_TRUE(accept(tc_->spend1(inputs.back(), 1000, 1)).accepted);
    }
    Amount total = 0;
    for (const Utxo& u : inputs) total += u.out.value;
    const AcceptResult r = accept(tc_->spend(inputs, {{total - 10000000, tc_->keys[2].p2wpkh}}));
    EXPECT_EQ(r.state.reason(), "too many potential replacements");
    EXPECT_EQ(pool_->info().size, 101u);
    // A hundred are fine.
    total -= inputs.back().out.value;
    inputs.pop_back();
    const AcceptResult ok = accept(tc_->spend(inputs, {{total - 15000000, tc_->keys[2].p2wpkh}}));
    EXPECT_TRUE(ok.accepted) << ok.state.to_string();
    EXPECT_EQ(ok.replaced.size(), 100u);
    EXPECT_EQ(pool_->info().size, 2u);
}

TEST_F(MempoolTest, TrucRules) {
    const Utxo u = coin();
    SpendOptions v3;
    v3.version = 3;
    const Script& spk = tc_->keys[1].p2wpkh;
    const Transaction parent =
        tc_->spend({u}, {{100000000, spk}, {100000000, spk}, {u.out.value - 200010000, spk}}, v3);
    ASSERT_TRUE(accept(parent).accepted);
    const auto po = tc_->outputs_of(parent);
    const Transaction c1 = tc_->spend1(po[0], 1000, 1, v3);
    ASSERT_TRUE(accept(c1).accepted);
    // A second child: sibling eviction, under the replacement rules.
    const AcceptResult c2 = accept(tc_->spend1(po[1], 1000, 2, v3));
    EXPECT_EQ(c2.state.reason(), "insufficient fee (including sibling eviction)");
    const Transaction c3 = tc_->spend1(po[1], 3000, 2, v3);
    const AcceptResult r3 = accept(c3);
    ASSERT_TRUE(r3.accepted) << r3.state.to_string();
    EXPECT_EQ(r3.replaced, std::vector<uint256>{c1.txid()});
    expect_consistent();
    // Not version 3 spending version 3.
    const AcceptResult r4 = accept(tc_->spend1(po[2], 1000, 3));
    EXPECT_EQ(r4.state.reason(), "TRUC-violation");
    EXPECT_NE(r4.state.debug().find("non-version=3 tx"), std::string::npos);
    // No grandchildren.
    const AcceptResult r5 = accept(tc_->spend1(out0(c3), 1000, 3, v3));
    EXPECT_EQ(r5.state.reason(), "TRUC-violation");
    EXPECT_NE(r5.state.debug().find("would have too many ancestors"), std::string::npos);
}

// ---- Orphans ----

TEST_F(MempoolTest, OrphanResolvedWhenParentArrives) {
    const Transaction parent = tc_->spend1(coin(), 1000);
    const Transaction child = tc_->spend1(out0(parent), 1000);
    const AcceptResult r = accept(child);
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.state.reason(), "bad-txns-inputs-missingorspent");
    EXPECT_EQ(r.reject, TxReject::MISSING_INPUTS);
    EXPECT_EQ(r.missing_inputs, std::vector<uint256>{parent.txid()});
    EXPECT_EQ(pool_->orphan_count(), 1u);
    EXPECT_TRUE(pool_->contains_orphan(child.wtxid()));
    // A test accept does not keep orphans.
    const Transaction other = tc_->spend1(out0(child), 1000);
    EXPECT_FALSE(pool_->accept(other, true).accepted);
    EXPECT_EQ(pool_->orphan_count(), 1u);

    std::vector<uint256> notified;
    pool_->on_transaction_added([&](const MempoolEntryInfo& e) { notified.push_back(e.txid); });
    ASSERT_TRUE(accept(parent).accepted);
    EXPECT_TRUE(pool_->contains(child.txid()));
    EXPECT_EQ(pool_->orphan_count(), 0u);
    EXPECT_EQ(notified, (std::vector<uint256>{parent.txid(), child.txid()}));

    // The parent may also arrive in a block.
    const Transaction parent2 = tc_->spend1(coin(), 1000);
    const Transaction child2 = tc_->spend1(out0(parent2), 1000);
    EXPECT_FALSE(accept(child2).accepted);
    EXPECT_EQ(pool_->orphan_count(), 1u);
    tc_->mine({parent2});
    EXPECT_TRUE(pool_->contains(child2.txid()));
    EXPECT_EQ(pool_->orphan_count(), 0u);
}

TEST_F(MempoolTest, OrphanPoolIsBounded) {
    MempoolOptions o;
    o.max_orphans = 3;
    reset_pool(o);
    std::vector<Transaction> orphans;
    for (int i = 0; i < 5; ++i) {
        Utxo fake{OutPoint{sha256(Bytes{uint8_t(i)}), 0}, TxOut{100000, tc_->keys[0].p2wpkh}, 0};
        orphans.push_back(tc_->spend1(fake, 1000));
        EXPECT_EQ(accept(orphans.back()).reject, TxReject::MISSING_INPUTS);
    }
    EXPECT_EQ(pool_->orphan_count(), 3u);
    EXPECT_FALSE(pool_->contains_orphan(orphans[0].wtxid()));
    EXPECT_FALSE(pool_->contains_orphan(orphans[1].wtxid()));
    EXPECT_TRUE(pool_->contains_orphan(orphans[4].wtxid()));
    // They expire after 20 minutes (checked when another arrives).
    tc_->advance(20 * 60 + 1);
    Utxo fake{OutPoint{sha256(Bytes{99}), 0}, TxOut{100000, tc_->keys[0].p2wpkh}, 0};
    accept(tc_->spend1(fake, 1000));
    EXPECT_EQ(pool_->orphan_count(), 1u);
}

// ---- Blocks ----

TEST_F(MempoolTest, BlockRemovesConfirmedAndConflicts) {
    const Utxo u1 = coin(), u2 = coin();
    const Transaction a = tc_->spend1(u1, 1000);
    const Transaction c = tc_->spend1(out0(a), 1000);
    const Transaction b = tc_->spend1(u2, 1000, 1);
    const Transaction d = tc_->spend1(u2, 500, 2);  // conflicts with b, mined instead
    ASSERT_TRUE(accept(a).accepted);
    ASSERT_TRUE(accept(c).accepted);
    ASSERT_TRUE(accept(b).accepted);
    pool_->prioritise(a.txid(), 777);
    tc_->mine({a, d});
    EXPECT_FALSE(pool_->contains(a.txid()));
    EXPECT_FALSE(pool_->contains(b.txid()));
    ASSERT_TRUE(pool_->contains(c.txid()));
    const auto e = pool_->entry(c.txid());
    EXPECT_EQ(e->ancestor_count, 1u);
    EXPECT_TRUE(e->depends.empty());
    EXPECT_EQ(pool_->info().size, 1u);
    EXPECT_TRUE(pool_->fee_deltas().empty());  // cleared once confirmed
    // Confirmed now.
    EXPECT_EQ(reason(a), "txn-already-known");
}

TEST_F(MempoolTest, DisconnectReaddsTransactions) {
    const Transaction a = tc_->spend1(coin(), 1000);
    const Transaction a_child = tc_->spend1(out0(a), 1000);
    ASSERT_TRUE(accept(a).accepted);
    const Block block = mine_pool();  // height 111, confirms a
    ASSERT_EQ(block.txs.size(), 2u);
    EXPECT_EQ(pool_->info().size, 0u);
    ASSERT_TRUE(accept(a_child).accepted);
    // A coinbase of height 12 is just mature for block 112; one block less and it is not.
    const Transaction young = tc_->spend1(tc_->coinbase_utxos(12)[0], 1000);
    ASSERT_TRUE(accept(young).accepted);

    ValidationState state;
    ASSERT_TRUE(tc_->chain().invalidate_block(block.hash(), state));
    EXPECT_EQ(tc_->height(), kStartHeight);
    ASSERT_TRUE(pool_->contains(a.txid()));
    expect_consistent();
    const auto e = pool_->entry(a_child.txid());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->depends, std::vector<uint256>{a.txid()});  // linked to its returned parent
    EXPECT_EQ(pool_->entry(a.txid())->descendant_count, 2u);
    EXPECT_FALSE(pool_->contains(young.txid()));  // would spend an immature coinbase now
    expect_consistent();

    ASSERT_TRUE(tc_->chain().reconsider_block(block.hash(), state));
    EXPECT_EQ(tc_->height(), kStartHeight + 1);
    EXPECT_FALSE(pool_->contains(a.txid()));
    EXPECT_TRUE(pool_->contains(a_child.txid()));
    EXPECT_EQ(pool_->entry(a_child.txid())->ancestor_count, 1u);
}

TEST_F(MempoolTest, ReorgToCompetingBranch) {
    const Utxo u = coin();
    const Transaction a = tc_->spend1(u, 1000, 1);       // mined on the first branch
    const Transaction a2 = tc_->spend1(u, 2000, 2);      // its conflict, mined on the second
    const Transaction b = tc_->spend1(coin(), 1000, 1);  // mined on the first branch only
    const Transaction a_child = tc_->spend1(out0(a), 1000);
    const BlockIndex* fork = tc_->chain().tip();
    tc_->mine({a, b});
    ASSERT_TRUE(accept(a_child).accepted);
    std::vector<uint256> notified;
    pool_->on_transaction_added([&](const MempoolEntryInfo& e) { notified.push_back(e.txid); });

    // Two blocks on the other branch: a and b come back, then a conflicts with a2.
    const Block f1 = tc_->mine_on(fork, {a2}, -1);
    ASSERT_EQ(tc_->height(), kStartHeight + 1);  // same work: the first branch stays
    tc_->mine_on(tc_->chain().lookup(f1.hash()), {}, -1);
    ASSERT_EQ(tc_->chain().tip()->prev->hash, f1.hash());
    EXPECT_FALSE(pool_->contains(a.txid()));
    EXPECT_FALSE(pool_->contains(a_child.txid()));  // conflicted through its parent
    EXPECT_FALSE(pool_->contains(a2.txid()));       // confirmed
    EXPECT_TRUE(pool_->contains(b.txid()));         // back from the disconnected block
    expect_consistent();
    EXPECT_EQ(std::count(notified.begin(), notified.end(), b.txid()), 1);
    EXPECT_EQ(pool_->info().size, 1u);
}

TEST_F(MempoolTest, ConcurrentAcceptAndMining) {
    std::vector<Transaction> txs;
    for (int i = 0; i < 60; ++i) txs.push_back(tc_->spend1(coin(), 1000 + i));
    std::thread acceptor([&] {
        for (const Transaction& t : txs) EXPECT_TRUE(pool_->accept(t).accepted) << t.txid().to_hex();
    });
    std::thread miner([&] {
        for (int i = 0; i < 5; ++i) {
            mine_pool();
            std::this_thread::yield();
        }
    });
    acceptor.join();
    miner.join();
    mine_pool();
    EXPECT_EQ(pool_->info().size, 0u);
    // Every transaction ended up confirmed, whichever way the threads interleaved.
    for (const Transaction& t : txs) EXPECT_TRUE(tc_->chain().coin(OutPoint{t.txid(), 0})) << t.txid().to_hex();
}

TEST_F(MempoolTest, RandomOperationsKeepInvariants) {
    std::mt19937 rng(20240611);
    std::vector<Utxo> known(coins_.begin(), coins_.end());  // spent or not, confirmed or not
    std::vector<Utxo> used;  // inputs of accepted transactions: spending them again conflicts
    auto pick = [&]() -> Utxo {
        if (!used.empty() && rng() % 4 == 0) return used[rng() % used.size()];
        return known[rng() % known.size()];
    };
    int accepted = 0, replaced = 0, orphans = 0;
    for (int step = 0; step < 400; ++step) {
        const unsigned op = rng() % 20;
        if (op < 14) {
            std::vector<Utxo> inputs{pick()};
            if (rng() % 3 == 0) inputs.push_back(pick());
            if (inputs.size() == 2 && inputs[0].outpoint == inputs[1].outpoint) inputs.pop_back();
            Amount total = 0;
            for (const Utxo& u : inputs) total += u.out.value;
            const Amount fee = 200 + Amount(rng() % 40000);
            const int n_out = 1 + int(rng() % 3);
            std::vector<TxOut> outs;
            for (int o = 0; o < n_out; ++o)
                outs.push_back(TxOut{(total - fee) / n_out, tc_->keys[rng() % tc_->keys.size()].p2wpkh});
            SpendOptions so;
            if (rng() % 8 == 0) so.version = 3;
            const Transaction tx = tc_->spend(inputs, outs, so);
            const AcceptResult r = accept(tx);
            if (r.accepted) {
                ++accepted;
                used.insert(used.end(), inputs.begin(), inputs.end());
            }
            replaced += int(r.replaced.size());
            if (r.reject == TxReject::MISSING_INPUTS) ++orphans;
            for (const Utxo& u : tc_->outputs_of(tx)) known.push_back(u);
        } else if (op < 16) {
            const auto ids = pool_->txids();
            if (!ids.empty()) pool_->prioritise(ids[rng() % ids.size()], Amount(rng() % 4000) - 2000);
        } else if (op < 18) {
            mine_pool();
        } else if (op == 18 && tc_->height() > kStartHeight + 1) {
            ValidationState state;
            ASSERT_TRUE(tc_->chain().invalidate_block(tc_->chain().tip()->hash, state));
        } else {
            const Utxo u = pick();
            const Transaction p = tc_->spend1(u, 500 + Amount(rng() % 5000));
            const Transaction c = tc_->spend1(out0(p), 500 + Amount(rng() % 5000));
            pool_->test_accept_package({p, c});
        }
        std::string error;
        ASSERT_TRUE(pool_->check_consistency(&error)) << "step " << step << ": " << error;
    }
    // Everything left can be mined.
    mine_pool();
    EXPECT_GT(accepted, 50);
    EXPECT_GT(replaced, 0);
    EXPECT_GT(orphans, 0);
}

// ---- Size limit and expiry ----

// Thousands of random additions, replacements, packages, fee changes, partial and full
// mining and reorgs; after each, check_consistency verifies every cluster (membership,
// one connected component, a topological order, chunks matching it, no worse than the
// ancestor-set reference) besides the rest of the pool's invariants.
TEST_F(MempoolTest, RandomClusterOperations) {
    MempoolOptions o = options_;
    o.cluster_count = 8;
    reset_pool(o);
    std::mt19937 rng(31);
    std::vector<Utxo> known(coins_.begin(), coins_.end());
    std::vector<Utxo> used;
    auto pick = [&]() -> Utxo {
        if (!used.empty() && rng() % 5 == 0) return used[rng() % used.size()];
        // Recent outputs more often: longer chains, bigger clusters.
        if (rng() % 4 != 0) return known[known.size() - 1 - rng() % std::min<size_t>(known.size(), 12)];
        return known[rng() % known.size()];
    };
    auto make = [&](std::vector<Utxo> inputs, Amount fee) {
        std::sort(inputs.begin(), inputs.end(), [](const Utxo& x, const Utxo& y) { return x.outpoint < y.outpoint; });
        inputs.erase(std::unique(inputs.begin(), inputs.end(),
                                 [](const Utxo& x, const Utxo& y) { return x.outpoint == y.outpoint; }),
                     inputs.end());
        Amount total = 0;
        for (const Utxo& u : inputs) total += u.out.value;
        const int n_out = 1 + int(rng() % 3);
        std::vector<TxOut> outs;
        for (int k = 0; k < n_out; ++k)
            outs.push_back(TxOut{(total - fee) / n_out, tc_->keys[rng() % tc_->keys.size()].p2wpkh});
        return tc_->spend(inputs, outs);
    };
    int accepted = 0, replaced = 0, too_large = 0, packages = 0, mined = 0;
    for (int step = 0; step < 2500; ++step) {
        const unsigned op = rng() % 100;
        if (op < 60) {
            std::vector<Utxo> inputs{pick()};
            while (rng() % 3 == 0 && inputs.size() < 4) inputs.push_back(pick());
            const Transaction tx = make(inputs, Amount(rng() % 3 == 0 ? 100 + rng() % 300 : 200 + rng() % 20000));
            const AcceptResult r = accept(tx);
            if (r.accepted) {
                ++accepted;
                used.insert(used.end(), inputs.begin(), inputs.end());
            }
            if (r.state.reason() == "too-large-cluster") ++too_large;
            replaced += int(r.replaced.size());
            if (r.accepted)
                for (const Utxo& u : tc_->outputs_of(tx)) known.push_back(u);
        } else if (op < 72) {
            const Transaction p = make({pick()}, 0);
            const Transaction c = make({out0(p), pick()}, Amount(1000 + rng() % 30000));
            const PackageResult r = pool_->submit_package({p, c});
            if (r.package_msg.empty()) ++packages;
            for (const Transaction* t : {&p, &c})
                if (pool_->contains(t->txid()))
                    for (const Utxo& u : tc_->outputs_of(*t)) known.push_back(u);
        } else if (op < 80) {
            const auto ids = pool_->txids();
            if (!ids.empty()) pool_->prioritise(ids[rng() % ids.size()], Amount(rng() % 6000) - 3000);
        } else if (op < 85) {
            // A small block: the best chunks only.
            Amount fees = 0;
            std::vector<Transaction> txs;
            for (const auto& t : pool_->select_for_block(4000 + rng() % 20000, 80000, fees)) txs.push_back(*t);
            tc_->mine(txs);
            mined += int(txs.size());
        } else if (op < 87) {
            mined += int(mine_pool().txs.size()) - 1;
        } else if (op < 95 && tc_->height() > kStartHeight + 2) {
            ValidationState state;
            ASSERT_TRUE(tc_->chain().invalidate_block(tc_->chain().tip()->hash, state));
        } else {
            tc_->mine();
        }
        std::string error;
        ASSERT_TRUE(pool_->check_consistency(&error)) << "step " << step << ": " << error;
        for (const uint256& id : pool_->txids()) {
            const auto c = pool_->cluster(id);
            ASSERT_TRUE(c);
            ASSERT_LE(c->tx_count, 8u) << "step " << step;
        }
    }
    mine_pool();
    std::cout << "accepted " << accepted << ", replaced " << replaced << ", too-large-cluster " << too_large
              << ", packages " << packages << ", mined " << mined << "\n";
    EXPECT_GT(accepted, 500);
    EXPECT_GT(replaced, 10);
    EXPECT_GT(too_large, 10);
    EXPECT_GT(packages, 10);
    EXPECT_GT(mined, 200);
}

TEST_F(MempoolTest, FullPoolEvictsLowestFeeRate) {
    ASSERT_TRUE(accept(tc_->spend1(coin(), 1000)).accepted);
    const size_t one = pool_->info().usage;
    MempoolOptions o;
    o.max_bytes = 3 * one + one / 2;
    reset_pool(o);
    const Transaction t1 = tc_->spend1(coin(), 300);
    const Transaction t2 = tc_->spend1(coin(), 400);
    const Transaction t3 = tc_->spend1(coin(), 500);
    const Transaction t4 = tc_->spend1(coin(), 600);
    for (const Transaction* t : {&t1, &t2, &t3}) ASSERT_TRUE(accept(*t).accepted);
    EXPECT_EQ(pool_->info().min_fee.sat_per_kvb, 100);
    ASSERT_TRUE(accept(t4).accepted);
    EXPECT_FALSE(pool_->contains(t1.txid()));
    expect_consistent();
    EXPECT_EQ(pool_->info().size, 3u);
    const size_t vsize1 = (t1.weight() + 3) / 4;
    const Amount rolling = policy::rate_of(300, vsize1) + 100;
    EXPECT_EQ(pool_->info().min_fee.sat_per_kvb, rolling);

    // Below the risen minimum.
    const Utxo u5 = coin();
    const AcceptResult low = accept(tc_->spend1(u5, 305));
    EXPECT_EQ(low.state.reason(), "mempool min fee not met");
    // Above it, but still the cheapest: in and out again.
    const Transaction t6 = tc_->spend1(u5, 350);
    const AcceptResult full = accept(t6);
    EXPECT_EQ(full.state.reason(), "mempool full");
    EXPECT_FALSE(pool_->contains(t6.txid()));
    EXPECT_GT(pool_->info().min_fee.sat_per_kvb, rolling);

    // Without new blocks the minimum stays; after a block it decays (half-life 12 h,
    // 3 h when the pool is less than a quarter full).
    const Amount before = pool_->info().min_fee.sat_per_kvb;
    tc_->advance(24 * 3600);
    EXPECT_EQ(pool_->info().min_fee.sat_per_kvb, before);
    mine_pool();
    EXPECT_EQ(pool_->info().size, 0u);
    tc_->advance(3 * 3600);
    const Amount after = pool_->info().min_fee.sat_per_kvb;
    EXPECT_LT(after, before);
    EXPECT_NEAR(double(after), double(before) / 2, 2.0);
    tc_->advance(30 * 3600);
    EXPECT_EQ(pool_->info().min_fee.sat_per_kvb, 100);
}

TEST_F(MempoolTest, ExpiresOldTransactions) {
    const Transaction a = tc_->spend1(coin(), 1000);
    const Transaction a_child = tc_->spend1(out0(a), 1000);
    ASSERT_TRUE(accept(a).accepted);
    tc_->advance(3600);
    ASSERT_TRUE(accept(a_child).accepted);
    tc_->advance(336 * 3600 - 3600);  // a is exactly two weeks old: still there
    const Transaction b = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(accept(b).accepted);
    EXPECT_TRUE(pool_->contains(a.txid()));
    tc_->advance(1);
    ASSERT_TRUE(accept(tc_->spend1(coin(), 1000)).accepted);
    EXPECT_FALSE(pool_->contains(a.txid()));
    EXPECT_FALSE(pool_->contains(a_child.txid()));  // descendants go with it
    EXPECT_TRUE(pool_->contains(b.txid()));
}

// ---- Persistence ----

TEST_F(MempoolTest, SaveLoadRoundTrip) {
    const Transaction a = tc_->spend1(coin(), 1000);
    const Transaction b = tc_->spend1(out0(a), 1500);
    const Transaction c = tc_->spend1(coin(), 2000);
    ASSERT_TRUE(accept(a).accepted);
    tc_->advance(10);
    ASSERT_TRUE(accept(b).accepted);
    ASSERT_TRUE(accept(c).accepted);
    pool_->prioritise(c.txid(), 5000);
    const uint256 absent = sha256(Bytes{7});
    pool_->prioritise(absent, 777);
    pool_->add_unbroadcast(a.txid());
    const auto ea = *pool_->entry(a.txid()), eb = *pool_->entry(b.txid());

    const std::filesystem::path file = tc_->dir() / "mempool.dat";
    std::string error;
    ASSERT_TRUE(pool_->save(file, &error)) << error;
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".new"));
    std::ifstream in(file, std::ios::binary);
    const Bytes v1((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(v1.size(), 16u);
    EXPECT_EQ(read_le64(v1.data()), 1u);  // version 1
    EXPECT_EQ(read_le64(v1.data() + 8), 3u);

    auto check_loaded = [&](const std::filesystem::path& f) {
        reset_pool(options_);
        Mempool::LoadStats stats;
        std::string err;
        ASSERT_TRUE(pool_->load(f, &err, &stats)) << err;
        EXPECT_EQ(stats.accepted, 3u);
        EXPECT_EQ(stats.failed, 0u);
        EXPECT_EQ(pool_->entry(a.txid())->time, ea.time);
        EXPECT_EQ(pool_->entry(b.txid())->time, eb.time);
        EXPECT_EQ(pool_->entry(b.txid())->depends, std::vector<uint256>{a.txid()});
        EXPECT_EQ(pool_->entry(c.txid())->modified_fee, 7000);
        const auto deltas = pool_->fee_deltas();
        EXPECT_NE(std::find(deltas.begin(), deltas.end(), std::make_pair(absent, Amount(777))), deltas.end());
        EXPECT_EQ(pool_->unbroadcast(), std::vector<uint256>{a.txid()});
        EXPECT_TRUE(pool_->entry(a.txid())->unbroadcast);
    };
    check_loaded(file);

    // Version 2: the same, XOR-obfuscated after an 8-byte key (Core 28+).
    Bytes v2(8);
    write_le64(v2.data(), 2);
    v2.push_back(8);
    const Bytes key{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    append(v2, key);
    for (size_t i = 8; i < v1.size(); ++i) v2.push_back(uint8_t(v1[i] ^ key[v2.size() % 8]));
    const std::filesystem::path file2 = tc_->dir() / "mempool2.dat";
    {
        std::ofstream out(file2, std::ios::binary);
        out.write(reinterpret_cast<const char*>(v2.data()), std::streamsize(v2.size()));
    }
    check_loaded(file2);

    // Two weeks later everything has expired.
    tc_->advance(337 * 3600);
    reset_pool(options_);
    Mempool::LoadStats stats;
    ASSERT_TRUE(pool_->load(file, &error, &stats));
    EXPECT_EQ(stats.expired, 3u);
    EXPECT_EQ(pool_->info().size, 0u);

    // Damaged files fail cleanly.
    Bytes bad = v1;
    bad.resize(bad.size() / 2);
    const std::filesystem::path file3 = tc_->dir() / "bad.dat";
    {
        std::ofstream out(file3, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bad.data()), std::streamsize(bad.size()));
    }
    reset_pool(options_);
    EXPECT_FALSE(pool_->load(file3, &error));
    EXPECT_FALSE(pool_->load(tc_->dir() / "missing.dat", &error));
}

// ---- Block selection ----

TEST_F(MempoolTest, PrioritiseChangesSelectionOrder) {
    const Transaction a = tc_->spend1(coin(), 1000);
    const Transaction b = tc_->spend1(coin(), 2000);
    ASSERT_TRUE(accept(a).accepted);
    ASSERT_TRUE(accept(b).accepted);
    EXPECT_EQ(selected_txids(), (std::vector<uint256>{b.txid(), a.txid()}));
    pool_->prioritise(a.txid(), 5000);
    EXPECT_EQ(pool_->entry(a.txid())->modified_fee, 6000);
    EXPECT_EQ(selected_txids(), (std::vector<uint256>{a.txid(), b.txid()}));
    expect_consistent();
    pool_->prioritise(b.txid(), -3000);  // modified fee below zero: left out
    EXPECT_EQ(selected_txids(), std::vector<uint256>{a.txid()});
    Amount fees = 0;
    pool_->select_for_block(4000000, 80000, fees);
    EXPECT_EQ(fees, 1000);  // base fees
}

TEST_F(MempoolTest, SelectionPutsParentsFirstWithinBudget) {
    const Transaction p = tc_->spend1(coin(), 200);
    const Transaction c = tc_->spend1(out0(p), 5000);
    const Transaction x = tc_->spend1(coin(), 1000);
    ASSERT_TRUE(accept(p).accepted);
    ASSERT_TRUE(accept(c).accepted);
    ASSERT_TRUE(accept(x).accepted);
    const auto pe = pool_->entry(c.txid());
    EXPECT_EQ(pe->ancestor_count, 2u);
    EXPECT_EQ(pe->ancestor_fees, 5200);
    // The parent alone pays little; with its child it beats x.
    EXPECT_EQ(selected_txids(), (std::vector<uint256>{p.txid(), c.txid(), x.txid()}));
    const size_t budget = p.weight() + c.weight() + x.weight() - 1;
    Amount fees = 0;
    const auto txs = pool_->select_for_block(budget, 80000, fees);
    ASSERT_EQ(txs.size(), 2u);
    EXPECT_EQ(txs[0]->txid(), p.txid());
    EXPECT_EQ(txs[1]->txid(), c.txid());
    EXPECT_EQ(fees, 5200);
    // Too little room for the package: x alone fits.
    const auto only_x = pool_->select_for_block(x.weight(), 80000, fees);
    ASSERT_EQ(only_x.size(), 1u);
    EXPECT_EQ(only_x[0]->txid(), x.txid());
    // A mined selection is valid.
    mine_pool();
    EXPECT_EQ(pool_->info().size, 0u);

    // A big parent that does not fit must not let its small child in alone.
    const Utxo u = coin();
    const Transaction big = tc_->spend({u}, std::vector<TxOut>(40, TxOut{u.out.value / 50, tc_->keys[1].p2wpkh}));
    ASSERT_TRUE(pool_->accept(big).accepted);
    pool_->prioritise(big.txid(), 100000);  // selected first
    const Transaction small = tc_->spend1(out0(big), 1000);
    ASSERT_TRUE(accept(small).accepted);
    EXPECT_TRUE(pool_->select_for_block(small.weight() + 100, 80000, fees).empty());
}

// ---- Fee estimation ----

TEST_F(MempoolTest, EstimatesFeeAfterBlocks) {
    EXPECT_FALSE(pool_->estimate_fee(2));
    Amount rate_sum = 0;
    int n = 0;
    for (int block = 0; block < 6; ++block) {
        for (int i = 0; i < 3; ++i) {
            const Transaction t = tc_->spend1(coin(), 1100);
            const AcceptResult r = accept(t);
            ASSERT_TRUE(r.accepted);
            rate_sum += policy::rate_of(1100, r.vsize);
            ++n;
        }
        mine_pool();
        if (block < 4) {
            EXPECT_FALSE(pool_->estimate_fee(2)) << block;  // too few blocks seen
        }
    }
    const auto e = pool_->estimate_fee(2);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->second, 2);
    EXPECT_NEAR(double(e->first.sat_per_kvb), double(rate_sum) / n, 1.0);
    // A target of 1 is answered as 2; longer ones are capped by the blocks seen.
    EXPECT_EQ(pool_->estimate_fee(1)->second, 2);
    EXPECT_EQ(pool_->estimate_fee(25)->second, 2);
}

// ---- Packages ----

TEST_F(MempoolTest, TestAcceptPackage) {
    const Transaction p = tc_->spend1(coin(), 1000);
    const Transaction c = tc_->spend1(out0(p), 1000);
    auto results = pool_->test_accept_package({p, c});
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].accepted) << results[0].state.to_string();
    EXPECT_TRUE(results[1].accepted) << results[1].state.to_string();
    EXPECT_EQ(results[1].fee, 1000);
    EXPECT_EQ(pool_->info().size, 0u);  // nothing stays
    expect_consistent();

    results = pool_->test_accept_package({c, p});
    EXPECT_EQ(results[0].package_error, "package-not-sorted");
    EXPECT_EQ(results[1].package_error, "package-not-sorted");
    EXPECT_FALSE(results[0].accepted);

    results = pool_->test_accept_package({p, p});
    EXPECT_EQ(results[0].package_error, "package-contains-duplicates");

    // A member conflicting with the pool: no replacement in packages; the rest is left open.
    ASSERT_TRUE(accept(tc_->spend1(coin(), 1000)).accepted);
    const Utxo u = coin();
    ASSERT_TRUE(accept(tc_->spend1(u, 1000, 1)).accepted);
    const Transaction q = tc_->spend1(u, 5000, 2);
    const Transaction qc = tc_->spend1(out0(q), 1000);
    results = pool_->test_accept_package({q, qc});
    EXPECT_EQ(results[0].state.reason(), "bip125-replacement-disallowed");
    EXPECT_FALSE(results[1].accepted);
    EXPECT_TRUE(results[1].state.valid());
    EXPECT_EQ(pool_->info().size, 2u);

    // One transaction: a plain test accept, with maxfeerate.
    results = pool_->test_accept_package({tc_->spend1(coin(), 100000)}, FeeRate{10000});
    EXPECT_EQ(results[0].state.reason(), "max-fee-exceeded");
}

TEST_F(MempoolTest, MaxFeeRate) {
    const Transaction t = tc_->spend1(coin(), 100000);  // about 900 sat/vB
    EXPECT_EQ(pool_->accept(t, false, FeeRate{100000}).state.reason(), "max-fee-exceeded");
    EXPECT_FALSE(pool_->contains(t.txid()));
    EXPECT_TRUE(pool_->accept(t, false, FeeRate{1000000}).accepted);
}

}  // namespace
}  // namespace minicash::test
