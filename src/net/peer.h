// One connection to another node as the protocol logic sees it: who it is, and
// everything the handshake, sync and relay logic remembers about it. The bytes go
// through its Transport (transport.h): a socket in production, a recording fake in
// tests, so a Peer can be made without a socket.
//
// Thread rules: a Peer is used only on the network event loop thread (no locks).
// Connman's reader coroutine receives one message at a time from the transport and
// hands it to the protocol logic before the next is read, so a slow message pauses that
// peer only.
//
// Limits: the send queue is "full" above kSendSoftLimit (request handlers wait until it
// drains before queueing more); the transport closes when its hard limit is exceeded.
// Known inventory, pending announcements, tx requests and addresses to send are capped.
#pragma once

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/clock.h"
#include "net/headers_sync.h"
#include "net/netaddress.h"
#include "net/protocol.h"
#include "net/transport.h"
#include "node/block_index.h"
#include "util/uint256.h"

namespace minicash::net {

namespace asio = boost::asio;

enum class ConnType {
    INBOUND,
    OUTBOUND_FULL_RELAY,  // chosen from the address manager
    MANUAL,               // -connect, -addnode, RPC addnode
    FEELER,               // tests an address-manager entry: leaves after the version
    BLOCK_RELAY,          // blocks only: no transactions, no addresses (relay=0 in our version)
    ADDR_FETCH,           // -seednode: ask for addresses, then leave
};
const char* conn_type_name(ConnType t);  // Core's getpeerinfo "connection_type" values

// A set with a size bound that forgets its oldest entries (Core uses a rolling bloom
// filter for the same purpose).
class RollingHashSet {
public:
    explicit RollingHashSet(size_t capacity) : capacity_(capacity) {}
    void insert(const uint256& h);
    bool contains(const uint256& h) const { return set_.count(h) > 0; }
    void clear();
    size_t size() const { return set_.size(); }

private:
    size_t capacity_;
    std::unordered_set<uint256, Uint256Hasher> set_;
    std::deque<uint256> order_;
};

class Peer : public std::enable_shared_from_this<Peer> {
public:
    static constexpr size_t kSendSoftLimit = 1 << 20;  // pause request handling above this
    static constexpr size_t kMaxKnownInventory = 50000;
    static constexpr size_t kMaxTxToAnnounce = 50000;
    static constexpr size_t kMaxTxInFlight = 100;  // MAX_PEER_TX_REQUEST_IN_FLIGHT
    static constexpr size_t kMaxAddrToSend = 1000;
    static constexpr size_t kMaxKnownAddresses = 5000;

    // `clock` stamps the connection time.
    Peer(int64_t id, Service addr, ConnType type, std::shared_ptr<Transport> transport, const Clock& clock);

    // ---- I/O (through the transport) ----
    // Queues a message (counted per command). The transport closes when its queue
    // exceeds its hard limit.
    void send(const std::string& command, ByteView payload);
    void send(const std::string& command, const Bytes& payload) { send(command, ByteView(payload)); }
    // Waits until the queued bytes drop below `limit` (or the peer is gone).
    asio::awaitable<void> wait_send_below(size_t limit) { return transport_->wait_send_below(limit); }
    size_t send_queue_bytes() const { return transport_->send_queue_bytes(); }
    // Closes the connection; Connman's reader ends and reports the peer closed. Idempotent.
    void disconnect(const std::string& reason) { transport_->close(reason); }
    bool disconnected() const { return transport_->closed(); }
    const std::string& disconnect_reason() const { return transport_->close_reason(); }
    Transport& transport() { return *transport_; }
    const Transport& transport() const { return *transport_; }

    // Core's Misbehaving (misbehavior.h decides which cases come here): disconnect it, and
    // discourage its address when it closes (discourage_on_close) unless it has the noban
    // permission or is a manual connection (then only logged, as Core) or a loopback or
    // inbound onion address (only disconnected).
    void misbehaving(const std::string& reason);

    // ---- identity ----
    const int64_t id;
    const Service addr;
    const ConnType type;
    bool inbound() const { return type == ConnType::INBOUND; }
    bool manual() const { return type == ConnType::MANUAL; }
    bool block_relay_only() const { return type == ConnType::BLOCK_RELAY; }
    // Transactions and addresses are exchanged on every connection but block-relay-only
    // ones (feelers leave before either matters).
    bool relays_txs_with_us() const { return type != ConnType::BLOCK_RELAY; }
    bool relays_addrs_with_us() const { return type != ConnType::BLOCK_RELAY; }
    // Core's ExpectServicesFromConn: automatic outbound connections must offer full
    // blocks with witnesses.
    bool expects_services() const {
        return type == ConnType::OUTBOUND_FULL_RELAY || type == ConnType::BLOCK_RELAY || type == ConnType::ADDR_FETCH;
    }
    uint32_t permissions = 0;  // NetPermissionFlags (net_permissions.h), set by Connman
    bool has_permission(uint32_t flag) const { return (permissions & flag) == flag; }
    bool inbound_onion = false;  // came in on a -bind=...=onion socket (a Tor onion service)
    bool prefer_evict = false;   // a discouraged address let in while inbound slots were free
    // The network it is connected through (Core's ConnectedThroughNetwork).
    NetType network() const { return inbound_onion ? NetType::ONION : addr.addr.network(); }
    std::string addr_name;       // as given (-addnode host:port) or addr.to_string()
    Service local_addr;          // our end of the socket
    int64_t connected_time = 0;  // unix seconds
    SteadyTime connected_steady;
    Bytes netgroup;  // addr.addr.group()

    // ---- handshake ----
    bool version_sent = false;
    bool version_received = false;
    bool verack_received = false;
    bool successfully_connected = false;  // version and verack exchanged
    int32_t version = 0;
    uint64_t services = 0;
    std::string user_agent;
    int32_t start_height = 0;
    bool relay_txs = false;  // fRelay from their version
    int64_t time_offset = 0;
    uint64_t local_nonce = 0;  // nonce of our version message (self-connection check)
    bool wtxid_relay = false;
    bool wants_addrv2 = false;
    bool prefer_headers = false;
    int64_t fee_filter = 0;  // sat/kvB: do not announce cheaper transactions
    int64_t fee_filter_sent = -1;
    SteadyTime next_fee_filter_send{};

    // ---- ping ----
    uint64_t ping_nonce = 0;  // outstanding ping, 0 when none
    SteadyTime ping_start{};
    SteadyTime next_ping{};
    double last_ping_seconds = -1;
    double min_ping_seconds = -1;

    // ---- traffic (totals and times: transport().stats()) ----
    std::map<std::string, uint64_t> bytes_sent_per_msg, bytes_recv_per_msg;

    // ---- misbehaviour ----
    bool discourage_on_close = false;

    // ---- block sync (managed by BlockSync) ----
    const BlockIndex* best_known = nullptr;  // best header we know the peer has
    uint256 last_unknown_block;              // announced, header not (yet) known to us
    const BlockIndex* best_header_sent = nullptr;
    bool sync_started = false;
    SteadyTime getheaders_sent{};  // outstanding getheaders, or epoch
    SteadyTime last_headers_received{};
    std::unique_ptr<HeadersSync> headers_sync;  // low-work chain being presynced
    std::deque<uint256> blocks_in_flight;       // requested from this peer, oldest first
    SteadyTime downloading_since{};
    std::optional<SteadyTime> stalling_since;
    int64_t last_block_time = 0;  // unix seconds of the last new block it gave us
    // Unix seconds of its last announcement of a header new to us with more work than our
    // tip (Core's m_last_block_announcement; outbound eviction prefers keeping recent ones).
    int64_t last_block_announcement = 0;
    SteadyTime last_tip_announce{};

    // ---- compact blocks (managed by CompactRelay) ----
    bool provides_cmpct = false;  // sent sendcmpct version 2: understands compact blocks
    bool hb_from = false;         // wants new blocks pushed as cmpctblock (getpeerinfo bip152_hb_from)
    bool hb_to = false;           // we asked it to push them to us (bip152_hb_to)

    // ---- transaction relay (managed by PeerManager) ----
    RollingHashSet known_inventory{kMaxKnownInventory};
    std::deque<std::pair<uint256, uint256>> tx_to_announce;  // (txid, wtxid)
    std::unordered_set<uint256, Uint256Hasher> tx_to_announce_set;
    SteadyTime next_inv_send{};
    // What we announced to it (Core's m_recently_announced_invs): getdata is answered
    // for these, or for transactions in the mempool for longer than 2 minutes.
    RollingHashSet recently_announced{kMaxRecentlyAnnounced};
    static constexpr size_t kMaxRecentlyAnnounced = 3500;                 // INVENTORY_MAX_RECENT_RELAY
    std::unordered_map<uint256, SteadyTime, Uint256Hasher> tx_in_flight;  // requested from it
    int64_t last_tx_time = 0;                                             // unix seconds of the last new tx it gave us
    std::deque<std::pair<uint256, bool>> tx_to_request;  // announced, not yet requested (hash, is_wtxid)
    static constexpr size_t kMaxTxToRequest = 5000;      // MAX_PEER_TX_ANNOUNCEMENTS (not for relay permission)
    bool send_mempool = false;                           // BIP35 "mempool" to answer at the next trickle
    int64_t last_mempool_request = 0;                    // unix seconds of the last one answered

    // ---- addresses ----
    double addr_tokens = 1.0;  // token bucket: 0.1 per second, at most 1,000 (+1,000 per getaddr we send)
    uint64_t addr_processed = 0, addr_rate_limited = 0;  // getpeerinfo
    SteadyTime addr_tokens_time;
    bool getaddr_sent = false;
    bool getaddr_answered = false;
    bool self_advertised = false;
    bool getaddr_served = false;
    Service addr_as_seen;  // how the peer sees us (its version's addr_recv)
    std::vector<AddrEntry> addr_to_send;
    RollingHashSet known_addresses{kMaxKnownAddresses};
    SteadyTime next_addr_send{};

private:
    std::shared_ptr<Transport> transport_;
};

}  // namespace minicash::net
