// Helpers shared by the RPC command files: argument parsing with Core's error texts and
// the JSON forms of scripts, transactions and block headers (Core's ScriptToUniv,
// TxToUniv, blockheaderToJSON).
#pragma once

#include <boost/json.hpp>

#include <string>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/tx_verify.h"
#include "node/block_index.h"
#include "rpc/server.h"
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
// A transaction from hex, trying the extended (witness) format then the legacy one, as
// Core's DecodeHexTx; nullopt when neither parses.
std::optional<Transaction> decode_hex_tx(const std::string& hex, bool try_no_witness = true,
                                         bool try_witness = true);
std::optional<Block> decode_hex_block(const std::string& hex);
// getblock/getrawtransaction verbosity: a number or a bool (true = 1).
int parse_verbosity(const boost::json::value& v, int dflt);

// Core's CScript::HasValidOps: every op parses, is at most OP_NOP10 and pushes <= 520 bytes.
bool has_valid_ops(const Script& script);
// Core's ScriptToAsmStr. With `sighash_decode`, signature pushes get "[ALL]" etc.
std::string script_to_asm(const Script& script, bool sighash_decode = false);
// Core's output type names: "pubkeyhash", "witness_v0_keyhash", "nulldata", ...
std::string script_type(const Script& script);
// The descriptor Core's InferDescriptor gives without keys (addr(), pk(), multi(),
// rawtr(), raw()), with its checksum.
std::string infer_descriptor(const Script& script, const ChainParams& params);
// The output script of a descriptor (common/descriptor.h), as Core's
// getScriptFromDescriptor: nullopt with `error` when it does not parse; throws RpcError
// for multipath, ranged or underivable descriptors; combo() gives its P2WPKH (or P2PKH).
std::optional<Script> script_from_descriptor(const std::string& descriptor, const ChainParams& params,
                                             std::string& error);
// {"asm","desc","hex","address","type"} like Core's ScriptToUniv.
boost::json::object script_pubkey_json(const Script& script, const ChainParams& params, bool include_hex = true,
                                       bool include_address = true);

// Core's TxToUniv. `undo` (the spent coins, one per input) adds "fee" and, with
// verbosity >= 3, each input's "prevout". A non-null `block_hash` adds "blockhash".
boost::json::object tx_to_json(const Transaction& tx, const ChainParams& params, const uint256& block_hash = {},
                               bool include_hex = true, const TxUndo* undo = nullptr, int verbosity = 2);

// Core's GetDifficulty for a compact target.
double difficulty_from_bits(uint32_t bits);
// The 256-bit target of `bits` as 64 hex digits.
std::string target_hex(uint32_t bits);
// Core's blockheaderToJSON; `tip` gives confirmations and nextblockhash (-1 off the active chain).
boost::json::object header_to_json(const BlockIndex& index, const BlockIndex* tip, const BlockIndex* next);
std::string hex_u32(uint32_t v);  // "%08x"

}  // namespace minicash::rpc
