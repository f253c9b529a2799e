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

    // Core's IsWellFormedPackage.
    std::string package_error;
    size_t weight = 0;
    for (const Transaction& tx : txs) weight += tx.weight();
    std::unordered_set<uint256, Uint256Hasher> later;
    for (const AcceptResult& r : results) later.insert(r.txid);
    if (txs.size() > policy::kMaxPackageCount) {
        package_error = "package-too-many-transactions";
    } else if (txs.size() > 1 && weight > policy::kMaxPackageWeight) {
        package_error = "package-too-large";
    } else if (later.size() != txs.size()) {
        package_error = "package-contains-duplicates";
    } else {
        for (size_t i = 0; i < txs.size() && package_error.empty(); ++i) {
            for (const TxIn& in : txs[i].vin)
                if (later.count(in.prevout.txid)) package_error = "package-not-sorted";
            later.erase(results[i].txid);
        }
        std::set<OutPoint> seen;
        for (size_t i = 0; i < txs.size() && package_error.empty(); ++i) {
            if (txs[i].vin.empty()) {
                package_error = "package-empty-tx";
                break;
            }
            for (const TxIn& in : txs[i].vin)
                if (seen.count(in.prevout)) package_error = "conflict-in-package";
            for (const TxIn& in : txs[i].vin) seen.insert(in.prevout);
        }
    }
    if (!package_error.empty()) {
        for (AcceptResult& r : results) r.package_error = package_error;
        return results;
    }

    // Each transaction in order, inserted tentatively so that the next one sees it as an
    // in-pool parent, then everything is taken out again.
    impl_->chain.with_view([&](Chainstate::View& v) {
        std::lock_guard lock(impl_->mutex);
        std::vector<uint256> inserted;
        std::vector<MempoolEntryInfo> unused;
        for (size_t i = 0; i < ptxs.size(); ++i) {
            Args a;
            a.now = a.accept_time = v.now();
            a.tentative = true;
            a.allow_replacement = false;
            a.allow_sibling_eviction = false;
            a.allow_carveouts = false;
            a.allow_orphan = false;
            a.track_fee = false;
            a.max_fee_rate = max_fee_rate.sat_per_kvb;
            results[i] = impl_->try_accept(v, ptxs[i], a, unused);
            if (!results[i].accepted) break;
            inserted.push_back(results[i].txid);
        }
        for (auto it = inserted.rbegin(); it != inserted.rend(); ++it)
            if (Entry* e = impl_->find(*it)) impl_->remove_entries(EntrySet{e}, Removal::TENTATIVE);
    });
    return results;
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
    return i;
}

void Mempool::prioritise(const uint256& txid, Amount fee_delta) {
    std::lock_guard lock(impl_->mutex);
    Amount& d = impl_->deltas[txid];
    d += fee_delta;
    if (d == 0) impl_->deltas.erase(txid);
    Entry* e = impl_->find(txid);
    if (!e || fee_delta == 0) return;
    impl_->unindex(e);
    e->modified_fee += fee_delta;
    e->anc_fees += fee_delta;
    e->desc_fees += fee_delta;
    impl_->reindex(e);
    EntrySet anc, desc;
    Impl::collect_ancestors(e, anc);
    Impl::collect_descendants(e, desc);
    for (Entry* a : anc) {
        impl_->unindex(a);
        a->desc_fees += fee_delta;
        impl_->reindex(a);
    }
    for (Entry* x : desc)
        if (x != e) x->anc_fees += fee_delta;
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

bool Mempool::check_consistency(std::string* error) const {
    std::lock_guard lock(impl_->mutex);
    const Impl& m = *impl_;
    auto fail = [&](const std::string& why) {
        if (error) *error = why;
        return false;
    };
    if (m.by_wtxid.size() != m.by_txid.size() || m.by_time.size() != m.by_txid.size() ||
        m.eviction.size() != m.by_txid.size())
        return fail("index sizes differ");
    size_t vsize = 0, usage = 0, spent = 0;
    Amount fee = 0;
    for (const auto& [txid, owned] : m.by_txid) {
        const Entry* e = owned.get();
        const std::string id = txid.to_hex();
        if (e->txid != txid || m.by_wtxid.count(e->wtxid) == 0 || m.by_wtxid.at(e->wtxid) != e)
            return fail(id + ": id indexes");
        if (!e->indexed) return fail(id + ": not in the eviction index");
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
    if (!std::is_sorted(m.eviction.begin(), m.eviction.end(), EvictionLess{})) return fail("eviction order");
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
