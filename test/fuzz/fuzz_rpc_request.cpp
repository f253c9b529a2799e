// libFuzzer target: what the RPC server reads from a client before any command runs:
// the JSON-RPC body (rpc/http_server.h handle_body: JSON parsing, single and batch
// requests, 1.0/2.0, id/method/params checks) and the command table's dispatch
// (rpc/server.h RpcTable::execute: named -> positional params, argument count and JSON
// type checks, the typed getters); the REST target's pieces (rpc/rest_uri.h); the
// Authorization header (rpc/auth.h) and the -rpcauth / -rpcallowip values.
//
// There is no node: the table holds test commands with every argument type, whose
// handlers read their arguments through the typed getters and return them. Esplora's
// path parsing is private to rpc/esplora.cpp and needs a node, so it is not here.
//
// Byte 0 picks the mode, the rest is the text:
//   0  an HTTP POST body;  1  a REST target;  2  an Authorization header value;
//   3  an -rpcauth value, then (after the first NUL) an -rpcallowip value.
//
// Properties: no crash and no exception escapes; every reply other than 204 is JSON:
// an object with "result" and "error" (1.0) or one of them (2.0), or for a batch an
// array of such objects; every error object has an integer code and a string message;
// REST helpers keep their documented contracts (see the checks).
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/base64.h"
#include "node/context.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "rpc/rest_uri.h"
#include "rpc/server.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::rpc;
namespace json = boost::json;

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_rpc_request: property violated: %s\n", what);
        std::abort();
    }
}

json::value read_all(NodeContext&, const RpcRequest& req) {
    json::array out;
    for (size_t i = 0; i < req.params.size(); ++i) {
        if (!req.has(i)) {
            out.emplace_back(nullptr);
            continue;
        }
        const json::value& v = req.at(i);
        if (v.is_string()) out.emplace_back(req.get_str(i));
        else if (v.is_number()) out.emplace_back(req.get_int(i));
        else if (v.is_bool()) out.emplace_back(req.get_bool(i, false));
        else out.push_back(v);
    }
    return out;
}

const RpcTable& table() {
    static RpcTable t;
    static const bool filled = [] {
        const auto opt = [](std::string name, ArgType type) { return RpcArg{std::move(name), type, false, "", ""}; };
        t.add({"test",
               "every",
               "Takes one argument of each type.",
               {RpcArg{"str", ArgType::STR, true, "", ""}, opt("hex", ArgType::STR_HEX), opt("num", ArgType::NUM),
                opt("amount", ArgType::AMOUNT), opt("flag", ArgType::BOOL), opt("obj", ArgType::OBJ),
                opt("arr", ArgType::ARR), opt("range", ArgType::RANGE), opt("verbosity|verbose", ArgType::ANY)},
               "",
               [](NodeContext& node, const RpcRequest& req) -> json::value {
                   if (req.has(3)) (void)amount_from_value(req.at(3));
                   return read_all(node, req);
               }});
        t.add({"test", "none", "Takes nothing.", {}, "", [](NodeContext&, const RpcRequest&) -> json::value {
                   throw RpcError(RPC_INVALID_PARAMETER, "refused");
               }});
        t.add({"test",
               "throws",
               "Throws.",
               {opt("n", ArgType::NUM)},
               "",
               [](NodeContext&, const RpcRequest& req) -> json::value {
                   if (req.get_int(0, 0) > 0) throw std::runtime_error("plain exception");
                   return req.get_int(0, 0);
               }});
        t.add({"control",
               "help",
               "Help.",
               {opt("command", ArgType::STR)},
               "",
               [](NodeContext&, const RpcRequest& req) -> json::value {
                   return json::string(t.help(req.opt_str(0).value_or("")));
               },
               true});
        return true;
    }();
    (void)filled;
    return t;
}

void check_reply_object(const json::value& v) {
    check(v.is_object(), "reply is not an object");
    const json::object& o = v.get_object();
    check(o.contains("result") || o.contains("error"), "reply without result or error");
    if (const json::value* e = o.if_contains("error"); e && !e->is_null()) {
        check(e->is_object(), "error is not an object");
        const json::value* code = e->get_object().if_contains("code");
        const json::value* message = e->get_object().if_contains("message");
        check(code && code->is_int64() && message && message->is_string(), "error without code and message");
    }
}

void rpc_body(const std::string& body) {
    static NodeContext node;
    static HttpRpcServer server(table(), node, Authenticator{}, HttpServerOptions{});
    const HttpRpcServer::Reply reply = server.handle_body(body, "user");
    check(reply.status >= 200 && reply.status < 600, "HTTP status");
    if (reply.status == 204) {
        check(reply.body.empty(), "204 with a body");
        return;
    }
    boost::system::error_code ec;
    const json::value v = parse_json_preserving(reply.body, ec);
    check(!ec, "reply is not JSON");
    if (v.is_array())
        for (const json::value& item : v.get_array()) check_reply_object(item);
    else check_reply_object(v);
}

bool uri_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != std::string_view::npos;
}

void rest_target(const std::string& target) {
    std::string param;
    const RestFormat format = parse_data_format(param, target);
    const std::string path = target.substr(0, target.rfind('?'));
    if (format == RestFormat::UNDEF) {  // an empty suffix ("x.") loses its dot, as in Core
        check(param == path || (path.ends_with('.') && param + "." == path), "UNDEF changed the parameter");
    } else {
        check(param.size() < path.size() && path.compare(0, param.size(), param) == 0 && path[param.size()] == '.',
              "the format suffix is not what was removed");
    }

    for (const char* key : {"count", "", "a"}) {
        try {
            (void)query_parameter(target, key);
        } catch (const UriError&) {}
    }
    const auto parts = split_string(target, '/');
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) joined += (i ? "/" : "") + parts[i];
    check(joined == target, "split_string does not join back");

    if (auto n = parse_unsigned(target)) {
        check(!target.empty() && std::all_of(target.begin(), target.end(), [](char c) { return c >= '0' && c <= '9'; }),
              "parse_unsigned took a non-digit");
        const std::string digits = std::to_string(*n);
        check(target.size() >= digits.size() && target.substr(target.size() - digits.size()) == digits,
              "parse_unsigned value");
    }
    if (auto n = parse_int32(target)) check(std::to_string(*n).size() <= target.size(), "parse_int32 value");
    if (auto h = parse_hash_hex(target)) {
        check(target.size() == 64, "hash of another length");
        std::string lower = target;
        for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
        check(h->to_hex() == lower, "hash does not print back");
    }
    const Bytes lenient = parse_hex_lenient(target);
    check(lenient.size() * 2 <= target.size(), "parse_hex_lenient made bytes from nothing");
    const std::string clean = sanitize_uri(target);
    check(std::all_of(clean.begin(), clean.end(), uri_char), "sanitize_uri kept a character");
    check(sanitize_uri(clean) == clean, "sanitize_uri is not idempotent");
}

void auth_header(const std::string& header) {
    static const Authenticator auth = [] {
        Authenticator a;
        a.add_user_password("user:pass");
        return a;
    }();
    const auto user = auth.check(header);
    if (user) check(*user == "user", "authenticated as someone else");
    // The right credentials are accepted, whatever the fuzzer did with the rest.
    check(auth.check("Basic " + base64_encode(ByteView(reinterpret_cast<const uint8_t*>("user:pass"), 9))) == "user",
          "right credentials refused");
}

void options(const std::string& text) {
    const size_t nul = text.find('\0');
    if (auto e = parse_rpcauth(text.substr(0, nul))) {
        check(e->hash_hex.size() == 64, "rpcauth hash length");
        check(hex_decode(e->hash_hex).has_value(), "rpcauth hash not hex");
    }
    if (nul != std::string::npos) (void)parse_subnet(text.substr(nul + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    switch (data[0] % 4) {
    case 0: rpc_body(text); break;
    case 1: rest_target(text); break;
    case 2: auth_header(text); break;
    default: options(text); break;
    }
    return 0;
}
