// Unit tests of the RPC layer that need no running node: the command table (named and
// positional arguments, type checks, help), Core-compatible JSON output (amounts, doubles,
// pretty printing), authentication (rpcauth HMAC, Basic headers, cookie file), the
// HTTP server's request handling (without sockets), and script/descriptor helpers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "consensus/params.h"
#include "node/context.h"
#include "rpc/auth.h"
#include "rpc/http_server.h"
#include "rpc/server.h"
#include "rpc/util.h"
#include "test/util/temp_dir.h"
#include "util/hex.h"

using namespace minicash;
using namespace minicash::rpc;
namespace json = boost::json;

namespace {

// A table with one command taking (str, num, optional bool, optional amount).
void fill_table(RpcTable& t) {
    t.add({"test",
           "echo",
           "Echo the arguments.",
           {{"text", ArgType::STR, true, "", "text"},
            {"count", ArgType::NUM, true, "", "count"},
            {"flag|alias", ArgType::BOOL, false, "false", "flag"},
            {"amount", ArgType::AMOUNT, false, "0", "amount"}},
           "result",
           [](NodeContext&, const RpcRequest& req) -> json::value {
               json::array a;
               for (const json::value& v : req.params) a.push_back(v);
               return a;
           }});
    t.add({"test", "boom", "Throws.", {}, "", [](NodeContext&, const RpcRequest&) -> json::value {
               throw std::runtime_error("kaboom");
           }});
}

struct TestTable : RpcTable {
    TestTable() { fill_table(*this); }
};

json::value run(const RpcTable& t, const std::string& method, const std::string& params_json) {
    NodeContext node;
    RpcRequest req;
    req.method = method;
    return t.execute(node, req, json::parse(params_json));
}

int error_code_of(const RpcTable& t, const std::string& method, const std::string& params_json,
                  std::string* message = nullptr) {
    try {
        run(t, method, params_json);
    } catch (const RpcError& e) {
        if (message) *message = e.message;
        return e.code;
    }
    return 0;
}

}  // namespace

TEST(RpcTable, PositionalArgumentsArePaddedWithNulls) {
    TestTable t;
    EXPECT_EQ(write_json(run(t, "echo", R"(["a", 1])")), R"(["a",1,null,null])");
}

TEST(RpcTable, NamedArgumentsMapToPositions) {
    TestTable t;
    EXPECT_EQ(write_json(run(t, "echo", R"({"count": 2, "text": "x"})")), R"(["x",2,null,null])");
    EXPECT_EQ(write_json(run(t, "echo", R"({"count": 2, "text": "x", "amount": 1})")), R"(["x",2,null,1])");
    // An alias names the same position.
    EXPECT_EQ(write_json(run(t, "echo", R"({"alias": true, "count": 2, "text": "x"})")), R"(["x",2,true,null])");
    std::string msg;
    EXPECT_EQ(error_code_of(t, "echo", R"({"text": "x", "count": 1, "bogus": 1})", &msg), RPC_INVALID_PARAMETER);
    EXPECT_EQ(msg, "Unknown named parameter bogus");
    EXPECT_EQ(error_code_of(t, "echo", R"({"text": "x", "count": 1, "flag": true, "alias": false})", &msg),
              RPC_INVALID_PARAMETER);
    // Missing required named argument: usage text as a -1 error, as Core.
    EXPECT_EQ(error_code_of(t, "echo", R"({"text": "x"})", &msg), RPC_MISC_ERROR);
    EXPECT_TRUE(msg.starts_with("echo \"text\" count ( flag amount )")) << msg;
}

TEST(RpcTable, ArgumentCountAndTypes) {
    TestTable t;
    std::string msg;
    EXPECT_EQ(error_code_of(t, "echo", R"(["a"])", &msg), RPC_MISC_ERROR);
    EXPECT_EQ(error_code_of(t, "echo", R"(["a", 1, true, 1, 5])", &msg), RPC_MISC_ERROR);
    EXPECT_EQ(error_code_of(t, "echo", R"([1, "x"])", &msg), RPC_TYPE_ERROR);
    EXPECT_EQ(msg,
              "Wrong type passed:\n{\n"
              "    \"Position 1 (text)\": \"JSON value of type number is not of expected type string\",\n"
              "    \"Position 2 (count)\": \"JSON value of type string is not of expected type number\"\n}");
    // Null for an optional argument counts as omitted; for a required one it is an error.
    EXPECT_EQ(error_code_of(t, "echo", R"(["a", 1, null, null])"), 0);
    EXPECT_EQ(error_code_of(t, "echo", R"([null, 1])"), RPC_MISC_ERROR);
    EXPECT_EQ(error_code_of(t, "echo", R"(["a", 1, "yes"])", &msg), RPC_TYPE_ERROR);
    EXPECT_NE(msg.find("\"Position 3 (flag|alias)\": \"JSON value of type string is not of expected type bool\""),
              std::string::npos)
        << msg;
    EXPECT_EQ(error_code_of(t, "echo", R"("notarray")", &msg), RPC_INVALID_REQUEST);
    EXPECT_EQ(error_code_of(t, "nosuch", "[]", &msg), RPC_METHOD_NOT_FOUND);
    EXPECT_EQ(msg, "Method not found");
}

TEST(RpcTable, HandlerExceptionsBecomeMiscErrors) {
    TestTable t;
    std::string msg;
    EXPECT_EQ(error_code_of(t, "boom", "[]", &msg), RPC_MISC_ERROR);
    EXPECT_EQ(msg, "kaboom");
}

TEST(RpcTable, WarmupRefusesCommands) {
    TestTable t;
    t.set_warmup(true, "Loading block index...");
    std::string msg;
    EXPECT_EQ(error_code_of(t, "echo", R"(["a", 1])", &msg), RPC_IN_WARMUP);
    EXPECT_EQ(msg, "Loading block index...");
    t.set_warmup(false);
    EXPECT_EQ(error_code_of(t, "echo", R"(["a", 1])"), 0);
}

TEST(RpcTable, DuplicateRegistrationThrows) {
    TestTable t;
    EXPECT_THROW(
        t.add({"test", "boom", "x", {}, "", [](NodeContext&, const RpcRequest&) -> json::value { return nullptr; }}),
        std::logic_error);
}

TEST(RpcTable, HelpListsEveryCommandAndDocumentsEach) {
    RpcTable t;
    register_all_commands(t);
    const std::string all = t.help();
    for (const RpcCommand* c : t.commands()) {
        // Hidden commands (Core's "hidden" category) are callable and documented, not listed.
        if (c->category == "hidden") EXPECT_EQ(all.find("\n" + c->name + "\n"), std::string::npos) << c->name;
        else EXPECT_NE(all.find("\n" + c->name), std::string::npos) << c->name;
        const std::string one = t.help(c->name);
        EXPECT_TRUE(one.starts_with(c->name)) << one;
        EXPECT_NE(one.find(c->description.substr(0, 20)), std::string::npos) << c->name;
        EXPECT_FALSE(c->description.empty()) << c->name;
    }
    EXPECT_TRUE(all.starts_with("== Blockchain ==\n")) << all;
    EXPECT_EQ(t.help("nosuch"), "help: unknown command: nosuch");
    for (const char* name : {"getblockchaininfo",
                             "getblockcount",
                             "getbestblockhash",
                             "getblockhash",
                             "getblockheader",
                             "getblock",
                             "getchaintips",
                             "getdifficulty",
                             "gettxout",
                             "gettxoutsetinfo",
                             "getrawtransaction",
                             "decoderawtransaction",
                             "decodescript",
                             "sendrawtransaction",
                             "testmempoolaccept",
                             "getmempoolinfo",
                             "getrawmempool",
                             "getmempoolentry",
                             "getmempoolcluster",
                             "getmempoolfeeratediagram",
                             "submitpackage",
                             "estimatesmartfee",
                             "uptime",
                             "help",
                             "stop",
                             "generatetoaddress",
                             "generatetodescriptor",
                             "generateblock",
                             "getblocktemplate",
                             "submitblock",
                             "prioritisetransaction",
                             "getmininginfo",
                             "getnetworkhashps"})
        EXPECT_NE(t.find(name), nullptr) << name;
    // Core's one-line forms.
    EXPECT_TRUE(t.help("getblock").starts_with("getblock \"blockhash\" ( verbosity )\n"));
    EXPECT_TRUE(t.help("prioritisetransaction").starts_with("prioritisetransaction \"txid\" ( dummy ) fee_delta\n"));
}

// ---- JSON output -------------------------------------------------------------------

TEST(RpcJson, AmountsHaveEightDecimals) {
    EXPECT_EQ(format_amount(0), "0.00000000");
    EXPECT_EQ(format_amount(1), "0.00000001");
    EXPECT_EQ(format_amount(5000000000), "50.00000000");
    EXPECT_EQ(format_amount(-123456789), "-1.23456789");
    EXPECT_EQ(format_amount(kMaxMoney), "21000000.00000000");
    EXPECT_EQ(format_amount(INT64_MIN), "-92233720368.54775808");
    json::object o;
    o["value"] = amount_value(5000000000);
    o["fee"] = amount_value(1000);
    EXPECT_EQ(write_json(o), R"({"value":50.00000000,"fee":0.00001000})");
    EXPECT_EQ(write_json(o, 2), "{\n  \"value\": 50.00000000,\n  \"fee\": 0.00001000\n}");
    EXPECT_EQ(amount_of(o["value"]), 5000000000);
    EXPECT_FALSE(amount_of(json::value("50.00000000")).has_value());
}

TEST(RpcJson, AmountsFromArguments) {
    EXPECT_EQ(amount_from_value(json::parse("0.1")), 10000000);
    EXPECT_EQ(amount_from_value(json::parse("1e-8")), 1);
    EXPECT_EQ(amount_from_value(json::parse("21000000")), kMaxMoney);
    EXPECT_EQ(amount_from_value(json::parse("0.00000001")), 1);
    EXPECT_EQ(amount_from_value(json::value("0.1")), 10000000);
    EXPECT_EQ(amount_from_value(json::value("1.5e1")), 1500000000);
    EXPECT_EQ(amount_from_value(json::parse("50.123")), 5012300000);
    EXPECT_EQ(amount_from_value(amount_value(42)), 42);
    auto code = [](const json::value& v) {
        try {
            amount_from_value(v);
        } catch (const RpcError& e) { return e.code; }
        return 0;
    };
    EXPECT_EQ(code(json::parse("0.000000001")), RPC_TYPE_ERROR);  // 9 decimals
    EXPECT_EQ(code(json::parse("-1")), RPC_TYPE_ERROR);
    EXPECT_EQ(code(json::parse("21000000.00000001")), RPC_TYPE_ERROR);
    EXPECT_EQ(code(json::value("abc")), RPC_TYPE_ERROR);
    EXPECT_EQ(code(json::value(true)), RPC_TYPE_ERROR);
    EXPECT_EQ(code(json::parse("1e400")), RPC_TYPE_ERROR);
}

TEST(RpcJson, WriterMatchesUniValue) {
    EXPECT_EQ(write_json(json::parse(R"({"a":[1,2,{"b":null}],"c":true,"d":"x\"y\\\n"})")),
              R"({"a":[1,2,{"b":null}],"c":true,"d":"x\"y\\\n"})");
    EXPECT_EQ(write_json(json::value(4.656542373906925e-10)), "4.656542373906925e-10");
    EXPECT_EQ(write_json(json::value(1.0)), "1");
    EXPECT_EQ(write_json(json::value(0.5)), "0.5");
    EXPECT_EQ(write_json(json::value(std::string("\x01\x7f", 2))), R"("\u0001\u007f")");
    EXPECT_EQ(write_json(json::array(), 2), "[\n]");
    EXPECT_EQ(write_json(json::parse(R"({"w":[]})"), 2), "{\n  \"w\": [\n  ]\n}");
    EXPECT_EQ(write_json(json::parse(R"([1,[2]])"), 2), "[\n  1,\n  [\n    2\n  ]\n]");
    // A tagged string that is not a number is escaped, never written raw.
    EXPECT_EQ(write_json(json::value(std::string("\x01number:1,2"))), R"("\u0001number:1,2")");
}

TEST(RpcJson, PreservingParserKeepsNumberText) {
    boost::system::error_code ec;
    const std::string text =
        R"({"value":50.00000000,"n":1,"d":4.656542373906925e-10,"big":123456789012345678901234,"s":"x","a":[0.10000000,true,null]})";
    json::value v = parse_json_preserving(text, ec);
    ASSERT_FALSE(ec);
    EXPECT_EQ(write_json(v), text);
    EXPECT_EQ(raw_number_text(v.at("value")), "50.00000000");
    parse_json_preserving("{\"a\":", ec);
    EXPECT_TRUE(ec);
    parse_json_preserving("[1] x", ec);
    EXPECT_TRUE(ec);
}

TEST(RpcJson, ReplyShapes) {
    EXPECT_EQ(write_json(make_reply(5, nullptr, json::value(1), false)), R"({"result":5,"error":null,"id":1})");
    EXPECT_EQ(write_json(make_reply(5, nullptr, json::value(1), true)), R"({"jsonrpc":"2.0","result":5,"id":1})");
    EXPECT_EQ(write_json(make_reply(nullptr, make_error(-8, "bad"), json::value("x"), true)),
              R"({"jsonrpc":"2.0","error":{"code":-8,"message":"bad"},"id":"x"})");
    EXPECT_EQ(write_json(make_reply(nullptr, make_error(-8, "bad"), std::nullopt, false)),
              R"({"result":null,"error":{"code":-8,"message":"bad"}})");
}

// ---- authentication ------------------------------------------------------------------

TEST(RpcAuth, RpcauthHmacMatchesCoreFormat) {
    // hash = hex(HMAC-SHA256(key=salt, msg=password)), as share/rpcauth/rpcauth.py.
    EXPECT_EQ(rpcauth_hash("cb77f0957de88ff388cf817ddbc7273", "secret-pw"),
              "378a8a8ff4b93dc88eced1d803bb7a2c57d3c8ede1c500dd6776e29eaf69e5de");
    auto e = parse_rpcauth(
        "alice:cb77f0957de88ff388cf817ddbc7273$378a8a8ff4b93dc88eced1d803bb7a2c57d3c8ede1c500dd6776e29eaf69e5de");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->user, "alice");
    EXPECT_EQ(e->salt, "cb77f0957de88ff388cf817ddbc7273");
    EXPECT_FALSE(parse_rpcauth("alice"));
    EXPECT_FALSE(parse_rpcauth("alice:salt"));
    EXPECT_FALSE(parse_rpcauth("alice:salt$abc"));                 // hash not 64 hex digits
    EXPECT_FALSE(parse_rpcauth(":salt$" + std::string(64, 'a')));  // no user
    EXPECT_FALSE(parse_rpcauth("a:b:salt$" + std::string(64, 'a')));
    EXPECT_FALSE(parse_rpcauth("a:s$x$" + std::string(64, 'a')));

    Authenticator auth;
    auth.add_rpcauth(*e);
    EXPECT_EQ(auth.check("Basic " + base64_encode("alice:secret-pw")), "alice");
    EXPECT_FALSE(auth.check("Basic " + base64_encode("alice:wrong")));
    EXPECT_FALSE(auth.check("Basic " + base64_encode("bob:secret-pw")));
}

TEST(RpcAuth, BasicHeaders) {
    Authenticator auth;
    auth.add_user_password("__cookie__:abc");
    EXPECT_EQ(auth.check("Basic " + base64_encode("__cookie__:abc")), "__cookie__");
    EXPECT_EQ(auth.check("Basic  " + base64_encode("__cookie__:abc") + " "), "__cookie__");
    EXPECT_FALSE(auth.check("Basic " + base64_encode("__cookie__:abd")));
    EXPECT_FALSE(auth.check("Bearer " + base64_encode("__cookie__:abc")));
    EXPECT_FALSE(auth.check("Basic !!!!"));
    EXPECT_FALSE(auth.check("Basic " + base64_encode("nocolon")));
    EXPECT_FALSE(auth.check(""));
    EXPECT_FALSE(Authenticator().check("Basic " + base64_encode(":")));
}

TEST(RpcAuth, Base64) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
    EXPECT_FALSE(base64_decode("Zm9"));
    EXPECT_FALSE(base64_decode("Z=9v"));
    EXPECT_FALSE(base64_decode("Zm9v YmFy"));
    EXPECT_TRUE(timing_safe_equal("abc", "abc"));
    EXPECT_FALSE(timing_safe_equal("abc", "abd"));
    EXPECT_FALSE(timing_safe_equal("abc", "abcd"));
}

TEST(RpcAuth, CookieFileIsPrivate) {
    const test::TempDir tmp("cookie");
    const std::filesystem::path& dir = tmp.path();
    const mode_t old_umask = ::umask(0);  // the file must be 0600 whatever the umask
    const std::string cookie = generate_cookie();
    std::string error;
    ASSERT_TRUE(write_cookie_file(dir / ".cookie", cookie, &error)) << error;
    ::umask(old_umask);
    struct stat st {};
    ASSERT_EQ(::stat((dir / ".cookie").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(cookie.starts_with("__cookie__:"));
    EXPECT_EQ(cookie.size(), 11u + 64u);
    EXPECT_TRUE(is_hex(cookie.substr(11)));
    EXPECT_EQ(read_cookie_file(dir / ".cookie"), cookie);
    EXPECT_NE(generate_cookie(), cookie);
    EXPECT_FALSE(std::filesystem::exists(dir / ".cookie.tmp"));
    EXPECT_FALSE(write_cookie_file(dir / "missing" / ".cookie", cookie, &error));
    EXPECT_EQ(error.find(cookie.substr(11)), std::string::npos);  // never echo the secret
}

// ---- HTTP request handling (no sockets) -----------------------------------------------

namespace {
struct ServerFixture {
    TestTable table;
    NodeContext node;
    HttpRpcServer server{table, node, Authenticator{}, HttpServerOptions{}};
};
}  // namespace

TEST(RpcHttp, BodyHandlingMatchesCore) {
    ServerFixture f;
    auto r = f.server.handle_body("not json", "u");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"},\"id\":null}\n");
    r = f.server.handle_body("5", "u");
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("Top-level object parse error"), std::string::npos);
    r = f.server.handle_body(R"({"method":"echo","params":["a",1],"id":7})", "u");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"result\":[\"a\",1,null,null],\"error\":null,\"id\":7}\n");
    r = f.server.handle_body(R"({"method":"nosuch","id":7})", "u");
    EXPECT_EQ(r.status, 404);
    r = f.server.handle_body(R"({"method":"echo","params":[1,1],"id":7})", "u");
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("\"code\":-3"), std::string::npos);
    r = f.server.handle_body(R"({"id":7})", "u");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("Missing method"), std::string::npos);
    r = f.server.handle_body(R"({"method":5,"id":7})", "u");
    EXPECT_EQ(r.status, 400);
    r = f.server.handle_body(R"({"method":"echo","params":5,"id":7})", "u");
    EXPECT_EQ(r.status, 400);
    r = f.server.handle_body(R"({"method":"echo","jsonrpc":"3.0","id":7})", "u");
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(r.body.find("JSON-RPC version not supported"), std::string::npos);
    // No id in a legacy request: the reply has none either.
    r = f.server.handle_body(R"({"method":"echo","params":["a",1]})", "u");
    EXPECT_EQ(r.body, "{\"result\":[\"a\",1,null,null],\"error\":null}\n");
}

TEST(RpcHttp, JsonRpc2AndBatches) {
    ServerFixture f;
    auto r = f.server.handle_body(R"({"jsonrpc":"2.0","method":"nosuch","id":1})", "u");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":1}\n");
    r = f.server.handle_body(R"({"jsonrpc":"2.0","method":"echo","params":["a",1]})", "u");  // notification
    EXPECT_EQ(r.status, 204);
    EXPECT_TRUE(r.body.empty());
    r = f.server.handle_body(
        R"([{"method":"echo","params":["a",1],"id":1},{"method":"nosuch","id":2},5,{"jsonrpc":"2.0","method":"echo","params":["b",2]}])",
        "u");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body,
              "[{\"result\":[\"a\",1,null,null],\"error\":null,\"id\":1},"
              "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":2},"
              "{\"result\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid Request object\"},\"id\":null}]\n");
    r = f.server.handle_body("[]", "u");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "[]\n");
    r = f.server.handle_body(R"([{"jsonrpc":"2.0","method":"echo","params":["b",2]}])", "u");
    EXPECT_EQ(r.status, 204);
}

TEST(RpcHttp, HostileBodiesNeverCrash) {
    ServerFixture f;
    std::string deep(100000, '[');
    EXPECT_EQ(f.server.handle_body(deep, "u").status, 500);
    EXPECT_EQ(f.server.handle_body(std::string("\xff\xfe\x00", 3), "u").status, 500);
    const auto huge = f.server.handle_body(R"({"method":"echo","params":{"text":"a","count":1e999},"id":1})", "u");
    EXPECT_FALSE(huge.body.empty());
    EXPECT_EQ(f.server.handle_body(R"({"method":"boom","id":1})", "u").status, 500);
    EXPECT_EQ(f.server.handle_body(R"({"method":"echo","params":[{"a":[[[]]]},1],"id":1})", "u").status, 500);
}

TEST(RpcHttp, Subnets) {
    auto s = parse_subnet("192.168.1.0/24");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains("192.168.1.77"));
    EXPECT_FALSE(s->contains("192.168.2.1"));
    s = parse_subnet("10.0.0.0/255.0.0.0");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains("10.9.8.7"));
    EXPECT_FALSE(s->contains("11.0.0.1"));
    s = parse_subnet("1.2.3.4");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains("1.2.3.4"));
    EXPECT_FALSE(s->contains("1.2.3.5"));
    s = parse_subnet("fe80::/10");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains("fe80::1"));
    EXPECT_FALSE(s->contains("::1"));
    s = parse_subnet("0.0.0.0/0");
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->contains("8.8.8.8"));
    EXPECT_FALSE(parse_subnet("1.2.3.4/33"));
    EXPECT_FALSE(parse_subnet("1.2.3.4/255.0.255.0"));
    EXPECT_FALSE(parse_subnet("host.example"));
    EXPECT_FALSE(parse_subnet("1.2.3.4/"));
}

// ---- script and descriptor helpers -----------------------------------------------------

TEST(RpcScript, AsmLikeCore) {
    auto asm_of = [](const std::string& hex) { return script_to_asm(Script(*hex_decode(hex))); };
    EXPECT_EQ(asm_of("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac"),
              "OP_DUP OP_HASH160 751e76e8199196d454941c45d1b3a323f1433bd6 OP_EQUALVERIFY OP_CHECKSIG");
    EXPECT_EQ(asm_of("0014751e76e8199196d454941c45d1b3a323f1433bd6"), "0 751e76e8199196d454941c45d1b3a323f1433bd6");
    EXPECT_EQ(asm_of("4f5160"), "-1 1 16");
    EXPECT_EQ(asm_of("0165"), "101");
    EXPECT_EQ(asm_of("02ff7f"), "32767");
    EXPECT_EQ(asm_of("0181"), "-1");
    EXPECT_EQ(asm_of("b1b2ba"), "OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY OP_CHECKSIGADD");
    EXPECT_EQ(asm_of("ff"), "OP_INVALIDOPCODE");
    EXPECT_EQ(asm_of("bb"), "OP_UNKNOWN");
    EXPECT_EQ(asm_of("4c"), "[error]");
}

TEST(RpcScript, SighashDecodeInScriptSig) {
    // A strict-DER signature with SIGHASH_ALL, then a pubkey.
    const std::string sig =
        "3044022047ac8e878352d3ebbde1c94ce3a10d057c24175747116f8288e5d794d12d482f0220217f36a485cae903c713331d877c1f"
        "64677e3622ad4010726870540656fe9dcb01";
    const std::string key = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    Script s;
    s.push_data(*hex_decode(sig)).push_data(*hex_decode(key));
    EXPECT_EQ(script_to_asm(s, true), sig.substr(0, sig.size() - 2) + "[ALL] " + key);
    EXPECT_EQ(script_to_asm(s, false), sig + " " + key);
}

TEST(RpcScript, TypesAndDescriptors) {
    const ChainParams params = make_chain_params(Network::REGTEST);
    auto script = [](const std::string& hex) { return Script(*hex_decode(hex)); };
    EXPECT_EQ(script_type(script("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac")), "pubkeyhash");
    EXPECT_EQ(script_type(script("a914da1745e9b549bd0bfa1a569971c77eba30cd5a4b87")), "scripthash");
    EXPECT_EQ(script_type(script("0014751e76e8199196d454941c45d1b3a323f1433bd6")), "witness_v0_keyhash");
    EXPECT_EQ(script_type(script("0020" + std::string(64, '1'))), "witness_v0_scripthash");
    EXPECT_EQ(script_type(script("5120" + std::string(64, '1'))), "witness_v1_taproot");
    EXPECT_EQ(script_type(script("51024e73")), "anchor");
    EXPECT_EQ(script_type(script("5202aaaa")), "witness_unknown");
    EXPECT_EQ(script_type(script("6a0401020304")), "nulldata");
    EXPECT_EQ(script_type(script("6a")), "nulldata");
    EXPECT_EQ(script_type(script("51")), "nonstandard");
    const std::string key = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    EXPECT_EQ(script_type(script("21" + key + "ac")), "pubkey");
    EXPECT_EQ(script_type(script("5121" + key + "51ae")), "multisig");
    EXPECT_EQ(script_type(script("5121" + key + "52ae")), "nonstandard");

    EXPECT_EQ(infer_descriptor(script("deadbeef"), params), "raw(deadbeef)#89f8spxm");  // BIP380's vector
    EXPECT_EQ(infer_descriptor(script("21" + key + "ac"), params).substr(0, 70), "pk(" + key + ")");
    EXPECT_TRUE(infer_descriptor(script("5121" + key + "51ae"), params).starts_with("multi(1," + key + ")#"));
    EXPECT_TRUE(infer_descriptor(script("0014751e76e8199196d454941c45d1b3a323f1433bd6"), params)
                    .starts_with("addr(bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080)#"));
    EXPECT_TRUE(infer_descriptor(script("5120" + key.substr(2)), params).starts_with("rawtr(" + key.substr(2) + ")#"));

    json::object o = script_pubkey_json(script("21" + key + "ac"), params);
    EXPECT_EQ(o.count("address"), 0u);  // P2PK has no address in Core's output
    EXPECT_EQ(o.at("type"), "pubkey");
}
