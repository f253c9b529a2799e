// Drives minicashd's Esplora REST API (-esplora, under /api/) through `@mempool/mempool.js`,
// the client mempool.space publishes for its Esplora-compatible API, as a light wallet
// would: read the tip and a block, sync an address (stats, history, unspent outputs), see
// a faucet payment in the mempool and then confirmed, read fee estimates, and broadcast a
// spend with POST /tx. The client is pointed at the node as its README says for a
// self-hosted instance: hostname "127.0.0.1:PORT", protocol "http" (network "regtest"
// adds no path prefix). The node's side (the faucet payment, mining) goes through the
// `bitcoin-core` RPC client. Prints what the client saw as one JSON object on stdout;
// test/functional/esplora_npm_client.py checks it against the node's RPC. Environment:
// MINICASH_RPC_PORT (the Esplora API shares the RPC port), MINICASH_RPC_USER,
// MINICASH_RPC_PASSWORD, MINICASH_ADDRESS (the wallet's), MINICASH_PAYMENT_HEX (the faucet
// payment), MINICASH_SPEND_HEX (spends it), MINICASH_MINE_ADDRESS.
'use strict';

const mempoolJS = require('@mempool/mempool.js');
// The client's own HTTP layer (same base URL), for /fee-estimates: mempool.js wraps only
// mempool.space's /v1/fees/* endpoints, which are not part of the Esplora API.
const { makeBitcoinAPI } = require('@mempool/mempool.js/lib/services/api');
const RpcClient = require('bitcoin-core');

const env = process.env;
const hostname = `127.0.0.1:${env.MINICASH_RPC_PORT}`;
const rpc = new RpcClient({
  host: `http://${hostname}`,
  username: env.MINICASH_RPC_USER,
  password: env.MINICASH_RPC_PASSWORD,
  timeout: 60000
});

// The HTTP status and body of a request the server refuses (axios rejects non-2xx).
async function refused(promise) {
  try {
    return { ok: await promise };
  } catch (e) {
    return e.response ? { status: e.response.status, body: e.response.data } : { error: String(e) };
  }
}

async function main() {
  const config = { timeout: 60000 };
  const { bitcoin } = mempoolJS({ hostname, network: 'regtest', protocol: 'http', config });
  const { api } = makeBitcoinAPI({ hostname, network: 'regtest', protocol: 'http', config });
  const { blocks, addresses, transactions, mempool } = bitcoin;
  const address = env.MINICASH_ADDRESS;
  const out = { version: require('@mempool/mempool.js/package.json').version };

  // The chain: tip, a block by height, its status, header and transactions.
  out.tip_height = await blocks.getBlocksTipHeight();
  out.tip_hash = await blocks.getBlocksTipHash();
  out.height_hash = await blocks.getBlockHeight({ height: out.tip_height });
  out.block_status = await blocks.getBlockStatus({ hash: out.tip_hash });
  out.block_header = await blocks.getBlockHeader({ hash: out.tip_hash });
  out.block_txids = await blocks.getBlockTxids({ hash: out.tip_hash });
  out.block_txid0 = await blocks.getBlockTxid({ hash: out.tip_hash, index: 0 });
  out.block_txs = await blocks.getBlockTxs({ hash: out.tip_hash, start_index: 0 });
  out.block = (await api.get(`/block/${out.tip_hash}`)).data;
  out.unknown_height = await refused(blocks.getBlockHeight({ height: 1000000 }));

  // The wallet syncs before it is paid: nothing.
  out.initial_address = await addresses.getAddress({ address });
  out.initial_txs = await addresses.getAddressTxs({ address });

  // The faucet pays the wallet: the payment shows in the mempool.
  out.payment_txid = await rpc.command('sendrawtransaction', env.MINICASH_PAYMENT_HEX);
  out.mempool_address = await addresses.getAddress({ address });
  out.mempool_txs = await addresses.getAddressTxsMempool({ address });
  out.mempool_utxo = await addresses.getAddressTxsUtxo({ address });
  out.mempool_status = await transactions.getTxStatus({ txid: out.payment_txid });
  out.mempool_txids = await mempool.getMempoolTxids();
  out.mempool = await mempool.getMempool();
  out.mempool_recent = await mempool.getMempoolRecent();

  // A block confirms it.
  out.block2 = (await rpc.command('generatetoaddress', 1, env.MINICASH_MINE_ADDRESS))[0];
  out.tip_height2 = await blocks.getBlocksTipHeight();
  out.address = await addresses.getAddress({ address });
  out.chain_txs = await addresses.getAddressTxsChain({ address });
  out.utxo = await addresses.getAddressTxsUtxo({ address });
  out.tx = await transactions.getTx({ txid: out.payment_txid });
  out.tx_status = await transactions.getTxStatus({ txid: out.payment_txid });
  out.tx_hex = await transactions.getTxHex({ txid: out.payment_txid });
  out.merkle_proof = await transactions.getTxMerkleProof({ txid: out.payment_txid });
  out.outspends = await transactions.getTxOutspends({ txid: out.payment_txid });
  out.fee_estimates = (await api.get('/fee-estimates')).data;

  // The wallet spends what it got.
  out.spend_txid = await transactions.postTx({ txhex: env.MINICASH_SPEND_HEX });
  out.spend_address = await addresses.getAddress({ address });
  out.spend_txs = await addresses.getAddressTxs({ address });
  out.spend_utxo = await addresses.getAddressTxsUtxo({ address });
  out.outspend = await transactions.getTxOutspend({ txid: out.payment_txid, vout: 0 });
  out.bad_post = await refused(transactions.postTx({ txhex: '00' }));
  out.bad_address = await refused(addresses.getAddress({ address: 'notanaddress' }));
  out.unknown_tx = await refused(transactions.getTx({ txid: '11'.repeat(32) }));
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
}

main().catch((e) => {
  const detail = e && e.response ? ` (HTTP ${e.response.status} ${e.config && e.config.url}: ${JSON.stringify(e.response.data)})` : '';
  process.stderr.write(`esplora_client.js: ${e && e.stack ? e.stack : JSON.stringify(e)}${detail}\n`);
  process.exit(1);
});
