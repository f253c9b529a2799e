#include "net/txpool.h"

namespace minicash::net {

namespace {

class MempoolTxPool final : public TxPool {
public:
    explicit MempoolTxPool(Mempool& m) : m_(m) {}
    AcceptResult accept(const Transaction& tx) override { return m_.accept(tx); }
    PackageResult accept_package(const std::vector<Transaction>& txs) override {
        return m_.submit_package(txs, FeeRate{});
    }
    std::vector<std::shared_ptr<const Transaction>> orphan_children(const uint256& parent_txid) const override {
        return m_.orphan_children(parent_txid);
    }
    std::shared_ptr<const Transaction> orphan(const uint256& hash, bool is_wtxid) const override {
        return m_.orphan(hash, is_wtxid);
    }
    std::shared_ptr<const Transaction> get(const uint256& txid) const override { return m_.get(txid); }
    std::shared_ptr<const Transaction> get_by_wtxid(const uint256& wtxid) const override {
        return m_.get_by_wtxid(wtxid);
    }
    bool contains(const uint256& txid) const override { return m_.contains(txid); }
    bool contains_wtxid(const uint256& wtxid) const override { return m_.contains_wtxid(wtxid); }
    std::optional<MempoolEntryInfo> entry(const uint256& txid) const override { return m_.entry(txid); }
    std::vector<MempoolEntryInfo> entries() const override {
        std::vector<MempoolEntryInfo> out;
        for (const uint256& txid : m_.txids())
            if (auto e = m_.entry(txid)) out.push_back(std::move(*e));
        return out;
    }
    std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> transactions() const override {
        std::vector<std::pair<uint256, std::shared_ptr<const Transaction>>> out;
        for (const uint256& txid : m_.txids())
            if (auto tx = m_.get(txid)) out.emplace_back(tx->wtxid(), std::move(tx));
        return out;
    }
    std::optional<int64_t> entry_time(const uint256& txid) const override {
        auto e = m_.entry(txid);
        if (!e) return std::nullopt;
        return e->time;
    }
    std::vector<std::shared_ptr<const Transaction>> conflicts(const Transaction& tx) const override {
        std::vector<std::shared_ptr<const Transaction>> out;
        for (const TxIn& in : tx.vin)
            if (auto spender = m_.spender_of(in.prevout))
                if (auto t = m_.get(*spender)) out.push_back(std::move(t));
        return out;
    }
    FeeRate min_fee() const override {
        const MempoolInfo info = m_.info();
        return std::max(info.min_fee, info.min_relay_feerate);
    }
    void on_transaction_added(std::function<void(const MempoolEntryInfo&)> callback) override {
        m_.on_transaction_added(std::move(callback));
    }

private:
    Mempool& m_;
};

}  // namespace

std::unique_ptr<TxPool> make_txpool(Mempool& mempool) { return std::make_unique<MempoolTxPool>(mempool); }

}  // namespace minicash::net
