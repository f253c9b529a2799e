// The Esplora HTTP API (Blockstream's esplora/electrs REST interface, as BDK's Esplora
// client and mempool.js call it) under /api/ on the RPC port (-esplora), and the block
// explorer page under /explorer/ (rpc/explorer_assets.h), both unauthenticated like REST.
//
// Why the RPC port: Esplora clients take one base URL (http://127.0.0.1:<rpcport>/api);
// the RPC server already listens on loopback only unless the operator gives both -rpcbind
// and -rpcallowip, has its thread pool, limits and HEAD handling, and the same port then
// serves the explorer page, whose scripts call /api/ on their own origin (no CORS).
//
// Endpoints (JSON field names, paging and plain-text errors as Esplora's API.md):
//   blocks: /blocks/tip/height, /blocks/tip/hash, /blocks[/:start_height] (10 per page),
//     /block-height/:height, /block/:hash, /block/:hash/{header,status,txids,raw},
//     /block/:hash/txs[/:start_index] (25 per page), /block/:hash/txid/:index
//   transactions: /tx/:txid, /tx/:txid/{hex,raw,status,merkle-proof,merkleblock-proof,
//     outspends}, /tx/:txid/outspend/:vout, POST /tx (hex body; the txid back)
//   addresses and script hashes: /address/:address and /scripthash/:hash, with /txs (up
//     to 50 mempool + 25 confirmed), /txs/chain[/:last_seen_txid] (25 per page, newest
//     first), /txs/mempool (up to 50), /utxo
//   mempool and fees: /mempool, /mempool/txids, /mempool/recent, /fee-estimates
// Errors: 400 for a malformed hash ("Invalid hex string"), number ("Invalid number") or
// address ("Invalid Bitcoin address"); 404 for what is not there ("Block not found",
// "Transaction not found"), and for unknown paths ("endpoint does not exist").
// As electrs, /block/:hash/status of a block outside the best chain (or unknown) is
// {"in_best_chain": false}, not 404.
// Differences from electrs: script *_asm fields use Core's asm notation; POST /tx errors
// carry Core's sendrawtransaction message.
//
// Needs -addressindex and -txindex (-esplora implies both). While they catch up, answers
// reflect what they have indexed so far (getindexinfo shows the progress).
#pragma once

namespace minicash {
struct NodeContext;
}

namespace minicash::rpc {

class HttpRpcServer;
class RpcTable;

// Registers /api/ and /explorer/ on `server` (before it starts).
void add_esplora_handlers(HttpRpcServer& server, const RpcTable& table, NodeContext& node);

}  // namespace minicash::rpc
