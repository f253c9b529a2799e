// Drives minicashd through the `bitcoin-core` npm client (RPC and REST), as an
// application written for bitcoind would, and prints what the client returned as one
// JSON object on stdout; test/functional/rest_npm_client.py compares it with the node's
// own answers. Run by that test with NODE_PATH pointing at the installed client
// (contrib/install-test-clients.sh) and the node's coordinates in the environment:
//   MINICASH_RPC_PORT, MINICASH_RPC_USER, MINICASH_RPC_PASSWORD,
//   MINICASH_BLOCK (a block hash), MINICASH_CONFIRMED_TX, MINICASH_MEMPOOL_TX (txids).
'use strict';

const Client = require('bitcoin-core');

const env = process.env;
const client = new Client({
  host: `http://127.0.0.1:${env.MINICASH_RPC_PORT}`,
  username: env.MINICASH_RPC_USER,
  password: env.MINICASH_RPC_PASSWORD,
  timeout: 60000
});
const unauthenticated = new Client({ host: `http://127.0.0.1:${env.MINICASH_RPC_PORT}`, timeout: 60000 });

// Buffers (binary REST answers) as hex; errors as {error: {code, message}}.
function plain(value) {
  return Buffer.isBuffer(value) ? { bin: value.toString('hex') } : value;
}

async function attempt(call) {
  try {
    return plain(await call());
  } catch (e) {
    return { error: { code: e.code, message: e.message } };
  }
}

async function main() {
  const block = env.MINICASH_BLOCK;
  const confirmed = env.MINICASH_CONFIRMED_TX;
  const pending = env.MINICASH_MEMPOOL_TX;
  const out = {
    version: require('bitcoin-core/package.json').version,
    rpc: {
      getblockchaininfo: await attempt(() => client.getBlockchainInfo()),
      getblockcount: await attempt(() => client.getBlockCount()),
      getbestblockhash: await attempt(() => client.getBestBlockHash()),
      getblockhash: await attempt(() => client.getBlockHash(1)),
      getblock: await attempt(() => client.getBlock(block, 2)),
      getblockheader: await attempt(() => client.getBlockHeader(block)),
      getrawtransaction: await attempt(() => client.getRawTransaction(confirmed, true)),
      getrawmempool: await attempt(() => client.getRawMempool()),
      getrawmempool_sequence: await attempt(() => client.command('getrawmempool', false, true)),
      getmempoolentry: await attempt(() => client.getMempoolEntry(pending)),
      gettxout: await attempt(() => client.getTxOut(confirmed, 0)),
      getzmqnotifications: await attempt(() => client.command('getzmqnotifications')),
      batch: await attempt(() => client.command([{ method: 'getblockcount' }, { method: 'getblockhash', parameters: [0] },
        { method: 'getblockhash', parameters: [100000] }])),
      unknown_method: await attempt(() => client.command('nosuchmethod')),
      bad_parameter: await attempt(() => client.getBlock('xyz')),
      no_credentials: await attempt(() => unauthenticated.getBlockCount())
    },
    rest: {
      tx_json: await attempt(() => unauthenticated.getTransactionByHash(confirmed)),
      tx_hex: await attempt(() => unauthenticated.getTransactionByHash(pending, { extension: 'hex' })),
      tx_bin: await attempt(() => unauthenticated.getTransactionByHash(pending, { extension: 'bin' })),
      block_json: await attempt(() => unauthenticated.getBlockByHash(block)),
      block_summary: await attempt(() => unauthenticated.getBlockByHash(block, { summary: true })),
      block_hex: await attempt(() => unauthenticated.getBlockByHash(block, { extension: 'hex' })),
      block_bin: await attempt(() => unauthenticated.getBlockByHash(block, { extension: 'bin' })),
      headers_json: await attempt(() => unauthenticated.getBlockHeadersByHash(block, 2)),
      headers_bin: await attempt(() => unauthenticated.getBlockHeadersByHash(block, 2, { extension: 'bin' })),
      chaininfo: await attempt(() => unauthenticated.getBlockchainInformation()),
      utxos: await attempt(() => unauthenticated.getUnspentTransactionOutputs(
        [{ id: confirmed, index: 0 }, { id: pending, index: 0 }, { id: confirmed, index: 7 }])),
      mempool_contents: await attempt(() => unauthenticated.getMemoryPoolContent()),
      mempool_info: await attempt(() => unauthenticated.getMemoryPoolInformation()),
      unknown_tx: await attempt(() => unauthenticated.getTransactionByHash('00'.repeat(32))),
      bad_hash: await attempt(() => unauthenticated.getBlockByHash('xyz')),
      bad_count: await attempt(() => unauthenticated.getBlockHeadersByHash(block, 2001))
    }
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch(e => {
  process.stderr.write(`bitcoin_core_client.js: ${e.stack || e}\n`);
  process.exit(1);
});
