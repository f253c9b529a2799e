// The command table, argument mapping and checks, and Core-compatible JSON output.
#include "rpc/server.h"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace minicash::rpc {

namespace json = boost::json;

namespace {

// Marks a json::string as a pre-formatted number (amounts, numbers read back verbatim).
// Starts with a control character no text-producing RPC emits; write_json also
// re-validates the text as a JSON number before writing it raw.
constexpr std::string_view kAmountTag =
    "\x01"
    "number:";

// RFC 8259 number grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
bool is_json_number_text(std::string_view s) {
    size_t i = 0;
    auto digits = [&] {
        const size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        return i > start;
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') ++i;
    else if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

std::vector<std::string> split_names(const std::string& names) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t bar = names.find('|', start);
        out.push_back(names.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    return out;
}

// Expected JSON kind name for the declared type, or nullptr when not checked here.
const char* expected_kind(ArgType t) {
    switch (t) {
    case ArgType::STR:
    case ArgType::STR_HEX: return "string";
    case ArgType::NUM: return "number";
    case ArgType::BOOL: return "bool";
    case ArgType::OBJ: return "object";
    case ArgType::ARR: return "array";
    default: return nullptr;
    }
}

bool is_json_number(const json::value& v) {
    return v.is_int64() || v.is_uint64() || v.is_double() || raw_number_text(v).has_value();
}

bool kind_matches(ArgType t, const json::value& v) {
    switch (t) {
    case ArgType::STR:
    case ArgType::STR_HEX: return v.is_string() && !raw_number_text(v);
    case ArgType::NUM: return is_json_number(v);
    case ArgType::BOOL: return v.is_bool();
    case ArgType::OBJ: return v.is_object();
    case ArgType::ARR: return v.is_array();
    default: return true;
    }
}

void escape_into(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

// "-?digits.8digits": what amount_value produced.
bool is_amount_text(std::string_view s) {
    if (!s.empty() && s[0] == '-') s.remove_prefix(1);
    const size_t dot = s.find('.');
    if (dot == std::string_view::npos || dot == 0 || s.size() - dot - 1 != 8) return false;
    for (size_t i = 0; i < s.size(); ++i)
        if (i != dot && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

void indent_into(std::string& out, int indent, int level) { out.append(size_t(indent) * size_t(level), ' '); }

void write_into(std::string& out, const json::value& v, int indent, int level) {
    switch (v.kind()) {
    case json::kind::null: out += "null"; break;
    case json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case json::kind::int64: out += std::to_string(v.get_int64()); break;
    case json::kind::uint64: out += std::to_string(v.get_uint64()); break;
    case json::kind::double_: {
        const double d = v.get_double();
        if (!std::isfinite(d)) {
            out += "null";
        } else {
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.16g", d);
            out += buf;
        }
        break;
    }
    case json::kind::string: {
        std::string_view s = v.get_string();
        if (s.starts_with(kAmountTag) && is_json_number_text(s.substr(kAmountTag.size())))
            out += s.substr(kAmountTag.size());
        else escape_into(out, s);
        break;
    }
    case json::kind::array: {
        const json::array& a = v.get_array();
        out += '[';
        if (indent) out += '\n';
        for (size_t i = 0; i < a.size(); ++i) {
            if (indent) indent_into(out, indent, level);
            write_into(out, a[i], indent, level + 1);
            if (i + 1 != a.size()) out += ',';
            if (indent) out += '\n';
        }
        if (indent) indent_into(out, indent, level - 1);
        out += ']';
        break;
    }
    case json::kind::object: {
        const json::object& o = v.get_object();
        out += '{';
        if (indent) out += '\n';
        size_t i = 0;
        for (const auto& kv : o) {
            if (indent) indent_into(out, indent, level);
            escape_into(out, kv.key());
            out += ':';
            if (indent) out += ' ';
            write_into(out, kv.value(), indent, level + 1);
            if (++i != o.size()) out += ',';
            if (indent) out += '\n';
        }
        if (indent) indent_into(out, indent, level - 1);
        out += '}';
        break;
    }
    }
}

}  // namespace

const char* json_type_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "bool";
    case json::kind::object: return "object";
    case json::kind::array: return "array";
    case json::kind::string: return raw_number_text(v) ? "number" : "string";
    default: return "number";
    }
}

const char* arg_type_name(ArgType t) {
    switch (t) {
    case ArgType::STR:
    case ArgType::STR_HEX: return "string";
    case ArgType::NUM: return "numeric";
    case ArgType::AMOUNT: return "numeric or string";
    case ArgType::BOOL: return "boolean";
    case ArgType::OBJ: return "json object";
    case ArgType::ARR: return "json array";
    case ArgType::RANGE: return "numeric or array";
    case ArgType::ANY: return "any";
    }
    return "any";
}

// ---- RpcRequest accessors ----------------------------------------------------------

const json::value& RpcRequest::at(size_t i) const {
    static const json::value null_value;
    return i < params.size() ? params[i] : null_value;
}

std::string RpcRequest::get_str(size_t i) const {
    const json::value& v = at(i);
    if (v.is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Missing required argument " + std::to_string(i + 1));
    if (!v.is_string() || raw_number_text(v))
        throw RpcError(RPC_TYPE_ERROR,
                       std::string("JSON value of type ") + json_type_name(v) + " is not of expected type string");
    return std::string(v.get_string());
}

std::optional<std::string> RpcRequest::opt_str(size_t i) const {
    if (!has(i)) return std::nullopt;
    return get_str(i);
}

int64_t RpcRequest::get_int(size_t i) const {
    const json::value& v = at(i);
    if (v.is_null()) throw RpcError(RPC_INVALID_PARAMETER, "Missing required argument " + std::to_string(i + 1));
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) {
        if (v.get_uint64() > uint64_t(INT64_MAX)) throw RpcError(RPC_TYPE_ERROR, "JSON integer out of range");
        return int64_t(v.get_uint64());
    }
    if (v.is_double()) {
        const double d = v.get_double();
        if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18)
            throw RpcError(RPC_TYPE_ERROR, "JSON integer out of range");
        return int64_t(d);
    }
    if (auto a = amount_of(v)) {
        if (*a % kCoin != 0) throw RpcError(RPC_TYPE_ERROR, "JSON integer out of range");
        return *a / kCoin;
    }
    throw RpcError(RPC_TYPE_ERROR,
                   std::string("JSON value of type ") + json_type_name(v) + " is not of expected type number");
}

int64_t RpcRequest::get_int(size_t i, int64_t dflt) const { return has(i) ? get_int(i) : dflt; }

bool RpcRequest::get_bool(size_t i, bool dflt) const {
    if (!has(i)) return dflt;
    const json::value& v = at(i);
    if (!v.is_bool())
        throw RpcError(RPC_TYPE_ERROR,
                       std::string("JSON value of type ") + json_type_name(v) + " is not of expected type bool");
    return v.get_bool();
}

// ---- RpcTable -----------------------------------------------------------------------

void RpcTable::add(RpcCommand command) {
    if (command.name.empty() || !command.handler) throw std::logic_error("RpcTable::add: incomplete command");
    const std::string name = command.name;
    if (!commands_.emplace(name, std::move(command)).second)
        throw std::logic_error("RpcTable::add: duplicate command " + name);
}

const RpcCommand* RpcTable::find(const std::string& name) const {
    auto it = commands_.find(name);
    return it == commands_.end() ? nullptr : &it->second;
}

std::vector<const RpcCommand*> RpcTable::commands() const {
    std::vector<const RpcCommand*> out;
    for (const auto& [name, c] : commands_) out.push_back(&c);
    std::stable_sort(out.begin(), out.end(),
                     [](const RpcCommand* a, const RpcCommand* b) { return a->category < b->category; });
    return out;
}

void RpcTable::set_warmup(bool on, std::string status) {
    std::lock_guard lock(warmup_mutex_);
    warmup_ = on;
    warmup_status_ = std::move(status);
}

bool RpcTable::in_warmup() const {
    std::lock_guard lock(warmup_mutex_);
    return warmup_;
}

std::optional<std::string> RpcTable::warmup_status() const {
    std::lock_guard lock(warmup_mutex_);
    if (!warmup_) return std::nullopt;
    return warmup_status_;
}

json::value RpcTable::execute(NodeContext& node, RpcRequest& request, const json::value& raw_params) const {
    const RpcCommand* cmd = find(request.method);
    if (!cmd) throw RpcError(RPC_METHOD_NOT_FOUND, "Method not found");
    if (!cmd->ok_in_warmup) {
        std::lock_guard lock(warmup_mutex_);
        if (warmup_) throw RpcError(RPC_IN_WARMUP, warmup_status_);
    }

    // Positional or named params -> positions.
    json::array params;
    if (raw_params.is_object()) {
        const json::object& named = raw_params.get_object();
        // Boost.JSON keeps duplicate keys out of objects (last wins), so no duplicate check.
        std::vector<bool> used(named.size(), false);
        std::vector<json::value> slots(cmd->args.size());
        std::vector<bool> set(cmd->args.size(), false);
        for (size_t a = 0; a < cmd->args.size(); ++a) {
            for (const std::string& alias : split_names(cmd->args[a].name)) {
                auto it = named.find(alias);
                if (it == named.end()) continue;
                if (set[a]) throw RpcError(RPC_INVALID_PARAMETER, "Parameter " + alias + " specified multiple times");
                slots[a] = it->value();
                set[a] = true;
                used[size_t(it - named.begin())] = true;
            }
        }
        for (size_t k = 0; k < named.size(); ++k)
            if (!used[k])
                throw RpcError(RPC_INVALID_PARAMETER,
                               "Unknown named parameter " + std::string((named.begin() + k)->key()));
        size_t last = 0;
        for (size_t a = 0; a < slots.size(); ++a)
            if (set[a]) last = a + 1;
        for (size_t a = 0; a < last; ++a) params.push_back(std::move(slots[a]));
    } else if (raw_params.is_array()) {
        params = raw_params.get_array();
    } else if (!raw_params.is_null()) {
        throw RpcError(RPC_INVALID_REQUEST, "Params must be an array or object");
    }

    // Argument count: as Core, too few or too many gives the usage text as a -1 error.
    size_t required = 0;
    for (size_t a = 0; a < cmd->args.size(); ++a)
        if (cmd->args[a].required) required = a + 1;
    if (params.size() < required || params.size() > cmd->args.size()) throw RpcError(RPC_MISC_ERROR, usage(*cmd));
    for (size_t a = 0; a < params.size(); ++a)
        if (cmd->args[a].required && params[a].is_null()) throw RpcError(RPC_MISC_ERROR, usage(*cmd));

    // JSON types, all mismatches reported at once like Core.
    json::object mismatch;
    for (size_t a = 0; a < params.size(); ++a) {
        const RpcArg& arg = cmd->args[a];
        const json::value& v = params[a];
        if (v.is_null() && !arg.required) continue;
        if (const char* want = expected_kind(arg.type); want && !kind_matches(arg.type, v)) {
            mismatch["Position " + std::to_string(a + 1) + " (" + arg.name + ")"] =
                std::string("JSON value of type ") + json_type_name(v) + " is not of expected type " + want;
        }
    }
    if (!mismatch.empty()) throw RpcError(RPC_TYPE_ERROR, "Wrong type passed:\n" + write_json(mismatch, 4));

    request.given = params.size();
    params.resize(cmd->args.size());
    request.params = std::move(params);
    std::list<Running>::iterator running;
    {
        std::lock_guard lock(active_mutex_);
        running = active_.insert(active_.end(), Running{cmd->name, std::chrono::steady_clock::now()});
    }
    struct Done {
        const RpcTable* t;
        std::list<Running>::iterator it;
        ~Done() {
            std::lock_guard lock(t->active_mutex_);
            t->active_.erase(it);
        }
    } done{this, running};
    try {
        return cmd->handler(node, request);
    } catch (const RpcError&) { throw; } catch (const std::bad_alloc&) {
        throw RpcError(RPC_OUT_OF_MEMORY, "Out of memory");
    } catch (const std::exception& e) { throw RpcError(RPC_MISC_ERROR, e.what()); }
}

std::vector<RpcTable::ActiveCommand> RpcTable::active_commands() const {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(active_mutex_);
    std::vector<ActiveCommand> out;
    for (const Running& r : active_)
        out.push_back({r.method, std::chrono::duration_cast<std::chrono::microseconds>(now - r.start).count()});
    return out;
}

std::string RpcTable::usage(const RpcCommand& c) const {
    auto shown = [](const RpcArg& a) {
        const std::string name = split_names(a.name).front();
        return a.type == ArgType::STR || a.type == ArgType::STR_HEX ? "\"" + name + "\"" : name;
    };
    // The one-line form, as Core: optional runs in "( ... )".
    std::string line = c.name;
    bool was_optional = false;
    for (const RpcArg& a : c.args) {
        if (a.hidden) continue;
        line += " ";
        if (!a.required) {
            if (!was_optional) line += "( ";
            was_optional = true;
        } else {
            if (was_optional) line += ") ";
            was_optional = false;
        }
        line += shown(a);
    }
    if (was_optional) line += " )";

    std::string out = line + "\n\n" + c.description + "\n";
    if (std::any_of(c.args.begin(), c.args.end(), [](const RpcArg& a) { return !a.hidden; })) {
        out += "\nArguments:\n";
        size_t width = 0;
        for (const RpcArg& a : c.args) width = std::max(width, a.name.size());
        for (size_t i = 0; i < c.args.size(); ++i) {
            const RpcArg& a = c.args[i];
            if (a.hidden) continue;
            std::string kind = arg_type_name(a.type);
            kind += a.required ? ", required"
                               : (a.default_hint.empty() ? ", optional" : ", optional, default=" + a.default_hint);
            out += std::to_string(i + 1) + ". " + a.name + std::string(width - a.name.size() + 4, ' ') + "(" + kind +
                   ") " + a.description + "\n";
        }
    }
    if (!c.result_help.empty()) out += "\nResult:\n" + c.result_help + "\n";
    std::string example = c.name;
    for (const RpcArg& a : c.args)
        if (a.required) example += " " + shown(a);
    out += "\nExamples:\n> minicash-cli " + example + "\n";
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::string RpcTable::help(const std::string& name) const {
    if (!name.empty()) {
        const RpcCommand* c = find(name);
        if (!c) return "help: unknown command: " + name;
        return usage(*c);
    }
    std::string out;
    std::string category;
    for (const RpcCommand* c : commands()) {
        if (c->category == "hidden") continue;  // callable, not listed (as Core's hidden commands)
        if (c->category != category) {
            if (!out.empty()) out += "\n";
            category = c->category;
            std::string title = category;
            if (!title.empty()) title[0] = char(std::toupper(static_cast<unsigned char>(title[0])));
            out += "== " + title + " ==\n";
        }
        const std::string u = usage(*c);
        out += u.substr(0, u.find('\n')) + "\n";
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// ---- JSON helpers -------------------------------------------------------------------

json::value amount_value(Amount sats) {
    std::string s(kAmountTag);
    s += format_btc(sats);
    return json::value(json::string(s));
}

std::optional<Amount> amount_of(const json::value& v) {
    if (!v.is_string()) return std::nullopt;
    std::string_view s = v.get_string();
    if (!s.starts_with(kAmountTag)) return std::nullopt;
    s.remove_prefix(kAmountTag.size());
    if (!is_amount_text(s)) return std::nullopt;
    const bool negative = s[0] == '-';
    if (negative) s.remove_prefix(1);
    const size_t dot = s.find('.');
    if (dot > 11) return std::nullopt;
    int64_t whole = 0, frac = 0;
    for (size_t i = 0; i < dot; ++i) whole = whole * 10 + (s[i] - '0');
    for (size_t i = dot + 1; i < s.size(); ++i) frac = frac * 10 + (s[i] - '0');
    const int64_t sats = whole * kCoin + frac;
    return negative ? -sats : sats;
}

namespace {
// Core's ParseFixedPoint restricted to what amounts need: [-]digits[.digits][e[+-]digits]
// with at most 8 decimals after applying the exponent.
std::optional<Amount> parse_amount_text(std::string_view s) {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    if (s[0] == '-') {
        negative = true;
        s.remove_prefix(1);
    }
    std::string digits;
    int decimals = 0;
    size_t i = 0;
    bool any = false, dot = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c >= '0' && c <= '9') {
            digits += c;
            any = true;
            if (dot) ++decimals;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (!any) return std::nullopt;
    int exponent = 0;
    if (i < s.size()) {
        if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
        ++i;
        bool exp_negative = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
        if (i == s.size()) return std::nullopt;
        for (; i < s.size(); ++i) {
            if (s[i] < '0' || s[i] > '9' || exponent > 1000) return std::nullopt;
            exponent = exponent * 10 + (s[i] - '0');
        }
        if (exp_negative) exponent = -exponent;
    }
    int scale = 8 - decimals + exponent;  // multiply digits by 10^scale
    // Strip leading zeros so the length check below is meaningful.
    size_t nz = digits.find_first_not_of('0');
    digits = nz == std::string::npos ? "0" : digits.substr(nz);
    while (scale < 0) {
        if (digits.back() != '0') return std::nullopt;  // more than 8 decimals
        digits.pop_back();
        if (digits.empty()) digits = "0";
        ++scale;
    }
    if (digits != "0") digits.append(size_t(scale), '0');
    if (digits.size() > 17) return std::nullopt;
    Amount v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    return negative ? -v : v;
}
}  // namespace

Amount amount_from_value(const json::value& v) {
    std::optional<Amount> sats;
    if (auto a = amount_of(v)) {
        sats = a;
    } else if (v.is_int64()) {
        if (v.get_int64() > kMaxMoney / kCoin || v.get_int64() < -kMaxMoney / kCoin)
            throw RpcError(RPC_TYPE_ERROR, "Amount out of range");
        sats = v.get_int64() * kCoin;
    } else if (v.is_uint64()) {
        throw RpcError(RPC_TYPE_ERROR, "Amount out of range");
    } else if (v.is_double()) {
        // Boost.JSON keeps no number text: the shortest round-trip form stands in for it.
        const double d = v.get_double();
        if (!std::isfinite(d)) throw RpcError(RPC_TYPE_ERROR, "Invalid amount");
        char buf[64];
        for (int prec = 1; prec <= 17; ++prec) {
            std::snprintf(buf, sizeof buf, "%.*g", prec, d);
            if (std::strtod(buf, nullptr) == d) break;
        }
        sats = parse_amount_text(buf);
        if (!sats) throw RpcError(RPC_TYPE_ERROR, "Invalid amount");
    } else if (v.is_string()) {
        sats = parse_amount_text(v.get_string());
        if (!sats) throw RpcError(RPC_TYPE_ERROR, "Invalid amount");
    } else {
        throw RpcError(RPC_TYPE_ERROR, "Amount is not a number or string");
    }
    if (!money_range(*sats)) throw RpcError(RPC_TYPE_ERROR, "Amount out of range");
    return *sats;
}

json::value raw_number(std::string_view text) {
    if (!is_json_number_text(text)) return nullptr;
    std::string s(kAmountTag);
    s += text;
    return json::value(json::string(s));
}

std::optional<std::string> raw_number_text(const json::value& v) {
    if (!v.is_string()) return std::nullopt;
    std::string_view s = v.get_string();
    if (!s.starts_with(kAmountTag) || !is_json_number_text(s.substr(kAmountTag.size()))) return std::nullopt;
    return std::string(s.substr(kAmountTag.size()));
}

namespace {
// Builds a json::value from basic_parser events, keeping number text.
struct PreservingHandler {
    static constexpr size_t max_object_size = size_t(-1);
    static constexpr size_t max_array_size = size_t(-1);
    static constexpr size_t max_key_size = size_t(-1);
    static constexpr size_t max_string_size = size_t(-1);

    std::vector<json::value> stack;  // open arrays and objects
    std::vector<std::string> keys;   // pending key of each open object
    std::string key, str, num;
    json::value result;

    void put(json::value v) {
        if (stack.empty()) {
            result = std::move(v);
        } else if (stack.back().is_array()) {
            stack.back().get_array().push_back(std::move(v));
        } else {
            stack.back().get_object()[keys.back()] = std::move(v);
            keys.pop_back();
        }
    }
    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_array_begin(boost::system::error_code&) {
        stack.emplace_back(json::array());
        return true;
    }
    bool on_array_end(size_t, boost::system::error_code&) {
        json::value v = std::move(stack.back());
        stack.pop_back();
        put(std::move(v));
        return true;
    }
    bool on_object_begin(boost::system::error_code&) {
        stack.emplace_back(json::object());
        return true;
    }
    bool on_object_end(size_t n, boost::system::error_code& ec) { return on_array_end(n, ec); }
    bool on_string_part(std::string_view s, size_t, boost::system::error_code&) {
        str += s;
        return true;
    }
    bool on_string(std::string_view s, size_t, boost::system::error_code&) {
        str += s;
        put(json::value(json::string(str)));
        str.clear();
        return true;
    }
    bool on_key_part(std::string_view s, size_t, boost::system::error_code&) {
        key += s;
        return true;
    }
    bool on_key(std::string_view s, size_t, boost::system::error_code&) {
        key += s;
        keys.push_back(std::move(key));
        key.clear();
        return true;
    }
    bool on_number_part(std::string_view s, boost::system::error_code&) {
        num += s;
        return true;
    }
    bool on_int64(int64_t i, std::string_view, boost::system::error_code&) {
        num.clear();
        put(i);
        return true;
    }
    bool on_uint64(uint64_t u, std::string_view, boost::system::error_code&) {
        num.clear();
        put(u);
        return true;
    }
    bool on_double(double, std::string_view s, boost::system::error_code&) {
        num += s;
        put(raw_number(num));
        num.clear();
        return true;
    }
    bool on_bool(bool b, boost::system::error_code&) {
        put(b);
        return true;
    }
    bool on_null(boost::system::error_code&) {
        put(nullptr);
        return true;
    }
    bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
    bool on_comment(std::string_view, boost::system::error_code&) { return true; }
};
}  // namespace

json::value parse_json_preserving(std::string_view text, boost::system::error_code& ec) {
    json::parse_options opt;
    opt.max_depth = 512;
    json::basic_parser<PreservingHandler> p(opt);
    const size_t n = p.write_some(false, text.data(), text.size(), ec);
    if (!ec && n != text.size()) ec = json::error::extra_data;
    if (ec) return nullptr;
    return std::move(p.handler().result);
}

std::string write_json(const json::value& v, int indent) {
    std::string out;
    write_into(out, v, indent, 1);
    return out;
}

json::object make_error(int code, const std::string& message) {
    json::object e;
    e["code"] = code;
    e["message"] = message;
    return e;
}

json::object make_reply(const json::value& result, const json::value& error, const std::optional<json::value>& id,
                        bool json_rpc_v2) {
    json::object r;
    if (json_rpc_v2) r["jsonrpc"] = "2.0";
    if (error.is_null()) {
        r["result"] = result;
        if (!json_rpc_v2) r["error"] = nullptr;
    } else {
        if (!json_rpc_v2) r["result"] = nullptr;
        r["error"] = error;
    }
    if (id) r["id"] = *id;
    return r;
}

}  // namespace minicash::rpc
