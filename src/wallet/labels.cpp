#include "wallet/labels.h"

#include <algorithm>

namespace minicash::wallet {

namespace json = boost::json;

namespace {

bool is_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

bool is_txid(std::string_view s) { return s.size() == 64 && is_hex(s); }

// "txid:vout" with a decimal vout below 2^32.
bool is_outpoint(std::string_view s) {
    const size_t colon = s.find(':');
    if (colon == std::string_view::npos || !is_txid(s.substr(0, colon))) return false;
    const std::string_view n = s.substr(colon + 1);
    if (n.empty() || n.size() > 10 || !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    return std::stoull(std::string(n)) <= 0xffffffffULL;
}

// Checks one record; returns why it is malformed, or "".
std::string check_record(const json::object& o) {
    const json::value* type = o.if_contains("type");
    const json::value* ref = o.if_contains("ref");
    if (!type) return "\"type\" is missing";
    if (!type->is_string() || type->as_string().empty()) return "\"type\" must be a non-empty string";
    if (!ref) return "\"ref\" is missing";
    if (!ref->is_string() || ref->as_string().empty()) return "\"ref\" must be a non-empty string";
    if (const json::value* l = o.if_contains("label"); l && !l->is_string()) return "\"label\" must be a string";
    if (const json::value* g = o.if_contains("origin"); g && !g->is_string()) return "\"origin\" must be a string";
    const std::string_view t = type->as_string(), r = ref->as_string();
    if (const json::value* sp = o.if_contains("spendable")) {
        if (!sp->is_bool()) return "\"spendable\" must be true or false";
        if (t != "output") return "\"spendable\" belongs to output records only";
    }
    if (t == "tx" && !is_txid(r)) return "a tx record's ref must be a txid (64 hex digits)";
    if ((t == "input" || t == "output") && !is_outpoint(r))
        return "an " + std::string(t) + " record's ref must be txid:vout";
    if (t == "pubkey" && (!is_hex(r) || (r.size() != 66 && r.size() != 130 && r.size() != 64)))
        return "a pubkey record's ref must be a hex public key";
    return "";
}

}  // namespace

std::optional<std::string> Labels::get(const std::string& type, const std::string& ref) const {
    auto it = records_.find({type, ref});
    if (it == records_.end()) return std::nullopt;
    const json::value* l = it->second.if_contains("label");
    if (!l || !l->is_string()) return std::nullopt;
    return std::string(l->as_string());
}

void Labels::set(const std::string& type, const std::string& ref, const std::string& label) {
    json::object& o = records_[{type, ref}];
    o["type"] = type;
    o["ref"] = ref;
    if (label.empty()) o.erase("label");
    else o["label"] = label;
    if (o.size() == 2) records_.erase({type, ref});
}

void Labels::set_spendable(const std::string& ref, bool spendable) {
    json::object& o = records_[{"output", ref}];
    o["type"] = "output";
    o["ref"] = ref;
    o["spendable"] = spendable;
}

std::vector<json::object> Labels::parse_jsonl(std::string_view text) {
    std::vector<json::object> out;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        const size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++line_no;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        if (ec) throw LabelFileError(line_no, "not valid JSON (" + ec.message() + ")");
        if (!v.is_object()) throw LabelFileError(line_no, "not a JSON object");
        const std::string why = check_record(v.as_object());
        if (!why.empty()) throw LabelFileError(line_no, why);
        out.push_back(std::move(v.as_object()));
    }
    return out;
}

void Labels::merge(const std::vector<json::object>& records) {
    for (const json::object& o : records)
        records_[{std::string(o.at("type").as_string()), std::string(o.at("ref").as_string())}] = o;
}

std::string Labels::to_jsonl() const {
    std::string out;
    for (const auto& [key, o] : records_) {
        out += json::serialize(o);
        out += '\n';
    }
    return out;
}

json::array Labels::to_json() const {
    json::array a;
    for (const auto& [key, o] : records_) a.push_back(o);
    return a;
}

Labels Labels::from_json(const json::array& a) {
    Labels l;
    size_t n = 0;
    for (const json::value& v : a) {
        ++n;
        if (!v.is_object()) throw LabelFileError(n, "not a JSON object");
        const std::string why = check_record(v.as_object());
        if (!why.empty()) throw LabelFileError(n, why);
        l.records_[{std::string(v.at("type").as_string()), std::string(v.at("ref").as_string())}] = v.as_object();
    }
    return l;
}

}  // namespace minicash::wallet
