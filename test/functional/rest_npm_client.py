#!/usr/bin/python3
"""minicashd driven by the `bitcoin-core` npm client (RPC and REST), a client nobody here wrote.

Starts minicashd -regtest -rest -txindex (minicash_test.TestNode), mines 101 blocks and
puts a confirmed and a mempool transaction in place, then runs
test/functional/js/bitcoin_core_client.js under node with the client installed by
contrib/install-test-clients.sh (exactly the version test/functional/js/package-lock.json
pins). What the client returned is compared with the node's own answers: RPC results
(also a batch, an unknown method, a bad parameter, missing credentials) and REST
results in JSON, hex and binary (also an unknown transaction, a bad hash, a header count
out of range: the client reports Core's status code and text).

Skipped (exit 77) only when node or the installed client is missing: the test command
(contrib/run-tests.sh) installs both.

Usage: rest_npm_client.py   ($MINICASH_BIN_DIR as for every test; $MINICASH_NPM_MODULES,
default <build>/test-clients/node_modules)
"""
import json
import sys

import minicash_test

checks = minicash_test.Checks()
check = checks.check


def same(js, rpc):
    """Equal, allowing the client's big-number strings (json-bigint keeps numbers of more
    than 15 digits as strings) where the node sent a number."""
    if isinstance(rpc, dict):
        return isinstance(js, dict) and js.keys() == rpc.keys() and all(same(js[k], rpc[k]) for k in rpc)
    if isinstance(rpc, list):
        return isinstance(js, list) and len(js) == len(rpc) and all(same(a, b) for a, b in zip(js, rpc))
    if isinstance(rpc, (int, float)) and not isinstance(rpc, bool):
        try:
            return not isinstance(js, bool) and float(js) == float(rpc)
        except (TypeError, ValueError):
            return False
    return js == rpc


def main():
    client = minicash_test.NpmClient("bitcoin-core")
    if not client.installed():
        return minicash_test.SKIP

    with minicash_test.TestNode("npm", args=["-rest", "-txindex"]) as node:
        node.start()
        address = node.rpc("decodescript", "51")["p2sh"]
        hashes = node.mine(101, address)
        first = node.rpc("getblock", hashes[0], 2)["tx"][0]
        script = first["vout"][0]["scriptPubKey"]["hex"]
        value = round(first["vout"][0]["value"] * 10**8)
        confirmed = node.rpc("sendrawtransaction", minicash_test.op_true_spend(first["txid"], 0, value, 10000, script))
        block = node.mine(1, address)[0]
        second = node.rpc("getblock", hashes[1])["tx"][0]
        pending = node.rpc("sendrawtransaction", minicash_test.op_true_spend(second, 0, value, 10000, script))
        p = client.run_script("bitcoin_core_client.js", node, MINICASH_BLOCK=block, MINICASH_CONFIRMED_TX=confirmed,
                              MINICASH_MEMPOOL_TX=pending)
        if not check(p.returncode == 0, f"the client script ran ({p.returncode}: {p.stderr[-500:]})"):
            return checks.exit_code("rest_npm_client")
        got = json.loads(p.stdout)
        rpc, rest = got["rpc"], got["rest"]
        print(f"bitcoin-core npm client {got['version']}")
        check(got["version"] == client.pinned, f"the client is the pinned version {client.pinned}")

        # ---- RPC ----
        info = node.rpc("getblockchaininfo")
        check(all(same(rpc["getblockchaininfo"].get(k), info[k]) for k in ("chain", "blocks", "bestblockhash",
                                                                          "chainwork", "difficulty")),
              "getBlockchainInfo()")
        check(rpc["getblockcount"] == 102 and rpc["getbestblockhash"] == block, "getBlockCount(), getBestBlockHash()")
        check(rpc["getblockhash"] == hashes[0], "getBlockHash(1)")
        check(same(rpc["getblock"], node.rpc("getblock", block, 2)), "getBlock(hash, 2)")
        check(same(rpc["getblockheader"], node.rpc("getblockheader", block)), "getBlockHeader(hash)")
        raw = node.rpc("getrawtransaction", confirmed, True)
        check(same({k: v for k, v in rpc["getrawtransaction"].items() if k != "confirmations"},
                   {k: v for k, v in raw.items() if k != "confirmations"}), "getRawTransaction(txid, true) (txindex)")
        check(rpc["getrawmempool"] == [pending], "getRawMempool()")
        check(same(rpc["getrawmempool_sequence"], node.rpc("getrawmempool", False, True)),
              "command('getrawmempool', false, true): txids and mempool_sequence")
        check(same(rpc["getmempoolentry"], node.rpc("getmempoolentry", pending)), "getMempoolEntry(txid)")
        check(same(rpc["gettxout"], node.rpc("gettxout", confirmed, 0)), "getTxOut(txid, 0)")
        check(rpc["getzmqnotifications"] == [], "command('getzmqnotifications'): none configured")
        check(isinstance(rpc["batch"], list) and rpc["batch"][:2] == [102, node.rpc("getblockhash", 0)]
              and rpc["batch"][2].get("code") == -8, "a batch of three, the last one failing (-8)")
        check(rpc["unknown_method"].get("error", {}).get("code") == -32601, "an unknown method: -32601")
        check(rpc["bad_parameter"].get("error", {}).get("code") == -8 and "blockhash must be of length 64"
              in rpc["bad_parameter"]["error"]["message"], "getBlock('xyz'): -8 with Core's message")
        check(rpc["no_credentials"].get("error", {}).get("code") == 401, "no credentials: HTTP 401")

        # ---- REST ----
        tx_json = rest["tx_json"]
        check(tx_json.get("txid") == confirmed and tx_json.get("blockhash") == block
              and tx_json.get("hex") == raw["hex"], "getTransactionByHash(txid): JSON with the blockhash")
        pending_hex = node.rpc("getrawtransaction", pending)
        check(rest["tx_hex"] == pending_hex + "\n", "getTransactionByHash({extension: 'hex'})")
        check(rest["tx_bin"] == {"bin": pending_hex}, "getTransactionByHash({extension: 'bin'})")
        check(same(rest["block_json"], node.rpc("getblock", block, 3)), "getBlockByHash(hash): getblock verbosity 3")
        check(same(rest["block_summary"], node.rpc("getblock", block, 1)), "getBlockByHash(hash, {summary: true})")
        block_hex = node.rpc("getblock", block, 0)
        check(rest["block_hex"] == block_hex + "\n" and rest["block_bin"] == {"bin": block_hex},
              "getBlockByHash .hex and .bin")
        check(same(rest["headers_json"], [node.rpc("getblockheader", block)]),
              "getBlockHeadersByHash(tip, 2): only the tip (deprecated path form)")
        check(rest["headers_bin"] == {"bin": node.rpc("getblockheader", block, False)}, "headers .bin")
        check(same(rest["chaininfo"].get("bestblockhash"), block) and rest["chaininfo"].get("blocks") == 102,
              "getBlockchainInformation()")
        utxos = rest["utxos"]
        check(utxos.get("bitmap") == "110" and utxos.get("chaintipHash") == block and len(utxos.get("utxos", [])) == 2
              and utxos["utxos"][1]["height"] == 2147483647,
              "getUnspentTransactionOutputs (checkmempool): confirmed and mempool outputs, not a missing one")
        check(same(rest["mempool_contents"], node.rpc("getrawmempool", True)), "getMemoryPoolContent()")
        check(same(rest["mempool_info"], node.rpc("getmempoolinfo")), "getMemoryPoolInformation()")
        check(rest["unknown_tx"] == {"error": {"code": 404, "message": "0" * 64 + " not found"}},
              "an unknown transaction: the client reports 404 and Core's text")
        check(rest["bad_hash"] == {"error": {"code": 400, "message": "Invalid hash: xyz"}}, "a bad hash: 400")
        check(rest["bad_count"] == {"error": {"code": 400, "message":
                                              "Header count is invalid or out of acceptable range (1-2000): 2001"}},
              "a header count out of range: 400")
        node.stop()
    return checks.exit_code("rest_npm_client")


if __name__ == "__main__":
    sys.exit(main())
