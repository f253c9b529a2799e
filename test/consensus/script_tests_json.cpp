// Bitcoin Core's script_tests.json: every test, run as the vectors README describes
// ("What a test does"), plus the flag-monotonicity check (a passing test keeps passing
// with flags removed, a failing one keeps failing with flags added).
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "consensus/interpreter.h"
#include "consensus/pubkey.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "test/util/flag_combos.h"
#include "test/util/script_notation.h"
#include "test/util/vectors.h"
#include "util/hash.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;

namespace {

// Internal key of the tapscript tests: x-only public key of private key 1.
constexpr char kTapInternalKey[] = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
constexpr char kScriptMarker[] = "#SCRIPT#";
constexpr char kControlBlockMarker[] = "#CONTROLBLOCK#";
constexpr char kTaprootOutputNotation[] = "0x51 0x20 #TAPROOTOUTPUT#";

struct ScriptCase {
    size_t index = 0;  // position in the JSON array
    std::string text;  // the entry as JSON, for messages
    Witness witness;
    Amount amount = 0;
    Script script_sig;
    Script script_pubkey;
    ScriptFlags flags = 0;  // after the CLEANSTACK fix-up
    std::string expected;   // "OK" or an error name
};

struct Outcome {
    bool ok = false;
    std::string error;  // script_error_name, or a description of an exception
};

// Single-leaf taproot tree for the tapscript tests: the leaf's control block and the
// scriptPubKey OP_1 <output key>.
struct TaprootSpend {
    Bytes control_block;
    Script script_pubkey;
};

std::optional<TaprootSpend> build_single_leaf_taproot(const Bytes& leaf_script, std::string* why) {
    const Bytes internal = *hex_decode(kTapInternalKey);
    const uint256 leaf = tapleaf_hash(kTaprootLeafTapscript, Script(leaf_script));
    // A tree of one leaf: the merkle root is the leaf hash.
    Bytes tweak_msg = internal;
    append(tweak_msg, leaf.view());
    const uint256 tweak = tagged_hash("TapTweak", tweak_msg);
    const auto output = taproot_tweak_pubkey(internal, tweak);
    if (!output) {
        *why = "taproot_tweak_pubkey failed";
        return std::nullopt;
    }
    TaprootSpend out;
    out.control_block.push_back(uint8_t(kTaprootLeafTapscript | (output->second ? 1 : 0)));
    append(out.control_block, internal);
    Bytes spk = {OP_1, 0x20};
    append(spk, output->first.view());
    out.script_pubkey = Script(std::move(spk));
    return out;
}

Amount btc_to_satoshi(const json::value& v) { return Amount(std::llround(v.to_number<double>() * double(kCoin))); }

// Converts one JSON entry; returns nullopt for comments. Throws std::runtime_error on a
// malformed entry.
std::optional<ScriptCase> parse_case(const json::array& entry, size_t index) {
    if (entry.size() == 1 && entry[0].is_string()) return std::nullopt;  // comment
    ScriptCase c;
    c.index = index;
    c.text = json::serialize(entry);
    size_t pos = 0;
    std::optional<TaprootSpend> taproot;
    if (!entry.empty() && entry[0].is_array()) {
        const json::array& wit = entry[0].as_array();
        if (wit.empty()) throw std::runtime_error("empty witness array");
        for (size_t i = 0; i + 1 < wit.size(); ++i) {
            const std::string item(wit[i].as_string());
            if (item.rfind(kScriptMarker, 0) == 0) {
                std::string err;
                const auto s =
                    test::parse_script_notation(std::string_view(item).substr(sizeof(kScriptMarker) - 1), &err);
                if (!s) throw std::runtime_error("bad #SCRIPT# witness item: " + err);
                c.witness.push_back(s->bytes());
            } else if (item == kControlBlockMarker) {
                if (c.witness.empty()) throw std::runtime_error("#CONTROLBLOCK# without a preceding script");
                std::string why;
                taproot = build_single_leaf_taproot(c.witness.back(), &why);
                if (!taproot) throw std::runtime_error(why);
                c.witness.push_back(taproot->control_block);
            } else {
                const std::optional<Bytes> b = hex_decode(item);
                if (!b) throw std::runtime_error("witness item is not hex: " + item);
                c.witness.push_back(*b);
            }
        }
        c.amount = btc_to_satoshi(wit.back());
        pos = 1;
    }
    if (entry.size() < pos + 4) throw std::runtime_error("too few fields");
    std::string err;
    const std::string sig_text(entry[pos].as_string());
    const std::string spk_text(entry[pos + 1].as_string());
    const auto sig = test::parse_script_notation(sig_text, &err);
    if (!sig) throw std::runtime_error("bad scriptSig: " + err);
    c.script_sig = *sig;
    if (spk_text == kTaprootOutputNotation) {
        if (!taproot) throw std::runtime_error("#TAPROOTOUTPUT# without #CONTROLBLOCK#");
        c.script_pubkey = taproot->script_pubkey;
    } else {
        const auto spk = test::parse_script_notation(spk_text, &err);
        if (!spk) throw std::runtime_error("bad scriptPubKey: " + err);
        c.script_pubkey = *spk;
    }
    const std::optional<ScriptFlags> flags = parse_script_flags(std::string(entry[pos + 2].as_string()));
    if (!flags) throw std::runtime_error("unknown flag in " + std::string(entry[pos + 2].as_string()));
    c.flags = *flags;
    if (c.flags & SCRIPT_VERIFY_CLEANSTACK) c.flags |= SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_WITNESS;
    c.expected = std::string(entry[pos + 3].as_string());
    return c;
}

// The crediting and spending transactions of one test, and what verifying needs.
class Harness {
public:
    explicit Harness(const ScriptCase& c) {
        credit_.version = 1;
        credit_.locktime = 0;
        TxIn cin;
        cin.prevout = OutPoint{};  // null: txid zero, index 0xffffffff
        cin.script_sig = Script(Bytes{OP_0, OP_0});
        cin.sequence = TxIn::kSequenceFinal;
        credit_.vin.push_back(cin);
        TxOut cout;
        cout.value = c.amount;
        cout.script_pubkey = c.script_pubkey;
        credit_.vout.push_back(cout);

        spend_.version = 1;
        spend_.locktime = 0;
        TxIn sin;
        sin.prevout = OutPoint{credit_.txid(), 0};
        sin.script_sig = c.script_sig;
        sin.witness = c.witness;
        sin.sequence = TxIn::kSequenceFinal;
        spend_.vin.push_back(sin);
        TxOut sout;
        sout.value = c.amount;
        spend_.vout.push_back(sout);

        txdata_.init(spend_, {credit_.vout[0]});
    }

    Outcome run(ScriptFlags flags) const {
        Outcome out;
        try {
            TransactionSignatureChecker checker(spend_, 0, credit_.vout[0].value, &txdata_);
            ScriptError err = ScriptError::UNKNOWN_ERROR;
            out.ok = verify_script(spend_.vin[0].script_sig, credit_.vout[0].script_pubkey, &spend_.vin[0].witness,
                                   flags, checker, &err);
            out.error = script_error_name(err);
            if (out.ok != (err == ScriptError::OK))
                out.error += " (inconsistent: verify_script returned " + std::string(out.ok ? "true" : "false") + ")";
        } catch (const std::exception& e) {
            out.ok = false;
            out.error = std::string("exception: ") + e.what();
        }
        return out;
    }

private:
    Transaction credit_;
    Transaction spend_;
    PrecomputedTxData txdata_;
};

std::string describe(const ScriptCase& c) {
    std::ostringstream s;
    s << "  entry #" << c.index << ": " << c.text << "\n"
      << "  scriptSig    = " << hex_encode(c.script_sig.bytes()) << "\n"
      << "  scriptPubKey = " << hex_encode(c.script_pubkey.bytes()) << "\n";
    if (!c.witness.empty()) {
        s << "  witness      = [";
        for (size_t i = 0; i < c.witness.size(); ++i) s << (i ? ", " : "") << hex_encode(c.witness[i]);
        s << "] amount " << c.amount << "\n";
    }
    return s.str();
}

size_t max_reported_failures() {
    const char* env = std::getenv("MINICASH_MAX_FAILURES");
    return env ? size_t(std::strtoul(env, nullptr, 10)) : 100;
}

}  // namespace

TEST(ScriptTestsJson, AllCases) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = test::load_json(dir / "core" / "script_tests.json");
    const json::array& entries = doc.as_array();

    std::vector<std::string> failures;
    std::map<std::string, int> by_kind;  // "expected -> got" counts for a summary
    size_t cases = 0, ok_cases = 0, error_cases = 0, tapscript_cases = 0, witness_cases = 0;
    size_t extra_runs = 0, extra_failures = 0;
    std::mt19937 rng(20240601);  // fixed seed: the extra combinations are reproducible

    for (size_t i = 0; i < entries.size(); ++i) {
        std::optional<ScriptCase> parsed;
        try {
            parsed = parse_case(entries[i].as_array(), i);
        } catch (const std::exception& e) {
            failures.push_back("bad test entry #" + std::to_string(i) + " " + json::serialize(entries[i]) + ": " +
                               e.what());
            continue;
        }
        if (!parsed) continue;
        const ScriptCase& c = *parsed;
        ++cases;
        const bool expect_ok = c.expected == "OK";
        (expect_ok ? ok_cases : error_cases)++;
        if (!c.witness.empty()) ++witness_cases;
        if (c.flags & SCRIPT_VERIFY_TAPROOT) ++tapscript_cases;
        if (!test::is_valid_flag_combination(c.flags)) {
            failures.push_back("invalid flag combination " + format_script_flags(c.flags) + "\n" + describe(c));
            continue;
        }

        const Harness h(c);
        const Outcome got = h.run(c.flags);
        if (got.ok != expect_ok || got.error != c.expected) {
            by_kind[c.expected + " -> " + got.error]++;
            std::ostringstream s;
            s << "expected " << c.expected << ", got " << got.error << " with flags " << format_script_flags(c.flags)
              << "\n"
              << describe(c);
            failures.push_back(s.str());
            continue;  // neighbouring flag sets say little when the case itself fails
        }

        // Monotonicity: passing stays passing with fewer flags, failing stays failing with
        // more. Each single flag, then some random multi-flag changes.
        std::vector<ScriptFlags> variants;
        for (ScriptFlags f : test::each_script_flag()) {
            const ScriptFlags v = expect_ok ? test::trim_flags(c.flags & ~f) : test::fill_flags(c.flags | f);
            if (v != c.flags) variants.push_back(v);
        }
        for (int k = 0; k < 8; ++k) {
            const ScriptFlags r = ScriptFlags(rng()) & kAllScriptFlags;
            const ScriptFlags v = expect_ok ? test::trim_flags(c.flags & ~r) : test::fill_flags(c.flags | r);
            if (v != c.flags) variants.push_back(v);
        }
        std::string bad;
        for (ScriptFlags v : variants) {
            ++extra_runs;
            const Outcome o = h.run(v);
            if (o.ok != expect_ok) {
                ++extra_failures;
                bad += "    flags " + format_script_flags(v) + " -> " + o.error + "\n";
            }
        }
        if (!bad.empty()) {
            by_kind[std::string(expect_ok ? "OK" : "error") + " not monotone"]++;
            failures.push_back(std::string(expect_ok ? "passes with " : "fails with ") + format_script_flags(c.flags) +
                               " but " + (expect_ok ? "fails with fewer flags" : "passes with more flags") + ":\n" +
                               bad + describe(c));
        }
    }

    std::cout << "script_tests.json: " << cases << " cases (" << ok_cases << " ok, " << error_cases << " errors; "
              << witness_cases << " with witness, " << tapscript_cases << " tapscript), " << extra_runs
              << " extra flag-variant runs, " << failures.size() << " failing cases\n";
    // The file is a byte-identical copy; these counts come from the vectors README.
    EXPECT_EQ(cases, 1233u);
    EXPECT_EQ(ok_cases, 675u);
    EXPECT_EQ(error_cases, 558u);
    EXPECT_EQ(witness_cases, 113u);
    EXPECT_EQ(tapscript_cases, 5u);

    std::string report;
    const size_t limit = max_reported_failures();
    for (size_t i = 0; i < failures.size() && i < limit; ++i)
        report += "\n[" + std::to_string(i + 1) + "] " + failures[i];
    if (failures.size() > limit)
        report += "\n... " + std::to_string(failures.size() - limit) + " more (set MINICASH_MAX_FAILURES to see them)";
    if (!by_kind.empty()) {
        report += "\nSummary (expected -> got: count):";
        for (const auto& [k, n] : by_kind) report += "\n  " + k + ": " + std::to_string(n);
    }
    EXPECT_TRUE(failures.empty()) << failures.size() << " of " << cases << " script tests failed (" << extra_failures
                                  << " bad flag variants)" << report;
}
