// Network RPC commands (getpeerinfo, getnetworkinfo, addnode, setban, ...), backed by
// net::Connman through NodeContext::connman.
#pragma once

#include "rpc/server.h"

namespace minicash::rpc {

void register_net_commands(RpcTable& t);      // calls register_addrman_commands too
void register_addrman_commands(RpcTable& t);  // getaddrmaninfo, getrawaddrman (addrman_info.cpp)

}  // namespace minicash::rpc
