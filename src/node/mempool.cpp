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
#include "node/policy.h"
#include "node/sig_cache.h"
#include "util/atomic_file.h"
#include "util/logging.h"

namespace minicash {

namespace {

constexpr int64_t kRollingFeeHalflife = 12 * 60 * 60;  // ROLLING_FEE_HALFLIFE
constexpr Amount kBlockMinFeeRate = 1;                  // sat/kvB, Core 30's -blockmintxfee
constexpr uint64_t kDumpVersionNoXor = 1;               // MEMPOOL_DUMP_VERSION_NO_XOR_KEY
constexpr uint64_t kDumpVersionXor = 2;                 // MEMPOOL_DUMP_VERSION

enum class Removal { EXPIRY, SIZELIMIT, REORG, BLOCK, CONFLICT, REPLACED, TENTATIVE };

bool signals_rbf(const Transaction& tx) {
    return std::any_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& in) { return in.sequence <= 0xfffffffd; });
}

std::string short_id(const uint256& txid, const uint256& wtxid) {
    return txid.to_hex() + " (wtxid=" + wtxid.to_hex() + ")";
}

struct Entry;
struct EntryLess {
    bool operator()(const Entry* a, const Entry* b) const;
};
using EntrySet = std::set<Entry*, EntryLess>;
// Eviction order: lowest descendant score first.
struct EvictionLess {
    bool operator()(const Entry* a, const Entry* b) const;
};
using EvictionIndex = std::set<Entry*, EvictionLess>;

// One transaction in the pool, with links to its in-pool parents and children and the
// aggregate state of its ancestors and descendants (each including the entry itself).
struct Entry {
    std::shared_ptr<const Transaction> tx;
    uint256 txid, wtxid;
    Amount fee = 0;
    Amount modified_fee = 0;
    size_t vsize = 0, weight = 0;
    int64_t sigop_cost = 0;
    int64_t time = 0;
    int height = 0;
    uint64_t sequence = 0;
    size_t usage = 0;
    bool spends_coinbase = false;
    bool has_locks = false;  // nLockTime or BIP68 relative locks to re-check after a reorg
    EntrySet parents, children;
    size_t anc_count = 1, anc_size = 0;
    Amount anc_fees = 0;
    int64_t anc_sigops = 0;
    size_t desc_count = 1, desc_size = 0;
    Amount desc_fees = 0;
    // Position in the eviction index, whose order depends on the fields above: taken out
    // before they change, put back after.
    EvictionIndex::iterator eviction_pos;
    bool indexed = false;
};

bool EntryLess::operator()(const Entry* a, const Entry* b) const { return a->sequence < b->sequence; }

// Core's descendant score: the lower of the entry's own fee rate and that of it with its
// descendants; on equal scores the newer entry goes first.
bool EvictionLess::operator()(const Entry* a, const Entry* b) const {
    auto score = [](const Entry* e, double& fee, double& size) {
        const double own = double(e->modified_fee) * double(e->desc_size);
        const double with = double(e->desc_fees) * double(e->vsize);
        if (with > own) {
            fee = double(e->desc_fees);
            size = double(e->desc_size);
        } else {
            fee = double(e->modified_fee);
            size = double(e->vsize);
        }
    };
    double af, as, bf, bs;
    score(a, af, as);
    score(b, bf, bs);
    const double f1 = af * bs, f2 = as * bf;
    if (f1 != f2) return f1 < f2;
    if (a->time != b->time) return a->time > b->time;
    return a->sequence > b->sequence;
}

// An orphan: a transaction whose inputs were missing when it arrived.
struct Orphan {
    std::shared_ptr<const Transaction> tx;
    uint256 txid;
    int64_t expires = 0;
    size_t weight = 0;
    uint64_t sequence = 0;
};

// Ancestor/descendant limits for one check.
struct Limits {
    size_t ancestor_count, ancestor_size, descendant_count, descendant_size;
};

// How one transaction is to be evaluated (Core's ATMPArgs).
struct Args {
    int64_t now = 0;          // the clock now
    int64_t accept_time = 0;  // entry time to record (mempool.dat keeps the original one)
    bool test_only = false;
    bool bypass_limits = false;  // re-added from a disconnected block: no fee checks
    bool tentative = false;      // package test: inserted, rolled back afterwards
    bool allow_replacement = true;
    bool allow_sibling_eviction = true;
    bool allow_carveouts = true;
    bool allow_orphan = true;
    bool track_fee = true;
    Amount max_fee_rate = 0;
};

size_t estimate_usage(const Transaction& tx) {
    // Entry and transaction objects, three hash-index nodes, the time index node.
    size_t n = sizeof(Entry) + sizeof(Transaction) + 4 * 64;
    for (const TxIn& in : tx.vin) {
        n += sizeof(TxIn) + in.script_sig.size() + 64;  // 64: the spent-outpoint index node
        for (const Bytes& item : in.witness) n += sizeof(Bytes) + item.size();
    }
    for (const TxOut& out : tx.vout) n += sizeof(TxOut) + out.script_pubkey.size();
    return n;
}

}  // namespace

struct Mempool::Impl {
    // Lets chain state listeners reach the mempool while it lives, and nothing after.
    struct Link {
        std::mutex mutex;
        Impl* impl = nullptr;
    };

    Chainstate& chain;
    MempoolOptions opts;

    mutable std::mutex mutex;
    std::unordered_map<uint256, std::unique_ptr<Entry>, Uint256Hasher> by_txid;
    std::unordered_map<uint256, Entry*, Uint256Hasher> by_wtxid;
    std::map<OutPoint, Entry*> spenders;  // outpoint -> in-pool transaction spending it
    std::multimap<int64_t, Entry*> by_time;
    EvictionIndex eviction;
    uint64_t next_sequence = 1;
    size_t total_vsize = 0, total_usage = 0;
    Amount total_fee = 0;
    std::map<uint256, Amount> deltas;
    std::set<uint256> unbroadcast;

    // Rolling minimum fee (sat/kvB), as Core's rollingMinimumFeeRate.
    mutable double rolling_min = 0;
    mutable int64_t last_rolling_update = 0;
    mutable bool block_since_bump = false;

    FeeEstimator estimator;

    std::map<uint256, Orphan> orphans;  // by wtxid
    std::multimap<OutPoint, uint256> orphan_spends;
    size_t orphan_weight = 0;
    uint64_t orphan_sequence = 0;

    std::mutex callbacks_mutex;
    std::vector<std::function<void(const MempoolEntryInfo&)>> callbacks;
    std::shared_ptr<Link> link;
    int tip_height = 0;  // kept current by the chain state events

    Impl(Chainstate& c, MempoolOptions o) : chain(c), opts(std::move(o)) {}

    // ---- Eviction index ----

    void unindex(Entry* e) {
        if (!e->indexed) return;
        eviction.erase(e->eviction_pos);
        e->indexed = false;
    }
    void reindex(Entry* e) {
        if (e->indexed) return;
        e->eviction_pos = eviction.insert(e).first;
        e->indexed = true;
    }

    // ---- Topology ----

    Entry* find(const uint256& txid) const {
        auto it = by_txid.find(txid);
        return it == by_txid.end() ? nullptr : it->second.get();
    }

    static void collect_ancestors(const Entry* e, EntrySet& out) {
        std::vector<Entry*> stack(e->parents.begin(), e->parents.end());
        while (!stack.empty()) {
            Entry* p = stack.back();
            stack.pop_back();
            if (!out.insert(p).second) continue;
            stack.insert(stack.end(), p->parents.begin(), p->parents.end());
        }
    }
    // Descendants of `e` and `e` itself.
    static void collect_descendants(Entry* e, EntrySet& out) {
        std::vector<Entry*> stack{e};
        while (!stack.empty()) {
            Entry* c = stack.back();
            stack.pop_back();
            if (!out.insert(c).second) continue;
            stack.insert(stack.end(), c->children.begin(), c->children.end());
        }
    }

    // Recomputes the aggregates of `e` from its links.
    static void recompute(Entry* e) {
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

    // Core's CalculateMemPoolAncestors for a transaction not yet in the pool, whose
    // in-pool parents are `parents`. Fails with Core's messages.
    static std::optional<EntrySet> ancestors_within(const EntrySet& parents, size_t vsize, const Limits& limits,
                                                    std::string& error) {
        if (parents.size() + 1 > limits.ancestor_count) {
            error = "too many unconfirmed parents [limit: " + std::to_string(limits.ancestor_count) + "]";
            return std::nullopt;
        }
        EntrySet staged = parents, ancestors;
        size_t total_size = vsize;
        while (!staged.empty()) {
            Entry* a = *staged.begin();
            staged.erase(staged.begin());
            ancestors.insert(a);
            total_size += a->vsize;
            if (a->desc_size + vsize > limits.descendant_size) {
                error = "exceeds descendant size limit for tx " + a->txid.to_hex() + " [limit: " +
                        std::to_string(limits.descendant_size) + "]";
                return std::nullopt;
            }
            if (a->desc_count + 1 > limits.descendant_count) {
                error = "too many descendants for tx " + a->txid.to_hex() + " [limit: " +
                        std::to_string(limits.descendant_count) + "]";
                return std::nullopt;
            }
            if (total_size > limits.ancestor_size) {
                error = "exceeds ancestor size limit [limit: " + std::to_string(limits.ancestor_size) + "]";
                return std::nullopt;
            }
            for (Entry* p : a->parents) {
                if (!ancestors.count(p)) staged.insert(p);
                if (staged.size() + ancestors.size() + 1 > limits.ancestor_count) {
                    error = "too many unconfirmed ancestors [limit: " + std::to_string(limits.ancestor_count) + "]";
                    return std::nullopt;
                }
            }
        }
        return ancestors;
    }

    // ---- Insertion and removal ----

    Entry* add_entry(std::shared_ptr<const Transaction> tx, const uint256& txid, const uint256& wtxid, Amount fee,
                     size_t vsize, int64_t sigop_cost, int64_t time, int height, bool spends_coinbase, bool has_locks) {
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
                unindex(a);
                a->desc_count += 1;
                a->desc_size += vsize;
                a->desc_fees += e->modified_fee;
                reindex(a);
            }
            e->desc_count = 1;
            e->desc_size = vsize;
            e->desc_fees = e->modified_fee;
            reindex(e);
        } else {
            EntrySet affected = anc;
            collect_descendants(e, affected);
            for (Entry* x : affected) {
                unindex(x);
                recompute(x);
                reindex(x);
            }
        }
        return e;
    }

    // Removes `stage` (Core's RemoveStaged): aggregates of what stays are corrected first.
    void remove_entries(const EntrySet& stage, Removal reason) {
        if (stage.empty()) return;
        const int height = tip_height;
        for (Entry* e : stage) {
            EntrySet anc, desc;
            collect_ancestors(e, anc);
            collect_descendants(e, desc);
            for (Entry* a : anc) {
                if (stage.count(a)) continue;
                unindex(a);
                a->desc_count -= 1;
                a->desc_size -= e->vsize;
                a->desc_fees -= e->modified_fee;
                reindex(a);
            }
            for (Entry* d : desc) {
                if (d == e || stage.count(d)) continue;
                d->anc_count -= 1;
                d->anc_size -= e->vsize;
                d->anc_fees -= e->modified_fee;
                d->anc_sigops -= e->sigop_cost;
            }
        }
        for (Entry* e : stage) {
            unindex(e);
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
            }
        }
        for (Entry* e : stage) by_txid.erase(e->txid);
    }

    // Removes every in-pool transaction spending an output of `tx`, with descendants.
    void remove_spenders_of(const Transaction& tx, const uint256& txid, Removal reason) {
        EntrySet stage;
        for (uint32_t i = 0; i < tx.vout.size(); ++i) {
            auto it = spenders.find(OutPoint{txid, i});
            if (it != spenders.end()) collect_descendants(it->second, stage);
        }
        remove_entries(stage, reason);
    }

    // ---- Minimum fee (Core's GetMinFee / TrimToSize / Expire) ----

    Amount min_fee(int64_t now) const {
        if (!block_since_bump || rolling_min == 0) return Amount(std::llround(rolling_min));
        if (now > last_rolling_update + 10) {
            double halflife = double(kRollingFeeHalflife);
            if (total_usage < opts.max_bytes / 4) {
                halflife /= 4;
            } else if (total_usage < opts.max_bytes / 2) {
                halflife /= 2;
            }
            rolling_min = rolling_min / std::pow(2.0, double(now - last_rolling_update) / halflife);
            last_rolling_update = now;
            if (rolling_min < double(opts.incremental_relay_feerate.sat_per_kvb) / 2) {
                rolling_min = 0;
                return 0;
            }
        }
        return std::max(Amount(std::llround(rolling_min)), opts.incremental_relay_feerate.sat_per_kvb);
    }

    void expire(int64_t cutoff) {
        EntrySet stage;
        for (auto it = by_time.begin(); it != by_time.end() && it->first < cutoff; ++it)
            collect_descendants(it->second, stage);
        remove_entries(stage, Removal::EXPIRY);
    }

    void trim(size_t limit) {
        while (!by_txid.empty() && total_usage > limit) {
            Entry* worst = *eviction.begin();
            // New entries must beat what was removed, by the incremental relay fee.
            const Amount removed_rate =
                policy::rate_of(worst->desc_fees, worst->desc_size) + opts.incremental_relay_feerate.sat_per_kvb;
            if (double(removed_rate) > rolling_min) {
                rolling_min = double(removed_rate);
                block_since_bump = false;
            }
            EntrySet stage;
            collect_descendants(worst, stage);
            remove_entries(stage, Removal::SIZELIMIT);
        }
    }

    void limit_size(int64_t now) {
        expire(now - opts.expiry_seconds);
        trim(opts.max_bytes);
    }

    // ---- Snapshots ----

    MempoolEntryInfo info_of(const Entry* e) const {
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

    // ---- Acceptance ----

    AcceptResult try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx, const Args& args,
                            std::vector<MempoolEntryInfo>& added);
    AcceptResult accept_with_orphans(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                     const Args& args, std::vector<MempoolEntryInfo>& added);
    void process_orphans(const Chainstate::View& v, std::deque<uint256> parents, std::vector<MempoolEntryInfo>& added);

    // ---- Orphans ----

    void erase_orphan(const uint256& wtxid) {
        auto it = orphans.find(wtxid);
        if (it == orphans.end()) return;
        for (const TxIn& in : it->second.tx->vin) {
            auto range = orphan_spends.equal_range(in.prevout);
            for (auto s = range.first; s != range.second;) {
                if (s->second == wtxid) {
                    s = orphan_spends.erase(s);
                } else {
                    ++s;
                }
            }
        }
        orphan_weight -= it->second.weight;
        orphans.erase(it);
    }

    void add_orphan(const std::shared_ptr<const Transaction>& tx, const uint256& txid, const uint256& wtxid,
                    int64_t now) {
        // Expired ones go first.
        std::vector<uint256> expired;
        for (const auto& [w, o] : orphans)
            if (o.expires <= now) expired.push_back(w);
        for (const uint256& w : expired) erase_orphan(w);
        const size_t weight = tx->weight();
        if (weight > policy::kMaxStandardTxWeight || orphans.count(wtxid) || opts.max_orphans == 0) return;
        Orphan o{tx, txid, now + opts.orphan_expiry_seconds, weight, ++orphan_sequence};
        orphans.emplace(wtxid, o);
        for (const TxIn& in : tx->vin) orphan_spends.emplace(in.prevout, wtxid);
        orphan_weight += weight;
        while (orphans.size() > opts.max_orphans || orphan_weight > opts.max_orphan_weight) {
            auto oldest = std::min_element(orphans.begin(), orphans.end(), [](const auto& a, const auto& b) {
                return a.second.sequence < b.second.sequence;
            });
            erase_orphan(oldest->first);
        }
    }

    // Orphans that spend an output of `txid` (in arrival order).
    std::vector<uint256> orphans_spending(const uint256& txid, size_t outputs) const {
        std::vector<std::pair<uint64_t, uint256>> found;
        auto lo = orphan_spends.lower_bound(OutPoint{txid, 0});
        for (auto it = lo; it != orphan_spends.end() && it->first.txid == txid; ++it) {
            if (it->first.index >= outputs) break;
            auto o = orphans.find(it->second);
            if (o != orphans.end()) found.emplace_back(o->second.sequence, it->second);
        }
        std::sort(found.begin(), found.end());
        found.erase(std::unique(found.begin(), found.end()), found.end());
        std::vector<uint256> out;
        for (const auto& f : found) out.push_back(f.second);
        return out;
    }

    // ---- Chain state events (chain state locked) ----

    // Called from chain listeners, with the chain state locked; `v` is the listener's view.
    void block_connected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                         std::vector<MempoolEntryInfo>& added);
    void block_disconnected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                            std::vector<MempoolEntryInfo>& added);
    void remove_for_reorg(const Chainstate::View& v);

    void notify(const std::vector<MempoolEntryInfo>& added) {
        if (added.empty()) return;
        std::vector<std::function<void(const MempoolEntryInfo&)>> cbs;
        {
            std::lock_guard lock(callbacks_mutex);
            cbs = callbacks;
        }
        for (const MempoolEntryInfo& i : added)
            for (const auto& cb : cbs) cb(i);
    }
};

namespace {

// Collects the coin of every input: from the pool (not yet confirmed: next block's height)
// or from the UTXO set.
struct InputCoins {
    std::vector<Coin> coins;
    std::vector<uint256> missing;  // parent txids of inputs found nowhere (unique, in order)
};

// Core's SingleTRUCChecks. Returns an error and, when the only obstacle is an existing
// sibling that may be evicted, that sibling.
std::optional<std::pair<std::string, Entry*>> truc_checks(const Transaction& tx, const uint256& txid,
                                                          const uint256& wtxid, const EntrySet& ancestors,
                                                          const std::set<uint256>& direct_conflicts, size_t vsize) {
    using namespace policy;
    for (const Entry* a : ancestors) {
        if (tx.version != kTrucVersion && a->tx->version == kTrucVersion)
            return std::make_pair("non-version=3 tx " + short_id(txid, wtxid) + " cannot spend from version=3 tx " +
                                      short_id(a->txid, a->wtxid),
                                  nullptr);
        if (tx.version == kTrucVersion && a->tx->version != kTrucVersion)
            return std::make_pair("version=3 tx " + short_id(txid, wtxid) + " cannot spend from non-version=3 tx " +
                                      short_id(a->txid, a->wtxid),
                                  nullptr);
    }
    if (tx.version != kTrucVersion) return std::nullopt;
    if (vsize > kTrucMaxVsize)
        return std::make_pair("version=3 tx " + short_id(txid, wtxid) + " is too big: " + std::to_string(vsize) + " > " +
                                  std::to_string(kTrucMaxVsize) + " virtual bytes",
                              nullptr);
    if (ancestors.size() + 1 > kTrucAncestorLimit)
        return std::make_pair("tx " + short_id(txid, wtxid) + " would have too many ancestors", nullptr);
    if (ancestors.empty()) return std::nullopt;
    if (vsize > kTrucChildMaxVsize)
        return std::make_pair("version=3 child tx " + short_id(txid, wtxid) + " is too big: " + std::to_string(vsize) +
                                  " > " + std::to_string(kTrucChildMaxVsize) + " virtual bytes",
                              nullptr);
    const Entry* parent = *ancestors.begin();
    const bool child_replaced = std::any_of(parent->children.begin(), parent->children.end(),
                                            [&](const Entry* c) { return direct_conflicts.count(c->txid) > 0; });
    if (parent->desc_count + 1 > kTrucDescendantLimit && !child_replaced) {
        // One existing child (without children of its own) may be evicted as a sibling.
        Entry* sibling = nullptr;
        if (parent->desc_count == 2 && parent->children.size() == 1 && (*parent->children.begin())->anc_count == 2)
            sibling = *parent->children.begin();
        return std::make_pair("tx " + short_id(parent->txid, parent->wtxid) + " would exceed descendant count limit",
                              sibling);
    }
    return std::nullopt;
}

// Runs input `i`'s scripts with `flags` (signatures found valid go into the cache).
bool verify_input(const Transaction& tx, unsigned i, const std::vector<TxOut>& spent, const PrecomputedTxData& txdata,
                  ScriptFlags flags, SignatureCache& cache, ScriptError& error) {
    CachingTransactionSignatureChecker checker(tx, i, spent[i].value, &txdata, cache, /*store=*/true);
    error = ScriptError::OK;
    return verify_script(tx.vin[i].script_sig, spent[i].script_pubkey, &tx.vin[i].witness, flags, checker, &error);
}

AcceptResult reject(AcceptResult r, TxReject kind, std::string reason, std::string debug = {}) {
    ValidationResult result = ValidationResult::INPUTS;
    if (kind == TxReject::CONSENSUS) result = ValidationResult::CONSENSUS;
    if (kind == TxReject::WITNESS_MUTATED || kind == TxReject::WITNESS_STRIPPED) result = ValidationResult::MUTATED;
    r.accepted = false;
    r.reject = kind;
    r.state.invalid(std::move(reason), std::move(debug), result);
    return r;
}

}  // namespace

AcceptResult Mempool::Impl::try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                       const Args& args, std::vector<MempoolEntryInfo>& added) {
    const Transaction& tx = *ptx;
    AcceptResult r;
    r.txid = tx.txid();
    r.wtxid = tx.wtxid();
    const uint256& txid = r.txid;
    const BlockIndex* tip = v.tip();
    if (!tip) return reject(std::move(r), TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    const int next_height = tip->height + 1;

    // ---- PreChecks ----
    {
        ValidationState s;
        if (!check_transaction(tx, s)) return reject(std::move(r), TxReject::CONSENSUS, s.reason(), s.debug());
    }
    if (tx.is_coinbase()) return reject(std::move(r), TxReject::CONSENSUS, "coinbase");
    if (opts.require_standard) {
        policy::StandardOptions so;
        so.dust_relay_sat_per_kvb = opts.dust_relay_feerate.sat_per_kvb;
        so.permit_bare_multisig = opts.permit_bare_multisig;
        so.max_datacarrier_bytes = opts.max_datacarrier_bytes;
        std::string reason;
        if (!policy::is_standard_tx(tx, so, reason)) return reject(std::move(r), TxReject::NOT_STANDARD, reason);
    }
    // Smaller transactions could pass for inner merkle nodes (CVE-2017-12842).
    if (tx.stripped_size() < policy::kMinStandardTxNonWitnessSize)
        return reject(std::move(r), TxReject::NOT_STANDARD, "tx-size-small");
    if (!is_final_tx(tx, next_height, tip->median_time_past()))
        return reject(std::move(r), TxReject::PREMATURE_SPEND, "non-final");
    if (by_wtxid.count(r.wtxid)) {
        r.already_known = true;
        return reject(std::move(r), TxReject::CONFLICT, "txn-already-in-mempool");
    }
    if (by_txid.count(txid)) {
        r.already_known = true;
        return reject(std::move(r), TxReject::CONFLICT, "txn-same-nonwitness-data-in-mempool");
    }

    // Direct conflicts: in-pool spenders of the same outpoints.
    std::set<uint256> conflicts;
    for (const TxIn& in : tx.vin) {
        auto it = spenders.find(in.prevout);
        if (it == spenders.end()) continue;
        if (!args.allow_replacement)
            return reject(std::move(r), TxReject::MEMPOOL_POLICY, "bip125-replacement-disallowed");
        conflicts.insert(it->second->txid);
    }

    // Inputs: in-pool outputs count as coins of the next block.
    InputCoins in;
    in.coins.reserve(tx.vin.size());
    bool spends_coinbase = false;
    for (const TxIn& input : tx.vin) {
        if (const Entry* p = find(input.prevout.txid)) {
            if (input.prevout.index < p->tx->vout.size()) {
                in.coins.push_back(Coin{p->tx->vout[input.prevout.index], next_height, false});
                continue;
            }
        } else if (auto c = v.coin(input.prevout)) {
            spends_coinbase = spends_coinbase || c->coinbase;
            in.coins.push_back(std::move(*c));
            continue;
        }
        if (std::find(in.missing.begin(), in.missing.end(), input.prevout.txid) == in.missing.end())
            in.missing.push_back(input.prevout.txid);
        in.coins.emplace_back();
    }
    if (!in.missing.empty()) {
        // Inputs missing because this transaction is already confirmed?
        for (uint32_t o = 0; o < tx.vout.size(); ++o)
            if (v.coin(OutPoint{txid, o})) return reject(std::move(r), TxReject::CONFLICT, "txn-already-known");
        r.missing_inputs = in.missing;
        return reject(std::move(r), TxReject::MISSING_INPUTS, "bad-txns-inputs-missingorspent");
    }

    // BIP68 against the next block (always enforced by policy).
    std::vector<int> prev_heights;
    prev_heights.reserve(in.coins.size());
    for (const Coin& c : in.coins) prev_heights.push_back(c.height);
    const IndexAncestorView chain_view(tip);
    const bool relative_locks = uint32_t(tx.version) >= 2 &&
                                std::any_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& i) {
                                    return !(i.sequence & TxIn::kSequenceDisableFlag);
                                });
    if (relative_locks) {
        std::vector<int> heights = prev_heights;
        const SequenceLocks locks = calculate_sequence_locks(tx, true, heights, chain_view);
        if (!sequence_locks_satisfied(locks, chain_view))
            return reject(std::move(r), TxReject::PREMATURE_SPEND, "non-BIP68-final");
    }

    Amount fee = 0;
    {
        ValidationState s;
        if (!check_tx_inputs(tx, in.coins, next_height, fee, s)) {
            const TxReject kind = s.reason() == "bad-txns-premature-spend-of-coinbase" ? TxReject::PREMATURE_SPEND
                                                                                        : TxReject::CONSENSUS;
            return reject(std::move(r), kind, s.reason(), s.debug());
        }
    }
    r.fee = fee;
    std::vector<TxOut> spent;
    spent.reserve(in.coins.size());
    for (const Coin& c : in.coins) spent.push_back(c.out);

    if (opts.require_standard && !policy::are_inputs_standard(tx, spent))
        return reject(std::move(r), TxReject::INPUTS_NOT_STANDARD, "bad-txns-nonstandard-inputs");
    if (tx.has_witness() && opts.require_standard && !policy::is_witness_standard(tx, spent))
        return reject(std::move(r), TxReject::WITNESS_MUTATED, "bad-witness-nonstandard");

    const int64_t sigop_cost = transaction_sigop_cost(tx, in.coins, kStandardScriptFlags);
    const size_t vsize = policy::virtual_size(tx.weight(), sigop_cost, opts.bytes_per_sigop);
    auto delta = deltas.find(txid);
    const Amount modified_fee = fee + (delta == deltas.end() ? 0 : delta->second);
    r.vsize = vsize;
    r.effective_feerate = FeeRate{policy::rate_of(modified_fee, vsize)};
    r.effective_includes = {r.wtxid};

    // Ephemeral dust: a transaction with a dust output must pay nothing itself.
    if (opts.require_standard && (fee != 0 || modified_fee != 0) &&
        !policy::dust_outputs(tx, opts.dust_relay_feerate.sat_per_kvb).empty())
        return reject(std::move(r), TxReject::NOT_STANDARD, "dust", "tx with dust output must be 0-fee");

    if (sigop_cost > policy::kMaxStandardTxSigopsCost)
        return reject(std::move(r), TxReject::NOT_STANDARD, "bad-txns-too-many-sigops", std::to_string(sigop_cost));


    // Fee rate floors: the pool's rolling minimum, then the minimum relay fee. Transactions
    // returning from a disconnected block are exempt.
    if (!args.bypass_limits) {
        const Amount pool_reject = FeeRate{min_fee(args.now)}.fee(vsize);
        if (pool_reject > 0 && modified_fee < pool_reject)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "mempool min fee not met",
                          std::to_string(modified_fee) + " < " + std::to_string(pool_reject));
        const Amount relay = opts.min_relay_feerate.fee(vsize);
        if (modified_fee < relay)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "min relay fee not met",
                          std::to_string(modified_fee) + " < " + std::to_string(relay));
    }

    EntrySet conflict_entries;
    for (const uint256& c : conflicts) conflict_entries.insert(find(c));
    EntrySet parents;
    for (const TxIn& input : tx.vin)
        if (Entry* p = find(input.prevout.txid)) parents.insert(p);

    // Ancestor and descendant limits. With a single conflict, its descendants are about
    // to leave, so they do not count against the limit.
    Limits limits{opts.ancestor_count, opts.ancestor_size_vbytes, opts.descendant_count, opts.descendant_size_vbytes};
    if (conflicts.size() == 1 && args.allow_carveouts) {
        limits.descendant_count += 1;
        limits.descendant_size += (*conflict_entries.begin())->desc_size;
    }
    std::string limit_error;
    std::optional<EntrySet> ancestors = ancestors_within(parents, vsize, limits, limit_error);
    if (!ancestors) {
        // CPFP carve-out: one more small child of a transaction with no other unconfirmed
        // ancestors (not for TRUC, whose topology allows a single child).
        if (!args.allow_carveouts || vsize > policy::kExtraDescendantTxSizeLimit || tx.version == policy::kTrucVersion)
            return reject(std::move(r), TxReject::MEMPOOL_POLICY, "too-long-mempool-chain", limit_error);
        const Limits carve{2, limits.ancestor_size, limits.descendant_count + 1,
                           limits.descendant_size + policy::kExtraDescendantTxSizeLimit};
        std::string ignored;
        ancestors = ancestors_within(parents, vsize, carve, ignored);
        if (!ancestors) return reject(std::move(r), TxReject::MEMPOOL_POLICY, "too-long-mempool-chain", limit_error);
    }

    bool sibling_eviction = false;
    if (!args.bypass_limits) {
        if (auto err = truc_checks(tx, txid, r.wtxid, *ancestors, conflicts, vsize)) {
            if (args.allow_sibling_eviction && err->second) {
                conflicts.insert(err->second->txid);
                conflict_entries.insert(err->second);
                sibling_eviction = true;
            } else {
                return reject(std::move(r), TxReject::MEMPOOL_POLICY, "TRUC-violation", err->first);
            }
        }
    }

    // Spending an output of a transaction it replaces would make it inconsistent.
    for (const Entry* a : *ancestors)
        if (conflicts.count(a->txid))
            return reject(std::move(r), TxReject::CONSENSUS, "bad-txns-spends-conflicting-tx",
                          txid.to_hex() + " spends conflicting transaction " + a->txid.to_hex());

    // ---- ReplacementChecks (BIP125 rules 2-6; every transaction is replaceable) ----
    EntrySet all_conflicts;
    if (!conflict_entries.empty()) {
        const std::string suffix = sibling_eviction ? " (including sibling eviction)" : "";
        const Amount new_rate = policy::rate_of(modified_fee, vsize);
        // Rule 6: a higher fee rate than every transaction directly replaced.
        for (const Entry* c : conflict_entries) {
            const Amount old_rate = policy::rate_of(c->modified_fee, c->vsize);
            if (new_rate <= old_rate)
                return reject(std::move(r), TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                              "rejecting replacement " + txid.to_hex() + "; new feerate " +
                                  policy::format_feerate(new_rate) + " <= old feerate " +
                                  policy::format_feerate(old_rate));
        }
        // Rule 5: not too many transactions evicted (descendants counted per conflict).
        uint64_t count = 0;
        for (const Entry* c : conflict_entries) {
            count += c->desc_count;
            if (count > policy::kMaxReplacementCandidates)
                return reject(std::move(r), TxReject::MEMPOOL_POLICY, "too many potential replacements" + suffix,
                              "rejecting replacement " + txid.to_hex() + "; too many potential replacements (" +
                                  std::to_string(count) + " > " + std::to_string(policy::kMaxReplacementCandidates) +
                                  ")\n");
        }
        for (Entry* c : conflict_entries) collect_descendants(c, all_conflicts);
        // Rule 2: no new unconfirmed inputs.
        std::set<uint256> parents_of_conflicts;
        for (const Entry* c : conflict_entries)
            for (const TxIn& i : c->tx->vin) parents_of_conflicts.insert(i.prevout.txid);
        for (size_t j = 0; j < tx.vin.size(); ++j) {
            const uint256& p = tx.vin[j].prevout.txid;
            if (!parents_of_conflicts.count(p) && find(p))
                return reject(std::move(r), TxReject::MEMPOOL_POLICY, "replacement-adds-unconfirmed" + suffix,
                              "replacement " + txid.to_hex() + " adds unconfirmed input, idx " + std::to_string(j));
        }
        // Rules 3 and 4: pays for what it evicts, plus its own relay at the incremental rate.
        Amount conflicting_fees = 0;
        for (const Entry* c : all_conflicts) conflicting_fees += c->modified_fee;
        if (modified_fee < conflicting_fees)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                          "rejecting replacement " + txid.to_hex() + ", less fees than conflicting txs; " +
                              format_money(modified_fee) + " < " + format_money(conflicting_fees));
        const Amount additional = modified_fee - conflicting_fees;
        const Amount needed = opts.incremental_relay_feerate.fee(vsize);
        if (additional < needed)
            return reject(std::move(r), TxReject::RECONSIDERABLE, "insufficient fee" + suffix,
                          "rejecting replacement " + txid.to_hex() + ", not enough additional fees to relay; " +
                              format_money(additional) + " < " + format_money(needed));
    }

    // ---- PolicyScriptChecks / ConsensusScriptChecks ----
    const PrecomputedTxData txdata(tx, spent);
    SignatureCache& cache = v.signature_cache();
    for (unsigned i = 0; i < tx.vin.size(); ++i) {
        ScriptError err;
        if (verify_input(tx, i, spent, txdata, kStandardScriptFlags, cache, err)) continue;
        // Policy-only flag, or a consensus rule? Ask the same input again.
        ScriptError mandatory_err;
        TxReject kind;
        std::string reason;
        if (verify_input(tx, i, spent, txdata, kMandatoryScriptFlags, cache, mandatory_err)) {
            kind = TxReject::NOT_STANDARD;
            reason = "mempool-script-verify-flag-failed (" + script_error_message(err) + ")";
        } else {
            kind = TxReject::CONSENSUS;
            reason = "mandatory-script-verify-flag-failed (" + script_error_message(mandatory_err) + ")";
        }
        // A witness spend without any witness: maybe stripped in transit.
        if (!tx.has_witness() && policy::spends_non_anchor_witness_program(tx, spent)) kind = TxReject::WITNESS_STRIPPED;
        return reject(std::move(r), kind, reason, "input " + std::to_string(i));
    }
    // Again with the tip's consensus flags, as Core (cheap: signatures are cached now).
    const ScriptFlags block_flags = block_script_flags(tip->height, tip->hash, v.params().consensus);
    for (unsigned i = 0; i < tx.vin.size(); ++i) {
        ScriptError err;
        if (!verify_input(tx, i, spent, txdata, block_flags, cache, err)) {
            log_error("mempool: %s passes standard script flags but fails the tip's flags", txid.to_hex().c_str());
            return reject(std::move(r), TxReject::CONSENSUS,
                          "mandatory-script-verify-flag-failed (" + script_error_message(err) + ")",
                          "input " + std::to_string(i));
        }
    }

    if (args.max_fee_rate > 0 && fee > FeeRate{args.max_fee_rate}.fee(vsize))
        return reject(std::move(r), TxReject::MEMPOOL_POLICY, "max-fee-exceeded",
                      format_money(fee) + " > " + format_money(FeeRate{args.max_fee_rate}.fee(vsize)));

    if (args.test_only) {
        r.accepted = true;
        return r;
    }

    // ---- Finalize ----
    for (const Entry* c : all_conflicts) r.replaced.push_back(c->txid);
    remove_entries(all_conflicts, Removal::REPLACED);
    const bool absolute_lock =
        tx.locktime != 0 &&
        !std::all_of(tx.vin.begin(), tx.vin.end(), [](const TxIn& i) { return i.sequence == TxIn::kSequenceFinal; });
    Entry* e = add_entry(ptx, txid, r.wtxid, fee, vsize, sigop_cost, args.accept_time, tip->height, spends_coinbase,
                         absolute_lock || relative_locks);
    (void)e;
    if (args.track_fee && !args.bypass_limits && !args.tentative && parents.empty())
        estimator.track(txid, tip->height, policy::rate_of(fee, vsize));
    if (!args.tentative && !args.bypass_limits) {
        limit_size(args.now);
        // Evicted at once: its fee rate is below what the full pool keeps.
        if (!find(txid)) return reject(std::move(r), TxReject::RECONSIDERABLE, "mempool full");
    }
    r.accepted = true;
    if (!args.tentative) added.push_back(info_of(find(txid)));
    return r;
}

AcceptResult Mempool::Impl::accept_with_orphans(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                                const Args& args, std::vector<MempoolEntryInfo>& added) {
    AcceptResult r = try_accept(v, ptx, args, added);
    if (args.test_only || args.tentative) return r;
    if (r.reject == TxReject::MISSING_INPUTS && args.allow_orphan) add_orphan(ptx, r.txid, r.wtxid, args.now);
    if (r.accepted) {
        erase_orphan(r.wtxid);
        process_orphans(v, {r.txid}, added);
    }
    return r;
}

void Mempool::Impl::process_orphans(const Chainstate::View& v, std::deque<uint256> parents,
                                    std::vector<MempoolEntryInfo>& added) {
    // Parents are txids whose outputs may now be available (accepted, or confirmed).
    const int64_t now = v.now();
    while (!parents.empty()) {
        const uint256 parent = parents.front();
        parents.pop_front();
        for (const uint256& wtxid : orphans_spending(parent, SIZE_MAX)) {
            auto it = orphans.find(wtxid);
            if (it == orphans.end()) continue;
            const std::shared_ptr<const Transaction> tx = it->second.tx;
            Args a;
            a.now = a.accept_time = now;
            a.allow_orphan = false;
            const AcceptResult r = try_accept(v, tx, a, added);
            if (r.reject == TxReject::MISSING_INPUTS) continue;  // still waiting for another parent
            erase_orphan(wtxid);
            if (r.accepted) parents.push_back(r.txid);
        }
    }
}

void Mempool::Impl::block_connected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                                    std::vector<MempoolEntryInfo>& added) {
    tip_height = index->height;
    std::vector<uint256> txids;
    txids.reserve(block.txs.size());
    for (const Transaction& tx : block.txs) txids.push_back(tx.txid());
    estimator.process_block(index->height, txids);
    for (size_t t = 0; t < block.txs.size(); ++t) {
        const Transaction& tx = block.txs[t];
        if (Entry* e = find(txids[t])) remove_entries(EntrySet{e}, Removal::BLOCK);
        if (!tx.is_coinbase()) {
            for (const TxIn& in : tx.vin) {
                auto it = spenders.find(in.prevout);
                if (it == spenders.end() || it->second->txid == txids[t]) continue;
                EntrySet stage;
                collect_descendants(it->second, stage);
                remove_entries(stage, Removal::CONFLICT);
            }
        }
        deltas.erase(txids[t]);
    }
    last_rolling_update = v.now();
    block_since_bump = true;

    // Orphans the block confirmed or made impossible go; those it may complete are retried.
    std::set<uint256> gone;
    for (const Transaction& tx : block.txs) {
        if (tx.is_coinbase()) continue;
        for (const TxIn& in : tx.vin) {
            auto range = orphan_spends.equal_range(in.prevout);
            for (auto it = range.first; it != range.second; ++it) gone.insert(it->second);
        }
    }
    for (const uint256& w : gone) erase_orphan(w);
    process_orphans(v, std::deque<uint256>(txids.begin(), txids.end()), added);
}

void Mempool::Impl::block_disconnected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                                       std::vector<MempoolEntryInfo>& added) {
    tip_height = index->height - 1;
    const int64_t now = v.now();
    for (const Transaction& tx : block.txs) {
        const uint256 txid = tx.txid();
        if (!tx.is_coinbase()) {
            Args a;
            a.now = a.accept_time = now;
            a.bypass_limits = true;
            a.allow_orphan = false;
            a.track_fee = false;
            const AcceptResult r = try_accept(v, std::make_shared<const Transaction>(tx), a, added);
            if (r.accepted || find(txid)) continue;
        }
        // Not back in the pool (or a coinbase, gone for good): its spenders are orphans now.
        remove_spenders_of(tx, txid, Removal::REORG);
    }
    remove_for_reorg(v);
    limit_size(now);
    std::erase_if(added, [&](const MempoolEntryInfo& i) { return !find(i.txid); });
}

void Mempool::Impl::remove_for_reorg(const Chainstate::View& v) {
    const BlockIndex* tip = v.tip();
    if (!tip) return;
    const int next_height = tip->height + 1;
    const int64_t mtp = tip->median_time_past();
    const IndexAncestorView chain_view(tip);
    EntrySet stage;
    for (const auto& [txid, owned] : by_txid) {
        Entry* e = owned.get();
        if (!e->spends_coinbase && !e->has_locks) continue;
        const Transaction& tx = *e->tx;
        bool bad = !is_final_tx(tx, next_height, mtp);
        std::vector<int> heights;
        for (size_t i = 0; i < tx.vin.size() && !bad; ++i) {
            if (find(tx.vin[i].prevout.txid)) {
                heights.push_back(next_height);
                continue;
            }
            const auto coin = v.coin(tx.vin[i].prevout);
            if (!coin || (coin->coinbase && next_height - coin->height < kCoinbaseMaturity)) {
                bad = true;
            } else {
                heights.push_back(coin->height);
            }
        }
        if (!bad && e->has_locks) {
            const SequenceLocks locks = calculate_sequence_locks(tx, true, heights, chain_view);
            bad = !sequence_locks_satisfied(locks, chain_view);
        }
        if (bad) collect_descendants(e, stage);
    }
    remove_entries(stage, Removal::REORG);
}

// ---- Mempool ----

Mempool::Mempool(Chainstate& chain, MempoolOptions options)
    : impl_(std::make_unique<Impl>(chain, std::move(options))) {
    chain.with_view([&](Chainstate::View& v) {
        impl_->last_rolling_update = v.now();
        impl_->tip_height = v.tip() ? v.tip()->height : 0;
    });
    impl_->link = std::make_shared<Impl::Link>();
    impl_->link->impl = impl_.get();
    Chainstate::Listener listener;
    listener.connected = [link = impl_->link](const Block& block, const BlockIndex* index,
                                              const Chainstate::View& v) {
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

std::vector<uint256> Mempool::txids() const {
    std::lock_guard lock(impl_->mutex);
    std::vector<uint256> out;
    out.reserve(impl_->by_txid.size());
    for (const auto& [txid, e] : impl_->by_txid) out.push_back(txid);
    return out;
}

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

std::vector<std::shared_ptr<const Transaction>> Mempool::select_for_block(size_t max_weight, int64_t max_sigops_cost,
                                                                          Amount& fees) const {
    std::lock_guard lock(impl_->mutex);
    fees = 0;
    // Core's addPackageTxs: repeatedly take the best ancestor package (by the lower of the
    // transaction's own fee rate and its ancestors' with it), counting only ancestors not
    // yet in the block.
    struct Candidate {
        Entry* e;
        std::vector<Entry*> ancestors;  // not including e
        Amount fee;                     // modified fees of e and its ancestors not in the block
        size_t vsize, weight;
        int64_t sigops;
        uint64_t version = 0;
        bool in_block = false;
        bool failed = false;  // did not fit: skipped, but still unconfirmed for its descendants
    };
    std::vector<Candidate> cands;
    cands.reserve(impl_->by_txid.size());
    std::unordered_map<const Entry*, size_t> index;
    for (const auto& [txid, owned] : impl_->by_txid) {
        Entry* e = owned.get();
        EntrySet anc;
        Impl::collect_ancestors(e, anc);
        Candidate c{e, std::vector<Entry*>(anc.begin(), anc.end()), e->anc_fees, e->anc_size, e->weight, e->anc_sigops};
        for (const Entry* a : anc) c.weight += a->weight;
        index.emplace(e, cands.size());
        cands.push_back(std::move(c));
    }
    struct Key {
        double fee, size;
        const uint256* txid;
        size_t idx;
        uint64_t version;
    };
    auto key_of = [&](size_t i) {
        const Candidate& c = cands[i];
        const double own = double(c.e->modified_fee) * double(c.vsize);
        const double anc = double(c.fee) * double(c.e->vsize);
        Key k{double(c.e->modified_fee), double(c.e->vsize), &c.e->txid, i, c.version};
        if (own > anc) {
            k.fee = double(c.fee);
            k.size = double(c.vsize);
        }
        return k;
    };
    auto worse = [](const Key& a, const Key& b) {  // priority_queue: true when a ranks below b
        const double f1 = a.fee * b.size, f2 = a.size * b.fee;
        if (f1 == f2) return *b.txid < *a.txid;
        return f1 < f2;
    };
    std::priority_queue<Key, std::vector<Key>, decltype(worse)> queue(worse);
    for (size_t i = 0; i < cands.size(); ++i) queue.push(key_of(i));

    std::vector<std::shared_ptr<const Transaction>> out;
    size_t weight_used = 0;
    int64_t sigops_used = 0;
    int failures = 0;
    while (!queue.empty()) {
        const Key k = queue.top();
        queue.pop();
        Candidate& c = cands[k.idx];
        if (c.in_block || c.failed || k.version != c.version) continue;
        if (c.fee < FeeRate{kBlockMinFeeRate}.fee(c.vsize)) break;  // everything left pays less
        if (weight_used + c.weight > max_weight || sigops_used + c.sigops > max_sigops_cost) {
            c.failed = true;
            if (++failures > 1000 && weight_used + 4000 > max_weight) break;
            continue;
        }
        failures = 0;
        std::vector<Entry*> package;
        for (Entry* a : c.ancestors)
            if (!cands[index[a]].in_block) package.push_back(a);
        package.push_back(c.e);
        std::sort(package.begin(), package.end(), [](const Entry* a, const Entry* b) {
            return a->anc_count != b->anc_count ? a->anc_count < b->anc_count : a->sequence < b->sequence;
        });
        for (Entry* x : package) {
            cands[index[x]].in_block = true;
            out.push_back(x->tx);
            fees += x->fee;
            weight_used += x->weight;
            sigops_used += x->sigop_cost;
        }
        for (Entry* x : package) {
            EntrySet desc;
            Impl::collect_descendants(x, desc);
            for (Entry* d : desc) {
                Candidate& dc = cands[index[d]];
                if (dc.in_block) continue;
                dc.fee -= x->modified_fee;
                dc.vsize -= x->vsize;
                dc.weight -= x->weight;
                dc.sigops -= x->sigop_cost;
                ++dc.version;
                queue.push(key_of(index[d]));
            }
        }
    }
    return out;
}

std::optional<std::pair<FeeRate, int>> Mempool::estimate_fee(int target) const {
    const int64_t now = impl_->chain.now();
    std::lock_guard lock(impl_->mutex);
    auto e = impl_->estimator.estimate(target, impl_->tip_height);
    if (!e) return std::nullopt;
    const Amount rate = std::max({e->first, impl_->min_fee(now), impl_->opts.min_relay_feerate.sat_per_kvb});
    return std::make_pair(FeeRate{rate}, e->second);
}

bool Mempool::save(const std::filesystem::path& file, std::string* error) const {
    Bytes data;
    Writer w(data);
    {
        std::lock_guard lock(impl_->mutex);
        std::vector<const Entry*> entries;
        for (const auto& [txid, e] : impl_->by_txid) entries.push_back(e.get());
        // Parents before children, so that loading re-accepts them in order.
        std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
            return a->anc_count != b->anc_count ? a->anc_count < b->anc_count : a->sequence < b->sequence;
        });
        std::map<uint256, Amount> deltas = impl_->deltas;
        w.u64(kDumpVersionNoXor);
        w.u64(entries.size());
        for (const Entry* e : entries) {
            e->tx->write(w, true);
            w.i64(e->time);
            w.i64(e->modified_fee - e->fee);
            deltas.erase(e->txid);
        }
        w.compact_size(deltas.size());
        for (const auto& [txid, delta] : deltas) {
            w.hash(txid);
            w.i64(delta);
        }
        w.compact_size(impl_->unbroadcast.size());
        for (const uint256& txid : impl_->unbroadcast) w.hash(txid);
    }
    return write_file_atomically(file, data, error);
}

bool Mempool::load(const std::filesystem::path& file, std::string* error, LoadStats* stats) {
    LoadStats local;
    LoadStats& st = stats ? *stats : local;
    st = LoadStats{};
    auto fail = [&](const std::string& why) {
        if (error) *error = file.string() + ": " + why;
        return false;
    };
    std::ifstream in(file, std::ios::binary);
    if (!in) return fail("cannot open");
    Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail("cannot read");

    Reader r(data);
    const uint64_t version = r.u64();
    if (!r.ok()) return fail("truncated header");
    if (version == kDumpVersionXor) {
        // Everything after the key is XORed with it, by absolute file offset.
        const Bytes key = r.var_bytes();
        if (!r.ok()) return fail("truncated obfuscation key");
        if (!key.empty())
            for (size_t pos = r.position(); pos < data.size(); ++pos) data[pos] ^= key[pos % key.size()];
    } else if (version != kDumpVersionNoXor) {
        return fail("unknown version " + std::to_string(version));
    }
    const uint64_t count = r.u64();
    for (uint64_t n = 0; n < count; ++n) {
        Transaction tx = Transaction::read(r, true);
        const int64_t time = r.i64();
        const int64_t delta = r.i64();
        if (!r.ok()) return fail("malformed transaction record: " + r.error());
        const uint256 txid = tx.txid();
        if (delta != 0) prioritise(txid, delta);
        const int64_t now = impl_->chain.now();
        if (time <= now - impl_->opts.expiry_seconds) {
            ++st.expired;
            continue;
        }
        auto ptx = std::make_shared<const Transaction>(std::move(tx));
        AcceptResult result;
        std::vector<MempoolEntryInfo> added;
        impl_->chain.with_view([&](Chainstate::View& v) {
            std::lock_guard lock(impl_->mutex);
            Args a;
            a.now = v.now();
            a.accept_time = time;
            a.allow_orphan = false;
            result = impl_->accept_with_orphans(v, ptx, a, added);
        });
        impl_->notify(added);
        if (result.accepted) {
            ++st.accepted;
        } else if (contains(txid)) {
            ++st.already_there;
        } else {
            ++st.failed;
        }
    }
    const uint64_t n_deltas = r.compact_size();
    for (uint64_t n = 0; n < n_deltas && r.ok(); ++n) {
        const uint256 txid = r.hash();
        const int64_t delta = r.i64();
        if (r.ok()) prioritise(txid, delta);
    }
    const uint64_t n_unbroadcast = r.compact_size();
    for (uint64_t n = 0; n < n_unbroadcast && r.ok(); ++n) {
        const uint256 txid = r.hash();
        if (r.ok() && contains(txid)) add_unbroadcast(txid);
    }
    if (!r.ok()) return fail("malformed trailer: " + r.error());
    return true;
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
