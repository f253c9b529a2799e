// Bitcoin Core's unauthenticated REST interface (-rest), served by the JSON-RPC HTTP
// server on the RPC port (rpc/http_server.h path handlers), with Core's paths, formats
// (.bin, .hex, .json), status codes, content types and error texts:
//
//   /rest/tx/<txid>                      /rest/block/<hash>, /rest/block/notxdetails/<hash>
//   /rest/blockpart/<hash>?offset=&size= /rest/headers/<hash>?count= (and <count>/<hash>)
//   /rest/blockhashbyheight/<height>     /rest/chaininfo         /rest/deploymentinfo[/<hash>]
//   /rest/mempool/info                   /rest/mempool/contents?verbose=&mempool_sequence=
//   /rest/getutxos[/checkmempool]/<txid>-<n>/...  (or a .bin/.hex request body)
//   /rest/blockfilter/<type>/<hash>      /rest/blockfilterheaders/<type>/<hash>?count=
//   /rest/spenttxouts/<hash>
//
// JSON results come from the RPC commands themselves (getblock, getblockchaininfo,
// getmempoolinfo, getrawmempool, getdeploymentinfo run through the command table) or from
// the shared encoders (tx_to_json, header_to_json, script_pubkey_json), never from copies.
// Errors are text/plain "<message>\r\n"; while the node warms up every endpoint answers
// 503 "Service temporarily unavailable: <status>". A handler never changes node state.
#pragma once

namespace minicash {
struct NodeContext;
}

namespace minicash::rpc {

class HttpRpcServer;
class RpcTable;

// Registers every /rest/ prefix on `server` (before it starts). `table` and `node` must
// outlive the server.
void add_rest_handlers(HttpRpcServer& server, const RpcTable& table, NodeContext& node);

}  // namespace minicash::rpc
