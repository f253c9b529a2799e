// What the P2P layer needs from the memory pool, as an interface, so that net/ can be
// built and tested without node/mempool's implementation and so that the daemon
// decides which mempool (if any) peers talk to.
//
// Thread rules: every method may block on the chain state or mempool locks: net/ calls
// them only from job-runner jobs (job_runner.h), never on the event loop. The callback
// given to on_transaction_added runs on whatever thread added the transaction.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "consensus/transaction.h"
#include "node/mempool.h"

namespace minicash::net {

class TxPool {
public:
    virtual ~TxPool() = default;
    [[nodiscard]] virtual AcceptResult accept(const Transaction& tx) = 0;
    // A parent and its child evaluated together (1p1c package relay: Mempool::submit_package).
    [[nodiscard]] virtual PackageResult accept_package(const std::vector<Transaction>& txs) = 0;
    // Transactions held as orphans (inputs missing) that spend an output of `parent_txid`,
    // oldest first.
    virtual std::vector<std::shared_ptr<const Transaction>> orphan_children(const uint256& parent_txid) const = 0;
    // The orphan with this wtxid (or txid), if held.
    virtual std::shared_ptr<const Transaction> orphan(const uint256& hash, bool is_wtxid) const = 0;
    virtual std::shared_ptr<const Transaction> get(const uint256& txid) const = 0;
    virtual std::shared_ptr<const Transaction> get_by_wtxid(const uint256& wtxid) const = 0;
    virtual bool contains(const uint256& txid) const = 0;
    virtual bool contains_wtxid(const uint256& wtxid) const = 0;
    virtual std::optional<MempoolEntryInfo> entry(const uint256& txid) const = 0;
    // Every transaction with its fee and size (BIP35 "mempool" answers).
    virtual std::vector<MempoolEntryInfo> entries() const = 0;
    // Every transaction with its wtxid (compact block reconstruction).
    virtual std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> transactions() const = 0;
    // When the transaction entered the pool (unix seconds), or nullopt when it is not there.
    virtual std::optional<int64_t> entry_time(const uint256& txid) const = 0;
    // The pool's transactions spending an input of `tx` (those it would replace).
    virtual std::vector<std::shared_ptr<const Transaction>> conflicts(const Transaction& tx) const = 0;
    // The fee rate below which transactions are not accepted now (for feefilter).
    virtual FeeRate min_fee() const = 0;
    // Registers a callback for every transaction added (any thread, outside mempool locks).
    virtual void on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback) = 0;
};

// The TxPool of a node::Mempool (which must outlive it).
std::unique_ptr<TxPool> make_txpool(Mempool& mempool);

}  // namespace minicash::net
