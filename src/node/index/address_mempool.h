// The unconfirmed half of the address index: which mempool transactions touch which
// script (by Electrum script hash), with the outputs they spend, kept live from the
// mempool's numbered events (node/mempool.h on_event).
//
// The mempool calls its listeners with its lock (and mostly the chain state's) held, so
// the listener here only queues the event; a thread of its own resolves each new
// transaction's spent outputs (from earlier mempool transactions, else the UTXO set at the
// tip) and updates the maps. Events are applied in their order. The queue is bounded
// (kMaxQueued events): past that it is dropped and the state rebuilt from the mempool's
// contents, so a burst never grows memory without a bound.
//
// Reads lock one mutex and are safe from any thread; sync() waits until every event queued
// so far is applied (used before answering a client, so that an answer reflects a
// transaction the same client has just broadcast).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "consensus/transaction.h"
#include "node/index/address_index.h"

namespace minicash {

class Chainstate;
class Mempool;
struct MempoolEvent;

// A mempool transaction as the address queries see it.
struct MempoolAddressTx {
    std::shared_ptr<const Transaction> tx;
    uint256 txid;
    Amount fee = 0;  // inputs minus outputs (0 when an input is unknown)
    size_t vsize = 0;
    int64_t time = 0;                  // when it was seen (the chain state's clock)
    bool unconfirmed_parents = false;  // spends an output of another mempool transaction
    // The output each input spends (nullopt when it could not be found).
    std::vector<std::optional<TxOut>> prevouts;
};

class AddressMempool {
public:
    static constexpr size_t kMaxQueued = 100000;

    // REQUIRES: `chain` and `mempool` outlive this object.
    AddressMempool(Chainstate& chain, Mempool& mempool);
    ~AddressMempool();  // stop()s
    AddressMempool(const AddressMempool&) = delete;
    AddressMempool& operator=(const AddressMempool&) = delete;

    // Registers with the mempool, loads what it holds now and starts the thread.
    void start();
    void stop();

    // Waits (at most `timeout`) until every event queued so far is applied.
    void sync(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

    // The transactions touching `script_hash`, in Electrum's order for mempool entries
    // (those spending only confirmed outputs first, then by txid).
    std::vector<MempoolAddressTx> transactions(const uint256& script_hash) const;
    std::optional<MempoolAddressTx> transaction(const uint256& txid) const;
    // Outputs to `script_hash` created in the mempool and not spent there.
    std::vector<AddressUtxo> utxos(const uint256& script_hash) const;
    AddressStats stats(const uint256& script_hash) const;
    // The mempool transaction spending `outpoint` and the input index, if any.
    std::optional<std::pair<uint256, uint32_t>> spender(const OutPoint& outpoint) const;
    // Every transaction, newest first (Esplora's /mempool/recent), at most `limit`.
    std::vector<MempoolAddressTx> recent(size_t limit) const;

    // Called on this object's thread after a change was applied, with the script hashes
    // whose mempool part changed. Must not block.
    using ChangeListener = std::function<void(const std::vector<uint256>& script_hashes)>;
    void on_change(ChangeListener listener);

private:
    struct Entry {
        MempoolAddressTx info;
        std::vector<uint256> scripts;  // script hashes it touches (sorted, unique)
        uint64_t order = 0;            // arrival order, for recent()
    };
    void run();
    void apply(const MempoolEvent& e, std::vector<uint256>& touched);
    void add(const std::shared_ptr<const Transaction>& tx, const uint256& txid, std::vector<uint256>& touched);
    void remove(const uint256& txid, std::vector<uint256>& touched);
    void rebuild(std::vector<uint256>& touched);

    Chainstate& chain_;
    Mempool& mempool_;

    struct Queue;
    std::shared_ptr<Queue> queue_;  // shared with the mempool's listener
    std::thread thread_;

    mutable std::mutex mutex_;  // guards everything below
    std::map<uint256, Entry> entries_;
    std::map<uint256, std::set<uint256>> by_script_;           // script hash -> txids
    std::map<OutPoint, std::pair<uint256, uint32_t>> spends_;  // spent outpoint -> (txid, input)
    uint64_t next_order_ = 0;
    std::vector<ChangeListener> listeners_;
};

}  // namespace minicash
