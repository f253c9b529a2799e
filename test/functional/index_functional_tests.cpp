// Functional tests of the optional indexes and the RPCs they serve: the real minicashd
// (-regtest, temporary data directory, free ports) with -blockfilterindex and -txindex.
// getblockfilter answers are checked against filters recomputed here from the blocks
// (common/block_filter.h); reorgs, restarts, enabling an index on an existing chain,
// getrawtransaction with and without -txindex, scantxoutset. Daemons are always killed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "common/address.h"
#include "common/block_filter.h"
#include "consensus/block.h"
#include "consensus/params.h"
#include "rpc/server.h"
#include "test/util/op_true.h"
#include "test/util/test_node.h"
#include "test/util/wait_until.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

using test::op_true_address;
using test::op_true_p2sh;
using test::op_true_redeem;

const ChainParams& regtest() {
    static const ChainParams p = make_chain_params(Network::REGTEST);
    return p;
}

// One minicashd (test/util/test_node.h) on a data directory that outlives restarts,
// with this file's checking calls: call() and error() record a test failure instead of
// throwing, so a test goes on to its other checks.
class Node : public test::TestNode {
public:
    Node() : TestNode("index") {}

    json::value call(const std::string& method, const json::value& params = json::array()) {
        json::value r = rpc_reply(method, params);
        if (!r.is_object() || !r.at("error").is_null()) {
            ADD_FAILURE() << method << " " << rpc::write_json(params) << " failed: " << rpc::write_json(r);
            return nullptr;
        }
        return r.at("result");
    }
    std::pair<int64_t, std::string> error(const std::string& method, const json::value& params = json::array()) {
        json::value r = rpc_reply(method, params);
        if (!r.is_object() || !r.at("error").is_object()) return {0, "no error: " + rpc::write_json(r)};
        return {r.at("error").at("code").as_int64(), std::string(r.at("error").at("message").as_string())};
    }

    // Waits until every running index reports synced at the current block count.
    bool wait_indexes_synced() {
        return test::wait_until(
            [&] {
                const json::value height = call("getblockcount");
                const json::value info = call("getindexinfo");
                bool all = info.is_object();
                if (all)
                    for (const auto& kv : info.as_object())
                        all = all && kv.value().at("synced") == true && kv.value().at("best_block_height") == height;
                return all;
            },
            std::chrono::seconds(60));
    }
};

// The secp256k1 generator as a compressed key: a public key anybody can write down.
const std::string kPubkeyG = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const std::string kPayTo = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080";

std::string str(const json::value& v) { return std::string(v.as_string()); }

Amount amount_sats(const json::value& v) {
    const std::optional<std::string> text = rpc::raw_number_text(v);
    if (!text) return -1;
    const size_t dot = text->find('.');
    const std::string whole = text->substr(0, dot);
    std::string frac = dot == std::string::npos ? "" : text->substr(dot + 1);
    frac.resize(8, '0');
    return std::stoll(whole) * 100000000 + std::stoll(frac);
}

Block get_block(Node& n, const std::string& hash) {
    std::optional<Bytes> raw = hex_decode(str(n.call("getblock", json::array{hash, 0})));
    if (!raw) throw std::runtime_error("getblock returned no hex");
    std::optional<Block> b = Block::decode(*raw);
    if (!b) throw std::runtime_error("getblock returned an undecodable block");
    return *b;
}

// Recomputes the filter and header of every active block from getblock data (spent
// scripts come from the outputs of earlier blocks) and compares with getblockfilter.
// Returns the number of blocks checked.
int check_all_filters(Node& n) {
    const int64_t height = n.call("getblockcount").as_int64();
    std::map<OutPoint, Script> outputs;
    uint256 prev_header;
    int checked = 0;
    for (int64_t h = 0; h <= height; ++h) {
        const std::string hash = str(n.call("getblockhash", json::array{h}));
        const Block block = get_block(n, hash);
        std::vector<TxOut> spent;
        for (const Transaction& tx : block.txs) {
            if (tx.is_coinbase()) continue;
            for (const TxIn& in : tx.vin) {
                auto it = outputs.find(in.prevout);
                if (it == outputs.end()) throw std::runtime_error("spent output not found");
                spent.push_back(TxOut{0, it->second});
            }
        }
        for (const Transaction& tx : block.txs) {
            const uint256 txid = tx.txid();
            for (uint32_t i = 0; i < tx.vout.size(); ++i) outputs[OutPoint{txid, i}] = tx.vout[i].script_pubkey;
        }
        const BasicBlockFilter f = BasicBlockFilter::build(block.hash(), basic_filter_elements(block, spent));
        const uint256 header = f.header(prev_header);
        const json::value got = n.call("getblockfilter", json::array{hash});
        EXPECT_EQ(str(got.at("filter")), hex_encode(f.encoded())) << "height " << h;
        EXPECT_EQ(str(got.at("header")), header.to_hex()) << "height " << h;
        // Every output script of the block matches the served filter.
        std::optional<Bytes> served = hex_decode(str(got.at("filter")));
        std::optional<BasicBlockFilter> decoded = BasicBlockFilter::decode(block.hash(), served.value_or(Bytes{}));
        EXPECT_TRUE(decoded);
        for (const Transaction& tx : block.txs) {
            for (const TxOut& o : tx.vout) {
                if (decoded && !o.script_pubkey.empty() && o.script_pubkey[0] != OP_RETURN) {
                    EXPECT_TRUE(decoded->match(o.script_pubkey.bytes()));
                }
            }
        }
        prev_header = header;
        ++checked;
    }
    return checked;
}

// Spends the coinbase of block `height` (paid to op_true_address) to kPayTo; returns the txid.
std::string spend_coinbase(Node& n, int64_t height) {
    const std::string hash = str(n.call("getblockhash", json::array{height}));
    const Block block = get_block(n, hash);
    Transaction tx;
    tx.version = 2;
    TxIn in;
    in.prevout = OutPoint{block.txs[0].txid(), 0};
    in.script_sig.push_data(op_true_redeem().view());
    tx.vin.push_back(in);
    tx.vout.push_back(TxOut{block.txs[0].vout[0].value - 10000, *decode_address(kPayTo, regtest())});
    return str(n.call("sendrawtransaction", json::array{hex_encode(tx.serialize())}));
}

const std::vector<std::string> kIndexes = {"-blockfilterindex=1", "-txindex", "-silentpaymentindex"};

}  // namespace

TEST(IndexFunctional, FiltersTxIndexAndErrors) {
    Node n;
    ASSERT_NO_THROW(n.start(kIndexes));
    n.call("generatetoaddress", json::array{101, op_true_address()});
    const std::string txid = spend_coinbase(n, 1);
    const json::value mined = n.call("generatetoaddress", json::array{1, op_true_address()});
    ASSERT_TRUE(n.wait_indexes_synced());

    const json::value info = n.call("getindexinfo");
    EXPECT_EQ(info.at("txindex").at("best_block_height"), 102);
    EXPECT_EQ(info.at("basic block filter index").at("synced"), true);
    EXPECT_EQ(n.call("getindexinfo", json::array{"txindex"}).as_object().size(), 1u);
    EXPECT_EQ(n.call("getindexinfo", json::array{"nope"}).as_object().size(), 0u);

    EXPECT_EQ(check_all_filters(n), 103);

    const std::string tip(str(mined.as_array()[0]));
    EXPECT_EQ(n.error("getblockfilter", json::array{tip, "extended"}),
              std::make_pair(int64_t(-5), std::string("Unknown filtertype")));
    EXPECT_EQ(n.error("getblockfilter", json::array{std::string(64, '1')}),
              std::make_pair(int64_t(-5), std::string("Block not found")));
    EXPECT_EQ(n.error("getblockfilter", json::array{"xyz"}).first, -8);

    // -silentpaymentindex: no taproot output on this chain, so no tweak data; Core's result shape.
    EXPECT_EQ(info.at("bip352 index").at("best_block_height"), 102);
    const json::value sp = n.call("getsilentpaymentblockdata", json::array{tip});
    ASSERT_TRUE(sp.is_object());
    EXPECT_EQ(sp.at("bip352_tweaks"), json::array());
    EXPECT_EQ(n.error("getsilentpaymentblockdata", json::array{std::string(64, '1')}),
              std::make_pair(int64_t(-5), std::string("Block not found")));
    EXPECT_EQ(n.error("getsilentpaymentblockdata", json::array{"xyz"}).first, -8);

    // -txindex: the mined transaction, in hex and verbose, without naming its block.
    const json::value hex = n.call("getrawtransaction", json::array{txid});
    ASSERT_TRUE(hex.is_string());
    const json::value verbose = n.call("getrawtransaction", json::array{txid, 1});
    EXPECT_EQ(verbose.at("txid"), json::value(txid));
    EXPECT_EQ(verbose.at("hex"), hex);
    EXPECT_EQ(verbose.at("blockhash"), json::value(tip));
    EXPECT_EQ(verbose.at("confirmations"), 1);
    EXPECT_TRUE(verbose.as_object().contains("time"));
    EXPECT_TRUE(verbose.as_object().contains("blocktime"));
    EXPECT_FALSE(verbose.as_object().contains("in_active_chain"));
    // A coinbase too (the genesis coinbase is never served).
    const Block b5 = get_block(n, str(n.call("getblockhash", json::array{5})));
    EXPECT_EQ(n.call("getrawtransaction", json::array{b5.txs[0].txid().to_hex(), 1}).at("confirmations"), 98);
    const Block genesis = get_block(n, str(n.call("getblockhash", json::array{0})));
    EXPECT_EQ(n.error("getrawtransaction", json::array{genesis.txs[0].txid().to_hex()}).first, -5);
    EXPECT_EQ(n.error("getrawtransaction", json::array{std::string(64, '2')}),
              std::make_pair(int64_t(-5), std::string("No such mempool or blockchain transaction. Use "
                                                      "gettransaction for wallet transactions.")));
    EXPECT_EQ(n.stop(), 0);
}

TEST(IndexFunctional, ReorgRestartAndErrorsWithoutIndex) {
    Node n;
    ASSERT_NO_THROW(n.start(kIndexes));
    n.call("generatetoaddress", json::array{110, op_true_address()});
    spend_coinbase(n, 2);
    n.call("generatetoaddress", json::array{1, op_true_address()});
    ASSERT_TRUE(n.wait_indexes_synced());
    const std::string old_tip = str(n.call("getbestblockhash"));
    const json::value old_filter = n.call("getblockfilter", json::array{old_tip});

    // Reorg: the tip is replaced by a block paying elsewhere; its filter is served, the
    // stale block's filter stays available.
    n.call("invalidateblock", json::array{old_tip});
    const json::value other = n.call("generatetodescriptor", json::array{1, "wpkh(" + kPubkeyG + ")"});
    const std::string new_tip = str(other.as_array()[0]);
    ASSERT_NE(new_tip, old_tip);
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(check_all_filters(n), 112);
    EXPECT_EQ(n.call("getblockfilter", json::array{old_tip}), old_filter);
    n.call("reconsiderblock", json::array{old_tip});
    n.call("generatetoaddress", json::array{2, op_true_address()});
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(check_all_filters(n), 114);

    // Restart with the indexes: nothing is lost, indexing continues.
    ASSERT_EQ(n.stop(), 0);
    ASSERT_NO_THROW(n.start(kIndexes));
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(n.call("getindexinfo").at("basic block filter index").at("best_block_height"), 113);
    // Restart without them: the RPCs say so and the data is left alone.
    ASSERT_EQ(n.stop(), 0);
    ASSERT_NO_THROW(n.start());
    EXPECT_EQ(n.call("getindexinfo").as_object().size(), 0u);
    EXPECT_EQ(n.error("getblockfilter", json::array{new_tip}),
              std::make_pair(int64_t(-1), std::string("Index is not enabled for filtertype basic")));
    EXPECT_EQ(n.error("getsilentpaymentblockdata", json::array{new_tip}),
              std::make_pair(int64_t(-1), std::string("Silent payment index is not enabled (-silentpaymentindex)")));
    const Block b3 = get_block(n, str(n.call("getblockhash", json::array{3})));
    const std::string cb3 = b3.txs[0].txid().to_hex();
    EXPECT_EQ(n.error("getrawtransaction", json::array{cb3}),
              std::make_pair(int64_t(-5), std::string("No such mempool transaction. Use -txindex or provide a block "
                                                      "hash to enable blockchain transaction queries. Use "
                                                      "gettransaction for wallet transactions.")));
    // With the block hash it works without -txindex.
    const std::string h3 = str(n.call("getblockhash", json::array{3}));
    const json::value with_hash = n.call("getrawtransaction", json::array{cb3, 1, h3});
    EXPECT_EQ(with_hash.at("in_active_chain"), true);
    EXPECT_EQ(with_hash.at("blockhash"), json::value(h3));
    EXPECT_EQ(n.error("getrawtransaction", json::array{cb3, 0, str(n.call("getblockhash", json::array{4}))}).first, -5);
    n.call("generatetoaddress", json::array{5, op_true_address()});
    // Back with the indexes: they catch up from where they were.
    ASSERT_EQ(n.stop(), 0);
    ASSERT_NO_THROW(n.start(kIndexes));
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(check_all_filters(n), 119);
    EXPECT_EQ(n.call("getrawtransaction", json::array{cb3, 1}).at("blockhash"), json::value(h3));
    EXPECT_EQ(n.stop(), 0);
}

TEST(IndexFunctional, BuiltForAnExistingChainAndSurvivesAKill) {
    Node n;
    ASSERT_NO_THROW(n.start());
    n.call("generatetoaddress", json::array{120, op_true_address()});
    const std::string txid = spend_coinbase(n, 7);
    n.call("generatetoaddress", json::array{1, op_true_address()});
    ASSERT_EQ(n.stop(), 0);
    ASSERT_NO_THROW(n.start(kIndexes));
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(check_all_filters(n), 122);
    EXPECT_EQ(n.call("getrawtransaction", json::array{txid, 1}).at("confirmations"), 1);
    // A kill (no clean shutdown) loses nothing the chain state kept.
    n.call("generatetoaddress", json::array{3, op_true_address()});
    ASSERT_TRUE(n.wait_indexes_synced());
    n.kill_now();
    ASSERT_NO_THROW(n.start(kIndexes));
    ASSERT_TRUE(n.wait_indexes_synced());
    EXPECT_EQ(check_all_filters(n), n.call("getblockcount").as_int64() + 1);
    EXPECT_EQ(n.stop(), 0);
}

TEST(IndexFunctional, ScanTxOutSet) {
    Node n;
    ASSERT_NO_THROW(n.start());
    n.call("generatetoaddress", json::array{101, op_true_address()});
    n.call("generatetodescriptor", json::array{3, "wpkh(" + kPubkeyG + ")"});
    n.call("generatetoaddress", json::array{2, op_true_address()});
    spend_coinbase(n, 1);
    n.call("generatetoaddress", json::array{1, op_true_address()});
    const int64_t height = n.call("getblockcount").as_int64();
    ASSERT_EQ(height, 107);

    EXPECT_TRUE(n.call("scantxoutset", json::array{"status"}).is_null());
    EXPECT_EQ(n.call("scantxoutset", json::array{"abort"}), false);
    EXPECT_EQ(n.error("scantxoutset", json::array{"start"}),
              std::make_pair(int64_t(-1), std::string("scanobjects argument is required for the start action")));
    EXPECT_EQ(n.error("scantxoutset", json::array{"go"}),
              std::make_pair(int64_t(-8), std::string("Invalid action 'go'")));
    EXPECT_EQ(n.error("scantxoutset", json::array{"start", json::array{"nonsense("}}).first, -5);
    EXPECT_EQ(
        n.error("scantxoutset",
                json::array{"start", json::array{json::object{{"desc", "raw(51)"}, {"range", json::array{2, 1}}}}}),
        std::make_pair(int64_t(-8), std::string("Range specified as [begin,end] must not have begin after end")));
    EXPECT_EQ(n.error("scantxoutset", json::array{"start", json::array{1}}),
              std::make_pair(int64_t(-8), std::string("Scan object needs to be either a string or an object")));

    // wpkh(G) (kPayTo is its address): the three coinbases and the spend of block 1's
    // coinbase, with their heights, blocks and confirmations.
    const json::value r = n.call("scantxoutset", json::array{"start", json::array{"wpkh(" + kPubkeyG + ")"}});
    EXPECT_EQ(r.at("success"), true);
    EXPECT_EQ(r.at("height"), height);
    EXPECT_EQ(r.at("bestblock"), n.call("getbestblockhash"));
    const json::array& u = r.at("unspents").as_array();
    ASSERT_EQ(u.size(), 4u);
    Amount sum = 0;
    int coinbases = 0;
    for (const json::value& e : u) {
        const int64_t h = e.at("height").as_int64();
        EXPECT_TRUE((h >= 102 && h <= 104) || h == 107) << h;
        EXPECT_EQ(e.at("blockhash"), n.call("getblockhash", json::array{h}));
        EXPECT_EQ(e.at("confirmations"), height - h + 1);
        EXPECT_EQ(e.at("coinbase"), h != 107);
        EXPECT_EQ(e.at("vout"), 0);
        EXPECT_EQ(e.at("scriptPubKey"), json::value("0014" + hex_encode(hash160(*hex_decode(kPubkeyG)))));
        EXPECT_TRUE(str(e.at("desc")).starts_with("wpkh([")) << str(e.at("desc"));
        EXPECT_NE(str(e.at("desc")).find(kPubkeyG), std::string::npos);
        const Block b = get_block(n, str(e.at("blockhash")));
        const Transaction& tx = b.txs[h == 107 ? 1 : 0];
        EXPECT_EQ(e.at("txid"), json::value(tx.txid().to_hex()));
        EXPECT_EQ(amount_sats(e.at("amount")), tx.vout[0].value);
        sum += amount_sats(e.at("amount"));
        coinbases += h != 107;
    }
    EXPECT_EQ(coinbases, 3);
    EXPECT_EQ(amount_sats(r.at("total_amount")), sum);

    // addr(): every unspent coinbase paid to the anyone-can-spend address (block 1's
    // was spent), plus the objects form with a range on a non-ranged descriptor.
    const json::value a = n.call(
        "scantxoutset",
        json::array{"start", json::array{json::object{{"desc", "addr(" + op_true_address() + ")"}, {"range", 5}}}});
    const json::array& ua = a.at("unspents").as_array();
    EXPECT_EQ(ua.size(), size_t(height - 3 - 1));
    Amount total = 0;
    for (const json::value& e : ua) {
        EXPECT_TRUE(str(e.at("desc")).starts_with("addr(" + op_true_address() + ")#"));
        EXPECT_NE(e.at("height"), 1);
        total += amount_sats(e.at("amount"));
    }
    EXPECT_EQ(amount_sats(a.at("total_amount")), total);
    // Several objects at once (kPayTo's script is wpkh(G)'s: counted once); txouts
    // counts the whole set.
    const json::value both =
        n.call("scantxoutset", json::array{"start", json::array{"addr(" + op_true_address() + ")",
                                                                "wpkh(" + kPubkeyG + ")", "addr(" + kPayTo + ")"}});
    EXPECT_EQ(both.at("unspents").as_array().size(), ua.size() + 4);
    EXPECT_GE(both.at("txouts").as_int64(), int64_t(ua.size() + 4));
    EXPECT_EQ(amount_sats(both.at("total_amount")), total + sum);
    EXPECT_EQ(n.stop(), 0);
}
