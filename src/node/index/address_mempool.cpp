#include "node/index/address_mempool.h"

#include <algorithm>

#include "node/chainstate.h"
#include "node/mempool.h"

namespace minicash {

// Events from the mempool's listener to the thread; shared because the listener stays
// registered with the mempool after this object is gone (it then only drops events).
struct AddressMempool::Queue {
    std::mutex mutex;
    std::condition_variable cv;       // something queued, or closed
    std::condition_variable done_cv;  // applied moved on
    std::deque<MempoolEvent> events;
    bool overflowed = false;  // events were dropped: rebuild from the mempool
    bool closed = false;
    uint64_t queued = 0, applied = 0;  // counts, for sync()

    void push(const MempoolEvent& e) {
        {
            std::lock_guard lock(mutex);
            if (closed) return;
            ++queued;
            if (events.size() >= kMaxQueued) {
                events.clear();
                overflowed = true;
            } else {
                events.push_back(e);
            }
        }
        cv.notify_one();
    }
};

AddressMempool::AddressMempool(Chainstate& chain, Mempool& mempool)
    : chain_(chain), mempool_(mempool), queue_(std::make_shared<Queue>()) {}

AddressMempool::~AddressMempool() { stop(); }

void AddressMempool::start() {
    std::shared_ptr<Queue> queue = queue_;
    {
        // What the pool holds before the listener's first event: a rebuild on the thread.
        std::lock_guard lock(queue->mutex);
        queue->overflowed = true;
        ++queue->queued;
    }
    mempool_.on_event([queue](const MempoolEvent& e) { queue->push(e); });
    thread_ = std::thread([this] { run(); });
}

void AddressMempool::stop() {
    {
        std::lock_guard lock(queue_->mutex);
        queue_->closed = true;
    }
    queue_->cv.notify_all();
    queue_->done_cv.notify_all();
    if (thread_.joinable()) thread_.join();
}

void AddressMempool::sync(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(queue_->mutex);
    const uint64_t target = queue_->queued;
    queue_->done_cv.wait_for(lock, timeout, [&] { return queue_->closed || queue_->applied >= target; });
}

void AddressMempool::run() {
    for (;;) {
        std::deque<MempoolEvent> events;
        bool rebuild_all = false;
        uint64_t taken = 0;
        {
            std::unique_lock lock(queue_->mutex);
            queue_->cv.wait(lock, [&] { return queue_->closed || !queue_->events.empty() || queue_->overflowed; });
            if (queue_->closed) return;
            events.swap(queue_->events);
            rebuild_all = queue_->overflowed;
            queue_->overflowed = false;
            taken = queue_->queued;
        }
        std::vector<uint256> touched;
        if (rebuild_all) {
            rebuild(touched);
        } else {
            for (const MempoolEvent& e : events) apply(e, touched);
        }
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        std::vector<ChangeListener> listeners;
        {
            std::lock_guard lock(mutex_);
            listeners = listeners_;
        }
        if (!touched.empty())
            for (const ChangeListener& l : listeners) l(touched);
        {
            std::lock_guard lock(queue_->mutex);
            queue_->applied = std::max(queue_->applied, taken);
        }
        queue_->done_cv.notify_all();
    }
}

void AddressMempool::apply(const MempoolEvent& e, std::vector<uint256>& touched) {
    if (e.added) {
        if (e.tx) add(e.tx, e.txid, touched);
    } else {
        remove(e.txid, touched);
    }
}

void AddressMempool::rebuild(std::vector<uint256>& touched) {
    {
        std::lock_guard lock(mutex_);
        for (const auto& [sh, txids] : by_script_) touched.push_back(sh);
        entries_.clear();
        by_script_.clear();
        spends_.clear();
    }
    // Parents before children: add in rounds until nothing more resolves within the pool.
    std::vector<std::shared_ptr<const Transaction>> txs;
    for (const uint256& txid : mempool_.txids())
        if (auto tx = mempool_.get(txid)) txs.push_back(std::move(tx));
    std::sort(txs.begin(), txs.end(), [this](const auto& a, const auto& b) {
        auto ea = mempool_.entry(a->txid()), eb = mempool_.entry(b->txid());
        return (ea ? ea->ancestor_count : 0) < (eb ? eb->ancestor_count : 0);
    });
    for (const auto& tx : txs) add(tx, tx->txid(), touched);
}

void AddressMempool::add(const std::shared_ptr<const Transaction>& tx, const uint256& txid,
                         std::vector<uint256>& touched) {
    Entry entry;
    entry.info.tx = tx;
    entry.info.txid = txid;
    entry.info.vsize = (tx->weight() + 3) / 4;
    entry.info.time = chain_.now();
    std::optional<Amount> pool_fee;
    if (auto e = mempool_.entry(txid)) {
        entry.info.vsize = e->vsize;
        entry.info.time = e->time;
        pool_fee = e->fee;
    }
    // Spent outputs: from a mempool parent (under our lock), else the UTXO set at the tip
    // (outside it: the chain state takes its own lock; this thread holds nothing else).
    std::vector<std::optional<TxOut>> prevouts(tx->vin.size());
    std::vector<bool> from_pool(tx->vin.size(), false);
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < tx->vin.size(); ++i) {
            auto parent = entries_.find(tx->vin[i].prevout.txid);
            if (parent == entries_.end()) continue;
            const Transaction& ptx = *parent->second.info.tx;
            if (tx->vin[i].prevout.index < ptx.vout.size()) prevouts[i] = ptx.vout[tx->vin[i].prevout.index];
            from_pool[i] = true;
        }
    }
    for (size_t i = 0; i < tx->vin.size(); ++i) {
        if (from_pool[i]) continue;
        if (auto coin = chain_.coin(tx->vin[i].prevout)) prevouts[i] = coin->out;
    }
    Amount in = 0, out = 0;
    bool all_known = true;
    std::vector<uint256> scripts;
    for (size_t i = 0; i < prevouts.size(); ++i) {
        if (!prevouts[i]) {
            all_known = false;
            continue;
        }
        in += prevouts[i]->value;
        scripts.push_back(electrum_script_hash(prevouts[i]->script_pubkey));
    }
    for (const TxOut& o : tx->vout) {
        out += o.value;
        if (!o.script_pubkey.is_unspendable()) scripts.push_back(electrum_script_hash(o.script_pubkey));
    }
    std::sort(scripts.begin(), scripts.end());
    scripts.erase(std::unique(scripts.begin(), scripts.end()), scripts.end());
    entry.info.fee = pool_fee ? *pool_fee : all_known ? in - out : 0;
    entry.info.unconfirmed_parents = std::find(from_pool.begin(), from_pool.end(), true) != from_pool.end();
    entry.info.prevouts = std::move(prevouts);
    entry.scripts = scripts;

    std::lock_guard lock(mutex_);
    if (entries_.count(txid)) return;
    entry.order = next_order_++;
    for (const uint256& sh : scripts) {
        by_script_[sh].insert(txid);
        touched.push_back(sh);
    }
    for (uint32_t i = 0; i < tx->vin.size(); ++i) spends_[tx->vin[i].prevout] = {txid, i};
    entries_.emplace(txid, std::move(entry));
}

void AddressMempool::remove(const uint256& txid, std::vector<uint256>& touched) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(txid);
    if (it == entries_.end()) return;
    for (const uint256& sh : it->second.scripts) {
        touched.push_back(sh);
        auto s = by_script_.find(sh);
        if (s == by_script_.end()) continue;
        s->second.erase(txid);
        if (s->second.empty()) by_script_.erase(s);
    }
    for (const TxIn& in : it->second.info.tx->vin) {
        auto s = spends_.find(in.prevout);
        if (s != spends_.end() && s->second.first == txid) spends_.erase(s);
    }
    entries_.erase(it);
}

std::vector<MempoolAddressTx> AddressMempool::transactions(const uint256& sh) const {
    std::vector<MempoolAddressTx> out;
    std::lock_guard lock(mutex_);
    auto s = by_script_.find(sh);
    if (s == by_script_.end()) return out;
    for (const uint256& txid : s->second) out.push_back(entries_.at(txid).info);
    // Electrum's order: height 0 (confirmed inputs only) before -1, then by txid as shown.
    std::stable_sort(out.begin(), out.end(), [](const MempoolAddressTx& a, const MempoolAddressTx& b) {
        if (a.unconfirmed_parents != b.unconfirmed_parents) return !a.unconfirmed_parents;
        return a.txid.to_hex() < b.txid.to_hex();
    });
    return out;
}

std::optional<MempoolAddressTx> AddressMempool::transaction(const uint256& txid) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(txid);
    if (it == entries_.end()) return std::nullopt;
    return it->second.info;
}

std::vector<AddressUtxo> AddressMempool::utxos(const uint256& sh) const {
    std::vector<AddressUtxo> out;
    std::lock_guard lock(mutex_);
    auto s = by_script_.find(sh);
    if (s == by_script_.end()) return out;
    for (const uint256& txid : s->second) {
        const Transaction& tx = *entries_.at(txid).info.tx;
        for (uint32_t v = 0; v < tx.vout.size(); ++v) {
            if (tx.vout[v].script_pubkey.is_unspendable() || electrum_script_hash(tx.vout[v].script_pubkey) != sh)
                continue;
            const OutPoint o{txid, v};
            if (spends_.count(o)) continue;
            out.push_back(AddressUtxo{o, 0, tx.vout[v].value});
        }
    }
    return out;
}

AddressStats AddressMempool::stats(const uint256& sh) const {
    AddressStats st;
    std::lock_guard lock(mutex_);
    auto s = by_script_.find(sh);
    if (s == by_script_.end()) return st;
    for (const uint256& txid : s->second) {
        const MempoolAddressTx& info = entries_.at(txid).info;
        ++st.tx_count;
        for (const TxOut& o : info.tx->vout) {
            if (o.script_pubkey.is_unspendable() || electrum_script_hash(o.script_pubkey) != sh) continue;
            ++st.funded_txo_count;
            st.funded_txo_sum += o.value;
        }
        for (const std::optional<TxOut>& p : info.prevouts) {
            if (!p || electrum_script_hash(p->script_pubkey) != sh) continue;
            ++st.spent_txo_count;
            st.spent_txo_sum += p->value;
        }
    }
    return st;
}

std::optional<std::pair<uint256, uint32_t>> AddressMempool::spender(const OutPoint& outpoint) const {
    std::lock_guard lock(mutex_);
    auto it = spends_.find(outpoint);
    if (it == spends_.end()) return std::nullopt;
    return it->second;
}

std::vector<MempoolAddressTx> AddressMempool::recent(size_t limit) const {
    std::vector<const Entry*> all;
    std::lock_guard lock(mutex_);
    for (const auto& [txid, e] : entries_) all.push_back(&e);
    std::sort(all.begin(), all.end(), [](const Entry* a, const Entry* b) { return a->order > b->order; });
    std::vector<MempoolAddressTx> out;
    for (size_t i = 0; i < all.size() && i < limit; ++i) out.push_back(all[i]->info);
    return out;
}

void AddressMempool::on_change(ChangeListener listener) {
    std::lock_guard lock(mutex_);
    listeners_.push_back(std::move(listener));
}

}  // namespace minicash
