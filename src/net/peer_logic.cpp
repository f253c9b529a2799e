#include "net/peer_logic.h"

#include <mutex>

#include "net/chain_access.h"
#include "net/compact_relay.h"
#include "net/job_runner.h"
#include "net/outbound_eviction.h"
#include "net/peer.h"
#include "net/peer_network.h"
#include "net/processing.h"
#include "net/sync.h"
#include "net/txpool.h"

namespace minicash::net {

namespace {

// BlockSync and PeerManager behind NetEvents, plus the bridge that carries chain-state
// and mempool notifications (from any thread) to the event loop.
class PeerLogic final : public NetEvents {
public:
    explicit PeerLogic(const PeerLogicDeps& deps)
        : deps_(deps),
          sync_(deps),
          compact_(deps, sync_),
          pm_(deps, sync_, compact_),
          outbound_(deps, sync_),
          bridge_(std::make_shared<Bridge>()) {
        sync_.set_compact_relay(&compact_);
    }

    ~PeerLogic() override { interrupt(); }

    void start() override {
        sync_.init();
        bridge_->target = this;
        std::weak_ptr<Bridge> weak = bridge_;
        ChainAccess::Listener listener;
        listener.connected = [weak](const BlockIndex* b) {
            if (auto bridge = weak.lock())
                bridge->post([b](PeerLogic& logic) {
                    logic.sync_.on_block_connected(b);
                    logic.pm_.on_tip_changed();
                    logic.outbound_.on_tip_changed();
                });
        };
        listener.disconnected = [weak](const BlockIndex* b) {
            if (auto bridge = weak.lock())
                bridge->post([b](PeerLogic& logic) { logic.sync_.on_block_disconnected(b); });
        };
        deps_.chain.subscribe(std::move(listener));
        if (deps_.txpool) {
            deps_.txpool->on_transaction_added([weak](const MempoolEntryInfo& e) {
                const int64_t rate = e.vsize ? int64_t(e.fee) * 1000 / int64_t(e.vsize) : 0;
                if (auto bridge = weak.lock())
                    bridge->post([txid = e.txid, wtxid = e.wtxid, rate](PeerLogic& logic) {
                        logic.pm_.on_transaction_added(txid, wtxid, rate);
                    });
            });
        }
    }

    void interrupt() override {
        std::lock_guard lock(bridge_->mutex);
        bridge_->target = nullptr;
    }

    void shutdown() override { sync_.shutdown(); }

    void on_peer_connected(const std::shared_ptr<Peer>& peer) override {
        if (!peer->inbound()) pm_.send_version(*peer);
    }

    asio::awaitable<void> on_message(std::shared_ptr<Peer> peer, Message msg) override {
        return pm_.process_message(std::move(peer), std::move(msg));
    }

    void on_peer_closed(Peer& peer) override {
        sync_.on_peer_closed(peer);
        pm_.on_peer_closed(peer);
        outbound_.on_peer_closed(peer);
    }

    void on_tick() override {
        ++ticks_;
        sync_.tick();
        outbound_.tick();
        if (ticks_ % 2 == 0) pm_.tick();
        if (deps_.txpool && ticks_ % 120 == 1) {
            // The mempool's minimum fee rate, for the feefilter we send (about once a minute).
            asio::co_spawn(
                deps_.io,
                [this]() -> asio::awaitable<void> {
                    TxPool* pool = deps_.txpool;
                    auto job = [pool] { return int64_t(pool->min_fee().sat_per_kvb); };
                    const int64_t fee = co_await deps_.query.run(job);
                    pm_.set_min_fee(fee);
                },
                asio::detached);
        }
    }

    PeerSyncStats sync_stats(const Peer& peer) const override {
        PeerSyncStats s;
        s.synced_headers = peer.best_known ? peer.best_known->height : -1;
        if (peer.best_known && sync_.tip()) {
            const BlockIndex* fork = last_common_ancestor(peer.best_known, sync_.tip());
            s.synced_blocks = fork ? fork->height : -1;
        }
        s.inflight = sync_.in_flight_heights(peer);
        return s;
    }

    bool in_initial_block_download() const override { return sync_.ibd(); }

    std::optional<std::string> fetch_block(Peer& peer, const BlockIndex* block) override {
        return sync_.fetch_block(peer, block);
    }

private:
    struct Bridge {
        std::mutex mutex;
        PeerLogic* target = nullptr;

        // Runs f(logic) on the event loop, unless interrupted or the network is stopping.
        template <class F>
        void post(F f) {
            std::lock_guard lock(mutex);
            if (target && !target->deps_.network.stopping())
                asio::post(target->deps_.io, [logic = target, f = std::move(f)] { f(*logic); });
        }
    };

    PeerLogicDeps deps_;
    BlockSync sync_;
    CompactRelay compact_;
    PeerManager pm_;
    OutboundEviction outbound_;  // lagging and extra outbound peers, stale tip
    std::shared_ptr<Bridge> bridge_;
    uint64_t ticks_ = 0;
};

}  // namespace

std::unique_ptr<NetEvents> make_peer_logic(const PeerLogicDeps& deps) { return std::make_unique<PeerLogic>(deps); }

}  // namespace minicash::net
