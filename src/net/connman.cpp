#include "net/connman.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <random>

#include "net/eviction.h"
#include "net/v1_transport.h"
#include "net/v2_transport.h"
#include "storage/database.h"
#include "util/hash.h"
#include "util/logging.h"

namespace minicash::net {

namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

constexpr auto kHandshakeTimeout = 60s;  // -peertimeout
constexpr auto kPingTimeout = 20min;     // TIMEOUT_INTERVAL
constexpr auto kInactivityTimeout = 20min;
constexpr auto kConnectTimeout = 5s;      // -timeout
constexpr auto kAddrFetchTimeout = 2min;  // -seednode connections that never send addresses
constexpr auto kTickInterval = 500ms;
constexpr auto kAddrDumpInterval = 15min;
constexpr auto kManualRetryMin = 2s;
constexpr auto kManualRetryMax = 60s;
constexpr auto kDnsSeedDelay = 11s;

Service to_service(const tcp::endpoint& ep) {
    Service s;
    const auto a = ep.address();
    if (a.is_v4()) {
        const auto b = a.to_v4().to_bytes();
        s.addr = NetAddr::from_v4_bytes(b.data());
    } else {
        const auto b = a.to_v6().to_bytes();
        s.addr = NetAddr::from_v6_bytes(b.data());
    }
    s.port = ep.port();
    return s;
}

tcp::endpoint to_endpoint(const Service& s) {
    if (s.addr.is_ipv4()) {
        asio::ip::address_v4::bytes_type b;
        std::copy(s.addr.v6_bytes().begin() + 12, s.addr.v6_bytes().end(), b.begin());
        return tcp::endpoint(asio::ip::address_v4(b), s.port);
    }
    asio::ip::address_v6::bytes_type b;
    std::copy(s.addr.v6_bytes().begin(), s.addr.v6_bytes().end(), b.begin());
    return tcp::endpoint(asio::ip::address_v6(b), s.port);
}

std::string network_of(const NetAddr& a) {
    if (!a.is_routable()) return "not_publicly_routable";
    return a.is_ipv4() ? "ipv4" : "ipv6";
}

}  // namespace

Connman::Connman(const ChainParams& params, ConnmanOptions options, const Clock& clock)
    : params_(params), options_(std::move(options)), clock_(clock) {
    std::random_device rd;
    rng_.seed((uint64_t(rd()) << 32) ^ rd());
    auto unix_clock = [&clock] { return clock.unix_now(); };
    addrman_ = std::make_unique<AddrMan>(unix_clock);
    banman_ = std::make_unique<BanMan>(
        options_.netdir.empty() ? std::filesystem::path() : options_.netdir / "banlist.json", unix_clock);
}

Connman::~Connman() { stop(); }

uint64_t Connman::random_u64() {
    std::lock_guard lock(rng_mutex_);
    return rng_();
}

std::shared_ptr<Peer> Connman::find_peer(int64_t id) const {
    auto it = peers_.find(id);
    return it == peers_.end() ? nullptr : it->second;
}

void Connman::report_fatal(const std::string& what) {
    log_error("fatal error in block processing: %s", what.c_str());
    if (options_.fatal_error) options_.fatal_error(what);
}

template <class F>
auto Connman::call_on_loop(F f) -> decltype(f()) {
    using R = decltype(f());
    if (!running_ || stopping_) return R{};
    if (io_.get_executor().running_in_this_thread()) return f();
    auto promise = std::make_shared<std::promise<R>>();
    auto future = promise->get_future();
    asio::post(io_, [promise, f = std::move(f)]() mutable {
        try {
            promise->set_value(f());
        } catch (...) { promise->set_exception(std::current_exception()); }
    });
    if (future.wait_for(30s) != std::future_status::ready) return R{};
    return future.get();
}

bool Connman::start(std::unique_ptr<NetEvents> events, std::string* error) {
    if (running_) return true;
    events_ = std::move(events);
    listen_port_ = options_.port ? options_.port : params_.default_port;
    network_active_ = options_.network_active;
    options_.max_outbound = std::max(0, std::min(options_.max_outbound, options_.max_connections));

    std::string err;
    if (!options_.netdir.empty()) {
        if (!addrman_->load(options_.netdir / "peers.dat", params_.magic, &err))
            log_warning("ignoring peers.dat: %s", err.c_str());
        else if (addrman_->size() > 0) log_info("loaded %zu addresses from peers.dat", addrman_->size());
        err.clear();
        if (!banman_->load(&err)) log_warning("ignoring banlist.json: %s", err.c_str());
    }

    if (options_.listen) {
        std::vector<std::pair<tcp::endpoint, bool>> endpoints;  // endpoint, required
        if (options_.bind.empty()) {
            endpoints.emplace_back(tcp::endpoint(asio::ip::address_v6::any(), listen_port_), false);
            endpoints.emplace_back(tcp::endpoint(asio::ip::address_v4::any(), listen_port_), false);
        } else {
            for (const std::string& b : options_.bind) {
                auto s = Service::parse(b, listen_port_);
                if (!s) {
                    if (error) *error = "Cannot resolve -bind address: '" + b + "'";
                    return false;
                }
                endpoints.emplace_back(to_endpoint(*s), true);
            }
        }
        for (const auto& [ep, required] : endpoints) {
            boost::system::error_code ec;
            auto acceptor = std::make_shared<tcp::acceptor>(io_);
            acceptor->open(ep.protocol(), ec);
            if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec && ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
            if (!ec) acceptor->bind(ep, ec);
            if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) {
                const std::string where = to_service(ep).to_string();
                if (required) {
                    if (error)
                        *error = "Unable to bind to " + where + " on this computer (" + ec.message() +
                                 "). minicashd is probably already running.";
                    acceptors_.clear();
                    return false;
                }
                // The default wildcard binds are best effort (Core fails when none works;
                // we keep running without inbound connections, with a warning).
                log_info("not listening on %s: %s", where.c_str(), ec.message().c_str());
                continue;
            }
            listen_addrs_.push_back(to_service(acceptor->local_endpoint()));
            acceptors_.push_back(acceptor);
            log_info("Bound to %s", listen_addrs_.back().to_string().c_str());
        }
        if (acceptors_.empty())
            log_warning(
                "Unable to bind to port %u on this computer (minicashd is probably already running): "
                "not accepting incoming connections",
                unsigned(listen_port_));
    }

    for (const std::string& c : options_.connect) manual_.push_back(ManualTarget{c, true, true});
    for (const std::string& a : options_.addnode) manual_.push_back(ManualTarget{a, true});
    seednodes_ = options_.seednode;

    events_->start();
    query_.start();
    validation_.start();
    work_.emplace(io_.get_executor());
    start_time_ = clock_.steady_now();
    last_addr_dump_ = start_time_;
    running_ = true;
    for (auto& a : acceptors_) asio::co_spawn(io_, accept_loop(a), asio::detached);
    asio::co_spawn(io_, maintenance_loop(), asio::detached);
    asio::co_spawn(io_, dns_seed_loop(), asio::detached);
    io_thread_ = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "net");
        for (;;) {
            try {
                io_.run();
                break;
            } catch (const std::exception& e) { log_error("network event loop: unexpected exception: %s", e.what()); }
        }
    });
    log_info("P2P networking started (%s, %zu listening sockets, max %d connections)",
             network_active_ ? "active" : "inactive", acceptors_.size(), options_.max_connections);
    return true;
}

void Connman::stop_on_loop() {
    boost::system::error_code ec;
    for (auto& a : acceptors_) a->close(ec);
    if (maintenance_timer_) maintenance_timer_->cancel();
    if (resolver_) resolver_->cancel();
    for (auto& s : pending_sockets_) s->close(ec);
    for (auto& [id, p] : peers_) p->disconnect("shutting down");
    events_->shutdown();
}

void Connman::stop() {
    if (!running_) return;
    stopping_ = true;
    events_->interrupt();
    {
        auto done = std::make_shared<std::promise<void>>();
        auto f = done->get_future();
        asio::post(io_, [this, done] {
            stop_on_loop();
            done->set_value();
        });
        f.wait_for(10s);
    }
    validation_.stop();
    query_.stop();
    work_.reset();
    // Let every coroutine finish (sockets are closed, timers cancelled); then give up.
    auto finished = std::make_shared<std::promise<void>>();
    auto finished_future = finished->get_future();
    std::thread waiter([this, finished] {
        if (io_thread_.joinable()) io_thread_.join();
        finished->set_value();
    });
    if (finished_future.wait_for(10s) != std::future_status::ready) {
        log_warning("network thread did not stop in time; forcing it");
        io_.stop();
    }
    waiter.join();
    dump_addresses();
    std::string err;
    if (!banman_->save(&err)) log_warning("cannot save banlist.json: %s", err.c_str());
    peers_.clear();
    running_ = false;
    log_info("P2P networking stopped");
}

void Connman::dump_addresses() {
    if (options_.netdir.empty()) return;
    std::string err;
    if (!addrman_->save(options_.netdir / "peers.dat", params_.magic, &err))
        log_warning("cannot save peers.dat: %s", err.c_str());
}

// ---- connections ----

std::shared_ptr<Peer> Connman::make_peer(tcp::socket socket, const Service& addr, ConnType type, bool v2) {
    boost::system::error_code ec;
    Service local;
    if (const auto ep = socket.local_endpoint(ec); !ec) local = to_service(ep);
    socket.set_option(tcp::no_delay(true), ec);
    std::shared_ptr<Transport> transport;
    if (v2)
        transport = std::make_shared<V2Transport>(std::move(socket), params_.magic, clock_, &total_sent_, &total_recv_,
                                                  type != ConnType::INBOUND);
    else
        transport = std::make_shared<V1Transport>(std::move(socket), params_.magic, clock_, &total_sent_, &total_recv_);
    auto peer = std::make_shared<Peer>(next_peer_id_++, addr, type, std::move(transport), clock_);
    peer->local_addr = local;
    return peer;
}

void Connman::start_peer(const std::shared_ptr<Peer>& peer) {
    peers_[peer->id] = peer;
    log_debug(LogCategory::NET, "%s connection %s peer=%lld (%s transport)", peer->inbound() ? "inbound" : "outbound",
              peer->addr.to_string().c_str(), (long long)peer->id, peer->transport().protocol().c_str());
    peer->transport().start();
    asio::co_spawn(io_, reader(peer), asio::detached);
    events_->on_peer_connected(peer);
}

asio::awaitable<void> Connman::reader(std::shared_ptr<Peer> peer) {
    try {
        while (!peer->disconnected()) {
            Received r = co_await peer->transport().receive();
            if (!r.message) {
                if (r.protocol_violation) {
                    log_info("peer=%lld (%s) sent a bad message: %s", (long long)peer->id,
                             peer->addr.to_string().c_str(), r.error.c_str());
                    misbehaving(*peer, r.error);
                }
                peer->disconnect(r.error);  // even manual peers: the stream cannot be resynchronised
                break;
            }
            Message& msg = *r.message;
            peer->bytes_recv_per_msg[traffic_key(msg.command)] += r.wire_size;
            if (log_enabled(LogCategory::NET))
                log_debug(LogCategory::NET, "received: %s (%zu bytes) peer=%lld", traffic_key(msg.command).c_str(),
                          msg.payload.size(), (long long)peer->id);
            co_await events_->on_message(peer, std::move(msg));
        }
    } catch (const StorageError& e) {
        report_fatal(e.what());
        peer->disconnect("storage error");
    } catch (const std::exception& e) {
        log_warning("peer=%lld: error while processing a message: %s", (long long)peer->id, e.what());
        peer->disconnect(std::string("processing error: ") + e.what());
    }
    peer_closed(peer);
}

void Connman::peer_closed(const std::shared_ptr<Peer>& peer) {
    if (!peers_.count(peer->id)) return;
    if (!peer->disconnected()) peer->disconnect("closed");
    log_debug(LogCategory::NET, "disconnected peer=%lld (%s): %s", (long long)peer->id, peer->addr.to_string().c_str(),
              peer->disconnect_reason().c_str());
    if (peer->discourage_on_close) banman_->discourage(peer->addr.addr);
    events_->on_peer_closed(*peer);
    // Our v2 handshake was closed before the peer's key arrived: it speaks only v1.
    if (auto* v2 = dynamic_cast<V2Transport*>(&peer->transport());
        v2 && v2->reconnect_over_v1() && !stopping_ && network_active_) {
        log_info("peer=%lld (%s) closed our v2 handshake; reconnecting over v1", (long long)peer->id,
                 peer->addr.to_string().c_str());
        v1_only_.insert(peer->addr);
        if (v1_only_.size() > 10000) v1_only_.erase(v1_only_.begin());
        asio::co_spawn(io_, connect_to(peer->addr, peer->addr_name, peer->type), asio::detached);
    }
    if (!peer->inbound() && peer->successfully_connected) addrman_->connected(peer->addr);
    if (peer->manual()) {
        for (ManualTarget& t : manual_) {
            if (t.name == peer->addr_name) {
                t.next_attempt = clock_.steady_now() + kManualRetryMin;
                t.failures = 0;
            }
        }
    }
    peers_.erase(peer->id);
}

bool Connman::is_connected_or_pending(const Service& s) const {
    if (pending_.count(s)) return true;
    for (const auto& [id, p] : peers_)
        if (p->addr == s && !p->disconnected()) return true;
    return false;
}

std::optional<Service> Connman::resolve_numeric(const std::string& name) const {
    return Service::parse(name, params_.default_port);
}

asio::awaitable<void> Connman::accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    while (!stopping_) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_ || ec == asio::error::operation_aborted) break;
        if (ec) {
            // Out of file descriptors and the like: back off briefly.
            asio::steady_timer t(io_, 100ms);
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        const auto remote = socket.remote_endpoint(ec);
        if (ec) continue;
        Service from = to_service(remote);
        if (!accept_inbound(from)) continue;  // socket closes here
        if (options_.v2transport)
            asio::co_spawn(io_, detect_transport(std::make_shared<tcp::socket>(std::move(socket)), from),
                           asio::detached);
        else start_peer(make_peer(std::move(socket), from, ConnType::INBOUND));
    }
}

// Peeks (without consuming) until the first 16 bytes show a v1 version message or
// differ from one (then it is a BIP324 initiator's key), for at most the handshake
// timeout. At most max_connections sockets wait here at once.
asio::awaitable<void> Connman::detect_transport(std::shared_ptr<tcp::socket> socket, Service from) {
    if (detecting_ >= size_t(std::max(options_.max_connections, 1))) co_return;  // socket closes here
    ++detecting_;
    pending_sockets_.insert(socket);
    const Bytes prefix = v1_version_prefix(params_.magic);
    Bytes seen(prefix.size());
    boost::system::error_code ec;
    socket->non_blocking(true, ec);  // the peeks below must never block the loop
    asio::steady_timer deadline(io_, kHandshakeTimeout);
    deadline.async_wait([socket](const boost::system::error_code& e) {
        if (e) return;
        boost::system::error_code ignored;
        socket->close(ignored);
    });
    std::optional<bool> v2;
    while (!ec && !stopping_) {
        co_await socket->async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
        if (ec || stopping_) break;
        const size_t n = socket->receive(asio::buffer(seen), tcp::socket::message_peek, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec = {};
            continue;
        }
        if (ec || n == 0) break;  // closed before saying anything
        if (!std::equal(seen.begin(), seen.begin() + long(n), prefix.begin())) {
            v2 = true;
        } else if (n == prefix.size()) {
            v2 = false;  // a v1 version message
        } else {
            asio::steady_timer t(io_, 10ms);  // part of the prefix: let the rest arrive
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            ec = {};
            continue;
        }
        break;
    }
    deadline.cancel();
    pending_sockets_.erase(socket);
    --detecting_;
    if (!v2 || stopping_ || !network_active_ || !socket->is_open()) co_return;
    start_peer(make_peer(std::move(*socket), from, ConnType::INBOUND, *v2));
}

bool Connman::accept_inbound(const Service& from) {
    if (!network_active_) return false;
    if (banman_->is_banned(from.addr)) {
        log_debug(LogCategory::NET, "connection from %s dropped (banned)", from.to_string().c_str());
        return false;
    }
    if (banman_->is_discouraged(from.addr)) {
        log_debug(LogCategory::NET, "connection from %s dropped (discouraged)", from.to_string().c_str());
        return false;
    }
    int inbound = 0;
    for (const auto& [id, p] : peers_)
        if (p->inbound() && !p->disconnected()) ++inbound;
    const int max_inbound = std::max(0, options_.max_connections - options_.max_outbound);
    if (inbound >= max_inbound) {
        auto victim = select_node_to_evict();
        if (!victim) {
            log_debug(LogCategory::NET, "connection from %s dropped: full, no eviction candidate",
                      from.to_string().c_str());
            return false;
        }
        if (auto p = find_peer(*victim)) {
            log_debug(LogCategory::NET, "evicting peer=%lld to make room", (long long)p->id);
            p->disconnect("evicted to make room for an inbound connection");
        }
    }
    return true;
}

std::optional<int64_t> Connman::select_node_to_evict() {
    std::vector<EvictionCandidate> candidates;
    for (const auto& [id, p] : peers_) {
        if (!p->inbound() || p->disconnected()) continue;
        candidates.push_back(EvictionCandidate{id, p->connected_steady, p->min_ping_seconds, p->last_block_time,
                                               p->last_tx_time, p->netgroup});
    }
    return net::select_node_to_evict(std::move(candidates));
}

asio::awaitable<void> Connman::connect_to(Service target, std::string name, ConnType type, bool v2) {
    auto socket = std::make_shared<tcp::socket>(io_);
    pending_.insert(target);
    pending_sockets_.insert(socket);
    boost::system::error_code ec;
    {
        asio::steady_timer deadline(io_, kConnectTimeout);
        deadline.async_wait([socket](const boost::system::error_code& e) {
            if (!e) {
                boost::system::error_code ignored;
                socket->close(ignored);
            }
        });
        co_await socket->async_connect(to_endpoint(target), asio::redirect_error(asio::use_awaitable, ec));
        deadline.cancel();
    }
    pending_.erase(target);
    pending_sockets_.erase(socket);
    const bool failed = ec || !socket->is_open();
    if (failed || stopping_ || !network_active_) {
        if (failed)
            log_debug(LogCategory::NET, "connection to %s failed: %s", name.c_str(),
                      ec ? ec.message().c_str() : "timeout");
        if (type == ConnType::OUTBOUND_FULL_RELAY) addrman_->attempt(target, true);
        for (ManualTarget& t : manual_) {
            if (t.name == name && failed) {
                ++t.failures;
                const auto backoff = std::min<std::chrono::milliseconds>(
                    kManualRetryMin * (1 << std::min(t.failures, 5)), kManualRetryMax);
                t.next_attempt = clock_.steady_now() + backoff;
            }
        }
        co_return;
    }
    auto peer = make_peer(std::move(*socket), target, type, use_v2_to(target, type, v2));
    peer->addr_name = name;
    start_peer(peer);
}

// As Core: manual connections try v2 whenever -v2transport is on; automatic ones only
// when the address manager says the address offers NODE_P2P_V2. Addresses that closed
// our v2 handshake are reached over v1.
bool Connman::use_v2_to(const Service& target, ConnType type, bool v2) const {
    if (!v2 || !options_.v2transport || v1_only_.count(target)) return false;
    if (type == ConnType::MANUAL) return true;
    const auto info = addrman_->find(target);
    return info && (info->services & NODE_P2P_V2);
}

void Connman::open_connections() {
    if (!network_active_ || stopping_) return;
    const SteadyTime now = clock_.steady_now();

    // Manual connections (-connect, -addnode, RPC addnode): kept up, retried with backoff.
    for (auto it = manual_.begin(); it != manual_.end();) {
        ManualTarget& t = *it;
        bool connected = pending_.end() != std::find_if(pending_.begin(), pending_.end(),
                                                        [&](const Service& s) { return s.to_string() == t.name; });
        for (const auto& [id, p] : peers_)
            if (!p->disconnected() && (p->addr_name == t.name)) connected = true;
        auto svc = resolve_numeric(t.name);
        if (svc && is_connected_or_pending(*svc)) connected = true;
        if (connected || now < t.next_attempt) {
            if (!t.persistent && connected) {
                it = manual_.erase(it);
                continue;
            }
            ++it;
            continue;
        }
        t.next_attempt = now + kManualRetryMin;
        if (svc) {
            asio::co_spawn(io_, connect_to(*svc, t.name, ConnType::MANUAL, t.v2), asio::detached);
        } else {
            // A host name: resolve it first (asio's resolver runs getaddrinfo off the loop).
            if (!resolver_) resolver_ = std::make_shared<tcp::resolver>(io_);
            std::string host = t.name, port = std::to_string(params_.default_port);
            const size_t colon = host.rfind(':');
            if (colon != std::string::npos && host.find(':') == colon) {
                port = host.substr(colon + 1);
                host = host.substr(0, colon);
            }
            std::string name = t.name;
            const bool v2 = t.v2;
            resolver_->async_resolve(
                host, port, [this, name, v2](const boost::system::error_code& e, tcp::resolver::results_type results) {
                    if (e || results.empty() || stopping_) {
                        log_debug(LogCategory::NET, "cannot resolve %s", name.c_str());
                        return;
                    }
                    const Service s = to_service(results.begin()->endpoint());
                    if (!is_connected_or_pending(s))
                        asio::co_spawn(io_, connect_to(s, name, ConnType::MANUAL, v2), asio::detached);
                });
        }
        if (!t.persistent) {
            it = manual_.erase(it);
            continue;
        }
        ++it;
    }

    // -seednode: one-shot address fetches.
    for (const std::string& s : seednodes_) {
        if (auto svc = resolve_numeric(s); svc && !is_connected_or_pending(*svc))
            asio::co_spawn(io_, connect_to(*svc, s, ConnType::ADDR_FETCH), asio::detached);
    }
    seednodes_.clear();

    if (options_.connect_only) return;

    // Automatic outbound connections from the address manager.
    int outbound = 0;
    std::set<Bytes> groups;
    for (const auto& [id, p] : peers_) {
        if (p->disconnected() || p->inbound()) continue;
        if (p->type == ConnType::OUTBOUND_FULL_RELAY) ++outbound;
        groups.insert(p->netgroup);
    }
    for (const Service& s : pending_) groups.insert(s.addr.group());
    outbound += int(pending_.size());
    if (outbound >= options_.max_outbound || now < next_outbound_attempt_) return;
    next_outbound_attempt_ = now + kTickInterval;
    const int64_t unix = clock_.unix_now();
    for (int tries = 0; tries < 100; ++tries) {
        auto info = addrman_->select();
        if (!info) break;
        const Service& s = info->service;
        if (is_connected_or_pending(s) || banman_->is_banned(s.addr) || banman_->is_discouraged(s.addr)) continue;
        if (groups.count(s.addr.group())) continue;
        if (unix - info->last_try < 600 && tries < 30) continue;
        if (s.port != params_.default_port && tries < 50) continue;
        addrman_->attempt(s, false);
        asio::co_spawn(io_, connect_to(s, s.to_string(), ConnType::OUTBOUND_FULL_RELAY), asio::detached);
        break;
    }
}

void Connman::check_timeouts() {
    const SteadyTime now = clock_.steady_now();
    for (const auto& [id, p] : peers_) {
        Peer& peer = *p;
        if (peer.disconnected()) continue;
        if (!peer.successfully_connected) {
            if (now - peer.connected_steady > kHandshakeTimeout) {
                log_debug(LogCategory::NET, "version handshake timeout peer=%lld", (long long)peer.id);
                peer.disconnect("version handshake timeout");
            }
            continue;
        }
        if (peer.type == ConnType::ADDR_FETCH && now - peer.connected_steady > kAddrFetchTimeout) {
            peer.disconnect("addr-fetch timeout");
            continue;
        }
        if (peer.ping_nonce != 0 && now - peer.ping_start > kPingTimeout) {
            log_info("ping timeout: %.0f s peer=%lld", std::chrono::duration<double>(now - peer.ping_start).count(),
                     (long long)peer.id);
            peer.disconnect("ping timeout");
            continue;
        }
        if (now - peer.transport().stats().last_recv_steady > kInactivityTimeout) {
            log_info("inactivity timeout peer=%lld", (long long)peer.id);
            peer.disconnect("inactivity timeout");
        }
    }
}

asio::awaitable<void> Connman::maintenance_loop() {
    maintenance_timer_ = std::make_shared<asio::steady_timer>(io_);
    auto timer = maintenance_timer_;
    uint64_t ticks = 0;
    while (!stopping_) {
        timer->expires_after(kTickInterval);
        boost::system::error_code ec;
        co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) break;
        ++ticks;
        try {
            events_->on_tick();
            if (ticks % 2 == 0) check_timeouts();
            open_connections();
            if (clock_.steady_now() - last_addr_dump_ > kAddrDumpInterval) {
                last_addr_dump_ = clock_.steady_now();
                // fsync: not on the loop. False only when stopping, and stop() dumps them itself.
                (void)query_.post(Job([this] { dump_addresses(); }));
            }
        } catch (const std::exception& e) { log_error("network maintenance: %s", e.what()); }
    }
}

asio::awaitable<void> Connman::dns_seed_loop() {
    if (options_.connect_only || !options_.dnsseed || params_.dns_seeds.empty()) co_return;
    boost::system::error_code ec;
    if (addrman_->size() > 0) {
        asio::steady_timer t(io_, kDnsSeedDelay);
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) co_return;
        int outbound = 0;
        for (const auto& [id, p] : peers_)
            if (p->type == ConnType::OUTBOUND_FULL_RELAY && p->successfully_connected) ++outbound;
        if (outbound >= 2) co_return;
    }
    if (!resolver_) resolver_ = std::make_shared<tcp::resolver>(io_);
    auto resolver = resolver_;
    for (const std::string& seed : params_.dns_seeds) {
        if (stopping_) co_return;
        auto results = co_await resolver->async_resolve(seed, std::to_string(params_.default_port),
                                                        asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            log_info("DNS seed %s: %s", seed.c_str(), ec.message().c_str());
            continue;
        }
        size_t added = 0;
        const int64_t now = clock_.unix_now();
        for (const auto& r : results) {
            const Service s = to_service(r.endpoint());
            // A random age of 3 to 7 days, as Core: seeds do not vouch for freshness.
            const int64_t age = 3 * 86400 + int64_t(random_u64() % (4 * 86400));
            if (addrman_->add(s, NODE_NETWORK | NODE_WITNESS, now - age, s.addr)) ++added;
        }
        log_info("%zu addresses found from DNS seed %s", added, seed.c_str());
    }
}

// ---- RPC ----

std::vector<PeerInfo> Connman::peer_info() {
    return call_on_loop([this] {
        std::vector<PeerInfo> out;
        const auto now = clock_.steady_now();
        for (const auto& [id, p] : peers_) {
            const Peer& peer = *p;
            const TransportStats traffic = peer.transport().stats();
            const PeerSyncStats sync = events_->sync_stats(peer);
            if (peer.disconnected()) continue;
            PeerInfo i;
            i.id = peer.id;
            i.addr = peer.addr.to_string();
            if (peer.local_addr.port) i.addr_bind = peer.local_addr.to_string();
            if (peer.addr_as_seen.addr.is_valid() && peer.addr_as_seen.port)
                i.addr_local = peer.addr_as_seen.to_string();
            if (peer.headers_sync && peer.headers_sync->phase() == HeadersSync::Phase::PRESYNC) {
                i.presyncing = true;
                i.presynced_headers = peer.headers_sync->presync_height();
            }
            i.network = network_of(peer.addr.addr);
            i.services = peer.services;
            i.relay_txs = peer.relay_txs;
            i.last_send = traffic.last_send;
            i.last_recv = traffic.last_recv;
            i.conn_time = peer.connected_time;
            i.time_offset = peer.time_offset;
            i.bytes_sent = traffic.bytes_sent;
            i.bytes_recv = traffic.bytes_recv;
            i.ping_time = peer.last_ping_seconds;
            i.min_ping = peer.min_ping_seconds;
            if (peer.ping_nonce) i.ping_wait = std::chrono::duration<double>(now - peer.ping_start).count();
            i.version = peer.version;
            i.subver = peer.user_agent;
            i.inbound = peer.inbound();
            i.starting_height = peer.start_height;
            i.synced_headers = sync.synced_headers;
            i.synced_blocks = sync.synced_blocks;
            i.inflight = sync.inflight;
            i.addr_relay_enabled = true;
            i.connection_type = conn_type_name(peer.type);
            i.min_fee_filter = peer.fee_filter;
            i.last_block = peer.last_block_time;
            i.last_transaction = peer.last_tx_time;
            i.wtxid_relay = peer.wtxid_relay;
            i.prefer_headers = peer.prefer_headers;
            i.addr_processed = peer.addr_processed;
            i.addr_rate_limited = peer.addr_rate_limited;
            i.transport_protocol_type = peer.transport().protocol();
            i.session_id = peer.transport().session_id();
            i.bip152_hb_to = peer.hb_to;
            i.bip152_hb_from = peer.hb_from;
            i.bytes_sent_per_msg = peer.bytes_sent_per_msg;
            i.bytes_recv_per_msg = peer.bytes_recv_per_msg;
            out.push_back(std::move(i));
        }
        return out;
    });
}

ConnectionCounts Connman::connection_counts() {
    return call_on_loop([this] {
        ConnectionCounts c;
        for (const auto& [id, p] : peers_) {
            if (p->disconnected()) continue;
            if (p->inbound()) ++c.inbound;
            else ++c.outbound;
        }
        return c;
    });
}

NetTotals Connman::totals() const {
    NetTotals t;
    t.bytes_recv = total_recv_;
    t.bytes_sent = total_sent_;
    t.time_millis = clock_.unix_now_millis();
    return t;
}

void Connman::set_network_active(bool active) {
    if (network_active_.exchange(active) == active) return;
    log_info("SetNetworkActive: %s", active ? "true" : "false");
    if (!active) {
        call_on_loop([this] {
            for (auto& [id, p] : peers_) p->disconnect("network disabled");
            return true;
        });
    }
}

std::vector<Service> Connman::listen_addresses() const { return listen_addrs_; }

Connman::AddNodeResult Connman::add_node(const std::string& node, const std::string& command, bool v2) {
    if (node.empty() || node.size() > 256) return AddNodeResult::INVALID;
    return call_on_loop([this, node, command, v2] {
        auto it = std::find_if(manual_.begin(), manual_.end(), [&](const ManualTarget& t) {
            return t.persistent && !t.from_connect && t.name == node;
        });
        if (command == "add") {
            if (it != manual_.end()) return AddNodeResult::ALREADY_ADDED;
            manual_.push_back(ManualTarget{node, true});
            manual_.back().v2 = v2;
        } else if (command == "remove") {
            if (it == manual_.end()) return AddNodeResult::NOT_ADDED;
            manual_.erase(it);
        } else if (command == "onetry") {
            manual_.push_back(ManualTarget{node, false});
            manual_.back().v2 = v2;
        } else {
            return AddNodeResult::INVALID;
        }
        next_outbound_attempt_ = SteadyTime{};
        open_connections();
        return AddNodeResult::OK;
    });
}

std::vector<AddedNodeInfo> Connman::added_node_info() {
    return call_on_loop([this] {
        std::vector<AddedNodeInfo> out;
        for (const ManualTarget& t : manual_) {
            if (!t.persistent || t.from_connect) continue;
            AddedNodeInfo i;
            i.name = t.name;
            for (const auto& [id, p] : peers_) {
                if (!p->disconnected() && p->addr_name == t.name) {
                    i.connected = true;
                    i.address = p->addr.to_string();
                    i.inbound = p->inbound();
                }
            }
            out.push_back(i);
        }
        return out;
    });
}

bool Connman::disconnect_node(const std::string& address) {
    auto svc = Service::parse(address, params_.default_port);
    return call_on_loop([this, address, svc] {
        for (auto& [id, p] : peers_) {
            if (p->disconnected()) continue;
            if (p->addr_name == address || (svc && p->addr == *svc)) {
                p->disconnect("disconnected by request");
                return true;
            }
        }
        return false;
    });
}

bool Connman::disconnect_node(int64_t id) {
    return call_on_loop([this, id] {
        auto p = find_peer(id);
        if (!p || p->disconnected()) return false;
        p->disconnect("disconnected by request");
        return true;
    });
}

void Connman::request_pings() {
    call_on_loop([this] {
        for (auto& [id, p] : peers_) p->next_ping = SteadyTime{};
        return true;
    });
}

void Connman::ban_changed(const SubNet* banned) {
    std::string err;
    if (!banman_->save(&err)) log_warning("cannot save banlist.json: %s", err.c_str());
    if (!banned) return;
    const SubNet subnet = *banned;
    call_on_loop([this, subnet] {
        for (auto& [id, p] : peers_)
            if (subnet.contains(p->addr.addr)) p->disconnect("banned");
        return true;
    });
}

}  // namespace minicash::net
