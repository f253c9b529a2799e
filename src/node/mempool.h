// The memory pool: unconfirmed transactions that pass Bitcoin Core's default relay policy,
// kept consistent with the active chain (blocks remove what they confirm or conflict
// with; disconnected blocks put their transactions back).
//
// Thread-safety: internally locked. Acceptance runs inside Chainstate::with_view, so the
// lock order is always chain state, then mempool.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "consensus/validation_state.h"
#include "node/chainstate.h"

namespace minicash {

// A fee rate in satoshis per 1000 virtual bytes (Core's CFeeRate).
struct FeeRate {
    Amount sat_per_kvb = 0;
    Amount fee_for(size_t vsize) const;  // rounded up, as Core's GetFee
    friend auto operator<=>(const FeeRate&, const FeeRate&) = default;
};

struct MempoolOptions {
    size_t max_bytes = 300u << 20;                 // -maxmempool (MB)
    int64_t expiry_seconds = 336 * 3600;           // -mempoolexpiry (hours)
    FeeRate min_relay_feerate{100};                // -minrelaytxfee (Core 30: 0.1 sat/vB)
    FeeRate incremental_relay_feerate{100};        // -incrementalrelayfee
    FeeRate dust_relay_feerate{3000};              // -dustrelayfee
    size_t max_orphans = 100;
    bool persist = true;                           // -persistmempool: mempool.dat on start/stop
};

struct AcceptResult {
    bool accepted = false;         // entered (or, for a test, would enter) the pool
    bool already_known = false;    // was already in the pool (same txid or wtxid)
    ValidationState state;         // why not; reason strings as Core's (e.g. "min relay fee not met")
    uint256 txid, wtxid;
    Amount fee = 0;
    size_t vsize = 0;
    std::vector<uint256> replaced;  // txids evicted by RBF
    std::vector<uint256> missing_inputs;  // set when rejected for missing inputs (orphan)
};

struct MempoolEntryInfo {
    std::shared_ptr<const Transaction> tx;
    uint256 txid, wtxid;
    Amount fee = 0;               // base fee
    Amount modified_fee = 0;      // with prioritisetransaction deltas
    size_t vsize = 0, weight = 0;
    int64_t time = 0;             // entry time (seconds)
    int height = 0;               // chain height at entry
    size_t ancestor_count = 0, ancestor_size = 0, descendant_count = 0, descendant_size = 0;
    Amount ancestor_fees = 0, descendant_fees = 0;
    std::vector<uint256> depends;   // in-mempool parents
    std::vector<uint256> spent_by;  // in-mempool children
    bool bip125_replaceable = false;
};

struct MempoolInfo {
    size_t size = 0, bytes = 0, usage = 0;
    Amount total_fee = 0;
    size_t max_bytes = 0;
    FeeRate min_fee;  // current minimum to enter (rises when full)
    FeeRate min_relay_feerate, incremental_relay_feerate;
    size_t unbroadcast = 0;
    bool full_rbf = true;
};

class Mempool {
public:
    Mempool(Chainstate& chain, MempoolOptions options);
    ~Mempool();
    Mempool(const Mempool&) = delete;
    Mempool& operator=(const Mempool&) = delete;

    // Policy and consensus checks against the current tip, then insertion (unless
    // `test_only`). `max_fee_rate` (sendrawtransaction's maxfeerate) rejects absurd fees
    // with "max-fee-exceeded" when non-zero. Transactions with missing inputs go to the
    // orphan pool (bounded) and are retried when a parent arrives.
    AcceptResult accept(const Transaction& tx, bool test_only = false, FeeRate max_fee_rate = {});
    // testmempoolaccept for up to 25 transactions (a package: later ones may spend earlier).
    std::vector<AcceptResult> test_accept_package(const std::vector<Transaction>& txs, FeeRate max_fee_rate = {});

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

    // Transactions for a block template, parents before children, by ancestor fee rate,
    // within the weight and sigop-cost budgets. `fees` receives their total base fee.
    std::vector<std::shared_ptr<const Transaction>> select_for_block(size_t max_weight, int64_t max_sigops_cost,
                                                                     Amount& fees) const;

    // estimatesmartfee: a fee rate likely to confirm within `target` blocks, and the
    // target it actually answers for; nullopt with too little data.
    std::optional<std::pair<FeeRate, int>> estimate_fee(int target) const;

    // mempool.dat (Bitcoin Core's format, version 1): load on start, save on stop.
    bool load(const std::filesystem::path& file, std::string* error);
    bool save(const std::filesystem::path& file, std::string* error) const;

    // Notified (outside the mempool lock) for every transaction added, for relay.
    void on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace minicash
