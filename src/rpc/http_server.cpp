#include "rpc/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <set>
#include <thread>

#include "rpc/auth_throttle.h"
#include "util/logging.h"

namespace minicash::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

// ---- subnets --------------------------------------------------------------------------

namespace {

std::optional<std::array<uint8_t, 16>> parse_ip(const std::string& text) {
    boost::system::error_code ec;
    asio::ip::address a = asio::ip::make_address(text, ec);
    if (ec) return std::nullopt;
    if (a.is_v4()) return asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
    asio::ip::address_v6 v6 = a.to_v6();
    if (v6.scope_id() != 0) return std::nullopt;
    return v6.to_bytes();
}

bool is_v4_mapped(const std::array<uint8_t, 16>& b) {
    for (int i = 0; i < 10; ++i)
        if (b[i]) return false;
    return b[10] == 0xff && b[11] == 0xff;
}

}  // namespace

std::optional<Subnet> parse_subnet(const std::string& text) {
    Subnet s;
    const size_t slash = text.find('/');
    auto ip = parse_ip(text.substr(0, slash));
    if (!ip) return std::nullopt;
    s.network = *ip;
    const bool v4 = is_v4_mapped(*ip);
    if (slash == std::string::npos) {
        s.prefix_bits = 128;
        return s;
    }
    const std::string mask = text.substr(slash + 1);
    if (!mask.empty() && std::all_of(mask.begin(), mask.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (mask.size() > 3) return std::nullopt;
        const int bits = std::stoi(mask);
        if (bits > (v4 ? 32 : 128)) return std::nullopt;
        s.prefix_bits = v4 ? 96 + bits : bits;
    } else {
        auto m = parse_ip(mask);  // a netmask like 255.255.255.0: contiguous ones only
        if (!m || is_v4_mapped(*m) != v4) return std::nullopt;
        int bits = 0;
        bool zero_seen = false;
        for (int i = v4 ? 12 : 0; i < 16; ++i)
            for (int b = 7; b >= 0; --b) {
                const bool one = ((*m)[i] >> b) & 1;
                if (one && zero_seen) return std::nullopt;
                if (one) ++bits;
                else zero_seen = true;
            }
        s.prefix_bits = v4 ? 96 + bits : bits;
    }
    for (int i = 0; i < 16; ++i) {  // clear host bits
        const int keep = std::clamp(s.prefix_bits - 8 * i, 0, 8);
        s.network[i] &= uint8_t(0xff00 >> keep);
    }
    return s;
}

bool Subnet::contains(const std::string& address) const {
    auto ip = parse_ip(address);
    if (!ip) return false;
    for (int i = 0; i < 16; ++i) {
        const int keep = std::clamp(prefix_bits - 8 * i, 0, 8);
        const uint8_t mask = uint8_t(0xff00 >> keep);
        if (((*ip)[i] & mask) != network[i]) return false;
    }
    return true;
}

// ---- the server ---------------------------------------------------------------------------

namespace {

int http_status_for(int code) {
    if (code == RPC_INVALID_REQUEST) return 400;
    if (code == RPC_METHOD_NOT_FOUND) return 404;
    return 500;
}

// Splits "host", "host:port", "[v6]:port", "v6" into host and port.
bool split_host_port(const std::string& in, uint16_t default_port, std::string& host, uint16_t& port) {
    port = default_port;
    if (in.empty()) return false;
    std::string port_text;
    if (in[0] == '[') {
        const size_t close = in.find(']');
        if (close == std::string::npos) return false;
        host = in.substr(1, close - 1);
        if (close + 1 < in.size()) {
            if (in[close + 1] != ':') return false;
            port_text = in.substr(close + 2);
            if (port_text.empty()) return false;
        }
    } else {
        const size_t colon = in.rfind(':');
        if (colon != std::string::npos && in.find(':') == colon) {  // exactly one colon: host:port
            host = in.substr(0, colon);
            port_text = in.substr(colon + 1);
            if (port_text.empty()) return false;
        } else {
            host = in;  // no colon, or a bare IPv6 address
        }
    }
    if (!port_text.empty()) {
        if (port_text.size() > 5 ||
            !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        const int p = std::stoi(port_text);
        if (p <= 0 || p > 65535) return false;
        port = uint16_t(p);
    }
    return !host.empty();
}

}  // namespace

class Session;

struct HttpRpcServer::Impl {
    Impl(const RpcTable& t, NodeContext& n, Authenticator a, HttpServerOptions o)
        : table(t), node(n), auth(std::move(a)), opt(std::move(o)) {}

    const RpcTable& table;
    NodeContext& node;
    Authenticator auth;
    HttpServerOptions opt;
    AuthFailureThrottle auth_throttle{AuthFailureThrottle::Options{opt.auth_failure_delay, opt.auth_failure_cap}};
    std::vector<Subnet> allowed;

    asio::io_context ioc;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;  // each on its own strand
    std::vector<std::string> bound;
    std::vector<std::thread> threads;
    std::atomic<bool> stopping{false};
    bool started = false;
    bool stopped = false;

    std::mutex sessions_mutex;
    std::list<std::weak_ptr<Session>> sessions;

    struct PathHandler {
        std::string prefix;
        bool exact = false;
        HttpHandler handler;
    };
    std::vector<PathHandler> path_handlers;  // fixed once started

    const PathHandler* find_handler(std::string_view target) const {
        for (const PathHandler& h : path_handlers)
            if (h.exact ? target == h.prefix : target.starts_with(h.prefix)) return &h;
        return nullptr;
    }

    bool client_allowed(const std::string& addr) const {
        for (const Subnet& s : allowed)
            if (s.contains(addr)) return true;
        return false;
    }
    void accept(tcp::acceptor& acceptor);
    Reply handle_body(const std::string& body, const std::string& user) const;
    json::object exec_one(const json::value& request, const std::string& user, bool in_batch, int& status,
                          bool& notification) const;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(HttpRpcServer::Impl& srv, tcp::socket socket)
        : srv_(srv), stream_(std::move(socket)), timer_(stream_.get_executor()) {
        boost::system::error_code ec;
        stream_.socket().set_option(tcp::no_delay(true), ec);  // replies are complete when written
        auto ep = stream_.socket().remote_endpoint(ec);
        if (!ec) {
            asio::ip::address a = ep.address();
            if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
            peer_ = a.to_string();
        }
    }

    void start() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    // Called through the strand at shutdown: closes the connection unless a request is
    // being handled (that one closes after its reply).
    void shutdown_if_idle() {
        if (idle_) close();
        timer_.cancel();
    }

    auto executor() { return stream_.get_executor(); }

private:
    void read() {
        if (srv_.stopping) return close();
        parser_.emplace();
        parser_->body_limit(srv_.opt.max_body_bytes);
        parser_->header_limit(64 * 1024);
        stream_.expires_after(srv_.opt.idle_timeout);
        idle_ = true;
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        idle_ = false;
        if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout)
            return close();
        if (ec == http::error::body_limit) return reply_plain(413, "", 11, false);
        if (ec == http::error::header_limit) return reply_plain(431, "", 11, false);
        if (ec.category() == http::make_error_code(http::error::bad_target).category())
            return reply_plain(400, "", 11, false);
        if (ec) return close();
        stream_.expires_never();
        handle(parser_->release());
    }

    void handle(http::request<http::string_body> req) {
        const unsigned version = req.version();
        const bool keep_alive = req.keep_alive();
        if (!srv_.client_allowed(peer_)) {
            log_warning("RPC: rejected request from %s (not in -rpcallowip)", peer_.c_str());
            return reply_plain(403, "", version, false);
        }
        const http::verb method = req.method();
        if (method != http::verb::get && method != http::verb::head && method != http::verb::post &&
            method != http::verb::put)
            return reply_plain(405, "", version, keep_alive);
        const std::string_view target = req.target();
        if (const HttpRpcServer::Impl::PathHandler* h = srv_.find_handler(target))
            return handle_path(*h, req, version, keep_alive);
        if (target != "/" && !target.starts_with("/wallet/")) return reply_plain(404, "", version, keep_alive);
        if (method != http::verb::post)
            return reply_plain(405, "JSONRPC server handles only POST requests", version, keep_alive);
        auto it = req.find(http::field::authorization);
        if (it == req.end()) return reply_unauthorized(version, keep_alive);
        const std::optional<std::string> user = srv_.auth.check(it->value());
        if (!user) {
            log_warning("ThreadRPCServer incorrect password attempt from %s", peer_.c_str());
            // Deter brute force: the connection waits for its turn in the address's
            // schedule (no further request of it is read meanwhile); the thread does not.
            const AuthFailureThrottle::Answer when =
                srv_.auth_throttle.on_failure(peer_, AuthFailureThrottle::Clock::now());
            if (when.throttling_started)
                log_warning(
                    "RPC: throttling authentication failures from %s: each further failure is answered "
                    "after the previous one, waiting twice as long, up to %lld ms",
                    peer_.c_str(), static_cast<long long>(srv_.opt.auth_failure_cap.count()));
            timer_.expires_at(when.at);
            idle_ = true;  // closing now at shutdown is fine
            timer_.async_wait([self = shared_from_this(), version, keep_alive](beast::error_code wait_ec) {
                self->idle_ = false;
                if (wait_ec || self->srv_.stopping) return self->close();
                self->reply_unauthorized(version, keep_alive);
            });
            return;
        }
        srv_.auth_throttle.on_success(peer_);
        HttpRpcServer::Reply r = srv_.handle_body(req.body(), *user);
        auto res = std::make_shared<http::response<http::string_body>>(http::status(r.status), version);
        res->keep_alive(keep_alive);
        if (r.status != 204) {
            res->set(http::field::content_type, "application/json");
            res->body() = std::move(r.body);
        }
        send(std::move(res));
    }

    void handle_path(const HttpRpcServer::Impl::PathHandler& h, http::request<http::string_body>& req, unsigned version,
                     bool keep_alive) {
        HttpRequest request;
        request.method = std::string(req.method_string());
        request.target = std::string(req.target());
        request.body = std::move(req.body());
        HttpResponse r;
        try {
            r = h.handler(request, request.target.substr(h.prefix.size()));
        } catch (const std::exception& e) {
            log_error("HTTP handler for %s: %s", h.prefix.c_str(), e.what());
            r = HttpResponse{500, "text/plain", "Internal error\r\n"};
        }
        auto res = std::make_shared<http::response<http::string_body>>(http::status(r.status), version);
        res->keep_alive(keep_alive);
        if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
        res->body() = std::move(r.body);
        send(std::move(res), req.method() == http::verb::head);
    }

    void reply_unauthorized(unsigned version, bool keep_alive) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::unauthorized, version);
        res->set(http::field::www_authenticate, "Basic realm=\"jsonrpc\"");
        res->keep_alive(keep_alive);
        send(std::move(res));
    }

    void reply_plain(int status, std::string body, unsigned version, bool keep_alive) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status(status), version);
        res->keep_alive(keep_alive);
        if (!body.empty()) {
            res->set(http::field::content_type, "text/html; charset=ISO-8859-1");
            res->body() = std::move(body);
        }
        send(std::move(res));
    }

    // `head_only`: the headers of the reply (Content-Length included), not its body.
    void send(std::shared_ptr<http::response<http::string_body>> res, bool head_only = false) {
        if (head_only) {  // the length the body would have had, and no body
            const size_t length = res->body().size();
            res->body().clear();
            res->content_length(length);
        } else {
            res->prepare_payload();
        }
        stream_.expires_after(std::chrono::seconds(60));
        http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
            if (ec || !res->keep_alive() || self->srv_.stopping) return self->close();
            self->read();
        });
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        stream_.socket().close(ec);
        timer_.cancel();
    }

    HttpRpcServer::Impl& srv_;
    beast::tcp_stream stream_;
    asio::steady_timer timer_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string peer_;
    bool idle_ = false;
    bool closed_ = false;
};

void HttpRpcServer::Impl::accept(tcp::acceptor& acceptor) {
    acceptor.async_accept(asio::make_strand(ioc), [this, &acceptor](beast::error_code ec, tcp::socket socket) {
        if (stopping || !acceptor.is_open()) return;
        if (!ec) {
            auto session = std::make_shared<Session>(*this, std::move(socket));
            {
                std::lock_guard lock(sessions_mutex);
                sessions.remove_if([](const std::weak_ptr<Session>& w) { return w.expired(); });
                sessions.push_back(session);
            }
            session->start();
        } else if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
            log_warning("RPC: accept failed: %s", ec.message().c_str());
            auto t = std::make_shared<asio::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(100));
            t->async_wait([this, &acceptor, t](beast::error_code) {
                if (!stopping) accept(acceptor);
            });
            return;
        }
        accept(acceptor);
    });
}

json::object HttpRpcServer::Impl::exec_one(const json::value& v, const std::string& user, bool in_batch, int& status,
                                           bool& notification) const {
    RpcRequest req;
    req.user = user;
    req.id = json::value(nullptr);
    status = 200;
    notification = false;
    // Stage 1: the request object itself. Errors here use HTTP status codes even in 2.0.
    json::value params;
    try {
        if (!v.is_object()) throw RpcError(RPC_INVALID_REQUEST, "Invalid Request object");
        const json::object& o = v.get_object();
        if (auto it = o.find("id"); it != o.end()) req.id = it->value();
        else req.id.reset();
        if (auto it = o.find("jsonrpc"); it != o.end() && !it->value().is_null()) {
            if (!it->value().is_string()) throw RpcError(RPC_INVALID_REQUEST, "jsonrpc field must be a string");
            const std::string_view ver = it->value().get_string();
            if (ver == "2.0") req.json_rpc_v2 = true;
            else if (ver != "1.0") throw RpcError(RPC_INVALID_REQUEST, "JSON-RPC version not supported");
        }
        auto m = o.find("method");
        if (m == o.end() || m->value().is_null()) throw RpcError(RPC_INVALID_REQUEST, "Missing method");
        if (!m->value().is_string()) throw RpcError(RPC_INVALID_REQUEST, "Method must be a string");
        req.method = std::string(m->value().get_string());
        if (auto p = o.find("params"); p != o.end()) {
            if (p->value().is_array() || p->value().is_object()) params = p->value();
            else if (!p->value().is_null()) throw RpcError(RPC_INVALID_REQUEST, "Params must be an array or object");
        }
    } catch (const RpcError& e) {
        if (!in_batch) status = http_status_for(e.code);
        return make_reply(nullptr, make_error(e.code, e.message), req.id, req.json_rpc_v2);
    }
    notification = req.json_rpc_v2 && !req.id;
    if (log_enabled(LogCategory::RPC)) {
        std::string shown;  // method names come from the client: print them sanitized
        for (char c : req.method)
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') shown += c;
        log_debug(LogCategory::RPC, "ThreadRPCServer method=%s user=%s", shown.c_str(), user.c_str());
    }
    // Stage 2: execution. Legacy single requests map errors to HTTP codes.
    int code = 0;
    std::string message;
    try {
        json::value result = table.execute(node, req, params);
        return make_reply(result, nullptr, req.id, req.json_rpc_v2);
    } catch (const RpcError& e) {
        code = e.code;
        message = e.message;
    } catch (const std::bad_alloc&) {
        code = RPC_OUT_OF_MEMORY;
        message = "Out of memory";
    } catch (const std::exception& e) {
        code = RPC_MISC_ERROR;
        message = e.what();
    } catch (...) {
        code = RPC_MISC_ERROR;
        message = "unknown error";
    }
    if (!in_batch && !req.json_rpc_v2) status = http_status_for(code);
    return make_reply(nullptr, make_error(code, message), req.id, req.json_rpc_v2);
}

HttpRpcServer::Reply HttpRpcServer::Impl::handle_body(const std::string& body, const std::string& user) const {
    Reply r;
    boost::system::error_code ec;
    json::parse_options popt;
    popt.max_depth = 512;
    json::value doc = json::parse(body, ec, {}, popt);
    if (ec) {
        r.status = 500;
        r.body =
            write_json(make_reply(nullptr, make_error(RPC_PARSE_ERROR, "Parse error"), json::value(nullptr), false)) +
            "\n";
        return r;
    }
    // -rpcwhitelist, as Core: 403 Forbidden when any method of the request is not allowed.
    const auto listed = opt.rpc_whitelist.find(user);
    if (listed == opt.rpc_whitelist.end() && opt.rpc_whitelist_default) {
        log_info("RPC User %s not allowed to call any methods", user.c_str());
        r.status = 403;
        return r;
    }
    if (listed != opt.rpc_whitelist.end()) {
        const auto may_call = [&](const json::value& one) {
            const json::object* o = one.if_object();
            const json::value* m = o ? o->if_contains("method") : nullptr;
            if (!m || !m->is_string()) return true;  // answered as an invalid request
            if (listed->second.count(std::string(m->get_string()))) return true;
            log_info("RPC User %s not allowed to call method %s", user.c_str(), std::string(m->get_string()).c_str());
            return false;
        };
        bool ok = true;
        if (doc.is_array())
            for (const json::value& one : doc.get_array()) ok = ok && may_call(one);
        else ok = may_call(doc);
        if (!ok) {
            r.status = 403;
            return r;
        }
    }
    if (doc.is_object()) {
        bool notification = false;
        json::object reply = exec_one(doc, user, false, r.status, notification);
        if (notification && r.status == 200) {
            r.status = 204;
            return r;
        }
        r.body = write_json(reply) + "\n";
        return r;
    }
    if (doc.is_array()) {
        const json::array& batch = doc.get_array();
        json::array replies;
        for (const json::value& one : batch) {
            int status = 0;
            bool notification = false;
            json::object reply = exec_one(one, user, true, status, notification);
            if (!notification) replies.push_back(std::move(reply));
        }
        if (replies.empty() && !batch.empty()) {
            r.status = 204;
            return r;
        }
        r.body = write_json(replies) + "\n";
        return r;
    }
    r.status = 500;
    r.body = write_json(make_reply(nullptr, make_error(RPC_PARSE_ERROR, "Top-level object parse error"),
                                   json::value(nullptr), false)) +
             "\n";
    return r;
}

HttpRpcServer::HttpRpcServer(const RpcTable& table, NodeContext& node, Authenticator auth, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(table, node, std::move(auth), std::move(options))) {}

HttpRpcServer::~HttpRpcServer() { stop(); }

HttpRpcServer::Reply HttpRpcServer::handle_body(const std::string& body, const std::string& user) const {
    return impl_->handle_body(body, user);
}

void HttpRpcServer::add_handler(std::string prefix, bool exact, HttpHandler handler) {
    if (impl_->started) throw std::logic_error("HttpRpcServer::add_handler after start()");
    impl_->path_handlers.push_back({std::move(prefix), exact, std::move(handler)});
}

std::vector<std::string> HttpRpcServer::bound_addresses() const { return impl_->bound; }

bool HttpRpcServer::start(std::string* error) {
    Impl& s = *impl_;
    if (s.started) return true;
    // Loopback is always allowed.
    s.allowed.push_back(*parse_subnet("127.0.0.0/8"));
    s.allowed.push_back(*parse_subnet("::1"));
    for (const std::string& a : s.opt.allow_ip) {
        auto sub = parse_subnet(a);
        if (!sub) {
            if (error) *error = "Invalid -rpcallowip subnet specification: " + a;
            return false;
        }
        s.allowed.push_back(*sub);
    }

    std::vector<std::pair<std::string, uint16_t>> endpoints;
    if (s.opt.bind.empty() || s.opt.allow_ip.empty()) {
        endpoints.emplace_back("::1", s.opt.port);
        endpoints.emplace_back("127.0.0.1", s.opt.port);
        if (!s.opt.allow_ip.empty())
            log_warning("option -rpcallowip was specified without -rpcbind; this doesn't usually make sense");
        if (!s.opt.bind.empty())
            log_warning(
                "option -rpcbind was ignored because -rpcallowip was not specified, refusing to allow "
                "everyone to connect");
    } else {
        for (const std::string& b : s.opt.bind) {
            std::string host;
            uint16_t port = 0;
            if (!split_host_port(b, s.opt.port, host, port)) {
                if (error) *error = "Invalid -rpcbind value: " + b;
                return false;
            }
            endpoints.emplace_back(host, port);
        }
    }

    for (const auto& [host, port] : endpoints) {
        boost::system::error_code ec;
        asio::ip::address addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
        if (ec) {
            log_warning("RPC: cannot bind to %s: not an IP address", host.c_str());
            continue;
        }
        auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(s.ioc));
        tcp::endpoint ep(addr, port);
        acceptor->open(ep.protocol(), ec);
        if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec && addr.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
        if (!ec) acceptor->bind(ep, ec);
        if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
        const std::string shown = addr.is_v6() ? "[" + addr.to_string() + "]:" + std::to_string(port)
                                               : addr.to_string() + ":" + std::to_string(port);
        if (ec) {
            log_warning("RPC: binding to %s failed: %s", shown.c_str(), ec.message().c_str());
            continue;
        }
        log_info("Binding RPC on address %s", shown.c_str());
        s.bound.push_back(shown);
        s.acceptors.push_back(std::move(acceptor));
    }
    if (s.acceptors.empty()) {
        if (error) *error = "Unable to bind any endpoint for RPC server (port " + std::to_string(s.opt.port) + ")";
        return false;
    }
    s.work.emplace(s.ioc.get_executor());
    for (auto& a : s.acceptors) {
        tcp::acceptor* acc = a.get();
        asio::dispatch(acc->get_executor(), [&s, acc] { s.accept(*acc); });
    }
    const int n = std::clamp(s.opt.threads, 1, 64);
    for (int i = 0; i < n; ++i)
        s.threads.emplace_back([&s] {
            while (true) {
                try {
                    s.ioc.run();
                    return;
                } catch (const std::exception& e) { log_error("RPC I/O thread: %s", e.what()); }
            }
        });
    s.started = true;
    log_info("RPC server started with %d threads", n);
    return true;
}

void HttpRpcServer::stop() {
    Impl& s = *impl_;
    if (!s.started || s.stopped) return;
    s.stopped = true;
    s.stopping = true;
    for (auto& a : s.acceptors) {
        tcp::acceptor* acc = a.get();
        asio::post(acc->get_executor(), [acc] {
            boost::system::error_code ec;
            acc->close(ec);
        });
    }
    // Let requests in progress finish; idle keep-alive connections are closed now.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (true) {
        std::vector<std::shared_ptr<Session>> live;
        {
            std::lock_guard lock(s.sessions_mutex);
            for (auto& w : s.sessions)
                if (auto p = w.lock()) live.push_back(std::move(p));
        }
        if (live.empty() || std::chrono::steady_clock::now() > deadline) break;
        for (auto& p : live) asio::post(p->executor(), [p] { p->shutdown_if_idle(); });
        live.clear();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    s.work.reset();
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    s.acceptors.clear();
    log_info("RPC server stopped");
}

}  // namespace minicash::rpc
