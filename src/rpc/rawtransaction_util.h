// Pieces shared by the raw transaction and PSBT commands (Core's rpc/rawtransaction_util):
// building a transaction from JSON inputs and outputs, sighash names, the coins a
// transaction spends, and the per-input error list of signrawtransactionwithkey.
#pragma once

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"
#include "consensus/transaction.h"
#include "rpc/server.h"

namespace minicash {
struct NodeContext;
}

namespace minicash::rpc {

// Core's ConstructTransaction (createrawtransaction, createpsbt), from the arguments of
// create_tx_args(): inputs [{"txid","vout","sequence"}], outputs as an object or an array
// of one-key objects ({address: amount} or {"data": hex}), locktime, replaceable (not
// given: sequences then default to BIP125-replaceable) and version (1..3, default 2).
// Core's -8/-5/-3 errors.
Transaction construct_transaction(const RpcRequest& req, const ChainParams& params);

// The arguments of createrawtransaction and createpsbt (Core's CreateTxDoc).
std::vector<RpcArg> create_tx_args();

// Core's ParseSighashString: nullopt for null; "DEFAULT", "ALL", "NONE", "SINGLE" and their
// "|ANYONECANPAY" forms; anything else is -8 "'<s>' is not a valid sighash parameter.".
std::optional<int> parse_sighash(const boost::json::value& v);

// The outputs `tx`'s inputs spend, from the mempool or the UTXO set at the tip (Core's
// FindCoins: mempool transactions' outputs count, spends by mempool transactions do not
// hide a coin); nullopt where not found.
std::vector<std::optional<TxOut>> find_spent_outputs(NodeContext& node, const Transaction& tx);

// The {"txid","vout","witness","scriptSig","sequence","error"} entries Core lists in
// "errors" for inputs that are not completely signed.
boost::json::array input_errors_json(const Transaction& tx, const std::map<size_t, std::string>& errors);

}  // namespace minicash::rpc
