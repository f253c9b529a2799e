#!/usr/bin/python3
"""minicashd's Esplora REST API driven by `@mempool/mempool.js`, a client nobody here wrote.

Starts minicashd -regtest -esplora -addressindex, mines 101 blocks to P2SH(OP_TRUE) and
prepares two transactions: a faucet payment from a coinbase to the wallet's address
P2SH(OP_2), and a spend of that payment (neither needs a signature). Then runs
test/functional/js/esplora_client.js under node with the clients installed by
contrib/install-test-clients.sh (exactly the versions test/functional/js/package-lock.json
pins): it reads the tip and a block, syncs the address, sees the payment in the mempool and
confirmed, reads fee estimates and broadcasts the spend through POST /tx. What it saw is
checked here against the node's RPC.

Skipped (exit 77) only when node or the installed client is missing: the test command
(contrib/run-tests.sh) installs both.

Usage: esplora_npm_client.py   ($MINICASH_BIN_DIR as for every test; $MINICASH_NPM_MODULES,
default <build>/test-clients/node_modules)
"""
import json
import sys

import minicash_test
from electrum_test import spend

checks = minicash_test.Checks()
check = checks.check


def stats(funded, funded_sum, spent=0, spent_sum=0):
    return {"funded_txo_count": funded, "funded_txo_sum": funded_sum, "spent_txo_count": spent,
            "spent_txo_sum": spent_sum, "tx_count": funded + spent}


def main():
    client = minicash_test.NpmClient("@mempool/mempool.js")
    if not client.installed():
        return minicash_test.SKIP

    with minicash_test.TestNode("esplora-npm") as node:
        node.start(["-esplora", "-addressindex"])
        mine_address = node.rpc("decodescript", "51")["p2sh"]
        address = node.rpc("decodescript", "52")["p2sh"]
        wallet_script = node.rpc("validateaddress", address)["scriptPubKey"]
        other_script = node.rpc("validateaddress", mine_address)["scriptPubKey"]
        hashes = node.mine(101, mine_address)
        coinbase = node.rpc("getblock", hashes[0])["tx"][0]
        value = 50 * 10**8
        received = value - 10000
        payment_hex = spend(coinbase, 0, value, 10000, wallet_script, "51")
        payment = node.rpc("decoderawtransaction", payment_hex)["txid"]
        spend_hex = spend(payment, 0, received, 5000, other_script, "52")
        spend_txid = node.rpc("decoderawtransaction", spend_hex)["txid"]
        # The client reads the address index: let it reach the tip first.
        minicash_test.wait_until(lambda: node.rpc("getindexinfo").get("addressindex", {}).get("best_block_height")
                                 == 101)
        p = client.run_script("esplora_client.js", node, MINICASH_ADDRESS=address, MINICASH_PAYMENT_HEX=payment_hex,
                              MINICASH_SPEND_HEX=spend_hex, MINICASH_MINE_ADDRESS=mine_address)
        if not check(p.returncode == 0, f"the client script ran ({p.returncode}: {p.stderr[-800:]})"):
            return checks.exit_code("esplora_npm_client")
        got = json.loads(p.stdout)
        print(f"@mempool/mempool.js {got['version']}")
        check(got["version"] == client.pinned, f"the client is the pinned version {client.pinned}")

        # ---- the chain before the payment ----
        tip = hashes[-1]
        rpc_block = node.rpc("getblock", tip)
        check(got["tip_height"] == 101, f"getBlocksTipHeight(): {got['tip_height']}")
        check(got["tip_hash"] == tip, "getBlocksTipHash()")
        check(got["height_hash"] == tip, "getBlockHeight(): the tip's hash")
        check(got["block_status"] == {"in_best_chain": True, "height": 101, "next_best": None},
              f"getBlockStatus(): {got['block_status']}")
        check(got["block_header"] == node.rpc("getblockheader", tip, False), "getBlockHeader()")
        check(got["block_txids"] == rpc_block["tx"] and got["block_txid0"] == rpc_block["tx"][0],
              "getBlockTxids(), getBlockTxid()")
        check([t["txid"] for t in got["block_txs"]] == rpc_block["tx"] and got["block_txs"][0]["vin"][0]["is_coinbase"],
              "getBlockTxs()")
        b = got["block"]
        check(b["id"] == tip and b["height"] == 101 and b["tx_count"] == 1 and b["merkle_root"] == rpc_block["merkleroot"]
              and b["previousblockhash"] == hashes[-2] and b["timestamp"] == rpc_block["time"]
              and b["size"] == rpc_block["size"] and b["weight"] == rpc_block["weight"], f"GET /block/:hash {b}")
        check(got["unknown_height"].get("status") == 404, f"getBlockHeight() past the tip: 404 {got['unknown_height']}")

        # ---- the wallet before it is paid ----
        check(got["initial_address"] == {"address": address, "chain_stats": stats(0, 0),
                                         "mempool_stats": stats(0, 0)}, f"getAddress() unpaid {got['initial_address']}")
        check(got["initial_txs"] == [], "getAddressTxs() unpaid: []")

        # ---- the payment in the mempool ----
        check(got["payment_txid"] == payment, "the faucet payment went out")
        check(got["mempool_address"]["mempool_stats"] == stats(1, received)
              and got["mempool_address"]["chain_stats"] == stats(0, 0), f"getAddress(): {got['mempool_address']}")
        check([t["txid"] for t in got["mempool_txs"]] == [payment] and got["mempool_txs"][0]["fee"] == 10000
              and got["mempool_txs"][0]["status"] == {"confirmed": False}, "getAddressTxsMempool(): the payment")
        check(got["mempool_utxo"] == [{"txid": payment, "vout": 0, "value": received, "status": {"confirmed": False}}],
              f"getAddressTxsUtxo() unconfirmed {got['mempool_utxo']}")
        check(got["mempool_status"] == {"confirmed": False}, "getTxStatus(): unconfirmed")
        check(got["mempool_txids"] == [payment], "getMempoolTxids()")
        check(got["mempool"]["count"] == 1 and got["mempool"]["total_fee"] == 10000, f"getMempool() {got['mempool']}")
        check([r["txid"] for r in got["mempool_recent"]] == [payment], "getMempoolRecent()")

        # ---- confirmed ----
        block = got["block2"]
        header = node.rpc("getblockheader", block)
        check(got["tip_height2"] == 102 and header["height"] == 102, "getBlocksTipHeight() after the block: 102")
        confirmed = {"confirmed": True, "block_height": 102, "block_hash": block, "block_time": header["time"]}
        check(got["address"] == {"address": address, "chain_stats": stats(1, received), "mempool_stats": stats(0, 0)},
              f"getAddress() confirmed {got['address']}")
        check([t["txid"] for t in got["chain_txs"]] == [payment] and got["chain_txs"][0]["status"] == confirmed,
              "getAddressTxsChain(): the payment at 102")
        check(got["utxo"] == [{"txid": payment, "vout": 0, "value": received, "status": confirmed}],
              f"getAddressTxsUtxo() confirmed {got['utxo']}")
        tx = got["tx"]
        check(tx["txid"] == payment and tx["fee"] == 10000 and tx["vout"][0]["scriptpubkey_address"] == address
              and tx["vout"][0]["value"] == received and tx["vin"][0]["txid"] == coinbase
              and tx["vin"][0]["prevout"]["value"] == value and tx["status"] == confirmed, f"getTx() {tx}")
        check(got["tx_status"] == confirmed, "getTxStatus(): confirmed")
        check(got["tx_hex"] == payment_hex, "getTxHex()")
        proof = got["merkle_proof"]
        txids = node.rpc("getblock", block)["tx"]
        check(proof["block_height"] == 102 and proof["pos"] == txids.index(payment)
              and proof["merkle"] == [t for t in txids if t != payment], f"getTxMerkleProof() {proof}")
        check(got["outspends"] == [{"spent": False}], "getTxOutspends(): unspent")
        est = got["fee_estimates"]
        check(isinstance(est, dict) and all(k.isdigit() and isinstance(v, (int, float)) for k, v in est.items()),
              f"GET /fee-estimates: target -> sat/vB {est}")

        # ---- the spend through POST /tx ----
        check(got["spend_txid"] == spend_txid and spend_txid in node.rpc("getrawmempool"),
              "postTx(): the spend is in the node's mempool")
        check(got["spend_address"]["chain_stats"] == stats(1, received)
              and got["spend_address"]["mempool_stats"] == stats(0, 0, 1, received),
              f"getAddress() after the spend {got['spend_address']}")
        check([t["txid"] for t in got["spend_txs"]] == [spend_txid, payment], "getAddressTxs(): mempool first")
        check(got["spend_utxo"] == [], f"getAddressTxsUtxo(): the spent coin is gone {got['spend_utxo']}")
        check(got["outspend"] == {"spent": True, "txid": spend_txid, "vin": 0, "status": {"confirmed": False}},
              f"getTxOutspend(): spent by the mempool {got['outspend']}")
        bad = got["bad_post"]
        check(bad.get("status") == 400 and str(bad.get("body", "")).startswith("sendrawtransaction RPC error: "),
              f"postTx() of junk: 400 with the RPC error {bad}")
        check(got["bad_address"].get("status") == 400, f"getAddress() of junk: 400 {got['bad_address']}")
        check(got["unknown_tx"].get("status") == 404, f"getTx() of an unknown txid: 404 {got['unknown_tx']}")
        node.stop()
    return checks.exit_code("esplora_npm_client")


if __name__ == "__main__":
    sys.exit(main())
