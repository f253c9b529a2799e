#include "common/address.h"

#include <openssl/crypto.h>
#include <secp256k1.h>

#include <algorithm>
#include <cstring>

#include "common/bech32.h"
#include "util/base58.h"

namespace minicash {
namespace {

// Prefixes of every network we know, to tell "wrong network" from "garbage".
constexpr uint8_t kMainPubkey = 0, kMainScript = 5, kMainSecret = 128;
constexpr uint8_t kTestPubkey = 111, kTestScript = 196, kTestSecret = 239;
const char* const kKnownHrps[] = {"bc", "tb", "bcrt"};

constexpr char kBase58Alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

bool is_base58_char(char c) { return c != '\0' && std::strchr(kBase58Alphabet, c) != nullptr; }

std::string lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

Script witness_script(int version, ByteView program) {
    Script s;
    s.push_op(version == 0 ? OP_0 : static_cast<Opcode>(OP_1 + version - 1));
    s.push_data(program);
    return s;
}

template <size_t N>
std::array<uint8_t, N> to_array(ByteView v) {
    std::array<uint8_t, N> a{};
    std::copy(v.begin(), v.end(), a.begin());
    return a;
}

// A bech32(m) string with a valid checksum -> output script, or an explanation.
std::optional<Script> decode_segwit(const bech32::Decoded& dec, const ChainParams& params, AddressError& err) {
    if (dec.hrp != params.bech32_hrp) {
        err.message = "address is for another network: human-readable part '" + dec.hrp + "', expected '" +
                      params.bech32_hrp + "'";
        for (size_t i = 0; i < dec.hrp.size(); ++i) err.positions.push_back(i);
        return std::nullopt;
    }
    const size_t version_pos = dec.hrp.size() + 1;
    if (dec.data.empty()) {
        err.message = "empty bech32 data section (no witness version)";
        return std::nullopt;
    }
    const int version = dec.data[0];
    if (version > 16) {
        err.message = "invalid witness version " + std::to_string(version) + " (must be 0 to 16)";
        err.positions.push_back(version_pos);
        return std::nullopt;
    }
    if (version == 0 && dec.encoding != bech32::Encoding::BECH32) {
        err.message = "witness version 0 address must use the bech32 checksum, not bech32m";
        return std::nullopt;
    }
    if (version != 0 && dec.encoding != bech32::Encoding::BECH32M) {
        err.message = "witness version " + std::to_string(version) +
                      " address must use the bech32m checksum (BIP350), not bech32";
        return std::nullopt;
    }
    const std::optional<std::vector<uint8_t>> program =
        bech32::convert_bits(std::span(dec.data).subspan(1), 5, 8, false);
    if (!program) {
        err.message = "invalid padding in the bech32 data section";
        return std::nullopt;
    }
    const size_t n = program->size();
    if (version == 0 && n != 20 && n != 32) {
        err.message =
            "invalid witness program length for version 0: " + std::to_string(n) + " bytes (must be 20 or 32, BIP141)";
        return std::nullopt;
    }
    if (n < 2 || n > 40) {
        err.message = "invalid witness program length: " + std::to_string(n) + " bytes (must be 2 to 40)";
        return std::nullopt;
    }
    return witness_script(version, *program);
}

std::optional<Script> decode_base58(const Bytes& payload, const ChainParams& params, AddressError& err) {
    if (payload.size() != 21) {
        err.message = "invalid length for a Base58 address: " + std::to_string(payload.size()) +
                      "-byte payload (P2PKH and P2SH take 21)";
        return std::nullopt;
    }
    const uint8_t prefix = payload[0];
    const ByteView hash = ByteView(payload).subspan(1);
    if (prefix == params.base58.pubkey_address) { return script_for_destination(PKHashDest{to_array<20>(hash)}); }
    if (prefix == params.base58.script_address) { return script_for_destination(ScriptHashDest{to_array<20>(hash)}); }
    if (prefix == kMainPubkey || prefix == kMainScript || prefix == kTestPubkey || prefix == kTestScript) {
        err.message = "address is for another network (Base58 version byte " + std::to_string(prefix) +
                      "; this network uses " + std::to_string(params.base58.pubkey_address) + " and " +
                      std::to_string(params.base58.script_address) + ")";
    } else {
        err.message = "unknown Base58 address version byte " + std::to_string(prefix);
    }
    return std::nullopt;
}

// Both decoders failed: say what is most likely wrong.
void explain_failure(const std::string& str, const bech32::DecodeResult& dec, const ChainParams& params,
                     AddressError& err) {
    const std::string low = lower(str);
    bool looks_bech32 = false;
    std::vector<std::string> hrps(std::begin(kKnownHrps), std::end(kKnownHrps));
    hrps.push_back(params.bech32_hrp);
    for (const std::string& h : hrps) {
        if (low.size() > h.size() && low.compare(0, h.size(), h) == 0 && low[h.size()] == '1') looks_bech32 = true;
    }
    if (looks_bech32) {
        err.positions = dec.error_positions;
        switch (dec.error) {
        case bech32::Error::BAD_CHECKSUM: {
            // The witness version character tells which variant was meant.
            const size_t sep = low.rfind('1');
            bech32::Encoding expected = bech32::Encoding::BECH32M;
            if (sep + 1 < low.size() && low[sep + 1] == 'q') expected = bech32::Encoding::BECH32;
            err.message = std::string("invalid ") + bech32::encoding_name(expected) + " checksum";
            err.positions = bech32::locate_errors(str, expected);
            break;
        }
        case bech32::Error::TOO_LONG:
            err.message = "bech32 string too long (" + std::to_string(str.size()) + " characters, at most " +
                          std::to_string(bech32::kMaxLength) + ")";
            break;
        default: err.message = std::string("invalid bech32 address: ") + bech32::error_string(dec.error); break;
        }
        return;
    }
    for (size_t i = 0; i < str.size(); ++i) {
        if (!is_base58_char(str[i])) {
            err.message = "not a Base58 or bech32 address: invalid character at position " + std::to_string(i);
            err.positions = {i};
            return;
        }
    }
    err.message = "invalid Base58Check checksum or length";
}

}  // namespace

std::optional<Destination> extract_destination(const Script& script) {
    const Bytes& b = script.bytes();
    if (b.size() == 25 && b[0] == OP_DUP && b[1] == OP_HASH160 && b[2] == 20 && b[23] == OP_EQUALVERIFY &&
        b[24] == OP_CHECKSIG) {
        return PKHashDest{to_array<20>(ByteView(b).subspan(3, 20))};
    }
    if (script.is_p2sh()) return ScriptHashDest{to_array<20>(ByteView(b).subspan(2, 20))};
    int version = 0;
    Bytes program;
    if (script.is_witness_program(version, program)) {
        if (version == 0) {
            if (program.size() == 20) return WitnessV0KeyHashDest{to_array<20>(program)};
            if (program.size() == 32) return WitnessV0ScriptHashDest{to_array<32>(program)};
            return std::nullopt;
        }
        if (version == 1 && program.size() == 32) return WitnessV1TaprootDest{to_array<32>(program)};
        return WitnessUnknownDest{version, std::move(program)};
    }
    return std::nullopt;
}

Script script_for_destination(const Destination& dest) {
    struct Visitor {
        Script operator()(const PKHashDest& d) const {
            Script s;
            s.push_op(OP_DUP).push_op(OP_HASH160).push_data(d.hash).push_op(OP_EQUALVERIFY).push_op(OP_CHECKSIG);
            return s;
        }
        Script operator()(const ScriptHashDest& d) const {
            Script s;
            s.push_op(OP_HASH160).push_data(d.hash).push_op(OP_EQUAL);
            return s;
        }
        Script operator()(const WitnessV0KeyHashDest& d) const { return witness_script(0, d.hash); }
        Script operator()(const WitnessV0ScriptHashDest& d) const { return witness_script(0, d.hash); }
        Script operator()(const WitnessV1TaprootDest& d) const { return witness_script(1, d.output_key); }
        Script operator()(const WitnessUnknownDest& d) const { return witness_script(d.version, d.program); }
    };
    return std::visit(Visitor{}, dest);
}

std::string encode_destination(const Destination& dest, const ChainParams& params) {
    auto base58 = [](uint8_t prefix, ByteView hash) {
        Bytes payload{prefix};
        append(payload, hash);
        return base58check_encode(payload);
    };
    auto segwit = [&](int version, ByteView program) {
        std::vector<uint8_t> data{static_cast<uint8_t>(version)};
        const std::vector<uint8_t> groups = *bech32::convert_bits(program, 8, 5, true);
        data.insert(data.end(), groups.begin(), groups.end());
        return bech32::encode(version == 0 ? bech32::Encoding::BECH32 : bech32::Encoding::BECH32M, params.bech32_hrp,
                              data);
    };
    struct Visitor {
        decltype(base58)& b58;
        decltype(segwit)& sw;
        const ChainParams& p;
        std::string operator()(const PKHashDest& d) const { return b58(p.base58.pubkey_address, d.hash); }
        std::string operator()(const ScriptHashDest& d) const { return b58(p.base58.script_address, d.hash); }
        std::string operator()(const WitnessV0KeyHashDest& d) const { return sw(0, d.hash); }
        std::string operator()(const WitnessV0ScriptHashDest& d) const { return sw(0, d.hash); }
        std::string operator()(const WitnessV1TaprootDest& d) const { return sw(1, d.output_key); }
        std::string operator()(const WitnessUnknownDest& d) const { return sw(d.version, d.program); }
    };
    return std::visit(Visitor{base58, segwit, params}, dest);
}

std::optional<std::string> encode_address(const Script& script, const ChainParams& params) {
    const std::optional<Destination> dest = extract_destination(script);
    if (!dest) return std::nullopt;
    return encode_destination(*dest, params);
}

std::optional<Script> decode_address(const std::string& address, const ChainParams& params, AddressError& err) {
    err = AddressError{};
    if (address.empty()) {
        err.message = "empty address";
        return std::nullopt;
    }
    const bech32::DecodeResult dec = bech32::decode(address);
    if (dec) return decode_segwit(*dec.value, params, err);
    // Payloads longer than a WIF key are never addresses; the limit keeps decoding cheap.
    std::optional<Bytes> payload = base58check_decode(address, 40);
    if (payload) return decode_base58(*payload, params, err);
    explain_failure(address, dec, params, err);
    return std::nullopt;
}

std::optional<Script> decode_address(const std::string& address, const ChainParams& params, std::string* error) {
    AddressError err;
    std::optional<Script> script = decode_address(address, params, err);
    if (!script && error) *error = err.message;
    return script;
}

WifKey::~WifKey() { OPENSSL_cleanse(secret.data(), secret.size()); }

std::string encode_wif(std::span<const uint8_t, 32> secret, bool compressed, const ChainParams& params) {
    Bytes payload;
    payload.reserve(34);
    payload.push_back(params.base58.secret_key);
    payload.insert(payload.end(), secret.begin(), secret.end());
    if (compressed) payload.push_back(1);
    std::string out = base58check_encode(payload);
    OPENSSL_cleanse(payload.data(), payload.size());
    return out;
}

std::optional<WifKey> decode_wif(const std::string& wif, const ChainParams& params, std::string* error) {
    auto fail = [&](const std::string& msg) -> std::optional<WifKey> {
        if (error) *error = msg;
        return std::nullopt;
    };
    std::optional<Bytes> payload = base58check_decode(wif, 40);
    if (!payload) return fail("invalid WIF private key: bad Base58Check encoding or checksum");
    struct Wipe {
        Bytes& b;
        ~Wipe() { OPENSSL_cleanse(b.data(), b.size()); }
    } wipe{*payload};
    const Bytes& p = *payload;
    if (p.size() != 33 && p.size() != 34) {
        return fail("invalid WIF private key length (" + std::to_string(p.size()) +
                    "-byte payload, expected 33 or 34)");
    }
    if (p[0] != params.base58.secret_key) {
        if (p[0] == kMainSecret || p[0] == kTestSecret) return fail("WIF private key is for another network");
        return fail("invalid WIF private key version byte " + std::to_string(p[0]));
    }
    if (p.size() == 34 && p[33] != 1) return fail("invalid WIF private key: compression flag byte must be 01");
    WifKey key;
    std::copy(p.begin() + 1, p.begin() + 33, key.secret.begin());
    key.compressed = p.size() == 34;
    if (!secp256k1_ec_seckey_verify(secp256k1_context_static, key.secret.data())) {
        return fail("invalid WIF private key: secret is zero or not below the curve order");
    }
    return key;
}

}  // namespace minicash
