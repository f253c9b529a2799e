// The wallet end-to-end tests' fixture (wallet_*e2e_tests.cpp, one ctest executable):
// a minicash-wallet run against the suite's minicashd -regtest -blockfilterindex
// -silentpaymentindex (test/util/test_node.h; stopped by its destructor whatever happens).
// Every test makes its own wallets with their birthday at the current height, so tests do
// not depend on each other's coins.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "common/address.h"
#include "test/util/program.h"
#include "test/util/temp_dir.h"
#include "test/util/test_node.h"

namespace minicash::test::wallet_e2e {

namespace json = boost::json;
namespace fs = std::filesystem;

inline Amount sats(const json::value& v) { return Amount(std::llround(v.to_number<double>() * 1e8)); }

inline void write_text(const fs::path& p, const std::string& s) {
    std::ofstream out(p, std::ios::binary);
    out << s;
}

// Blocks mined "to nobody": a P2WPKH of a made-up key hash.
inline std::string burn_address() {
    WitnessV0KeyHashDest d{};
    d.hash.fill(0x42);
    return encode_destination(d, make_chain_params(Network::REGTEST));
}

// "1.50000000"
inline std::string btc(Amount v) {
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

    test::ProgramResult run(const std::vector<std::string>& args, bool json_out = true,
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
        test::ProgramResult r = run(args);
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
        node_->start({"-blockfilterindex=1", "-silentpaymentindex"});
    }
    static void TearDownTestSuite() {
        delete node_;
        node_ = nullptr;
    }
    void SetUp() override {
        tmp_ = std::make_unique<test::TempDir>("wallet-e2e");
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

    static inline TestNode* node_ = nullptr;
    std::unique_ptr<test::TempDir> tmp_;
    fs::path dir_;
    std::map<std::string, std::string> mnemonic_;
    Amount funds_ = 0;
};

}  // namespace minicash::test::wallet_e2e
