// The wallet's view of a node through Bitcoin Core's JSON-RPC calls: getblockchaininfo,
// getblockhash, getblockfilter, getblock (verbosity 0, parsed locally; verbosity 3 for
// silent payment scans without an index), getrawmempool, getrawtransaction,
// sendrawtransaction, testmempoolaccept, estimatesmartfee, getmempoolentry, and
// getsilentpaymentblockdata (the call of Core's proposed BIP352 index, served by
// minicashd -silentpaymentindex). The same calls work against Bitcoin Core started with
// -blockfilterindex (the silent payment index aside).
//
// The connection itself is the caller's (minicash-wallet uses rpc/client_session.h's
// RpcSession): this class only builds requests and reads replies, so it can be tested
// with a function that answers like a node.
#pragma once

#include <boost/json.hpp>

#include <functional>

#include "wallet/chain_source.h"

namespace minicash::wallet {

// Sends one JSON-RPC request document (an object, or an array for a batch) and returns
// the reply document. Throws when no reply arrives (e.g. rpc::ConnectionError).
using JsonRpcTransport = std::function<boost::json::value(const boost::json::value& request)>;

class RpcChainSource : public ChainSource {
public:
    explicit RpcChainSource(JsonRpcTransport transport) : transport_(std::move(transport)) {}

    ChainTip tip() override;
    uint256 block_hash(int height) override;
    std::optional<Bytes> block_filter(const uint256& hash) override;
    Block block(const uint256& hash) override;
    std::vector<uint256> mempool() override;
    std::optional<Transaction> mempool_tx(const uint256& txid) override;
    uint256 broadcast(const Transaction& tx) override;
    [[nodiscard]] AcceptResult test_accept(const Transaction& tx) override;
    std::optional<Amount> estimate_fee(int target) override;
    std::vector<uint256> block_hashes(int from, int count) override;
    std::vector<std::optional<Bytes>> block_filters(const std::vector<uint256>& hashes) override;
    std::optional<MempoolEntry> mempool_entry(const uint256& txid) override;
    std::optional<std::vector<sp::PubKey>> silent_payment_tweaks(const uint256& hash) override;
    std::vector<std::optional<std::vector<sp::PubKey>>> silent_payment_tweaks(
        const std::vector<uint256>& hashes) override;
    BlockWithPrevouts block_with_prevouts(const uint256& hash) override;

    // One call: the result, or ChainSourceError with the node's code and message.
    boost::json::value call(const std::string& method, boost::json::array params);

private:
    // A batch of calls; results in order. Errors as call().
    std::vector<boost::json::value> batch(const std::string& method, const std::vector<boost::json::array>& params,
                                          std::vector<std::optional<ChainSourceError>>* errors = nullptr);
    // A batch of one call per block hash: parsed results, nullopt where the node has no
    // such index (errors -32601 and -1); other errors are thrown.
    template <typename T>
    std::vector<std::optional<T>> batch_per_block(const std::string& method, const std::vector<uint256>& hashes,
                                                  T (*parse)(const boost::json::value&));
    JsonRpcTransport transport_;
};

}  // namespace minicash::wallet
