// The connection manager: owns the network event loop, the job runners, the listening
// sockets, every peer connection (with its v1 transport), the address manager and the
// ban list, and decides whom to connect to and whom to evict. It sees the protocol
// logic (sync and relay, peer_logic.h) only as NetEvents, and offers it the peers as a
// PeerNetwork.
//
// Connections (Core's types): 8 full-relay and 2 block-relay-only outbound peers from
// the address manager (outbound_policy.h), feelers, anchors (anchors.h: the
// block-relay-only peers of the last run, reconnected first), an extra full-relay peer
// while the tip may be stale and a rotating extra block-relay-only one
// (outbound_eviction.h decides when), manual ones (-connect, -addnode, addnode RPC),
// address fetches (-seednode), and inbound ones up to -maxconnections with Core's
// eviction (eviction.h). Permissions (-whitelist, -whitebind: net_permissions.h) are
// attached to each connection. Outbound connections go through the SOCKS5 proxy of the
// target's network when one is set (network_settings.h, socks5.h).
//
// Threads (see README.md):
//   "net"        the Boost.Asio event loop: sockets, timers, framing, all protocol and
//                sync state (no locks needed for any of it);
//   "net-query"  a worker for everything that takes the chain state or mempool locks
//                on behalf of peers (headers, getheaders/getdata answers, tx acceptance);
//   "net-valid"  a worker that validates blocks (Chainstate::process_block), fed by a
//                bounded queue.
// Public methods may be called from any thread (RPC): they run their work on the event
// loop and wait for it, so they must not be called from the event loop itself except
// through the *_on_loop variants used internally. The PeerNetwork methods follow
// peer_network.h's thread rules.
#pragma once

#include <boost/asio.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "consensus/params.h"
#include "net/addrman.h"
#include "net/banman.h"
#include "net/clock.h"
#include "net/net_events.h"
#include "net/net_permissions.h"
#include "net/network_settings.h"
#include "net/outbound_policy.h"
#include "net/peer.h"
#include "net/peer_network.h"
#include "net/protocol.h"
#include "net/worker.h"

namespace minicash::net {

struct ConnmanOptions {
    std::filesystem::path netdir;                         // peers.dat and banlist.json go here ("" = not persisted)
    bool listen = true;                                   // -listen
    uint16_t port = 0;                                    // -port (0: the network's default)
    std::vector<std::string> bind;                        // -bind (host[:port][=onion]); empty: all interfaces
    std::vector<std::string> connect;                     // -connect: only these peers (manual)
    bool connect_only = false;                            // -connect given (also -noconnect: no outbound at all)
    std::vector<std::string> addnode;                     // -addnode: kept connected (manual)
    std::vector<std::string> seednode;                    // -seednode: ask for addresses, then disconnect
    bool dnsseed = true;                                  // -dnsseed
    int max_connections = 125;                            // -maxconnections
    bool network_active = true;                           // -networkactive
    int max_outbound = 8;                                 // full-relay outbound target
    int max_outbound_block_relay = 2;                     // block-relay-only outbound target
    std::vector<WhitelistEntry> whitelist;                // -whitelist
    std::vector<WhitebindEntry> whitebind;                // -whitebind (listened on, like -bind)
    bool whitelist_relay = true;                          // -whitelistrelay
    bool whitelist_forcerelay = false;                    // -whitelistforcerelay
    NetworkSettings networks;                             // -onlynet, -proxy, -onion, -cjdnsreachable
    std::vector<Service> external_addresses;              // -externalip: advertised as ours
    bool discover = true;                                 // advertise the address peers see us at
    std::string user_agent = "/minicash:0.1.0/";          // (also given to the peer logic)
    bool blocks_only = false;                             // -blocksonly (peer logic, getnetworkinfo)
    bool allow_local_addresses = false;                   // regtest: loopback addresses enter the address manager
    int64_t max_tip_age = 24 * 60 * 60;                   // -maxtipage (for the peer logic)
    int64_t peer_timeout_seconds = 60;                    // -peertimeout: time to finish the handshake
    bool v2transport = true;                              // -v2transport (BIP324)
    uint64_t local_services = kLocalServices;             // what we offer (+ NODE_COMPACT_FILTERS, -peerblockfilters)
    std::function<void(const std::string&)> fatal_error;  // storage failure: shut the node down
};

// getpeerinfo, one entry per peer (Core's field names are chosen in rpc/net.cpp).
struct PeerInfo {
    int64_t id = 0;
    std::string addr, addr_bind, addr_local, network;
    uint64_t services = 0;
    bool relay_txs = false;
    int64_t last_send = 0, last_recv = 0, conn_time = 0, time_offset = 0;
    uint64_t bytes_sent = 0, bytes_recv = 0;
    double ping_time = -1, min_ping = -1, ping_wait = -1;
    int32_t version = 0;
    std::string subver;
    bool inbound = false;
    bool bip152_hb_to = false, bip152_hb_from = false;
    int starting_height = 0, synced_headers = -1, synced_blocks = -1;
    std::vector<int> inflight;
    bool addr_relay_enabled = false;
    uint64_t addr_processed = 0, addr_rate_limited = 0;
    std::string connection_type;
    int64_t min_fee_filter = 0;  // satoshis per kvB
    int64_t last_block = 0, last_transaction = 0;
    bool wtxid_relay = false, prefer_headers = false;
    std::vector<std::string> permissions;
    std::map<std::string, uint64_t> bytes_sent_per_msg, bytes_recv_per_msg;
    std::string transport_protocol_type = "v1";  // "v1", "v2" (Core's names)
    std::string session_id;                      // v2 only (hex)
    bool presyncing = false;
    int64_t presynced_headers = -1;
};

struct AddedNodeInfo {
    std::string name;
    bool connected = false;
    std::string address;  // when connected
    bool inbound = false;
};

struct NetTotals {
    uint64_t bytes_recv = 0, bytes_sent = 0;
    int64_t time_millis = 0;
};

struct ConnectionCounts {
    int inbound = 0, outbound = 0;
};

// getnetworkinfo "localaddresses".
struct LocalAddress {
    Service address;
    int score = 0;
};

class Connman : public PeerNetwork {
public:
    Connman(const ChainParams& params, ConnmanOptions options, const Clock& clock = system_clock());
    ~Connman() override;  // stop()s
    Connman(const Connman&) = delete;
    Connman& operator=(const Connman&) = delete;

    // For building the protocol logic (make_peer_logic) before start().
    asio::io_context& io() { return io_; }
    JobRunner& query_runner() { return query_; }
    JobRunner& validation_runner() { return validation_; }

    // Takes the protocol logic, loads peers.dat and banlist.json, binds the listening
    // sockets and starts the threads. False with `error` when a socket cannot be bound or
    // an option is invalid.
    [[nodiscard]] bool start(std::unique_ptr<NetEvents> events, std::string* error);
    // Closes every connection, stops the threads, saves peers.dat and banlist.json.
    void stop();
    bool running() const { return running_; }

    // ---- RPC (any thread except the event loop) ----
    std::vector<PeerInfo> peer_info();
    ConnectionCounts connection_counts();
    NetTotals totals() const;
    bool network_active() const { return network_active_; }
    void set_network_active(bool active);
    uint64_t local_services() const { return options_.local_services; }
    std::vector<Service> listen_addresses() const;
    std::vector<LocalAddress> local_addresses() const;
    const NetworkSettings& network_settings() const { return options_.networks; }
    const std::string& user_agent() const { return options_.user_agent; }
    bool blocks_only() const { return options_.blocks_only; }
    bool in_initial_block_download() const { return !events_ || events_->in_initial_block_download(); }
    // addnode: "add" (false if already added), "remove" (false if not added), "onetry".
    enum class AddNodeResult { OK, ALREADY_ADDED, NOT_ADDED, INVALID };
    // `v2`: try BIP324 first (addnode's v2transport argument; REQUIRES: -v2transport when true).
    [[nodiscard]] AddNodeResult add_node(const std::string& node, const std::string& command, bool v2 = true);
    bool v2transport() const { return options_.v2transport; }
    // addconnection (regtest): an outbound connection of `type` (full-relay,
    // block-relay-only, addr-fetch or feeler) to `address`, trying BIP324 first when `v2`
    // (REQUIRES: -v2transport when true); false when that type is at its limit.
    [[nodiscard]] bool add_connection(const std::string& address, ConnType type, bool v2);
    std::vector<AddedNodeInfo> added_node_info();
    // Disconnects by address ("1.2.3.4:8333") or id; false when no such peer.
    [[nodiscard]] bool disconnect_node(const std::string& address);
    [[nodiscard]] bool disconnect_node(int64_t id);
    BanMan& banman() { return *banman_; }
    // After setban add: drops current connections from the subnet; saves the list.
    void ban_changed(const SubNet* banned);
    AddrMan& addrman() override { return *addrman_; }
    void request_pings();  // RPC ping: every peer is pinged at the next tick
    // sendmsgtopeer: queues `payload` as message `command` to peer `id` (on the loop, as any
    // other message); false when there is no such peer or it is not fully connected
    // (handshake done, not disconnecting), as Core's ForNode.
    [[nodiscard]] bool send_message(int64_t id, const std::string& command, Bytes payload);
    // getblockfrompeer: asks peer `id` for `block` (REQUIRES: a header the chain state
    // holds, so the pointer stays valid); Core's FetchBlock messages when it cannot.
    [[nodiscard]] std::optional<std::string> fetch_block(int64_t id, const BlockIndex* block);

    // ---- PeerNetwork (for the protocol logic) ----
    const std::map<int64_t, std::shared_ptr<Peer>>& peers() const override { return peers_; }
    std::shared_ptr<Peer> find_peer(int64_t id) const override;
    void misbehaving(Peer& peer, Misbehavior what, const std::string& detail = {}) override {
        act_on_misbehavior(peer, what, detail);
    }
    uint64_t random_u64() override;
    void report_fatal(const std::string& what) override;
    bool stopping() const override { return stopping_; }
    uint16_t listen_port() const override { return listen_port_; }
    bool listening() const override { return !acceptors_.empty(); }
    bool automatic_outbound() const override { return network_active_ && !options_.connect_only; }
    bool try_new_outbound_peer() const override { return try_new_outbound_; }
    void set_try_new_outbound_peer(bool wanted) override;
    void start_extra_block_relay_peers() override;
    int extra_full_outbound_count() const override;
    int extra_block_relay_count() const override;
    std::optional<Service> local_address_for(const Peer& peer) override;

private:
    struct ManualTarget {
        std::string name;
        bool persistent = true;     // addnode/connect (retried) vs onetry
        bool from_connect = false;  // -connect: not an "added node" (getaddednodeinfo, addnode remove)
        SteadyTime next_attempt{};
        int failures = 0;
        bool v2 = true;  // try BIP324 first (addnode's v2transport; with -v2transport only)
    };

    struct Listener {
        std::shared_ptr<asio::ip::tcp::acceptor> acceptor;
        uint32_t permissions = 0;  // -whitebind
        bool onion = false;        // -bind=...=onion: inbound connections are Tor's
    };

    asio::awaitable<void> accept_loop(Listener listener);
    // Connects to `target` (directly, or through its network's proxy) or, when `target`
    // is empty, to the host name `name` through the name proxy. `v2`: may try BIP324
    // (with -v2transport; see use_v2_to).
    asio::awaitable<void> connect_to(std::optional<Service> target, std::string name, ConnType type, bool v2 = true);
    // Connects `socket` to the proxy and negotiates SOCKS5 to destination:port. Empty on
    // success, else why not.
    asio::awaitable<std::string> connect_through_proxy(std::shared_ptr<asio::ip::tcp::socket> socket, Proxy proxy,
                                                       std::string destination, uint16_t port);
    asio::awaitable<void> reader(std::shared_ptr<Peer> peer);
    // A peer over a v1 transport, or a v2 one (BIP324, v2_transport.h), on a connected socket.
    std::shared_ptr<Peer> make_peer(asio::ip::tcp::socket socket, const Service& addr, ConnType type, bool v2 = false);
    // Inbound with -v2transport: v1 when the first 16 bytes are a v1 version message.
    // `permissions` (-whitebind, -whitelist) and `onion` (the listener's) go to the peer.
    asio::awaitable<void> detect_transport(std::shared_ptr<asio::ip::tcp::socket> socket, Service from,
                                           uint32_t permissions, bool onion);
    // Starts an accepted inbound peer with its permissions and whether it came through Tor.
    void start_inbound(const std::shared_ptr<Peer>& peer, uint32_t permissions, bool onion);
    bool use_v2_to(const Service& target, ConnType type, bool v2) const;
    asio::awaitable<void> maintenance_loop();
    asio::awaitable<void> dns_seed_loop();
    void open_connections();
    void open_automatic_connection();
    // An address from the address manager (or an anchor) for `choice`, or nullopt.
    std::optional<AddrInfo> select_outbound_address(OutboundChoice choice);
    uint64_t keyed_netgroup(const NetAddr& a) const;
    bool is_local_address(const NetAddr& a) const;
    bool is_added_node(const Service& s) const;
    void load_anchors();
    void dump_anchors();
    void start_peer(const std::shared_ptr<Peer>& peer);
    void peer_closed(const std::shared_ptr<Peer>& peer);
    bool accept_inbound(const Service& from, uint32_t permissions);
    std::optional<int64_t> select_node_to_evict();
    void check_timeouts();
    void dump_addresses();
    bool is_connected_or_pending(const Service& s) const;
    std::optional<Service> resolve_numeric(const std::string& name) const;
    void stop_on_loop();

    // Runs `f` on the event loop and waits for its result.
    template <class F>
    auto call_on_loop(F f) -> decltype(f());

    const ChainParams params_;
    ConnmanOptions options_;
    const Clock& clock_;

    // Declared first: destroyed last (after everything that references its executor).
    asio::io_context io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::thread io_thread_;
    Worker query_{"net-query"};
    Worker validation_{"net-valid"};

    std::unique_ptr<AddrMan> addrman_;
    std::unique_ptr<BanMan> banman_;
    std::unique_ptr<NetEvents> events_;  // references the runners and io_: destroyed before them

    std::vector<Listener> acceptors_;
    std::vector<Service> listen_addrs_;
    uint16_t listen_port_ = 0;
    std::map<int64_t, std::shared_ptr<Peer>> peers_;
    std::set<Service> pending_;                  // outbound connection attempts in progress
    std::map<Service, ConnType> pending_types_;  // their connection types
    std::set<Service> v1_only_;                  // closed our v2 handshake: retried and then reached over v1
    std::set<std::shared_ptr<asio::ip::tcp::socket>> pending_sockets_;
    size_t detecting_ = 0;              // inbound sockets whose transport (v1 or v2) is not known yet
    std::vector<ManualTarget> manual_;  // -connect/-addnode/addnode RPC/onetry
    std::vector<std::string> seednodes_;
    int64_t next_peer_id_ = 0;
    std::shared_ptr<asio::steady_timer> maintenance_timer_;
    std::shared_ptr<asio::ip::tcp::resolver> resolver_;
    SteadyTime last_addr_dump_{};
    SteadyTime next_outbound_attempt_{};
    SteadyTime start_time_{};
    std::vector<AddrEntry> anchors_;  // from anchors.dat, tried before anything else
    std::atomic<bool> try_new_outbound_{false};
    std::atomic<bool> extra_block_relay_enabled_{false};
    SteadyTime next_feeler_{};
    SteadyTime next_extra_block_relay_{};
    uint64_t netgroup_key_[2] = {0, 0};
    std::string proxy_credentials_prefix_;  // random per run (Tor stream isolation)
    uint64_t proxy_credentials_counter_ = 0;

    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> network_active_{true};
    std::atomic<uint64_t> total_sent_{0};
    std::atomic<uint64_t> total_recv_{0};
    std::mutex rng_mutex_;
    std::mt19937_64 rng_;
};

}  // namespace minicash::net

namespace minicash {

// The name NodeContext (node/context.h) holds the connection manager by.
class Connman final : public net::Connman {
public:
    using net::Connman::Connman;
};

}  // namespace minicash
