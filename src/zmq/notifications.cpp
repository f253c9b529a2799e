#include "zmq/notifications.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "node/chainstate.h"
#include "node/mempool.h"

namespace minicash::zmq {

std::vector<std::string> socket_addresses(const std::vector<NotifierConfig>& notifiers) {
    std::vector<std::string> out;
    for (const NotifierConfig& n : notifiers)
        if (std::find(out.begin(), out.end(), n.address) == out.end()) out.push_back(n.address);
    return out;
}

struct ZmqNotifications::State {
    struct Notifier {
        Topic topic;
        size_t socket;
        uint32_t next_sequence = 0;  // Core's nSequence: per notifier, wraps around
    };

    std::mutex mutex;
    MessageSink* sink = nullptr;  // null once detached
    std::vector<Notifier> notifiers;
    bool wants_raw_block = false;
    // The last connected block, serialized, for rawblock when the tip update names it.
    uint256 last_connected;
    Bytes last_connected_raw;

    void emit(Notifier& n, Bytes body) {
        sink->publish(ZmqMessage{n.socket, n.topic, std::move(body), n.next_sequence++});
    }

    // hashtx and rawtx of one transaction (Core's NotifyTransaction).
    void transaction(const Transaction& tx, const uint256& txid) {
        std::optional<Bytes> raw;
        for (Notifier& n : notifiers) {
            if (n.topic == Topic::HASHTX) emit(n, hash_body(txid));
            if (n.topic == Topic::RAWTX) {
                if (!raw) raw = tx.serialize(true);
                emit(n, *raw);
            }
        }
    }

    void sequence(const uint256& hash, char label, std::optional<uint64_t> mempool_sequence) {
        for (Notifier& n : notifiers)
            if (n.topic == Topic::SEQUENCE) emit(n, sequence_body(hash, label, mempool_sequence));
    }

    void block(const Block& block, const uint256& hash, char label) {
        for (const Transaction& tx : block.txs) transaction(tx, tx.txid());
        sequence(hash, label, std::nullopt);
    }

    void connected(const Block& b, const BlockIndex* index) {
        std::lock_guard lock(mutex);
        if (!sink) return;
        block(b, index->hash, 'C');
        if (wants_raw_block) {
            last_connected = index->hash;
            last_connected_raw = b.serialize(true);
        }
    }

    void disconnected(const Block& b, const BlockIndex* index) {
        std::lock_guard lock(mutex);
        if (!sink) return;
        block(b, index->hash, 'D');
    }

    void tip_updated(const BlockIndex* tip, bool initial_download) {
        std::lock_guard lock(mutex);
        if (!sink || initial_download) return;
        for (Notifier& n : notifiers) {
            if (n.topic == Topic::HASHBLOCK) emit(n, hash_body(tip->hash));
            // The tip is always the last block connected before the update.
            if (n.topic == Topic::RAWBLOCK && last_connected == tip->hash) emit(n, last_connected_raw);
        }
        last_connected_raw.clear();
    }

    void mempool_event(const MempoolEvent& e) {
        std::lock_guard lock(mutex);
        if (!sink) return;
        if (e.added) {
            // Core's TransactionAddedToMempool: each notifier does NotifyTransaction and
            // NotifyTransactionAcceptance, so the order is hashtx, rawtx, sequence.
            transaction(*e.tx, e.txid);
            sequence(e.txid, 'A', e.sequence);
        } else if (e.reason != MempoolRemovalReason::BLOCK) {
            sequence(e.txid, 'R', e.sequence);
        }
    }
};

ZmqNotifications::ZmqNotifications(std::vector<NotifierConfig> notifiers, MessageSink& sink)
    : notifiers_(std::move(notifiers)), state_(std::make_shared<State>()) {
    const std::vector<std::string> sockets = socket_addresses(notifiers_);
    state_->sink = &sink;
    for (const NotifierConfig& n : notifiers_) {
        const size_t socket = size_t(std::find(sockets.begin(), sockets.end(), n.address) - sockets.begin());
        state_->notifiers.push_back({n.topic, socket, 0});
        if (n.topic == Topic::RAWBLOCK) state_->wants_raw_block = true;
    }
}

ZmqNotifications::~ZmqNotifications() { detach(); }

void ZmqNotifications::attach(Chainstate& chain, Mempool* mempool) {
    // The listeners hold the state, not this object: after detach() they do nothing.
    std::shared_ptr<State> state = state_;
    Chainstate::Listener listener;
    listener.connected = [state](const Block& b, const BlockIndex* index, const Chainstate::View&) {
        state->connected(b, index);
    };
    listener.disconnected = [state](const Block& b, const BlockIndex* index, const Chainstate::View&) {
        state->disconnected(b, index);
    };
    listener.tip_updated = [state](const BlockIndex* tip, const BlockIndex*, bool ibd, const Chainstate::View&) {
        state->tip_updated(tip, ibd);
    };
    chain.add_listener(std::move(listener));
    if (mempool) mempool->on_event([state](const MempoolEvent& e) { state->mempool_event(e); });
}

void ZmqNotifications::detach() {
    std::lock_guard lock(state_->mutex);
    state_->sink = nullptr;
}

}  // namespace minicash::zmq
