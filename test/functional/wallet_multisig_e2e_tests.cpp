// Multisig end to end: three cosigners, each with its own wallet file, share keys
// (getxpub); a watch-only coordinator wallet made with -multisig=2 -cosigners=... holds
// the coins and makes the PSBT; two cosigners sign it from their own files; the
// coordinator combines, finalizes and broadcasts it. For P2WSH, P2SH-P2WSH and taproot
// multi_a, with the fee rate checked against the node's vsize of the mined spend; and the
// PSBT errors (another wallet's PSBT, a wrong key origin, duplicate and missing
// signatures), which leave the wallet files as they were.
#include "test/functional/wallet_e2e_util.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;
using test::read_text;

namespace {

class WalletMultisig : public WalletE2E {
protected:
    std::string key_of(const Wallet& w, const std::string& type) {
        json::value v = w.ok({"getxpub", "-type=" + type, "-nosync"});
        return v.is_null() ? "" : std::string(v.at("key").as_string());
    }
};

}  // namespace

TEST_F(WalletMultisig, TwoOfThreeSpendsFromThreeWalletFiles) {
    auto funder = funded_wallet("funder");
    auto alice = make_wallet("alice", {"-birthday=0", "-nosync"});
    auto bob = make_wallet("bob", {"-birthday=0", "-nosync"});
    auto carol = make_wallet("carol", {"-birthday=0", "-nosync"});
    const std::vector<std::string> types = {"bech32", "p2sh-segwit", "bech32m"};
    std::map<std::string, std::unique_ptr<Wallet>> coordinators;
    std::map<std::string, std::string> addresses;
    std::string pay_all;
    for (const std::string& type : types) {
        const std::string ka = key_of(*alice, type), kb = key_of(*bob, type), kc = key_of(*carol, type);
        ASSERT_TRUE(ka.starts_with("[")) << ka;
        EXPECT_NE(ka.find(type == "bech32m" ? "/87h/1h/0h]tpub" : "/48h/1h/0h/"), std::string::npos) << ka;
        auto coordinator = make_wallet("coordinator-" + type,
                                       {"-multisig=2", "-cosigners=" + ka + "," + kb + "," + kc, "-type=" + type});
        json::value info = coordinator->ok({"getwalletinfo", "-nosync"});
        EXPECT_TRUE(info.at("watch_only").as_bool());
        addresses[type] = coordinator->address(type);
        EXPECT_TRUE(addresses[type].starts_with(type == "p2sh-segwit" ? "2"
                                                : type == "bech32"    ? "bcrt1q"
                                                                      : "bcrt1p"))
            << addresses[type];
        coordinators[type] = std::move(coordinator);
    }
    // One payment funds the three policies.
    const Amount each = funds_ / 4;
    ASSERT_FALSE(
        funder
            ->ok({"sendmany", addresses["bech32"] + "=" + btc(each), addresses["p2sh-segwit"] + "=" + btc(each),
                  addresses["bech32m"] + "=" + btc(each), "-feerate=2"})
            .is_null());
    node_->mine(1, burn_address());

    for (const std::string& type : types) {
        SCOPED_TRACE(type);
        Wallet& coordinator = *coordinators[type];
        EXPECT_EQ(coordinator.balance().confirmed, each);
        const Amount pay = each / 3;
        json::value created = coordinator.ok({"psbt", "create", burn_address() + "=" + btc(pay), "-feerate=7"});
        ASSERT_TRUE(created.is_object());
        const std::string unsigned_psbt(created.at("psbt").as_string());
        const Amount fee = sats(created.at("fee"));

        json::value by_alice = alice->ok({"psbt", "sign", unsigned_psbt, "-nosync"});
        ASSERT_TRUE(by_alice.is_object());
        EXPECT_FALSE(by_alice.at("complete").as_bool());
        const std::string psbt_a(by_alice.at("psbt").as_string());
        json::value by_bob = bob->ok({"psbt", "sign", unsigned_psbt, "-nosync"});
        ASSERT_TRUE(by_bob.is_object());
        const std::string psbt_b(by_bob.at("psbt").as_string());

        // One signature is not enough: finalize says what is missing.
        ProgramResult r = coordinator.run({"psbt", "finalize", psbt_a}, false);
        EXPECT_EQ(r.exit_code, 7);
        EXPECT_NE(r.err.find("has 1 of the 2 signatures it needs"), std::string::npos) << r.err;
        // The same cosigner twice: a duplicate, whether signing again or combining.
        r = alice->run({"psbt", "sign", psbt_a, "-nosync"}, false);
        EXPECT_EQ(r.exit_code, 7);
        EXPECT_NE(r.err.find("already in the PSBT"), std::string::npos) << r.err;
        r = coordinator.run({"psbt", "combine", psbt_a, psbt_a}, false);
        EXPECT_EQ(r.exit_code, 7);
        EXPECT_NE(r.err.find("duplicate"), std::string::npos) << r.err;

        json::value combined = coordinator.ok({"psbt", "combine", psbt_a, psbt_b});
        ASSERT_TRUE(combined.is_object());
        json::value sent = coordinator.ok({"psbt", "broadcast", std::string(combined.at("psbt").as_string())});
        ASSERT_TRUE(sent.is_object());
        const std::string txid(sent.at("txid").as_string());
        const json::value entry = node_->rpc("getmempoolentry", {json::string(txid)});
        const int64_t vsize = entry.at("vsize").to_number<int64_t>();
        const double rate = double(fee) / double(vsize);
        EXPECT_GE(rate, 7.0);
        EXPECT_LT(rate, 8.0);
        node_->mine(1, burn_address());
        EXPECT_EQ(coordinator.balance().confirmed, each - pay - fee);
        // Carol's signature was not needed; her file never changed by signing anyway.
    }
}

TEST_F(WalletMultisig, PsbtsOfOtherWalletsAreRefusedAndChangeNothing) {
    auto funder = funded_wallet("funder");
    auto alice = make_wallet("alice", {"-birthday=0", "-nosync"});
    auto bob = make_wallet("bob", {"-birthday=0", "-nosync"});
    auto dave = make_wallet("dave", {"-birthday=0", "-nosync"});
    const std::string ka = key_of(*alice, "bech32"), kb = key_of(*bob, "bech32");
    auto coordinator = make_wallet("coordinator", {"-multisig=1", "-cosigners=" + ka + "," + kb});
    ASSERT_FALSE(funder->ok({"send", coordinator->address(), btc(funds_ / 2), "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    json::value created = coordinator->ok({"psbt", "create", burn_address() + "=0.1", "-feerate=2"});
    ASSERT_TRUE(created.is_object());
    const std::string psbt(created.at("psbt").as_string());

    // Dave is no cosigner: nothing to sign, and his file stays as it was.
    const std::string dave_file = read_text(dave->path());
    ProgramResult r = dave->run({"psbt", "sign", psbt, "-nosync"}, false);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(r.err.find("nothing in this PSBT belongs to this wallet"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("fingerprint"), std::string::npos) << r.err;
    EXPECT_EQ(read_text(dave->path()), dave_file);

    // A policy that names Alice's fingerprint with a path of another key: refused.
    const std::string wrong = ka.substr(0, ka.find("/2h]")) + "/1h]" + ka.substr(ka.find("]") + 1);
    auto other = make_wallet("other", {"-multisig=1", "-cosigners=" + wrong + "," + kb});
    ASSERT_FALSE(funder->ok({"send", other->address(), btc(funds_ / 10), "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    json::value other_psbt = other->ok({"psbt", "create", burn_address() + "=0.01", "-feerate=2"});
    ASSERT_TRUE(other_psbt.is_object());
    const std::string alice_file = read_text(alice->path());
    r = alice->run({"psbt", "sign", std::string(other_psbt.at("psbt").as_string()), "-nosync"}, false);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(r.err.find("not for this wallet"), std::string::npos) << r.err;
    EXPECT_EQ(read_text(alice->path()), alice_file);

    // A PSBT of another transaction cannot be combined; garbage is not a PSBT.
    json::value signed_a = alice->ok({"psbt", "sign", psbt, "-nosync"});
    ASSERT_TRUE(signed_a.is_object());
    EXPECT_TRUE(signed_a.at("complete").as_bool());  // 1-of-2
    r = coordinator->run({"psbt", "combine", psbt, std::string(other_psbt.at("psbt").as_string())}, false);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(r.err.find("another transaction"), std::string::npos) << r.err;
    r = coordinator->run({"psbt", "decode", "cHNidP8BAAoCAAAAAAAAAAAAAA"}, false);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(r.err.find("invalid PSBT"), std::string::npos) << r.err;
    // Bad -multisig arguments.
    r = coordinator->run({"create", "-multisig=3", "-cosigners=" + ka + "," + kb}, false);
    EXPECT_EQ(r.exit_code, 1);
    ASSERT_FALSE(coordinator->ok({"psbt", "broadcast", std::string(signed_a.at("psbt").as_string())}).is_null());
}
