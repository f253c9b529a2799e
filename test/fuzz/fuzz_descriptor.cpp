// libFuzzer target: output descriptors (common/descriptor.h) parsed from arbitrary text
// (what importdescriptors, getdescriptorinfo, deriveaddresses and scantxoutset receive).
//
// The text is parsed for mainnet, and for regtest when mainnet refuses it (the key and
// address versions differ).
//
// Properties:
//   * parsing never crashes; a refusal always says why;
//   * the BIP380 checksum is "" or 8 characters of the checksum alphabet;
//   * to_string() is canonical: it carries the checksum of what precedes the '#', parses
//     (with the checksum required) to a descriptor that prints the same text, and the
//     private form (to_string(true)) parses to one with the same public form;
//   * expanding gives the same scripts for the parsed descriptor and the one reparsed
//     from its private text;
//     a range descriptor refuses indexes >= 2^31, a non-range one ignores the index;
//     a multipath descriptor refuses expand() and splits into multipath_count() single
//     path descriptors.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/descriptor.h"

using namespace minicash;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_descriptor: property violated: %s\n", what);
        std::abort();
    }
}

bool same_scripts(const std::optional<std::vector<ExpandedScript>>& a,
                  const std::optional<std::vector<ExpandedScript>>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return true;
    if (a->size() != b->size()) return false;
    for (size_t i = 0; i < a->size(); ++i) {
        const ExpandedScript &x = (*a)[i], &y = (*b)[i];
        if (x.script_pubkey != y.script_pubkey || x.redeem_script != y.redeem_script ||
            x.witness_script != y.witness_script || x.pubkeys.size() != y.pubkeys.size())
            return false;
    }
    return true;
}

void exercise_expand(const Descriptor& d, const Descriptor& reparsed) {
    std::string error;
    auto at0 = d.expand(0, &error);
    check(at0.has_value() || !error.empty(), "expand failed without an error");
    check(same_scripts(at0, reparsed.expand(0)), "reparsed descriptor expands differently");
    if (at0)
        for (const ExpandedScript& s : *at0) check(!s.script_pubkey.empty(), "expanded to an empty script");
    if (d.is_range()) {
        (void)d.expand(1);
        check(!d.expand(0x80000000u).has_value(), "range descriptor expanded a hardened index");
    } else {
        check(same_scripts(at0, d.expand(7)), "non-range descriptor depends on the index");
    }
    (void)d.private_keys(0);
}

void exercise(const Descriptor& d, const ChainParams& params) {
    const std::string text = d.to_string();
    const size_t hash = text.rfind('#');
    check(hash != std::string::npos && text.size() == hash + 9, "to_string without a checksum");
    check(descriptor_checksum(std::string_view(text).substr(0, hash)) == text.substr(hash + 1), "wrong checksum");
    std::string error;
    auto reparsed = Descriptor::parse(text, params, &error, true);
    check(reparsed.has_value(), "canonical text does not parse");
    check(reparsed->to_string() == text, "canonical text is not stable");
    check(reparsed->is_range() == d.is_range() && reparsed->is_solvable() == d.is_solvable() &&
              reparsed->multipath_count() == d.multipath_count(),
          "reparsed descriptor has other properties");

    const std::string priv = d.to_string(true);
    auto from_priv = Descriptor::parse(priv, params, nullptr, true);
    check(from_priv.has_value(), "private text does not parse");
    check(from_priv->to_string(true) == priv && from_priv->to_string() == text, "private text is not stable");
    check(from_priv->has_private_keys() == d.has_private_keys(), "private keys lost");

    if (d.is_multipath()) {
        check(!d.expand(0).has_value(), "multipath descriptor expanded");
        const auto parts = d.split_multipath();
        check(parts.size() == d.multipath_count(), "split_multipath count");
        for (const Descriptor& p : parts) {
            check(!p.is_multipath(), "split part is multipath");
            auto p_again = Descriptor::parse(p.to_string(true), params, nullptr, true);
            check(p_again.has_value(), "split part's text does not parse");
            exercise_expand(p, *p_again);
        }
    } else {
        // Compared with the private text's descriptor: the public text of hardened steps
        // below an xprv cannot be expanded.
        exercise_expand(d, *from_priv);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ChainParams kMain = make_chain_params(Network::MAIN);
    static const ChainParams kRegtest = make_chain_params(Network::REGTEST);
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const std::string sum = descriptor_checksum(text);
    check(sum.empty() || sum.size() == 8, "checksum length");
    for (char c : sum)
        check(std::string_view("qpzry9x8gf2tvdw0s3jn54khce6mua7l").find(c) != std::string_view::npos,
              "checksum character");

    for (const ChainParams* params : {&kMain, &kRegtest}) {
        std::string error;
        auto d = Descriptor::parse(text, *params, &error);
        if (!d) {
            check(!error.empty(), "refused without an error");
            continue;
        }
        exercise(*d, *params);
        break;
    }
    return 0;
}
