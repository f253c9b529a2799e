// validateaddress (Core's key_io vectors, and Core's bech32 error messages and error
// locations), createmultisig, getdescriptorinfo, deriveaddresses (Core's
// rpc_deriveaddresses.py vectors), verifymessage and signmessagewithprivkey (Core's
// rpc_signmessagewithprivkey.py vectors): results and Core's error codes.
#include <gtest/gtest.h>

#include "common/descriptor.h"
#include "test/rpc/rpc_test_util.h"
#include "test/util/vectors.h"

using namespace minicash;
using namespace minicash::test;
namespace json = boost::json;

namespace {

Network network_of(const std::string& chain) {
    if (chain == "main") return Network::MAIN;
    if (chain == "testnet4" || chain == "test") return Network::TESTNET4;
    if (chain == "signet") return Network::SIGNET;
    return Network::REGTEST;
}

json::value validate(RpcCaller& rpc, const std::string& address) {
    return rpc.call("validateaddress", json::array{json::value(address)});
}

const char kTprv[] =
    "tprv8ZgxMBicQKsPd7Uf69XL1XwhmjHopUGep8GuEiJDZmbQz6o58LninorQAfcKZWARbtRtfnLcJ5MQ2AtHcQJCCRUcMRvmDUjyEmNUWwx8UbK";
const char kTpub[] =
    "tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaAstxYSnhyswJ76uZPStJRJCTKvosUCJZL5B";

std::string with_checksum(const std::string& desc) { return add_descriptor_checksum(desc); }

}  // namespace

TEST(ValidateAddress, CoreKeyIoVectors) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value valid = load_json(dir / "core" / "key_io_valid.json");
    size_t checked = 0;
    for (const json::value& t : valid.as_array()) {
        const json::object& meta = t.as_array()[2].as_object();
        if (meta.at("isPrivkey").as_bool()) continue;
        RpcCaller rpc(network_of(std::string(meta.at("chain").as_string())));
        const std::string address(t.as_array()[0].as_string());
        const json::value r = validate(rpc, address);
        EXPECT_EQ(r.at("isvalid"), true) << address;
        EXPECT_EQ(r.at("scriptPubKey"), t.as_array()[1]) << address;
        EXPECT_FALSE(r.as_object().contains("error")) << address;
        ++checked;
    }
    EXPECT_EQ(checked, 54u);
    const json::value invalid = load_json(dir / "core" / "key_io_invalid.json");
    for (const json::value& t : invalid.as_array()) {
        for (Network n : {Network::MAIN, Network::TESTNET4, Network::REGTEST}) {
            RpcCaller rpc(n);
            const json::value r = validate(rpc, std::string(t.as_array()[0].as_string()));
            EXPECT_EQ(r.at("isvalid"), false) << t;
            EXPECT_TRUE(r.as_object().contains("error")) << t;
            EXPECT_TRUE(r.at("error_locations").is_array()) << t;
        }
    }
}

TEST(ValidateAddress, FieldsPerAddressType) {
    RpcCaller rpc;
    json::value r = validate(rpc, "bcrt1qtmp74ayg7p24uslctssvjm06q5phz4yrxucgnv");
    EXPECT_EQ(rpc::write_json(r),
              R"({"isvalid":true,"address":"bcrt1qtmp74ayg7p24uslctssvjm06q5phz4yrxucgnv",)"
              R"("scriptPubKey":"00145ec3eaf488f0555e43f85c20c96dfa0503715483","isscript":false,"iswitness":true,)"
              R"("witness_version":0,"witness_program":"5ec3eaf488f0555e43f85c20c96dfa0503715483"})");
    // Upper case bech32 is answered in the canonical lower case form.
    r = validate(rpc, "BCRT1QPLMTZKC2XHARPPZDLNPAQL78RSHJ68U33RAH7R");
    EXPECT_EQ(r.at("address"), "bcrt1qplmtzkc2xharppzdlnpaql78rshj68u33rah7r");
    r = validate(rpc, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn");
    EXPECT_EQ(r.at("isscript"), false);
    EXPECT_EQ(r.at("iswitness"), false);
    // An unknown witness version says nothing of isscript; pay-to-anchor is a script.
    r = validate(rpc, "bcrt1p424qxxyd0r");
    EXPECT_EQ(r.at("witness_version"), 1);
    EXPECT_FALSE(r.as_object().contains("isscript"));
    RpcCaller main(Network::MAIN);
    r = validate(main, "bc1pfeessrawgf");
    EXPECT_EQ(r.at("scriptPubKey"), "51024e73");
    EXPECT_EQ(r.at("isscript"), true);
    r = validate(main, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0");
    EXPECT_EQ(r.at("scriptPubKey"), "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    EXPECT_EQ(r.at("isscript"), true);
}

// Core's rpc_invalid_address_message.py cases (regtest), with Core's texts and locations.
TEST(ValidateAddress, CoreErrorsAndErrorLocations) {
    RpcCaller rpc;
    struct Case {
        const char* address;
        const char* error;
        std::vector<int> locations;
    };
    const Case cases[] = {
        {"bcrt1s0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav25430mtr",
         "Invalid Bech32 address program size (41 bytes)",
         {}},
        {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
         "Invalid or unsupported Segwit (Bech32) or Base58 encoding.",
         {}},
        {"bcrt1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqdmchcc",
         "Version 1+ witness address must use Bech32m checksum",
         {}},
        {"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7k35mrzd", "Version 0 witness address must use Bech32 checksum", {}},
        {"bcrt130xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqynjegk",
         "Invalid Bech32 address witness version",
         {}},
        {"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kqqq5k3my",
         "Invalid Bech32 v0 address program size (21 bytes), per BIP141",
         {}},
        {"bcrt1q049edschfnwystcqnsvyfpj23mpsg3jcedq9xv049edschfnwystcqnsvyfpj23mpsg3jcedq9xv049edschfnwystcqnsvyfpj23m",
         "Bech32 string too long",
         {90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107}},
        {"bcrt1q049edschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid Bech32 checksum", {9}},
        {"bcrt1qax9suht3qv95sw33xavx8crpxduefdrsvgsklu", "Invalid Bech32 checksum", {22, 43}},
        {"BCRT1QPLMTZKC2XHARPPZDLNPAQL78RSHJ68U32RAH7R", "Invalid Bech32 checksum", {38}},
        {"bcrtq049ldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Missing separator", {}},
        {"bcrt1q04oldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid Base 32 character", {8}},
        {"bcrt1qdg3myrgvzw7ml8q0ejxhlkyxn7vl9r56yzkfgvzclrf4hkpx9yfqhpsuks", "Invalid Bech32 checksum", {19, 30}},
        {"bcrt1ptmp74ayg7p24uslctssvjm06q5phz4yrxucgnv", "Invalid Bech32 checksum", {5}},
        {"17VZNX1SN5NtKa8UQFxwQbFeFc3iqRYhem", "Invalid or unsupported Base58-encoded address.", {}},
        {"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJJfn", "Invalid checksum or length of Base58 address (P2PKH or P2SH)", {}},
        {"2VKf7XKMrp4bVNVmuRbyCewkP8FhGLP2E54LHDPakr9Sq5mtU2",
         "Invalid checksum or length of Base58 address (P2PKH or P2SH)",
         {}},
        {"asfah14i8fajz0123f", "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", {}},
        {"1q049ldschfnwystcqnsvyfpj23mpsg3jcedq9xv", "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", {}},
        {"", "Invalid checksum or length of Base58 address (P2PKH or P2SH)", {}},
    };
    for (const Case& c : cases) {
        const json::value r = validate(rpc, c.address);
        EXPECT_EQ(r.at("isvalid"), false) << c.address;
        EXPECT_EQ(r.at("error"), c.error) << c.address;
        json::array at;
        for (int i : c.locations) at.push_back(i);
        EXPECT_EQ(r.at("error_locations"), json::value(at)) << c.address;
    }
    // Keys come in Core's order: isvalid, error_locations, error.
    EXPECT_EQ(rpc::write_json(validate(rpc, "bcrtq049ldschfnwystcqnsvyfpj23mpsg3jcedq9xv")),
              R"({"isvalid":false,"error_locations":[],"error":"Missing separator"})");
    EXPECT_EQ(rpc.error("validateaddress", json::array{1}).first, rpc::RPC_TYPE_ERROR);
    EXPECT_EQ(rpc.error("validateaddress").first, rpc::RPC_MISC_ERROR);  // usage
}

TEST(CreateMultisig, TypesDescriptorsAndCoreErrors) {
    RpcCaller rpc;
    const json::array keys{"022e124b511eebb312a74646147d7df975da3514d6d2a896a0a6ce48f97ca6be6e",
                           "025dd760f50ab3d45e792918ea60c6056776090b4d414563300b6bd94bcbf86171",
                           "0207d3613c9c2a7d91599b3b225984b5056d41b857bd6702afbdb7f7d18ae1441a"};
    const std::string redeem =
        "5221022e124b511eebb312a74646147d7df975da3514d6d2a896a0a6ce48f97ca6be6e21025dd760f50ab3d45e792918ea60c605677609"
        "0b4d414563300b6bd94bcbf86171210207d3613c9c2a7d91599b3b225984b5056d41b857bd6702afbdb7f7d18ae1441a53ae";
    for (const char* type : {"legacy", "p2sh-segwit", "bech32"}) {
        const json::value r = rpc.call("createmultisig", json::array{2, keys, type});
        EXPECT_EQ(r.at("redeemScript"), json::value(redeem));
        EXPECT_FALSE(r.as_object().contains("warnings"));
        // The descriptor derives the address, and is in canonical form.
        const std::string desc(r.at("descriptor").as_string());
        EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value(desc)}),
                  json::value(json::array{r.at("address")}))
            << type;
        EXPECT_EQ(rpc.call("getdescriptorinfo", json::array{json::value(desc)}).at("descriptor"), json::value(desc));
        const std::string t(type);
        const std::string prefix = t == "legacy" ? "sh(multi(" : t == "bech32" ? "wsh(multi(" : "sh(wsh(multi(";
        EXPECT_EQ(desc.rfind(prefix, 0), 0u) << desc;
    }
    // Default: legacy (P2SH).
    EXPECT_EQ(rpc.call("createmultisig", json::array{2, keys}).at("address"), "2MwgDXLid557whkFudJDNWWUfpfVuW9ut4c");

    // An uncompressed key makes it legacy, with Core's warning.
    const json::array mixed{
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e"
        "1108a8fd17b448a68554199c47d08ffb10d4b8",
        keys[0]};
    const json::value w = rpc.call("createmultisig", json::array{1, mixed, "bech32"});
    EXPECT_EQ(std::string(w.at("descriptor").as_string()).rfind("sh(multi(", 0), 0u);
    EXPECT_EQ(w.at("warnings"),
              json::value(json::array{"Unable to make chosen address type, please ensure no uncompressed public keys "
                                      "are present."}));

    EXPECT_EQ(rpc.error("createmultisig", json::array{0, keys}),
              std::make_pair(int(rpc::RPC_INVALID_PARAMETER),
                             std::string("a multisignature address must require at least one key to redeem")));
    EXPECT_EQ(rpc.error("createmultisig", json::array{4, keys}).second,
              "not enough keys supplied (got 3 keys, but need at least 4 to redeem)");
    json::array many;
    for (int i = 0; i < 21; ++i) many.push_back(keys[0]);
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, many}).second,
              "Number of keys involved in the multisignature address creation > 20\nReduce the number");
    many.pop_back();
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, many}).second, "redeemScript exceeds size limit: 684 > 520");
    EXPECT_EQ(rpc.call("createmultisig", json::array{1, many, "bech32"}).at("redeemScript").as_string().size(),
              684u * 2);
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, keys, "bech32m"}),
              std::make_pair(int(rpc::RPC_INVALID_ADDRESS_OR_KEY),
                             std::string("createmultisig cannot create bech32m multisig addresses")));
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, keys, "p2wsh"}).second, "Unknown address type 'p2wsh'");
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, json::array{"zz"}}).second,
              "Pubkey \"zz\" must be a hex string");
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, json::array{"0011"}}).second,
              "Pubkey \"0011\" must have a length of either 33 or 65 bytes");
    const std::string bad = "02" + std::string(64, '0');
    EXPECT_EQ(rpc.error("createmultisig", json::array{1, json::array{json::value(bad)}}).second,
              "Pubkey \"" + bad + "\" must be cryptographically valid.");
    EXPECT_EQ(rpc.error("createmultisig", json::array{"2", keys}).first, rpc::RPC_TYPE_ERROR);
    EXPECT_EQ(rpc.error("createmultisig", json::array{1.5, keys}),
              std::make_pair(int(rpc::RPC_MISC_ERROR), std::string("JSON integer out of range")));
}

TEST(GetDescriptorInfo, FieldsChecksumAndErrors) {
    RpcCaller rpc;
    const std::string pk = "pk(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)";
    json::value r = rpc.call("getdescriptorinfo", json::array{json::value(pk)});
    EXPECT_EQ(r.at("descriptor"), json::value(with_checksum(pk)));
    EXPECT_EQ(r.at("checksum"), json::value(descriptor_checksum(pk)));
    EXPECT_EQ(r.at("isrange"), false);
    EXPECT_EQ(r.at("issolvable"), true);
    EXPECT_EQ(r.at("hasprivatekeys"), false);
    EXPECT_EQ(rpc.call("getdescriptorinfo", json::array{json::value(with_checksum(pk))}), r);

    // A private key: the descriptor is shown public, the checksum is the input's.
    const std::string priv = "wpkh(" + std::string(kTprv) + "/1/1/*)";
    r = rpc.call("getdescriptorinfo", json::array{json::value(priv)});
    EXPECT_EQ(r.at("descriptor"), json::value(with_checksum("wpkh(" + std::string(kTpub) + "/1/1/*)")));
    EXPECT_EQ(r.at("checksum"), json::value(descriptor_checksum(priv)));
    EXPECT_EQ(r.at("isrange"), true);
    EXPECT_EQ(r.at("hasprivatekeys"), true);
    EXPECT_EQ(rpc.call("getdescriptorinfo", json::array{"raw(51)"}).at("issolvable"), false);

    // Multipath: the first alternative, and all of them.
    r = rpc.call("getdescriptorinfo", json::array{json::value("wpkh(" + std::string(kTpub) + "/<0;1>/*)")});
    EXPECT_EQ(r.at("descriptor"), json::value(with_checksum("wpkh(" + std::string(kTpub) + "/0/*)")));
    EXPECT_EQ(r.at("multipath_expansion").as_array().size(), 2u);

    EXPECT_EQ(rpc.error("getdescriptorinfo", json::array{json::value(pk + "#aaaaaaaa")}).first,
              rpc::RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(rpc.error("getdescriptorinfo", json::array{json::value(pk + "#aaaa")}).second,
              "Expected 8 character checksum, not 4 characters");
    EXPECT_EQ(rpc.error("getdescriptorinfo", json::array{""}).first, rpc::RPC_INVALID_ADDRESS_OR_KEY);
    EXPECT_EQ(rpc.error("getdescriptorinfo", json::array{1}).first, rpc::RPC_TYPE_ERROR);
}

TEST(DeriveAddresses, CoreVectors) {
    RpcCaller rpc;
    const std::string address = "bcrt1qjqmxmkpmxt80xz4y3746zgt0q3u3ferr34acd5";
    EXPECT_EQ(rpc.error("deriveaddresses", json::array{"a"}),
              std::make_pair(int(rpc::RPC_INVALID_ADDRESS_OR_KEY), std::string("Missing checksum")));
    const std::string single = "wpkh(" + std::string(kTprv) + "/1/1/0)#t6wfjs64";
    EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value(single)}),
              json::value(json::array{json::value(address)}));
    EXPECT_EQ(rpc.error("deriveaddresses", json::array{json::value(single.substr(0, single.size() - 9))}).second,
              "Missing checksum");
    EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value("wpkh(" + std::string(kTpub) + "/1/1/0)#s9ga3alw")}),
              json::value(json::array{json::value(address)}));
    const std::string ranged = "wpkh(" + std::string(kTprv) + "/1/1/*)#kft60nuy";
    const json::array two{"bcrt1qhku5rq7jz8ulufe2y6fkcpnlvpsta7rq4442dy",
                          "bcrt1qpgptk2gvshyl0s9lqshsmx932l9ccsv265tvaq"};
    EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value(ranged), json::array{1, 2}}), json::value(two));
    json::array three{json::value(address)};
    three.insert(three.end(), two.begin(), two.end());
    EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value(ranged), 2}), json::value(three));

    auto err = [&](json::value desc, json::value range) {
        return rpc.error("deriveaddresses", json::array{std::move(desc), std::move(range)});
    };
    EXPECT_EQ(err(json::value(single), json::array{0, 2}).second,
              "Range should not be specified for an un-ranged descriptor");
    EXPECT_EQ(rpc.error("deriveaddresses", json::array{json::value(ranged)}).second,
              "Range must be specified for a ranged descriptor");
    EXPECT_EQ(err(json::value(ranged), 10000000000LL).second, "End of range is too high");
    EXPECT_EQ(err(json::value(ranged), json::array{1000000000, 2000000000}).second, "Range is too large");
    EXPECT_EQ(err(json::value(ranged), json::array{2, 10000000000LL}).second, "End of range is too high");
    EXPECT_EQ(err(json::value(ranged), json::array{2, 0}).second,
              "Range specified as [begin,end] must not have begin after end");
    EXPECT_EQ(err(json::value(ranged), json::array{-1, 0}).second, "Range should be greater or equal than 0");
    EXPECT_EQ(err(json::value(ranged), "2").first, rpc::RPC_INVALID_PARAMETER);

    // combo() gives P2PKH, P2WPKH and P2SH-P2WPKH; its P2PK script has no address.
    EXPECT_EQ(
        rpc.call("deriveaddresses", json::array{json::value(with_checksum("combo(" + std::string(kTprv) + "/1/1/0)"))}),
        json::value(json::array{"mtfUoUax9L4tzXARpw1oTGxWyoogp52KhJ", json::value(address),
                                "2NDvEwGfpEqJWfybzpKPHF2XH3jwoQV3D7x"}));
    // Multipath: one list per alternative.
    const json::value mp = rpc.call(
        "deriveaddresses",
        json::array{json::value(with_checksum("wpkh(" + std::string(kTpub) + "/1/<1;2>/*)")), json::array{0, 1}});
    ASSERT_EQ(mp.as_array().size(), 2u);
    EXPECT_EQ(mp.as_array()[0].as_array()[0], json::value(address));
    // No address: a bare key, or raw() of a non-standard script.
    EXPECT_EQ(
        rpc.error("deriveaddresses", json::array{json::value(with_checksum(
                                         "pk(0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798)"))}),
        std::make_pair(int(rpc::RPC_INVALID_ADDRESS_OR_KEY),
                       std::string("Descriptor does not have a corresponding address")));
    // A hardened step needs the private key.
    EXPECT_EQ(rpc.error("deriveaddresses",
                        json::array{json::value(with_checksum("wpkh(" + std::string(kTpub) + "/1h/*)")), 1})
                  .second,
              "Cannot derive script without private keys");
}

TEST(MessageRpc, CoreVectorsAndErrors) {
    RpcCaller rpc;
    const std::string priv = "cUeKHd5orzT3mz8P9pxyREHfsWtVfgsfDjiZZBcjUBAaGk1BTj7N";
    const std::string message = "This is just a test message";
    const std::string expected =
        "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=";
    EXPECT_EQ(rpc.call("signmessagewithprivkey", json::array{json::value(priv), json::value(message)}),
              json::value(expected));
    const std::string p2pkh = "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB";
    EXPECT_EQ(rpc.call("deriveaddresses", json::array{json::value(with_checksum("pkh(" + priv + ")"))}),
              json::value(json::array{json::value(p2pkh)}));
    EXPECT_EQ(rpc.call("verifymessage", json::array{json::value(p2pkh), json::value(expected), json::value(message)}),
              json::value(true));
    EXPECT_EQ(rpc.call("verifymessage", json::array{json::value(p2pkh), json::value(expected), "other"}),
              json::value(false));
    // As Core: segwit addresses do not refer to a key here.
    for (const char* d : {"sh(wpkh(%))", "wpkh(%)"}) {
        std::string desc(d);
        desc.replace(desc.find('%'), 1, priv);
        const json::value addr =
            rpc.call("deriveaddresses", json::array{json::value(with_checksum(desc))}).as_array()[0];
        EXPECT_EQ(rpc.error("verifymessage", json::array{addr, json::value(expected), json::value(message)}),
                  std::make_pair(int(rpc::RPC_TYPE_ERROR), std::string("Address does not refer to key")));
    }
    EXPECT_EQ(rpc.error("signmessagewithprivkey", json::array{"invalid_key", json::value(message)}),
              std::make_pair(int(rpc::RPC_INVALID_ADDRESS_OR_KEY), std::string("Invalid private key")));
    EXPECT_EQ(rpc.error("verifymessage", json::array{"invalid_addr", json::value(expected), json::value(message)}),
              std::make_pair(int(rpc::RPC_INVALID_ADDRESS_OR_KEY), std::string("Invalid address")));
    EXPECT_EQ(rpc.error("verifymessage", json::array{json::value(p2pkh), "invalid_sig", json::value(message)}),
              std::make_pair(int(rpc::RPC_TYPE_ERROR), std::string("Malformed base64 encoding")));
    for (size_t n : {0u, 1u, 3u}) {
        json::array params(n, json::value("dummy"));
        EXPECT_EQ(rpc.error("signmessagewithprivkey", params).first, rpc::RPC_MISC_ERROR) << n;
    }
    for (size_t n : {0u, 2u, 4u}) {
        json::array params(n, json::value("dummy"));
        EXPECT_EQ(rpc.error("verifymessage", params).first, rpc::RPC_MISC_ERROR) << n;
    }
}
