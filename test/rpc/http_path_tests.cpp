// Path handlers of the HTTP server (the seam REST and later interfaces use): routing by
// prefix beside JSON-RPC, no authentication, methods, HEAD, and REST's answers while the
// node warms up. A server on a loopback port and the project's HTTP client.

#include <gtest/gtest.h>

#include <stdexcept>

#include "node/context.h"
#include "rpc/client.h"
#include "rpc/http_server.h"
#include "rpc/rest.h"
#include "test/util/free_port.h"

namespace minicash::rpc {
namespace {

struct PathServer {
    RpcTable table;
    NodeContext node;  // no chain state: REST must not need one to refuse
    HttpServerOptions options;
    std::unique_ptr<HttpRpcServer> server;
    std::string seen_method, seen_rest;

    PathServer() {
        options.port = test::free_port();
        options.threads = 1;
        table.set_warmup(true, "Starting network threads...");
        server = std::make_unique<HttpRpcServer>(table, node, Authenticator{}, options);
        server->add_handler("/exact", true, [this](const HttpRequest& r, const std::string& rest) {
            seen_method = r.method;
            seen_rest = rest;
            return HttpResponse{200, "text/plain", "exact"};
        });
        server->add_handler("/custom/", false, [this](const HttpRequest& r, const std::string& rest) {
            seen_method = r.method;
            seen_rest = rest;
            if (rest == "boom") throw std::runtime_error("handler failed");
            return HttpResponse{201, "application/json", "{\"body\":\"" + r.body + "\"}"};
        });
        add_rest_handlers(*server, table, node);
        std::string error;
        if (!server->start(&error)) throw std::runtime_error(error);
    }
    HttpReply request(const std::string& method, const std::string& path, const std::string& body = "") {
        HttpRpcClient client("127.0.0.1", options.port, "");
        return client.request(method, path, body);
    }
};

TEST(HttpPaths, RoutedBesideJsonRpcWithoutAuthentication) {
    PathServer s;
    auto r = s.request("POST", "/custom/a/b?x=1", "payload");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "{\"body\":\"payload\"}");
    EXPECT_EQ(s.seen_method, "POST");
    EXPECT_EQ(s.seen_rest, "a/b?x=1");  // the target after the prefix, query included
    EXPECT_EQ(s.request("GET", "/exact").body, "exact");
    EXPECT_EQ(s.request("GET", "/exact/more").status, 404);  // exact: nothing after it
    r = s.request("HEAD", "/custom/x");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "");  // headers only
    EXPECT_EQ(s.seen_method, "HEAD");
    EXPECT_EQ(s.request("PUT", "/custom/x").status, 201);
    EXPECT_EQ(s.request("DELETE", "/custom/x").status, 405);
    EXPECT_EQ(s.request("OPTIONS", "/").status, 405);
    EXPECT_EQ(s.request("GET", "/custom/boom").status, 500);  // an exception is a 500, not a crash
    EXPECT_EQ(s.request("GET", "/nowhere").status, 404);
    EXPECT_EQ(s.request("GET", "/").status, 405);         // JSON-RPC: POST only
    EXPECT_EQ(s.request("POST", "/", "{}").status, 401);  // and with credentials
    EXPECT_THROW(s.server->add_handler("/late/", false, {}), std::logic_error);
}

TEST(HttpPaths, RestAnswers503WhileWarmingUp) {
    PathServer s;
    for (const char* path : {"/rest/chaininfo.json", "/rest/tx/00.json", "/rest/mempool/info.json",
                             "/rest/getutxos/checkmempool.json", "/rest/blockhashbyheight/0.hex"}) {
        const auto r = s.request("GET", path);
        EXPECT_EQ(r.status, 503) << path;
        EXPECT_EQ(r.body, "Service temporarily unavailable: Starting network threads...\r\n") << path;
    }
    s.table.set_warmup(false);
    // Still no chain state (a node that never finished loading): still 503, never a crash.
    EXPECT_EQ(s.request("GET", "/rest/chaininfo.json").status, 503);
    EXPECT_EQ(s.request("GET", "/rest/unknown").status, 404);
}

}  // namespace
}  // namespace minicash::rpc
