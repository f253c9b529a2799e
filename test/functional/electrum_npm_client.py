#!/usr/bin/python3
"""minicashd's Electrum server driven by `@mempool/electrum-client`, a client nobody here wrote.

Starts minicashd -regtest -addressindex -electrum, mines 101 blocks to P2SH(OP_TRUE) and
prepares two transactions: a faucet payment from a coinbase to the wallet's script
P2SH(OP_2), and a spend of that payment (neither needs a signature). Then runs
test/functional/js/electrum_client.js under node with the clients installed by
contrib/install-test-clients.sh (exactly the versions test/functional/js/package-lock.json
pins): it subscribes, sees the payment in the mempool and confirmed (notifications), reads
history, balance and unspent outputs, and broadcasts the spend. What it saw is checked here
against the node's RPC and the script hash status computed here.

Skipped (exit 77) only when node or the installed client is missing: the test command
(contrib/run-tests.sh) installs both.

Usage: electrum_npm_client.py   ($MINICASH_BIN_DIR as for every test; $MINICASH_NPM_MODULES,
default <build>/test-clients/node_modules)
"""
import json
import sys

import minicash_test
from electrum_test import merkle_root_from, script_hash, spend, status_of

checks = minicash_test.Checks()
check = checks.check


def main():
    client = minicash_test.NpmClient("@mempool/electrum-client")
    if not client.installed():
        return minicash_test.SKIP

    with minicash_test.TestNode("electrum-npm") as node:
        port = minicash_test.free_port()
        node.start(["-addressindex", f"-electrum=127.0.0.1:{port}"])
        mine_address = node.rpc("decodescript", "51")["p2sh"]
        wallet_script = node.rpc("validateaddress", node.rpc("decodescript", "52")["p2sh"])["scriptPubKey"]
        other_script = node.rpc("validateaddress", mine_address)["scriptPubKey"]
        hashes = node.mine(101, mine_address)
        coinbase = node.rpc("getblock", hashes[0])["tx"][0]
        value = 50 * 10**8
        payment_hex = spend(coinbase, 0, value, 10000, wallet_script, "51")
        payment = node.rpc("decoderawtransaction", payment_hex)["txid"]
        spend_hex = spend(payment, 0, value - 10000, 5000, other_script, "52")
        spend_txid = node.rpc("decoderawtransaction", spend_hex)["txid"]
        sh = script_hash(wallet_script)
        p = client.run_script("electrum_client.js", node, MINICASH_ELECTRUM_PORT=str(port), MINICASH_SCRIPTHASH=sh,
                              MINICASH_PAYMENT_HEX=payment_hex, MINICASH_SPEND_HEX=spend_hex,
                              MINICASH_MINE_ADDRESS=mine_address)
        if not check(p.returncode == 0, f"the client script ran ({p.returncode}: {p.stderr[-800:]})"):
            return checks.exit_code("electrum_npm_client")
        got = json.loads(p.stdout)
        print(f"@mempool/electrum-client {got['version']}")
        check(got["version"] == client.pinned, f"the client is the pinned version {client.pinned}")
        check(got["server"][1] == "1.4", f"negotiated protocol 1.4: {got['server']}")
        check(got["features"].get("genesis_hash") == node.rpc("getblockhash", 0), "server_features(): genesis_hash")
        check(got["tip"] == {"hex": node.rpc("getblockheader", hashes[-1], False), "height": 101},
              "blockchainHeaders_subscribe(): the tip")
        check(got["initial_status"] is None, "subscribe before the payment: no history (null)")

        fee_entry = {"tx_hash": payment, "height": 0, "fee": 10000}
        check(got["payment_txid"] == payment, "the faucet payment went out")
        check(got["mempool_notification"] == [sh, status_of([fee_entry])],
              "the client was notified of the payment in the mempool, with the status computed here")
        check(got["mempool_history"] == [fee_entry], "getHistory(): the mempool payment")
        check(got["mempool_balance"] == {"confirmed": 0, "unconfirmed": value - 10000}, "getBalance(): unconfirmed")
        check(got["mempool_unspent"] == [{"tx_hash": payment, "tx_pos": 0, "height": 0, "value": value - 10000}],
              "listunspent(): the mempool output")

        block = got["block"]
        check(got["header_notification"] == [{"hex": node.rpc("getblockheader", block, False), "height": 102}],
              "a headers notification for the new block")
        confirmed = [{"tx_hash": payment, "height": 102}]
        check(got["confirmed_notification"] == [sh, status_of(confirmed)], "notified of the confirmation")
        check(got["history"] == confirmed, "getHistory(): confirmed at 102")
        check(got["balance"] == {"confirmed": value - 10000, "unconfirmed": 0}, "getBalance(): confirmed")
        check(got["unspent"] == [{"tx_hash": payment, "tx_pos": 0, "height": 102, "value": value - 10000}],
              "listunspent(): confirmed")
        check(isinstance(got["balances_batch"], list) and len(got["balances_batch"]) == 2
              and all(b.get("result") == {"confirmed": value - 10000, "unconfirmed": 0} for b in got["balances_batch"]),
              f"getBalanceBatch(): a batch of two: {got['balances_batch']}")
        check(got["payment_hex"] == payment_hex, "blockchainTransaction_get(): the payment's hex")
        root = node.rpc("getblockheader", block)["merkleroot"]
        check(merkle_root_from(payment, got["merkle"]["merkle"], got["merkle"]["pos"]) == root,
              "blockchainTransaction_getMerkle(): verified against the block's merkle root")

        spent = confirmed + [{"tx_hash": spend_txid, "height": 0, "fee": 5000}]
        check(got["spend_txid"] == spend_txid and spend_txid in node.rpc("getrawmempool"),
              "blockchainTransaction_broadcast(): the spend is in the node's mempool")
        check(got["spend_notification"] == [sh, status_of(spent)], "notified of the spend")
        check(got["spend_mempool"] == [spent[1]], "getMempool(): the spend")
        check(got["spend_balance"] == {"confirmed": value - 10000, "unconfirmed": -(value - 10000)},
              "getBalance(): the confirmed coin and its unconfirmed spend")
        check(got["relayfee"] == node.rpc("getnetworkinfo")["relayfee"], "blockchain_relayfee()")
        check(isinstance(got["histogram"], list) and len(got["histogram"]) == 1, "mempool_getFeeHistogram()")
        check(isinstance(got["bad_broadcast"], dict) and got["bad_broadcast"].get("code") == 1,
              f"a bad broadcast: the client gets the error object ({got['bad_broadcast']})")
        node.stop()
    return checks.exit_code("electrum_npm_client")


if __name__ == "__main__":
    sys.exit(main())
