#include "rpc/electrum_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <type_traits>
#include <vector>

#include "node/block_index.h"
#include "node/context.h"
#include "node/index/address_index.h"
#include "node/index/address_mempool.h"
#include "util/logging.h"

namespace minicash::rpc {

namespace asio = boost::asio;
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

// aiorpcx's code for a client that uses too much (ElectrumX's servers send it).
constexpr int kExcessiveResourceUsage = -101;
// A connection that sends nothing for this long is closed (ElectrumX's default session
// timeout; clients ping every few minutes); a TLS handshake gets less.
constexpr std::chrono::seconds kIdleTimeout{600};
constexpr std::chrono::seconds kHandshakeTimeout{30};

json::object error_reply(const json::value& id, int code, const std::string& message) {
    return json::object{{"jsonrpc", "2.0"}, {"error", json::object{{"code", code}, {"message", message}}}, {"id", id}};
}

std::string notification(const char* method, json::array params) {
    return write_json(json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

// One second's worth of requests, refilled continuously.
class TokenBucket {
public:
    explicit TokenBucket(double rate) : rate_(rate), tokens_(rate) {}
    bool take() {
        if (rate_ <= 0) return true;
        const auto now = std::chrono::steady_clock::now();
        tokens_ = std::min(rate_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
        last_ = now;
        if (tokens_ < 1) return false;
        tokens_ -= 1;
        return true;
    }

private:
    double rate_, tokens_;
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

// A connection, as the request pool and the notifier see it.
class ElectrumConnection : public std::enable_shared_from_this<ElectrumConnection> {
public:
    explicit ElectrumConnection(double rate) : bucket(rate) {}
    virtual ~ElectrumConnection() = default;
    virtual void start() = 0;
    // Queues `message` (one JSON text, without the newline) for writing. Any thread.
    virtual void deliver_async(std::string message) = 0;

    std::mutex state_mutex;  // guards state
    ElectrumSession state;
    TokenBucket bucket;  // request pool only (one request of a connection at a time)
};

struct ElectrumServer::Impl {
    // What the index listeners hold: cut at stop, so a late callback reaches nothing.
    struct Link {
        std::mutex mutex;
        Impl* impl = nullptr;
    };

    Impl(const ElectrumServerOptions& o, NodeContext& n)
        : options(o), node(n), methods(n, o.config), pool(size_t(std::max(1, o.threads))) {}

    ElectrumServerOptions options;
    NodeContext& node;
    ElectrumMethods methods;
    asio::io_context io;
    asio::thread_pool pool;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread io_thread;
    std::optional<tcp::acceptor> tcp_acceptor, tls_acceptor;
    std::optional<asio::ssl::context> ssl;
    std::optional<std::string> tcp_bound, tls_bound;
    std::shared_ptr<Link> link = std::make_shared<Link>();
    bool stopped = false;

    std::mutex connections_mutex;
    std::map<uint64_t, std::weak_ptr<ElectrumConnection>> connections;
    uint64_t next_id = 0;

    // Changes waiting for the notification job (bounded: past kMaxPending script hashes
    // every subscription is checked instead).
    static constexpr size_t kMaxPending = 100000;
    std::mutex pending_mutex;
    std::set<uint256> pending_scripts;
    bool pending_all = false, pending_tip = false, job_posted = false;

    void accept(tcp::acceptor& acceptor, bool tls);
    void forget(uint64_t id) {
        std::lock_guard lock(connections_mutex);
        connections.erase(id);
    }
    // Answers one line: `out` is the reply text (empty: none); `close` asks to disconnect
    // once it is written.
    void handle_line(ElectrumConnection& c, const std::string& line, std::string& out, bool& close);
    std::optional<json::object> handle_request(ElectrumConnection& c, const json::value& request);
    void note_changes(const std::vector<uint256>& scripts, bool tip);
    void notify();
};

namespace {

template <class Stream>
class StreamConnection final : public ElectrumConnection {
public:
    template <class... Args>
    StreamConnection(ElectrumServer::Impl& server, uint64_t id, Args&&... args)
        : ElectrumConnection(server.options.requests_per_second),
          server_(server),
          id_(id),
          stream_(std::forward<Args>(args)...),
          buffer_(server.options.max_line_bytes),
          timer_(server.io) {}

    void start() override {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            read();
        } else {
            arm(kHandshakeTimeout);
            stream_.async_handshake(asio::ssl::stream_base::server, [self = self()](boost::system::error_code ec) {
                if (ec) return self->close();
                self->read();
            });
        }
    }

    void deliver_async(std::string message) override {
        asio::post(server_.io, [self = self(), m = std::move(message)]() mutable { self->deliver(std::move(m)); });
    }

private:
    std::shared_ptr<StreamConnection> self() { return std::static_pointer_cast<StreamConnection>(shared_from_this()); }
    tcp::socket& socket() {
        if constexpr (std::is_same_v<Stream, tcp::socket>) return stream_;
        else return stream_.next_layer();
    }

    // Closes the connection unless something arrives within `timeout` (re-armed on every
    // line), so that silent clients and stalled TLS handshakes do not hold a slot forever.
    void arm(std::chrono::seconds timeout) {
        timer_.expires_after(timeout);
        timer_.async_wait([weak = std::weak_ptr<ElectrumConnection>(shared_from_this())](boost::system::error_code ec) {
            if (ec) return;
            if (auto c = weak.lock()) std::static_pointer_cast<StreamConnection>(c)->close();
        });
    }

    void read() {
        if (closed_) return;
        arm(kIdleTimeout);
        asio::async_read_until(stream_, buffer_, '\n', [self = self()](boost::system::error_code ec, size_t n) {
            if (ec == asio::error::not_found) {
                log_debug(LogCategory::RPC, "electrum: a request line over %zu bytes; disconnecting",
                          self->server_.options.max_line_bytes);
                return self->close();
            }
            if (ec) return self->close();
            const auto data = self->buffer_.data();
            std::string line(asio::buffers_begin(data), asio::buffers_begin(data) + std::ptrdiff_t(n));
            self->buffer_.consume(n);
            while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
            if (line.find_first_not_of(" \t\r\n") == std::string::npos) return self->read();
            asio::post(self->server_.pool, [self, line = std::move(line)] {
                std::string reply;
                bool close = false;
                self->server_.handle_line(*self, line, reply, close);
                asio::post(self->server_.io, [self, reply = std::move(reply), close]() mutable {
                    if (!reply.empty()) self->deliver(std::move(reply));
                    if (close) {
                        self->close_when_written_ = true;
                        if (!self->writing_) self->close();
                    } else {
                        self->read();
                    }
                });
            });
        });
    }

    // io thread only.
    void deliver(std::string message) {
        if (closed_) return;
        message += '\n';
        queued_bytes_ += message.size();
        if (queued_bytes_ > server_.options.max_write_queue_bytes) {
            log_debug(LogCategory::RPC, "electrum: %zu bytes waiting for a client that does not read; disconnecting",
                      queued_bytes_);
            return close();
        }
        queue_.push_back(std::move(message));
        if (!writing_) write_next();
    }

    void write_next() {
        writing_ = true;
        asio::async_write(stream_, asio::buffer(queue_.front()), [self = self()](boost::system::error_code ec, size_t) {
            self->writing_ = false;
            if (ec || self->closed_) return self->close();
            self->queued_bytes_ -= self->queue_.front().size();
            self->queue_.pop_front();
            if (!self->queue_.empty()) self->write_next();
            else if (self->close_when_written_) self->close();
        });
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        timer_.cancel();
        boost::system::error_code ec;
        socket().shutdown(tcp::socket::shutdown_both, ec);
        socket().close(ec);
        queue_.clear();
        queued_bytes_ = 0;
        server_.forget(id_);
    }

    ElectrumServer::Impl& server_;
    const uint64_t id_;
    Stream stream_;
    asio::streambuf buffer_;
    asio::steady_timer timer_;
    std::deque<std::string> queue_;
    size_t queued_bytes_ = 0;
    bool writing_ = false, closed_ = false, close_when_written_ = false;
};

std::optional<tcp::endpoint> endpoint_of(const ElectrumEndpoint& e, std::string* error) {
    boost::system::error_code ec;
    const std::string host = e.host == "localhost" ? "127.0.0.1" : e.host;
    const asio::ip::address a = asio::ip::make_address(host, ec);
    if (ec) {
        if (error) *error = "invalid address " + e.host;
        return std::nullopt;
    }
    return tcp::endpoint(a, e.port);
}

bool listen(asio::io_context& io, const ElectrumEndpoint& e, std::optional<tcp::acceptor>& acceptor,
            std::optional<std::string>& bound, std::string* error) {
    const std::optional<tcp::endpoint> ep = endpoint_of(e, error);
    if (!ep) return false;
    try {
        acceptor.emplace(io);
        acceptor->open(ep->protocol());
        acceptor->set_option(tcp::acceptor::reuse_address(true));
        acceptor->bind(*ep);
        acceptor->listen();
        const tcp::endpoint local = acceptor->local_endpoint();
        const std::string addr = local.address().to_string();
        bound = (local.address().is_v6() ? "[" + addr + "]" : addr) + ":" + std::to_string(local.port());
        return true;
    } catch (const boost::system::system_error& ex) {
        if (error) *error = "cannot listen on " + e.host + ":" + std::to_string(e.port) + ": " + ex.code().message();
        return false;
    }
}

}  // namespace

void ElectrumServer::Impl::accept(tcp::acceptor& acceptor, bool tls) {
    acceptor.async_accept(io, [this, &acceptor, tls](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
        if (!ec) {
            std::shared_ptr<ElectrumConnection> c;
            {
                std::lock_guard lock(connections_mutex);
                if (connections.size() >= options.max_connections) {
                    log_debug(LogCategory::RPC, "electrum: %zu connections already; refusing one", connections.size());
                } else {
                    const uint64_t id = next_id++;
                    if (tls)
                        c = std::make_shared<StreamConnection<asio::ssl::stream<tcp::socket>>>(*this, id,
                                                                                               std::move(socket), *ssl);
                    else c = std::make_shared<StreamConnection<tcp::socket>>(*this, id, std::move(socket));
                    connections[id] = c;
                }
            }
            if (c) c->start();
        }
        accept(acceptor, tls);
    });
}

void ElectrumServer::Impl::handle_line(ElectrumConnection& c, const std::string& line, std::string& out, bool& close) {
    boost::system::error_code ec;
    const json::value v = json::parse(line, ec);
    if (ec) {
        out = write_json(error_reply(nullptr, RPC_PARSE_ERROR, "invalid JSON: " + ec.message()));
        return;
    }
    if (v.is_array()) {
        const json::array& batch = v.as_array();
        if (batch.empty() || batch.size() > options.max_batch) {
            out = write_json(error_reply(nullptr, RPC_INVALID_REQUEST,
                                         "a batch must hold 1 to " + std::to_string(options.max_batch) + " requests"));
            return;
        }
        std::string joined;
        for (const json::value& request : batch) {
            std::optional<json::object> reply = handle_request(c, request);
            if (!reply) continue;
            joined += joined.empty() ? "[" : ",";
            joined += write_json(*reply);
            if (joined.size() > options.max_write_queue_bytes) break;
        }
        if (!joined.empty()) out = joined + "]";
    } else if (std::optional<json::object> reply = handle_request(c, v)) {
        out = write_json(*reply);
    }
    if (out.size() > options.max_write_queue_bytes) {
        log_debug(LogCategory::RPC, "electrum: a reply of %zu bytes is over the write queue limit; disconnecting",
                  out.size());
        out.clear();
        close = true;
    }
    std::lock_guard lock(c.state_mutex);
    if (c.state.close_after_reply) close = true;
}

std::optional<json::object> ElectrumServer::Impl::handle_request(ElectrumConnection& c, const json::value& request) {
    if (!request.is_object()) return error_reply(nullptr, RPC_INVALID_REQUEST, "a request must be a JSON object");
    const json::object& o = request.as_object();
    const json::value* id = o.if_contains("id");
    const json::value reply_id = id ? *id : json::value(nullptr);
    const json::value* method = o.if_contains("method");
    if (!method || !method->is_string())
        return error_reply(reply_id, RPC_INVALID_REQUEST, "a request needs a \"method\" string");
    if (id && !id->is_string() && !id->is_number() && !id->is_null())
        return error_reply(nullptr, RPC_INVALID_REQUEST, "\"id\" must be a string, a number or null");
    if (!c.bucket.take())
        return error_reply(reply_id, kExcessiveResourceUsage,
                           "excessive resource usage: more than " +
                               std::to_string(int64_t(options.requests_per_second)) +
                               " requests per second on this connection");
    const json::value* params = o.if_contains("params");
    json::value result;
    try {
        std::lock_guard lock(c.state_mutex);
        result = methods.call(c.state, std::string(method->as_string()), params ? *params : json::value(nullptr));
    } catch (const ElectrumError& e) {
        return error_reply(reply_id, e.code, e.message);
    } catch (const std::exception& e) {
        log_warning("electrum: %s failed: %s", std::string(method->as_string()).c_str(), e.what());
        return error_reply(reply_id, RPC_INTERNAL_ERROR, std::string("internal error: ") + e.what());
    }
    if (!id) return std::nullopt;  // a JSON-RPC notification gets no answer
    return json::object{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", *id}};
}

void ElectrumServer::Impl::note_changes(const std::vector<uint256>& scripts, bool tip) {
    std::lock_guard lock(pending_mutex);
    if (!pending_all) {
        pending_scripts.insert(scripts.begin(), scripts.end());
        if (pending_scripts.size() > kMaxPending) {
            pending_scripts.clear();
            pending_all = true;
        }
    }
    pending_tip |= tip;
    if (!job_posted) {
        job_posted = true;
        asio::post(pool, [this] { notify(); });
    }
}

void ElectrumServer::Impl::notify() {
    std::set<uint256> scripts;
    bool all = false, tip_changed = false;
    {
        std::lock_guard lock(pending_mutex);
        scripts.swap(pending_scripts);
        std::swap(all, pending_all);
        std::swap(tip_changed, pending_tip);
        job_posted = false;
    }
    std::vector<std::shared_ptr<ElectrumConnection>> live;
    {
        std::lock_guard lock(connections_mutex);
        for (const auto& [id, weak] : connections)
            if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    methods.sync_indexes();
    const BlockIndex* tip = methods.tip();
    std::map<uint256, std::optional<std::optional<std::string>>> statuses;  // outer nullopt: failed
    for (const std::shared_ptr<ElectrumConnection>& c : live) {
        std::vector<uint256> todo;
        bool send_header = false;
        {
            std::lock_guard lock(c->state_mutex);
            ElectrumSession& s = c->state;
            if (tip_changed && tip && s.headers_subscribed && s.last_header != tip->hash) {
                s.last_header = tip->hash;
                send_header = true;
            }
            if (all) {
                for (const auto& [sh, last] : s.scripthashes) todo.push_back(sh);
            } else {
                for (const uint256& sh : scripts)
                    if (s.scripthashes.count(sh)) todo.push_back(sh);
            }
        }
        if (send_header)
            c->deliver_async(notification("blockchain.headers.subscribe", {ElectrumMethods::header_json(tip)}));
        for (const uint256& sh : todo) {
            auto it = statuses.find(sh);
            if (it == statuses.end()) {
                std::optional<std::optional<std::string>> st;
                try {
                    st = methods.status(sh);
                } catch (const ElectrumError&) {  // too much history: nothing to say
                }
                it = statuses.emplace(sh, st).first;
            }
            if (!it->second) continue;
            {
                std::lock_guard lock(c->state_mutex);
                auto sub = c->state.scripthashes.find(sh);
                if (sub == c->state.scripthashes.end() || sub->second == *it->second) continue;
                sub->second = *it->second;
            }
            c->deliver_async(notification(
                "blockchain.scripthash.subscribe",
                {json::value(sh.to_hex()), *it->second ? json::value(**it->second) : json::value(nullptr)}));
        }
    }
}

std::unique_ptr<ElectrumServer> ElectrumServer::start(const ElectrumServerOptions& options, NodeContext& node,
                                                      std::string* error) {
    if (!node.chainstate || !node.address_index) {
        if (error) *error = "the Electrum server needs -addressindex";
        return nullptr;
    }
    auto impl = std::make_unique<Impl>(options, node);
    if (options.tcp && !listen(impl->io, *options.tcp, impl->tcp_acceptor, impl->tcp_bound, error)) return nullptr;
    if (options.tls) {
        try {
            impl->ssl.emplace(asio::ssl::context::tls_server);
            impl->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                                   asio::ssl::context::no_tlsv1_1);
        } catch (const boost::system::system_error& ex) {
            if (error) *error = std::string("cannot set up TLS: ") + ex.what();
            return nullptr;
        }
        try {
            impl->ssl->use_certificate_chain_file(options.tls_cert.string());
        } catch (const boost::system::system_error& ex) {
            if (error) *error = "cannot read the certificate " + options.tls_cert.string() + ": " + ex.code().message();
            return nullptr;
        }
        try {
            impl->ssl->use_private_key_file(options.tls_key.string(), asio::ssl::context::pem);
        } catch (const boost::system::system_error& ex) {
            if (error) *error = "cannot read the private key " + options.tls_key.string() + ": " + ex.code().message();
            return nullptr;
        }
        if (!listen(impl->io, *options.tls, impl->tls_acceptor, impl->tls_bound, error)) return nullptr;
    }
    Impl* raw = impl.get();
    raw->link->impl = raw;
    const std::shared_ptr<Impl::Link> link = raw->link;
    node.address_index->on_change([link](const std::vector<uint256>& scripts, const BlockIndex*) {
        std::lock_guard lock(link->mutex);
        if (link->impl) link->impl->note_changes(scripts, true);
    });
    if (node.address_mempool) {
        node.address_mempool->on_change([link](const std::vector<uint256>& scripts) {
            std::lock_guard lock(link->mutex);
            if (link->impl) link->impl->note_changes(scripts, false);
        });
    }
    if (raw->tcp_acceptor) raw->accept(*raw->tcp_acceptor, false);
    if (raw->tls_acceptor) raw->accept(*raw->tls_acceptor, true);
    raw->work.emplace(raw->io.get_executor());
    raw->io_thread = std::thread([raw] { raw->io.run(); });
    return std::unique_ptr<ElectrumServer>(new ElectrumServer(std::move(impl)));
}

ElectrumServer::ElectrumServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ElectrumServer::~ElectrumServer() { stop(); }

std::optional<std::string> ElectrumServer::tcp_endpoint() const { return impl_->tcp_bound; }
std::optional<std::string> ElectrumServer::tls_endpoint() const { return impl_->tls_bound; }

void ElectrumServer::stop() {
    Impl& s = *impl_;
    if (s.stopped) return;
    s.stopped = true;
    {
        std::lock_guard lock(s.link->mutex);
        s.link->impl = nullptr;
    }
    asio::post(s.io, [&s] {
        boost::system::error_code ec;
        if (s.tcp_acceptor) s.tcp_acceptor->close(ec);
        if (s.tls_acceptor) s.tls_acceptor->close(ec);
    });
    s.pool.stop();  // requests in progress finish; queued ones and notifications are dropped
    s.pool.join();
    s.work.reset();
    s.io.stop();
    if (s.io_thread.joinable()) s.io_thread.join();
}

}  // namespace minicash::rpc
