// Coin and fee control end to end: listunspent filters, lockunspent persisted in the
// wallet file, -inputs / -addinputs, -change-address, -change-type, -nochange, sendall,
// spending an unconfirmed incoming payment with a depth limit, CPFP to a package fee
// rate (checked with the node's ancestor figures), and psbt bumpfee.
#include "rpc/server.h"
#include "test/functional/wallet_e2e_util.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;
using test::read_text;

namespace {

std::string outpoint(const json::value& coin) {
    return std::string(coin.at("txid").as_string()) + ":" + std::to_string(coin.at("vout").to_number<int64_t>());
}

}  // namespace

TEST_F(WalletE2E, ListLockChooseInputsAndChange) {
    auto funder = funded_wallet("funder");
    auto a = make_wallet("a");
    // Three coins of different values.
    const std::string a1 = a->address(), a2 = a->address(), a3 = a->address("bech32m");
    ASSERT_FALSE(funder->ok({"sendmany", a1 + "=1", a2 + "=2", a3 + "=3", "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    json::value coins = a->ok({"listunspent"});
    ASSERT_EQ(coins.as_array().size(), 3u);
    // Filters: amounts, addresses, confirmations.
    EXPECT_EQ(a->ok({"listunspent", "-minamount=1.5", "-nosync"}).as_array().size(), 2u);
    EXPECT_EQ(a->ok({"listunspent", "-maxamount=1.5", "-nosync"}).as_array().size(), 1u);
    EXPECT_EQ(a->ok({"listunspent", "-addresses=" + a3, "-nosync"}).as_array().size(), 1u);
    EXPECT_EQ(a->ok({"listunspent", "-minconf=2", "-nosync"}).as_array().size(), 0u);
    EXPECT_EQ(a->ok({"listunspent", "-maxconf=1", "-nosync"}).as_array().size(), 3u);
    std::string one, two, three;
    for (const json::value& c : coins.as_array()) {
        const Amount v = sats(c.at("amount"));
        (v == kCoin ? one : v == 2 * kCoin ? two : three) = outpoint(c);
    }

    // Locked coins are not listed, not spent, and stay locked in the file.
    EXPECT_EQ(a->ok({"lockunspent", three}), json::value(true));
    ProgramResult r = a->run({"lockunspent", three}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Invalid parameter, output already locked"), std::string::npos) << r.err;
    r = a->run({"lockunspent", std::string(64, 'a') + ":0"}, false);
    EXPECT_NE(r.err.find("Invalid parameter, unknown transaction"), std::string::npos) << r.err;
    EXPECT_EQ(a->ok({"listlockunspent", "-nosync"}).as_array().size(), 1u);
    EXPECT_EQ(a->ok({"listunspent", "-nosync"}).as_array().size(), 2u);
    r = a->run({"send", burn_address(), "3.5", "-feerate=1"}, false);
    EXPECT_EQ(r.exit_code, 5);  // 3 BTC unusable: insufficient
    r = a->run({"send", burn_address(), "1", "-inputs=" + three, "-feerate=1"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("is locked"), std::string::npos) << r.err;

    // -inputs spends exactly those; change to a given address.
    const std::string change_to = funder->address();
    json::value sent =
        a->ok({"send", burn_address(), "0.5", "-inputs=" + one, "-change-address=" + change_to, "-feerate=3"});
    ASSERT_TRUE(sent.is_object());
    const std::string txid(sent.at("txid").as_string());
    const json::value tx = node_->rpc("getrawtransaction", {json::string(txid), 1});
    ASSERT_EQ(tx.at("vin").as_array().size(), 1u);
    EXPECT_EQ(std::string(tx.at("vin").as_array()[0].at("txid").as_string()) + ":" +
                  std::to_string(tx.at("vin").as_array()[0].at("vout").to_number<int64_t>()),
              one);
    bool change_seen = false;
    for (const json::value& o : tx.at("vout").as_array())
        change_seen = change_seen || o.at("scriptPubKey").at("address").as_string() == change_to;
    EXPECT_TRUE(change_seen);
    // Too little in the given inputs without -addinputs.
    r = a->run({"send", burn_address(), "2.5", "-inputs=" + two, "-feerate=1"}, false);
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_NE(r.err.find("-addinputs"), std::string::npos) << r.err;
    // -nochange: refused when change is left, fine when the amount takes everything.
    r = a->run({"send", burn_address(), "1", "-inputs=" + two, "-nochange", "-feerate=1"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("-nochange"), std::string::npos) << r.err;
    json::value exact =
        a->ok({"send", burn_address(), "2", "-inputs=" + two, "-nochange", "-subtractfee", "-feerate=1"});
    ASSERT_TRUE(exact.is_object());
    EXPECT_EQ(exact.at("changepos").to_number<int64_t>(), -1);
    node_->mine(1, burn_address());

    // The lock survives in the file; unlocking makes the coin spendable; -change-type.
    EXPECT_EQ(a->ok({"listlockunspent"}).as_array().size(), 1u);
    EXPECT_EQ(a->ok({"lockunspent", "-unlock", three, "-nosync"}), json::value(true));
    r = a->run({"lockunspent", "-unlock", three, "-nosync"}, false);
    EXPECT_NE(r.err.find("Invalid parameter, expected locked output"), std::string::npos) << r.err;
    json::value typed = a->ok({"send", burn_address(), "1", "-change-type=legacy", "-feerate=2"});
    ASSERT_TRUE(typed.is_object());
    const json::value t2 = node_->rpc("getrawtransaction", {typed.at("txid"), 1});
    const int64_t cp = typed.at("changepos").to_number<int64_t>();
    ASSERT_GE(cp, 0);
    EXPECT_EQ(t2.at("vout").as_array()[size_t(cp)].at("scriptPubKey").at("type").as_string(), "pubkeyhash");
    node_->mine(1, burn_address());

    // sendall empties the wallet into one output.
    auto b = make_wallet("b");
    json::value all = a->ok({"sendall", b->address(), "-feerate=2"});
    ASSERT_TRUE(all.is_object());
    node_->mine(1, burn_address());
    EXPECT_EQ(a->balance().confirmed, 0);
    EXPECT_EQ(b->balance().confirmed, sats(all.at("amount")));
}

TEST_F(WalletE2E, SpendUnconfirmedIncomingAndCpfp) {
    auto funder = funded_wallet("funder");
    auto a = make_wallet("a");
    // A stuck incoming payment at 1 sat/vB.
    json::value parent = funder->ok({"send", a->address(), "1", "-feerate=1"});
    ASSERT_TRUE(parent.is_object());
    const std::string parent_txid(parent.at("txid").as_string());
    EXPECT_EQ(a->balance().unconfirmed, kCoin);
    // Not spent unless asked; with -spendunconfirmed it is, within the depth limit.
    ProgramResult r = a->run({"send", burn_address(), "0.1", "-feerate=2"}, false);
    EXPECT_EQ(r.exit_code, 5);
    r = a->run({"send", burn_address(), "0.1", "-feerate=2", "-spendunconfirmed", "-unconfirmeddepth=1"}, false);
    EXPECT_EQ(r.exit_code, 5) << r.err;  // parent + child would be 2 deep
    r = a->run({"send", burn_address(), "0.1", "-feerate=2", "-spendunconfirmed", "-unconfirmeddepth=2"}, false);
    EXPECT_EQ(r.exit_code, 0) << r.err;

    // CPFP on a fresh stuck payment: the package reaches the asked rate.
    auto c = make_wallet("c");
    json::value stuck = funder->ok({"send", c->address(), "2", "-feerate=1"});
    ASSERT_TRUE(stuck.is_object());
    const std::string stuck_txid(stuck.at("txid").as_string());
    json::value bumped = c->ok({"cpfp", stuck_txid, "-feerate=25"});
    ASSERT_TRUE(bumped.is_object()) << "cpfp failed";
    const std::string child_txid(bumped.at("txid").as_string());
    const json::value entry = node_->rpc("getmempoolentry", {json::string(child_txid)});
    const double ancestor_fees = double(*rpc::amount_of(entry.at("fees").at("ancestor")));
    const double ancestor_size = double(entry.at("ancestorsize").to_number<int64_t>());
    // The parent's unconfirmed ancestors (the funder's earlier sends) count too.
    EXPECT_GE(ancestor_fees / ancestor_size, 25.0);
    EXPECT_LT(ancestor_fees / ancestor_size, 26.0);
    EXPECT_GE(bumped.at("package_feerate").to_number<double>(), 25.0);
    r = c->run({"cpfp", stuck_txid, "-feerate=30"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no unspent output"), std::string::npos) << r.err;
    node_->mine(1, burn_address());
    EXPECT_GT(c->balance().confirmed, 2 * kCoin - kCoin / 100);
    // A payment that pays enough already needs no child.
    json::value fast = funder->ok({"send", c->address(), "1", "-feerate=30"});
    r = c->run({"cpfp", std::string(fast.at("txid").as_string()), "-feerate=20"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("already pay"), std::string::npos) << r.err;
}

TEST_F(WalletE2E, PsbtBumpfeeForAWatchOnlyWallet) {
    auto a = funded_wallet("a");
    Wallet offline(*node_, dir_, "offline");
    ASSERT_FALSE(offline.ok({"create", "-birthday=0", "-nosync"}).is_null());
    json::value exported = offline.ok({"export-descriptors", "-nosync"});
    std::string desc(exported.at("descriptors").as_array()[0].at("desc").as_string());
    desc = desc.substr(0, desc.find('#'));
    desc.replace(desc.find("/0/*)"), 5, "/<0;1>/*)");
    auto watch = make_wallet("watch", {"-watchonly=" + desc});
    ASSERT_FALSE(a->ok({"send", watch->address(), "3", "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    json::value created = watch->ok({"psbt", "create", burn_address() + "=1", "-feerate=2"});
    json::value signed_psbt = offline.ok({"psbt", "sign", std::string(created.at("psbt").as_string()), "-nosync"});
    json::value sent = watch->ok({"psbt", "broadcast", std::string(signed_psbt.at("psbt").as_string())});
    ASSERT_TRUE(sent.is_object());
    const std::string txid(sent.at("txid").as_string());
    watch->ok({"sync"});
    json::value bump = watch->ok({"psbt", "bumpfee", txid, "-feerate=10"});
    ASSERT_TRUE(bump.is_object());
    EXPECT_GT(sats(bump.at("fee")), sats(bump.at("origfee")));
    json::value resigned = offline.ok({"psbt", "sign", std::string(bump.at("psbt").as_string()), "-nosync"});
    json::value replaced = watch->ok({"psbt", "broadcast", std::string(resigned.at("psbt").as_string())});
    ASSERT_TRUE(replaced.is_object());
    std::set<std::string> pool;
    const json::value ids = node_->rpc("getrawmempool");
    for (const json::value& v : ids.as_array()) pool.insert(std::string(v.as_string()));
    EXPECT_TRUE(pool.count(std::string(replaced.at("txid").as_string())));
    EXPECT_FALSE(pool.count(txid));
}
