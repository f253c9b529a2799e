#include "net/connman.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>
#include <random>

#include "net/anchors.h"
#include "net/eviction.h"
#include "net/socks5.h"
#include "net/v1_transport.h"
#include "net/v2_transport.h"
#include "storage/database.h"
#include "util/hash.h"
#include "util/logging.h"
#include "util/siphash.h"

namespace minicash::net {

namespace {

using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

constexpr auto kPingTimeout = 20min;  // TIMEOUT_INTERVAL
constexpr auto kInactivityTimeout = 20min;
constexpr auto kConnectTimeout = 5s;      // -timeout
constexpr auto kAddrFetchTimeout = 2min;  // -seednode connections that never send addresses
constexpr auto kTickInterval = 500ms;
constexpr auto kAddrDumpInterval = 15min;
constexpr auto kManualRetryMin = 2s;
constexpr auto kManualRetryMax = 60s;
constexpr auto kDnsSeedDelay = 11s;
constexpr auto kFeelerInterval = 2min;           // FEELER_INTERVAL
constexpr auto kExtraBlockRelayInterval = 5min;  // EXTRA_BLOCK_RELAY_ONLY_PEER_INTERVAL
constexpr auto kFeelerSleepWindow = 1s;          // FEELER_SLEEP_WINDOW
constexpr auto kSocks5RecvTimeout = 20s;         // g_socks5_recv_timeout

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

// REQUIRES: s is IPv4, IPv6 or CJDNS (a socket address exists for it).
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

bool has_socket_address(const NetAddr& a) { return a.is_ip() || a.is_cjdns(); }

// Exponentially distributed delay with the given mean (Core's GetExponentialRand).
std::chrono::milliseconds exponential_delay(uint64_t random, std::chrono::milliseconds mean) {
    const double u = double(random >> 11) * (1.0 / 9007199254740992.0);
    return std::chrono::milliseconds(int64_t(-std::log1p(-u) * double(mean.count())));
}

bool is_automatic_outbound(ConnType t) {
    return t == ConnType::OUTBOUND_FULL_RELAY || t == ConnType::BLOCK_RELAY || t == ConnType::FEELER;
}

}  // namespace

Connman::Connman(const ChainParams& params, ConnmanOptions options, const Clock& clock)
    : params_(params), options_(std::move(options)), clock_(clock) {
    std::random_device rd;
    rng_.seed((uint64_t(rd()) << 32) ^ rd());
    netgroup_key_[0] = rng_();
    netgroup_key_[1] = rng_();
    char prefix[20];
    std::snprintf(prefix, sizeof prefix, "%016llx-", (unsigned long long)rng_());
    proxy_credentials_prefix_ = prefix;
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
    options_.max_outbound_block_relay =
        std::max(0, std::min(options_.max_outbound_block_relay, options_.max_connections - options_.max_outbound));

    std::string err;
    if (!options_.netdir.empty()) {
        if (!addrman_->load(options_.netdir / "peers.dat", params_.magic, &err))
            log_warning("ignoring peers.dat: %s", err.c_str());
        else if (addrman_->size() > 0) log_info("loaded %zu addresses from peers.dat", addrman_->size());
        err.clear();
        if (!banman_->load(&err)) log_warning("ignoring banlist.json: %s", err.c_str());
    }

    if (options_.listen) {
        struct Endpoint {
            tcp::endpoint ep;
            bool required = true;  // -bind/-whitebind must bind; the defaults need not
            uint32_t permissions = PF_NONE;
            bool onion = false;
        };
        std::vector<Endpoint> endpoints;
        for (const std::string& b : options_.bind) {
            std::string text = b;
            bool onion = false;
            if (const size_t eq = text.rfind('='); eq != std::string::npos) {
                if (text.substr(eq + 1) != "onion") {
                    if (error) *error = "Invalid -bind address: '" + b + "'";
                    return false;
                }
                onion = true;
                text.resize(eq);
            }
            auto s = Service::parse(text, listen_port_);
            if (!s || !s->addr.is_ip()) {
                if (error) *error = "Cannot resolve -bind address: '" + b + "'";
                return false;
            }
            endpoints.push_back(Endpoint{to_endpoint(*s), true, PF_NONE, onion});
        }
        for (const WhitebindEntry& w : options_.whitebind)
            endpoints.push_back(Endpoint{to_endpoint(w.service), true, w.flags, false});
        if (endpoints.empty()) {
            endpoints.push_back(Endpoint{tcp::endpoint(asio::ip::address_v6::any(), listen_port_), false});
            endpoints.push_back(Endpoint{tcp::endpoint(asio::ip::address_v4::any(), listen_port_), false});
        }
        for (const Endpoint& e : endpoints) {
            boost::system::error_code ec;
            auto acceptor = std::make_shared<tcp::acceptor>(io_);
            acceptor->open(e.ep.protocol(), ec);
            if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec && e.ep.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
            if (!ec) acceptor->bind(e.ep, ec);
            if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
            if (ec) {
                const std::string where = to_service(e.ep).to_string();
                if (e.required) {
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
            acceptors_.push_back(Listener{acceptor, e.permissions, e.onion});
            log_info("Bound to %s%s", listen_addrs_.back().to_string().c_str(), e.onion ? " (onion)" : "");
        }
        if (acceptors_.empty())
            log_warning(
                "Unable to bind to port %u on this computer (minicashd is probably already running): "
                "not accepting incoming connections",
                unsigned(listen_port_));
    }
    if (!options_.connect_only) load_anchors();

    for (const std::string& c : options_.connect) manual_.push_back(ManualTarget{c, true, true});
    for (const std::string& a : options_.addnode) manual_.push_back(ManualTarget{a, true});
    seednodes_ = options_.seednode;

    events_->start();
    query_.start();
    validation_.start();
    work_.emplace(io_.get_executor());
    start_time_ = clock_.steady_now();
    last_addr_dump_ = start_time_;
    next_feeler_ = start_time_ + exponential_delay(random_u64(), kFeelerInterval);
    next_extra_block_relay_ = start_time_ + exponential_delay(random_u64(), kExtraBlockRelayInterval);
    running_ = true;
    for (const Listener& l : acceptors_) asio::co_spawn(io_, accept_loop(l), asio::detached);
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
    if (!options_.connect_only) dump_anchors();  // before the connections close
    for (auto& l : acceptors_) l.acceptor->close(ec);
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

void Connman::load_anchors() {
    if (options_.netdir.empty()) return;
    std::string err;
    anchors_ = read_anchors(options_.netdir / "anchors.dat", params_.magic, &err);
    if (!err.empty()) log_warning("ignoring anchors.dat: %s", err.c_str());
    log_info("%zu block-relay-only anchors will be tried for connections.", anchors_.size());
}

void Connman::dump_anchors() {
    if (options_.netdir.empty()) return;
    std::vector<AddrEntry> anchors;
    for (const auto& [id, p] : peers_) {
        if (!p->block_relay_only() || !p->successfully_connected || p->disconnected()) continue;
        if (anchors.size() >= kMaxAnchors) break;
        anchors.push_back(AddrEntry{uint32_t(clock_.unix_now()), p->services, p->addr});
    }
    std::string err;
    if (!write_anchors(options_.netdir / "anchors.dat", params_.magic, anchors, &err))
        log_warning("cannot write anchors.dat: %s", err.c_str());
    else log_info("Flushed %zu outbound block-relay-only peer addresses to anchors.dat", anchors.size());
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
    log_debug(LogCategory::NET, "%s connection %s (%s) peer=%lld (%s transport)", conn_type_name(peer->type),
              peer->addr_name.c_str(), network_name(peer->network()), (long long)peer->id,
              peer->transport().protocol().c_str());
    peer->transport().start();
    asio::co_spawn(io_, reader(peer), asio::detached);
    events_->on_peer_connected(peer);
}

asio::awaitable<void> Connman::reader(std::shared_ptr<Peer> peer) {
    try {
        while (!peer->disconnected()) {
            Received r = co_await peer->transport().receive();
            if (!r.message) {
                if (r.misbehavior) {
                    misbehaving(*peer, *r.misbehavior, r.error);
                    if (misbehavior_rule(*r.misbehavior).action == PeerAction::DROP) {
                        peer->bytes_recv_per_msg[traffic_key({})] += r.wire_size;  // counted as *other* (Core)
                        continue;
                    }
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
    // Only full (not block-relay-only) outbound peers change what others can learn
    // from our address manager (Core's FinalizeNode).
    if (!peer->inbound() && !peer->block_relay_only() && peer->successfully_connected) addrman_->connected(peer->addr);
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

asio::awaitable<void> Connman::accept_loop(Listener listener) {
    auto acceptor = listener.acceptor;
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
        from.addr = from.addr.maybe_cjdns(options_.networks.cjdns_reachable());
        const uint32_t permissions = apply_whitelist(listener.permissions, from.addr, options_.whitelist, DIR_IN,
                                                     options_.whitelist_relay, options_.whitelist_forcerelay);
        if (!accept_inbound(from, permissions)) continue;  // socket closes here
        if (options_.v2transport)
            asio::co_spawn(
                io_,
                detect_transport(std::make_shared<tcp::socket>(std::move(socket)), from, permissions, listener.onion),
                asio::detached);
        else start_inbound(make_peer(std::move(socket), from, ConnType::INBOUND), permissions, listener.onion);
    }
}

void Connman::start_inbound(const std::shared_ptr<Peer>& peer, uint32_t permissions, bool onion) {
    peer->permissions = permissions;
    peer->inbound_onion = onion;
    peer->prefer_evict = banman_->is_discouraged(peer->addr.addr);
    start_peer(peer);
}

// Peeks (without consuming) until the first 16 bytes show a v1 version message or
// differ from one (then it is a BIP324 initiator's key), for at most the handshake
// timeout. At most max_connections sockets wait here at once.
asio::awaitable<void> Connman::detect_transport(std::shared_ptr<tcp::socket> socket, Service from, uint32_t permissions,
                                                bool onion) {
    if (detecting_ >= size_t(std::max(options_.max_connections, 1))) co_return;  // socket closes here
    ++detecting_;
    pending_sockets_.insert(socket);
    const Bytes prefix = v1_version_prefix(params_.magic);
    Bytes seen(prefix.size());
    boost::system::error_code ec;
    socket->non_blocking(true, ec);  // the peeks below must never block the loop
    asio::steady_timer deadline(io_, std::chrono::seconds(options_.peer_timeout_seconds));
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
    start_inbound(make_peer(std::move(*socket), from, ConnType::INBOUND, *v2), permissions, onion);
}

bool Connman::accept_inbound(const Service& from, uint32_t permissions) {
    if (!network_active_) return false;
    const bool noban = has_permission(permissions, PF_NOBAN);
    if (!noban && banman_->is_banned(from.addr)) {
        log_debug(LogCategory::NET, "connection from %s dropped (banned)", from.to_string().c_str());
        return false;
    }
    int inbound = 0;
    for (const auto& [id, p] : peers_)
        if (p->inbound() && !p->disconnected()) ++inbound;
    const int max_inbound =
        std::max(0, options_.max_connections - options_.max_outbound - options_.max_outbound_block_relay - kMaxFeelers);
    // A discouraged address is let in only while inbound slots are not (almost) full, and
    // is then the first to be evicted (Core).
    if (!noban && inbound + 1 >= max_inbound && banman_->is_discouraged(from.addr)) {
        log_debug(LogCategory::NET, "connection from %s dropped (discouraged)", from.to_string().c_str());
        return false;
    }
    if (inbound >= max_inbound) {
        auto victim = select_node_to_evict();
        if (!victim) {
            log_debug(LogCategory::NET, "failed to find an eviction candidate - connection from %s dropped (full)",
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

uint64_t Connman::keyed_netgroup(const NetAddr& a) const {
    return siphash24(netgroup_key_[0], netgroup_key_[1], a.group());
}

std::optional<int64_t> Connman::select_node_to_evict() {
    std::vector<EvictionCandidate> candidates;
    const bool ibd_done = !in_initial_block_download();
    for (const auto& [id, p] : peers_) {
        if (p->disconnected()) continue;
        EvictionCandidate c;
        c.id = id;
        c.connected = p->connected_steady;
        c.min_ping_seconds = p->min_ping_seconds;
        c.last_block_time = p->last_block_time;
        c.last_tx_time = p->last_tx_time;
        c.relevant_services = has_desirable_services(p->services, ibd_done);
        c.relay_txs = p->relay_txs;
        c.keyed_netgroup = keyed_netgroup(p->addr.addr);
        c.prefer_evict = p->prefer_evict;
        c.is_local = p->addr.addr.is_loopback();
        c.network = p->network();
        c.noban = p->has_permission(PF_NOBAN);
        c.inbound = p->inbound();
        candidates.push_back(c);
    }
    return net::select_node_to_evict(std::move(candidates));
}

asio::awaitable<std::string> Connman::connect_through_proxy(std::shared_ptr<tcp::socket> socket, Proxy proxy,
                                                            std::string destination, uint16_t port) {
    std::optional<ProxyCredentials> auth;
    if (proxy.randomize_credentials) {
        // Tor stream isolation: fresh credentials for every connection.
        const std::string id = proxy_credentials_prefix_ + std::to_string(proxy_credentials_counter_++);
        auth = ProxyCredentials{id, id};
    }
    Socks5Client client(std::move(destination), port, std::move(auth));
    Socks5Client::Step step = client.start();
    boost::system::error_code ec;
    Bytes buf(257);
    while (!client.finished()) {
        if (!step.send.empty()) {
            co_await asio::async_write(*socket, asio::buffer(step.send), asio::redirect_error(asio::use_awaitable, ec));
            if (ec) co_return "Error sending to proxy: " + ec.message();
        }
        if (step.need == 0 || step.need > buf.size()) break;
        // Each read gets kSocks5RecvTimeout (a slow proxy such as Tor needs time).
        auto timed_out = std::make_shared<bool>(false);
        asio::steady_timer deadline(io_, kSocks5RecvTimeout);
        deadline.async_wait([socket, timed_out](const boost::system::error_code& e) {
            if (e) return;
            *timed_out = true;
            boost::system::error_code ignored;
            socket->close(ignored);
        });
        co_await asio::async_read(*socket, asio::buffer(buf.data(), step.need),
                                  asio::redirect_error(asio::use_awaitable, ec));
        deadline.cancel();
        if (*timed_out) co_return "timeout while waiting for the proxy";
        if (ec) co_return "Error reading from proxy: " + ec.message();
        step = client.receive(ByteView(buf.data(), step.need));
    }
    if (!client.succeeded()) co_return client.error().empty() ? "proxy handshake incomplete" : client.error();
    co_return "";
}

asio::awaitable<void> Connman::connect_to(std::optional<Service> target, std::string name, ConnType type, bool v2) {
    auto socket = std::make_shared<tcp::socket>(io_);
    if (target) {
        pending_.insert(*target);
        pending_types_[*target] = type;
    }
    pending_sockets_.insert(socket);
    auto finish_pending = [&] {
        if (target) {
            pending_.erase(*target);
            pending_types_.erase(*target);
        }
        pending_sockets_.erase(socket);
    };
    boost::system::error_code ec;
    if (type == ConnType::FEELER) {
        // A little random delay, so that feelers of many nodes do not synchronise.
        asio::steady_timer jitter(
            io_,
            std::chrono::milliseconds(random_u64() % uint64_t(std::chrono::milliseconds(kFeelerSleepWindow).count())));
        co_await jitter.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (stopping_) {
            finish_pending();
            co_return;
        }
    }

    // Where to connect: the proxy of the target's network, else the target itself.
    std::optional<Proxy> proxy;
    if (target) proxy = options_.networks.proxy_for(target->addr.network());
    else proxy = options_.networks.name_proxy;
    std::string failure;
    bool proxy_failed = false;  // the proxy itself could not be reached: not the target's fault
    if (!proxy && (!target || !has_socket_address(target->addr))) failure = "no proxy for its network";

    if (failure.empty()) {
        const tcp::endpoint ep = to_endpoint(proxy ? proxy->address : *target);
        asio::steady_timer deadline(io_, kConnectTimeout);
        deadline.async_wait([socket](const boost::system::error_code& e) {
            if (!e) {
                boost::system::error_code ignored;
                socket->close(ignored);
            }
        });
        co_await socket->async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
        deadline.cancel();
        if (ec || !socket->is_open()) {
            failure = ec ? ec.message() : "timeout";
            proxy_failed = proxy.has_value();
        }
    }
    if (failure.empty() && proxy && !stopping_) {
        std::string host = target ? target->addr.to_string() : name;
        uint16_t port = target ? target->port : params_.default_port;
        if (!target) split_host_port(name, host, port);
        failure = co_await connect_through_proxy(socket, *proxy, host, port);
        if (!failure.empty()) {
            boost::system::error_code ignored;
            socket->close(ignored);
        }
    }
    finish_pending();

    // Core's Attempt(): recorded unless the proxy itself failed; a failure counts against
    // the address only once we have a couple of outbound connections (so that being
    // offline does not make every address look bad).
    int outbound = 0;
    for (const auto& [id, p] : peers_)
        if (!p->inbound() && !p->disconnected()) ++outbound;
    const bool count_failure = outbound >= std::min(options_.max_connections - 1, 2);
    if (target && !proxy_failed) addrman_->attempt(*target, !failure.empty() && count_failure);

    if (!failure.empty() || stopping_ || !network_active_) {
        if (!failure.empty()) {
            if (type == ConnType::MANUAL) log_info("connection to %s failed: %s", name.c_str(), failure.c_str());
            else log_debug(LogCategory::NET, "connection to %s failed: %s", name.c_str(), failure.c_str());
        }
        for (ManualTarget& t : manual_) {
            if (t.name == name && !failure.empty()) {
                ++t.failures;
                const auto backoff = std::min<std::chrono::milliseconds>(
                    kManualRetryMin * (1 << std::min(t.failures, 5)), kManualRetryMax);
                t.next_attempt = clock_.steady_now() + backoff;
            }
        }
        co_return;
    }
    auto peer = make_peer(std::move(*socket), target.value_or(Service{}), type, target && use_v2_to(*target, type, v2));
    peer->addr_name = name;
    // Outbound whitelist entries ("out@...") apply to manual connections only (Core).
    if (type == ConnType::MANUAL)
        peer->permissions = apply_whitelist(PF_NONE, peer->addr.addr, options_.whitelist, DIR_OUT,
                                            options_.whitelist_relay, options_.whitelist_forcerelay);
    if (proxy)
        log_debug(LogCategory::NET, "connected to %s through proxy %s", name.c_str(), proxy->to_string().c_str());
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
        } else if (options_.networks.name_proxy) {
            // A host name and a proxy: the proxy resolves it (no DNS lookup here).
            asio::co_spawn(io_, connect_to(std::nullopt, t.name, ConnType::MANUAL, t.v2), asio::detached);
        } else {
            // A host name: resolve it first (asio's resolver runs getaddrinfo off the loop).
            if (!resolver_) resolver_ = std::make_shared<tcp::resolver>(io_);
            std::string host, port_text = std::to_string(params_.default_port);
            uint16_t port = params_.default_port;
            if (split_host_port(t.name, host, port)) port_text = std::to_string(port);
            std::string name = t.name;
            const bool v2 = t.v2;
            resolver_->async_resolve(
                host, port_text,
                [this, name, v2](const boost::system::error_code& e, tcp::resolver::results_type results) {
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

    if (options_.connect_only || now < next_outbound_attempt_) return;
    next_outbound_attempt_ = now + kTickInterval;
    open_automatic_connection();
}

void Connman::open_automatic_connection() {
    addrman_->resolve_collisions();
    const SteadyTime now = clock_.steady_now();
    OutboundState st;
    st.max_full_relay = options_.max_outbound;
    st.max_block_relay = options_.max_outbound_block_relay;
    int feelers = 0;
    auto count = [&](ConnType t) {
        if (t == ConnType::OUTBOUND_FULL_RELAY) ++st.full_relay;
        else if (t == ConnType::BLOCK_RELAY) ++st.block_relay;
        else if (t == ConnType::FEELER) ++feelers;
    };
    for (const auto& [id, p] : peers_)
        if (!p->disconnected()) count(p->type);
    for (const auto& [s, t] : pending_types_) count(t);
    // All automatic connections share max full + block-relay + 1 slots (Core's
    // semOutbound): an extra peer takes the feeler's slot.
    if (st.full_relay + st.block_relay + feelers >= st.max_full_relay + st.max_block_relay + kMaxFeelers) return;
    st.anchors_left = !anchors_.empty();
    st.try_new_outbound_peer = try_new_outbound_;
    st.extra_block_relay_enabled = extra_block_relay_enabled_;
    st.extra_block_relay_due = now > next_extra_block_relay_;
    st.feeler_due = now > next_feeler_;
    const OutboundChoice choice = next_outbound(st);
    if (choice == OutboundChoice::NONE) return;
    if (choice == OutboundChoice::FEELER) next_feeler_ = now + exponential_delay(random_u64(), kFeelerInterval);
    if (choice == OutboundChoice::EXTRA_BLOCK_RELAY)
        next_extra_block_relay_ = now + exponential_delay(random_u64(), kExtraBlockRelayInterval);
    auto info = select_outbound_address(choice);
    if (!info) return;
    ConnType type = ConnType::OUTBOUND_FULL_RELAY;
    if (choice == OutboundChoice::ANCHOR || choice == OutboundChoice::BLOCK_RELAY ||
        choice == OutboundChoice::EXTRA_BLOCK_RELAY)
        type = ConnType::BLOCK_RELAY;
    else if (choice == OutboundChoice::FEELER) type = ConnType::FEELER;
    log_debug(LogCategory::NET, "making %s connection to %s", outbound_choice_name(choice),
              info->service.to_string().c_str());
    asio::co_spawn(io_, connect_to(info->service, info->service.to_string(), type), asio::detached);
}

std::optional<AddrInfo> Connman::select_outbound_address(OutboundChoice choice) {
    // Network groups of our long-lived outbound IPv4/IPv6 peers (Tor, I2P and CJDNS
    // groups are random, so they do not count).
    std::set<Bytes> groups;
    auto add_group = [&](const Service& s, ConnType t) {
        if ((t == ConnType::MANUAL || t == ConnType::OUTBOUND_FULL_RELAY || t == ConnType::BLOCK_RELAY) &&
            s.addr.is_ip())
            groups.insert(s.addr.group());
    };
    for (const auto& [id, p] : peers_)
        if (!p->disconnected()) add_group(p->addr, p->type);
    for (const auto& [s, t] : pending_types_) add_group(s, t);
    const bool ibd_done = !in_initial_block_download();

    if (choice == OutboundChoice::ANCHOR) {
        while (!anchors_.empty()) {
            const AddrEntry a = anchors_.back();
            anchors_.pop_back();
            const Service& s = *a.service;
            if (!s.addr.is_valid() || is_local_address(s.addr) || !options_.networks.is_reachable(s.addr) ||
                !has_desirable_services(a.services, ibd_done) || (s.addr.is_ip() && groups.count(s.addr.group())) ||
                is_connected_or_pending(s))
                continue;
            log_info("Trying to make an anchor connection to %s", s.to_string().c_str());
            AddrInfo info;
            info.service = s;
            info.services = a.services;
            return info;
        }
        return std::nullopt;
    }

    const bool feeler = choice == OutboundChoice::FEELER;
    const int64_t unix = clock_.unix_now();
    for (int tries = 1; tries <= 100; ++tries) {
        std::optional<AddrInfo> info;
        if (feeler) {
            // Test-before-evict first: the occupant of a tried slot someone else wants.
            info = addrman_->select_tried_collision();
            if (info && is_connected_or_pending(info->service)) {
                addrman_->good(info->service);  // connected: it answers, no need to test it
                info.reset();
            }
            if (!info) info = addrman_->select(/*new_only=*/true);
        } else {
            info = addrman_->select();
        }
        if (!info) return std::nullopt;
        const Service& s = info->service;
        AddressCheck c;
        c.tries = tries;
        c.feeler = feeler;
        c.now = unix;
        c.group_taken = s.addr.is_ip() && groups.count(s.addr.group()) > 0;
        c.reachable = options_.networks.is_reachable(s.addr);
        c.is_local = is_local_address(s.addr);
        c.is_added_node = is_added_node(s);
        c.already_connected = is_connected_or_pending(s);
        c.banned = banman_->is_banned(s.addr) || banman_->is_discouraged(s.addr);
        c.initial_download_done = ibd_done;
        switch (check_outbound_address(*info, c)) {
        case AddressVerdict::USE: return info;
        case AddressVerdict::STOP: return std::nullopt;
        case AddressVerdict::SKIP: break;
        }
    }
    return std::nullopt;
}

bool Connman::is_local_address(const NetAddr& a) const {
    for (const Service& s : options_.external_addresses)
        if (s.addr == a) return true;
    return false;
}

bool Connman::is_added_node(const Service& s) const {
    const std::string text = s.to_string();
    for (const ManualTarget& t : manual_)
        if (t.persistent && (t.name == text || resolve_numeric(t.name) == s)) return true;
    return false;
}

void Connman::check_timeouts() {
    const SteadyTime now = clock_.steady_now();
    for (const auto& [id, p] : peers_) {
        Peer& peer = *p;
        if (peer.disconnected()) continue;
        if (!peer.successfully_connected) {
            if (now - peer.connected_steady > std::chrono::seconds(options_.peer_timeout_seconds)) {
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
            i.addr = peer.addr_name;
            if (peer.local_addr.port) i.addr_bind = peer.local_addr.to_string();
            if (peer.addr_as_seen.addr.is_valid() && peer.addr_as_seen.port)
                i.addr_local = peer.addr_as_seen.to_string();
            if (peer.headers_sync && peer.headers_sync->phase() == HeadersSync::Phase::PRESYNC) {
                i.presyncing = true;
                i.presynced_headers = peer.headers_sync->presync_height();
            }
            i.network = network_name(peer.network());
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
            i.addr_relay_enabled = peer.relays_addrs_with_us() && peer.type != ConnType::FEELER;
            i.permissions = permission_names(peer.permissions);
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

std::vector<LocalAddress> Connman::local_addresses() const {
    std::vector<LocalAddress> out;
    // Core's scores: LOCAL_MANUAL (4) for -externalip, LOCAL_BIND (2)... minicash lists
    // -externalip addresses and, with discovery on, the routable addresses it listens on.
    for (const Service& s : options_.external_addresses) out.push_back(LocalAddress{s, 4});
    if (options_.discover)
        for (const Service& s : listen_addrs_)
            if (s.addr.is_routable()) out.push_back(LocalAddress{s, 1});
    return out;
}

std::optional<Service> Connman::local_address_for(const Peer& peer) {
    if (!listening()) return std::nullopt;
    // The best of our -externalip addresses for this peer: never a Tor or I2P address to
    // a peer of another network, nor another network's address to a Tor/I2P peer.
    std::optional<Service> best;
    const NetType theirs = peer.network();
    for (const Service& s : options_.external_addresses) {
        const NetType ours = s.addr.network();
        const bool private_net = [](NetType n) { return n == NetType::ONION || n == NetType::I2P; }(ours) ||
                                 theirs == NetType::ONION || theirs == NetType::I2P;
        if (ours != theirs && private_net) continue;
        if (!best || (ours == theirs && best->addr.network() != theirs)) best = s;
    }
    // With discovery (no -externalip, no -proxy), how the peer sees us, on our port.
    if (options_.discover && peer.addr.addr.is_routable() && peer.addr_as_seen.addr.is_routable() &&
        options_.networks.is_reachable(peer.addr_as_seen.addr) && (!best || random_u64() % 2 == 0))
        best = Service{peer.addr_as_seen.addr, listen_port_};
    if (best && !best->addr.is_routable()) return std::nullopt;
    return best;
}

bool Connman::add_connection(const std::string& address, ConnType type, bool v2) {
    auto target = Service::parse(address, params_.default_port);
    if (!target) return false;
    target->addr = target->addr.maybe_cjdns(options_.networks.cjdns_reachable());
    const Service t = *target;
    return call_on_loop([this, t, address, type, v2] {
        int existing = 0, automatic = 0;
        for (const auto& [id, p] : peers_) {
            if (p->disconnected()) continue;
            if (p->type == type) ++existing;
            if (is_automatic_outbound(p->type)) ++automatic;
        }
        for (const auto& [s, pt] : pending_types_) {
            if (pt == type) ++existing;
            if (is_automatic_outbound(pt)) ++automatic;
        }
        if (type == ConnType::OUTBOUND_FULL_RELAY && existing >= options_.max_outbound) return false;
        if (type == ConnType::BLOCK_RELAY && existing >= options_.max_outbound_block_relay) return false;
        if (automatic >= options_.max_outbound + options_.max_outbound_block_relay + kMaxFeelers &&
            type != ConnType::ADDR_FETCH)
            return false;
        asio::co_spawn(io_, connect_to(t, address, type, v2), asio::detached);
        return true;
    });
}

void Connman::set_try_new_outbound_peer(bool wanted) {
    if (try_new_outbound_.exchange(wanted) != wanted)
        log_debug(LogCategory::NET, "setting try another outbound peer=%s", wanted ? "true" : "false");
}

void Connman::start_extra_block_relay_peers() {
    if (!extra_block_relay_enabled_.exchange(true))
        log_debug(LogCategory::NET, "enabling extra block-relay-only peers");
}

int Connman::extra_full_outbound_count() const {
    int n = 0;
    for (const auto& [id, p] : peers_)
        if (p->type == ConnType::OUTBOUND_FULL_RELAY && p->successfully_connected && !p->disconnected()) ++n;
    return std::max(n - options_.max_outbound, 0);
}

int Connman::extra_block_relay_count() const {
    int n = 0;
    for (const auto& [id, p] : peers_)
        if (p->block_relay_only() && p->successfully_connected && !p->disconnected()) ++n;
    return std::max(n - options_.max_outbound_block_relay, 0);
}

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

bool Connman::send_message(int64_t id, const std::string& command, Bytes payload) {
    return call_on_loop([this, id, command, payload = std::move(payload)] {
        auto p = find_peer(id);
        if (!p || p->disconnected() || !p->successfully_connected) return false;
        p->send(command, payload);
        return true;
    });
}

std::optional<std::string> Connman::fetch_block(int64_t id, const BlockIndex* block) {
    std::optional<std::optional<std::string>> r =
        call_on_loop([this, id, block]() -> std::optional<std::optional<std::string>> {
            auto p = find_peer(id);
            if (!p || p->disconnected()) return std::optional<std::string>("Peer does not exist");
            if (!(p->services & NODE_WITNESS)) return std::optional<std::string>("Pre-SegWit peer");
            if (!p->successfully_connected) return std::optional<std::string>("Peer not fully connected");
            return events_->fetch_block(*p, block);
        });
    if (!r) return std::string("Peer does not exist");  // the network is stopping
    return *r;
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
