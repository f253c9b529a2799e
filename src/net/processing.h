// Message handling: the version handshake, pings, addresses, inventory, transaction
// relay and answering data requests. Block and header logic is delegated to BlockSync
// (sync.h). Modelled on Bitcoin Core's net_processing.cpp; see README.md for what is
// simplified.
//
// Rules enforced here, each reported as a Misbehavior (misbehavior.h decides, as Core:
// dropped, disconnected or discouraged; every case is logged under -debug=net):
//   - anything but "version" before the peer's version, a second version or verack,
//     messages other than wtxidrelay / sendaddrv2 before verack: dropped;
//   - wtxidrelay / sendaddrv2 after verack: disconnected;
//   - a payload that does not decode: dropped; inv / getdata / addr above their maximum
//     count: discouraged; a locator above 101 hashes: disconnected;
//   - transactions on a block-relay-only connection: disconnected.
// Unknown commands are ignored (and logged).
//
// Dependencies (peer_logic.h): peers through PeerNetwork, the mempool through TxPool
// (its calls run as jobs on the query runner), time through Clock.
//
// Thread rules: event loop thread only.
#pragma once

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/block_filter_serving.h"
#include "net/peer.h"
#include "net/peer_logic.h"
#include "net/protocol.h"

namespace minicash::net {

class BlockSync;
class CompactRelay;

class PeerManager {
public:
    static constexpr size_t kMaxTxRequestsTracked = 50000;
    static constexpr auto kTxRequestTimeout = std::chrono::seconds(60);
    static constexpr size_t kMaxInvPerMessage = 1000;  // our own announcements

    PeerManager(const PeerLogicDeps& deps, BlockSync& sync, CompactRelay& compact);

    // Our version message (outbound: right after connecting; inbound: after theirs).
    void send_version(Peer& peer);
    asio::awaitable<void> process_message(std::shared_ptr<Peer> peer, Message msg);
    void on_peer_closed(Peer& peer);
    void tick();  // every second: pings, announcements, addresses, fee filters

    // A transaction entered the mempool (from anywhere): announce it.
    void on_transaction_added(const uint256& txid, const uint256& wtxid, int64_t fee_rate_per_kvb);
    void on_tip_changed();  // forget recent rejections (they may be valid now)
    void set_min_fee(int64_t sat_per_kvb) { min_fee_ = sat_per_kvb; }
    bool is_our_nonce(uint64_t nonce) const;

private:
    // Core's RejectIncomingTxs: block-relay-only connections, and every peer without relay
    // permission under -blocksonly.
    bool rejects_incoming_txs(const Peer& peer) const;
    void handle_version(Peer& peer, ByteView payload);
    void handle_verack(const std::shared_ptr<Peer>& peer);
    void handle_addr(Peer& peer, ByteView payload, bool v2);
    void handle_getaddr(Peer& peer);
    void handle_mempool(Peer& peer);
    asio::awaitable<void> send_mempool_inv(std::shared_ptr<Peer> peer);
    asio::awaitable<void> handle_inv(std::shared_ptr<Peer> peer, ByteView payload);
    asio::awaitable<void> handle_getdata(std::shared_ptr<Peer> peer, std::vector<Inv> items);
    asio::awaitable<void> handle_tx(std::shared_ptr<Peer> peer, Bytes payload);
    void handle_notfound(Peer& peer, ByteView payload);
    void request_txs(Peer& peer);
    void send_ping(Peer& peer);
    void flush_tx_announcements(Peer& peer, bool force);
    void flush_addresses(Peer& peer);
    void relay_address(const AddrEntry& entry, int64_t from_peer);
    void push_address(Peer& peer, const AddrEntry& entry);
    void malformed(Peer& peer, const std::string& command, const std::string& error);

    PeerLogicDeps deps_;
    BlockSync& sync_;
    CompactRelay& compact_;
    FilterServer filters_;
    std::unordered_map<uint256, std::pair<int64_t, SteadyTime>, Uint256Hasher> tx_requested_;  // hash -> peer, when
    RollingHashSet recently_rejected_{50000};
    // Transactions that reached the mempool (from peers or not): never requested again
    // from another announcer.
    RollingHashSet recently_received_{50000};
    std::unordered_map<int64_t, uint64_t> our_nonces_;  // peer id -> version nonce (outbound)
    // New mempool transactions no peer has asked for yet: offered again to peers that
    // have not seen them (e.g. whose feefilter was still high), for up to 10 minutes.
    struct Unbroadcast {
        uint256 txid, wtxid;
        int64_t fee_rate = 0;
        SteadyTime added;
    };
    std::unordered_map<uint256, Unbroadcast, Uint256Hasher> unbroadcast_;    // by wtxid
    std::unordered_map<uint256, uint256, Uint256Hasher> unbroadcast_wtxid_;  // txid -> wtxid
    void forget_unbroadcast(const uint256& hash, bool is_wtxid);
    static constexpr size_t kMaxUnbroadcast = 5000;
    SteadyTime next_rebroadcast_{};
    void queue_announcement(const uint256& txid, const uint256& wtxid, int64_t fee_rate);
    int64_t min_fee_ = 0;

    // ---- 1p1c package relay (Core's TxDownloadManager) ----
    // Orphans (held by the mempool) by wtxid, with their missing parents and every peer that
    // sent or announced them: the parents are requested from each of those peers.
    struct OrphanInfo {
        uint256 txid;
        std::vector<uint256> parents;
        std::set<int64_t> announcers;
    };
    std::unordered_map<uint256, OrphanInfo, Uint256Hasher> orphans_;
    std::deque<uint256> orphan_order_;  // oldest first, for the bound
    static constexpr size_t kMaxOrphansTracked = 5000;
    void track_orphan(const uint256& wtxid, const uint256& txid, std::vector<uint256> parents, int64_t peer);
    void request_orphan_parents(const OrphanInfo& orphan);
    // Transactions refused for their feerate alone (Core's reconsiderable rejects): not
    // requested again when announced, but fetched again as an orphan's missing parent.
    RollingHashSet recently_rejected_reconsiderable_{50000};
    RollingHashSet rejected_packages_{50000};  // parent+child packages already refused
    // A parent refused for its feerate: with an orphan child from the same peer, the two
    // are evaluated together (Core's Find1P1CPackage and package validation).
    asio::awaitable<void> try_one_parent_one_child(std::shared_ptr<Peer> peer,
                                                   std::shared_ptr<const Transaction> parent);
    struct AddrCache {
        std::vector<AddrEntry> entries;
        SteadyTime expires{};
    };
    std::map<Bytes, AddrCache> addr_caches_;  // by local address and network
};

}  // namespace minicash::net
