// Helpers shared by the RPC command files: argument parsing with Core's error texts and
// the JSON form of an indexed block header (Core's blockheaderToJSON). Transactions and
// scripts as JSON are in rpc/tx_json.h (included here for the command files).
#pragma once

#include <boost/json.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/descriptor.h"
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

// The block with this hash, or RPC_INVALID_ADDRESS_OR_KEY "Block not found".
const BlockIndex* lookup_block(Chainstate& chain, const uint256& hash);
// A block's data, and its undo data when asked for and available (null `undo` otherwise:
// then fee fields are left out, as Core does). RPC_MISC_ERROR when the data is missing.
struct BlockRead {
    Block block;
    std::optional<BlockUndo> undo;
};
BlockRead read_block_data(NodeContext& node, Chainstate& chain, const BlockIndex* b, bool want_undo);

// Values inside JSON arguments, read as Core's UniValue getters read them: a value of
// another type is RPC_TYPE_ERROR "JSON value of type X is not of expected type Y"; an
// integer that is fractional or outside [min, max] is RPC_MISC_ERROR "JSON integer out of range".
std::string json_str(const boost::json::value& v);
int64_t json_int(const boost::json::value& v, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
bool json_bool(const boost::json::value& v);
const boost::json::array& json_array(const boost::json::value& v);
const boost::json::object& json_object(const boost::json::value& v);
// The member `key` of `o`, or a null value.
const boost::json::value& json_member(const boost::json::object& o, std::string_view key);

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
// The transactions `ids` as getrawmempool lists them (rpc/mempool.cpp; also
// getmempoolancestors/descendants): an array of txids, or, `verbose`, an object of
// getmempoolentry's objects by txid (ids no longer in the pool are left out).
boost::json::value mempool_txids_json(const Mempool& mempool, const std::vector<uint256>& ids, bool verbose);

// Core's ParseDescriptorRange: a number n means [0, n], else [begin, end]; -8 errors for
// a malformed range, a negative start, an end of 2^31 or more, or a million entries or more.
std::pair<int64_t, int64_t> parse_descriptor_range(const boost::json::value& v);

// A descriptor argument of scantxoutset, scanblocks, utxoupdatepsbt and descriptorprocesspsbt
// (Core's EvalDescriptorStringOrObject): a descriptor string, or {"desc": string, "range": n
// or [begin,end]} (default [0, 1000]; a descriptor without /* uses index 0 only). Parse
// errors are RPC_INVALID_ADDRESS_OR_KEY with the parser's message.
struct DescriptorArgument {
    std::string text;
    std::vector<Descriptor> descriptors;  // one per multipath alternative
    int64_t begin = 0, end = 0;
};
DescriptorArgument parse_descriptor_argument(const boost::json::value& v, const ChainParams& params);
// Calls `visit` for every script the argument stands for, index by index. A script that
// cannot be derived is -5 "Cannot derive script without private keys: '<text>'".
void expand_descriptor_argument(
    const DescriptorArgument& arg,
    const std::function<void(const Descriptor& desc, uint32_t index, const ExpandedScript& script)>& visit);

// Core's blockheaderToJSON; `tip` gives confirmations and nextblockhash (-1 off the active chain).
boost::json::object header_to_json(const BlockIndex& index, const BlockIndex* tip, const BlockIndex* next);

}  // namespace minicash::rpc
