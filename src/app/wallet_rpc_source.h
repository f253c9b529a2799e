// The wallet's view of a node through Bitcoin Core's JSON-RPC calls: getblockchaininfo,
// getblockhash, getblockfilter, getblock (verbosity 0, parsed locally), getrawmempool,
// getrawtransaction, sendrawtransaction, testmempoolaccept, estimatesmartfee. The same
// calls work against Bitcoin Core started with -blockfilterindex.
#pragma once

#include <boost/json.hpp>

#include "app/rpc_connection.h"
#include "wallet/chain_source.h"

namespace minicash::app {

class RpcChainSource : public wallet::ChainSource {
public:
    explicit RpcChainSource(RpcSession& session) : session_(session) {}

    wallet::ChainTip tip() override;
    uint256 block_hash(int height) override;
    std::optional<Bytes> block_filter(const uint256& hash) override;
    Block block(const uint256& hash) override;
    std::vector<uint256> mempool() override;
    std::optional<Transaction> mempool_tx(const uint256& txid) override;
    uint256 broadcast(const Transaction& tx) override;
    wallet::AcceptResult test_accept(const Transaction& tx) override;
    std::optional<Amount> estimate_fee(int target) override;
    std::vector<uint256> block_hashes(int from, int count) override;
    std::vector<std::optional<Bytes>> block_filters(const std::vector<uint256>& hashes) override;

    // One call: the result, or ChainSourceError with the node's code and message.
    boost::json::value call(const std::string& method, boost::json::array params);

private:
    // A batch of calls; results in order. Errors as call().
    std::vector<boost::json::value> batch(const std::string& method, const std::vector<boost::json::array>& params,
                                          std::vector<std::optional<wallet::ChainSourceError>>* errors = nullptr);
    RpcSession& session_;
};

}  // namespace minicash::app
