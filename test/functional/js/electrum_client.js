// Drives minicashd's Electrum server through the `@mempool/electrum-client` npm client (the
// one mempool.space's backend uses), as a light wallet would: connect and negotiate,
// subscribe to headers and to the wallet's script hash, see a faucet payment in the
// mempool and then confirmed (notifications), read history, balance and unspent outputs,
// and broadcast a spend. The node's side (the faucet payment, mining) goes through the
// `bitcoin-core` RPC client. Prints what the client saw as one JSON object on stdout;
// test/functional/electrum_npm_client.py checks it against the node and its own status
// computation. Environment: MINICASH_ELECTRUM_PORT, MINICASH_RPC_PORT, MINICASH_RPC_USER,
// MINICASH_RPC_PASSWORD, MINICASH_SCRIPTHASH (the wallet's), MINICASH_PAYMENT_HEX (the
// faucet payment), MINICASH_SPEND_HEX (spends it), MINICASH_MINE_ADDRESS.
'use strict';

const ElectrumClient = require('@mempool/electrum-client');
const RpcClient = require('bitcoin-core');

const env = process.env;
const rpc = new RpcClient({
  host: `http://127.0.0.1:${env.MINICASH_RPC_PORT}`,
  username: env.MINICASH_RPC_USER,
  password: env.MINICASH_RPC_PASSWORD,
  timeout: 60000
});

// Resolves with the params of the next `method` notification (at most `ms` to wait).
function next(client, method, ms = 30000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${method} notification in ${ms} ms`)), ms);
    client.subscribe.once(method, (params) => {
      clearTimeout(timer);
      resolve(params);
    });
  });
}

async function main() {
  const sh = env.MINICASH_SCRIPTHASH;
  const client = new ElectrumClient(Number(env.MINICASH_ELECTRUM_PORT), '127.0.0.1', 'tcp', null, {
    onLog: () => {}
  });
  // No reconnection: one test session.
  await client.initElectrum({ client: 'minicash-test', version: '1.4' },
    { retryPeriod: 1000, maxRetry: 0, pingPeriod: 120000, callback: () => {} });
  const out = { version: require('@mempool/electrum-client/package.json').version, server: client.versionInfo };
  out.features = await client.server_features();
  out.tip = await client.blockchainHeaders_subscribe();
  const initial = await client.blockchainScripthash_subscribe(sh);
  out.initial_status = initial && initial.result !== undefined ? initial.result : initial;

  // The faucet pays the wallet: the payment shows in the mempool.
  let notified = next(client, 'blockchain.scripthash.subscribe');
  out.payment_txid = await rpc.command('sendrawtransaction', env.MINICASH_PAYMENT_HEX);
  out.mempool_notification = await notified;
  out.mempool_history = await client.blockchainScripthash_getHistory(sh);
  out.mempool_balance = await client.blockchainScripthash_getBalance(sh);
  out.mempool_unspent = await client.blockchainScripthash_listunspent(sh);

  // A block confirms it: a new tip and a new status.
  notified = next(client, 'blockchain.scripthash.subscribe');
  const header = next(client, 'blockchain.headers.subscribe');
  out.block = (await rpc.command('generatetoaddress', 1, env.MINICASH_MINE_ADDRESS))[0];
  out.header_notification = await header;
  out.confirmed_notification = await notified;
  out.history = await client.blockchainScripthash_getHistory(sh);
  out.balance = await client.blockchainScripthash_getBalance(sh);
  out.unspent = await client.blockchainScripthash_listunspent(sh);
  out.balances_batch = await client.blockchainScripthash_getBalanceBatch([sh, sh]);
  out.payment_hex = await client.blockchainTransaction_get(out.payment_txid);
  out.merkle = await client.blockchainTransaction_getMerkle(out.payment_txid, out.header_notification[0].height);

  // The wallet spends what it got.
  notified = next(client, 'blockchain.scripthash.subscribe');
  out.spend_txid = await client.blockchainTransaction_broadcast(env.MINICASH_SPEND_HEX);
  out.spend_notification = await notified;
  out.spend_mempool = await client.blockchainScripthash_getMempool(sh);
  out.spend_balance = await client.blockchainScripthash_getBalance(sh);
  out.relayfee = await client.blockchain_relayfee();
  out.histogram = await client.mempool_getFeeHistogram();
  try {
    await client.blockchainTransaction_broadcast('00');
    out.bad_broadcast = null;
  } catch (e) {
    out.bad_broadcast = e;
  }
  client.close();
  process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`electrum_client.js: ${e && e.stack ? e.stack : JSON.stringify(e)}\n`);
  process.exit(1);
});
