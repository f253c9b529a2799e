// taproot/script_assets_test.json (Bitcoin Core's script fuzzer/minimizer cases, as
// vendored by btcd): each case's `success` witness must pass for every valid combination
// of the seven consensus flags that is a subset of `flags` (all of them when `final`),
// and its `failure` witness must fail for every valid combination that is a superset.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <sstream>

#include "consensus/interpreter.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "consensus/transaction.h"
#include "test/util/flag_combos.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;

namespace {

constexpr ScriptFlags kConsensusFlags[] = {
    SCRIPT_VERIFY_P2SH,
    SCRIPT_VERIFY_DERSIG,
    SCRIPT_VERIFY_NULLDUMMY,
    SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY,
    SCRIPT_VERIFY_CHECKSEQUENCEVERIFY,
    SCRIPT_VERIFY_WITNESS,
    SCRIPT_VERIFY_TAPROOT,
};

// The 64 valid combinations of the seven consensus flags.
std::vector<ScriptFlags> consensus_flag_combinations() {
    std::vector<ScriptFlags> out;
    for (unsigned mask = 0; mask < (1u << 7); ++mask) {
        ScriptFlags f = 0;
        for (unsigned b = 0; b < 7; ++b)
            if (mask & (1u << b)) f |= kConsensusFlags[b];
        if (test::is_valid_flag_combination(f)) out.push_back(f);
    }
    return out;
}

// The file is 6 MB; it is parsed once per test binary run and shared by the tests below.
// nullopt when the vectors folder is absent.
const json::array* asset_cases(std::string* where) {
    static const std::optional<json::value> doc = []() -> std::optional<json::value> {
        const std::optional<std::filesystem::path> dir = test::vectors_dir();
        if (!dir) return std::nullopt;
        return test::load_json(*dir / "taproot" / "script_assets_test.json");
    }();
    *where = test::vectors_location().string();
    return doc ? &doc->as_array() : nullptr;
}

struct AssetCase {
    size_t line = 0;  // 1-based position in the array (one object per line)
    std::string comment;
    Transaction tx;
    std::vector<TxOut> prevouts;
    size_t index = 0;
    ScriptFlags flags = 0;
    bool is_final = false;
    const json::object* success = nullptr;
    const json::object* failure = nullptr;
};

AssetCase parse_case(const json::object& o, size_t position) {
    AssetCase c;
    c.line = position + 1;
    if (const json::value* v = o.if_contains("comment")) c.comment = std::string(v->as_string());
    const std::optional<Bytes> raw = hex_decode(std::string(o.at("tx").as_string()));
    if (!raw) throw std::runtime_error("tx is not hex");
    std::string err;
    const std::optional<Transaction> tx = Transaction::decode(*raw, &err, /*allow_witness=*/false);
    if (!tx) throw std::runtime_error("tx does not decode: " + err);
    c.tx = *tx;
    for (const json::value& pv : o.at("prevouts").as_array()) {
        const std::optional<Bytes> b = hex_decode(std::string(pv.as_string()));
        if (!b) throw std::runtime_error("prevout is not hex");
        Reader r(*b);
        TxOut out;
        out.value = r.i64();
        out.script_pubkey = Script(r.var_bytes());
        if (!r.ok() || !r.empty()) throw std::runtime_error("malformed prevout " + std::string(pv.as_string()));
        c.prevouts.push_back(std::move(out));
    }
    if (c.prevouts.size() != c.tx.vin.size()) throw std::runtime_error("prevout count differs from input count");
    c.index = size_t(o.at("index").to_number<int64_t>());
    if (c.index >= c.tx.vin.size()) throw std::runtime_error("index out of range");
    const std::optional<ScriptFlags> flags = parse_script_flags(std::string(o.at("flags").as_string()));
    if (!flags) throw std::runtime_error("unknown flag");
    c.flags = *flags;
    if (const json::value* v = o.if_contains("final")) c.is_final = v->as_bool();
    if (const json::value* v = o.if_contains("success")) c.success = &v->as_object();
    if (const json::value* v = o.if_contains("failure")) c.failure = &v->as_object();
    return c;
}

// The case's transaction with `variant` (scriptSig + witness) on the input under test.
Transaction with_variant(const AssetCase& c, const json::object& variant) {
    Transaction tx = c.tx;
    const std::optional<Bytes> sig = hex_decode(std::string(variant.at("scriptSig").as_string()));
    if (!sig) throw std::runtime_error("scriptSig is not hex");
    tx.vin[c.index].script_sig = Script(*sig);
    Witness w;
    for (const json::value& item : variant.at("witness").as_array()) {
        const std::optional<Bytes> b = hex_decode(std::string(item.as_string()));
        if (!b) throw std::runtime_error("witness item is not hex");
        w.push_back(*b);
    }
    tx.vin[c.index].witness = std::move(w);
    return tx;
}

struct Tally {
    size_t cases = 0, with_failure = 0, finals = 0, runs = 0;
    std::vector<std::string> failures;
    std::map<std::string, int> by_category;  // failing cases per comment prefix
};

void run_variant(const AssetCase& c, bool expect_success, Tally& t) {
    const json::object& variant = expect_success ? *c.success : *c.failure;
    const Transaction tx = with_variant(c, variant);
    const PrecomputedTxData txdata(tx, c.prevouts, /*force=*/true);
    const TxIn& in = tx.vin[c.index];
    const TxOut& prev = c.prevouts[c.index];
    std::string bad;
    for (ScriptFlags flags : consensus_flag_combinations()) {
        const bool applies =
            expect_success ? (c.is_final || (flags & c.flags) == flags) : ((flags & c.flags) == c.flags);
        if (!applies) continue;
        ++t.runs;
        ScriptError err = ScriptError::UNKNOWN_ERROR;
        bool ok = false;
        std::string what;
        try {
            TransactionSignatureChecker checker(tx, unsigned(c.index), prev.value, &txdata);
            ok = verify_script(in.script_sig, prev.script_pubkey, &in.witness, flags, checker, &err);
            what = script_error_name(err);
            if (ok != (err == ScriptError::OK)) what += " (inconsistent with the return value)";
        } catch (const std::exception& e) {
            ok = !expect_success;  // count as the wrong outcome
            what = std::string("exception: ") + e.what();
        }
        if (ok != expect_success) bad += "    " + format_script_flags(flags) + " -> " + (ok ? "passed" : what) + "\n";
    }
    if (!bad.empty()) {
        const std::string category = c.comment.substr(0, c.comment.find('/'));
        t.by_category[category]++;
        std::ostringstream s;
        s << "line " << c.line << " \"" << c.comment << "\" " << (expect_success ? "success" : "failure")
          << " variant should " << (expect_success ? "pass" : "fail") << " (case flags " << format_script_flags(c.flags)
          << (c.is_final ? ", final" : "") << ", input " << c.index << ", spending "
          << hex_encode(prev.script_pubkey.bytes()) << "):\n"
          << bad << "    tx with witness: " << hex_encode(tx.serialize()) << "\n";
        t.failures.push_back(s.str());
    }
}

void report(const char* what, const Tally& t) {
    std::string out;
    const char* env = std::getenv("MINICASH_MAX_FAILURES");
    const size_t limit = env ? size_t(std::strtoul(env, nullptr, 10)) : 60;
    for (size_t i = 0; i < t.failures.size() && i < limit; ++i)
        out += "\n[" + std::to_string(i + 1) + "] " + t.failures[i];
    if (t.failures.size() > limit) out += "\n... " + std::to_string(t.failures.size() - limit) + " more";
    if (!t.by_category.empty()) {
        out += "\nFailing cases by category:";
        for (const auto& [k, n] : t.by_category) out += "\n  " + k + ": " + std::to_string(n);
    }
    EXPECT_TRUE(t.failures.empty()) << t.failures.size() << " " << what << " variants misbehaved" << out;
}

}  // namespace

TEST(ScriptAssets, FlagCombinations) {
    const std::vector<ScriptFlags> combos = consensus_flag_combinations();
    EXPECT_EQ(combos.size(), 64u);
}

TEST(ScriptAssets, SuccessVariantsPass) {
    std::string where;
    const json::array* cases = asset_cases(&where);
    if (!cases) GTEST_SKIP() << "vectors not found at " << where << "; set MINICASH_VECTORS";
    Tally t;
    for (size_t i = 0; i < cases->size(); ++i) {
        AssetCase c;
        try {
            c = parse_case((*cases)[i].as_object(), i);
            ++t.cases;
            if (c.is_final) ++t.finals;
            if (c.failure) ++t.with_failure;
            if (!c.success) throw std::runtime_error("no success variant");
            run_variant(c, /*expect_success=*/true, t);
        } catch (const std::exception& e) {
            t.failures.push_back("line " + std::to_string(i + 1) + ": bad test: " + e.what());
        }
    }
    std::cout << "script_assets_test.json: " << t.cases << " cases (" << t.finals << " final, " << t.with_failure
              << " with failure variant); success variants: " << t.runs << " verifications, "
              << t.cases - t.failures.size() << " cases passed, " << t.failures.size() << " failed\n";
    EXPECT_EQ(t.cases, 2208u);
    EXPECT_EQ(t.finals, 564u);
    EXPECT_EQ(t.with_failure, 1992u);
    report("success", t);
}

TEST(ScriptAssets, FailureVariantsFail) {
    std::string where;
    const json::array* cases = asset_cases(&where);
    if (!cases) GTEST_SKIP() << "vectors not found at " << where << "; set MINICASH_VECTORS";
    Tally t;
    for (size_t i = 0; i < cases->size(); ++i) {
        try {
            const AssetCase c = parse_case((*cases)[i].as_object(), i);
            ++t.cases;
            if (!c.failure) continue;
            ++t.with_failure;
            run_variant(c, /*expect_success=*/false, t);
        } catch (const std::exception& e) {
            t.failures.push_back("line " + std::to_string(i + 1) + ": bad test: " + e.what());
        }
    }
    std::cout << "script_assets_test.json: failure variants: " << t.with_failure << " cases, " << t.runs
              << " verifications, " << t.with_failure - t.failures.size() << " cases passed, " << t.failures.size()
              << " failed\n";
    EXPECT_EQ(t.with_failure, 1992u);
    report("failure", t);
}
