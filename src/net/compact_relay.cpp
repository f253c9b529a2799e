#include "net/compact_relay.h"

#include <algorithm>

#include "consensus/pow.h"
#include "net/chain_access.h"
#include "net/job_runner.h"
#include "net/peer_network.h"
#include "net/sync.h"
#include "net/txpool.h"
#include "util/logging.h"

namespace minicash::net {

CompactRelay::CompactRelay(const PeerLogicDeps& deps, BlockSync& sync) : deps_(deps), sync_(sync) {}

void CompactRelay::on_verack(Peer& peer) {
    if (peer.version >= kShortIdsBlocksVersion)
        peer.send(cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{false, kCompactBlocksVersion}));
}

void CompactRelay::handle_sendcmpct(Peer& peer, const SendCmpctMsg& m) {
    if (m.version != kCompactBlocksVersion) return;  // only version 2 (wtxid short ids)
    peer.provides_cmpct = true;
    peer.hb_from = m.high_bandwidth;
}

void CompactRelay::on_peer_closed(Peer& peer) {
    hb_peers_.erase(std::remove(hb_peers_.begin(), hb_peers_.end(), peer.id), hb_peers_.end());
    pending_.erase(peer.id);
}

void CompactRelay::send_hb(Peer& peer, bool on) {
    peer.send(cmd::SENDCMPCT, encode_sendcmpct(SendCmpctMsg{on, kCompactBlocksVersion}));
    peer.hb_to = on;
}

void CompactRelay::promote(Peer& source) {
    if (!source.provides_cmpct || source.disconnected()) return;
    auto it = std::find(hb_peers_.begin(), hb_peers_.end(), source.id);
    if (it != hb_peers_.end()) {  // already one: now the most recent
        hb_peers_.erase(it);
        hb_peers_.push_back(source.id);
        return;
    }
    if (hb_peers_.size() >= kMaxHighBandwidthPeers) {
        // An inbound newcomer never displaces our only outbound high-bandwidth peer.
        if (source.inbound()) {
            int outbound = 0;
            for (int64_t id : hb_peers_)
                if (auto p = deps_.network.find_peer(id); p && !p->inbound()) ++outbound;
            auto front = deps_.network.find_peer(hb_peers_.front());
            if (outbound == 1 && front && !front->inbound()) std::swap(hb_peers_[0], hb_peers_[1]);
        }
        if (auto stop = deps_.network.find_peer(hb_peers_.front())) send_hb(*stop, false);
        hb_peers_.pop_front();
    }
    send_hb(source, true);
    hb_peers_.push_back(source.id);
    log_debug(LogCategory::NET, "peer=%lld is now a high-bandwidth compact block peer", (long long)source.id);
}

void CompactRelay::add_extra(std::shared_ptr<const Transaction> tx) {
    if (!tx || tx->total_size() > kMaxExtraTxSize) return;
    extra_.emplace_back(tx->wtxid(), std::move(tx));
    while (extra_.size() > kMaxExtraTxs) extra_.pop_front();
}

void CompactRelay::remember_recent(const uint256& hash, std::shared_ptr<const Bytes> msg) {
    recent_hash_ = hash;
    recent_msg_ = std::move(msg);
}

// ---- sending ----

void CompactRelay::on_new_pow_valid_block(std::shared_ptr<const Block> block, const BlockIndex* b, int64_t source) {
    auto msg = std::make_shared<const Bytes>(encode_cmpctblock(make_compact_block(*block, deps_.network.random_u64())));
    remember_recent(b->hash, msg);
    for (const auto& [id, p] : deps_.network.peers()) {
        Peer& peer = *p;
        if (id == source || !peer.successfully_connected || peer.disconnected() || !peer.hb_from ||
            !peer.provides_cmpct)
            continue;
        if (sync_.peer_has(peer, b)) continue;
        const bool has_parent = sync_.peer_has(peer, b->prev) ||
                                (peer.best_header_sent && peer.best_header_sent->height >= b->prev->height &&
                                 peer.best_header_sent->ancestor(b->prev->height) == b->prev);
        if (!has_parent) continue;
        peer.send(cmd::CMPCTBLOCK, *msg);
        peer.best_header_sent = b;
    }
}

void CompactRelay::announce(const BlockIndex* tip, const std::vector<std::shared_ptr<Peer>>& peers) {
    if (recent_hash_ == tip->hash && recent_msg_) {
        for (const auto& p : peers)
            if (!p->disconnected()) p->send(cmd::CMPCTBLOCK, *recent_msg_);
        return;
    }
    asio::co_spawn(deps_.io, push_tip(tip, peers), asio::detached);
}

asio::awaitable<void> CompactRelay::push_tip(const BlockIndex* tip, std::vector<std::shared_ptr<Peer>> peers) {
    ChainAccess& chain = deps_.chain;
    const uint256 hash = tip->hash;
    auto read_job = [&chain, hash]() -> std::optional<Block> {
        auto bytes = chain.read_block_for_peer(hash, true);
        if (!bytes) return std::nullopt;
        return Block::decode(*bytes);
    };
    std::optional<Block> block = co_await deps_.query.run(read_job);
    if (!block || deps_.network.stopping()) co_return;
    auto msg = std::make_shared<const Bytes>(encode_cmpctblock(make_compact_block(*block, deps_.network.random_u64())));
    remember_recent(hash, msg);
    for (const auto& p : peers)
        if (!p->disconnected()) p->send(cmd::CMPCTBLOCK, *msg);
}

asio::awaitable<void> CompactRelay::serve(std::shared_ptr<Peer> peer, uint256 hash) {
    co_await peer->wait_send_below(Peer::kSendSoftLimit);
    if (peer->disconnected()) co_return;
    if (recent_hash_ == hash && recent_msg_) {
        peer->send(cmd::CMPCTBLOCK, *recent_msg_);
        co_return;
    }
    struct Found {
        std::optional<Block> block;
        bool shallow = false;
    };
    ChainAccess& chain = deps_.chain;
    auto read_job = [&chain, hash] {
        Found f;
        const BlockIndex* b = chain.lookup(hash);
        const BlockIndex* tip = chain.tip();
        if (!b || !tip) return f;
        f.shallow = b->height >= tip->height - kMaxCmpctBlockDepth;
        if (!f.shallow) return f;
        if (auto bytes = chain.read_block_for_peer(hash, true)) f.block = Block::decode(*bytes);
        return f;
    };
    Found f = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return;
    if (f.block) {
        peer->send(cmd::CMPCTBLOCK, encode_cmpctblock(make_compact_block(*f.block, deps_.network.random_u64())));
    } else if (!f.shallow) {
        co_await sync_.serve_block(peer, Inv{MSG_WITNESS_BLOCK, hash});  // too deep: the whole block
    }
}

asio::awaitable<void> CompactRelay::handle_getblocktxn(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto req = decode_getblocktxn(payload, &error);
    if (!req) co_return deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "getblocktxn message: " + error);
    struct Found {
        std::optional<Block> block;
        bool known = false, too_deep = false;
    };
    ChainAccess& chain = deps_.chain;
    const uint256 hash = req->block_hash;
    auto read_job = [&chain, hash] {
        Found f;
        const BlockIndex* b = chain.lookup(hash);
        const BlockIndex* tip = chain.tip();
        if (!b || !tip) return f;
        f.known = true;
        f.too_deep = b->height < tip->height - kMaxBlockTxnDepth;
        if (f.too_deep) return f;
        if (auto bytes = chain.read_block_for_peer(hash, true)) f.block = Block::decode(*bytes);
        return f;
    };
    Found f = co_await deps_.query.run(read_job);
    if (peer->disconnected()) co_return;
    if (f.too_deep) {
        log_debug(LogCategory::NET, "peer=%lld asked for transactions of a block more than %d deep: sending the block",
                  (long long)peer->id, kMaxBlockTxnDepth);
        co_await sync_.serve_block(peer, Inv{MSG_WITNESS_BLOCK, hash});
        co_return;
    }
    if (!f.block) {
        log_debug(LogCategory::NET, "peer=%lld sent getblocktxn for a block we do not have (%s)", (long long)peer->id,
                  hash.to_hex().c_str());
        co_return;
    }
    BlockTxnMsg answer;
    answer.block_hash = hash;
    answer.txs.reserve(req->indexes.size());
    for (uint16_t i : req->indexes) {
        if (i >= f.block->txs.size())
            co_return deps_.network.misbehaving(*peer, Misbehavior::GETBLOCKTXN_OUT_OF_BOUNDS);
        answer.txs.push_back(f.block->txs[i]);
    }
    peer->send(cmd::BLOCKTXN, encode_blocktxn(answer));
}

// ---- receiving ----

void CompactRelay::request_full_block(Peer& peer, const uint256& hash) {
    ++stats_.fell_back;
    pending_.erase(peer.id);
    auto it = deps_.network.peers().find(peer.id);
    if (it == deps_.network.peers().end()) return;
    asio::co_spawn(deps_.io, fetch_full_block(it->second, hash), asio::detached);
}

// The block's index is known (its header was accepted before reconstruction).
asio::awaitable<void> CompactRelay::fetch_full_block(std::shared_ptr<Peer> peer, uint256 hash) {
    ChainAccess& chain = deps_.chain;
    auto job = [&chain, hash] { return chain.lookup(hash); };
    const BlockIndex* b = co_await deps_.query.run(job);
    if (b && !peer->disconnected() && !deps_.network.stopping()) sync_.request_block(*peer, b, MSG_WITNESS_BLOCK);
}

asio::awaitable<void> CompactRelay::handle_cmpctblock(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto m = decode_cmpctblock(payload, &error);
    if (!m) {
        deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "cmpctblock message: " + error);
        co_return;
    }
    const uint256 hash = m->hash();
    if (!check_proof_of_work(hash, m->header.bits, deps_.params.consensus))
        co_return deps_.network.misbehaving(*peer, Misbehavior::HEADER_INVALID_POW, "cmpctblock");

    struct Known {
        bool parent = false, have_data = false;
    };
    ChainAccess& chain = deps_.chain;
    const BlockHeader header = m->header;
    auto lookup_job = [&chain, hash, header] {
        Known k;
        k.parent = chain.lookup(header.prev_block) != nullptr;
        const BlockPlacement p = chain.placement(hash, header);
        k.have_data = p.have_data;
        return k;
    };
    const Known k = co_await deps_.query.run(lookup_job);
    if (peer->disconnected()) co_return;
    if (!k.parent) {
        // Does not connect: ask for the headers in between (as for an unknown block inv).
        if (!sync_.ibd()) co_await sync_.handle_block_inv(peer, header.prev_block);
        co_return;
    }
    std::vector<BlockHeader> headers(1, header);
    const BlockIndex* b = co_await sync_.accept_headers(peer, std::move(headers), true);
    if (!b || peer->disconnected()) co_return;
    if (k.have_data || sync_.have_or_queued(hash)) co_return;

    const std::optional<int64_t> in_flight = sync_.in_flight_from(hash);
    const bool from_this = in_flight && *in_flight == peer->id;
    const BlockIndex* tip = sync_.tip();
    if (!tip || b->chain_work <= tip->chain_work) {
        // Not better than our tip: a compact block is no help; fetch it whole if we asked.
        if (from_this) request_full_block(*peer, hash);
        co_return;
    }
    if (in_flight && !from_this) co_return;  // another peer is delivering it
    if (b->height > tip->height + 2) {
        sync_.schedule_downloads_soon();  // too far ahead to rebuild: the window fetches it
        co_return;
    }
    if (!from_this && peer->blocks_in_flight.size() >= BlockSync::kMaxInFlightPerPeer) co_return;
    if (auto p = pending_.find(peer->id); p != pending_.end() && p->second.partial->hash() == hash) co_return;

    // Reconstruct from the mempool and the extra pool.
    std::vector<std::pair<uint256, PartialBlock::TxRef>> pool;
    if (TxPool* txpool = deps_.txpool) {
        auto snapshot_job = [txpool] { return txpool->transactions(); };
        pool = co_await deps_.query.run(snapshot_job);
        if (peer->disconnected()) co_return;
    }
    Block block;
    std::unique_ptr<PartialBlock> complete = rebuild(*peer, b, *m, pool, block);
    if (complete) co_await finish_block(peer, b, block, *complete, 0);
}

std::unique_ptr<PartialBlock> CompactRelay::rebuild(Peer& peer, const BlockIndex* b, const CompactBlockMsg& m,
                                                    const std::vector<std::pair<uint256, PartialBlock::TxRef>>& pool,
                                                    Block& block) {
    const uint256& hash = b->hash;
    std::vector<std::pair<uint256, PartialBlock::TxRef>> extra(extra_.begin(), extra_.end());
    auto partial = std::make_unique<PartialBlock>();
    const PartialBlock::Status status = partial->init(m, pool, extra);
    if (status == PartialBlock::Status::INVALID) {
        deps_.network.misbehaving(peer, Misbehavior::INVALID_COMPACT_BLOCK);
        return nullptr;
    }
    if (sync_.have_or_queued(hash)) return nullptr;  // arrived meanwhile
    ++stats_.received;
    sync_.mark_in_flight(peer, b);
    if (status == PartialBlock::Status::FAILED) {
        log_debug(LogCategory::NET, "compact block %s from peer=%lld has colliding short ids: fetching the block",
                  hash.to_hex().c_str(), (long long)peer.id);
        request_full_block(peer, hash);
        return nullptr;
    }
    if (partial->complete()) {
        if (partial->fill({}, block) != PartialBlock::Status::OK) {
            request_full_block(peer, hash);
            return nullptr;
        }
        ++stats_.without_round_trip;
        return partial;
    }
    BlockTxnRequest req;
    req.block_hash = hash;
    req.indexes = partial->missing();
    const size_t requested = req.indexes.size();
    pending_[peer.id] = Pending{b, std::move(partial), requested};
    peer.send(cmd::GETBLOCKTXN, encode_getblocktxn(req));
    return nullptr;
}

asio::awaitable<void> CompactRelay::handle_blocktxn(std::shared_ptr<Peer> peer, ByteView payload) {
    std::string error;
    auto m = decode_blocktxn(payload, &error);
    if (!m) co_return deps_.network.misbehaving(*peer, Misbehavior::UNDECODABLE, "blocktxn message: " + error);
    auto it = pending_.find(peer->id);
    if (it == pending_.end() || it->second.partial->hash() != m->block_hash) {
        log_debug(LogCategory::NET, "peer=%lld sent blocktxn for a block we did not ask about", (long long)peer->id);
        co_return;
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    Block block;
    const PartialBlock::Status status = pending.partial->fill(m->txs, block);
    if (status == PartialBlock::Status::INVALID) {
        sync_.cancel_request(m->block_hash);
        co_return deps_.network.misbehaving(*peer, Misbehavior::BLOCKTXN_MISMATCH);
    }
    if (status == PartialBlock::Status::FAILED) {
        log_debug(LogCategory::NET, "block %s rebuilt from peer=%lld does not match its header: fetching the block",
                  m->block_hash.to_hex().c_str(), (long long)peer->id);
        request_full_block(*peer, m->block_hash);
        co_return;
    }
    ++stats_.with_round_trip;
    co_await finish_block(peer, pending.block, block, *pending.partial, pending.requested);
}

asio::awaitable<void> CompactRelay::finish_block(std::shared_ptr<Peer> peer, const BlockIndex* b, const Block& block,
                                                 const PartialBlock& partial, size_t requested) {
    log_debug(LogCategory::NET,
              "Successfully reconstructed block %s with %zu txn prefilled, %zu txn from mempool (incl at least %zu "
              "from extra pool) and %zu txn requested; %llu of %llu compact blocks without a round trip",
              b->hash.to_hex().c_str(), partial.prefilled_count(), partial.mempool_count() + partial.extra_count(),
              partial.extra_count(), requested, (unsigned long long)stats_.without_round_trip,
              (unsigned long long)stats_.received);
    sync_.mark_in_flight(*peer, b);  // so that it counts as requested
    co_await sync_.handle_block(peer, block.serialize(true), true);
}

}  // namespace minicash::net
