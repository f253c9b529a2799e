// Wallet state and sync against an in-memory chain (wallet/chain_source.h): descriptors
// from a seed (BIP84/BIP86 addresses), filter matching vs full scans, the gap window
// moving (also within one block), reorgs, the mempool and conflicts, coinbase maturity,
// the fallback without filters, resuming an interrupted sync, JSON round trips.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "common/address.h"
#include "common/block_filter.h"
#include "wallet/bip39.h"
#include "wallet/keychain.h"
#include "wallet/silent_payment_send.h"
#include "wallet/spend.h"
#include "wallet/sync.h"

using namespace minicash;
using namespace minicash::wallet;

namespace {

const char* kMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

Script op_true_script() {
    Script s;
    s.push_op(OP_TRUE);
    return s;
}

// A chain kept in memory: blocks, their filters, a mempool. Proof of work is not
// checked by the wallet, so headers only need distinct hashes.
class MemoryChain : public ChainSource {
public:
    bool filters = true;
    std::vector<Block> blocks;
    std::vector<Transaction> pool;
    int block_fetches = 0;

    MemoryChain() { mine({}); }

    int height() const { return int(blocks.size()) - 1; }

    // Appends a block: a coinbase paying `coinbase_to`, then `txs`.
    const Block& mine(std::vector<Transaction> txs, const Script& coinbase_to = op_true_script(),
                      Amount reward = 50 * kCoin) {
        Block b;
        b.header.version = 4;
        b.header.prev_block = blocks.empty() ? uint256() : blocks.back().hash();
        b.header.time = 1700000000 + uint32_t(blocks.size()) * 600;
        b.header.nonce = nonce_++;
        Transaction cb;
        TxIn in;
        in.prevout = OutPoint{};
        in.script_sig.push_int(int64_t(blocks.size()) + 1).push_int(nonce_);
        cb.vin.push_back(in);
        cb.vout.push_back(TxOut{reward, coinbase_to});
        b.txs.push_back(cb);
        for (Transaction& t : txs) b.txs.push_back(std::move(t));
        for (const Transaction& t : b.txs) {
            const uint256 id = t.txid();
            for (uint32_t i = 0; i < t.vout.size(); ++i) outputs_[OutPoint{id, i}] = t.vout[i];
            std::erase_if(pool, [&](const Transaction& p) { return p.txid() == id; });
        }
        blocks.push_back(std::move(b));
        return blocks.back();
    }
    void pop(int n) {
        for (int i = 0; i < n; ++i) blocks.pop_back();
    }

    ChainTip tip() override { return ChainTip{"regtest", height(), blocks.back().hash()}; }
    uint256 block_hash(int h) override {
        if (h < 0 || h > height()) throw ChainSourceError(-8, "Block height out of range");
        return blocks[size_t(h)].hash();
    }
    std::optional<Bytes> block_filter(const uint256& hash) override {
        if (!filters) return std::nullopt;
        const Block& b = find(hash);
        std::vector<TxOut> spent;
        for (const Transaction& t : b.txs)
            if (!t.is_coinbase())
                for (const TxIn& in : t.vin) {
                    auto it = outputs_.find(in.prevout);
                    spent.push_back(it == outputs_.end() ? TxOut{0, Script()} : it->second);
                }
        return BasicBlockFilter::build(hash, basic_filter_elements(b, spent)).encoded();
    }
    Block block(const uint256& hash) override {
        ++block_fetches;
        return find(hash);
    }
    std::vector<uint256> mempool() override {
        std::vector<uint256> out;
        for (const Transaction& t : pool) out.push_back(t.txid());
        return out;
    }
    std::optional<Transaction> mempool_tx(const uint256& txid) override {
        for (const Transaction& t : pool)
            if (t.txid() == txid) return t;
        return std::nullopt;
    }
    uint256 broadcast(const Transaction& tx) override {
        if (reject_broadcasts) throw ChainSourceError(-26, "rejected");
        pool.push_back(tx);
        return tx.txid();
    }
    AcceptResult test_accept(const Transaction&) override { return {true, ""}; }
    std::optional<Amount> estimate_fee(int) override { return std::nullopt; }
    BlockWithPrevouts block_with_prevouts(const uint256& hash) override {
        ++prevout_fetches;
        BlockWithPrevouts out{find(hash), {}};
        for (const Transaction& t : out.block.txs) {
            if (t.is_coinbase()) continue;
            std::vector<Script> spent;
            for (const TxIn& in : t.vin) {
                auto it = outputs_.find(in.prevout);
                spent.push_back(it == outputs_.end() ? Script() : it->second.script_pubkey);
            }
            out.spent.push_back(std::move(spent));
        }
        return out;
    }
    // As minicashd -silentpaymentindex when `sp_index`.
    std::optional<std::vector<sp::PubKey>> silent_payment_tweaks(const uint256& hash) override {
        if (!sp_index) return std::nullopt;
        BlockWithPrevouts b = block_with_prevouts(hash);
        --prevout_fetches;
        std::vector<sp::PubKey> out;
        for (size_t i = 1; i < b.block.txs.size(); ++i)
            if (auto t = sp::tweak_data(b.block.txs[i], b.spent[i - 1])) out.push_back(*t);
        return out;
    }

    bool reject_broadcasts = false;
    bool sp_index = false;
    int prevout_fetches = 0;

private:
    const Block& find(const uint256& hash) const {
        for (const Block& b : blocks)
            if (b.hash() == hash) return b;
        throw ChainSourceError(-5, "Block not found");
    }
    uint32_t nonce_ = 0;
    std::map<OutPoint, TxOut> outputs_;
};

WalletState make_wallet(Network net = Network::REGTEST, const char* mnemonic = kMnemonic) {
    WalletState s;
    s.network = net;
    s.birthday = 0;
    s.synced_height = -1;
    auto seed = mnemonic_to_seed(mnemonic, "");
    EXPECT_TRUE(seed);
    std::string error;
    const ByteView seed_view(seed->data(), seed->size());
    auto specs = descriptors_from_seed(seed_view, s.params(), &error);
    EXPECT_TRUE(specs) << error;
    for (const DescriptorSpec& d : *specs) EXPECT_TRUE(s.add_descriptor(d.desc, d.internal, d.type, &error)) << error;
    SeedKeys keys = keys_from_seed(seed_view, s.params());
    s.signing_accounts = keys.accounts;
    s.silent_payments = keys.silent_payments;
    return s;
}

// Receive script `index` of descriptor `d` (0: wpkh receive, 2: tr receive).
Script script_at(const WalletState& s, uint32_t index, size_t d = 0) {
    return s.descriptors[d].desc.expand(index)->front().script_pubkey;
}

// A transaction from outside the wallet paying `to` (its input spends a made-up output).
Transaction payment(const Script& to, Amount amount, uint8_t tag) {
    Transaction t;
    TxIn in;
    Bytes id(32, tag);
    in.prevout = OutPoint{uint256(id), 0};
    t.vin.push_back(in);
    t.vout.push_back(TxOut{amount, to});
    return t;
}

Transaction spend(const OutPoint& from, const Script& to, Amount amount) {
    Transaction t;
    TxIn in;
    in.prevout = from;
    t.vin.push_back(in);
    t.vout.push_back(TxOut{amount, to});
    return t;
}

SyncOptions quiet(ScanMode mode = ScanMode::FILTERS) {
    SyncOptions o;
    o.mode = mode;
    o.now = [] { return int64_t(1700000000); };
    return o;
}

}  // namespace

TEST(WalletKeys, SeedDescriptorsGiveBip84AndBip86Addresses) {
    WalletState s = make_wallet(Network::MAIN);
    const ChainParams& p = s.params();
    // BIP84 and BIP86 test vectors: first receive addresses of the "abandon ... about" seed.
    EXPECT_EQ(*encode_address(script_at(s, 0, 0), p), "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    EXPECT_EQ(*encode_address(script_at(s, 1, 0), p), "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g");
    EXPECT_EQ(*encode_address(script_at(s, 0, 1), p), "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el");
    EXPECT_EQ(*encode_address(script_at(s, 0, 2), p), "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr");
    ASSERT_EQ(s.descriptors.size(), 8u);
    for (const WalletDescriptor& d : s.descriptors) {
        EXPECT_TRUE(d.desc.has_private_keys());
        EXPECT_EQ(d.derived, kGapLimit);
        // The public form keeps the key origin a PSBT signer needs.
        EXPECT_NE(d.desc.to_string(false).find("[73c5da0a/"), std::string::npos) << d.desc.to_string(false);
        EXPECT_EQ(d.desc.to_string(false).find("xprv"), std::string::npos);
    }
    EXPECT_EQ(infer_address_type(s.descriptors[0].desc), AddressType::BECH32);
    EXPECT_EQ(infer_address_type(s.descriptors[2].desc), AddressType::BECH32M);
    EXPECT_EQ(infer_address_type(s.descriptors[4].desc), AddressType::P2SH_SEGWIT);
    EXPECT_EQ(infer_address_type(s.descriptors[6].desc), AddressType::LEGACY);
}

TEST(WalletKeys, WatchOnlyFromDescriptorAndXpub) {
    WalletState full = make_wallet();
    std::string error;
    const std::string pub = full.descriptors[0].desc.to_string(false);
    auto specs = descriptors_from_watch(pub, full.params(), &error);
    ASSERT_TRUE(specs) << error;
    ASSERT_EQ(specs->size(), 1u);
    EXPECT_EQ(specs->front().type, AddressType::BECH32);
    EXPECT_EQ(specs->front().desc.expand(3)->front().script_pubkey, script_at(full, 3));
    // A multipath descriptor gives receive and change.
    std::string multi = pub.substr(0, pub.find("/0/*")) + "/<0;1>/*)";
    specs = descriptors_from_watch(multi, full.params(), &error);
    ASSERT_TRUE(specs) << error;
    ASSERT_EQ(specs->size(), 2u);
    EXPECT_TRUE((*specs)[1].internal);
    EXPECT_EQ((*specs)[1].desc.expand(0)->front().script_pubkey,
              full.descriptors[1].desc.expand(0)->front().script_pubkey);
    // Private descriptors are refused for watch-only wallets.
    EXPECT_FALSE(descriptors_from_watch(full.descriptors[0].desc.to_string(true), full.params(), &error));
    EXPECT_NE(error.find("public"), std::string::npos);
    EXPECT_FALSE(descriptors_from_watch("tpubnonsense", full.params(), &error));
}

TEST(WalletState, NewAddressesMoveTheGapWindow) {
    WalletState s = make_wallet();
    std::string error;
    for (int i = 0; i < 25; ++i) {
        auto script = s.new_script(AddressType::BECH32, false, &error);
        ASSERT_TRUE(script) << error;
        EXPECT_EQ(*script, script_at(s, uint32_t(i)));
        EXPECT_TRUE(s.is_mine(*script));
    }
    EXPECT_EQ(s.descriptors[0].next_index, 25u);
    EXPECT_EQ(s.descriptors[0].derived, 25u + kGapLimit);
    EXPECT_TRUE(s.is_mine(script_at(s, 44)));
    EXPECT_FALSE(s.is_mine(script_at(s, 45)));
}

TEST(WalletSync, FiltersFetchOnlyMatchingBlocksAndAgreeWithFullScans) {
    MemoryChain chain;
    WalletState s = make_wallet();
    for (int i = 0; i < 3; ++i) chain.mine({});
    chain.mine({}, script_at(s, 0));  // height 4: coinbase to us
    for (int i = 0; i < 5; ++i) chain.mine({});
    chain.mine({payment(script_at(s, 5), kCoin, 1)});         // height 10
    chain.mine({payment(script_at(s, 2, 2), 2 * kCoin, 2)});  // height 11: taproot
    for (int i = 0; i < 19; ++i) chain.mine({});              // tip 30

    SyncResult r = sync_wallet(s, chain, quiet());
    EXPECT_TRUE(r.used_filters);
    EXPECT_EQ(r.blocks_scanned, 31);
    EXPECT_EQ(r.tip_height, 30);
    EXPECT_GE(r.blocks_fetched, 3);
    EXPECT_LT(r.blocks_fetched, 8);  // false positives are ~1/784931 per element
    Balances b = s.balances(chain.height());
    EXPECT_EQ(b.confirmed, 3 * kCoin);
    EXPECT_EQ(b.immature, 50 * kCoin);
    EXPECT_EQ(b.unconfirmed, 0);
    EXPECT_EQ(s.synced_height, 30);

    WalletState full = make_wallet();
    SyncResult rf = sync_wallet(full, chain, quiet(ScanMode::FULL));
    EXPECT_FALSE(rf.used_filters);
    EXPECT_EQ(rf.blocks_fetched, 31);
    EXPECT_EQ(full.txs.size(), s.txs.size());
    EXPECT_EQ(full.balances(30).confirmed, b.confirmed);

    // Nothing new: a second sync scans nothing.
    SyncResult again = sync_wallet(s, chain, quiet());
    EXPECT_EQ(again.blocks_scanned, 0);
}

TEST(WalletSync, GapWindowMovesAcrossAndWithinBlocks) {
    MemoryChain chain;
    WalletState s = make_wallet();
    const Script s15 = script_at(s, 15), s34 = script_at(s, 34), s40 = script_at(s, 40), s55 = script_at(s, 55);
    chain.mine({payment(s15, kCoin, 1)});
    chain.mine({payment(s34, kCoin, 2)});
    // In one block: index 55 comes first, visible only once index 40 has moved the window.
    chain.mine({payment(s55, kCoin, 3), payment(s40, kCoin, 4)});
    chain.mine({});
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.txs.size(), 4u);
    EXPECT_EQ(s.balances(chain.height()).confirmed, 4 * kCoin);
    EXPECT_EQ(s.descriptors[0].max_used, 55);
    EXPECT_EQ(s.descriptors[0].derived, 56u + kGapLimit);
    // getnewaddress continues after the last used index.
    std::string error;
    EXPECT_EQ(*s.new_script(AddressType::BECH32, false, &error), script_at(s, 56));
}

TEST(WalletSync, ReorgDropsAPaymentAndItComesBack) {
    MemoryChain chain;
    WalletState s = make_wallet();
    for (int i = 0; i < 10; ++i) chain.mine({});
    const Transaction pay = payment(script_at(s, 1), 3 * kCoin, 9);
    chain.mine({pay});                           // height 11
    for (int i = 0; i < 4; ++i) chain.mine({});  // tip 15
    sync_wallet(s, chain, quiet());
    ASSERT_EQ(s.balances(15).confirmed, 3 * kCoin);

    chain.pop(5);                                // fork below 11: the payment disappears
    for (int i = 0; i < 6; ++i) chain.mine({});  // tip 16, different blocks
    SyncResult r = sync_wallet(s, chain, quiet());
    EXPECT_EQ(r.reorg_depth, 5);
    EXPECT_EQ(s.txs.at(pay.txid()).state, TxState::INACTIVE);
    Balances b = s.balances(16);
    EXPECT_EQ(b.confirmed, 0);
    EXPECT_EQ(b.unconfirmed, 0);

    chain.pool.push_back(pay);  // back in the mempool
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.txs.at(pay.txid()).state, TxState::MEMPOOL);
    EXPECT_EQ(s.balances(16).unconfirmed, 3 * kCoin);

    chain.mine({pay});
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.txs.at(pay.txid()).state, TxState::CONFIRMED);
    EXPECT_EQ(s.txs.at(pay.txid()).height, 17);
    EXPECT_EQ(s.balances(17).confirmed, 3 * kCoin);
}

TEST(WalletSync, ReorgedCoinbaseIsForgotten) {
    MemoryChain chain;
    WalletState s = make_wallet();
    chain.mine({}, script_at(s, 0));
    chain.mine({});
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.balances(2).immature, 50 * kCoin);
    chain.pop(2);
    chain.mine({});
    chain.mine({});
    chain.mine({});
    sync_wallet(s, chain, quiet());
    EXPECT_TRUE(s.txs.empty());
    EXPECT_EQ(s.balances(3).immature, 0);
}

TEST(WalletSync, CoinbaseMaturesAfter101ConfirmationsAsCoresWallet) {
    MemoryChain chain;
    WalletState s = make_wallet();
    chain.mine({}, script_at(s, 0));              // height 1
    for (int i = 0; i < 98; ++i) chain.mine({});  // tip 99: 99 confirmations
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.balances(99).immature, 50 * kCoin);
    EXPECT_EQ(s.balances(99).confirmed, 0);
    chain.mine({});  // 100 confirmations: valid to spend, but Core's wallet waits one more
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.balances(100).immature, 50 * kCoin);
    chain.mine({});  // 101 confirmations
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.balances(101).immature, 0);
    EXPECT_EQ(s.balances(101).confirmed, 50 * kCoin);
}

TEST(WalletSync, MempoolSpendAndConflict) {
    MemoryChain chain;
    WalletState s = make_wallet();
    const Transaction pay = payment(script_at(s, 0), 5 * kCoin, 7);
    chain.mine({pay});
    sync_wallet(s, chain, quiet());
    const OutPoint coin{pay.txid(), 0};

    // Our spend, with change back to us, waits in the mempool.
    Transaction mine = spend(coin, op_true_script(), kCoin);
    mine.vout.push_back(TxOut{4 * kCoin - 1000, s.descriptors[1].desc.expand(0)->front().script_pubkey});
    chain.pool.push_back(mine);
    sync_wallet(s, chain, quiet());
    ASSERT_TRUE(s.txs.count(mine.txid()));
    EXPECT_TRUE(s.txs.at(mine.txid()).from_me);
    Balances b = s.balances(chain.height());
    EXPECT_EQ(b.confirmed, 0);
    EXPECT_EQ(b.unconfirmed, 4 * kCoin - 1000);

    // A different spend of the same coin is mined: ours is conflicted, the coin is gone.
    chain.pool.clear();
    chain.reject_broadcasts = true;  // the node refuses our (now double-spending) transaction
    const Transaction other = spend(coin, op_true_script(), 5 * kCoin - 500);
    chain.mine({other});
    sync_wallet(s, chain, quiet());
    EXPECT_EQ(s.txs.at(mine.txid()).state, TxState::CONFLICTED);
    b = s.balances(chain.height());
    EXPECT_EQ(b.confirmed, 0);
    EXPECT_EQ(b.unconfirmed, 0);
    EXPECT_TRUE(s.unspent(chain.height()).empty());
}

TEST(WalletSync, OwnTransactionsMissingFromTheMempoolAreRebroadcast) {
    MemoryChain chain;
    WalletState s = make_wallet();
    const Transaction pay = payment(script_at(s, 0), 5 * kCoin, 7);
    chain.mine({pay});
    sync_wallet(s, chain, quiet());
    Transaction mine = spend(OutPoint{pay.txid(), 0}, op_true_script(), kCoin);
    s.add_transaction(mine, TxState::MEMPOOL, -1, {}, 0, 0);
    ASSERT_TRUE(s.txs.at(mine.txid()).from_me);
    sync_wallet(s, chain, quiet());  // the node never saw it
    ASSERT_EQ(chain.pool.size(), 1u);
    EXPECT_EQ(chain.pool[0].txid(), mine.txid());
    EXPECT_EQ(s.txs.at(mine.txid()).state, TxState::MEMPOOL);
}

TEST(WalletSync, FallsBackToFullBlocksWithoutFilters) {
    MemoryChain chain;
    chain.filters = false;
    WalletState s = make_wallet();
    chain.mine({payment(script_at(s, 0), kCoin, 1)});
    chain.mine({});
    SyncResult r = sync_wallet(s, chain, quiet());
    EXPECT_TRUE(r.fell_back);
    EXPECT_FALSE(r.used_filters);
    EXPECT_EQ(r.blocks_fetched, 3);
    EXPECT_EQ(s.balances(2).confirmed, kCoin);
}

TEST(WalletSync, BirthdaySkipsEarlierBlocks) {
    MemoryChain chain;
    WalletState s = make_wallet();
    chain.mine({payment(script_at(s, 0), kCoin, 1)});  // height 1: before the birthday
    for (int i = 0; i < 5; ++i) chain.mine({});
    chain.mine({payment(script_at(s, 1), kCoin, 2)});  // height 7
    s.birthday = 5;
    s.synced_height = 4;
    SyncResult r = sync_wallet(s, chain, quiet());
    EXPECT_EQ(r.blocks_scanned, 3);
    EXPECT_EQ(s.balances(7).confirmed, kCoin);
}

TEST(WalletSync, InterruptedSyncResumesFromTheLastSave) {
    MemoryChain chain;
    WalletState reference = make_wallet();
    for (int i = 1; i <= 40; ++i)
        chain.mine(i % 7 == 0 ? std::vector<Transaction>{payment(script_at(reference, uint32_t(i)), kCoin, uint8_t(i))}
                              : std::vector<Transaction>{});
    sync_wallet(reference, chain, quiet());

    WalletState s = make_wallet();
    std::string saved;
    SyncOptions o = quiet();
    o.save_every = 10;
    o.save = [&](const WalletState& st) { saved = boost::json::serialize(st.to_json()); };
    o.progress = [](const SyncProgress& p) {
        if (p.blocks_done == 25) throw std::runtime_error("killed");
    };
    EXPECT_THROW(sync_wallet(s, chain, o), std::runtime_error);
    ASSERT_FALSE(saved.empty());
    std::string error;
    auto restored = WalletState::from_json(boost::json::parse(saved), &error);
    ASSERT_TRUE(restored) << error;
    EXPECT_EQ(restored->synced_height, 19);  // saved after 20 blocks (0..19)
    SyncResult r = sync_wallet(*restored, chain, quiet());
    EXPECT_EQ(r.blocks_scanned, 21);
    EXPECT_EQ(restored->txs.size(), reference.txs.size());
    EXPECT_EQ(restored->balances(40).confirmed, reference.balances(40).confirmed);
    EXPECT_EQ(restored->balances(40).confirmed, 5 * kCoin);
}

TEST(WalletSync, RefusesAnotherNetwork) {
    MemoryChain chain;
    WalletState s = make_wallet(Network::TESTNET4);
    EXPECT_THROW(sync_wallet(s, chain, quiet()), std::runtime_error);
}

TEST(WalletState, JsonRoundTripKeepsEverything) {
    MemoryChain chain;
    WalletState s = make_wallet();
    chain.mine({payment(script_at(s, 3), kCoin, 1)}, script_at(s, 2, 2));
    chain.pool.push_back(payment(script_at(s, 4), 2 * kCoin, 2));
    sync_wallet(s, chain, quiet());
    std::string error;
    ASSERT_TRUE(s.new_script(AddressType::BECH32M, false, &error));
    const boost::json::object j = s.to_json();
    auto back = WalletState::from_json(j, &error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(boost::json::serialize(back->to_json()), boost::json::serialize(j));
    EXPECT_EQ(back->txs.size(), 3u);
    EXPECT_EQ(back->balances(1).unconfirmed, 2 * kCoin);
    EXPECT_EQ(back->balances(1).immature, 50 * kCoin);
    EXPECT_EQ(back->descriptors[2].next_index, 4u);  // index 2 was used by the coinbase
    EXPECT_TRUE(back->is_mine(script_at(s, 23)));
    // Damaged states are refused with a reason.
    boost::json::object bad = j;
    bad["network"] = "moon";
    EXPECT_FALSE(WalletState::from_json(bad, &error));
    EXPECT_FALSE(WalletState::from_json(boost::json::value(42), &error));
    EXPECT_FALSE(error.empty());
}

// Silent payments through the wallet: a payment to a plain and a labelled address with
// change to the sender's change label, found by the receiver from the node's tweak data
// (fetching only the block that holds it) and from blocks with prevouts alike, then spent.
TEST(WalletSilentPayments, PaidFoundAndSpentWithAndWithoutTheIndex) {
    MemoryChain chain;
    WalletState a = make_wallet(Network::REGTEST);
    WalletState b =
        make_wallet(Network::REGTEST, "legal winner thank year wave sausage worth useful legal winner thank yellow");
    ASSERT_TRUE(a.silent_payments && b.silent_payments);
    b.silent_payments->active = true;
    const sp::Address plain = b.silent_payments->address();
    const uint32_t m = b.silent_payments->next_label++;
    const sp::Address labelled = b.silent_payments->address(m);
    EXPECT_NE(plain.spend, labelled.spend);
    EXPECT_TRUE(sp::encode_address(plain, Network::REGTEST).starts_with("sprt1q"));

    chain.mine({payment(script_at(a, 0, 0), kCoin, 1), payment(script_at(a, 0, 2), kCoin, 2)});
    for (int i = 0; i < 5; ++i) chain.mine({});
    sync_wallet(a, chain, quiet());
    a.silent_payments->active = true;
    a.silent_payments->scan_from = chain.height() + 1;

    FundOptions o;
    o.rate = FeeRate::from_sat_per_vb(2);
    o.change = silent_payment_placeholder();
    const Amount p1 = 3 * kCoin / 10, p2 = 2 * kCoin / 10;
    // Both coins: a P2WPKH and a BIP86 taproot input derive the outputs together.
    o.inputs = {a.unspent(chain.height())[0].outpoint, a.unspent(chain.height())[1].outpoint};
    BuiltTransaction built = fund_transaction(
        a, {Recipient{silent_payment_placeholder(), p1, false}, Recipient{silent_payment_placeholder(), p2, false}}, o,
        chain.height());
    ASSERT_TRUE(built.change_position);
    const size_t cp = *built.change_position;
    std::vector<SilentPaymentRecipient> recipients = {
        {0 + (cp <= 0 ? 1u : 0u), plain}, {1 + (cp <= 1 ? 1u : 0u), labelled}, {cp, a.silent_payments->address(0u)}};
    make_silent_payment_outputs(a, built, recipients);
    EXPECT_EQ(a.silent_payments->outputs.size(), 1u);  // the change, found at once
    ASSERT_NO_THROW(sign_and_verify(a, built.tx, built.spent_outputs));
    for (const TxOut& out : built.tx.vout) EXPECT_NE(out.script_pubkey, silent_payment_placeholder());
    for (int i = 0; i < 3; ++i) chain.mine({});
    chain.mine({built.tx});
    for (int i = 0; i < 3; ++i) chain.mine({});

    WalletState b_blocks = b;
    chain.sp_index = true;
    const int fetched_before = chain.block_fetches;
    SyncResult r = sync_wallet(b, chain, quiet());
    EXPECT_EQ(r.silent_payment_source, "index");
    EXPECT_EQ(r.silent_payment_found, 2);
    EXPECT_EQ(chain.block_fetches - fetched_before, 1);  // only the block with the payment
    EXPECT_EQ(b.balances(chain.height()).confirmed, p1 + p2);
    ASSERT_EQ(b.silent_payments->outputs.size(), 2u);
    bool saw_label = false;
    for (const auto& [script, out] : b.silent_payments->outputs) saw_label = saw_label || out.label == m;
    EXPECT_TRUE(saw_label);

    chain.sp_index = false;
    r = sync_wallet(b_blocks, chain, quiet());
    EXPECT_EQ(r.silent_payment_source, "blocks");
    EXPECT_EQ(r.silent_payment_found, 2);
    EXPECT_GE(r.silent_payment_tweaks, 1);
    EXPECT_EQ(b_blocks.balances(chain.height()).confirmed, p1 + p2);

    // The sender's change came back to its change label.
    sync_wallet(a, chain, quiet());
    EXPECT_EQ(a.balances(chain.height()).confirmed, 2 * kCoin - p1 - p2 - built.fee);

    // The receiver spends both (untweaked key path with b_spend + tweak), checked by the interpreter.
    BuiltTransaction spend_back = fund_transaction(b, {Recipient{script_at(a, 3, 0), p1 + p2 - 10000, false}},
                                                   FeeRate::from_sat_per_vb(1), chain.height());
    ASSERT_NO_THROW(sign_and_verify(b, spend_back.tx, spend_back.spent_outputs));
    chain.mine({spend_back.tx});
    sync_wallet(b, chain, quiet());
    EXPECT_EQ(b.balances(chain.height()).confirmed, 10000 - spend_back.fee);

    // The wallet file keeps the keys and outputs.
    std::string why;
    auto back = WalletState::from_json(b.to_json(), &why);
    ASSERT_TRUE(back) << why;
    EXPECT_EQ(back->silent_payments->outputs.size(), 2u);
    EXPECT_EQ(back->silent_payments->next_label, 2u);
    EXPECT_EQ(back->to_json(), b.to_json());
}
