// Miniscript end to end: a wallet imports two descriptors over its own key A,
// wsh(and_v(v:pk(A),older(5))) and tr(NUMS,{and_v(v:pk(A),older(5))}) (a tapscript leaf;
// nobody holds the internal key), receives a coin on each, and spends both: the node
// rejects the spend as Core does ("non-BIP68-final") until the coins have 5
// confirmations, then accepts it. The wallet set nSequence 5 (version 2) on both inputs
// and finalized the P2WSH and the script-path witnesses with the satisfier.
#include "test/functional/wallet_e2e_util.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;

namespace {

// NUMS point H of BIP341: a taproot internal key nobody can spend with.
const char* kNums = "50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0";

class WalletMiniscript : public WalletE2E {
protected:
    // The wallet's receiving key expression with its private key ("[fp/84h/1h/0h]tprv.../0/*"),
    // moved to another branch so that its addresses are new.
    std::string private_key_expression(const Wallet& w, const std::string& branch) {
        json::value v = w.ok({"export-descriptors", "-private", "-nosync"});
        if (v.is_null()) return "";
        for (const json::value& d : v.at("descriptors").as_array()) {
            const std::string desc(d.at("desc").as_string());
            if (!desc.starts_with("wpkh(") || d.at("internal").as_bool()) continue;
            std::string key = desc.substr(5, desc.find(')') - 5);
            const size_t tail = key.rfind("/0/*");
            if (tail == std::string::npos) return "";
            return key.substr(0, tail) + "/" + branch + "/*";
        }
        return "";
    }
    // The first address of `desc` (the node derives it from the public form).
    std::string first_address(const std::string& desc) {
        const json::value info = node_->rpc("getdescriptorinfo", json::array{desc});
        const json::value addrs = node_->rpc("deriveaddresses", json::array{info.at("descriptor"), json::array{0, 0}});
        return std::string(addrs.at(0).as_string());
    }
};

}  // namespace

TEST_F(WalletMiniscript, TimelockedPolicySpendsAfterItsDelay) {
    auto funder = funded_wallet("funder");
    auto vault = make_wallet("vault", {"-nosync"});
    const std::string a = private_key_expression(*vault, "7");
    ASSERT_FALSE(a.empty());
    const std::string wsh = "wsh(and_v(v:pk(" + a + "),older(5)))";
    const std::string tr = "tr(" + std::string(kNums) + ",and_v(v:pk(" + a + "),older(5)))";
    for (const std::string& d : {wsh, tr}) ASSERT_FALSE(vault->ok({"import-descriptor", d, "-nosync"}).is_null());
    const std::string to_wsh = first_address(wsh), to_tr = first_address(tr);
    EXPECT_TRUE(to_wsh.starts_with("bcrt1q")) << to_wsh;
    EXPECT_TRUE(to_tr.starts_with("bcrt1p")) << to_tr;

    const Amount each = funds_ / 4;
    ASSERT_FALSE(funder->ok({"sendmany", to_wsh + "=" + btc(each), to_tr + "=" + btc(each), "-feerate=2"}).is_null());
    node_->mine(1, burn_address());
    EXPECT_EQ(vault->balance().confirmed, 2 * each);

    // Both coins are needed to pay this; each satisfaction needs older(5).
    const std::string pay = burn_address() + "=" + btc(each + each / 2);
    node_->mine(3, burn_address());  // 4 confirmations
    ProgramResult early = vault->run({"sendmany", pay, "-feerate=3"});
    EXPECT_NE(early.exit_code, 0);
    EXPECT_NE((early.err + early.out).find("non-BIP68-final"), std::string::npos) << early.err << early.out;

    node_->mine(1, burn_address());  // 5 confirmations
    json::value sent = vault->ok({"sendmany", pay, "-feerate=3"});
    ASSERT_TRUE(sent.is_object());
    const std::string txid(sent.at("txid").as_string());
    EXPECT_TRUE(mempool().count(txid));
    const json::value tx = node_->rpc("getrawtransaction", {json::string(txid), 1});
    EXPECT_EQ(tx.at("version").to_number<int64_t>(), 2);
    const json::array& vin = tx.at("vin").as_array();
    ASSERT_EQ(vin.size(), 2u);
    for (const json::value& in : vin) {
        EXPECT_EQ(in.at("sequence").to_number<int64_t>(), 5);
        // wsh: signature and script; tr: signature, leaf script and control block.
        const size_t items = in.at("txinwitness").as_array().size();
        EXPECT_TRUE(items == 2 || items == 3) << items;
    }
    // The fee rate holds with the real size (estimate from the largest satisfaction).
    const json::value entry = node_->rpc("getmempoolentry", {json::string(txid)});
    const double rate = double(sats(sent.at("fee"))) / double(entry.at("vsize").to_number<int64_t>());
    EXPECT_GE(rate, 3.0);
    EXPECT_LT(rate, 4.0);
    node_->mine(1, burn_address());
    EXPECT_EQ(vault->balance().confirmed, 2 * each - (each + each / 2) - sats(sent.at("fee")));
}
