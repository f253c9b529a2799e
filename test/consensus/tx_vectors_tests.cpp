// Bitcoin Core's tx_valid.json and tx_invalid.json, as the vectors README describes:
// prevouts matched to inputs by (txid, index), context-free checks, script verification
// of every input, and the flag checks (valid: fewer flags stay valid, each excluded flag
// is needed; invalid: more flags stay invalid, each listed flag is needed).
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "consensus/interpreter.h"
#include "consensus/script_error.h"
#include "consensus/script_flags.h"
#include "consensus/sighash.h"
#include "consensus/signature_checker.h"
#include "consensus/transaction.h"
#include "consensus/tx_check.h"
#include "test/util/flag_combos.h"
#include "test/util/script_notation.h"
#include "test/util/vectors.h"
#include "util/hex.h"

using namespace minicash;
namespace json = boost::json;

namespace {

struct TxCase {
    size_t index = 0;
    std::string text;  // the JSON entry, for messages
    Transaction tx;
    std::vector<TxOut> spent;  // one per input, in input order
    std::string flags_text;
};

// Converts one entry; nullopt for comments. Throws std::runtime_error when malformed.
std::optional<TxCase> parse_case(const json::array& entry, size_t index) {
    if (entry.empty() || !entry[0].is_array()) return std::nullopt;  // comment
    if (entry.size() != 3) throw std::runtime_error("expected 3 fields");
    TxCase c;
    c.index = index;
    c.text = json::serialize(entry);
    std::map<OutPoint, TxOut> prevouts;
    for (const json::value& pv : entry[0].as_array()) {
        const json::array& p = pv.as_array();
        if (p.size() < 3 || p.size() > 4) throw std::runtime_error("prevout needs 3 or 4 fields");
        const std::optional<uint256> txid = uint256::from_hex(std::string(p[0].as_string()));
        if (!txid) throw std::runtime_error("bad prevout txid");
        const int64_t n = p[1].to_number<int64_t>();
        if (n < -1 || n > int64_t(0xffffffff)) throw std::runtime_error("bad prevout index");
        std::string err;
        const std::optional<Script> spk = test::parse_script_notation(std::string(p[2].as_string()), &err);
        if (!spk) throw std::runtime_error("bad prevout script: " + err);
        TxOut out;
        out.script_pubkey = *spk;
        out.value = p.size() == 4 ? p[3].to_number<int64_t>() : 0;
        prevouts[OutPoint{*txid, uint32_t(n)}] = out;  // -1 wraps to 0xffffffff
    }
    const std::optional<Bytes> raw = hex_decode(std::string(entry[1].as_string()));
    if (!raw) throw std::runtime_error("transaction is not hex");
    std::string err;
    const std::optional<Transaction> tx = Transaction::decode(*raw, &err);
    if (!tx) throw std::runtime_error("transaction does not decode: " + err);
    c.tx = *tx;
    for (const TxIn& in : c.tx.vin) {
        auto it = prevouts.find(in.prevout);
        if (it == prevouts.end())
            throw std::runtime_error("no prevout for input " + in.prevout.txid.to_hex() + ":" +
                                     std::to_string(in.prevout.index));
        c.spent.push_back(it->second);
    }
    c.flags_text = std::string(entry[2].as_string());
    return c;
}

// Verifies the inputs in order and stops at the first failure (as Core's CheckTxScripts).
// Returns true when all pass; otherwise `detail` names the input and error.
bool verify_inputs(const TxCase& c, const PrecomputedTxData& txdata, ScriptFlags flags, std::string* detail) {
    for (size_t i = 0; i < c.tx.vin.size(); ++i) {
        ScriptError err = ScriptError::UNKNOWN_ERROR;
        bool ok = false;
        try {
            TransactionSignatureChecker checker(c.tx, unsigned(i), c.spent[i].value, &txdata);
            ok = verify_script(c.tx.vin[i].script_sig, c.spent[i].script_pubkey, &c.tx.vin[i].witness, flags, checker,
                               &err);
        } catch (const std::exception& e) {
            if (detail) *detail = "input " + std::to_string(i) + ": exception " + e.what();
            return false;
        }
        if (ok != (err == ScriptError::OK)) {
            if (detail)
                *detail = "input " + std::to_string(i) + ": verify_script returned " + (ok ? "true" : "false") +
                          " with error " + script_error_name(err);
            return false;
        }
        if (!ok) {
            if (detail) *detail = "input " + std::to_string(i) + ": " + script_error_name(err);
            return false;
        }
    }
    if (detail) *detail = "all inputs pass";
    return true;
}

std::string report(const std::vector<std::string>& failures) {
    std::string out;
    const char* env = std::getenv("MINICASH_MAX_FAILURES");
    const size_t limit = env ? size_t(std::strtoul(env, nullptr, 10)) : 100;
    for (size_t i = 0; i < failures.size() && i < limit; ++i) out += "\n[" + std::to_string(i + 1) + "] " + failures[i];
    if (failures.size() > limit) out += "\n... " + std::to_string(failures.size() - limit) + " more";
    return out;
}

json::value load(const char* name, std::optional<std::filesystem::path> dir) {
    return test::load_json(*dir / "core" / name);
}

}  // namespace

TEST(TxVectors, Valid) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = load("tx_valid.json", dir);
    std::vector<std::string> failures;
    size_t cases = 0, passed = 0, witness_txs = 0, variant_runs = 0;
    std::mt19937 rng(7);

    for (size_t i = 0; i < doc.as_array().size(); ++i) {
        std::optional<TxCase> parsed;
        try {
            parsed = parse_case(doc.as_array()[i].as_array(), i);
        } catch (const std::exception& e) {
            failures.push_back("bad test #" + std::to_string(i) + ": " + e.what() + "\n  " +
                               json::serialize(doc.as_array()[i]));
            continue;
        }
        if (!parsed) continue;
        const TxCase& c = *parsed;
        ++cases;
        if (c.tx.has_witness()) ++witness_txs;
        std::vector<std::string> problems;

        ValidationState state;
        if (!check_transaction(c.tx, state)) problems.push_back("check_transaction failed: " + state.to_string());

        const std::optional<ScriptFlags> excluded = parse_script_flags(c.flags_text);
        if (!excluded) {
            failures.push_back("#" + std::to_string(i) + " unknown flag in \"" + c.flags_text + "\"\n  " + c.text);
            continue;
        }
        const ScriptFlags flags = kAllScriptFlags & ~*excluded;
        if (!test::is_valid_flag_combination(flags)) problems.push_back("excluded flags leave an invalid combination");

        const PrecomputedTxData txdata(c.tx, c.spent);
        std::string detail;
        if (!verify_inputs(c, txdata, flags, &detail)) {
            problems.push_back("fails with all flags but " + c.flags_text + ": " + detail);
        } else {
            // Removing flags keeps it valid: each single flag, then random subsets.
            std::vector<ScriptFlags> fewer;
            for (ScriptFlags f : test::each_script_flag()) fewer.push_back(test::trim_flags(flags & ~f));
            for (int k = 0; k < 8; ++k)
                fewer.push_back(test::trim_flags(flags & ~(ScriptFlags(rng()) & kAllScriptFlags)));
            for (ScriptFlags v : fewer) {
                if (v == flags) continue;
                ++variant_runs;
                if (!verify_inputs(c, txdata, v, &detail))
                    problems.push_back("fails with fewer flags " + format_script_flags(v) + ": " + detail);
            }
            // The exclusion list is minimal: putting back any one excluded flag (fixed up to a
            // valid combination) makes some input fail.
            for (ScriptFlags f : test::each_script_flag()) {
                if (!(*excluded & f)) continue;
                const ScriptFlags v = test::fill_flags(flags | f);
                ++variant_runs;
                if (verify_inputs(c, txdata, v, &detail))
                    problems.push_back("still passes with excluded flag " + format_script_flags(f) + " put back");
            }
        }

        if (problems.empty()) {
            ++passed;
        } else {
            std::string s = "#" + std::to_string(i) + " (excluded: " + c.flags_text + ")";
            for (const std::string& p : problems) s += "\n  - " + p;
            s += "\n  " + c.text;
            failures.push_back(s);
        }
    }
    std::cout << "tx_valid.json: " << cases << " cases (" << witness_txs << " segwit), " << passed << " passed, "
              << failures.size() << " failed, " << variant_runs << " flag-variant runs\n";
    EXPECT_EQ(cases, 121u);
    EXPECT_EQ(witness_txs, 28u);
    EXPECT_TRUE(failures.empty()) << failures.size() << " tx_valid cases failed" << report(failures);
}

TEST(TxVectors, Invalid) {
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = load("tx_invalid.json", dir);
    std::vector<std::string> failures;
    size_t cases = 0, passed = 0, badtx = 0, none = 0, witness_txs = 0, variant_runs = 0;
    std::mt19937 rng(11);

    for (size_t i = 0; i < doc.as_array().size(); ++i) {
        std::optional<TxCase> parsed;
        try {
            parsed = parse_case(doc.as_array()[i].as_array(), i);
        } catch (const std::exception& e) {
            failures.push_back("bad test #" + std::to_string(i) + ": " + e.what() + "\n  " +
                               json::serialize(doc.as_array()[i]));
            continue;
        }
        if (!parsed) continue;
        const TxCase& c = *parsed;
        ++cases;
        if (c.tx.has_witness()) ++witness_txs;
        std::vector<std::string> problems;

        ValidationState state;
        const bool context_free_ok = check_transaction(c.tx, state);
        if (c.flags_text == "BADTX") {
            ++badtx;
            if (context_free_ok) problems.push_back("BADTX but check_transaction passes");
        } else {
            if (!context_free_ok)
                problems.push_back("check_transaction fails (" + state.to_string() + ") but the test is not BADTX");
            const std::optional<ScriptFlags> flags = parse_script_flags(c.flags_text);
            if (!flags) {
                failures.push_back("#" + std::to_string(i) + " unknown flag in \"" + c.flags_text + "\"\n  " + c.text);
                continue;
            }
            if (*flags == 0) ++none;
            if (!test::is_valid_flag_combination(*flags)) problems.push_back("flags are not a valid combination");

            const PrecomputedTxData txdata(c.tx, c.spent);
            std::string detail;
            if (verify_inputs(c, txdata, *flags, &detail)) {
                problems.push_back("passes with " + format_script_flags(*flags) + " (expected a failing input)");
            } else {
                // Adding flags keeps it invalid: each single flag, then random supersets.
                std::vector<ScriptFlags> more;
                for (ScriptFlags f : test::each_script_flag()) more.push_back(test::fill_flags(*flags | f));
                for (int k = 0; k < 8; ++k)
                    more.push_back(test::fill_flags(*flags | (ScriptFlags(rng()) & kAllScriptFlags)));
                for (ScriptFlags v : more) {
                    if (v == *flags) continue;
                    ++variant_runs;
                    if (verify_inputs(c, txdata, v, &detail))
                        problems.push_back("passes with more flags " + format_script_flags(v));
                }
                // The flag list is minimal: dropping any one listed flag (trimmed to a valid
                // combination) makes every input pass.
                for (ScriptFlags f : test::each_script_flag()) {
                    if (!(*flags & f)) continue;
                    const ScriptFlags v = test::trim_flags(*flags & ~f);
                    ++variant_runs;
                    if (!verify_inputs(c, txdata, v, &detail))
                        problems.push_back("still fails without " + format_script_flags(f) + " (flags " +
                                           format_script_flags(v) + "): " + detail);
                }
            }
        }

        if (problems.empty()) {
            ++passed;
        } else {
            std::string s = "#" + std::to_string(i) + " (flags: " + c.flags_text + ")";
            for (const std::string& p : problems) s += "\n  - " + p;
            s += "\n  " + c.text;
            failures.push_back(s);
        }
    }
    std::cout << "tx_invalid.json: " << cases << " cases (" << badtx << " BADTX, " << none << " NONE, " << witness_txs
              << " segwit), " << passed << " passed, " << failures.size() << " failed, " << variant_runs
              << " flag-variant runs\n";
    EXPECT_EQ(cases, 93u);
    EXPECT_EQ(badtx, 9u);
    EXPECT_EQ(none, 14u);
    EXPECT_EQ(witness_txs, 13u);
    EXPECT_TRUE(failures.empty()) << failures.size() << " tx_invalid cases failed" << report(failures);
}

TEST(TxVectors, BadTxReasons) {
    // The nine BADTX cases each break one context-free rule; check the reason too.
    MINICASH_REQUIRE_VECTORS(dir);
    const json::value doc = load("tx_invalid.json", dir);
    std::map<std::string, int> reasons;
    for (size_t i = 0; i < doc.as_array().size(); ++i) {
        const std::optional<TxCase> c = parse_case(doc.as_array()[i].as_array(), i);
        if (!c || c->flags_text != "BADTX") continue;
        ValidationState state;
        EXPECT_FALSE(check_transaction(c->tx, state)) << c->text;
        reasons[state.reason()]++;
    }
    std::string seen;
    for (const auto& [r, n] : reasons) seen += r + "=" + std::to_string(n) + " ";
    std::cout << "tx_invalid.json BADTX reasons: " << seen << "\n";
    // README: no outputs, negative output, output above MAX_MONEY, outputs summing above
    // MAX_MONEY, duplicate inputs, coinbase scriptSig of 1 or 101 bytes, null prevout.
    EXPECT_EQ(reasons["bad-txns-vout-empty"], 1) << seen;
    EXPECT_EQ(reasons["bad-txns-vout-negative"], 1) << seen;
    EXPECT_EQ(reasons["bad-txns-vout-toolarge"], 1) << seen;
    EXPECT_EQ(reasons["bad-txns-txouttotal-toolarge"], 1) << seen;
    EXPECT_GE(reasons["bad-txns-inputs-duplicate"], 1) << seen;
    EXPECT_EQ(reasons["bad-cb-length"], 2) << seen;
    EXPECT_GE(reasons["bad-txns-prevout-null"], 1) << seen;
}
