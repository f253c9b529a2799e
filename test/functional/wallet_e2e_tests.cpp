// End-to-end: the real minicash-wallet against a real minicashd -regtest
// -blockfilterindex (test/util/test_node.h; stopped by its destructor whatever happens).
// One node serves the suite; every test makes its own wallets with their birthday at
// the current height, so tests do not depend on each other's coins.
#include <sys/stat.h>

#include "test/functional/wallet_e2e_util.h"
#include "util/hash.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;
using test::read_text;
using test::TempDir;
using test::TestNode;

namespace {

TEST_F(WalletE2E, MineToTheWalletThenMature) {
    auto a = make_wallet("a");
    const std::string addr = a->address();
    EXPECT_TRUE(addr.starts_with("bcrt1q"));
    node_->mine(1, addr);
    const Amount subsidy = (50 * kCoin) >> (node_->height() / 150);  // regtest halves every 150 blocks
    Balance b = a->balance();
    EXPECT_EQ(b.immature, subsidy);
    EXPECT_EQ(b.confirmed, 0);
    node_->mine(98, burn_address());  // 99 confirmations
    EXPECT_EQ(a->balance().immature, subsidy);
    node_->mine(1, burn_address());  // 100 confirmations: Core's wallet waits for 101
    EXPECT_EQ(a->balance().immature, subsidy);
    node_->mine(1, burn_address());  // 101 confirmations: spendable
    b = a->balance();
    EXPECT_EQ(b.immature, 0);
    EXPECT_EQ(b.confirmed, subsidy);
    json::value info = a->ok({"getwalletinfo", "-nosync"});
    EXPECT_EQ(info.at("synced_height").to_number<int64_t>(), node_->height());
    EXPECT_EQ(info.at("txcount").to_number<int64_t>(), 1);
    json::value coins = a->ok({"listunspent", "-nosync"});
    ASSERT_EQ(coins.as_array().size(), 1u);
    EXPECT_TRUE(coins.as_array()[0].at("spendable").as_bool());
    EXPECT_TRUE(coins.as_array()[0].at("coinbase").as_bool());
    // Every address type the wallet hands out is valid for the network.
    for (const char* type : {"bech32", "bech32m", "p2sh-segwit", "legacy"}) {
        const std::string x = a->address(type);
        json::value v = a->ok({"validateaddress", x});
        EXPECT_TRUE(v.at("isvalid").as_bool()) << type << " " << x;
    }
}

TEST_F(WalletE2E, PayAnotherWalletReceiveChangeAndBumpFee) {
    auto a = funded_wallet("a");
    auto b = make_wallet("b");
    const std::string to_b = b->address();
    const Amount pay = funds_ / 5;
    json::value sent = a->ok({"send", to_b, btc(pay), "-feerate=2"});
    ASSERT_TRUE(sent.is_object());
    const std::string txid(sent.at("txid").as_string());
    const Amount fee = sats(sent.at("fee"));
    EXPECT_GT(fee, 0);
    EXPECT_TRUE(mempool().count(txid));
    EXPECT_EQ(b->balance().unconfirmed, pay);
    Balance ab = a->balance();
    EXPECT_EQ(ab.confirmed, 0);
    EXPECT_EQ(ab.unconfirmed, funds_ - pay - fee);  // our change, waiting in the mempool

    json::value bumped = a->ok({"bumpfee", txid, "-feerate=10"});
    ASSERT_TRUE(bumped.is_object());
    const std::string new_txid(bumped.at("txid").as_string());
    const Amount new_fee = sats(bumped.at("fee"));
    EXPECT_NE(new_txid, txid);
    EXPECT_EQ(sats(bumped.at("origfee")), fee);
    EXPECT_GT(new_fee, fee);
    EXPECT_TRUE(mempool().count(new_txid));
    EXPECT_FALSE(mempool().count(txid));
    bool saw_conflicted = false;
    const json::value history = a->ok({"history"});
    for (const json::value& h : history.as_array())
        if (h.at("txid").as_string() == txid) saw_conflicted = h.at("state").as_string() == "conflicted";
    EXPECT_TRUE(saw_conflicted);

    node_->mine(1, burn_address());
    EXPECT_EQ(b->balance().confirmed, pay);
    EXPECT_EQ(a->balance().confirmed, funds_ - pay - new_fee);
    // The change came back to a change address of the wallet.
    json::value coins = a->ok({"listunspent", "-nosync"});
    ASSERT_EQ(coins.as_array().size(), 1u);
    EXPECT_TRUE(coins.as_array()[0].at("change").as_bool());
    // B can spend what it received, sending the rest back to A.
    json::value back = b->ok({"send", a->address(), btc(pay / 2), "-feerate=1"});
    ASSERT_TRUE(back.is_object());
    node_->mine(1, burn_address());
    EXPECT_EQ(a->balance().confirmed, funds_ - pay - new_fee + pay / 2);
    EXPECT_EQ(b->balance().confirmed, pay - pay / 2 - sats(back.at("fee")));
}

TEST_F(WalletE2E, ReorgThatDropsAPayment) {
    auto a = funded_wallet("a");
    auto b = make_wallet("b");
    const Amount pay = funds_ / 10;
    json::value sent = a->ok({"send", b->address(), btc(pay), "-feerate=2"});
    ASSERT_TRUE(sent.is_object());
    const std::string txid(sent.at("txid").as_string());
    const std::string block = node_->mine(1, burn_address()).front();
    EXPECT_EQ(b->balance().confirmed, pay);

    node_->rpc("invalidateblock", {json::string(block)});
    const bool back_in_mempool = mempool().count(txid) > 0;
    Balance bb = b->balance();
    EXPECT_EQ(bb.confirmed, 0);
    EXPECT_EQ(bb.unconfirmed, back_in_mempool ? pay : 0);
    const json::value history = b->ok({"history", "-nosync"});
    for (const json::value& h : history.as_array()) {
        if (h.at("txid").as_string() == txid) {
            EXPECT_EQ(h.at("state").as_string(), back_in_mempool ? "mempool" : "inactive");
        }
    }

    node_->rpc("reconsiderblock", {json::string(block)});
    bb = b->balance();
    EXPECT_EQ(bb.confirmed, pay);
    EXPECT_EQ(bb.unconfirmed, 0);
}

TEST_F(WalletE2E, RestoreSurvivesACrashInTheMiddleOfASync) {
    auto a = funded_wallet("a");
    node_->mine(60, burn_address());
    const int tip = node_->height();
    ASSERT_GT(tip, 160);
    const fs::path words = dir_ / "words.txt";
    write_text(words, mnemonic_.at("a") + "\n");
    Wallet r(*node_, dir_, "restored");
    ASSERT_FALSE(r.ok({"restore", "-mnemonicfile=" + words.string(), "-birthday=0"}).is_null());
    // The hook ends the process abruptly after 120 blocks; progress was saved every 50.
    ProgramResult crashed = r.run({"sync", "-syncsaveinterval=50", "-debugcrashafter=120"});
    EXPECT_EQ(crashed.exit_code, 137);
    json::value info = r.ok({"getwalletinfo", "-nosync"});
    EXPECT_EQ(info.at("synced_height").to_number<int64_t>(), 99);
    // Resumes where it stopped and finds the same coins as the original wallet.
    json::value s = r.ok({"sync"});
    EXPECT_EQ(s.at("blocks_scanned").to_number<int64_t>(), tip - 99);
    EXPECT_EQ(s.at("scan").as_string(), "filters");
    EXPECT_LT(s.at("blocks_fetched").to_number<int64_t>(), 10);
    EXPECT_EQ(r.balance().confirmed, a->balance().confirmed);
    // A full scan agrees.
    Wallet f(*node_, dir_, "fullscan");
    ASSERT_FALSE(f.ok({"restore", "-mnemonicfile=" + words.string(), "-birthday=0"}).is_null());
    json::value fs_sync = f.ok({"sync", "-scan=full"});
    EXPECT_EQ(fs_sync.at("scan").as_string(), "full");
    EXPECT_EQ(fs_sync.at("blocks_fetched").to_number<int64_t>(), tip + 1);
    EXPECT_EQ(f.balance({"-nosync"}).confirmed, funds_);
}

TEST_F(WalletE2E, ErrorsAreClearAndLoseNothing) {
    auto a = funded_wallet("a");
    const std::string before = read_text(a->path());

    // Wrong passphrase.
    const fs::path wrong = dir_ / "wrong.pass";
    write_text(wrong, "not it\n");
    ProgramResult r = a->run({"balance"}, false, &wrong);
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.err, "error: wrong passphrase\n");
    EXPECT_EQ(read_text(a->path()), before);

    // A damaged copy: reported, never touched.
    std::string damaged = before;
    damaged[damaged.size() / 2] ^= 0x20;
    Wallet copy(*node_, dir_, "copy");
    write_text(copy.path(), damaged);
    // As the wallet makes its files (another mode draws a warning before the error).
    fs::permissions(copy.path(), fs::perms::owner_read | fs::perms::owner_write);
    write_text(copy.pass(), read_text(a->pass()));
    r = copy.run({"balance"}, false);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_TRUE(r.err.starts_with("error: wallet file is corrupted: ")) << r.err;
    EXPECT_EQ(read_text(copy.path()), damaged);
    r = copy.run({"send", burn_address(), "1"}, true);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_EQ(json::parse(r.out).at("error").at("code").to_number<int64_t>(), 4);
    EXPECT_EQ(read_text(copy.path()), damaged);

    // Insufficient funds.
    r = a->run({"send", burn_address(), "1000"}, false);
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_NE(r.err.find("Insufficient funds"), std::string::npos) << r.err;
    EXPECT_EQ(a->balance().confirmed, funds_);

    // Invalid addresses: bad checksum, another network, wrong witness version encoding.
    r = a->run({"send", "bcrt1qjv79rnnmfjpt4aafgwpnl5c6v73ulkqfdv6c66", "1"}, false);
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_NE(r.err.find("invalid address"), std::string::npos);
    EXPECT_NE(r.err.find("checksum"), std::string::npos) << r.err;
    r = a->run({"send", "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "1"}, false);
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_NE(r.err.find("network"), std::string::npos) << r.err;
    r = a->run({"validateaddress", "bcrt1qjv79rnnmfjpt4aafgwpnl5c6v73ulkqfdv6c66"});
    EXPECT_EQ(r.exit_code, 6);
    json::value v = json::parse(r.out);
    EXPECT_FALSE(v.at("isvalid").as_bool());
    EXPECT_FALSE(v.at("error_locations").as_array().empty());
    EXPECT_EQ(a->balance().confirmed, funds_);
    EXPECT_TRUE(mempool().empty());

    // create never overwrites a wallet.
    const std::string now = read_text(a->path());
    r = a->run({"create"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("already exists"), std::string::npos);
    EXPECT_EQ(read_text(a->path()), now);

    // No passphrase file and no terminal: a clear error, not a hang.
    std::vector<std::string> args = {test::program_path("minicash-wallet")};
    for (const std::string& s : node_->client_args()) args.push_back(s);
    args.push_back("-wallet=" + a->path().string());
    args.push_back("balance");
    r = test::run_program(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("-passphrasefile"), std::string::npos) << r.err;
}

TEST_F(WalletE2E, WatchOnlyCreatesOfflineWalletSigns) {
    auto a = funded_wallet("a");
    // The signer never talks to the node.
    Wallet offline(*node_, dir_, "offline");
    json::value created = offline.ok({"create", "-birthday=0", "-nosync"});
    ASSERT_TRUE(created.is_object());
    json::value exported = offline.ok({"export-descriptors", "-nosync"});
    std::string desc(exported.at("descriptors").as_array()[0].at("desc").as_string());
    EXPECT_EQ(desc.find("prv"), std::string::npos);
    desc = desc.substr(0, desc.find('#'));
    desc.replace(desc.find("/0/*)"), 5, "/<0;1>/*)");
    auto watch = make_wallet("watch", {"-watchonly=" + desc});
    const std::string to_watch = watch->address();
    const Amount watched = funds_ / 2, pay = funds_ / 10;
    ASSERT_FALSE(a->ok({"send", to_watch, btc(watched), "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    EXPECT_EQ(watch->balance().confirmed, watched);

    auto b = make_wallet("b");
    const std::string to_b = b->address();
    json::value created_psbt = watch->ok({"psbt", "create", to_b + "=" + btc(pay), "-feerate=3"});
    ASSERT_TRUE(created_psbt.is_object());
    const std::string unsigned_psbt(created_psbt.at("psbt").as_string());
    const Amount fee = sats(created_psbt.at("fee"));
    ProgramResult r = watch->run({"psbt", "sign", unsigned_psbt}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("watch-only"), std::string::npos);
    r = watch->run({"send", to_b, "1"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("watch-only"), std::string::npos);

    json::value signed_psbt = offline.ok({"psbt", "sign", unsigned_psbt, "-nosync"});
    ASSERT_TRUE(signed_psbt.is_object());
    EXPECT_TRUE(signed_psbt.at("complete").as_bool());
    const std::string complete(signed_psbt.at("psbt").as_string());
    json::value decoded = watch->ok({"psbt", "decode", complete});
    EXPECT_EQ(decoded.at("next").as_string(), "extractor");
    EXPECT_EQ(sats(decoded.at("fee")), fee);
    json::value finalized = watch->ok({"psbt", "finalize", complete});
    EXPECT_TRUE(finalized.at("complete").as_bool());
    json::value sent = watch->ok({"psbt", "broadcast", complete});
    ASSERT_TRUE(sent.is_object());
    EXPECT_TRUE(mempool().count(std::string(sent.at("txid").as_string())));
    node_->mine(1, burn_address());
    EXPECT_EQ(b->balance().confirmed, pay);
    EXPECT_EQ(watch->balance().confirmed, watched - pay - fee);
}

TEST_F(WalletE2E, SignAndVerifyMessages) {
    auto a = make_wallet("a");
    // Default formats: legacy for P2PKH, BIP322 simple for native segwit, full otherwise;
    // every address type also in the other formats it allows.
    const std::vector<std::tuple<const char*, const char*, std::vector<const char*>>> cases = {
        {"legacy", "legacy", {"full"}},
        {"bech32", "simple", {"full", "legacy"}},
        {"bech32m", "simple", {"full"}},
        {"p2sh-segwit", "full", {"legacy"}},
    };
    for (const auto& [type, default_format, others] : cases) {
        const std::string addr = a->address(type);
        std::vector<std::pair<std::string, std::string>> sigs;
        json::value sig = a->ok({"signmessage", addr, "hello minicash", "-nosync"});
        ASSERT_TRUE(sig.is_object()) << type;
        sigs.emplace_back(default_format, std::string(sig.at("signature").as_string()));
        for (const char* f : others) {
            json::value other = a->ok({"signmessage", addr, "hello minicash", std::string("-format=") + f, "-nosync"});
            ASSERT_TRUE(other.is_object()) << type << " " << f;
            sigs.emplace_back(f, std::string(other.at("signature").as_string()));
        }
        for (const auto& [format, s] : sigs) {
            // Without a node and without a wallet.
            std::vector<std::string> args = {
                test::program_path("minicash-wallet"), "-regtest", "-json", "verifymessage", addr, s, "hello minicash"};
            ProgramResult r = test::run_program(args);
            ASSERT_EQ(r.exit_code, 0) << type << " " << format << ": " << r.err;
            json::value v = json::parse(r.out);
            EXPECT_TRUE(v.at("valid").as_bool()) << type << " " << format;
            EXPECT_EQ(v.at("format").as_string(), format == std::string("legacy") ? "legacy" : format);
            EXPECT_FALSE(a->ok({"verifymessage", addr, s, "hello minicasH"}).at("valid").as_bool()) << type;
        }
    }
    // The simple format does not fit P2SH-P2WPKH; a BIP322 signature of the wrong length
    // is bad input (exit 8), an invalid one is false.
    const std::string nested = a->address("p2sh-segwit");
    ProgramResult r = a->run({"signmessage", nested, "x", "-format=simple", "-nosync"}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("full format"), std::string::npos) << r.err;
    const std::string addr = a->address("bech32");
    const std::string good(a->ok({"signmessage", addr, "x", "-nosync"}).at("signature").as_string());
    r = a->run({"verifymessage", addr, good.substr(0, good.size() - 5), "x"}, false);
    EXPECT_EQ(r.exit_code, 8);
    EXPECT_NE(r.err.find("base64"), std::string::npos) << r.err;
    r = a->run({"verifymessage", addr, "smp" + std::string("AA=="), "x"}, false);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "false\n");
}

TEST_F(WalletE2E, BackupAndChangePassphrase) {
    auto a = make_wallet("a");
    const fs::path backup = dir_ / "backup.wallet";
    ASSERT_FALSE(a->ok({"backup", backup.string(), "-nosync"}).is_null());
    EXPECT_EQ(read_text(backup), read_text(a->path()));
    struct stat st {};
    ASSERT_EQ(::stat(backup.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ProgramResult r = a->run({"backup", backup.string()}, false);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("refusing to overwrite"), std::string::npos);

    const fs::path fresh = dir_ / "fresh.pass";
    write_text(fresh, "a new passphrase\n");
    ASSERT_FALSE(a->ok({"change-passphrase", "-newpassphrasefile=" + fresh.string()}).is_null());
    EXPECT_EQ(a->run({"getwalletinfo", "-nosync"}).exit_code, 3);
    EXPECT_EQ(a->run({"getwalletinfo", "-nosync"}, true, &fresh).exit_code, 0);
    // The backup still opens with the old passphrase.
    Wallet old(*node_, dir_, "backup");
    write_text(old.pass(), read_text(a->pass()));
    EXPECT_EQ(old.run({"getwalletinfo", "-nosync"}).exit_code, 0);
    // Public export by default; private only when asked.
    const std::string pub = a->run({"export-descriptors"}, false, &fresh).out;
    EXPECT_EQ(pub.find("tprv"), std::string::npos);
    EXPECT_NE(a->run({"export-descriptors", "-private"}, false, &fresh).out.find("tprv"), std::string::npos);
}

TEST(WalletE2ENoFilters, FallsBackToFullBlocks) {
    TestNode node("wallet-nofilters");
    node.start();
    const TempDir tmp("wallet-e2e");
    const fs::path dir = tmp.path();
    {
        Wallet w(node, dir, "w");
        ASSERT_FALSE(w.ok({"create"}).is_null());
        node.mine(1, w.address());
        node.mine(100, burn_address());
        json::value s = w.ok({"sync"});
        EXPECT_EQ(s.at("scan").as_string(), "full");
        EXPECT_EQ(w.balance({"-nosync"}).confirmed, 50 * kCoin);
    }
}

}  // namespace
