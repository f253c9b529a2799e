// Helpers shared by the RPC command files: argument parsing with Core's error texts and
// the JSON form of an indexed block header (Core's blockheaderToJSON). Transactions and
// scripts as JSON are in rpc/tx_json.h (included here for the command files).
#pragma once

#include <boost/json.hpp>

#include <string>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_verify.h"
#include "node/block_index.h"
#include "rpc/server.h"
#include "rpc/tx_json.h"
#include "storage/undo.h"

namespace minicash {
class Chainstate;
class Mempool;
struct NodeContext;
}  // namespace minicash

namespace minicash::rpc {

// The chain state, or RPC_IN_WARMUP / RPC_INTERNAL_ERROR when there is none.
Chainstate& require_chain(NodeContext& node);
// The mempool, or RPC_CLIENT_MEMPOOL_DISABLED "Mempool disabled or instance not found".
Mempool& require_mempool(NodeContext& node);

// Core's ParseHashV: 64 hex digits, errors -8 "<name> must be of length 64 (not N, for 'x')"
// and "<name> must be hexadecimal string (not 'x')".
uint256 parse_hash(const boost::json::value& v, const std::string& name);
// Core's ParseHexV: -8 "<name> must be hexadecimal string (not 'x') and length of it must be divisible by 2".
Bytes parse_hex(const boost::json::value& v, const std::string& name);
// getblock/getrawtransaction verbosity: a number or a bool (true = 1).
int parse_verbosity(const boost::json::value& v, int dflt);

// The output script of a descriptor (common/descriptor.h), as Core's
// getScriptFromDescriptor: nullopt with `error` when it does not parse; throws RpcError
// for multipath, ranged or underivable descriptors; combo() gives its P2WPKH (or P2PKH).
[[nodiscard]] std::optional<Script> script_from_descriptor(const std::string& descriptor, const ChainParams& params,
                                                           std::string& error);
// Core's blockheaderToJSON; `tip` gives confirmations and nextblockhash (-1 off the active chain).
boost::json::object header_to_json(const BlockIndex& index, const BlockIndex* tip, const BlockIndex* next);

}  // namespace minicash::rpc
