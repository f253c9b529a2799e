// The zmq RPC category: getzmqnotifications (Core's zmq/zmqrpc.cpp).
#pragma once

#include <vector>

#include "zmq/notifications.h"

namespace minicash::rpc {
class RpcTable;
}

namespace minicash::zmq {

// Registers getzmqnotifications, answering with `active` ({"type", "address", "hwm"}
// each, in Core's notifier order; [] when there are none).
void register_zmq_commands(rpc::RpcTable& table, std::vector<NotifierConfig> active);

}  // namespace minicash::zmq
