// libFuzzer target: address and key text decoders (common/address.h, common/bech32.h,
// util/base58.h): what validateaddress, sendtoaddress, importprivkey-style inputs and
// descriptors' addr() receive.
//
// Properties, for the input as text on every network:
//   * decode_address never crashes and explains every refusal; an address that decodes
//     re-encodes to the same text (lower case for bech32, surrounding whitespace dropped
//     for base58), which decodes to the same script; the script's destination maps back
//     to the same script;
//   * WIF keys re-encode to the same text;
//   * bech32: decoding succeeds exactly when error is NONE; what decodes re-encodes to
//     the input in lower case; error positions lie inside the string;
//   * base58 / base58check: what decodes re-encodes to the input without surrounding
//     whitespace, never longer than the limit asked for;
// and for the input as bytes: base58(check) and 8->5->8 bit regrouping round-trip.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/address.h"
#include "common/bech32.h"
#include "util/base58.h"

using namespace minicash;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_address: property violated: %s\n", what);
        std::abort();
    }
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// As base58_decode skips it: space, \t, \n, \v, \f, \r.
std::string_view trim(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

void exercise_address(const std::string& text, const ChainParams& params) {
    AddressError error;
    auto script = decode_address(text, params, error);
    if (!script) {
        check(!error.message.empty(), "address refused without an error");
        for (size_t p : error.positions) check(p < text.size(), "error position outside the address");
        return;
    }
    auto encoded = encode_address(*script, params);
    check(encoded.has_value(), "decoded address has no encoding");
    check(*encoded == trim(text) || *encoded == lower(text), "address does not re-encode to its text");
    auto again = decode_address(*encoded, params);
    check(again.has_value() && *again == *script, "re-encoded address decodes to another script");
    auto dest = extract_destination(*script);
    check(dest.has_value(), "address script without a destination");
    check(script_for_destination(*dest) == *script, "destination maps to another script");
    check(encode_destination(*dest, params) == *encoded, "destination encodes differently");
}

void exercise_bech32(std::string_view text, size_t max_length) {
    const bech32::DecodeResult r = bech32::decode(text, max_length);
    check(r.value.has_value() == (r.error == bech32::Error::NONE), "result and error disagree");
    for (size_t p : r.error_positions) check(p < text.size(), "bech32 error position outside the string");
    if (!r.value) return;
    check(text.size() <= max_length, "bech32 longer than allowed");
    check(bech32::encode(r.value->encoding, r.value->hrp, r.value->data) == lower(text), "bech32 round trip");
    if (auto bytes = bech32::convert_bits(r.value->data, 5, 8, false)) {
        auto back = bech32::convert_bits(*bytes, 8, 5, true);
        check(back.has_value() && *back == r.value->data, "5->8->5 bits round trip");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ChainParams kParams[] = {make_chain_params(Network::MAIN), make_chain_params(Network::TESTNET4),
                                          make_chain_params(Network::SIGNET), make_chain_params(Network::REGTEST)};
    const std::string text(reinterpret_cast<const char*>(data), size);

    for (const ChainParams& params : kParams) {
        exercise_address(text, params);
        std::string error;
        if (auto wif = decode_wif(text, params, &error))
            check(encode_wif(wif->secret, wif->compressed, params) == trim(text), "WIF does not re-encode");
        else check(!error.empty(), "WIF refused without an error");
    }

    exercise_bech32(text, bech32::kMaxLength);
    exercise_bech32(text, 1023);

    if (auto b = base58_decode(text, 128)) {
        check(b->size() <= 128, "base58 result above the limit");
        check(base58_encode(*b) == trim(text), "base58 does not re-encode to its text");
    }
    if (auto b = base58check_decode(text, 128)) {
        check(b->size() <= 128, "base58check result above the limit");
        check(base58check_encode(*b) == trim(text), "base58check does not re-encode to its text");
    }

    // The input as bytes.
    const ByteView bytes(data, std::min<size_t>(size, 128));
    auto b58 = base58_decode(base58_encode(bytes), 128);
    check(b58.has_value() && *b58 == Bytes(bytes.begin(), bytes.end()), "bytes -> base58 -> bytes");
    auto b58c = base58check_decode(base58check_encode(bytes), 128);
    check(b58c.has_value() && *b58c == Bytes(bytes.begin(), bytes.end()), "bytes -> base58check -> bytes");
    auto five = bech32::convert_bits(bytes, 8, 5, true);
    check(five.has_value(), "8->5 bits with padding failed");
    auto eight = bech32::convert_bits(*five, 5, 8, false);
    check(eight.has_value() && *eight == Bytes(bytes.begin(), bytes.end()), "8->5->8 bits round trip");
    return 0;
}
