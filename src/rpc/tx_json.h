// Transactions, scripts and block header numbers as Bitcoin Core's RPC shows them
// (Core's core_read/core_write: DecodeHexTx, ScriptToAsmStr, ScriptToUniv, TxToUniv).
// The one decoder behind decoderawtransaction, getrawtransaction, getblock and
// minicash-tx. Needs nothing from the node: it is part of minicash_rpc_base.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "consensus/block.h"
#include "consensus/params.h"
#include "consensus/script.h"
#include "consensus/transaction.h"
#include "consensus/tx_verify.h"

namespace minicash::rpc {

// A transaction from bytes, trying the extended (witness) format then the legacy one, as
// Core's DecodeHexTx; nullopt when neither parses (`error`: why the first tried failed).
[[nodiscard]] std::optional<Transaction> decode_tx(ByteView bytes, bool try_no_witness = true, bool try_witness = true,
                                                   std::string* error = nullptr);
// The same from hex.
[[nodiscard]] std::optional<Transaction> decode_hex_tx(const std::string& hex, bool try_no_witness = true,
                                                       bool try_witness = true);
[[nodiscard]] std::optional<Block> decode_hex_block(const std::string& hex);

// Core's CScript::HasValidOps: every op parses, is at most OP_NOP10 and pushes <= 520 bytes.
bool has_valid_ops(const Script& script);
// Core's ScriptToAsmStr. With `sighash_decode`, signature pushes get "[ALL]" etc.
std::string script_to_asm(const Script& script, bool sighash_decode = false);
// Core's output type names: "pubkeyhash", "witness_v0_keyhash", "nulldata", ...
std::string script_type(const Script& script);
// The descriptor Core's InferDescriptor gives without keys (addr(), pk(), multi(),
// rawtr(), raw()), with its checksum.
std::string infer_descriptor(const Script& script, const ChainParams& params);
// {"asm","desc","hex","address","type"} like Core's ScriptToUniv.
boost::json::object script_pubkey_json(const Script& script, const ChainParams& params, bool include_hex = true,
                                       bool include_address = true);

// Core's TxToUniv. `spent` (the spent coins, one per input, e.g. a block's undo data)
// adds "fee" and, with verbosity >= 3, each input's "prevout". A non-null `block_hash`
// adds "blockhash". decoderawtransaction's shape is tx_to_json(tx, params, {}, false).
boost::json::object tx_to_json(const Transaction& tx, const ChainParams& params, const uint256& block_hash = {},
                               bool include_hex = true, const std::vector<Coin>* spent = nullptr, int verbosity = 2);

// Core's GetDifficulty for a compact target.
double difficulty_from_bits(uint32_t bits);
// The 256-bit target of `bits` as 64 hex digits.
std::string target_hex(uint32_t bits);
std::string hex_u32(uint32_t v);  // "%08x"

}  // namespace minicash::rpc
