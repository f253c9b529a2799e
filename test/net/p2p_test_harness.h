// A node's sync and relay logic (net::make_peer_logic) with fake peers, a fake clock
// and jobs that run only when the harness drains them: no sockets, no threads, no
// processes. The chain state is a real regtest Chainstate in a temporary directory
// (test/node's TestChain) behind the production ChainAccess adapter; the mempool is
// a FakeTxPool; peers are Peers over RecordingTransports, so a scenario delivers
// messages and asserts what was sent to whom.
//
// Everything runs on the test's thread: deliver()/tick() run the io_context and the job
// queues until nothing is left to do (settle()), then close the peers the logic
// disconnected the way Connman does (discouraging those marked for it).
#pragma once

#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "net/addrman.h"
#include "net/banman.h"
#include "net/block_filter_serving.h"
#include "net/chain_access.h"
#include "net/clock.h"
#include "net/job_runner.h"
#include "net/net_events.h"
#include "net/peer.h"
#include "net/peer_logic.h"
#include "net/peer_network.h"
#include "net/protocol.h"
#include "net/transport.h"
#include "net/txpool.h"
#include "test/node/mempool_test_util.h"

namespace minicash::net::test {

using namespace std::chrono_literals;

struct Sent {
    std::string command;
    Bytes payload;
};

// A transport without a socket that records every message the logic sends.
class RecordingTransport final : public Transport {
public:
    std::vector<Sent> sent;
    size_t queued_bytes = 0;  // what send_queue_bytes() reports

    void start() override {}
    size_t send(const std::string& command, ByteView payload) override;
    size_t send_queue_bytes() const override { return queued_bytes; }
    asio::awaitable<void> wait_send_below(size_t) override { co_return; }
    asio::awaitable<Received> receive() override;
    void close(const std::string& reason) override;
    bool closed() const override { return closed_; }
    const std::string& close_reason() const override { return reason_; }
    TransportStats stats() const override { return {}; }

private:
    bool closed_ = false;
    std::string reason_;
};

// Jobs wait in a queue until run_pending() (deterministic: one thread, FIFO).
class QueuedJobRunner final : public JobRunner {
public:
    bool post(Job job) override;
    size_t run_pending();  // runs the jobs queued now; how many ran
    size_t pending() const { return jobs_.size(); }
    bool held = false;  // while set, run_pending() runs nothing

private:
    std::deque<Job> jobs_;
};

// A mempool that accepts everything unless told otherwise. Transactions refused with
// missing inputs are kept as orphans (as node::Mempool does) until accepted.
class FakeTxPool final : public TxPool {
public:
    AcceptResult accept(const Transaction& tx) override;
    // Accepts the whole package unless `decide_package` says otherwise.
    PackageResult accept_package(const std::vector<Transaction>& txs) override;
    std::vector<std::shared_ptr<const Transaction>> orphan_children(const uint256& parent_txid) const override;
    std::shared_ptr<const Transaction> orphan(const uint256& hash, bool is_wtxid) const override;
    std::shared_ptr<const Transaction> get(const uint256& txid) const override;
    std::shared_ptr<const Transaction> get_by_wtxid(const uint256& wtxid) const override;
    bool contains(const uint256& txid) const override { return get(txid) != nullptr; }
    bool contains_wtxid(const uint256& wtxid) const override { return get_by_wtxid(wtxid) != nullptr; }
    std::optional<MempoolEntryInfo> entry(const uint256& txid) const override;
    std::vector<MempoolEntryInfo> entries() const override;
    FeeRate min_fee() const override { return min_fee_rate; }
    std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> transactions() const override;
    std::optional<int64_t> entry_time(const uint256& txid) const override;
    std::vector<std::shared_ptr<const Transaction>> conflicts(const Transaction& tx) const override;
    void remove(const uint256& txid);  // as if mined or evicted (no notification)
    void on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback) override {
        callbacks_.push_back(std::move(callback));
    }

    // Adds a transaction as if accepted from anywhere (RPC, a peer): listeners are told.
    void add(const Transaction& tx, int64_t fee_rate_per_kvb = 1000);
    // When set, decides accept()'s outcome (the transaction enters only if accepted).
    std::function<AcceptResult(const Transaction&)> decide;
    std::function<PackageResult(const std::vector<Transaction>&)> decide_package;
    std::vector<uint256> offered;                // txids handed to accept(), in order
    std::vector<std::vector<uint256>> packages;  // txids of each package handed to accept_package()
    FeeRate min_fee_rate{1000};
    const Clock* clock = nullptr;  // stamps entry times (0 without)

private:
    std::map<uint256, int64_t> entry_time_;
    std::map<uint256, std::shared_ptr<const Transaction>> by_txid_, by_wtxid_;
    std::map<uint256, int64_t> fee_rate_;  // by txid, sat/kvB
    std::vector<std::shared_ptr<const Transaction>> orphans_;
    std::vector<std::function<void(const MempoolEntryInfo&)>> callbacks_;
};

// Block filters by block hash (BIP157 serving), filled by the test.
class FakeFilterSource final : public BlockFilterSource {
public:
    std::map<uint256, Entry> entries;
    std::optional<Entry> lookup(const uint256& block_hash) const override {
        auto it = entries.find(block_hash);
        if (it == entries.end()) return std::nullopt;
        return it->second;
    }
};

struct PeerOptions {
    ConnType type = ConnType::OUTBOUND_FULL_RELAY;
    uint32_t permissions = 0;  // NetPermissionFlags, as Connman would attach them
    std::string addr;          // "" : a distinct routable IPv4 address (its own /16)
    uint64_t services = NODE_NETWORK | NODE_WITNESS;
    int32_t version = kProtocolVersion;
    int32_t start_height = 0;
    bool relay = true;       // fRelay in its version
    bool wtxidrelay = true;  // sends wtxidrelay before verack
    bool sendaddrv2 = false;
    bool sendheaders = false;  // sends sendheaders after verack

    PeerOptions& with_type(ConnType t) {
        type = t;
        return *this;
    }
    PeerOptions& with_permissions(uint32_t p) {
        permissions = p;
        return *this;
    }
    PeerOptions& with_addr(std::string a) {
        addr = std::move(a);
        return *this;
    }
    PeerOptions& with_services(uint64_t s) {
        services = s;
        return *this;
    }
    PeerOptions& with_version(int32_t v) {
        version = v;
        return *this;
    }
    PeerOptions& with_start_height(int32_t h) {
        start_height = h;
        return *this;
    }
    PeerOptions& with_relay(bool r) {
        relay = r;
        return *this;
    }
    PeerOptions& with_wtxidrelay(bool w) {
        wtxidrelay = w;
        return *this;
    }
    PeerOptions& with_sendaddrv2(bool a) {
        sendaddrv2 = a;
        return *this;
    }
    PeerOptions& with_sendheaders(bool h) {
        sendheaders = h;
        return *this;
    }
};
inline PeerOptions inbound() { return PeerOptions().with_type(ConnType::INBOUND); }

class P2PHarness final : public PeerNetwork {
public:
    // `with_mempool`: give the logic the FakeTxPool (else no transaction relay).
    explicit P2PHarness(const std::string& tag, bool with_mempool = true);
    ~P2PHarness() override;

    // Builds the logic from `options` and starts it; it reads the chain state here: mine
    // our own blocks (chain.mine...) and set options first.
    void start();

    FakeClock clock;
    minicash::test::TestChain chain;  // our node's chain state
    FakeTxPool txpool;
    FakeFilterSource filters;  // served only with options.local_services & NODE_COMPACT_FILTERS
    AddrMan addresses;         // the address manager the logic uses
    BanMan banman;
    PeerLogicOptions options;
    asio::io_context io;
    QueuedJobRunner query, validation;
    std::unique_ptr<ChainAccess> chain_access;
    std::unique_ptr<NetEvents> logic;
    // Every misbehaving() report (misbehavior.h), and the discouraging ones among them as
    // (peer id, reason text).
    struct Report {
        int64_t peer;
        Misbehavior what;
        std::string detail;
    };
    std::vector<Report> reports;
    std::vector<std::pair<int64_t, std::string>> misbehaved;
    std::vector<std::string> fatal_errors;
    bool is_listening = false;

    // ---- peers ----
    std::shared_ptr<Peer> connect(const PeerOptions& o = {});  // outbound: our version goes out
    // Their side of the handshake: version, [wtxidrelay], [sendaddrv2], verack, [sendheaders].
    void handshake(const std::shared_ptr<Peer>& peer, const PeerOptions& o = {});
    // connect + handshake, then forgets what was sent so far.
    std::shared_ptr<Peer> connect_ready(const PeerOptions& o = {});
    // The peer sends a message; runs everything that follows.
    void deliver(const std::shared_ptr<Peer>& peer, const std::string& command, const Bytes& payload = {});
    bool is_closed(const std::shared_ptr<Peer>& peer) const { return !peers_.count(peer->id); }

    // ---- time ----
    void settle();                           // until nothing is left to run
    void tick(int n = 1);                    // n x (500 ms later, on_tick, settle)
    void pass(std::chrono::milliseconds d);  // ticks covering d

    // ---- what the logic sent ----
    static RecordingTransport& transport(const Peer& peer);
    std::vector<Sent> take(const std::shared_ptr<Peer>& peer);  // and forget it
    std::vector<std::string> commands(const std::shared_ptr<Peer>& peer) const;
    size_t count(const std::shared_ptr<Peer>& peer, const std::string& command) const;
    // Every payload of `command` sent to the peer, oldest first.
    std::vector<Bytes> payloads(const std::shared_ptr<Peer>& peer, const std::string& command) const;
    // Inventory entries in every inv/getdata/notfound (by `command`) sent to the peer.
    std::vector<Inv> invs(const std::shared_ptr<Peer>& peer, const std::string& command) const;

    // ---- PeerNetwork ----
    const std::map<int64_t, std::shared_ptr<Peer>>& peers() const override { return peers_; }
    std::shared_ptr<Peer> find_peer(int64_t id) const override;
    void misbehaving(Peer& peer, Misbehavior what, const std::string& detail = {}) override;
    AddrMan& addrman() override { return addresses; }
    uint64_t random_u64() override { return rng_(); }
    void report_fatal(const std::string& what) override { fatal_errors.push_back(what); }
    bool stopping() const override { return false; }
    bool listening() const override { return is_listening; }
    uint16_t listen_port() const override { return 18444; }
    // As Connman with discovery on and no -externalip: how the peer sees us.
    std::optional<Service> local_address_for(const Peer& peer) override;
    bool automatic_outbound() const override { return true; }
    bool try_new_outbound_peer() const override { return try_new_outbound; }
    void set_try_new_outbound_peer(bool wanted) override { try_new_outbound = wanted; }
    void start_extra_block_relay_peers() override { extra_block_relay_started = true; }
    int extra_full_outbound_count() const override;
    int extra_block_relay_count() const override;

    // ---- outbound controls, as the logic set them ----
    bool try_new_outbound = false;
    bool extra_block_relay_started = false;
    int max_full_relay = 8, max_block_relay = 2;  // the targets the extra counts use

private:
    asio::awaitable<void> reader(std::shared_ptr<Peer> peer);
    size_t close_disconnected();

    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    std::map<int64_t, std::shared_ptr<Peer>> peers_;
    std::map<int64_t, std::deque<Message>> inbox_;
    std::map<int64_t, bool> reading_;
    int64_t next_id_ = 0;
    std::mt19937_64 rng_{42};
    bool with_mempool_ = true;
};

// ---- chain and message helpers ----

// `count` headers (no block data) following `parent`, valid for regtest's proof of work;
// `salt` makes sibling chains differ.
std::vector<BlockHeader> make_headers(const BlockHeader& parent, int count, uint32_t time, uint32_t salt = 0);
// A (not necessarily valid) transaction with a witness, distinct per `n`.
Transaction make_tx(int n);
// The headers of `chain`'s active chain from height `from` to `to` (inclusive).
std::vector<BlockHeader> headers_of(Chainstate& chain, int from, int to);
Bytes block_bytes(Chainstate& chain, int height);
uint256 hash_at(Chainstate& chain, int height);
Bytes inv_payload(uint32_t type, const std::vector<uint256>& hashes);

}  // namespace minicash::net::test
