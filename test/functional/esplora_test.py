#!/usr/bin/python3
"""The address index (-addressindex) and the Esplora HTTP API (-esplora) of one minicashd.

One minicashd -regtest -esplora (which implies -addressindex and -txindex): blocks mined to
P2SH(OP_TRUE), one coinbase output spent to a P2WPKH address, then every finished Esplora
endpoint is fetched over plain HTTP without credentials and compared with the RPC answer
behind it (paths and JSON shapes as Blockstream Esplora's API.md). The address's totals
must be exact after the spending block is invalidated (the spend back in the mempool), after
reconsiderblock, and after a restart. The explorer page's files are served under
/explorer/. Finally the node restarted with -addressindex alone:
getindexinfo shows the index, and /api/ answers 404.

Usage: esplora_test.py   (minicashd from $MINICASH_BIN_DIR, default build/src)
"""
import hashlib
import http.client
import json
import sys

import minicash_test

checks = minicash_test.Checks()
check = checks.check
P2WPKH = "0014" + "11" * 20  # nobody's key: only its history matters


class Api:
    """Plain HTTP to /api/ on the RPC port, no credentials (Esplora needs none)."""

    def __init__(self, port):
        self.port = port

    def request(self, path, method="GET", body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, "/api/" + path, body=body)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.getheader("Content-Type"), data

    def text(self, path, status=200):
        code, _, data = self.request(path)
        if code != status:
            raise AssertionError(f"GET /api/{path}: {code} {data[:200]!r}, expected {status}")
        return data.decode()

    def json(self, path):
        code, ctype, data = self.request(path)
        if code != 200 or ctype != "application/json":
            raise AssertionError(f"GET /api/{path}: {code} {ctype} {data[:200]!r}")
        return json.loads(data)


def electrum_script_hash(script_hex):
    return hashlib.sha256(bytes.fromhex(script_hex)).digest()[::-1].hex()


def stats(funded, funded_sum, spent=0, spent_sum=0, txs=None):
    return {"funded_txo_count": funded, "funded_txo_sum": funded_sum, "spent_txo_count": spent,
            "spent_txo_sum": spent_sum, "tx_count": funded + spent if txs is None else txs}


def index_at_tip(node):
    """Waits for the address index (it follows the chain in its own thread) to reach the tip."""
    minicash_test.wait_until(lambda: node.rpc("getindexinfo").get("addressindex", {}).get("best_block_height")
                             == node.rpc("getblockcount"))


def main():
    with minicash_test.TestNode("esplora", args=["-esplora"]) as node:
        node.start()
        api = Api(node.rpc_port)
        true_address = node.rpc("decodescript", "51")["p2sh"]
        address = node.rpc("decodescript", P2WPKH)["address"]
        hashes = node.mine(101, true_address)
        coinbase = node.rpc("getblock", hashes[0], 2)["tx"][0]
        script = coinbase["vout"][0]["scriptPubKey"]["hex"]
        value = round(coinbase["vout"][0]["value"] * 10**8)
        spend_hex = minicash_test.op_true_spend(coinbase["txid"], 0, value, 10000, P2WPKH)
        spend = node.rpc("sendrawtransaction", spend_hex)
        block = node.mine(1, true_address)[0]
        received = value - 10000

        # ---- -addressindex through getindexinfo ----
        # As in Core, "synced" turns true once the first catch-up is done; the height follows.
        minicash_test.wait_until(lambda: node.rpc("getindexinfo").get("addressindex", {}).get("best_block_height")
                                 == 102)
        info = node.rpc("getindexinfo")
        check(info.get("addressindex") == {"synced": True, "best_block_height": 102}, f"getindexinfo addressindex {info}")
        check("txindex" in info, "-esplora implies -txindex")

        # ---- blocks ----
        check(api.text("blocks/tip/height") == "102", "/blocks/tip/height")
        check(api.text("blocks/tip/hash") == block, "/blocks/tip/hash")
        check(api.text("block-height/1") == hashes[0], "/block-height/:height")
        api.text("block-height/1000", 404)
        rpc_block = node.rpc("getblock", block)
        b = api.json("block/" + block)
        check(b["id"] == block and b["height"] == 102 and b["tx_count"] == 2 and b["size"] == rpc_block["size"]
              and b["weight"] == rpc_block["weight"] and b["merkle_root"] == rpc_block["merkleroot"]
              and b["previousblockhash"] == hashes[-1] and b["mediantime"] == rpc_block["mediantime"]
              and b["nonce"] == rpc_block["nonce"] and b["timestamp"] == rpc_block["time"], "/block/:hash")
        check(api.json("block/" + block + "/txids") == rpc_block["tx"], "/block/:hash/txids")
        check(api.text("block/" + block + "/txid/1") == spend, "/block/:hash/txid/:index")
        check(api.json("block/" + block + "/status") == {"in_best_chain": True, "height": 102, "next_best": None},
              "/block/:hash/status")
        check(api.json("block/" + "11" * 32 + "/status") == {"in_best_chain": False},
              "/block/:hash/status of an unknown block is not in the best chain (200, as electrs)")
        check(api.text("block/" + block + "/header") == node.rpc("getblockheader", block, False),
              "/block/:hash/header")
        code, ctype, raw = api.request("block/" + block + "/raw")
        check(code == 200 and ctype == "application/octet-stream" and raw.hex() == node.rpc("getblock", block, 0),
              "/block/:hash/raw")
        txs = api.json("block/" + block + "/txs")
        check([t["txid"] for t in txs] == rpc_block["tx"], "/block/:hash/txs")
        page = api.json("blocks")
        check(len(page) == 10 and page[0]["id"] == block and page[1]["height"] == 101, "/blocks (10 per page)")
        check(api.json("blocks/5")[0]["height"] == 5 and len(api.json("blocks/5")) == 6, "/blocks/:start_height")

        # ---- transactions ----
        t = api.json("tx/" + spend)
        check(t["txid"] == spend and t["fee"] == 10000 and t["vout"][0]["value"] == received
              and t["vout"][0]["scriptpubkey_address"] == address and t["vout"][0]["scriptpubkey_type"] == "v0_p2wpkh"
              and t["vin"][0]["prevout"]["value"] == value and t["vin"][0]["prevout"]["scriptpubkey_type"] == "p2sh"
              and t["vin"][0]["is_coinbase"] is False, "/tx/:txid")
        check(t["status"] == {"confirmed": True, "block_height": 102, "block_hash": block, "block_time": rpc_block["time"]},
              "/tx/:txid status")
        check(api.text("tx/" + spend + "/hex") == spend_hex, "/tx/:txid/hex")
        check(api.json("tx/" + coinbase["txid"] + "/outspends") ==
              [{"spent": True, "txid": spend, "vin": 0, "status": t["status"]}] +
              [{"spent": False}] * (len(coinbase["vout"]) - 1), "/tx/:txid/outspends")
        check(api.json("tx/" + spend + "/outspend/0") == {"spent": False}, "/tx/:txid/outspend/:vout")
        proof = api.json("tx/" + spend + "/merkle-proof")
        check(proof["block_height"] == 102 and proof["pos"] == 1 and proof["merkle"] == [rpc_block["tx"][0]],
              "/tx/:txid/merkle-proof")
        mb = api.text("tx/" + spend + "/merkleblock-proof")
        check(mb.startswith(node.rpc("getblockheader", block, False) + "02000000"), "/tx/:txid/merkleblock-proof")

        # ---- addresses and script hashes ----
        sh = electrum_script_hash(P2WPKH)
        a = api.json("address/" + address)
        check(a == {"address": address, "chain_stats": stats(1, received), "mempool_stats": stats(0, 0)},
              f"/address/:address {a}")
        check(api.json("scripthash/" + sh)["chain_stats"] == stats(1, received), "/scripthash/:hash")
        utxo = api.json("address/" + address + "/utxo")
        check(len(utxo) == 1 and utxo[0]["txid"] == spend and utxo[0]["vout"] == 0 and utxo[0]["value"] == received
              and utxo[0]["status"]["confirmed"], f"/address/:address/utxo {utxo}")
        check([x["txid"] for x in api.json("address/" + address + "/txs")] == [spend], "/address/:address/txs")
        check(api.json("address/" + address + "/txs/mempool") == [], "/address/:address/txs/mempool")

        # The coinbase script (P2SH(OP_TRUE)): 102 coinbases funded it (the last with the fee),
        # one output spent.
        subsidy_sum = sum(round(node.rpc("getblock", h, 2)["tx"][0]["vout"][0]["value"] * 10**8)
                          for h in hashes + [block])
        true_stats = api.json("address/" + true_address)["chain_stats"]
        check(true_stats == stats(102, subsidy_sum, 1, value, 103),
              f"the coinbase address's totals {true_stats}")

        # ---- a spend through POST /tx, seen in the mempool half ----
        second = node.rpc("getblock", hashes[1], 2)["tx"][0]
        second_hex = minicash_test.op_true_spend(second["txid"], 0, value, 20000, P2WPKH)
        code, _, posted = api.request("tx", "POST", second_hex)
        check(code == 200 and posted.decode() == node.rpc("decoderawtransaction", second_hex)["txid"], "POST /tx")
        mempool_txid = posted.decode()
        a = api.json("address/" + address)
        check(a["mempool_stats"] == stats(1, value - 20000) and a["chain_stats"] == stats(1, received),
              f"mempool_stats after POST /tx {a}")
        check([x["txid"] for x in api.json("address/" + address + "/txs")] == [mempool_txid, spend],
              "/address/:address/txs: mempool first")
        check(api.json("tx/" + mempool_txid + "/status") == {"confirmed": False}, "/tx/:txid/status unconfirmed")
        check(api.json("tx/" + second["txid"] + "/outspend/0")["txid"] == mempool_txid, "outspend by the mempool")
        check(mempool_txid in api.json("mempool/txids"), "/mempool/txids")
        code, _, err = api.request("tx", "POST", second_hex[:-2])
        check(code == 400 and err.startswith(b"sendrawtransaction RPC error: "), f"POST /tx bad: {code} {err!r}")

        m = api.json("mempool")
        check(m["count"] == 1 and m["total_fee"] == 20000 and len(m["fee_histogram"]) == 1
              and m["fee_histogram"][0][1] == m["vsize"], f"/mempool {m}")
        recent = api.json("mempool/recent")
        check(len(recent) == 1 and recent[0]["txid"] == mempool_txid and recent[0]["fee"] == 20000
              and recent[0]["value"] == value - 20000, f"/mempool/recent {recent}")
        check(isinstance(api.json("fee-estimates"), dict), "/fee-estimates")

        # ---- the explorer page: its three files, built in ----
        conn = http.client.HTTPConnection("127.0.0.1", node.rpc_port, timeout=60)
        for path, ctype in [("/explorer/", "text/html"), ("/explorer/explorer.js", "text/javascript"),
                            ("/explorer/explorer.css", "text/css")]:
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            check(r.status == 200 and r.getheader("Content-Type").startswith(ctype) and len(body) > 100,
                  f"GET {path}: {r.status} {r.getheader('Content-Type')}")
        conn.request("GET", "/explorer/nothing.js")
        r = conn.getresponse()
        r.read()
        check(r.status == 404, "GET /explorer/nothing.js: 404")
        conn.close()

        # ---- reorg: invalidate the spending block, then reconsider it ----
        node.rpc("invalidateblock", block)
        index_at_tip(node)
        a = api.json("address/" + address)
        check(a["chain_stats"] == stats(0, 0) and a["mempool_stats"] == stats(2, received + value - 20000),
              f"after invalidateblock: nothing confirmed, both spends in the mempool {a}")
        check(api.json("tx/" + spend + "/status") == {"confirmed": False}, "the spend unconfirmed again")
        check(api.json("address/" + true_address)["chain_stats"] == stats(101, subsidy_sum -
              round(node.rpc("getblock", block, 2)["tx"][0]["vout"][0]["value"] * 10**8)),
              "the coinbase address after invalidateblock")
        node.rpc("reconsiderblock", block)
        index_at_tip(node)
        a = api.json("address/" + address)
        check(a["chain_stats"] == stats(1, received) and a["mempool_stats"] == stats(1, value - 20000),
              f"after reconsiderblock {a}")
        newer = node.mine(1, true_address)[0]
        index_at_tip(node)
        a = api.json("address/" + address)
        check(a["chain_stats"] == stats(2, received + value - 20000) and a["mempool_stats"] == stats(0, 0),
              f"after mining the posted spend {a}")

        # ---- errors ----
        for path, status, body in [("tx/zz", 400, b"Invalid hex string"), ("tx/" + "00" * 32, 404,
                                   b"Transaction not found"), ("block/" + "00" * 32, 404, b"Block not found"),
                                   ("block-height/x", 400, b"Invalid number"),
                                   ("address/notanaddress", 400, b"Invalid Bitcoin address"),
                                   ("nothing/here", 404, b"endpoint does not exist")]:
            code, _, data = api.request(path)
            check(code == status and data == body, f"/api/{path}: {code} {data!r}")

        # ---- restart: the index on disk is exact ----
        check(node.stop() == 0, "stopped")
        node.start()
        api = Api(node.rpc_port)
        check(api.text("blocks/tip/hash") == newer, "restarted at the same tip")
        index_at_tip(node)
        a = api.json("address/" + address)
        check(a["chain_stats"] == stats(2, received + value - 20000), f"after a restart {a}")
        check(node.stop() == 0, "stopped")

        # ---- -addressindex alone: the index, no /api/ ----
        node.args = []
        node.start(["-addressindex"])
        minicash_test.wait_until(lambda: node.rpc("getindexinfo").get("addressindex", {}).get("best_block_height")
                                 == 103)
        info = node.rpc("getindexinfo")
        check(info == {"addressindex": {"synced": True, "best_block_height": 103}}, f"-addressindex alone {info}")
        check(node.rpc("getindexinfo", "addressindex") == info, "getindexinfo addressindex")
        code, _, _ = Api(node.rpc_port).request("blocks/tip/height")
        check(code == 404, "without -esplora /api/ is not served")
        check(node.stop() == 0, "stopped")
    return checks.exit_code("esplora_test")


if __name__ == "__main__":
    sys.exit(main())
