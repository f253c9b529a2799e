// End-to-end: the real minicash-wallet against a real minicashd -regtest
// -blockfilterindex (test/util/test_node.h; stopped by its destructor whatever happens).
// One node serves the suite; every test makes its own wallets with their birthday at
// the current height, so tests do not depend on each other's coins.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "common/address.h"
#include "test/util/program.h"
#include "test/util/temp_dir.h"
#include "test/util/test_node.h"
#include "util/hash.h"

using namespace minicash;
namespace json = boost::json;
namespace fs = std::filesystem;
using test::ProgramResult;
using test::read_text;
using test::TempDir;
using test::TestNode;

namespace {

Amount sats(const json::value& v) { return Amount(std::llround(v.to_number<double>() * 1e8)); }

void write_text(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary);
    out << s;
}

// Blocks mined "to nobody": a P2WPKH of a made-up key hash.
std::string burn_address() {
    WitnessV0KeyHashDest d{};
    d.hash.fill(0x42);
    return encode_destination(d, make_chain_params(Network::REGTEST));
}

// "1.50000000"
std::string btc(Amount v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%lld.%08lld", (long long)(v / kCoin), (long long)(v % kCoin));
    return buf;
}

struct Balance {
    Amount confirmed = 0, unconfirmed = 0, immature = 0;
};

class Wallet {
public:
    Wallet(TestNode& node, const fs::path& dir, const std::string& name) : node_(node) {
        path_ = dir / (name + ".wallet");
        pass_ = dir / (name + ".pass");
        write_text(pass_, "passphrase of " + name + "\n");
    }

    ProgramResult run(const std::vector<std::string>& args, bool json_out = true,
                      const fs::path* pass = nullptr) const {
        std::vector<std::string> a = {test::program_path("minicash-wallet")};
        for (const std::string& s : node_.client_args()) a.push_back(s);
        a.push_back("-wallet=" + path_.string());
        a.push_back("-passphrasefile=" + (pass ? *pass : pass_).string());
        if (json_out) a.push_back("-json");
        for (const std::string& s : args) a.push_back(s);
        return test::run_program(a);
    }
    // Runs and expects success; the parsed JSON output.
    json::value ok(const std::vector<std::string>& args) const {
        ProgramResult r = run(args);
        EXPECT_EQ(r.exit_code, 0) << "minicash-wallet " << args.front() << ": " << r.err << r.out;
        if (r.exit_code != 0) return nullptr;
        return json::parse(r.out);
    }
    std::string address(const std::string& type = "bech32") const {
        json::value v = ok({"getnewaddress", "-type=" + type});
        return v.is_null() ? "" : std::string(v.at("address").as_string());
    }
    Balance balance(const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> a = {"balance"};
        a.insert(a.end(), extra.begin(), extra.end());
        json::value v = ok(a);
        if (v.is_null()) return {};
        return Balance{sats(v.at("confirmed")), sats(v.at("unconfirmed")), sats(v.at("immature"))};
    }
    const fs::path& path() const { return path_; }
    const fs::path& pass() const { return pass_; }

private:
    TestNode& node_;
    fs::path path_, pass_;
};

class WalletE2E : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        node_ = new TestNode("wallet-e2e");
        node_->start({"-blockfilterindex=1"});
    }
    static void TearDownTestSuite() {
        delete node_;
        node_ = nullptr;
    }
    void SetUp() override {
        tmp_ = std::make_unique<TempDir>("wallet-e2e");
        dir_ = tmp_->path();
    }
    void TearDown() override { tmp_.reset(); }

    std::unique_ptr<Wallet> make_wallet(const std::string& name, const std::vector<std::string>& extra = {}) {
        auto w = std::make_unique<Wallet>(*node_, dir_, name);
        std::vector<std::string> a = {"create"};
        a.insert(a.end(), extra.begin(), extra.end());
        json::value v = w->ok(a);
        if (v.is_object() && v.as_object().contains("mnemonic"))
            mnemonic_[name] = std::string(v.at("mnemonic").as_string());
        return w;
    }
    // A wallet with one mature coinbase output (regtest halves the subsidy every 150
    // blocks, so its value, kept in funds_, depends on the height).
    std::unique_ptr<Wallet> funded_wallet(const std::string& name) {
        auto w = make_wallet(name);
        node_->mine(1, w->address());
        node_->mine(100, burn_address());
        funds_ = w->balance().confirmed;
        EXPECT_GT(funds_, 0);
        return w;
    }
    std::set<std::string> mempool() {
        std::set<std::string> out;
        const json::value ids = node_->rpc("getrawmempool");
        for (const json::value& v : ids.as_array()) out.insert(std::string(v.as_string()));
        return out;
    }

    static TestNode* node_;
    std::unique_ptr<TempDir> tmp_;
    fs::path dir_;
    std::map<std::string, std::string> mnemonic_;
    Amount funds_ = 0;
};

TestNode* WalletE2E::node_ = nullptr;

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
    for (const char* type : {"legacy", "bech32", "p2sh-segwit"}) {
        const std::string addr = a->address(type);
        json::value sig = a->ok({"signmessage", addr, "hello minicash", "-nosync"});
        ASSERT_TRUE(sig.is_object()) << type;
        const std::string s(sig.at("signature").as_string());
        EXPECT_TRUE(a->ok({"verifymessage", addr, s, "hello minicash"}).at("valid").as_bool()) << type;
        EXPECT_FALSE(a->ok({"verifymessage", addr, s, "hello minicasH"}).at("valid").as_bool()) << type;
    }
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
