#include "node/mempool.h"

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
#include "node/mempool_internal.h"
#include "node/policy.h"
#include "node/sig_cache.h"
#include "util/atomic_file.h"
#include "util/logging.h"

namespace minicash {

using namespace mempool_internal;

Mempool::Mempool(Chainstate& chain, MempoolOptions options) : impl_(std::make_unique<Impl>(chain, std::move(options))) {
    chain.with_view([&](Chainstate::View& v) {
        impl_->last_rolling_update = v.now();
        impl_->tip_height = v.tip() ? v.tip()->height : 0;
    });
    impl_->link = std::make_shared<Impl::Link>();
    impl_->link->impl = impl_.get();
    Chainstate::Listener listener;
    listener.connected = [link = impl_->link](const Block& block, const BlockIndex* index, const Chainstate::View& v) {
        std::lock_guard guard(link->mutex);
        if (!link->impl) return;
        std::vector<MempoolEntryInfo> added;
        {
            std::lock_guard lock(link->impl->mutex);
            link->impl->block_connected(v, block, index, added);
        }
        link->impl->notify(added);
    };
    listener.disconnected = [link = impl_->link](const Block& block, const BlockIndex* index,
                                                 const Chainstate::View& v) {
        std::lock_guard guard(link->mutex);
        if (!link->impl) return;
        std::vector<MempoolEntryInfo> added;
        {
            std::lock_guard lock(link->impl->mutex);
            link->impl->block_disconnected(v, block, index, added);
        }
        link->impl->notify(added);
    };
    chain.add_listener(std::move(listener));
}

Mempool::~Mempool() {
    std::lock_guard guard(impl_->link->mutex);
    impl_->link->impl = nullptr;
}

AcceptResult Mempool::accept(const Transaction& tx, bool test_only, FeeRate max_fee_rate) {
    auto ptx = std::make_shared<const Transaction>(tx);
    AcceptResult result;
    std::vector<MempoolEntryInfo> added;
    impl_->chain.with_view([&](Chainstate::View& v) {
        std::lock_guard lock(impl_->mutex);
        Args a;
        a.now = a.accept_time = v.now();
        a.test_only = test_only;
        a.max_fee_rate = max_fee_rate.sat_per_kvb;
        result = impl_->accept_with_orphans(v, ptx, a, added);
    });
    impl_->notify(added);
    return result;
}

std::vector<AcceptResult> Mempool::test_accept_package(const std::vector<Transaction>& txs, FeeRate max_fee_rate) {
    if (txs.size() == 1) return {accept(txs[0], true, max_fee_rate)};
    std::vector<AcceptResult> results(txs.size());
    std::vector<std::shared_ptr<const Transaction>> ptxs;
    for (size_t i = 0; i < txs.size(); ++i) {
        ptxs.push_back(std::make_shared<const Transaction>(txs[i]));
        results[i].txid = txs[i].txid();
        results[i].wtxid = txs[i].wtxid();
    }
    if (std::string shape = package_shape_error(ptxs); !shape.empty()) {
        for (AcceptResult& r : results) r.package_error = shape;
        return results;
    }
    // Core's PackageTestAccept: no package feerates, no replacements, nothing inserted.
    impl_->chain.with_view([&](Chainstate::View& v) {
        std::lock_guard lock(impl_->mutex);
        Args a;
        a.now = a.accept_time = v.now();
        a.test_only = true;
        a.allow_replacement = false;
        a.allow_sibling_eviction = false;
        a.allow_orphan = false;
        a.track_fee = false;
        a.max_fee_rate = max_fee_rate.sat_per_kvb;
        std::map<uint256, AcceptResult> found;
        bool policy_error = false;
        std::vector<MempoolEntryInfo> unused;
        const std::string msg = impl_->accept_together(v, ptxs, a, found, policy_error, unused);
        for (AcceptResult& r : results) {
            if (policy_error) r.package_error = msg;
            if (auto it = found.find(r.wtxid); it != found.end()) r = it->second;
            if (policy_error) r.package_error = msg;
        }
    });
    return results;
}

PackageResult Mempool::submit_package(const std::vector<Transaction>& txs, FeeRate max_fee_rate) {
    std::vector<std::shared_ptr<const Transaction>> ptxs;
    ptxs.reserve(txs.size());
    for (const Transaction& tx : txs) ptxs.push_back(std::make_shared<const Transaction>(tx));
    PackageResult result;
    std::vector<MempoolEntryInfo> added;
    impl_->chain.with_view([&](Chainstate::View& v) {
        std::lock_guard lock(impl_->mutex);
        Args a;
        a.now = a.accept_time = v.now();
        a.allow_orphan = false;
        a.client_max_feerate = max_fee_rate.sat_per_kvb;
        result = impl_->accept_package(v, ptxs, a, added);
        for (const MempoolEntryInfo& i : added) { impl_->erase_orphan(i.wtxid); }
        std::deque<uint256> parents;
        for (const MempoolEntryInfo& i : added) parents.push_back(i.txid);
        impl_->process_orphans(v, parents, added);
    });
    impl_->notify(added);
    return result;
}

std::optional<MempoolCluster> Mempool::cluster(const uint256& txid) const {
    std::lock_guard lock(impl_->mutex);
    const Entry* e = impl_->find(txid);
    if (!e) return std::nullopt;
    const Cluster* c = e->cluster;
    MempoolCluster out;
    out.tx_count = c->txs.size();
    uint32_t pos = 0;
    for (size_t k = 0; k < c->chunks.size(); ++k) {
        MempoolCluster::Chunk chunk;
        chunk.fee = c->chunks[k].fee;
        chunk.weight = c->chunks[k].size;
        for (; pos < c->chunk_ends[k]; ++pos) chunk.txids.push_back(c->txs[pos]->txid);
        out.weight += chunk.weight;
        out.chunks.push_back(std::move(chunk));
    }
    return out;
}

std::vector<std::pair<int64_t, Amount>> Mempool::feerate_diagram() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<cluster::FeeFrac> chunks;
    for (const auto& [id, c] : impl_->clusters) chunks.insert(chunks.end(), c->chunks.begin(), c->chunks.end());
    std::vector<std::pair<int64_t, Amount>> out;
    for (const cluster::FeeFrac& p : cluster::diagram_points(std::move(chunks))) out.emplace_back(p.size, p.fee);
    return out;
}

bool Mempool::contains(const uint256& txid) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->by_txid.count(txid) > 0;
}

bool Mempool::contains_wtxid(const uint256& wtxid) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->by_wtxid.count(wtxid) > 0;
}

std::optional<MempoolEntryInfo> Mempool::entry(const uint256& txid) const {
    std::lock_guard lock(impl_->mutex);
    const Entry* e = impl_->find(txid);
    if (!e) return std::nullopt;
    return impl_->info_of(e);
}

std::shared_ptr<const Transaction> Mempool::get(const uint256& txid) const {
    std::lock_guard lock(impl_->mutex);
    const Entry* e = impl_->find(txid);
    return e ? e->tx : nullptr;
}

std::shared_ptr<const Transaction> Mempool::get_by_wtxid(const uint256& wtxid) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->by_wtxid.find(wtxid);
    return it == impl_->by_wtxid.end() ? nullptr : it->second->tx;
}

std::vector<uint256> Mempool::txids() const { return txids_and_sequence().first; }

std::optional<uint256> Mempool::spender_of(const OutPoint& outpoint) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->spenders.find(outpoint);
    if (it == impl_->spenders.end()) return std::nullopt;
    return it->second->txid;
}

MempoolInfo Mempool::info() const {
    const int64_t now = impl_->chain.now();
    std::lock_guard lock(impl_->mutex);
    const Impl& m = *impl_;
    MempoolInfo i;
    i.size = m.by_txid.size();
    i.bytes = m.total_vsize;
    i.usage = m.total_usage;
    i.total_fee = m.total_fee;
    i.max_bytes = m.opts.max_bytes;
    i.min_fee = FeeRate{std::max(m.min_fee(now), m.opts.min_relay_feerate.sat_per_kvb)};
    i.min_relay_feerate = m.opts.min_relay_feerate;
    i.incremental_relay_feerate = m.opts.incremental_relay_feerate;
    i.unbroadcast = m.unbroadcast.size();
    i.full_rbf = true;
    i.permit_bare_multisig = m.opts.permit_bare_multisig;
    i.max_datacarrier_bytes = m.opts.max_datacarrier_bytes.value_or(0);
    i.cluster_count = m.opts.cluster_count;
    i.cluster_size_vbytes = m.opts.cluster_size_vbytes;
    i.optimal = std::all_of(m.clusters.begin(), m.clusters.end(), [](const auto& c) { return c.second->optimal; });
    return i;
}

void Mempool::prioritise(const uint256& txid, Amount fee_delta) {
    std::lock_guard lock(impl_->mutex);
    Amount& d = impl_->deltas[txid];
    d += fee_delta;
    if (d == 0) impl_->deltas.erase(txid);
    Entry* e = impl_->find(txid);
    if (!e || fee_delta == 0) return;
    e->modified_fee += fee_delta;
    e->anc_fees += fee_delta;
    e->desc_fees += fee_delta;
    EntrySet anc, desc;
    Impl::collect_ancestors(e, anc);
    Impl::collect_descendants(e, desc);
    for (Entry* a : anc) a->desc_fees += fee_delta;
    for (Entry* x : desc)
        if (x != e) x->anc_fees += fee_delta;
    impl_->relinearize(e->cluster);
}

std::vector<std::pair<uint256, Amount>> Mempool::fee_deltas() const {
    std::lock_guard lock(impl_->mutex);
    return {impl_->deltas.begin(), impl_->deltas.end()};
}

std::optional<std::pair<FeeRate, int>> Mempool::estimate_fee(int target) const {
    const int64_t now = impl_->chain.now();
    std::lock_guard lock(impl_->mutex);
    auto e = impl_->estimator.estimate(target, impl_->tip_height);
    if (!e) return std::nullopt;
    const Amount rate = std::max({e->first, impl_->min_fee(now), impl_->opts.min_relay_feerate.sat_per_kvb});
    return std::make_pair(FeeRate{rate}, e->second);
}

FeeEstimator::RawEstimate Mempool::estimate_raw_fee(int target, double threshold) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->estimator.estimate_raw(target, threshold, impl_->tip_height);
}

bool Mempool::check_consistency(std::string* error) const {
    std::lock_guard lock(impl_->mutex);
    const Impl& m = *impl_;
    auto fail = [&](const std::string& why) {
        if (error) *error = why;
        return false;
    };
    if (m.by_wtxid.size() != m.by_txid.size() || m.by_time.size() != m.by_txid.size() ||
        m.worst_chunks.size() != m.clusters.size())
        return fail("index sizes differ");
    if (auto why = m.check_clusters()) return fail(*why);
    size_t vsize = 0, usage = 0, spent = 0;
    Amount fee = 0;
    for (const auto& [txid, owned] : m.by_txid) {
        const Entry* e = owned.get();
        const std::string id = txid.to_hex();
        if (e->txid != txid || m.by_wtxid.count(e->wtxid) == 0 || m.by_wtxid.at(e->wtxid) != e)
            return fail(id + ": id indexes");
        vsize += e->vsize;
        usage += e->usage;
        fee += e->fee;
        EntrySet parents;
        for (const TxIn& in : e->tx->vin) {
            auto it = m.spenders.find(in.prevout);
            if (it == m.spenders.end() || it->second != e) return fail(id + ": spent outpoint not indexed");
            ++spent;
            if (Entry* p = m.find(in.prevout.txid)) parents.insert(p);
        }
        if (parents != e->parents) return fail(id + ": parents");
        for (const Entry* c : e->children)
            if (!c->parents.count(const_cast<Entry*>(e))) return fail(id + ": child link");
        EntrySet anc, desc;
        Impl::collect_ancestors(e, anc);
        Impl::collect_descendants(const_cast<Entry*>(e), desc);
        size_t anc_size = e->vsize, desc_size = 0;
        Amount anc_fees = e->modified_fee, desc_fees = 0;
        int64_t anc_sigops = e->sigop_cost;
        for (const Entry* a : anc) {
            anc_size += a->vsize;
            anc_fees += a->modified_fee;
            anc_sigops += a->sigop_cost;
        }
        for (const Entry* d : desc) {
            desc_size += d->vsize;
            desc_fees += d->modified_fee;
        }
        if (e->anc_count != anc.size() + 1 || e->anc_size != anc_size || e->anc_fees != anc_fees ||
            e->anc_sigops != anc_sigops)
            return fail(id + ": ancestor aggregates");
        if (e->desc_count != desc.size() || e->desc_size != desc_size || e->desc_fees != desc_fees)
            return fail(id + ": descendant aggregates");
        auto d = m.deltas.find(txid);
        if (e->modified_fee != e->fee + (d == m.deltas.end() ? 0 : d->second)) return fail(id + ": fee delta");
    }
    if (spent != m.spenders.size()) return fail("stale spent outpoints");
    if (vsize != m.total_vsize || usage != m.total_usage || fee != m.total_fee) return fail("totals");
    for (const uint256& txid : m.unbroadcast)
        if (!m.find(txid)) return fail("unbroadcast entry not in the pool");
    size_t orphan_weight = 0;
    for (const auto& [wtxid, o] : m.orphans) orphan_weight += o.weight;
    if (orphan_weight != m.orphan_weight) return fail("orphan weight");
    return true;
}

void Mempool::on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback) {
    std::lock_guard lock(impl_->callbacks_mutex);
    impl_->callbacks.push_back(std::move(callback));
}

void Mempool::on_event(std::function<void(const MempoolEvent&)> callback) {
    std::lock_guard lock(impl_->mutex);
    impl_->event_callbacks.push_back(std::move(callback));
}

uint64_t Mempool::sequence() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->event_sequence;
}

std::pair<std::vector<uint256>, uint64_t> Mempool::txids_and_sequence() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<uint256> out;
    out.reserve(impl_->by_txid.size());
    for (const auto& [txid, e] : impl_->by_txid) out.push_back(txid);
    return {std::move(out), impl_->event_sequence};
}

size_t Mempool::orphan_count() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->orphans.size();
}

bool Mempool::contains_orphan(const uint256& wtxid) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->orphans.count(wtxid) > 0;
}

std::shared_ptr<const Transaction> Mempool::orphan(const uint256& hash, bool is_wtxid) const {
    std::lock_guard lock(impl_->mutex);
    if (is_wtxid) {
        auto it = impl_->orphans.find(hash);
        return it == impl_->orphans.end() ? nullptr : it->second.tx;
    }
    for (const auto& [wtxid, o] : impl_->orphans)
        if (o.txid == hash) return o.tx;
    return nullptr;
}

std::vector<std::shared_ptr<const Transaction>> Mempool::orphan_list() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<const Orphan*> all;
    for (const auto& [wtxid, o] : impl_->orphans) all.push_back(&o);
    std::sort(all.begin(), all.end(), [](const Orphan* a, const Orphan* b) { return a->sequence < b->sequence; });
    std::vector<std::shared_ptr<const Transaction>> out;
    for (const Orphan* o : all) out.push_back(o->tx);
    return out;
}

std::vector<std::shared_ptr<const Transaction>> Mempool::orphan_children(const uint256& parent_txid) const {
    std::lock_guard lock(impl_->mutex);
    std::vector<std::shared_ptr<const Transaction>> out;
    for (const uint256& wtxid : impl_->orphans_spending(parent_txid, SIZE_MAX))
        out.push_back(impl_->orphans.at(wtxid).tx);
    return out;
}

void Mempool::add_unbroadcast(const uint256& txid) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->find(txid)) impl_->unbroadcast.insert(txid);
}

void Mempool::remove_unbroadcast(const uint256& txid) {
    std::lock_guard lock(impl_->mutex);
    impl_->unbroadcast.erase(txid);
}

std::vector<uint256> Mempool::unbroadcast() const {
    std::lock_guard lock(impl_->mutex);
    return {impl_->unbroadcast.begin(), impl_->unbroadcast.end()};
}

}  // namespace minicash
