// createrawtransaction, signrawtransactionwithkey and combinerawtransaction over an
// in-process regtest chain: the transaction bytes, every sighash type, legacy / P2SH /
// segwit v0 / taproot key path spends, multisig signed in turns and combined, the
// per-input "errors" list, and Core's error codes and messages for bad input.
#include <gtest/gtest.h>

#include "common/address.h"
#include "consensus/interpreter.h"
#include "rpc/tx_json.h"
#include "test/rpc/rpc_chain_fixture.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::test;
namespace json = boost::json;

namespace {

class RawTransactions : public RpcChainTest {
protected:
    // A transaction spending `coins` to one output each (value minus 1000 sats) at `dest`.
    std::string create(const std::vector<Utxo>& coins, const std::string& dest_address) {
        json::array in;
        for (const Utxo& u : coins)
            in.push_back(json::object{{"txid", u.outpoint.txid.to_hex()}, {"vout", u.outpoint.index}});
        Amount total = 0;
        for (const Utxo& u : coins) total += u.out.value;
        json::object out;
        out[dest_address] = rpc::amount_value(total - 1000);
        return std::string(rpc().call("createrawtransaction", json::array{in, out}).as_string());
    }
    json::value sign(const std::string& hex, const std::vector<std::string>& wifs, json::value prevtxs = nullptr,
                     json::value sighash = nullptr) {
        json::array keys;
        for (const std::string& w : wifs) keys.push_back(json::value(w));
        return rpc().call("signrawtransactionwithkey", json::array{json::value(hex), keys, prevtxs, sighash});
    }
    static json::object prevtx(const Utxo& u) {
        return json::object{{"txid", u.outpoint.txid.to_hex()},
                            {"vout", u.outpoint.index},
                            {"scriptPubKey", hex_encode(u.out.script_pubkey.view())},
                            {"amount", rpc::amount_value(u.out.value)}};
    }
    std::string address_of(const Script& s) { return *encode_address(s, chain().params()); }
};

}  // namespace

TEST_F(RawTransactions, CreateBuildsCoresTransaction) {
    const std::string txid = std::string(64, 'a');
    const SecretKey k = key("dest");
    const std::string addr = address_of(p2wpkh(k.pubkey()));
    json::value hex =
        rpc().call("createrawtransaction", json::array{json::array{json::object{{"txid", txid}, {"vout", 1}}},
                                                       json::object{{addr, 1.5}, {"data", "00010203"}}, 7, false, 3});
    std::optional<Transaction> tx = rpc::decode_hex_tx(std::string(hex.as_string()));
    ASSERT_TRUE(tx);
    EXPECT_EQ(tx->version, 3);
    EXPECT_EQ(tx->locktime, 7u);
    ASSERT_EQ(tx->vin.size(), 1u);
    EXPECT_EQ(tx->vin[0].prevout.txid.to_hex(), txid);
    EXPECT_EQ(tx->vin[0].prevout.index, 1u);
    EXPECT_EQ(tx->vin[0].sequence, 0xfffffffeu);  // not replaceable, locktime set
    ASSERT_EQ(tx->vout.size(), 2u);
    EXPECT_EQ(tx->vout[0].value, 150000000);
    EXPECT_EQ(tx->vout[0].script_pubkey, p2wpkh(k.pubkey()));
    EXPECT_EQ(hex_encode(tx->vout[1].script_pubkey.view()), "6a0400010203");
    EXPECT_EQ(tx->vout[1].value, 0);

    // Defaults: version 2, replaceable sequences, locktime 0; the array form of outputs.
    hex = rpc().call("createrawtransaction", json::array{json::array{json::object{{"txid", txid}, {"vout", 0}}},
                                                         json::array{json::object{{addr, "0.1"}}}});
    tx = rpc::decode_hex_tx(std::string(hex.as_string()));
    EXPECT_EQ(tx->version, 2);
    EXPECT_EQ(tx->vin[0].sequence, 0xfffffffdu);
    hex = rpc().call("createrawtransaction", json::array{json::array{json::object{{"txid", txid}, {"vout", 0}}},
                                                         json::object{{addr, 1}}, 0, false});
    EXPECT_EQ(rpc::decode_hex_tx(std::string(hex.as_string()))->vin[0].sequence, 0xffffffffu);
    // Named parameters and an explicit sequence.
    hex = rpc().call("createrawtransaction",
                     json::object{{"inputs", json::array{json::object{{"txid", txid}, {"vout", 0}, {"sequence", 5}}}},
                                  {"outputs", json::object{{addr, 1}}}});
    EXPECT_EQ(rpc::decode_hex_tx(std::string(hex.as_string()))->vin[0].sequence, 5u);
    // createpsbt builds the same transaction.
    const json::value psbt = rpc().call(
        "createpsbt", json::array{json::array{json::object{{"txid", txid}, {"vout", 0}}}, json::object{{addr, 1}}});
    const json::value converted = rpc().call(
        "converttopsbt", json::array{rpc().call("createrawtransaction",
                                                json::array{json::array{json::object{{"txid", txid}, {"vout", 0}}},
                                                            json::object{{addr, 1}}})});
    EXPECT_EQ(psbt, converted);
}

TEST_F(RawTransactions, CreateRefusesBadInputWithCoresErrors) {
    const json::value in = json::array{json::object{{"txid", std::string(64, 'a')}, {"vout", 0}}};
    const std::string addr = address_of(p2wpkh(key("x").pubkey()));
    const json::object out{{addr, 1}};
    auto err = [&](json::array params) { return rpc().error("createrawtransaction", std::move(params)); };
    using P = std::pair<int, std::string>;
    EXPECT_EQ(err({in, out, 0, true, 0}), P(-8, "Invalid parameter, version out of range(1~3)"));
    EXPECT_EQ(err({in, out, 0, true, 4}), P(-8, "Invalid parameter, version out of range(1~3)"));
    EXPECT_EQ(err({in, out, 0, true, 4294967295LL}), P(-8, "Invalid parameter, version out of range(1~3)"));
    EXPECT_EQ(err({in, out, 0, true, -1}), P(-1, "JSON integer out of range"));
    EXPECT_EQ(err({in, out, 0, true, 4294967296LL}), P(-1, "JSON integer out of range"));
    EXPECT_EQ(err({in, out, -1}), P(-8, "Invalid parameter, locktime out of range"));
    EXPECT_EQ(err({in, out, 4294967296LL}), P(-8, "Invalid parameter, locktime out of range"));
    EXPECT_EQ(err({json::array{json::object{{"txid", std::string(64, 'a')}}}, out}),
              P(-8, "Invalid parameter, missing vout key"));
    EXPECT_EQ(err({json::array{json::object{{"txid", std::string(64, 'a')}, {"vout", -1}}}, out}),
              P(-8, "Invalid parameter, vout cannot be negative"));
    EXPECT_EQ(err({json::array{json::object{{"txid", "abc"}, {"vout", 0}}}, out}),
              P(-8, "txid must be of length 64 (not 3, for 'abc')"));
    EXPECT_EQ(err({json::array{json::object{{"txid", std::string(64, 'g')}, {"vout", 0}}}, out}),
              P(-8, "txid must be hexadecimal string (not '" + std::string(64, 'g') + "')"));
    EXPECT_EQ(err({json::array{json::object{{"vout", 0}}}, out}).first, -3);
    EXPECT_EQ(err({json::array{"notanobject"}, out}).first, -3);
    EXPECT_EQ(err({json::array{json::object{{"txid", std::string(64, 'a')}, {"vout", 0}, {"sequence", -1}}}, out}),
              P(-8, "Invalid parameter, sequence number is out of range"));
    EXPECT_EQ(err({json::array{json::object{{"txid", std::string(64, 'a')}, {"vout", 0}, {"sequence", 0xffffffff}}},
                   out, 0, true}),
              P(-8, "Invalid parameter combination: Sequence number(s) contradict replaceable option"));
    EXPECT_EQ(err({in, json::object{{"nonsense", 1}}}), P(-5, "Invalid Bitcoin address: nonsense"));
    EXPECT_EQ(err({in, json::array{json::object{{addr, 1}}, json::object{{addr, 2}}}}),
              P(-8, "Invalid parameter, duplicated address: " + addr));
    EXPECT_EQ(err({in, json::array{json::object{{"data", "00"}}, json::object{{"data", "01"}}}}),
              P(-8, "Invalid parameter, duplicate key: data"));
    EXPECT_EQ(err({in, json::object{{"data", "zz"}}}),
              P(-8, "Data must be hexadecimal string (not 'zz') and length of it must be divisible by 2"));
    EXPECT_EQ(err({in, json::array{"x"}}), P(-8, "Invalid parameter, key-value pair not an object as expected"));
    EXPECT_EQ(err({in, json::array{json::object{{addr, 1}, {"data", "00"}}}}),
              P(-8, "Invalid parameter, key-value pair must contain exactly one key"));
    EXPECT_EQ(err({in, json::object{{addr, -1}}}), P(-3, "Amount out of range"));
    EXPECT_EQ(err({in, json::object{{addr, "abc"}}}), P(-3, "Invalid amount"));
    EXPECT_EQ(err({in, json::object{{addr, 0.000000001}}}), P(-3, "Invalid amount"));
    EXPECT_EQ(err({in, "notjson"}).first, -3);
    EXPECT_EQ(err({"x", out}).first, -3);
    EXPECT_EQ(err({in}).first, -1);  // usage
}

TEST_F(RawTransactions, SignsEveryScriptType) {
    const SecretKey k = key("signer");
    const Bytes pk = k.pubkey();
    const std::string dest = address_of(p2wpkh(key("dest").pubkey()));

    // P2WPKH, P2PKH and P2TR key path need only the key (and the UTXO set for the amounts).
    for (const Script& spk : {p2wpkh(pk), p2pkh(pk), p2tr_key_path(k)}) {
        const Utxo u = fund(spk, 100000000);
        const json::value r = sign(create({u}, dest), {wif(k)});
        EXPECT_EQ(r.at("complete"), true) << rpc::write_json(r);
        EXPECT_FALSE(r.as_object().contains("errors"));
        EXPECT_TRUE(accepted(std::string(r.at("hex").as_string())));
    }
    // P2SH-P2WPKH needs the redeem script.
    const Script wrapped = p2wpkh(pk);
    const Utxo u = fund(p2sh(wrapped), 100000000);
    json::object prev = prevtx(u);
    prev["redeemScript"] = hex_encode(wrapped.view());
    const json::value r = sign(create({u}, dest), {wif(k)}, json::array{prev});
    EXPECT_EQ(r.at("complete"), true) << rpc::write_json(r);
    EXPECT_TRUE(accepted(std::string(r.at("hex").as_string())));
    // Without it the input stays unsigned, with an error entry.
    const json::value bare = sign(create({u}, dest), {wif(k)});
    EXPECT_EQ(bare.at("complete"), false);
    EXPECT_EQ(bare.at("errors").as_array().size(), 1u);
}

TEST_F(RawTransactions, EverySighashType) {
    const SecretKey k = key("sighash");
    const std::string dest = address_of(p2wpkh(key("dest").pubkey()));
    for (const Script& spk : {p2wpkh(k.pubkey()), p2tr_key_path(k), p2pkh(k.pubkey())}) {
        for (const char* type :
             {"DEFAULT", "ALL", "NONE", "SINGLE", "ALL|ANYONECANPAY", "NONE|ANYONECANPAY", "SINGLE|ANYONECANPAY"}) {
            const Utxo a = fund(spk, 50000000), b = fund(spk, 50000000);
            const Script dest_spk = p2wpkh(key("dest").pubkey());
            // Two inputs, two outputs: SINGLE has an output for each input.
            json::value hex =
                rpc().call("createrawtransaction",
                           json::array{json::array{json::object{{"txid", a.outpoint.txid.to_hex()}, {"vout", 0}},
                                                   json::object{{"txid", b.outpoint.txid.to_hex()}, {"vout", 0}}},
                                       json::array{json::object{{dest, 0.49}}, json::object{{address_of(spk), 0.49}}}});
            const json::value r = sign(std::string(hex.as_string()), {wif(k)}, nullptr, type);
            ASSERT_EQ(r.at("complete"), true) << type << " " << rpc::write_json(r);
            EXPECT_TRUE(accepted(std::string(r.at("hex").as_string()))) << type;
            // A taproot signature carries the hash type byte unless it is DEFAULT.
            if (spk == p2tr_key_path(k)) {
                const Transaction tx = *rpc::decode_hex_tx(std::string(r.at("hex").as_string()));
                EXPECT_EQ(tx.vin[0].witness.at(0).size(), std::string(type) == "DEFAULT" ? 64u : 65u) << type;
            }
        }
    }
    // SINGLE with no output for the second input: that input is left with an error.
    const Utxo a = fund(p2wpkh(k.pubkey()), 50000000), b = fund(p2wpkh(k.pubkey()), 50000000);
    const std::string hex = create({a, b}, dest);
    const json::value r = sign(hex, {wif(k)}, nullptr, "SINGLE");
    EXPECT_EQ(r.at("complete"), false);
    ASSERT_EQ(r.at("errors").as_array().size(), 1u);
    EXPECT_EQ(r.at("errors").as_array()[0].at("txid"), json::value(b.outpoint.txid.to_hex()));
    EXPECT_EQ(
        rpc().error("signrawtransactionwithkey", json::array{json::value(hex), json::array{}, nullptr, "ALL|NONE"}),
        std::make_pair(-8, std::string("'ALL|NONE' is not a valid sighash parameter.")));
}

TEST_F(RawTransactions, MultisigSignedInTurnsAndCombined) {
    const SecretKey k1 = key("ms1"), k2 = key("ms2"), k3 = key("ms3");
    const Script ms = multisig(2, {k1.pubkey(), k2.pubkey(), k3.pubkey()});
    const std::string dest = address_of(p2wpkh(key("dest").pubkey()));
    struct Kind {
        Script spk;
        const char* redeem;  // field names given in prevtxs
        const char* witness;
    };
    const Kind kinds[] = {{p2sh(ms), "redeemScript", nullptr},
                          {p2wsh(ms), nullptr, "witnessScript"},
                          {p2sh(p2wsh(ms)), "redeemScript", "witnessScript"}};
    for (const Kind& kind : kinds) {
        const Utxo u = fund(kind.spk, 100000000);
        json::object prev = prevtx(u);
        if (kind.redeem) prev[kind.redeem] = hex_encode(ms.view());
        if (kind.witness) prev[kind.witness] = hex_encode(ms.view());
        const std::string unsigned_hex = create({u}, dest);
        const json::value one = sign(unsigned_hex, {wif(k1)}, json::array{prev});
        EXPECT_EQ(one.at("complete"), false);
        ASSERT_EQ(one.at("errors").as_array().size(), 1u);
        EXPECT_EQ(one.at("errors").as_array()[0].at("error"),
                  "CHECK(MULTI)SIG failing with non-zero signature (possibly need more signatures)");
        // A second signer completes the partially signed transaction.
        const json::value two = sign(std::string(one.at("hex").as_string()), {wif(k3)}, json::array{prev});
        EXPECT_EQ(two.at("complete"), true) << rpc::write_json(two);
        EXPECT_TRUE(accepted(std::string(two.at("hex").as_string())));
        // Or two one-key copies are combined.
        const json::value other = sign(unsigned_hex, {wif(k2)}, json::array{prev});
        const json::value combined =
            rpc().call("combinerawtransaction", json::array{json::array{one.at("hex"), other.at("hex")}});
        EXPECT_TRUE(accepted(std::string(combined.as_string())));
        // A complete copy wins as it is.
        EXPECT_EQ(
            rpc().call("combinerawtransaction", json::array{json::array{two.at("hex"), json::value(unsigned_hex)}}),
            two.at("hex"));
    }
}

TEST_F(RawTransactions, SignRefusesBadInputWithCoresErrors) {
    const SecretKey k = key("errs");
    const Utxo u = fund(p2wpkh(k.pubkey()), 100000000);
    const std::string dest = address_of(p2wpkh(key("dest").pubkey()));
    const std::string hex = create({u}, dest);
    using P = std::pair<int, std::string>;
    auto err = [&](json::array params) { return rpc().error("signrawtransactionwithkey", std::move(params)); };
    EXPECT_EQ(err({"zz", json::array{}}), P(-22, "TX decode failed. Make sure the tx has at least one input."));
    EXPECT_EQ(err({json::value(hex), json::array{"notakey"}}), P(-5, "Invalid private key"));
    EXPECT_EQ(err({json::value(hex), json::array{1}}).first, -3);
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{"x"}}),
              P(-22, "expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}"));
    json::object prev = prevtx(u);
    prev.erase("txid");
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{prev}}), P(-3, "Missing txid"));
    prev = prevtx(u);
    prev["vout"] = "0";
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{prev}}),
              P(-3, "JSON value of type string for field vout is not of expected type number"));
    prev = prevtx(u);
    prev["vout"] = -1;
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{prev}}), P(-22, "vout cannot be negative"));
    prev = prevtx(u);
    prev["scriptPubKey"] = "51";
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{prev}}).first, -22);
    EXPECT_NE(err({json::value(hex), json::array{}, json::array{prev}})
                  .second.find("Previous output scriptPubKey mismatch:\n"),
              std::string::npos);
    // A P2SH prevtx needs its script, and the script must match.
    const Script ms = multisig(1, {k.pubkey()});
    json::object sh{{"txid", std::string(64, 'b')}, {"vout", 0}, {"scriptPubKey", hex_encode(p2sh(ms).view())}};
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{sh}}), P(-8, "Missing redeemScript/witnessScript"));
    sh["redeemScript"] = "51";
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{sh}}),
              P(-8, "redeemScript/witnessScript does not match scriptPubKey"));
    sh["redeemScript"] = hex_encode(ms.view());
    sh["witnessScript"] = "52";
    EXPECT_EQ(err({json::value(hex), json::array{}, json::array{sh}}),
              P(-8, "redeemScript does not correspond to witnessScript"));
    // A segwit input whose amount nobody gave.
    json::object noamount{
        {"txid", std::string(64, 'c')}, {"vout", 0}, {"scriptPubKey", hex_encode(p2wpkh(k.pubkey()).view())}};
    const std::string other =
        rpc()
            .call("createrawtransaction",
                  json::array{json::array{json::object{{"txid", std::string(64, 'c')}, {"vout", 0}}},
                              json::object{{dest, 1}}})
            .as_string()
            .c_str();
    const P missing = err({json::value(other), json::array{json::value(wif(k))}, json::array{noamount}});
    EXPECT_EQ(missing.first, -3);
    EXPECT_EQ(missing.second, "Missing amount for CTxOut(nValue=21000000.00000000, scriptPubKey=" +
                                  hex_encode(p2wpkh(k.pubkey()).view()).substr(0, 30) + ")");
    // An input nobody knows is reported, not thrown.
    const json::value r = sign(other, {wif(k)});
    EXPECT_EQ(r.at("complete"), false);
    EXPECT_EQ(
        rpc::write_json(r.at("errors")),
        R"([{"txid":")" + std::string(64, 'c') +
            R"(","vout":0,"witness":[],"scriptSig":"","sequence":4294967293,"error":"Input not found or already spent"}])");
}

TEST_F(RawTransactions, CombineErrors) {
    using P = std::pair<int, std::string>;
    EXPECT_EQ(rpc().error("combinerawtransaction", json::array{json::array{}}), P(-22, "Missing transactions"));
    EXPECT_EQ(rpc().error("combinerawtransaction", json::array{json::array{"00", "zz"}}),
              P(-22, "TX decode failed for tx 0. Make sure the tx has at least one input."));
    const std::string dest = address_of(p2wpkh(key("dest").pubkey()));
    const json::value unknown = rpc().call(
        "createrawtransaction",
        json::array{json::array{json::object{{"txid", std::string(64, 'd')}, {"vout", 0}}}, json::object{{dest, 1}}});
    EXPECT_EQ(rpc().error("combinerawtransaction", json::array{json::array{unknown}}),
              P(-25, "Input not found or already spent"));
}
