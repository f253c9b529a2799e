// Labels as BIP329 keeps them: one JSON record per (type, ref) - "tx" (a txid), "addr"
// (an address), "pubkey", "input" and "output" (txid:vout), "xpub" - with an optional
// "label", "origin" and, for outputs, "spendable". Records are kept whole: fields and
// record types this wallet does not know survive an import and come back on export.
//
// INVARIANT: every stored record is a JSON object with non-empty string "type" and "ref",
// and the known fields have their BIP329 types.
#pragma once

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minicash::wallet {

// A JSON Lines file that cannot be imported; nothing of it was taken.
struct LabelFileError : std::runtime_error {
    size_t line;  // 1-based
    LabelFileError(size_t l, const std::string& why)
        : std::runtime_error("line " + std::to_string(l) + ": " + why), line(l) {}
};

class Labels {
public:
    using Key = std::pair<std::string, std::string>;  // (type, ref)

    // The label of (type, ref), or nullopt.
    std::optional<std::string> get(const std::string& type, const std::string& ref) const;
    // Sets the label (an empty one removes it, and the record when nothing else is left).
    void set(const std::string& type, const std::string& ref, const std::string& label);
    // Sets "spendable" of an output record (BIP329), creating the record if needed.
    void set_spendable(const std::string& ref, bool spendable);

    const std::map<Key, boost::json::object>& records() const { return records_; }

    // Parses BIP329 JSON Lines (blank lines skipped). Throws LabelFileError naming the
    // first bad line: not a JSON object, "type"/"ref" missing or not strings, "label" or
    // "origin" not a string, "spendable" not a boolean, a malformed ref of a known type.
    static std::vector<boost::json::object> parse_jsonl(std::string_view text);
    // Merges parsed records (a record replaces the one with the same type and ref).
    void merge(const std::vector<boost::json::object>& records);
    // One record per line, sorted by type and ref.
    std::string to_jsonl() const;

    // The wallet file's form (an array of records) and back; from_json throws
    // LabelFileError on a malformed record.
    boost::json::array to_json() const;
    static Labels from_json(const boost::json::array& a);

private:
    std::map<Key, boost::json::object> records_;
};

}  // namespace minicash::wallet
