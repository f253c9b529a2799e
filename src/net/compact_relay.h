// BIP152 compact block relay (version 2), as Bitcoin Core does it:
//
// Negotiation: after verack we send sendcmpct(0, 2) to every peer; a peer's
//   sendcmpct(hb, 2) marks it as understanding compact blocks and, with hb, as wanting
//   new blocks pushed as cmpctblock (high-bandwidth "from" it). Other versions are ignored.
// High-bandwidth peers: a peer that gave us a new valid block outside initial download
//   becomes one of at most 3 peers we ask, with sendcmpct(1, 2), to push blocks to us; the
//   longest-standing one is told sendcmpct(0, 2) to make room, except that an inbound
//   peer never displaces our only outbound high-bandwidth peer.
// Sending: a block that passed its context-free checks and builds on our tip is pushed
//   as cmpctblock to high-bandwidth peers before it is fully validated (Core's
//   NewPoWValidBlock); tips we mine ourselves are pushed after connecting. getdata
//   MSG_CMPCT_BLOCK is answered with a cmpctblock for blocks at most 5 deep, else with the
//   block. getblocktxn is answered for blocks at most 10 deep (deeper: the whole block);
//   unknown blocks are ignored; an index out of range is misbehaviour.
// Receiving: the header goes through the chain state first. A block at most 2 above our
//   tip with more work is rebuilt from the mempool and the extra pool (the last 100
//   transactions we rejected, orphaned or saw replaced); missing transactions are asked
//   for with getblocktxn; a short-id collision or a merkle mismatch falls back to getdata
//   for the full block. A compact block that does not decode is dropped; an invalid one
//   (no transactions, too many, a prefilled index out of range), or a blocktxn with the
//   wrong number of transactions, is misbehaviour. Blocks that came as compact blocks are
//   not punished for failing validation (their sender may relay before validating, as
//   BIP152 allows), only for an invalid header (misbehavior.h).
//
// Counts reconstructions that needed no round trip (logged under -debug=net; Core has no
// RPC field for it).
//
// Thread rules: event loop thread only (mempool and chain reads run as query jobs).
#pragma once

#include <boost/asio.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/compact_block.h"
#include "net/peer.h"
#include "net/peer_logic.h"

namespace minicash::net {

class BlockSync;

class CompactRelay {
public:
    static constexpr size_t kMaxHighBandwidthPeers = 3;
    static constexpr int kMaxCmpctBlockDepth = 5;  // MAX_CMPCTBLOCK_DEPTH
    static constexpr int kMaxBlockTxnDepth = 10;   // MAX_BLOCKTXN_DEPTH
    static constexpr size_t kMaxExtraTxs = 100;    // DEFAULT_BLOCK_RECONSTRUCTION_EXTRA_TXN
    static constexpr size_t kMaxExtraTxSize = 100000;

    CompactRelay(const PeerLogicDeps& deps, BlockSync& sync);

    void on_verack(Peer& peer);                               // our sendcmpct(0, 2)
    static constexpr int32_t kShortIdsBlocksVersion = 70014;  // SHORT_IDS_BLOCKS_VERSION
    void handle_sendcmpct(Peer& peer, const SendCmpctMsg& m);
    void on_peer_closed(Peer& peer);

    asio::awaitable<void> handle_cmpctblock(std::shared_ptr<Peer> peer, ByteView payload);
    asio::awaitable<void> handle_getblocktxn(std::shared_ptr<Peer> peer, ByteView payload);
    asio::awaitable<void> handle_blocktxn(std::shared_ptr<Peer> peer, ByteView payload);
    // getdata MSG_CMPCT_BLOCK.
    asio::awaitable<void> serve(std::shared_ptr<Peer> peer, uint256 hash);

    // A transaction we rejected, orphaned or saw replaced: kept for reconstruction.
    void add_extra(std::shared_ptr<const Transaction> tx);

    // From BlockSync: `source` gave us a new valid block (Core's
    // MaybeSetPeerAsAnnouncingHeaderAndIDs).
    void promote(Peer& source);
    // From the validation runner's result: `block` (index `b`) passed its context-free
    // checks and builds on our tip: push it to high-bandwidth peers now.
    void on_new_pow_valid_block(std::shared_ptr<const Block> block, const BlockIndex* b, int64_t source);
    // New tip announcements to the high-bandwidth peers in `peers` (those that have the
    // tip's parent); true for each peer handled.
    void announce(const BlockIndex* tip, const std::vector<std::shared_ptr<Peer>>& peers);

    struct Stats {
        uint64_t received = 0;            // compact blocks we started to rebuild
        uint64_t without_round_trip = 0;  // complete from the mempool/extra pool alone
        uint64_t with_round_trip = 0;     // completed by a blocktxn
        uint64_t fell_back = 0;           // full block requested instead
    };
    const Stats& stats() const { return stats_; }

private:
    void send_hb(Peer& peer, bool on);
    void request_full_block(Peer& peer, const uint256& hash);
    asio::awaitable<void> fetch_full_block(std::shared_ptr<Peer> peer, uint256 hash);
    asio::awaitable<void> push_tip(const BlockIndex* tip, std::vector<std::shared_ptr<Peer>> peers);
    asio::awaitable<void> finish_block(std::shared_ptr<Peer> peer, const BlockIndex* b, const Block& block,
                                       const PartialBlock& partial, size_t requested);
    // Starts rebuilding `m` (header `b`): returns the partial block when it is complete
    // (`block` filled), else nullptr (getblocktxn sent, full block requested, or the peer
    // punished).
    std::unique_ptr<PartialBlock> rebuild(Peer& peer, const BlockIndex* b, const CompactBlockMsg& m,
                                          const std::vector<std::pair<uint256, PartialBlock::TxRef>>& pool,
                                          Block& block);
    void remember_recent(const uint256& hash, std::shared_ptr<const Bytes> msg);

    // A compact block waiting for the peer's blocktxn (one per peer).
    struct Pending {
        const BlockIndex* block = nullptr;
        std::unique_ptr<PartialBlock> partial;
        size_t requested = 0;
    };
    std::unordered_map<int64_t, Pending> pending_;

    PeerLogicDeps deps_;
    BlockSync& sync_;
    std::deque<int64_t> hb_peers_;  // we asked them for high-bandwidth mode, oldest first
    std::deque<std::pair<uint256, std::shared_ptr<const Transaction>>> extra_;  // (wtxid, tx)
    // The last block pushed or served as cmpctblock, encoded once.
    uint256 recent_hash_;
    std::shared_ptr<const Bytes> recent_msg_;
    Stats stats_;
};

}  // namespace minicash::net
