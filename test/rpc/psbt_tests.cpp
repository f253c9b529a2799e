// The PSBT commands, the mempool queries and estimaterawfee over an in-process regtest
// chain: a P2WPKH and a P2SH-P2WSH multisig spend taken through the BIP174 roles by RPC
// (createpsbt, utxoupdatepsbt with descriptors, analyzepsbt, descriptorprocesspsbt,
// combinepsbt, finalizepsbt, joinpsbts), each result accepted by testmempoolaccept; a
// Miniscript input finalized by descriptorprocesspsbt; a chain
// of three mempool transactions; Core's error codes and messages for bad input.
#include <gtest/gtest.h>

#include <algorithm>

#include "common/address.h"
#include "rpc/tx_json.h"
#include "test/rpc/rpc_chain_fixture.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::test;
namespace json = boost::json;

namespace {

class PsbtRpc : public RpcChainTest {
protected:
    std::string address_of(const Script& s) { return *encode_address(s, chain().params()); }
    // A PSBT spending `u` to one output of its value minus 10000 sats.
    std::string create(const Utxo& u) {
        const json::array in{json::object{{"txid", u.outpoint.txid.to_hex()}, {"vout", u.outpoint.index}}};
        const json::object out{{address_of(p2wpkh(key("dest").pubkey())), rpc::amount_value(u.out.value - 10000)}};
        return std::string(rpc().call("createpsbt", json::array{in, out}).as_string());
    }
    std::string str(const json::value& v) { return std::string(v.as_string()); }
};

std::string pub(const SecretKey& k) { return hex_encode(k.pubkey()); }

}  // namespace

TEST_F(PsbtRpc, SegwitKeySpendThroughEveryRole) {
    const SecretKey k = key("psbt-wpkh");
    const Utxo u = fund(p2wpkh(k.pubkey()), 100000000);
    const std::string psbt = create(u);

    json::value analysis = rpc().call("analyzepsbt", json::array{json::value(psbt)});
    EXPECT_EQ(analysis.at("next"), "updater");
    EXPECT_EQ(analysis.at("inputs").as_array()[0].at("has_utxo"), false);

    // The Updater: the UTXO from the chain, the key's origin from the descriptor.
    const std::string updated =
        str(rpc().call("utxoupdatepsbt", json::array{json::value(psbt), json::array{"wpkh(" + pub(k) + ")"}}));
    const json::value decoded = rpc().call("decodepsbt", json::array{json::value(updated)});
    const json::object& in = decoded.at("inputs").as_array()[0].as_object();
    ASSERT_TRUE(in.contains("witness_utxo")) << rpc::write_json(decoded);
    EXPECT_EQ(amount_in(in.at("witness_utxo").at("amount")), 100000000);
    EXPECT_EQ(amount_in(decoded.at("fee")), 10000);
    analysis = rpc().call("analyzepsbt", json::array{json::value(updated)});
    EXPECT_EQ(analysis.at("next"), "signer") << rpc::write_json(analysis);
    EXPECT_EQ(amount_in(analysis.at("fee")), 10000);
    EXPECT_TRUE(analysis.as_object().contains("estimated_vsize"));

    // The Signer without finalizing, then the Finalizer and Extractor.
    const json::value signed_only =
        rpc().call("descriptorprocesspsbt",
                   json::array{json::value(updated), json::array{"wpkh(" + wif(k) + ")"}, "ALL", true, false});
    EXPECT_EQ(signed_only.at("complete"), false);
    EXPECT_FALSE(signed_only.as_object().contains("hex"));
    const json::value sdec = rpc().call("decodepsbt", json::array{signed_only.at("psbt")});
    EXPECT_TRUE(sdec.at("inputs").as_array()[0].as_object().contains("partial_signatures"));
    EXPECT_EQ(rpc().call("analyzepsbt", json::array{signed_only.at("psbt")}).at("next"), "finalizer");
    const json::value final_psbt = rpc().call("finalizepsbt", json::array{signed_only.at("psbt"), false});
    EXPECT_EQ(final_psbt.at("complete"), true);
    EXPECT_EQ(rpc().call("analyzepsbt", json::array{final_psbt.at("psbt")}).at("next"), "extractor");
    const json::value extracted = rpc().call("finalizepsbt", json::array{signed_only.at("psbt")});
    ASSERT_EQ(extracted.at("complete"), true);
    EXPECT_TRUE(accepted(str(extracted.at("hex"))));

    // descriptorprocesspsbt does all of it at once, from the PSBT without UTXOs.
    const json::value direct =
        rpc().call("descriptorprocesspsbt", json::array{json::value(psbt), json::array{"wpkh(" + wif(k) + ")"}});
    EXPECT_EQ(direct.at("complete"), true);
    EXPECT_EQ(direct.at("hex"), extracted.at("hex"));
}

TEST_F(PsbtRpc, MultisigSignedApartThenCombined) {
    const SecretKey k1 = key("psbt-ms1"), k2 = key("psbt-ms2");
    const Utxo u = fund(p2sh(p2wsh(multisig(2, {k1.pubkey(), k2.pubkey()}))), 100000000);
    const std::string psbt = create(u);
    const std::string pubdesc = "sh(wsh(multi(2," + pub(k1) + "," + pub(k2) + ")))";
    const std::string updated =
        str(rpc().call("utxoupdatepsbt", json::array{json::value(psbt), json::array{json::value(pubdesc)}}));
    const json::object in =
        rpc().call("decodepsbt", json::array{json::value(updated)}).at("inputs").as_array()[0].as_object();
    EXPECT_TRUE(in.contains("redeem_script") && in.contains("witness_script")) << rpc::write_json(in);
    const json::value analysis = rpc().call("analyzepsbt", json::array{json::value(updated)});
    const json::object& ain = analysis.at("inputs").as_array()[0].as_object();
    EXPECT_EQ(ain.at("next"), "signer");
    EXPECT_EQ(ain.at("missing").at("signatures").as_array().size(), 2u) << rpc::write_json(analysis);

    // Each signer with one key (the other key public): partial, not complete.
    auto sign_with = [&](const SecretKey& mine, const SecretKey& other) {
        const bool first = &mine == &k1;
        const std::string desc =
            "sh(wsh(multi(2," + (first ? wif(mine) : pub(other)) + "," + (first ? pub(other) : wif(mine)) + ")))";
        const json::value r =
            rpc().call("descriptorprocesspsbt", json::array{json::value(updated), json::array{json::value(desc)}});
        EXPECT_EQ(r.at("complete"), false);
        return r.at("psbt");
    };
    const json::value a = sign_with(k1, k2), b = sign_with(k2, k1);
    const json::value combined = rpc().call("combinepsbt", json::array{json::array{a, b}});
    const json::value done = rpc().call("finalizepsbt", json::array{combined});
    ASSERT_EQ(done.at("complete"), true) << rpc::write_json(done);
    EXPECT_TRUE(accepted(str(done.at("hex"))));
}

// A Miniscript policy, or_d(pk(K1),pk(K2)) under wsh(): descriptorprocesspsbt with K2's
// private key finalizes the input with the satisfier (K2's signature after K1's empty one),
// and so does finalizepsbt from the script alone.
TEST_F(PsbtRpc, DescriptorProcessFinalizesMiniscript) {
    const SecretKey k1 = key("psbt-ms-or1"), k2 = key("psbt-ms-or2");
    Script ws;
    ws.push_data(k1.pubkey()).push_op(OP_CHECKSIG).push_op(OP_IFDUP).push_op(OP_NOTIF);
    ws.push_data(k2.pubkey()).push_op(OP_CHECKSIG).push_op(OP_ENDIF);
    const Utxo u = fund(p2wsh(ws), 100000000);
    const json::value r = rpc().call(
        "descriptorprocesspsbt",
        json::array{json::value(create(u)), json::array{"wsh(or_d(pk(" + pub(k1) + "),pk(" + wif(k2) + ")))"}});
    ASSERT_EQ(r.at("complete"), true) << rpc::write_json(r);
    EXPECT_TRUE(accepted(str(r.at("hex"))));
    // Signed only, then finalizepsbt with no descriptor: it recognizes the Miniscript (Core's FromScript).
    const json::value signed_only =
        rpc().call("descriptorprocesspsbt",
                   json::array{json::value(create(u)),
                               json::array{"wsh(or_d(pk(" + pub(k1) + "),pk(" + wif(k2) + ")))"}, "ALL", true, false});
    EXPECT_EQ(signed_only.at("complete"), false);
    const json::value done = rpc().call("finalizepsbt", json::array{signed_only.at("psbt")});
    ASSERT_EQ(done.at("complete"), true) << rpc::write_json(done);
    EXPECT_EQ(done.at("hex"), r.at("hex"));
}

TEST_F(PsbtRpc, JoinAndConvert) {
    const Utxo u1 = fund(p2wpkh(key("join1").pubkey()), 50000000);
    const Utxo u2 = fund(p2wpkh(key("join2").pubkey()), 60000000);
    const json::value joined =
        rpc().call("joinpsbts", json::array{json::array{json::value(create(u1)), json::value(create(u2))}});
    const json::value d = rpc().call("decodepsbt", json::array{joined});
    EXPECT_EQ(d.at("inputs").as_array().size(), 2u);
    EXPECT_EQ(d.at("outputs").as_array().size(), 2u);
    EXPECT_EQ(d.at("tx").at("vin").as_array().size(), 2u);

    // converttopsbt drops signatures only when permitted.
    const SecretKey k = key("convert");
    const Utxo u = fund(p2wpkh(k.pubkey()), 50000000);
    const std::string psbt = create(u);
    const json::value signed_tx =
        rpc().call("descriptorprocesspsbt", json::array{json::value(psbt), json::array{"wpkh(" + wif(k) + ")"}});
    EXPECT_EQ(rpc().error("converttopsbt", json::array{signed_tx.at("hex")}),
              std::make_pair(-22, std::string("Inputs must not have scriptSigs and scriptWitnesses")));
    EXPECT_EQ(rpc().call("converttopsbt", json::array{signed_tx.at("hex"), true}), json::value(psbt));
}

TEST_F(PsbtRpc, CoresErrors) {
    const Utxo u1 = fund(p2wpkh(key("err1").pubkey()), 50000000);
    const Utxo u2 = fund(p2wpkh(key("err2").pubkey()), 50000000);
    const std::string p1 = create(u1), p2 = create(u2);
    EXPECT_EQ(rpc().error("decodepsbt", json::array{"not base64!"}).first, -22);
    EXPECT_EQ(rpc().error("decodepsbt", json::array{"cHNidP8="}).first, -22);  // magic only
    EXPECT_EQ(rpc().error("decodepsbt", json::array{1}).first, -3);
    EXPECT_EQ(rpc().error("combinepsbt", json::array{json::array{}}),
              std::make_pair(-8, std::string("Parameter 'txs' cannot be empty")));
    EXPECT_EQ(rpc().error("combinepsbt", json::array{json::array{json::value(p1), json::value(p2)}}),
              std::make_pair(-8, std::string("PSBTs not compatible (different transactions)")));
    EXPECT_EQ(rpc().error("joinpsbts", json::array{json::array{json::value(p1)}}),
              std::make_pair(-8, std::string("At least two PSBTs are required to join PSBTs.")));
    EXPECT_EQ(rpc().error("joinpsbts", json::array{json::array{json::value(p1), json::value(p1)}}).first, -8);
    EXPECT_EQ(rpc().error("utxoupdatepsbt", json::array{json::value(p1), json::array{"wpkh(nokey)"}}).first, -5);
    EXPECT_EQ(rpc().error("descriptorprocesspsbt", json::array{json::value(p1), json::array{}, "ALL|NONE"}),
              std::make_pair(-8, std::string("'ALL|NONE' is not a valid sighash parameter.")));
    EXPECT_EQ(rpc().error("converttopsbt", json::array{"00"}).first, -22);
    EXPECT_EQ(rpc().error("finalizepsbt", json::array{json::value(p1), "yes"}).first, -3);
    // A PSBT that cannot finalize answers complete=false with the PSBT, not an error.
    const json::value r = rpc().call("finalizepsbt", json::array{json::value(p1)});
    EXPECT_EQ(r.at("complete"), false);
    EXPECT_EQ(r.at("psbt"), json::value(p1));
}

class MempoolQueries : public RpcChainTest {};

TEST_F(MempoolQueries, ChainOfThree) {
    const SecretKey k = key("mempool-chain");
    const Script spk = p2wpkh(k.pubkey());
    const std::string addr = *encode_address(spk, chain().params());
    const Utxo first = fund_in_mempool(spk, 100000000);
    std::vector<std::string> ids{first.outpoint.txid.to_hex()};
    Amount value = first.out.value;
    for (int i = 0; i < 2; ++i) {
        value -= 10000;
        const json::value raw =
            rpc().call("createrawtransaction", json::array{json::array{json::object{{"txid", ids.back()}, {"vout", 0}}},
                                                           json::object{{addr, rpc::amount_value(value)}}});
        const json::value prev = json::array{json::object{{"txid", ids.back()},
                                                          {"vout", 0},
                                                          {"scriptPubKey", hex_encode(spk.view())},
                                                          {"amount", rpc::amount_value(value + 10000)}}};
        const json::value s =
            rpc().call("signrawtransactionwithkey", json::array{raw, json::array{json::value(wif(k))}, prev});
        ids.push_back(std::string(rpc().call("sendrawtransaction", json::array{s.at("hex")}).as_string()));
    }
    auto sorted = [](std::vector<std::string> v) {
        std::sort(v.begin(), v.end());
        return v;
    };
    auto strings = [](const json::value& a) {
        std::vector<std::string> out;
        for (const json::value& v : a.as_array()) out.emplace_back(v.as_string());
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(strings(rpc().call("getmempoolancestors", json::array{json::value(ids[2])})), sorted({ids[0], ids[1]}));
    EXPECT_EQ(strings(rpc().call("getmempooldescendants", json::array{json::value(ids[0])})), sorted({ids[1], ids[2]}));
    EXPECT_TRUE(rpc().call("getmempoolancestors", json::array{json::value(ids[0])}).as_array().empty());
    const json::value verbose = rpc().call("getmempooldescendants", json::array{json::value(ids[1]), true});
    ASSERT_TRUE(verbose.is_object());
    ASSERT_EQ(verbose.as_object().size(), 1u);
    EXPECT_EQ(verbose.at(ids[2]).at("ancestorcount"), 3);

    const json::value spending =
        rpc().call("gettxspendingprevout", json::array{json::array{json::object{{"txid", ids[0]}, {"vout", 0}},
                                                                   json::object{{"txid", ids[2]}, {"vout", 0}}}});
    EXPECT_EQ(spending.at(0).at("spendingtxid"), json::value(ids[1]));
    EXPECT_FALSE(spending.at(1).as_object().contains("spendingtxid"));

    EXPECT_EQ(rpc().error("getmempoolancestors", json::array{std::string(64, '0')}),
              std::make_pair(-5, std::string("Transaction not in mempool")));
    EXPECT_EQ(rpc().error("getmempooldescendants", json::array{"xyz"}).first, -8);
    EXPECT_EQ(rpc().error("gettxspendingprevout", json::array{json::array{}}),
              std::make_pair(-8, std::string("Invalid parameter, outputs are missing")));
    EXPECT_EQ(rpc().error("gettxspendingprevout", json::array{json::array{json::object{{"txid", ids[0]}}}}),
              std::make_pair(-3, std::string("Missing vout")));
    EXPECT_EQ(
        rpc().error("gettxspendingprevout", json::array{json::array{json::object{{"txid", ids[0]}, {"vout", -1}}}}),
        std::make_pair(-8, std::string("Invalid parameter, vout cannot be negative")));
    EXPECT_EQ(rpc().error("gettxspendingprevout",
                          json::array{json::array{json::object{{"txid", ids[0]}, {"vout", 0}, {"x", 1}}}}),
              std::make_pair(-3, std::string("Unexpected key x")));
}

TEST_F(MempoolQueries, EstimateRawFeeHorizonsAndErrors) {
    // Without data every horizon up to the target's reports Core's error, no feerate.
    const json::value r = rpc().call("estimaterawfee", json::array{2});
    for (const char* h : {"short", "medium", "long"}) {
        ASSERT_TRUE(r.as_object().contains(h)) << h;
        EXPECT_FALSE(r.at(h).as_object().contains("feerate"));
        EXPECT_EQ(r.at(h).at("errors").at(0), "Insufficient data or no feerate found which meets threshold");
    }
    // A target beyond a horizon's reach leaves that horizon out.
    const json::value far = rpc().call("estimaterawfee", json::array{20});
    EXPECT_FALSE(far.as_object().contains("short"));
    EXPECT_TRUE(far.as_object().contains("medium") && far.as_object().contains("long"));
    EXPECT_EQ(rpc().error("estimaterawfee", json::array{0}).first, -8);
    EXPECT_EQ(rpc().error("estimaterawfee", json::array{1009}).first, -8);
    EXPECT_EQ(rpc().error("estimaterawfee", json::array{2, 1.5}), std::make_pair(-8, std::string("Invalid threshold")));
    EXPECT_EQ(rpc().error("estimaterawfee", json::array{"2"}).first, -3);
}
