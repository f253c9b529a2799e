#include "test/rpc/rpc_test_util.h"

#include <stdexcept>

#include "node/tip_waiter.h"

namespace minicash::test {

namespace json = boost::json;

RpcCaller::RpcCaller(Network network) {
    node_.params = make_chain_params(network);
    rpc::register_all_commands(table_);
}

RpcCaller::RpcCaller(TestChain& chain) {
    node_.params = chain.params();
    node_.datadir = chain.dir();
    node_.chainstate = std::shared_ptr<Chainstate>(&chain.chain(), [](Chainstate*) {});  // owned by the TestChain
    MempoolOptions options;
    options.persist = false;
    node_.mempool = std::make_shared<Mempool>(chain.chain(), options);
    node_.tip_waiter = std::make_shared<TipWaiter>(chain.chain());
    rpc::register_all_commands(table_);
}

RpcCaller::~RpcCaller() { node_.mempool.reset(); }

json::value RpcCaller::call(const std::string& method, json::value params) {
    rpc::RpcRequest req;
    req.method = method;
    return table_.execute(node_, req, params);
}

std::pair<int, std::string> RpcCaller::error(const std::string& method, json::value params) {
    try {
        call(method, std::move(params));
    } catch (const rpc::RpcError& e) { return {e.code, e.message}; }
    return {0, ""};
}

Amount amount_in(const json::value& v) {
    if (auto a = rpc::amount_of(v)) return *a;
    throw std::runtime_error("not an amount: " + rpc::write_json(v));
}

}  // namespace minicash::test
