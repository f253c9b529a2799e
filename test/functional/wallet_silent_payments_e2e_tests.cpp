// Silent payments (BIP352) end to end on minicashd -silentpaymentindex: one wallet pays
// another's sprt1 address (and a labelled one, with its own change to its change label);
// the receiver finds the payments from the node's index, a restored copy finds them from
// blocks with prevouts (getblock 3, as on any Core-compatible node), and the receiver
// spends them. Addresses of another network or version are refused (exit 6).
#include "test/functional/wallet_e2e_util.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;
using test::read_text;

TEST_F(WalletE2E, SilentPaymentPaidFoundAndSpent) {
    auto alice = funded_wallet("alice");
    auto bob = make_wallet("bob");
    const std::string sp_address(bob->ok({"getnewaddress", "-type=silentpayment"}).at("address").as_string());
    EXPECT_TRUE(sp_address.starts_with("sprt1q")) << sp_address;
    const std::string shop(bob->ok({"getnewaddress", "-type=silentpayment", "-label=shop"}).at("address").as_string());
    EXPECT_NE(shop, sp_address);
    // The same address again (no label): silent payment addresses are reusable.
    EXPECT_EQ(std::string(bob->ok({"getnewaddress", "-type=silentpayment"}).at("address").as_string()), sp_address);

    json::value first = alice->ok({"send", sp_address, "1", "-feerate=2", "-change-type=silentpayment"});
    ASSERT_TRUE(first.is_object());
    json::value second = alice->ok({"sendmany", sp_address + "=0.25", shop + "=0.5", "-feerate=2"});
    ASSERT_TRUE(second.is_object());
    const Amount fees = sats(first.at("fee")) + sats(second.at("fee"));
    node_->mine(1, burn_address());

    json::value synced = bob->ok({"sync"});
    ASSERT_TRUE(synced.is_object());
    EXPECT_EQ(synced.at("silent_payments").at("source").as_string(), "index");
    EXPECT_EQ(synced.at("silent_payments").at("found").to_number<int64_t>(), 3);
    EXPECT_EQ(bob->balance({"-nosync"}).confirmed, 175 * kCoin / 100);
    bool shop_label = false;
    const json::value bob_coins = bob->ok({"listunspent", "-nosync"});
    for (const json::value& c : bob_coins.as_array())
        shop_label = shop_label || (c.as_object().contains("label") && c.at("label") == json::value("shop"));
    EXPECT_TRUE(shop_label);
    // Alice's change went to her own silent payment change label and is hers.
    EXPECT_EQ(alice->balance().confirmed, funds_ - 175 * kCoin / 100 - fees);

    // A restored copy of Bob, scanning blocks with their prevouts instead of the index.
    const fs::path words = dir_ / "bob.words";
    write_text(words, mnemonic_.at("bob") + "\n");
    Wallet copy(*node_, dir_, "bob-copy");
    ASSERT_FALSE(copy.ok({"restore", "-mnemonicfile=" + words.string(),
                          "-birthday=" + std::to_string(node_->height() - 3), "-silentpayments"})
                     .is_null());
    json::value scanned = copy.ok({"sync", "-spscan=blocks"});
    ASSERT_TRUE(scanned.is_object());
    EXPECT_EQ(scanned.at("silent_payments").at("source").as_string(), "blocks");
    // The labelled payment is found only once the label is known: labels are in the backup,
    // not in the words (BIP352). Without it, the plain payments are found.
    EXPECT_EQ(scanned.at("silent_payments").at("found").to_number<int64_t>(), 2);
    EXPECT_EQ(copy.balance({"-nosync"}).confirmed, 125 * kCoin / 100);

    // Bob spends what he found.
    auto carol = make_wallet("carol");
    json::value spent = bob->ok({"send", carol->address(), "1.5", "-feerate=3"});
    ASSERT_TRUE(spent.is_object());
    node_->mine(1, burn_address());
    EXPECT_EQ(carol->balance().confirmed, 15 * kCoin / 10);
    EXPECT_EQ(bob->balance().confirmed, 175 * kCoin / 100 - 15 * kCoin / 10 - sats(spent.at("fee")));

    // Wrong network, wrong version: refused with the reason, nothing sent.
    const std::string before = read_text(alice->path());
    ProgramResult r = alice->run({"send",
                                  "sp1qqgste7k9hx0qftg6qmwlkqtwuy6cycyavzmzj85c6qdfhjdpdjtdgqjuexzk6murw56suy3e0rd2cgqv"
                                  "ycxttddwsvgxe2usfpxumr70xc9pkqwv",
                                  "0.1"},
                                 false);
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_NE(r.err.find("another network"), std::string::npos) << r.err;
    std::string v31 = sp_address;
    v31[5] = 'l';  // the version character: 31 (the checksum fails first: also refused)
    r = alice->run({"send", v31, "0.1"}, false);
    EXPECT_EQ(r.exit_code, 6);
    EXPECT_EQ(read_text(alice->path()), before);
}
