#include "rpc/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

#include "rpc/auth.h"

namespace minicash::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpRpcClient::Impl {
    std::string host;
    uint16_t port;
    std::string credentials;
    std::chrono::seconds timeout;
    asio::io_context ioc;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    // Runs the io_context until `done` or the operation's expiry fires.
    void run() {
        ioc.restart();
        ioc.run();
    }

    void connect() {
        stream.reset();
        buffer.clear();
        boost::system::error_code ec;
        tcp::resolver resolver(ioc);
        auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec) throw ConnectionError(ec.message());
        stream.emplace(ioc);
        stream->expires_after(std::min<std::chrono::seconds>(timeout, std::chrono::seconds(30)));
        stream->async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
        run();
        if (ec) {
            stream.reset();
            throw ConnectionError(ec.message());
        }
        stream->socket().set_option(tcp::no_delay(true), ec);
    }

    HttpReply exchange(const std::string& method, const std::string& path, const std::string& body,
                       const std::string* auth_override) {
        http::request<http::string_body> req(http::string_to_verb(method), path, 11);
        req.set(http::field::host, host);
        req.set(http::field::user_agent, "minicash-json-rpc/0.1");
        req.set(http::field::content_type, "application/json");
        req.keep_alive(true);
        if (auth_override) {
            if (!auth_override->empty()) req.set(http::field::authorization, *auth_override);
        } else if (!credentials.empty()) {
            req.set(http::field::authorization, "Basic " + base64_encode(credentials));
        }
        req.body() = body;
        req.prepare_payload();

        for (int attempt = 0; attempt < 2; ++attempt) {
            const bool reused = stream.has_value();
            if (!stream) connect();
            boost::system::error_code ec;
            stream->expires_after(timeout);
            http::async_write(*stream, req, [&](beast::error_code e, size_t) { ec = e; });
            run();
            http::response_parser<http::string_body> parser;
            parser.body_limit(std::numeric_limits<std::uint64_t>::max());
            parser.skip(req.method() == http::verb::head);  // a HEAD reply announces a body it does not send
            if (!ec) {
                http::async_read(*stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
                run();
            }
            if (ec) {
                stream.reset();
                // A kept-alive connection the server closed in between: retry once afresh.
                if (reused && attempt == 0 && ec != beast::error::timeout) continue;
                throw ConnectionError(ec == beast::error::timeout ? "timeout" : ec.message());
            }
            auto res = parser.release();
            HttpReply r{int(res.result_int()), std::move(res.body())};
            if (!res.keep_alive()) stream.reset();
            return r;
        }
        throw ConnectionError("connection closed");
    }
};

HttpRpcClient::HttpRpcClient(std::string host, uint16_t port, std::string credentials, std::chrono::seconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->credentials = std::move(credentials);
    impl_->timeout = timeout;
}

HttpRpcClient::~HttpRpcClient() = default;

HttpReply HttpRpcClient::post(const std::string& body, const std::string& path) {
    return impl_->exchange("POST", path, body, nullptr);
}

HttpReply HttpRpcClient::request(const std::string& method, const std::string& path, const std::string& body,
                                 const std::string* authorization_override) {
    return impl_->exchange(method, path, body, authorization_override);
}

}  // namespace minicash::rpc
