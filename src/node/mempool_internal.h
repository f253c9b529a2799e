// The mempool's internals, shared by its implementation files and by nothing else:
//
//   mempool.cpp                  the Mempool API (node/mempool.h): queries, prioritise, fee
//                                estimation hookup, unbroadcast set, consistency check
//   mempool_entries.cpp          entry storage and indexes: by txid/wtxid, spent outpoints,
//                                entry time, eviction score; ancestor/descendant links and
//                                aggregates; insertion and removal
//   mempool_accept.cpp           acceptance policy: Core's PreChecks, fee floors, script checks
//   mempool_package_rules.cpp    topology rules: ancestor/descendant limits, TRUC, BIP125
//   mempool_eviction.cpp         rolling minimum fee, expiry, trimming to -maxmempool
//   mempool_orphans.cpp          transactions whose parents are missing
//   mempool_chain_events.cpp     blocks connected and disconnected, reorg clean-up
//   mempool_selection.cpp        choosing transactions for a block template
//   mempool_persistence.cpp      mempool.dat
//
// REQUIRES (every Impl method): `mutex` held, unless the method says otherwise.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/fee_estimator.h"
#include "node/mempool.h"

namespace minicash {

namespace mempool_internal {

enum class Removal { EXPIRY, SIZELIMIT, REORG, BLOCK, CONFLICT, REPLACED, TENTATIVE };

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

// Why a transaction is refused (Core's TxValidationState: category, reason, debug text).
struct Rejection {
    TxReject kind;
    std::string reason;
    std::string debug;
};

// Core's SingleTRUCChecks. Returns an error and, when the only obstacle is an existing
// sibling that may be evicted, that sibling (mempool_package_rules.cpp).
[[nodiscard]] std::optional<std::pair<std::string, Entry*>> truc_checks(const Transaction& tx, const uint256& txid,
                                                                        const uint256& wtxid, const EntrySet& ancestors,
                                                                        const std::set<uint256>& direct_conflicts,
                                                                        size_t vsize);

}  // namespace mempool_internal

struct Mempool::Impl {
    using Entry = mempool_internal::Entry;
    using EntrySet = mempool_internal::EntrySet;
    using EvictionIndex = mempool_internal::EvictionIndex;
    using Orphan = mempool_internal::Orphan;
    using Limits = mempool_internal::Limits;
    using Args = mempool_internal::Args;
    using Removal = mempool_internal::Removal;
    using Rejection = mempool_internal::Rejection;

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
    // on_event callbacks (guarded by `mutex`, like the changes they report) and the next
    // change's number.
    std::vector<std::function<void(const MempoolEvent&)>> event_callbacks;
    uint64_t event_sequence = 1;
    std::shared_ptr<Link> link;
    int tip_height = 0;  // kept current by the chain state events

    Impl(Chainstate& c, MempoolOptions o) : chain(c), opts(std::move(o)) {}

    // ---- Eviction index ----

    void unindex(Entry* e);
    void reindex(Entry* e);

    // ---- Topology ----

    Entry* find(const uint256& txid) const;

    static void collect_ancestors(const Entry* e, EntrySet& out);
    // Descendants of `e` and `e` itself.
    static void collect_descendants(Entry* e, EntrySet& out);

    // Recomputes the aggregates of `e` from its links.
    static void recompute(Entry* e);

    // ---- Package rules (mempool_package_rules.cpp) ----

    // Core's CalculateMemPoolAncestors for a transaction not yet in the pool, whose
    // in-pool parents are `parents`. Fails with Core's messages.
    [[nodiscard]] static std::optional<EntrySet> ancestors_within(const EntrySet& parents, size_t vsize,
                                                                  const Limits& limits, std::string& error);

    // BIP125 rules 2-6 (mempool_package_rules.cpp).
    [[nodiscard]] std::optional<Rejection> check_replacement(const Transaction& tx, const uint256& txid,
                                                             Amount modified_fee, size_t vsize,
                                                             const EntrySet& conflict_entries, bool sibling_eviction,
                                                             EntrySet& all_conflicts) const;

    // ---- Insertion and removal ----

    Entry* add_entry(std::shared_ptr<const Transaction> tx, const uint256& txid, const uint256& wtxid, Amount fee,
                     size_t vsize, int64_t sigop_cost, int64_t time, int height, bool spends_coinbase, bool has_locks);

    // Removes `stage` (Core's RemoveStaged): aggregates of what stays are corrected first.
    void remove_entries(const EntrySet& stage, Removal reason);

    // Removes every in-pool transaction spending an output of `tx`, with descendants.
    void remove_spenders_of(const Transaction& tx, const uint256& txid, Removal reason);

    // ---- Minimum fee (Core's GetMinFee / TrimToSize / Expire) ----

    Amount min_fee(int64_t now) const;

    void expire(int64_t cutoff);

    void trim(size_t limit);

    void limit_size(int64_t now);

    // ---- Snapshots ----

    MempoolEntryInfo info_of(const Entry* e) const;

    // ---- Acceptance ----

    [[nodiscard]] AcceptResult try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                          const Args& args, std::vector<MempoolEntryInfo>& added);
    [[nodiscard]] AcceptResult accept_with_orphans(const Chainstate::View& v,
                                                   const std::shared_ptr<const Transaction>& ptx, const Args& args,
                                                   std::vector<MempoolEntryInfo>& added);
    void process_orphans(const Chainstate::View& v, std::deque<uint256> parents, std::vector<MempoolEntryInfo>& added);

    // ---- Orphans ----

    void erase_orphan(const uint256& wtxid);

    void add_orphan(const std::shared_ptr<const Transaction>& tx, const uint256& txid, const uint256& wtxid,
                    int64_t now);

    // Orphans that spend an output of `txid` (in arrival order).
    std::vector<uint256> orphans_spending(const uint256& txid, size_t outputs) const;

    // ---- Chain state events (chain state locked) ----

    // Called from chain listeners, with the chain state locked; `v` is the listener's view.
    void block_connected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                         std::vector<MempoolEntryInfo>& added);
    void block_disconnected(const Chainstate::View& v, const Block& block, const BlockIndex* index,
                            std::vector<MempoolEntryInfo>& added);
    void remove_for_reorg(const Chainstate::View& v);

    void notify(const std::vector<MempoolEntryInfo>& added);
    // Numbers a change and reports it to the on_event callbacks: an addition when
    // `removal` is empty, else a removal for that reason (TENTATIVE ones are not changes).
    void record_event(const Entry& e, std::optional<Removal> removal);
};

}  // namespace minicash
