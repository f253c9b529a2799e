// The memory pool: unconfirmed transactions that pass Bitcoin Core's default relay policy,
// kept consistent with the active chain (blocks remove what they confirm or conflict
// with; disconnected blocks put their transactions back).
//
// Thread-safety: internally locked. Acceptance runs inside Chainstate::with_view, so the
// lock order is always chain state, then mempool.
//
// Policy (Bitcoin Core 31, the cluster mempool; see node/policy.h for standardness):
//   - every connected component of unconfirmed transactions (a cluster) has at most
//     -limitclustercount (64) transactions and -limitclustersize (101 kvB of sigops-adjusted
//     size); each is kept linearized into chunks (node/cluster_linearize.h); no ancestor or
//     descendant limits and no CPFP carve-out;
//   - replacements (full RBF, no signalling needed): at most 100 clusters in direct
//     conflict, more fees than everything evicted plus the incremental relay fee on their
//     own size, the cluster limits, and a feerate diagram strictly better than before;
//     TRUC (version 3) topology rules with sibling eviction; ephemeral dust;
//   - minimum relay fee, and a rolling minimum fee that rises when the pool is full
//     (evicting the lowest-feerate chunk first) and decays with a 12 hour half-life once
//     blocks arrive (faster when the pool is less than half full), as Core's GetMinFee;
//   - packages (submit_package): a child with its parents, each tried alone first, the
//     rest evaluated together at the package feerate (Core's AcceptPackage);
//   - expiry after `expiry_seconds` (checked on every acceptance);
//   - finality and BIP68 sequence locks against the next block (tip height + 1, tip
//     median time past), coinbase maturity against the next block.
//
// Reject reasons are Core's strings (ValidationState::reason()). ValidationState::result()
// is CONSENSUS for consensus failures, MUTATED for witness problems (a different witness
// may be valid) and INPUTS for everything else (missing inputs and every policy failure:
// nothing permanent); AcceptResult::reject gives Core's finer category.
// Script failures: checked with the standard flags; on failure the failing input is
// checked again with the mandatory (consensus) flags: "mempool-script-verify-flag-failed
// (<error>)" when that passes (policy), "mandatory-script-verify-flag-failed (<error>)"
// when it fails too (consensus). (Core 30 reports both as mempool-script-verify-flag-
// failed; Core 29 wrote non-mandatory-script-verify-flag for the first.)
// Conflicts are always replaceable (full RBF), so Core's old "txn-mempool-conflict" does
// not occur: a conflict that does not pay enough is "insufficient fee".
//
// Blocks: the mempool listens to the chain state. On connect it removes the block's
// transactions and everything that conflicts with them (with descendants). On disconnect
// it re-accepts the block's transactions (no fee or cluster checks, as Core's reorg path),
// drops entries the shorter chain makes invalid (non-final, BIP68-locked, spending an
// immature coinbase or an output that no longer exists), then trims clusters that grew
// past the limits to the best prefix of their linearization.
//
// Callbacks registered with on_transaction_added run without the mempool lock. For
// accept(), test_accept_package() and load() they run after the chain state's lock is
// released too. For transactions added while the chain state notifies a block (orphans
// whose parents a block confirmed, transactions re-added after a disconnection) they run
// inside that notification, i.e. with the chain state locked: callbacks must never call
// Chainstate methods, nor Mempool::accept/test_accept_package/load (they take the chain
// state's lock); the Mempool's read methods are fine.
//
// Memory accounting (info().usage, compared with max_bytes): a deterministic estimate of
// the heap held per entry (transaction, indexes, links), not malloc's real usage.
//
// REQUIRES: the Chainstate outlives the Mempool.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/fee_rate.h"
#include "consensus/block.h"
#include "consensus/validation_state.h"
#include "node/chainstate.h"
#include "node/fee_estimator.h"

namespace minicash {

struct MempoolOptions {
    size_t max_bytes = 300000000;            // -maxmempool (MB of 1,000,000 bytes, as Core)
    int64_t expiry_seconds = 336 * 3600;     // -mempoolexpiry (hours)
    FeeRate min_relay_feerate{100};          // -minrelaytxfee (Core 30: 0.1 sat/vB)
    FeeRate incremental_relay_feerate{100};  // -incrementalrelayfee
    FeeRate dust_relay_feerate{3000};        // -dustrelayfee
    size_t max_orphans = 100;
    bool persist = true;  // -persistmempool: mempool.dat on start/stop

    bool require_standard = true;      // !-acceptnonstdtxn (all networks' default)
    bool permit_bare_multisig = true;  // -permitbaremultisig
    // -datacarriersize: total bytes of OP_RETURN scriptPubKeys per transaction (Core 30:
    // 100000, any number of outputs); nullopt for -datacarrier=0.
    std::optional<size_t> max_datacarrier_bytes = 100000;
    unsigned bytes_per_sigop = 20;        // -bytespersigop
    size_t cluster_count = 64;            // -limitclustercount (Core's DEFAULT_CLUSTER_LIMIT)
    size_t cluster_size_vbytes = 101000;  // -limitclustersize (kvB x 1000; compared as weight / 4)
    // -limitancestorcount / -limitdescendantcount: Core 31 keeps the options (the wallet
    // reads them to avoid long unconfirmed chains) but the mempool enforces neither, nor
    // the size variants. Kept here so the daemon can report and pass them on.
    size_t ancestor_count = 25;
    size_t ancestor_size_vbytes = 101000;
    size_t descendant_count = 25;
    size_t descendant_size_vbytes = 101000;
    size_t max_orphan_weight = 4000000;       // total weight of the orphan pool
    int64_t orphan_expiry_seconds = 20 * 60;  // as Core's ORPHAN_TX_EXPIRE_TIME
};

// Core's TxValidationResult: why a transaction was refused.
enum class TxReject {
    NONE,
    CONSENSUS,            // invalid by consensus rules
    INPUTS_NOT_STANDARD,  // bad-txns-nonstandard-inputs
    NOT_STANDARD,         // other standardness rules
    MISSING_INPUTS,       // orphan: see AcceptResult::missing_inputs
    PREMATURE_SPEND,      // non-final, non-BIP68-final, immature coinbase spend
    WITNESS_MUTATED,      // bad-witness-nonstandard: another witness may be fine
    WITNESS_STRIPPED,     // script failure of a witness spend that carries no witness
    CONFLICT,             // already known (mempool or chain)
    MEMPOOL_POLICY,       // limits, replacement rules, TRUC, max-fee-exceeded
    RECONSIDERABLE,       // fee too low alone; might pass in a package
};

struct AcceptResult {
    bool accepted = false;       // entered (or, for a test, would enter) the pool
    bool already_known = false;  // was already in the pool (same txid or wtxid)
    ValidationState state;       // why not; reason strings as Core's (e.g. "min relay fee not met")
    uint256 txid, wtxid;
    Amount fee = 0;
    size_t vsize = 0;
    std::vector<uint256> replaced;        // txids evicted by RBF
    std::vector<uint256> missing_inputs;  // set when rejected for missing inputs (orphan)

    TxReject reject = TxReject::NONE;
    FeeRate effective_feerate;                // modified fee / vsize (testmempoolaccept's effective-feerate)
    std::vector<uint256> effective_includes;  // wtxids the effective fee rate covers
    // test_accept_package: a package-wide error (Core's "package-error", e.g.
    // "package-not-sorted"); then no transaction was evaluated.
    std::string package_error;
    // submit_package: the pool holds this txid with another witness (Core's DIFFERENT_WITNESS).
    std::optional<uint256> other_wtxid;
};

// submit_package's outcome (Core's PackageMempoolAcceptResult).
struct PackageResult {
    // "" when every transaction is (or already was) in the pool; else Core's package state
    // ("transaction failed", "package-not-sorted", "too-large-cluster", "package RBF failed:
    // ...", "unspent-dust", with ", <details>" where Core has them).
    std::string package_msg;
    bool policy_error = false;  // a package-wide policy failure (Core's PCKG_POLICY)
    // By wtxid; empty when the package was refused before any transaction was evaluated.
    // accepted: entered now; already_known: was there (other_wtxid: with another witness).
    std::map<uint256, AcceptResult> results;
};

// A cluster as getmempoolcluster shows it: chunks in mining order.
struct MempoolCluster {
    struct Chunk {
        Amount fee = 0;      // modified fees
        int64_t weight = 0;  // sigops-adjusted weight
        std::vector<uint256> txids;
    };
    int64_t weight = 0;
    size_t tx_count = 0;
    std::vector<Chunk> chunks;
};

struct MempoolEntryInfo {
    std::shared_ptr<const Transaction> tx;
    uint256 txid, wtxid;
    Amount fee = 0;           // base fee
    Amount modified_fee = 0;  // with prioritisetransaction deltas
    size_t vsize = 0, weight = 0;
    int64_t time = 0;  // entry time (seconds)
    int height = 0;    // chain height at entry
    // Counts and sizes include the transaction itself; fees are modified fees (as Core's
    // fees.ancestor / fees.descendant).
    size_t ancestor_count = 0, ancestor_size = 0, descendant_count = 0, descendant_size = 0;
    Amount ancestor_fees = 0, descendant_fees = 0;
    Amount chunk_fee = 0;             // modified fees of its chunk
    int64_t chunk_weight = 0;         // sigops-adjusted weight of its chunk
    int64_t adjusted_weight = 0;      // its own sigops-adjusted weight
    std::vector<uint256> depends;     // in-mempool parents
    std::vector<uint256> spent_by;    // in-mempool children
    bool bip125_replaceable = false;  // signals BIP125 itself or through an ancestor
    bool unbroadcast = false;
};

// Why a transaction left the pool (Core's MemPoolRemovalReason).
enum class MempoolRemovalReason { EXPIRY, SIZELIMIT, REORG, BLOCK, CONFLICT, REPLACED };

// One change of the pool's contents, numbered as Core numbers them (getrawmempool's
// mempool_sequence, the ZMQ "sequence" topic): every addition and every removal, a
// block's too, takes the next number. Package tests (test_accept_package) change nothing.
struct MempoolEvent {
    bool added = false;                                          // false: removed
    MempoolRemovalReason reason = MempoolRemovalReason::EXPIRY;  // when removed
    std::shared_ptr<const Transaction> tx;
    uint256 txid;
    uint64_t sequence = 0;
};

struct MempoolInfo {
    size_t size = 0, bytes = 0, usage = 0;
    Amount total_fee = 0;
    size_t max_bytes = 0;
    FeeRate min_fee;  // current minimum to enter (rises when full)
    FeeRate min_relay_feerate, incremental_relay_feerate;
    size_t unbroadcast = 0;
    bool full_rbf = true;
    bool permit_bare_multisig = true;
    size_t max_datacarrier_bytes = 0;  // 0 with -datacarrier=0
    size_t cluster_count = 0, cluster_size_vbytes = 0;
    bool optimal = true;  // every cluster's linearization is known to be optimal
};

class Mempool {
public:
    // Registers with the chain state (listener for blocks). REQUIRES: not called inside
    // Chainstate::with_view or a listener.
    Mempool(Chainstate& chain, MempoolOptions options);
    ~Mempool();
    Mempool(const Mempool&) = delete;
    Mempool& operator=(const Mempool&) = delete;

    // Policy and consensus checks against the current tip, then insertion (unless
    // `test_only`). `max_fee_rate` (sendrawtransaction's maxfeerate) rejects absurd fees
    // with "max-fee-exceeded" when non-zero. Transactions with missing inputs go to the
    // orphan pool (bounded) and are retried when a parent arrives.
    // A transaction already in the pool is reported with already_known (and accepted false,
    // reason "txn-already-in-mempool" or "txn-same-nonwitness-data-in-mempool").
    // REQUIRES: not called inside Chainstate::with_view or a chain state listener.
    [[nodiscard]] AcceptResult accept(const Transaction& tx, bool test_only = false, FeeRate max_fee_rate = {});
    // testmempoolaccept for up to 25 transactions (a package: later ones may spend earlier).
    // One transaction: as accept(tx, true). Several: Core's package test, without
    // replacements ("bip125-replacement-disallowed") and with each transaction's own fee
    // rate. Evaluation stops at the first failure: later results are left unevaluated
    // (accepted false, state valid), as Core leaves them blank. A malformed package sets
    // package_error on every result and evaluates nothing.
    std::vector<AcceptResult> test_accept_package(const std::vector<Transaction>& txs, FeeRate max_fee_rate = {});
    // submitpackage (Core's ProcessNewPackage): a single transaction, or a child with its
    // parents (parents already in the pool may be left out), sorted. Each transaction is
    // tried alone first; those refused for their fee or for a missing in-package parent are
    // then evaluated together at the package feerate, and inserted only if all checks pass.
    // `max_fee_rate` (0: none) refuses transactions whose own modified feerate is higher
    // ("max feerate exceeded"). Also used by P2P 1p1c package relay.
    PackageResult submit_package(const std::vector<Transaction>& txs, FeeRate max_fee_rate = {});

    // getmempoolcluster: the cluster holding `txid`.
    std::optional<MempoolCluster> cluster(const uint256& txid) const;
    // getmempoolfeeratediagram: cumulative (sigops-adjusted weight, modified fee) after each
    // chunk of the whole pool in mining order, starting at (0, 0).
    std::vector<std::pair<int64_t, Amount>> feerate_diagram() const;

    bool contains(const uint256& txid) const;
    bool contains_wtxid(const uint256& wtxid) const;
    std::optional<MempoolEntryInfo> entry(const uint256& txid) const;
    std::shared_ptr<const Transaction> get(const uint256& txid) const;
    std::shared_ptr<const Transaction> get_by_wtxid(const uint256& wtxid) const;
    std::vector<uint256> txids() const;  // in no particular order
    // Which outpoint of this mempool is spent by which transaction (gettxout include_mempool).
    std::optional<uint256> spender_of(const OutPoint& outpoint) const;
    MempoolInfo info() const;

    // prioritisetransaction: adds `fee_delta` (satoshis) to the modified fee. The delta is
    // remembered even if the transaction is not (yet) in the pool.
    void prioritise(const uint256& txid, Amount fee_delta);
    // getprioritisedtransactions: every non-zero delta (txid, delta).
    std::vector<std::pair<uint256, Amount>> fee_deltas() const;

    // Transactions for a block template, chunk by chunk in order of chunk feerate (each
    // chunk's transactions in their cluster's order, so parents come first), within the
    // weight and sigop-cost budgets. `fees` receives their total base fee.
    // The budgets are for the transactions alone (the caller reserves the coinbase's).
    // Chunks paying less than `min_fee_rate` (modified fee; -blockmintxfee, by default
    // 1 sat/kvB as Core 30's) are left out.
    static constexpr Amount kDefaultBlockMinTxFee = 1;  // sat/kvB
    std::vector<std::shared_ptr<const Transaction>> select_for_block(size_t max_weight, int64_t max_sigops_cost,
                                                                     Amount& fees,
                                                                     FeeRate min_fee_rate = FeeRate{
                                                                         kDefaultBlockMinTxFee}) const;

    // estimatesmartfee: a fee rate likely to confirm within `target` blocks, and the
    // target it actually answers for; nullopt with too little data. The rate is raised to
    // the current mempool minimum and minimum relay fee, as Core's RPC does. See
    // node/fee_estimator.h for the (simplified) method.
    std::optional<std::pair<FeeRate, int>> estimate_fee(int target) const;
    // estimaterawfee: the estimator's raw answer for `target` and `threshold` (not raised
    // to the mempool or relay minimum), see FeeEstimator::estimate_raw.
    FeeEstimator::RawEstimate estimate_raw_fee(int target, double threshold) const;

    // mempool.dat (Bitcoin Core's format): load on start, save on stop. load() reads
    // version 1 and version 2 (Core 28+, XOR-obfuscated); save() writes version 1,
    // atomically (util/atomic_file.h). load() re-accepts every transaction not
    // yet expired with its original entry time and fee delta; `stats` (optional) tells
    // how that went. Returns false with `error` when the file cannot be read or is
    // malformed (what was accepted before the error stays).
    struct LoadStats {
        uint64_t accepted = 0, failed = 0, expired = 0, already_there = 0;
    };
    // What to take over from the file besides the transactions (Core's ImportMempoolOptions;
    // the defaults are those of the load at start-up, importmempool passes its own).
    struct LoadOptions {
        bool use_current_time = false;         // entry time = now (so nothing counts as expired)
        bool apply_fee_delta_priority = true;  // fee deltas added to any existing ones
        bool apply_unbroadcast_set = true;     // the unbroadcast set, for txs now in the pool
    };
    [[nodiscard]] bool load(const std::filesystem::path& file, std::string* error, LoadStats* stats = nullptr);
    [[nodiscard]] bool load(const std::filesystem::path& file, std::string* error, LoadStats* stats,
                            const LoadOptions& options);
    [[nodiscard]] bool save(const std::filesystem::path& file, std::string* error) const;

    // Notified (outside the mempool lock) for every transaction added, for relay.
    void on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback);

    // Every addition and removal as it happens, in order (Core's TransactionAddedToMempool
    // and TransactionRemovedFromMempool, with the removals for a block too). Called with the
    // mempool locked, mostly with the chain state locked too: the callback must be quick,
    // must not block and must not call the Mempool or the Chainstate.
    void on_event(std::function<void(const MempoolEvent&)> callback);
    // The number the next change will take (Core's GetSequence); 1 for a new pool.
    uint64_t sequence() const;
    // Every txid in the pool (in no particular order) and sequence(), read together.
    std::pair<std::vector<uint256>, uint64_t> txids_and_sequence() const;

    // Orphans: transactions whose inputs were missing, kept (at most max_orphans, and
    // max_orphan_weight in total; the oldest go first; 20 minutes at most) until a parent
    // arrives in the mempool or in a block.
    size_t orphan_count() const;
    bool contains_orphan(const uint256& wtxid) const;
    // The orphan with this wtxid (or txid when !is_wtxid), if held.
    std::shared_ptr<const Transaction> orphan(const uint256& hash, bool is_wtxid) const;
    // Every orphan, in arrival order (getorphantxs).
    std::vector<std::shared_ptr<const Transaction>> orphan_list() const;
    // Orphans spending an output of `parent_txid`, in arrival order (for 1p1c relay).
    std::vector<std::shared_ptr<const Transaction>> orphan_children(const uint256& parent_txid) const;

    // Transactions submitted locally and not yet requested by a peer (Core's unbroadcast
    // set, saved in mempool.dat). Entries leave the set when they leave the pool.
    void add_unbroadcast(const uint256& txid);
    void remove_unbroadcast(const uint256& txid);
    std::vector<uint256> unbroadcast() const;

    // Verifies the pool's internal invariants (links, spent outputs, ancestor/descendant
    // aggregates, indexes, totals), as Core's -checkmempool; for tests. Slow: O(n * depth).
    [[nodiscard]] bool check_consistency(std::string* error) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash
