// Entry storage and indexes (see node/mempool_internal.h).
#include "node/mempool_internal.h"

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "consensus/block_check.h"
#include "consensus/interpreter.h"
#include "consensus/sighash.h"
#include "consensus/tx_check.h"
#include "consensus/tx_verify.h"
#include "node/fee_estimator.h"
#include "node/policy.h"
#include "node/sig_cache.h"
#include "util/atomic_file.h"
#include "util/logging.h"

namespace minicash {

using namespace mempool_internal;

namespace {

bool signals_rbf(const Transaction& tx) {
    return std::any_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& in) { return in.sequence <= 0xfffffffd; });
}

size_t estimate_usage(const Transaction& tx) {
    // Entry and transaction objects, three hash-index nodes, the time index node, a share
    // of its cluster (the cluster object and its linearization slot).
    size_t n = sizeof(Entry) + sizeof(Transaction) + 4 * 64 + sizeof(Cluster) / 2 + 3 * sizeof(void*);
    for (const TxIn& in : tx.vin) {
        n += sizeof(TxIn) + in.script_sig.size() + 64;  // 64: the spent-outpoint index node
        for (const Bytes& item : in.witness) n += sizeof(Bytes) + item.size();
    }
    for (const TxOut& out : tx.vout) n += sizeof(TxOut) + out.script_pubkey.size();
    return n;
}

}  // namespace

namespace mempool_internal {

bool EntryLess::operator()(const Entry* a, const Entry* b) const { return a->sequence < b->sequence; }

}  // namespace mempool_internal

Entry* Mempool::Impl::find(const uint256& txid) const {
    auto it = by_txid.find(txid);
    return it == by_txid.end() ? nullptr : it->second.get();
}

void Mempool::Impl::collect_ancestors(const Entry* e, EntrySet& out) {
    std::vector<Entry*> stack(e->parents.begin(), e->parents.end());
    while (!stack.empty()) {
        Entry* p = stack.back();
        stack.pop_back();
        if (!out.insert(p).second) continue;
        stack.insert(stack.end(), p->parents.begin(), p->parents.end());
    }
}

void Mempool::Impl::collect_descendants(Entry* e, EntrySet& out) {
    std::vector<Entry*> stack{e};
    while (!stack.empty()) {
        Entry* c = stack.back();
        stack.pop_back();
        if (!out.insert(c).second) continue;
        stack.insert(stack.end(), c->children.begin(), c->children.end());
    }
}

void Mempool::Impl::recompute(Entry* e) {
    EntrySet anc, desc;
    collect_ancestors(e, anc);
    collect_descendants(e, desc);
    e->anc_count = anc.size() + 1;
    e->anc_size = e->vsize;
    e->anc_fees = e->modified_fee;
    e->anc_sigops = e->sigop_cost;
    for (const Entry* a : anc) {
        e->anc_size += a->vsize;
        e->anc_fees += a->modified_fee;
        e->anc_sigops += a->sigop_cost;
    }
    e->desc_count = desc.size();
    e->desc_size = 0;
    e->desc_fees = 0;
    for (const Entry* d : desc) {
        e->desc_size += d->vsize;
        e->desc_fees += d->modified_fee;
    }
}

Entry* Mempool::Impl::add_entry(std::shared_ptr<const Transaction> tx, const uint256& txid, const uint256& wtxid,
                                Amount fee, size_t vsize, int64_t sigop_cost, int64_t time, int height,
                                bool spends_coinbase, bool has_locks) {
    auto owned = std::make_unique<Entry>();
    Entry* e = owned.get();
    e->tx = std::move(tx);
    e->txid = txid;
    e->wtxid = wtxid;
    e->fee = fee;
    auto d = deltas.find(txid);
    e->modified_fee = fee + (d == deltas.end() ? 0 : d->second);
    e->vsize = vsize;
    e->weight = e->tx->weight();
    e->sigop_cost = sigop_cost;
    e->adjusted_weight = std::max<int64_t>(int64_t(e->weight), sigop_cost * int64_t(opts.bytes_per_sigop));
    e->time = time;
    e->height = height;
    e->sequence = next_sequence++;
    e->usage = estimate_usage(*e->tx);
    e->spends_coinbase = spends_coinbase;
    e->has_locks = has_locks;

    for (const TxIn& in : e->tx->vin) {
        if (Entry* p = find(in.prevout.txid)) {
            e->parents.insert(p);
            p->children.insert(e);
        }
        spenders[in.prevout] = e;
    }
    // Children already here: only when a disconnected block's transaction returns.
    for (uint32_t i = 0; i < e->tx->vout.size(); ++i) {
        auto it = spenders.find(OutPoint{txid, i});
        if (it != spenders.end()) {
            e->children.insert(it->second);
            it->second->parents.insert(e);
        }
    }
    by_txid.emplace(txid, std::move(owned));
    by_wtxid[wtxid] = e;
    by_time.emplace(time, e);
    total_vsize += vsize;
    total_usage += e->usage;
    total_fee += fee;

    EntrySet anc;
    collect_ancestors(e, anc);
    if (e->children.empty()) {
        e->anc_count = anc.size() + 1;
        e->anc_size = vsize;
        e->anc_fees = e->modified_fee;
        e->anc_sigops = sigop_cost;
        for (Entry* a : anc) {
            e->anc_size += a->vsize;
            e->anc_fees += a->modified_fee;
            e->anc_sigops += a->sigop_cost;
            a->desc_count += 1;
            a->desc_size += vsize;
            a->desc_fees += e->modified_fee;
        }
        e->desc_count = 1;
        e->desc_size = vsize;
        e->desc_fees = e->modified_fee;
    } else {
        EntrySet affected = anc;
        collect_descendants(e, affected);
        for (Entry* x : affected) recompute(x);
    }
    join_cluster(e);
    return e;
}

void Mempool::Impl::remove_entries(const EntrySet& stage, Removal reason) {
    if (stage.empty()) return;
    const int height = tip_height;
    for (Entry* e : stage) {
        EntrySet anc, desc;
        collect_ancestors(e, anc);
        collect_descendants(e, desc);
        for (Entry* a : anc) {
            if (stage.count(a)) continue;
            a->desc_count -= 1;
            a->desc_size -= e->vsize;
            a->desc_fees -= e->modified_fee;
        }
        for (Entry* d : desc) {
            if (d == e || stage.count(d)) continue;
            d->anc_count -= 1;
            d->anc_size -= e->vsize;
            d->anc_fees -= e->modified_fee;
            d->anc_sigops -= e->sigop_cost;
        }
    }
    std::set<Cluster*> affected;
    for (Entry* e : stage) affected.insert(e->cluster);
    for (Cluster* c : affected) std::erase_if(c->txs, [&](Entry* x) { return stage.count(x) > 0; });
    for (Entry* e : stage) {
        e->cluster = nullptr;
        for (Entry* p : e->parents) p->children.erase(e);
        for (Entry* c : e->children) c->parents.erase(e);
        for (const TxIn& in : e->tx->vin) {
            auto it = spenders.find(in.prevout);
            if (it != spenders.end() && it->second == e) spenders.erase(it);
        }
        auto range = by_time.equal_range(e->time);
        for (auto it = range.first; it != range.second; ++it)
            if (it->second == e) {
                by_time.erase(it);
                break;
            }
        by_wtxid.erase(e->wtxid);
        total_vsize -= e->vsize;
        total_usage -= e->usage;
        total_fee -= e->fee;
        if (reason != Removal::TENTATIVE) {
            estimator.untrack(e->txid, height, reason == Removal::BLOCK);
            unbroadcast.erase(e->txid);
            record_event(*e, reason);
        }
    }
    for (Entry* e : stage) by_txid.erase(e->txid);
    split_clusters(affected);
}

void Mempool::Impl::remove_spenders_of(const Transaction& tx, const uint256& txid, Removal reason) {
    EntrySet stage;
    for (uint32_t i = 0; i < tx.vout.size(); ++i) {
        auto it = spenders.find(OutPoint{txid, i});
        if (it != spenders.end()) collect_descendants(it->second, stage);
    }
    remove_entries(stage, reason);
}

MempoolEntryInfo Mempool::Impl::info_of(const Entry* e) const {
    MempoolEntryInfo i;
    i.tx = e->tx;
    i.txid = e->txid;
    i.wtxid = e->wtxid;
    i.fee = e->fee;
    i.modified_fee = e->modified_fee;
    i.vsize = e->vsize;
    i.weight = e->weight;
    i.time = e->time;
    i.height = e->height;
    i.ancestor_count = e->anc_count;
    i.ancestor_size = e->anc_size;
    i.ancestor_fees = e->anc_fees;
    i.descendant_count = e->desc_count;
    i.descendant_size = e->desc_size;
    i.descendant_fees = e->desc_fees;
    i.chunk_fee = chunk_of(e).fee;
    i.chunk_weight = chunk_of(e).size;
    i.adjusted_weight = e->adjusted_weight;
    for (const Entry* p : e->parents) i.depends.push_back(p->txid);
    for (const Entry* c : e->children) i.spent_by.push_back(c->txid);
    bool replaceable = signals_rbf(*e->tx);
    if (!replaceable) {
        EntrySet anc;
        collect_ancestors(e, anc);
        replaceable = std::any_of(anc.begin(), anc.end(), [](const Entry* a) { return signals_rbf(*a->tx); });
    }
    i.bip125_replaceable = replaceable;
    i.unbroadcast = unbroadcast.count(e->txid) > 0;
    return i;
}

void Mempool::Impl::record_event(const Entry& e, std::optional<Removal> removal) {
    MempoolEvent event;
    event.added = !removal;
    if (removal) {
        switch (*removal) {
        case Removal::EXPIRY: event.reason = MempoolRemovalReason::EXPIRY; break;
        case Removal::SIZELIMIT: event.reason = MempoolRemovalReason::SIZELIMIT; break;
        case Removal::REORG: event.reason = MempoolRemovalReason::REORG; break;
        case Removal::BLOCK: event.reason = MempoolRemovalReason::BLOCK; break;
        case Removal::CONFLICT: event.reason = MempoolRemovalReason::CONFLICT; break;
        case Removal::REPLACED: event.reason = MempoolRemovalReason::REPLACED; break;
        case Removal::TENTATIVE: return;  // the pool did not change
        }
    }
    event.tx = e.tx;
    event.txid = e.txid;
    event.sequence = event_sequence++;
    for (const auto& cb : event_callbacks) cb(event);
}

void Mempool::Impl::notify(const std::vector<MempoolEntryInfo>& added) {
    if (added.empty()) return;
    std::vector<std::function<void(const MempoolEntryInfo&)>> cbs;
    {
        std::lock_guard lock(callbacks_mutex);
        cbs = callbacks;
    }
    for (const MempoolEntryInfo& i : added)
        for (const auto& cb : cbs) cb(i);
}

}  // namespace minicash
