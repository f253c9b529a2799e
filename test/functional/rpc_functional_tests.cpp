// Functional tests: the real minicashd (-regtest, temporary data directory, a free port)
// driven over HTTP and through minicash-cli (test/util/test_node.h: always stopped).
//
// One daemon serves the whole suite (started in SetUpTestSuite); tests that change the
// chain build on what earlier tests mined, so they run in declaration order and do not
// depend on exact heights beyond what they create themselves.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/address.h"
#include "consensus/params.h"
#include "consensus/transaction.h"
#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"
#include "test/util/free_port.h"
#include "test/util/op_true.h"
#include "test/util/program.h"
#include "test/util/test_node.h"
#include "util/arith_uint256.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

const ChainParams& regtest() {
    static const ChainParams p = make_chain_params(Network::REGTEST);
    return p;
}

using test::op_true_address;
using test::op_true_p2sh;
using test::op_true_redeem;

class RpcFunctional : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        daemon_ = new test::TestNode("rpc-functional");
        try {
            daemon_->start();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "daemon not ready: %s\n", e.what());
            return;
        }
        // The server answers the way scripts wait for it: minicash-cli -rpcwait.
        const test::ProgramResult r = daemon_->cli({"-rpcwait", "-rpcwaittimeout=60", "getblockcount"});
        ready_ = r.exit_code == 0 && r.out == "0\n";
        if (!ready_) {
            std::fprintf(stderr, "daemon not ready: %s %s\n%s\n", r.out.c_str(), r.err.c_str(), daemon_->log().c_str());
            return;
        }
        // Every test (ctest runs each in its own process) starts from 101 blocks whose
        // coinbases pay the anyone-can-spend P2SH address: the first one is mature.
        setup_hashes_ = new json::value(call("generatetoaddress", json::array{101, op_true_address()}));
    }
    static void TearDownTestSuite() {
        delete setup_hashes_;
        setup_hashes_ = nullptr;
        delete daemon_;
        daemon_ = nullptr;
    }
    void SetUp() override {
        if (!ready_) GTEST_FAIL() << "the daemon did not start";
        if (!daemon_->running()) GTEST_SKIP() << "the daemon was stopped by an earlier test";
    }

    static std::string cookie() { return rpc::read_cookie_file(daemon_->cookie_path()).value_or(""); }

    // A raw HTTP exchange with the cookie credentials.
    static rpc::HttpReply post(const std::string& body) {
        rpc::HttpRpcClient c("127.0.0.1", daemon_->rpc_port(), cookie());
        return c.post(body);
    }
    // One call; returns the reply document (result or error), keeping number text.
    static json::value call_raw(const std::string& method, const json::value& params = json::array()) {
        json::object req;
        req["method"] = method;
        req["params"] = params;
        req["id"] = 1;
        const rpc::HttpReply r = post(rpc::write_json(req));
        boost::system::error_code ec;
        json::value v = rpc::parse_json_preserving(r.body, ec);
        EXPECT_FALSE(ec) << r.body;
        return v;
    }
    static json::value call(const std::string& method, const json::value& params = json::array()) {
        json::value reply = call_raw(method, params);
        if (!reply.is_object() || !reply.at("error").is_null()) {
            ADD_FAILURE() << method << " failed: " << rpc::write_json(reply);
            return nullptr;
        }
        return reply.at("result");
    }
    static std::pair<int64_t, std::string> call_error(const std::string& method,
                                                      const json::value& params = json::array()) {
        json::value reply = call_raw(method, params);
        const json::value& e = reply.at("error");
        if (!e.is_object()) return {0, "no error"};
        return {e.at("code").as_int64(), std::string(e.at("message").as_string())};
    }

    static test::TestNode* daemon_;
    static bool ready_;
    static json::value* setup_hashes_;
};
test::TestNode* RpcFunctional::daemon_ = nullptr;
bool RpcFunctional::ready_ = false;
json::value* RpcFunctional::setup_hashes_ = nullptr;

const std::string kPayTo = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

std::string spend_hex(const uint256& txid, uint32_t vout, Amount value) {
    Transaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint{txid, vout};
    in.script_sig.push_data(op_true_redeem().view());
    in.sequence = 0xfffffffd;
    tx.vin.push_back(in);
    tx.vout.push_back(TxOut{value, *decode_address(kPayTo, regtest())});
    return hex_encode(tx.serialize());
}

// A spend of (txid, vout) paying `value` back to the anyone-can-spend P2SH.
Transaction op_true_spend(const uint256& txid, uint32_t vout, Amount value) {
    Transaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint{txid, vout};
    in.script_sig.push_data(op_true_redeem().view());
    in.sequence = 0xfffffffd;
    tx.vin.push_back(in);
    tx.vout.push_back(TxOut{value, op_true_p2sh()});
    return tx;
}

}  // namespace

TEST_F(RpcFunctional, MineAndReadTheChain) {
    // generatetoaddress 101 ran in SetUpTestSuite: one hash per block, the last is the tip.
    ASSERT_TRUE(setup_hashes_ && setup_hashes_->is_array());
    const json::array& hashes = setup_hashes_->as_array();
    ASSERT_EQ(hashes.size(), 101u);
    EXPECT_EQ(call("getblockhash", json::array{1}), hashes.front());
    EXPECT_EQ(call("getblockhash", json::array{101}), hashes.back());
    if (call("getblockcount") != 101) GTEST_SKIP() << "earlier tests extended the chain";
    EXPECT_EQ(call("getbestblockhash"), hashes.back());
    json::value info = call("getblockchaininfo");
    ASSERT_TRUE(info.is_object());
    EXPECT_EQ(info.at("chain"), "regtest");
    EXPECT_EQ(info.at("blocks"), 101);
    EXPECT_EQ(info.at("headers"), 101);
    EXPECT_EQ(info.at("bestblockhash"), hashes.back());
    EXPECT_EQ(info.at("initialblockdownload"), false);
    EXPECT_EQ(info.at("pruned"), false);
    EXPECT_EQ(rpc::raw_number_text(info.at("difficulty")), "4.656542373906925e-10");
    EXPECT_TRUE(info.at("warnings").is_array());
    for (const char* k : {"time", "mediantime", "size_on_disk", "verificationprogress", "chainwork", "bits", "target"})
        EXPECT_TRUE(info.as_object().contains(k)) << k;
    EXPECT_EQ(call_error("getblockhash", json::array{102}),
              std::make_pair(int64_t(-8), std::string("Block height out of range")));

    json::value tips = call("getchaintips");
    ASSERT_EQ(tips.as_array().size(), 1u);
    EXPECT_EQ(tips.as_array()[0].at("status"), "active");
    EXPECT_EQ(tips.as_array()[0].at("branchlen"), 0);
}

TEST_F(RpcFunctional, GetBlockVerbosities) {
    const std::string hash(call("getblockhash", json::array{1}).as_string());
    const std::string hex(call("getblock", json::array{hash, 0}).as_string());
    auto bytes = hex_decode(hex);
    ASSERT_TRUE(bytes);
    auto block = Block::decode(*bytes);
    ASSERT_TRUE(block);
    EXPECT_EQ(block->hash().to_hex(), hash);

    json::value v1 = call("getblock", json::array{hash});
    EXPECT_EQ(v1.at("hash"), json::value(hash));
    EXPECT_EQ(v1.at("height"), 1);
    EXPECT_EQ(v1.at("confirmations"), 101);
    EXPECT_EQ(v1.at("nTx"), 1);
    EXPECT_EQ(v1.at("versionHex"), "20000000");
    EXPECT_TRUE(v1.at("tx").as_array()[0].is_string());
    EXPECT_EQ(v1.at("previousblockhash"), call("getblockhash", json::array{0}));
    EXPECT_EQ(v1.at("nextblockhash"), call("getblockhash", json::array{2}));
    EXPECT_EQ(v1.at("size"), int64_t(bytes->size()));
    // "verbose": false is verbosity 0, as Core.
    EXPECT_EQ(call("getblock", json::array{hash, false}), json::value(hex));

    json::value v2 = call("getblock", json::array{hash, 2});
    const json::value& cb = v2.at("tx").as_array()[0];
    EXPECT_TRUE(cb.at("vin").as_array()[0].as_object().contains("coinbase"));
    EXPECT_EQ(rpc::raw_number_text(cb.at("vout").as_array()[0].at("value")), "50.00000000");
    EXPECT_EQ(cb.at("vout").as_array()[0].at("scriptPubKey").at("type"), "scripthash");
    EXPECT_EQ(cb.at("vout").as_array()[0].at("scriptPubKey").at("address"), json::value(op_true_address()));
    EXPECT_EQ(cb.at("vout").as_array()[1].at("scriptPubKey").at("type"), "nulldata");  // witness commitment
    EXPECT_FALSE(cb.as_object().contains("fee"));                                      // the coinbase has none
    json::value v3 = call("getblock", json::array{hash, 3});
    EXPECT_EQ(v3.at("tx").as_array()[0].at("txid"), cb.at("txid"));

    json::value header = call("getblockheader", json::array{hash});
    EXPECT_EQ(header.at("hash"), json::value(hash));
    EXPECT_FALSE(header.as_object().contains("tx"));
    EXPECT_EQ(call("getblockheader", json::array{hash, false}), json::value(hex.substr(0, 160)));
    EXPECT_EQ(call_error("getblock", json::array{std::string(64, '0')}).second, "Block not found");
    EXPECT_EQ(call_error("getblock", json::array{"xyz"}),
              std::make_pair(int64_t(-8), std::string("blockhash must be of length 64 (not 3, for 'xyz')")));
}

TEST_F(RpcFunctional, UtxoSetInfo) {
    const int height = int(call("getblockcount").as_int64());
    json::object req;
    req["method"] = "gettxoutsetinfo";
    req["id"] = 1;
    const rpc::HttpReply r = post(rpc::write_json(req));
    ASSERT_EQ(r.status, 200);
    json::value v = json::parse(r.body).at("result");
    EXPECT_EQ(v.at("height"), height);
    EXPECT_EQ(v.at("bestblock"), call("getbestblockhash"));
    EXPECT_EQ(v.at("hash_serialized_3").as_string().size(), 64u);
    EXPECT_TRUE(v.as_object().contains("disk_size"));
    const int64_t txouts = v.at("txouts").as_int64();
    EXPECT_GE(txouts, height);  // at least one spendable output per coinbase
    EXPECT_GE(v.at("transactions").as_int64(), height);
    EXPECT_GE(v.at("bogosize").as_int64(), txouts * 50);
    if (height == 101) {
        // The suite's own chain: 101 coinbases paying 50 BTC to a 23-byte P2SH script.
        EXPECT_EQ(txouts, 101);
        EXPECT_EQ(v.at("bogosize"), 101 * (50 + 23));
        EXPECT_NE(r.body.find("\"total_amount\":5050.00000000,"), std::string::npos) << r.body;
    }
    // Amounts are written like Core: exactly eight decimals.
    const size_t at = r.body.find("\"total_amount\":");
    ASSERT_NE(at, std::string::npos);
    const size_t dot = r.body.find('.', at);
    EXPECT_EQ(r.body.find_first_not_of("0123456789", dot + 1), dot + 9) << r.body;
}

TEST_F(RpcFunctional, SubmitBlockReasons) {
    // A valid block from generateblock (not submitted), then damaged copies.
    json::value made = call("generateblock", json::array{kPayTo, json::array(), false});
    ASSERT_TRUE(made.is_object());
    const std::string hex(made.at("hex").as_string());
    Block block = *Block::decode(*hex_decode(hex));

    Block bad_merkle = block;
    bad_merkle.txs[0].vout[0].value -= 1;  // the header no longer commits to the coinbase
    EXPECT_EQ(call("submitblock", json::array{hex_encode(bad_merkle.serialize())}), "bad-txnmrklroot");

    Block bad_pow = block;
    bad_pow.header.bits = 0x1d00ffff;  // a target the hash cannot meet
    EXPECT_EQ(call("submitblock", json::array{hex_encode(bad_pow.serialize())}), "high-hash");

    Block bad_cb = block;
    bad_cb.txs[0].vout[0].value += 1;  // pays more than the subsidy
    bad_cb.header.merkle_root = *uint256::from_hex(std::string(64, '0'));
    {
        // Recompute the merkle root and grind a valid nonce (regtest: about two tries).
        std::vector<uint256> ids;
        for (const Transaction& tx : bad_cb.txs) ids.push_back(tx.txid());
        bad_cb.header.merkle_root = ids[0];  // one transaction: the root is its txid
        while (arith_uint256::from_uint256(bad_cb.header.hash()) > arith_uint256::from_compact(bad_cb.header.bits))
            ++bad_cb.header.nonce;
    }
    EXPECT_EQ(call("submitblock", json::array{hex_encode(bad_cb.serialize())}), "bad-cb-amount");
    EXPECT_EQ(call("submitblock", json::array{hex_encode(bad_cb.serialize())}), "duplicate-invalid");

    EXPECT_TRUE(call("submitblock", json::array{hex}).is_null());
    EXPECT_EQ(call("getbestblockhash"), made.at("hash"));
    EXPECT_EQ(call("submitblock", json::array{hex}), "duplicate");
    EXPECT_EQ(call_error("submitblock", json::array{"00"}).first, -22);
}

TEST_F(RpcFunctional, PackagesAndClusters) {
    const std::string hash1(call("getblockhash", json::array{1}).as_string());
    const uint256 cb =
        *uint256::from_hex(std::string(call("getblock", json::array{hash1}).at("tx").as_array()[0].as_string()));
    const Transaction parent = op_true_spend(cb, 0, 50 * kCoin);  // pays no fee
    const Transaction child = op_true_spend(parent.txid(), 0, 50 * kCoin - 20000);
    const std::string parent_hex = hex_encode(parent.serialize()), child_hex = hex_encode(child.serialize());

    const auto alone = call_error("sendrawtransaction", json::array{parent_hex});
    EXPECT_EQ(alone.first, -26);
    EXPECT_EQ(alone.second.rfind("min relay fee not met", 0), 0u) << alone.second;

    // Bad packages: Core's errors, nothing submitted.
    EXPECT_EQ(call_error("submitpackage", json::array{json::array{}}),
              std::make_pair(int64_t(-8), std::string("Array must contain between 1 and 25 transactions.")));
    EXPECT_EQ(call_error("submitpackage", json::array{json::array{"zz"}}),
              std::make_pair(int64_t(-22),
                             std::string("TX decode failed for tx 0. Make sure the tx has at least one input.")));
    EXPECT_EQ(call_error("submitpackage", json::array{json::array{child_hex, parent_hex}}),
              std::make_pair(int64_t(-25), std::string("package topology disallowed. not child-with-parents or "
                                                       "parents depend on each other.")));
    EXPECT_EQ(call("getmempoolinfo").at("size"), 0);

    const json::value r = call("submitpackage", json::array{json::array{parent_hex, child_hex}});
    EXPECT_EQ(r.at("package_msg"), "success") << rpc::write_json(r);
    const json::object& results = r.at("tx-results").as_object();
    ASSERT_EQ(results.size(), 2u);
    const json::value& cr = results.at(child.wtxid().to_hex());
    EXPECT_EQ(cr.at("txid"), json::value(child.txid().to_hex()));
    EXPECT_EQ(rpc::raw_number_text(cr.at("fees").at("base")), "0.00020000");
    EXPECT_EQ(cr.at("fees").at("effective-includes").as_array().size(), 2u);
    EXPECT_TRUE(r.at("replaced-transactions").as_array().empty());

    const json::value cluster = call("getmempoolcluster", json::array{child.txid().to_hex()});
    EXPECT_EQ(cluster.at("txcount"), 2);
    ASSERT_EQ(cluster.at("chunks").as_array().size(), 1u);
    const json::value& chunk = cluster.at("chunks").as_array()[0];
    EXPECT_EQ(rpc::raw_number_text(chunk.at("chunkfee")), "0.00020000");
    EXPECT_EQ(chunk.at("txs"), (json::array{json::value(parent.txid().to_hex()), json::value(child.txid().to_hex())}));
    EXPECT_EQ(chunk.at("chunkweight"), cluster.at("clusterweight"));
    const json::value entry = call("getmempoolentry", json::array{parent.txid().to_hex()});
    EXPECT_EQ(entry.at("chunkweight"), cluster.at("clusterweight"));
    EXPECT_EQ(rpc::raw_number_text(entry.at("fees").at("chunk")), "0.00020000");
    const json::value info = call("getmempoolinfo");
    EXPECT_EQ(info.at("limitclustercount"), 64);
    EXPECT_EQ(info.at("limitclustersize"), 101000);
    EXPECT_EQ(info.at("optimal"), true);
    const json::value diagram = call("getmempoolfeeratediagram");
    ASSERT_EQ(diagram.as_array().size(), 2u);
    EXPECT_EQ(diagram.as_array()[1].at("weight"), cluster.at("clusterweight"));
    EXPECT_EQ(call_error("getmempoolcluster", json::array{std::string(64, 'c')}),
              std::make_pair(int64_t(-5), std::string("Transaction not in mempool")));
    // Mined by chunk: both in the template, the parent first.
    json::object rules;
    rules["rules"] = json::array{"segwit"};
    const json::value tpl = call("getblocktemplate", json::array{rules});
    ASSERT_EQ(tpl.at("transactions").as_array().size(), 2u);
    EXPECT_EQ(tpl.at("transactions").as_array()[0].at("txid"), json::value(parent.txid().to_hex()));
}

TEST_F(RpcFunctional, MempoolRoundTrip) {
    const std::string hash1(call("getblockhash", json::array{1}).as_string());
    const std::string cb_txid(call("getblock", json::array{hash1}).at("tx").as_array()[0].as_string());
    const uint256 txid = *uint256::from_hex(cb_txid);
    const std::string tx_hex = spend_hex(txid, 0, 50 * kCoin - 100000);

    json::value accept = call("testmempoolaccept", json::array{json::array{tx_hex}});
    ASSERT_TRUE(accept.is_array());
    EXPECT_EQ(accept.as_array()[0].at("allowed"), true) << rpc::write_json(accept);
    EXPECT_EQ(rpc::raw_number_text(accept.as_array()[0].at("fees").at("base")), "0.00100000");

    // maxfeerate: 0.001 BTC fee on ~100 vB is far above 0.0001 BTC/kvB.
    EXPECT_EQ(call_error("sendrawtransaction", json::array{tx_hex, 0.0001}).first, -25);
    const json::value sent = call("sendrawtransaction", json::array{tx_hex});
    ASSERT_TRUE(sent.is_string());
    const std::string spent_txid(sent.as_string());
    EXPECT_EQ(call("sendrawtransaction", json::array{tx_hex}), json::value(spent_txid));  // already there: fine

    json::value pool = call("getrawmempool");
    ASSERT_EQ(pool.as_array().size(), 1u);
    EXPECT_EQ(pool.as_array()[0], json::value(spent_txid));
    json::value entry = call("getmempoolentry", json::array{spent_txid});
    EXPECT_EQ(rpc::raw_number_text(entry.at("fees").at("base")), "0.00100000");
    EXPECT_TRUE(call("getrawmempool", json::array{true}).as_object().contains(spent_txid));
    EXPECT_EQ(call("getmempoolinfo").at("size"), 1);
    EXPECT_EQ(call("getrawtransaction", json::array{spent_txid}), json::value(tx_hex));
    EXPECT_EQ(call("getrawtransaction", json::array{spent_txid, 1}).at("txid"), json::value(spent_txid));
    EXPECT_TRUE(call("gettxout", json::array{cb_txid, 0}).is_null());                // spent in the mempool
    EXPECT_FALSE(call("gettxout", json::array{cb_txid, 0, false}).is_null());        // still in the UTXO set
    EXPECT_EQ(call("gettxout", json::array{spent_txid, 0}).at("confirmations"), 0);  // mempool output

    // A template carries it with its fee; mining confirms it.
    json::object rules;
    rules["rules"] = json::array{"segwit"};
    json::value tpl = call("getblocktemplate", json::array{rules});
    ASSERT_EQ(tpl.at("transactions").as_array().size(), 1u);
    EXPECT_EQ(tpl.at("transactions").as_array()[0].at("fee"), 100000);
    EXPECT_EQ(tpl.at("coinbasevalue"), 50 * kCoin + 100000);
    EXPECT_TRUE(tpl.as_object().contains("default_witness_commitment"));
    EXPECT_EQ(call_error("getblocktemplate").first, -8);  // segwit rule missing

    const json::value mined = call("generatetoaddress", json::array{1, kPayTo});
    EXPECT_EQ(call("getrawmempool").as_array().size(), 0u);
    json::value block = call("getblock", json::array{mined.as_array()[0], 2});
    ASSERT_EQ(block.at("tx").as_array().size(), 2u);
    const json::value& tx = block.at("tx").as_array()[1];
    EXPECT_EQ(tx.at("txid"), json::value(spent_txid));
    EXPECT_EQ(rpc::raw_number_text(tx.at("fee")), "0.00100000");  // from the undo data
    json::value block3 = call("getblock", json::array{mined.as_array()[0], 3});
    EXPECT_EQ(block3.at("tx").as_array()[1].at("vin").as_array()[0].at("prevout").at("generated"), true);

    EXPECT_EQ(call_error("sendrawtransaction", json::array{tx_hex}),
              std::make_pair(int64_t(-27), std::string("Transaction outputs already in utxo set")));
    const std::string orphan = spend_hex(*uint256::from_hex(std::string(64, 'a')), 0, kCoin);
    EXPECT_EQ(call_error("sendrawtransaction", json::array{orphan}),
              std::make_pair(int64_t(-25), std::string("bad-txns-inputs-missingorspent")));
    EXPECT_EQ(call("testmempoolaccept", json::array{json::array{orphan}}).as_array()[0].at("reject-reason"),
              "missing-inputs");
    EXPECT_EQ(call_error("sendrawtransaction", json::array{"zz"}).first, -22);
    EXPECT_EQ(call_error("getrawtransaction", json::array{std::string(64, 'b')}).second,
              "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain "
              "transaction queries. Use gettransaction for wallet transactions.");
    EXPECT_EQ(call("getrawtransaction", json::array{spent_txid, 1, mined.as_array()[0]}).at("in_active_chain"), true);
    json::value detailed = call("getrawtransaction", json::array{spent_txid, 2, mined.as_array()[0]});
    EXPECT_EQ(rpc::raw_number_text(detailed.at("fee")), "0.00100000");
    EXPECT_EQ(detailed.at("vin").as_array()[0].at("prevout").at("height"), 1);
    EXPECT_EQ(detailed.at("confirmations"), 1);
    EXPECT_EQ(detailed.at("blockhash"), mined.as_array()[0]);

    json::value fee = call("estimatesmartfee", json::array{6});
    EXPECT_TRUE(fee.as_object().contains("blocks"));
}

TEST_F(RpcFunctional, DecodeCommands) {
    json::value d = call("decodescript", json::array{"76a914751e76e8199196d454941c45d1b3a323f1433bd688ac"});
    EXPECT_EQ(d.at("type"), "pubkeyhash");
    EXPECT_EQ(d.at("asm"), "OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG");
    EXPECT_TRUE(d.as_object().contains("p2sh"));
    EXPECT_EQ(d.at("segwit").at("type"), "witness_v0_keyhash");
    EXPECT_EQ(d.at("segwit").at("address"), json::value(kPayTo));
    const std::string hash1(call("getblockhash", json::array{1}).as_string());
    const std::string cb_hex(call("getblock", json::array{hash1, 2}).at("tx").as_array()[0].at("hex").as_string());
    json::value tx = call("decoderawtransaction", json::array{cb_hex});
    EXPECT_EQ(tx.at("vin").as_array().size(), 1u);
    EXPECT_FALSE(tx.as_object().contains("hex"));
    EXPECT_EQ(call_error("decoderawtransaction", json::array{"00"}),
              std::make_pair(int64_t(-22), std::string("TX decode failed")));
}

TEST_F(RpcFunctional, ProtocolErrors) {
    // Non-JSON body.
    rpc::HttpReply r = post("this is not json");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(json::parse(r.body).at("error").at("code"), -32700);
    // Wrong parameter type.
    auto [code, message] = call_error("getblockhash", json::array{"one"});
    EXPECT_EQ(code, -3);
    EXPECT_TRUE(message.starts_with("Wrong type passed:")) << message;
    // Unknown method: HTTP 404 for a JSON-RPC 1.0 request, 200 for 2.0.
    r = post(R"({"method":"nosuchmethod","id":1})");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(json::parse(r.body).at("error").at("code"), -32601);
    r = post(R"({"jsonrpc":"2.0","method":"nosuchmethod","id":1})");
    EXPECT_EQ(r.status, 200);
    // Batch.
    r = post(R"([{"method":"getblockcount","id":1},{"method":"getbestblockhash","id":2},{"method":"nope","id":3}])");
    ASSERT_EQ(r.status, 200);
    json::value batch = json::parse(r.body);
    ASSERT_EQ(batch.as_array().size(), 3u);
    EXPECT_EQ(batch.as_array()[0].at("result"), call("getblockcount"));
    EXPECT_EQ(batch.as_array()[1].at("id"), 2);
    EXPECT_EQ(batch.as_array()[2].at("error").at("code"), -32601);
    // Named parameters.
    r = post(R"({"method":"getblockhash","params":{"height":0},"id":1})");
    EXPECT_EQ(json::parse(r.body).at("result"), json::value(regtest().genesis.hash().to_hex()));
    // Only POST.
    rpc::HttpRpcClient c("127.0.0.1", daemon_->rpc_port(), cookie());
    EXPECT_EQ(c.request("GET", "/", "").status, 405);
    EXPECT_EQ(c.request("POST", "/elsewhere", "{}").status, 404);
    // Too large a body.
    const std::string huge(33u << 20, ' ');
    rpc::HttpRpcClient c2("127.0.0.1", daemon_->rpc_port(), cookie());
    try {
        EXPECT_EQ(c2.post(huge).status, 413);
    } catch (const rpc::ConnectionError&) {
        // The server may close before the client finished sending: also a refusal.
    }
    EXPECT_EQ(call("getblockcount").is_int64(), true);  // still alive
}

TEST_F(RpcFunctional, WrongCredentialsAreRefused) {
    rpc::HttpRpcClient bad("127.0.0.1", daemon_->rpc_port(), "__cookie__:wrong");
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(bad.post(R"({"method":"getblockcount","id":1})").status, 401);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));  // brute-force delay
    rpc::HttpRpcClient none("127.0.0.1", daemon_->rpc_port(), "");
    EXPECT_EQ(none.post(R"({"method":"getblockcount","id":1})").status, 401);
    const test::ProgramResult r = daemon_->cli({"-rpcuser=x", "-rpcpassword=y", "getblockcount"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "error: Authorization failed: Incorrect rpcuser or rpcpassword\n");
    // The cookie is private to the node's user.
    struct stat st {};
    ASSERT_EQ(::stat(daemon_->cookie_path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(RpcFunctional, CliHabits) {
    test::ProgramResult r = daemon_->cli({"getblockhash", "0"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, regtest().genesis.hash().to_hex() + "\n");
    r = daemon_->cli({"-named", "getblockhash", "height=0"});
    EXPECT_EQ(r.out, regtest().genesis.hash().to_hex() + "\n");
    r = daemon_->cli({"-stdin", "getblockhash"}, "0\n");
    EXPECT_EQ(r.out, regtest().genesis.hash().to_hex() + "\n");
    r = daemon_->cli({"getblockhash", "100000"});
    EXPECT_EQ(r.exit_code, 8);  // |error code|, as bitcoin-cli
    EXPECT_EQ(r.err, "error code: -8\nerror message:\nBlock height out of range\n");
    r = daemon_->cli({"getblock", call("getbestblockhash").as_string().c_str(), "1"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.out.starts_with("{\n  \"hash\": ")) << r.out;
    r = daemon_->cli({"gettxoutsetinfo"});
    EXPECT_NE(r.out.find(".00000000,\n"), std::string::npos) << r.out;  // amounts keep 8 decimals
    r = daemon_->cli({"-getinfo"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.out.starts_with("Chain: regtest\nBlocks: ")) << r.out;
    r = daemon_->cli({"getblockhash", "notanumber"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.err, "error: Error parsing JSON: notanumber\n");

    // Nothing listening: Core's message and exit code 1.
    const uint16_t closed = test::free_port();
    r = test::run_program({test::program_path("minicash-cli"), "-regtest", "-datadir=" + daemon_->dir().string(),
                           "-rpcport=" + std::to_string(closed), "getblockcount"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.err.starts_with("error: timeout on transient error: Could not connect to the server 127.0.0.1:" +
                                  std::to_string(closed)))
        << r.err;
}

TEST_F(RpcFunctional, HelpListsEveryCommand) {
    const std::string all(call("help").as_string());
    for (const char* name : {"getblockchaininfo",
                             "getblockcount",
                             "getbestblockhash",
                             "getblockhash",
                             "getblockheader",
                             "getblock",
                             "getchaintips",
                             "getdifficulty",
                             "gettxout",
                             "gettxoutsetinfo",
                             "getrawtransaction",
                             "decoderawtransaction",
                             "decodescript",
                             "sendrawtransaction",
                             "testmempoolaccept",
                             "getmempoolinfo",
                             "getrawmempool",
                             "getmempoolentry",
                             "estimatesmartfee",
                             "uptime",
                             "help",
                             "stop",
                             "generatetoaddress",
                             "generatetodescriptor",
                             "generateblock",
                             "getblocktemplate",
                             "submitblock",
                             "prioritisetransaction",
                             "getmininginfo",
                             "getnetworkhashps"}) {
        EXPECT_NE(all.find("\n" + std::string(name)), std::string::npos) << name;
        const std::string one(call("help", json::array{name}).as_string());
        EXPECT_TRUE(one.starts_with(name)) << one;
    }
    // Every listed line names a command that has its own help.
    size_t pos = 0;
    while (pos < all.size()) {
        size_t end = all.find('\n', pos);
        if (end == std::string::npos) end = all.size();
        const std::string line = all.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line.starts_with("==")) continue;
        const std::string name = line.substr(0, line.find(' '));
        const std::string one(call("help", json::array{name}).as_string());
        EXPECT_TRUE(one.starts_with(name)) << name;
    }
}

TEST_F(RpcFunctional, MiningInfoAndDescriptors) {
    json::value mi = call("getmininginfo");
    EXPECT_EQ(mi.at("chain"), "regtest");
    EXPECT_EQ(mi.at("blocks"), call("getblockcount"));
    EXPECT_TRUE(call("getnetworkhashps").is_number() || rpc::raw_number_text(call("getnetworkhashps")));
    const int64_t h = call("getblockcount").as_int64();
    json::value got = call("generatetodescriptor", json::array{2, "addr(" + kPayTo + ")"});
    EXPECT_EQ(got.as_array().size(), 2u);
    EXPECT_EQ(call("getblockcount"), h + 2);
    EXPECT_EQ(call_error("generatetoaddress", json::array{1, "notanaddress"}).first, -5);
    EXPECT_GE(call("uptime").as_int64(), 0);
    EXPECT_EQ(call("prioritisetransaction", json::array{std::string(64, 'c'), 0, 1000}), true);
}

// Last: stop shuts the node down cleanly and removes the cookie.
TEST_F(RpcFunctional, StopShutsDownCleanly) {
    ASSERT_TRUE(fs::exists(daemon_->cookie_path()));
    const test::ProgramResult r = daemon_->cli({"stop"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "minicash server stopping\n");
    EXPECT_EQ(daemon_->wait_exit(std::chrono::seconds(60)), 0);
    EXPECT_FALSE(fs::exists(daemon_->cookie_path()));
    EXPECT_NE(daemon_->log().find("shutdown complete"), std::string::npos);
}
