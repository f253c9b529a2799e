// Bitcoin Core's `logging` RPC: turns debug categories on and off at run time and
// reports every category's state (util/logging.h).
#pragma once

#include "rpc/server.h"

namespace minicash::rpc {

void register_logging_command(RpcTable& t);

}  // namespace minicash::rpc
