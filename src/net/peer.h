// One connection to another node: its socket, its bounded send queue and everything
// the protocol logic remembers about it.
//
// A Peer is used only on the network event loop thread (no locks). Two coroutines
// serve it: the reader (Connman::reader: framing, then PeerManager handles each
// message before the next is read, so a slow message pauses that peer only) and the
// writer (writer(): drains the send queue).
//
// Limits: the send queue is "full" above kSendSoftLimit (request handlers wait until it
// drains before queueing more); anything queued beyond kSendHardLimit means the peer is
// not reading and it is disconnected. Known inventory, pending announcements, tx
// requests and addresses to send are all capped.
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

#include "net/headers_sync.h"
#include "net/netaddress.h"
#include "net/protocol.h"
#include "node/block_index.h"
#include "util/uint256.h"

namespace minicash::net {

namespace asio = boost::asio;
using SteadyTime = std::chrono::steady_clock::time_point;

enum class ConnType {
    INBOUND,
    OUTBOUND_FULL_RELAY,  // chosen from the address manager
    MANUAL,               // -connect, -addnode, RPC addnode
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
    static constexpr size_t kSendSoftLimit = 1 << 20;        // pause request handling above this
    static constexpr size_t kSendHardLimit = 32u << 20;      // disconnect above this
    static constexpr size_t kMaxKnownInventory = 50000;
    static constexpr size_t kMaxTxToAnnounce = 50000;
    static constexpr size_t kMaxTxInFlight = 100;            // MAX_PEER_TX_REQUEST_IN_FLIGHT
    static constexpr size_t kMaxAddrToSend = 1000;
    static constexpr size_t kMaxKnownAddresses = 5000;

    Peer(int64_t id, asio::ip::tcp::socket socket, Service addr, ConnType type, const Magic& magic);
    ~Peer();

    // ---- I/O (event loop only) ----
    // Frames and queues a message. Disconnects the peer when the queue exceeds the hard limit.
    void send(const std::string& command, ByteView payload);
    void send(const std::string& command, const Bytes& payload) { send(command, ByteView(payload)); }
    // Waits until the queued bytes drop below `limit` (or the peer is gone).
    asio::awaitable<void> wait_send_below(size_t limit);
    size_t send_queue_bytes() const { return send_bytes_; }
    // Closes the socket; the reader and writer end. Idempotent.
    void disconnect(const std::string& reason);
    bool disconnected() const { return disconnected_; }
    const std::string& disconnect_reason() const { return disconnect_reason_; }
    asio::awaitable<void> writer();
    asio::ip::tcp::socket& socket() { return socket_; }

    // ---- identity ----
    const int64_t id;
    const Service addr;
    const ConnType type;
    bool inbound() const { return type == ConnType::INBOUND; }
    bool manual() const { return type == ConnType::MANUAL; }
    std::string addr_name;        // as given (-addnode host:port) or addr.to_string()
    Service local_addr;           // our end of the socket
    int64_t connected_time = 0;   // unix seconds
    SteadyTime connected_steady;
    Bytes netgroup;               // addr.addr.group()

    // ---- handshake ----
    bool version_sent = false;
    bool version_received = false;
    bool verack_received = false;
    bool successfully_connected = false;  // version and verack exchanged
    int32_t version = 0;
    uint64_t services = 0;
    std::string user_agent;
    int32_t start_height = 0;
    bool relay_txs = false;     // fRelay from their version
    int64_t time_offset = 0;
    uint64_t local_nonce = 0;   // nonce of our version message (self-connection check)
    bool wtxid_relay = false;
    bool wants_addrv2 = false;
    bool prefer_headers = false;
    int64_t fee_filter = 0;     // sat/kvB: do not announce cheaper transactions
    int64_t fee_filter_sent = -1;
    SteadyTime next_fee_filter_send{};

    // ---- ping ----
    uint64_t ping_nonce = 0;    // outstanding ping, 0 when none
    SteadyTime ping_start{};
    SteadyTime next_ping{};
    double last_ping_seconds = -1;
    double min_ping_seconds = -1;

    // ---- traffic ----
    int64_t last_send = 0, last_recv = 0;  // unix seconds
    SteadyTime last_recv_steady;
    uint64_t bytes_sent = 0, bytes_recv = 0;
    std::map<std::string, uint64_t> bytes_sent_per_msg, bytes_recv_per_msg;

    // ---- misbehaviour ----
    bool discourage_on_close = false;

    // ---- block sync (managed by BlockSync) ----
    const BlockIndex* best_known = nullptr;   // best header we know the peer has
    uint256 last_unknown_block;               // announced, header not (yet) known to us
    const BlockIndex* best_header_sent = nullptr;
    bool sync_started = false;
    SteadyTime getheaders_sent{};              // outstanding getheaders, or epoch
    SteadyTime last_headers_received{};
    int unconnecting_headers = 0;
    std::unique_ptr<HeadersSync> headers_sync;  // low-work chain being presynced
    std::deque<uint256> blocks_in_flight;      // requested from this peer, oldest first
    SteadyTime downloading_since{};
    std::optional<SteadyTime> stalling_since;
    int64_t last_block_time = 0;               // unix seconds of the last new block it gave us
    SteadyTime last_tip_announce{};

    // ---- transaction relay (managed by PeerManager) ----
    RollingHashSet known_inventory{kMaxKnownInventory};
    std::deque<std::pair<uint256, uint256>> tx_to_announce;  // (txid, wtxid)
    std::unordered_set<uint256, Uint256Hasher> tx_to_announce_set;
    SteadyTime next_inv_send{};
    std::unordered_map<uint256, SteadyTime, Uint256Hasher> tx_in_flight;  // requested from it
    int64_t last_tx_time = 0;                  // unix seconds of the last new tx it gave us
    std::deque<std::pair<uint256, bool>> tx_to_request;  // announced, not yet requested (hash, is_wtxid)
    static constexpr size_t kMaxTxToRequest = 5000;      // MAX_PEER_TX_ANNOUNCEMENTS

    // ---- addresses ----
    double addr_tokens = 1.0;
    SteadyTime addr_tokens_time;
    bool getaddr_sent = false;
    bool getaddr_answered = false;
    bool self_advertised = false;
    bool getaddr_served = false;
    Service addr_as_seen;        // how the peer sees us (its version's addr_recv)
    std::vector<AddrEntry> addr_to_send;
    RollingHashSet known_addresses{kMaxKnownAddresses};
    SteadyTime next_addr_send{};

    std::atomic<uint64_t>* sent_counter = nullptr;  // Connman's total (getnettotals)

private:
    asio::ip::tcp::socket socket_;
    Magic magic_;
    std::deque<Bytes> send_queue_;
    size_t send_bytes_ = 0;
    bool disconnected_ = false;
    std::string disconnect_reason_;
    asio::steady_timer send_signal_;   // wakes the writer
    asio::steady_timer drain_signal_;  // wakes wait_send_below()
};

}  // namespace minicash::net
