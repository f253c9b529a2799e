// Output script utilities (Core's rpc/output_script.cpp): validateaddress, createmultisig,
// getdescriptorinfo, deriveaddresses.
#include <algorithm>

#include "common/address.h"
#include "common/bech32.h"
#include "common/descriptor.h"
#include "common/script_solver.h"
#include "consensus/pubkey.h"
#include "node/context.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "util/base58.h"
#include "util/hash.h"
#include "util/hex.h"

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// Core's DecodeDestination with its error texts and bech32 error locations (key_io.cpp).
struct DestinationCheck {
    std::optional<Script> script;
    std::string error;
    std::vector<size_t> error_locations;
};

// Core's bech32 CheckCharacters: every character outside 33..126, and every letter whose
// case differs from the first letter's.
std::vector<size_t> bad_characters(const std::string& s) {
    std::vector<size_t> out;
    bool lower = false, upper = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = s[i];
        if (c >= 'a' && c <= 'z') {
            if (upper) out.push_back(i);
            else lower = true;
        } else if (c >= 'A' && c <= 'Z') {
            if (lower) out.push_back(i);
            else upper = true;
        } else if (c < 33 || c > 126) {
            out.push_back(i);
        }
    }
    return out;
}

// Core's bech32::LocateErrors for a string that did not decode.
std::pair<std::string, std::vector<size_t>> locate_bech32_errors(const std::string& s) {
    if (s.size() > bech32::kMaxLength) {
        std::vector<size_t> at;
        for (size_t i = bech32::kMaxLength; i < s.size(); ++i) at.push_back(i);
        return {"Bech32 string too long", at};
    }
    if (auto bad = bad_characters(s); !bad.empty()) return {"Invalid character or mixed case", bad};
    const size_t pos = s.rfind('1');
    if (pos == std::string::npos) return {"Missing separator", {}};
    if (pos == 0 || pos + bech32::kChecksumLength >= s.size()) return {"Invalid separator position", {pos}};
    static const std::string kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    for (size_t i = pos + 1; i < s.size(); ++i)
        if (kCharset.find(char(std::tolower(static_cast<unsigned char>(s[i])))) == std::string::npos)
            return {"Invalid Base 32 character", {i}};
    // Whichever checksum variant explains the string with fewer substitutions (bech32 first).
    std::vector<size_t> best;
    std::optional<bech32::Encoding> which;
    for (bech32::Encoding e : {bech32::Encoding::BECH32, bech32::Encoding::BECH32M}) {
        std::vector<size_t> at = bech32::locate_errors(s, e);
        if (best.empty() || (!at.empty() && at.size() < best.size())) {
            best = std::move(at);
            if (!best.empty()) which = e;
        }
    }
    const char* message = which == bech32::Encoding::BECH32M  ? "Invalid Bech32m checksum"
                          : which == bech32::Encoding::BECH32 ? "Invalid Bech32 checksum"
                                                              : "Invalid checksum";
    return {message, best};
}

DestinationCheck check_destination(const std::string& str, const ChainParams& params) {
    DestinationCheck r;
    const std::string& hrp = params.bech32_hrp;
    std::string head = str.substr(0, hrp.size());
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    const bool is_bech32 = head == hrp;
    if (!is_bech32) {
        if (auto data = base58check_decode(str, 21)) {
            if (data->size() == 21 &&
                ((*data)[0] == params.base58.pubkey_address || (*data)[0] == params.base58.script_address)) {
                r.script = decode_address(str, params);
                return r;
            }
            if (!data->empty() &&
                ((*data)[0] == params.base58.script_address || (*data)[0] == params.base58.pubkey_address))
                r.error = "Invalid length for Base58 address (P2PKH or P2SH)";
            else r.error = "Invalid or unsupported Base58-encoded address.";
            return r;
        }
        r.error = base58_decode(str, 100) ? "Invalid checksum or length of Base58 address (P2PKH or P2SH)"
                                          : "Invalid or unsupported Segwit (Bech32) or Base58 encoding.";
        return r;
    }
    const bech32::DecodeResult dec = bech32::decode(str);
    if (!dec) {
        std::tie(r.error, r.error_locations) = locate_bech32_errors(str);
        return r;
    }
    const bech32::Decoded& d = *dec.value;
    if (d.data.empty()) {
        r.error = "Empty Bech32 data section";
        return r;
    }
    if (d.hrp != hrp) {
        r.error =
            "Invalid or unsupported prefix for Segwit (Bech32) address (expected " + hrp + ", got " + d.hrp + ").";
        return r;
    }
    const int version = d.data[0];
    if (version == 0 && d.encoding != bech32::Encoding::BECH32) {
        r.error = "Version 0 witness address must use Bech32 checksum";
        return r;
    }
    if (version != 0 && d.encoding != bech32::Encoding::BECH32M) {
        r.error = "Version 1+ witness address must use Bech32m checksum";
        return r;
    }
    const auto program = bech32::convert_bits(std::span(d.data).subspan(1), 5, 8, false);
    if (!program) {
        r.error = "Invalid padding in Bech32 data section";
        return r;
    }
    const size_t n = program->size();
    const std::string bytes = std::to_string(n) + (n == 1 ? " byte" : " bytes");
    if (version == 0 && n != 20 && n != 32) {
        r.error = "Invalid Bech32 v0 address program size (" + bytes + "), per BIP141";
        return r;
    }
    const bool taproot_or_anchor =
        version == 1 && (n == 32 || (n == 2 && (*program)[0] == 0x4e && (*program)[1] == 0x73));
    if (!taproot_or_anchor && version != 0) {
        if (version > 16) {
            r.error = "Invalid Bech32 address witness version";
            return r;
        }
        if (n < 2 || n > 40) {
            r.error = "Invalid Bech32 address program size (" + bytes + ")";
            return r;
        }
    }
    r.script = decode_address(str, params);
    if (!r.script) r.error = "Invalid or unsupported Segwit (Bech32) or Base58 encoding.";  // not expected
    return r;
}

// Core's DescribeAddress fields for a valid address.
void describe_address(const Script& script, json::object& o) {
    std::optional<Destination> dest = extract_destination(script);
    if (!dest) return;
    auto witness = [&](int version, ByteView program, bool is_script) {
        o["isscript"] = is_script;
        o["iswitness"] = true;
        o["witness_version"] = version;
        o["witness_program"] = hex_encode(program);
    };
    std::visit(
        [&](const auto& d) {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, PKHashDest>) {
                o["isscript"] = false;
                o["iswitness"] = false;
            } else if constexpr (std::is_same_v<T, ScriptHashDest>) {
                o["isscript"] = true;
                o["iswitness"] = false;
            } else if constexpr (std::is_same_v<T, WitnessV0KeyHashDest>) {
                witness(0, ByteView(d.hash.data(), d.hash.size()), false);
            } else if constexpr (std::is_same_v<T, WitnessV0ScriptHashDest>) {
                witness(0, ByteView(d.hash.data(), d.hash.size()), true);
            } else if constexpr (std::is_same_v<T, WitnessV1TaprootDest>) {
                witness(1, ByteView(d.output_key.data(), d.output_key.size()), true);
            } else {
                // Pay-to-anchor is a script (Core's PayToAnchor); other unknown versions say nothing of it.
                const bool anchor = d.version == 1 && d.program == Bytes{0x4e, 0x73};
                if (anchor) o["isscript"] = true;
                o["iswitness"] = true;
                o["witness_version"] = d.version;
                o["witness_program"] = hex_encode(d.program);
            }
        },
        *dest);
}

json::value validate_address(NodeContext& node, const RpcRequest& req) {
    const DestinationCheck c = check_destination(req.get_str(0), node.params);
    json::object r;
    r["isvalid"] = c.script.has_value();
    if (c.script) {
        r["address"] = encode_address(*c.script, node.params).value_or("");
        r["scriptPubKey"] = hex_encode(c.script->view());
        describe_address(*c.script, r);
    } else {
        json::array at;
        for (size_t i : c.error_locations) at.push_back(int64_t(i));
        r["error_locations"] = std::move(at);
        r["error"] = c.error;
    }
    return r;
}

// Core's HexToPubKey.
Bytes hex_to_pubkey(const std::string& hex) {
    if (!is_hex(hex)) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Pubkey \"" + hex + "\" must be a hex string");
    if (hex.size() != 66 && hex.size() != 130)
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY,
                       "Pubkey \"" + hex + "\" must have a length of either 33 or 65 bytes");
    Bytes pk = *hex_decode(hex);
    if (!is_fully_valid_pubkey(pk))
        throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Pubkey \"" + hex + "\" must be cryptographically valid.");
    return pk;
}

json::value create_multisig(NodeContext& node, const RpcRequest& req) {
    const int64_t required = json_int(req.at(0), INT32_MIN, INT32_MAX);
    std::vector<Bytes> keys;
    for (const json::value& k : req.at(1).as_array()) keys.push_back(hex_to_pubkey(json_str(k)));
    std::string type = "legacy";
    if (req.has(2)) {
        type = req.get_str(2);
        if (type == "bech32m")
            throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "createmultisig cannot create bech32m multisig addresses");
        if (type != "legacy" && type != "p2sh-segwit" && type != "bech32")
            throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Unknown address type '" + type + "'");
    }
    if (required < 1)
        throw RpcError(RPC_INVALID_PARAMETER, "a multisignature address must require at least one key to redeem");
    if (int64_t(keys.size()) < required)
        throw RpcError(RPC_INVALID_PARAMETER, "not enough keys supplied (got " + std::to_string(keys.size()) +
                                                  " keys, but need at least " + std::to_string(required) +
                                                  " to redeem)");
    if (keys.size() > size_t(kMaxPubkeysPerMultisig))
        throw RpcError(RPC_INVALID_PARAMETER, "Number of keys involved in the multisignature address creation > " +
                                                  std::to_string(kMaxPubkeysPerMultisig) + "\nReduce the number");
    Script ms;
    ms.push_int(required);
    for (const Bytes& k : keys) ms.push_data(k);
    ms.push_int(int64_t(keys.size())).push_op(OP_CHECKMULTISIG);

    // Segwit needs compressed keys: uncompressed ones force a legacy (P2SH) address.
    const std::string requested = type;
    if (std::any_of(keys.begin(), keys.end(), [](const Bytes& k) { return k.size() != 33; })) type = "legacy";
    if (type == "legacy" && ms.size() > kMaxScriptElementSize)
        throw RpcError(RPC_INVALID_PARAMETER, "redeemScript exceeds size limit: " + std::to_string(ms.size()) + " > " +
                                                  std::to_string(kMaxScriptElementSize));
    std::string inner = "multi(" + std::to_string(required);
    for (const Bytes& k : keys) inner += "," + hex_encode(k);
    inner += ")";
    Script wsh;
    wsh.push_op(OP_0).push_data(sha256(ms.view()).view());
    Script spk;
    std::string desc;
    if (type == "bech32") {
        spk = wsh;
        desc = "wsh(" + inner + ")";
    } else {
        const Script& redeemed = type == "p2sh-segwit" ? wsh : ms;
        spk.push_op(OP_HASH160).push_data(hash160(redeemed.view())).push_op(OP_EQUAL);
        desc = type == "p2sh-segwit" ? "sh(wsh(" + inner + "))" : "sh(" + inner + ")";
    }
    json::object r;
    r["address"] = encode_address(spk, node.params).value_or("");
    r["redeemScript"] = hex_encode(ms.view());
    r["descriptor"] = add_descriptor_checksum(desc);
    if (type != requested) {
        json::array w;
        w.push_back("Unable to make chosen address type, please ensure no uncompressed public keys are present.");
        r["warnings"] = std::move(w);
    }
    return r;
}

json::value get_descriptor_info(NodeContext& node, const RpcRequest& req) {
    const std::string text = req.get_str(0);
    std::string error;
    std::optional<Descriptor> desc = Descriptor::parse(text, node.params, &error);
    if (!desc) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
    const std::vector<Descriptor> parts = desc->split_multipath();
    json::object r;
    r["descriptor"] = parts.at(0).to_string();
    if (parts.size() > 1) {
        json::array all;
        for (const Descriptor& d : parts) all.push_back(json::value(d.to_string()));
        r["multipath_expansion"] = std::move(all);
    }
    r["checksum"] = descriptor_checksum(std::string_view(text).substr(0, text.find('#')));
    r["isrange"] = desc->is_range();
    r["issolvable"] = desc->is_solvable();
    r["hasprivatekeys"] = desc->has_private_keys();
    return r;
}

json::value derive_addresses(NodeContext& node, const RpcRequest& req) {
    const std::string text = req.get_str(0);
    int64_t begin = 0, end = 0;
    if (req.has(1)) std::tie(begin, end) = parse_descriptor_range(req.at(1));
    std::string error;
    std::optional<Descriptor> desc = Descriptor::parse(text, node.params, &error, /*require_checksum=*/true);
    if (!desc) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, error);
    if (!desc->is_range() && req.has(1))
        throw RpcError(RPC_INVALID_PARAMETER, "Range should not be specified for an un-ranged descriptor");
    if (desc->is_range() && !req.has(1))
        throw RpcError(RPC_INVALID_PARAMETER, "Range must be specified for a ranged descriptor");
    const std::vector<Descriptor> parts = desc->split_multipath();
    json::array all;
    for (const Descriptor& d : parts) {
        json::array addresses;
        for (int64_t i = begin; i <= end; ++i) {
            auto scripts = d.expand(uint32_t(i));
            if (!scripts) throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Cannot derive script without private keys");
            for (const ExpandedScript& e : *scripts) {
                std::optional<std::string> a = encode_address(e.script_pubkey, node.params);
                if (!a) {
                    // combo() also gives the P2PK script, which has no address: skip it.
                    if (scripts->size() > 1 && classify(e.script_pubkey) == TxoutType::PUBKEY) continue;
                    throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Descriptor does not have a corresponding address");
                }
                addresses.push_back(json::value(*a));
            }
        }
        if (addresses.empty())
            throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Descriptor does not have a corresponding address");
        if (parts.size() == 1) return addresses;
        all.push_back(std::move(addresses));
    }
    return all;
}

const char* const kDescriptorExamples =
    "Examples of output descriptors are:\n"
    "    pkh(<pubkey>)                                     P2PKH outputs for the given pubkey\n"
    "    wpkh(<pubkey>)                                    Native segwit P2PKH outputs for the given pubkey\n"
    "    sh(multi(<n>,<pubkey>,<pubkey>,...))              P2SH-multisig outputs for the given threshold and "
    "pubkeys\n"
    "    raw(<hex script>)                                 Outputs whose output script equals the specified "
    "hex-encoded bytes\n"
    "    tr(<pubkey>,multi_a(<n>,<pubkey>,<pubkey>,...))   P2TR-multisig outputs for the given threshold and "
    "pubkeys\n"
    "\n"
    "In the above, <pubkey> either refers to a fixed public key in hexadecimal notation, or to an xpub/xprv "
    "optionally followed by one\n"
    "or more path elements separated by \"/\", where \"h\" represents a hardened child key.\n"
    "For more information on output descriptors, see the documentation in the doc/descriptors.md file.";

}  // namespace

void register_output_script_commands(RpcTable& t) {
    t.add({"util",
           "validateaddress",
           "Return information about the given bitcoin address.",
           {{"address", ArgType::STR, true, "", "The bitcoin address to validate"}},
           "{\n"
           "  \"isvalid\" : true|false,           (boolean) If the address is valid or not\n"
           "  \"address\" : \"str\",                (string, optional) The bitcoin address validated\n"
           "  \"scriptPubKey\" : \"hex\",           (string, optional) The hex-encoded output script generated by the "
           "address\n"
           "  \"isscript\" : true|false,          (boolean, optional) If the key is a script\n"
           "  \"iswitness\" : true|false,         (boolean, optional) If the address is a witness address\n"
           "  \"witness_version\" : n,            (numeric, optional) The version number of the witness program\n"
           "  \"witness_program\" : \"hex\",        (string, optional) The hex value of the witness program\n"
           "  \"error\" : \"str\",                  (string, optional) Error message, if any\n"
           "  \"error_locations\" : [             (json array, optional) Indices of likely error locations in "
           "address, if known (e.g. Bech32 errors)\n"
           "    n,                              (numeric) index of a potential error\n"
           "    ...\n"
           "  ]\n"
           "}",
           validate_address,
           true});

    t.add({"util",
           "createmultisig",
           "Creates a multi-signature address with n signatures of m keys required.\n"
           "It returns a json object with the address and redeemScript.",
           {{"nrequired", ArgType::NUM, true, "", "The number of required signatures out of the n keys."},
            {"keys", ArgType::ARR, true, "", "The hex-encoded public keys: [\"key\",...]"},
            {"address_type", ArgType::STR, false, "\"legacy\"",
             "The address type to use. Options are \"legacy\", \"p2sh-segwit\", and \"bech32\"."}},
           "{\n"
           "  \"address\" : \"str\",            (string) The value of the new multisig address.\n"
           "  \"redeemScript\" : \"hex\",       (string) The string value of the hex-encoded redemption script.\n"
           "  \"descriptor\" : \"str\",         (string) The descriptor for this multisig\n"
           "  \"warnings\" : [                (json array, optional) Any warnings resulting from the creation of "
           "this multisig\n"
           "    \"str\",                      (string)\n"
           "    ...\n"
           "  ]\n"
           "}",
           create_multisig,
           true});

    t.add({"util",
           "getdescriptorinfo",
           "Analyses a descriptor.",
           {{"descriptor", ArgType::STR, true, "", "The descriptor."}},
           "{\n"
           "  \"descriptor\" : \"str\",             (string) The descriptor in canonical form, without private keys. "
           "For a multipath descriptor, only the first will be returned.\n"
           "  \"multipath_expansion\" : [         (json array, optional) All descriptors produced by expanding "
           "multipath derivation elements. Only if the provided descriptor specifies multipath derivation elements.\n"
           "    \"str\",                          (string)\n"
           "    ...\n"
           "  ],\n"
           "  \"checksum\" : \"str\",               (string) The checksum for the input descriptor\n"
           "  \"isrange\" : true|false,           (boolean) Whether the descriptor is ranged\n"
           "  \"issolvable\" : true|false,        (boolean) Whether the descriptor is solvable\n"
           "  \"hasprivatekeys\" : true|false     (boolean) Whether the input descriptor contained at least one "
           "private key\n"
           "}",
           get_descriptor_info,
           true});

    t.add({"util",
           "deriveaddresses",
           std::string("Derives one or more addresses corresponding to an output descriptor.\n") + kDescriptorExamples,
           {{"descriptor", ArgType::STR, true, "", "The descriptor."},
            {"range", ArgType::RANGE, false, "",
             "If a ranged descriptor is used, this specifies the end or the range (in [begin,end] notation) to "
             "derive."}},
           "Result (for single derivation descriptors):\n"
           "[           (json array)\n"
           "  \"str\",    (string) the derived addresses\n"
           "  ...\n"
           "]\n"
           "\n"
           "Result (for multipath descriptors):\n"
           "[           (json array) The derived addresses for each of the multipath expansions of the descriptor, in "
           "multipath specifier order\n"
           "  [         (json array) The derived addresses for a multipath descriptor expansion\n"
           "    \"str\",  (string) the derived address\n"
           "    ...\n"
           "  ],\n"
           "  ...\n"
           "]",
           derive_addresses,
           true});
}

}  // namespace minicash::rpc
