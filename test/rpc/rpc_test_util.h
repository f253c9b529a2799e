// Calling RPC commands in process, for the rpc unit tests: a table with every command of
// rpc/ over a NodeContext, either bare (commands that need no chain) or over a regtest
// chain state and mempool built in process (node/'s TestChain).
#pragma once

#include <boost/json.hpp>

#include <memory>
#include <string>
#include <utility>

#include "node/context.h"
#include "node/mempool.h"
#include "rpc/server.h"
#include "test/node/mempool_test_util.h"

namespace minicash::test {

class RpcCaller {
public:
    // A node with no chain state, for `network`'s parameters.
    explicit RpcCaller(Network network = Network::REGTEST);
    // A node over `chain` (and a mempool on it); `chain` must outlive the caller.
    explicit RpcCaller(TestChain& chain);
    ~RpcCaller();

    // Runs `method` with `params` (an array or an object of named parameters). Throws
    // rpc::RpcError as the server would answer.
    boost::json::value call(const std::string& method, boost::json::value params = boost::json::array{});
    // The {code, message} of the error `method` answers with; {0, ""} when it succeeds.
    std::pair<int, std::string> error(const std::string& method, boost::json::value params = boost::json::array{});

    NodeContext& node() { return node_; }
    Mempool& mempool() { return *node_.mempool; }

private:
    rpc::RpcTable table_;
    NodeContext node_;
};

// Satoshis of an amount in a result (amount_value).
Amount amount_in(const boost::json::value& v);

}  // namespace minicash::test
