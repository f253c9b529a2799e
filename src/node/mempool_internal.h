// The mempool's internals, shared by its implementation files and by nothing else:
//
//   mempool.cpp                  the Mempool API (node/mempool.h): queries, prioritise, fee
//                                estimation hookup, unbroadcast set, consistency check
//   mempool_entries.cpp          entry storage and indexes: by txid/wtxid, spent outpoints,
//                                entry time; ancestor/descendant links and aggregates;
//                                insertion and removal
//   mempool_clusters.cpp         clusters (connected components), their linearizations and
//                                chunks, the worst-chunk index, limits of proposed changes
//   mempool_accept.cpp           acceptance policy: Core's PreChecks, fee floors, script checks
//   mempool_packages.cpp         package acceptance (submitpackage, testmempoolaccept, 1p1c)
//   mempool_package_rules.cpp    topology rules: TRUC, replacement (RBF), ephemeral dust
//   mempool_eviction.cpp         rolling minimum fee, expiry, trimming to -maxmempool (worst
//                                chunk first), trimming clusters a reorg made too large
//   mempool_orphans.cpp          transactions whose parents are missing
//   mempool_chain_events.cpp     blocks connected and disconnected, reorg clean-up
//   mempool_selection.cpp        choosing transactions for a block template (by chunk feerate)
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

#include "node/cluster_linearize.h"
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
struct Cluster;
// Eviction order: the cluster whose last (worst) chunk has the lowest feerate first; on
// equal feerates the newer cluster first.
struct WorstChunkLess {
    bool operator()(const Cluster* a, const Cluster* b) const;
};
using WorstChunkIndex = std::set<Cluster*, WorstChunkLess>;

// A connected component of the pool's dependency graph, kept linearized (Core's TxGraph
// cluster). INVARIANT: `txs` is a topological order of exactly the entries whose
// `cluster` is this; `chunks`/`chunk_ends` are its chunking (see cluster_linearize.h).
struct Cluster {
    uint64_t id = 0;  // creation order
    std::vector<Entry*> txs;
    std::vector<cluster::FeeFrac> chunks;
    std::vector<uint32_t> chunk_ends;
    cluster::FeeFrac total;  // modified fees, sigops-adjusted weight
    bool optimal = true;
    WorstChunkIndex::iterator worst_pos;
    bool indexed = false;
};

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
    bool has_locks = false;       // nLockTime or BIP68 relative locks to re-check after a reorg
    int64_t adjusted_weight = 0;  // max(weight, sigop cost x bytes per sigop): Core's GetAdjustedWeight
    EntrySet parents, children;
    size_t anc_count = 1, anc_size = 0;
    Amount anc_fees = 0;
    int64_t anc_sigops = 0;
    size_t desc_count = 1, desc_size = 0;
    Amount desc_fees = 0;
    Cluster* cluster = nullptr;
    uint32_t position = 0;  // index in cluster->txs
    uint32_t chunk = 0;     // index of its chunk in cluster->chunks
};

// An orphan: a transaction whose inputs were missing when it arrived.
struct Orphan {
    std::shared_ptr<const Transaction> tx;
    uint256 txid;
    int64_t expires = 0;
    size_t weight = 0;
    uint64_t sequence = 0;
};

// A change to the pool being evaluated (Core's ChangeSet): transactions to add (in order,
// each with its in-pool parents and the indices of earlier additions it spends) and entries
// to remove. Nothing is applied.
struct Proposal {
    struct Addition {
        cluster::FeeFrac feerate;  // modified fee, adjusted weight
        EntrySet pool_parents;
        std::vector<uint32_t> added_parents;
    };
    std::vector<Addition> adds;
    EntrySet removals;
};

// What a proposal would do to the clusters it touches.
struct ProposalEffect {
    bool within_limits = true;                 // no resulting cluster above the count/size limits
    std::vector<cluster::FeeFrac> old_chunks;  // chunks of the touched clusters now
    std::vector<cluster::FeeFrac> new_chunks;  // chunks of the resulting clusters (with_diagram)
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
    bool package_feerates = false;    // fee floors are checked on the package, not this transaction
    bool package_submission = false;  // part of a package: the pool is trimmed once, at the end
    bool allow_orphan = true;
    bool track_fee = true;
    Amount max_fee_rate = 0;        // sendrawtransaction/testmempoolaccept: "max-fee-exceeded"
    Amount client_max_feerate = 0;  // submitpackage's maxfeerate: "max feerate exceeded"
};

// Why a transaction is refused (Core's TxValidationState: category, reason, debug text).
struct Rejection {
    TxReject kind;
    std::string reason;
    std::string debug;
};

// One transaction under evaluation (Core's Workspace): what the checks learned about it.
struct Workspace {
    std::shared_ptr<const Transaction> ptx;
    uint256 txid, wtxid;
    std::vector<Coin> coins;  // the coins it spends, in input order
    bool spends_coinbase = false;
    bool has_locks = false;  // nLockTime or BIP68 relative locks to re-check after a reorg
    Amount fee = 0, modified_fee = 0;
    size_t vsize = 0;
    int64_t sigop_cost = 0, adjusted_weight = 0;
    std::set<uint256> conflicts;            // txids of in-pool transactions spending the same outputs
    EntrySet conflict_entries;              // the same, as entries (plus an evicted TRUC sibling)
    EntrySet parents;                       // in-pool parents
    std::vector<uint32_t> package_parents;  // indices of parents earlier in the same package
    bool sibling_eviction = false;
    std::vector<uint256> missing;  // parent txids found nowhere
};

// Transactions earlier in the package being evaluated, whose outputs later ones may spend.
struct PackageView {
    std::vector<const Workspace*> members;
    std::map<uint256, uint32_t> index;  // txid -> position in `members`
};

// Core's IsWellFormedPackage (context-free): "" or the package error.
std::string package_shape_error(const std::vector<std::shared_ptr<const Transaction>>& txs);
// Core's IsChildWithParents: the last transaction spends every other one.
bool is_child_with_parents(const std::vector<std::shared_ptr<const Transaction>>& txs);

// `r` refused for `why` (state, category).
AcceptResult rejected(AcceptResult r, Rejection why);

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
    using Cluster = mempool_internal::Cluster;
    using WorstChunkIndex = mempool_internal::WorstChunkIndex;
    using Proposal = mempool_internal::Proposal;
    using ProposalEffect = mempool_internal::ProposalEffect;
    using Orphan = mempool_internal::Orphan;
    using Args = mempool_internal::Args;
    using Removal = mempool_internal::Removal;
    using Rejection = mempool_internal::Rejection;
    using Workspace = mempool_internal::Workspace;
    using PackageView = mempool_internal::PackageView;

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
    std::unordered_map<uint64_t, std::unique_ptr<Cluster>> clusters;
    uint64_t next_cluster_id = 1;
    WorstChunkIndex worst_chunks;
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

    // ---- Clusters (mempool_clusters.cpp) ----

    // Sigops-adjusted weight limit of a cluster (Core measures -limitclustersize in vbytes).
    int64_t cluster_weight_limit() const { return int64_t(opts.cluster_size_vbytes) * 4; }
    // Puts `e` (just linked to its parents and children) into a cluster: merges the clusters
    // it connects and relinearizes.
    void join_cluster(Entry* e);
    // After entries left: `affected` clusters are split into their remaining connected
    // components, each relinearized. Empty clusters are deleted.
    void split_clusters(const std::set<Cluster*>& affected);
    // Recomputes the linearization and chunks of `c` (after fee or membership changes).
    void relinearize(Cluster* c);
    // What `p` would do: limits of the resulting clusters and, if `with_diagram`, their chunks.
    ProposalEffect evaluate(const Proposal& p, bool with_diagram) const;
    // Cluster invariants for check_consistency: membership, a topological order, one
    // connected component, chunks matching the order, no worse than the ancestor-set
    // reference linearization, the worst-chunk index. Returns what is wrong.
    std::optional<std::string> check_clusters() const;
    // Chunk feerate of `e`'s chunk.
    const cluster::FeeFrac& chunk_of(const Entry* e) const { return e->cluster->chunks[e->chunk]; }

    // ---- Topology ----

    Entry* find(const uint256& txid) const;

    static void collect_ancestors(const Entry* e, EntrySet& out);
    // Descendants of `e` and `e` itself.
    static void collect_descendants(Entry* e, EntrySet& out);

    // Recomputes the aggregates of `e` from its links.
    static void recompute(Entry* e);

    // ---- Package rules (mempool_package_rules.cpp) ----

    // Core 31's GetEntriesForConflicts (rule 5: at most 100 distinct clusters directly in
    // conflict) and PaysForRBF (rules 3 and 4). Fills `all_conflicts` with the conflicts and
    // their descendants. The cluster limits and the diagram come after (replacement_effect).
    [[nodiscard]] std::optional<Rejection> check_replacement_fees(const uint256& txid, Amount modified_fee,
                                                                  size_t vsize, const EntrySet& conflict_entries,
                                                                  bool sibling_eviction, EntrySet& all_conflicts) const;
    // Ephemeral dust (Core's CheckEphemeralSpends): every dust output of an in-pool or
    // in-package parent must be spent by its child. `package` are transactions being added
    // together (children after parents). Returns the failing child's index and the error.
    [[nodiscard]] std::optional<std::pair<size_t, Rejection>> check_ephemeral_spends(
        const std::vector<std::shared_ptr<const Transaction>>& package) const;

    // ---- Insertion and removal ----

    Entry* add_entry(std::shared_ptr<const Transaction> tx, const uint256& txid, const uint256& wtxid, Amount fee,
                     size_t vsize, int64_t sigop_cost, int64_t time, int height, bool spends_coinbase, bool has_locks);

    // Removes `stage` (Core's RemoveStaged): aggregates of what stays are corrected first,
    // then the touched clusters are split and relinearized.
    // REQUIRES: `stage` holds the in-pool descendants of each of its entries.
    void remove_entries(const EntrySet& stage, Removal reason);

    // Removes every in-pool transaction spending an output of `tx`, with descendants.
    void remove_spenders_of(const Transaction& tx, const uint256& txid, Removal reason);

    // ---- Minimum fee (Core's GetMinFee / TrimToSize / Expire) ----

    Amount min_fee(int64_t now) const;

    void expire(int64_t cutoff);

    void trim(size_t limit);

    // Removes the tail of every cluster above the count or size limit (what a reorg's
    // re-added transactions may cause), keeping the best prefix of its linearization.
    void trim_oversized_clusters();

    void limit_size(int64_t now);

    // ---- Snapshots ----

    MempoolEntryInfo info_of(const Entry* e) const;

    // ---- Acceptance ----

    // Core's PreChecks: everything but replacement, cluster limits, ephemeral spends and
    // scripts. `package` (optional) supplies outputs of earlier package transactions.
    [[nodiscard]] std::optional<Rejection> pre_checks(const Chainstate::View& v, Workspace& ws, const Args& args,
                                                      const PackageView* package) const;
    // Core's PolicyScriptChecks and ConsensusScriptChecks.
    [[nodiscard]] std::optional<Rejection> script_checks(const Chainstate::View& v, const Workspace& ws) const;
    // Puts an evaluated transaction in the pool (its conflicts already removed).
    Entry* insert(const Workspace& ws, const Args& args, const Chainstate::View& v);

    [[nodiscard]] AcceptResult try_accept(const Chainstate::View& v, const std::shared_ptr<const Transaction>& ptx,
                                          const Args& args, std::vector<MempoolEntryInfo>& added);
    // Core's AcceptPackage: each transaction alone first, then those that failed for their
    // fee or a missing (in-package) parent together, with the package feerate.
    [[nodiscard]] PackageResult accept_package(const Chainstate::View& v,
                                               const std::vector<std::shared_ptr<const Transaction>>& txs,
                                               const Args& args, std::vector<MempoolEntryInfo>& added);
    // Core's AcceptMultipleTransactions: all of `txs` (a sorted child-with-parents package or,
    // for a test, any sorted package) evaluated together; inserted only if every check passes.
    // `results` gets an entry for the transactions it evaluated.
    [[nodiscard]] std::string accept_together(const Chainstate::View& v,
                                              const std::vector<std::shared_ptr<const Transaction>>& txs,
                                              const Args& args, std::map<uint256, AcceptResult>& results,
                                              bool& policy_error, std::vector<MempoolEntryInfo>& added);
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
