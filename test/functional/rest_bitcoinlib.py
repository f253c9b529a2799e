#!/usr/bin/python3
"""Core's REST interface and RPC driven by an independent client: python3-bitcoinlib.

One minicashd -regtest -rest -txindex -blockfilterindex (minicash_test.TestNode). Its RPC
is called through bitcoin.rpc.Proxy (bitcoinlib's own request, reply parsing and typed
results); REST is fetched over plain HTTP without credentials and its .bin answers are
decoded with bitcoinlib's deserializers (CBlock, CBlockHeader, CTransaction, CTxOut), its
.json answers compared with the RPC command behind them. Then every endpoint's bad
input: Core's status codes, content types and texts. Finally the node without -rest
answers 404 on /rest/.

Usage: rest_bitcoinlib.py   (minicashd from $MINICASH_BIN_DIR, default build/src; exit 77 = skipped)
"""
import decimal
import http.client
import io
import json
import os
import struct
import sys

import minicash_test

try:
    import bitcoin
    import bitcoin.rpc
    from bitcoin.core import (CBlock, CBlockHeader, CMutableTransaction, CMutableTxIn, CMutableTxOut, COutPoint,
                              CTransaction, CTxOut, b2lx, b2x, lx, Hash160)
    from bitcoin.core.script import CScript, OP_TRUE, OP_HASH160, OP_EQUAL
    from bitcoin.core.serialize import BytesSerializer, VarIntSerializer
    from bitcoin.wallet import CBitcoinAddress
except ImportError as e:  # python3-bitcoinlib not installed: skip
    print("SKIP: python3-bitcoinlib is not available (%s); contrib/install-deps.sh installs it" % e)
    sys.exit(minicash_test.SKIP)

COIN = 100000000
P2SH_TRUE = CScript([OP_HASH160, Hash160(bytes([OP_TRUE])), OP_EQUAL])
checks = minicash_test.Checks()
check = checks.check


class Rest:
    """Plain HTTP to the node's RPC port, no credentials (REST needs none)."""

    def __init__(self, port):
        self.port = port

    def request(self, path, method="GET", body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.getheader("Content-Type"), data

    def get(self, path, status=200, content_type=None):
        code, ctype, data = self.request("/rest/" + path)
        if code != status:
            raise AssertionError(f"GET /rest/{path}: {code} {data[:200]!r}, expected {status}")
        if content_type and ctype != content_type:
            raise AssertionError(f"GET /rest/{path}: Content-Type {ctype}, expected {content_type}")
        return data

    def json(self, path):
        return json.loads(self.get(path, content_type="application/json"), parse_float=decimal.Decimal)

    def bin(self, path):
        return self.get(path, content_type="application/octet-stream")

    def hex(self, path):
        text = self.get(path, content_type="text/plain").decode()
        if not text.endswith("\n"):
            raise AssertionError(f"/rest/{path}: hex reply without its newline")
        return text[:-1]


def proxy_for(node):
    with open(os.path.join(node.netdir, ".cookie")) as f:
        cookie = f.read().strip()
    return bitcoin.rpc.Proxy(service_url=f"http://{cookie}@127.0.0.1:{node.rpc_port}", timeout=120)


def spend_p2sh_true(outpoint, value, fee=20000):
    tx = CMutableTransaction([CMutableTxIn(outpoint, CScript([bytes([OP_TRUE])]), 0xfffffffd)],
                             [CMutableTxOut(value - fee, P2SH_TRUE)])
    tx.nVersion = 2
    return CTransaction.from_tx(tx)


def ser_outpoints(outpoints):
    out = VarIntSerializer.serialize(len(outpoints))
    for txid_hex, n in outpoints:
        out += lx(txid_hex) + struct.pack("<I", n)
    return out


def parse_getutxos_bin(data):
    f = io.BytesIO(data)
    height, = struct.unpack("<i", f.read(4))
    tip = b2lx(f.read(32))
    bitmap = BytesSerializer.stream_deserialize(f)
    n = VarIntSerializer.stream_deserialize(f)
    coins = []
    for _ in range(n):
        _version, coin_height = struct.unpack("<II", f.read(8))
        coins.append((coin_height, CTxOut.stream_deserialize(f)))
    return height, tip, bitmap, coins


def main():
    bitcoin.SelectParams("regtest")
    address = str(CBitcoinAddress.from_scriptPubKey(P2SH_TRUE))
    with minicash_test.TestNode("rest", args=["-rest", "-txindex", "-blockfilterindex"]) as node:
        node.start()
        rpc = proxy_for(node)
        rest = Rest(node.rpc_port)

        # ---- RPC through bitcoinlib's typed calls ----
        hashes = list(rpc.generatetoaddress(101, address))
        check(rpc.getblockcount() == 101, "bitcoinlib: generatetoaddress 101, getblockcount 101")
        check(rpc.getbestblockhash() == hashes[-1], "bitcoinlib: getbestblockhash is the last block mined")
        check(rpc.getblockhash(1) == hashes[0], "bitcoinlib: getblockhash(1)")
        block1 = rpc.getblock(hashes[0])
        check(isinstance(block1, CBlock) and block1.GetHash() == hashes[0],
              "bitcoinlib: getblock decodes the block (CBlock) with its own parser")
        header1 = rpc.getblockheader(hashes[0])
        check(header1.GetHash() == hashes[0], "bitcoinlib: getblockheader decodes the header")
        coinbase1 = block1.vtx[0]
        check(rpc.getrawtransaction(coinbase1.GetTxid()).GetTxid() == coinbase1.GetTxid(),
              "bitcoinlib: getrawtransaction (txindex) decodes the coinbase")
        txout = rpc.gettxout(COutPoint(coinbase1.GetTxid(), 0))
        check(txout["txout"].scriptPubKey == P2SH_TRUE and txout["confirmations"] == 101,
              "bitcoinlib: gettxout of the first coinbase")

        # A confirmed spend and a mempool spend.
        confirmed = spend_p2sh_true(COutPoint(coinbase1.GetTxid(), 0), coinbase1.vout[0].nValue)
        check(rpc.sendrawtransaction(confirmed) == confirmed.GetTxid(), "bitcoinlib: sendrawtransaction")
        check(rpc.getrawmempool() == [confirmed.GetTxid()], "bitcoinlib: getrawmempool lists it")
        tip = list(rpc.generatetoaddress(1, address))[0]
        check(rpc.getrawmempool() == [], "mined: the mempool is empty")
        coinbase2 = rpc.getblock(hashes[1]).vtx[0]
        pending = spend_p2sh_true(COutPoint(coinbase2.GetTxid(), 0), coinbase2.vout[0].nValue)
        rpc.sendrawtransaction(pending)
        tip_hex, conf_hex, pend_hex = b2lx(tip), b2lx(confirmed.GetTxid()), b2lx(pending.GetTxid())

        # ---- REST: blocks ----
        raw = rest.bin(f"block/{tip_hex}.bin")
        block = CBlock.deserialize(raw)
        check(block.GetHash() == tip and [t.GetTxid() for t in block.vtx][1] == confirmed.GetTxid(),
              "/rest/block .bin decodes (bitcoinlib CBlock) to the tip with the confirmed spend")
        check(raw == rpc.getblock(tip).serialize(), "/rest/block .bin equals getblock's bytes")
        check(rest.hex(f"block/{tip_hex}.hex") == b2x(raw), "/rest/block .hex is the same bytes in hex")
        check(rest.json(f"block/{tip_hex}.json") == rpc.call("getblock", tip_hex, 3),
              "/rest/block .json equals getblock verbosity 3")
        check(rest.json(f"block/notxdetails/{tip_hex}.json") == rpc.call("getblock", tip_hex, 1),
              "/rest/block/notxdetails .json equals getblock verbosity 1")
        check(rest.bin(f"block/notxdetails/{tip_hex}.bin") == raw, "/rest/block/notxdetails .bin is the block")
        part = rest.bin(f"blockpart/{tip_hex}.bin?offset=0&size=80")
        check(CBlockHeader.deserialize(part).GetHash() == tip, "/rest/blockpart offset=0 size=80: the header")
        check(rest.hex(f"blockpart/{tip_hex}.hex?size=10&offset={len(raw) - 10}") == b2x(raw[-10:]),
              "/rest/blockpart .hex: the last 10 bytes")

        # ---- headers and hashes by height ----
        hb = rest.bin(f"headers/{b2lx(hashes[0])}.bin?count=3")
        check(len(hb) == 240 and [CBlockHeader.deserialize(hb[i:i + 80]).GetHash() for i in (0, 80, 160)]
              == hashes[0:3], "/rest/headers ?count=3 .bin: three headers upwards")
        check(rest.bin(f"headers/3/{b2lx(hashes[0])}.bin") == hb, "/rest/headers/<count>/<hash>: the same")
        check(len(rest.bin(f"headers/{b2lx(hashes[0])}.bin")) == 5 * 80, "/rest/headers without count: 5")
        check(rest.json(f"headers/{b2lx(hashes[99])}.json?count=5")
              == [rpc.call("getblockheader", b2lx(h)) for h in hashes[99:101] + [tip]],
              "/rest/headers .json equals getblockheader for each (and stops at the tip)")
        check(rest.hex(f"headers/{b2lx(hashes[0])}.hex?count=1") == b2x(hb[:80]), "/rest/headers .hex")
        check(rest.bin("headers/" + "11" * 32 + ".bin") == b"", "/rest/headers of an unknown hash: empty")
        check(rest.bin("blockhashbyheight/1.bin") == hashes[0], "/rest/blockhashbyheight .bin: internal byte order")
        check(rest.hex("blockhashbyheight/1.hex") == b2lx(hashes[0]), "/rest/blockhashbyheight .hex: display order")
        check(rest.json("blockhashbyheight/102.json") == {"blockhash": tip_hex}, "/rest/blockhashbyheight .json")

        # ---- transactions ----
        tb = rest.bin(f"tx/{conf_hex}.bin")
        check(CTransaction.deserialize(tb).GetTxid() == confirmed.GetTxid(), "/rest/tx .bin (txindex) decodes")
        tj = rest.json(f"tx/{conf_hex}.json")
        rpc_tx = rpc.call("getrawtransaction", conf_hex, 1)
        check(tj["blockhash"] == tip_hex and tj["hex"] == rpc_tx["hex"] and tj["vin"] == rpc_tx["vin"]
              and tj["vout"] == rpc_tx["vout"], "/rest/tx .json: getrawtransaction's fields with the blockhash")
        check("confirmations" not in tj, "/rest/tx .json: no confirmations (Core's TxToUniv only)")
        check(rest.hex(f"tx/{pend_hex}.hex") == b2x(pending.serialize()), "/rest/tx .hex of a mempool transaction")
        check("blockhash" not in rest.json(f"tx/{pend_hex}.json"), "/rest/tx .json of a mempool tx: no blockhash")

        # ---- chain, deployments, mempool ----
        info = rest.json("chaininfo.json")
        rpc_info = rpc.call("getblockchaininfo")
        for key in ("chain", "blocks", "headers", "bestblockhash", "chainwork", "difficulty", "pruned"):
            check(info.get(key) == rpc_info.get(key), f"/rest/chaininfo.json {key} equals getblockchaininfo's")
        try:
            deployments = rpc.call("getdeploymentinfo")
        except bitcoin.rpc.JSONRPCError as e:
            deployments = e
        code, ctype, data = rest.request("/rest/deploymentinfo.json")
        if isinstance(deployments, bitcoin.rpc.JSONRPCError):
            # Until this node has getdeploymentinfo, REST says which RPC failed.
            check(code == 500 and data == (deployments.error["message"] + "\r\n").encode(),
                  f"/rest/deploymentinfo.json without the RPC: 500 with its error ({code} {data!r})")
        else:
            check(code == 200 and json.loads(data, parse_float=decimal.Decimal) == deployments,
                  "/rest/deploymentinfo.json equals getdeploymentinfo")
            check(rest.json(f"deploymentinfo/{b2lx(hashes[0])}.json") == rpc.call("getdeploymentinfo",
                                                                                 b2lx(hashes[0])),
                  "/rest/deploymentinfo/<hash>.json equals getdeploymentinfo <hash>")
        check(rest.json("mempool/info.json") == rpc.call("getmempoolinfo"), "/rest/mempool/info equals getmempoolinfo")
        check(rest.json("mempool/contents.json") == rpc.call("getrawmempool", True),
              "/rest/mempool/contents equals getrawmempool verbose")
        check(rest.json("mempool/contents.json?verbose=false") == [pend_hex], "?verbose=false: the txids")
        seq = rest.json("mempool/contents.json?verbose=false&mempool_sequence=true")
        check(seq == rpc.call("getrawmempool", False, True) and seq["txids"] == [pend_hex]
              and seq["mempool_sequence"] == 4,
              "?mempool_sequence=true: txids and Core's sequence (2 additions, 1 block removal: next is 4)")

        # ---- getutxos ----
        unspent_conf = (conf_hex, 0)
        spent_in_mempool = (b2lx(coinbase2.GetTxid()), 0)
        unspent_pending = (pend_hex, 0)
        path = "/".join(f"{t}-{n}" for t, n in (unspent_conf, spent_in_mempool, unspent_pending))
        plain = rest.json(f"getutxos/{path}.json")
        check(plain["chainHeight"] == 102 and plain["chaintipHash"] == tip_hex and plain["bitmap"] == "110",
              "/rest/getutxos .json: chain only (the mempool's spend and output do not count)")
        check(plain["utxos"][0]["height"] == 102 and plain["utxos"][0]["scriptPubKey"]["hex"] == P2SH_TRUE.hex(),
              "/rest/getutxos .json: the coin's height and script")
        mem = rest.json(f"getutxos/checkmempool/{path}.json")
        check(mem["bitmap"] == "101" and mem["utxos"][1]["height"] == 2147483647,
              "/rest/getutxos/checkmempool .json: spent in the mempool is gone, its output is there (height 2^31-1)")
        height, tip_seen, bitmap, coins = parse_getutxos_bin(rest.bin(f"getutxos/checkmempool/{path}.bin"))
        check(height == 102 and tip_seen == tip_hex and bitmap == b"\x05" and len(coins) == 2
              and coins[0][1].scriptPubKey == P2SH_TRUE and coins[1][0] == 0x7fffffff,
              "/rest/getutxos .bin (BIP64 response) decodes with bitcoinlib's CTxOut")
        check(rest.hex(f"getutxos/{path}.hex") == rest.bin(f"getutxos/{path}.bin").hex(), "/rest/getutxos .hex")
        # A binary request body, read as Core reads it (as a serialized string: its length,
        # then the outpoints vector; the mempool is then always checked).
        body = ser_outpoints([unspent_conf, spent_in_mempool, unspent_pending])
        code, ctype, data = rest.request("/rest/getutxos.bin", "POST", body)
        check(code == 200 and parse_getutxos_bin(data)[2] == b"\x05", "POST /rest/getutxos.bin with a binary body")
        code, ctype, data = rest.request("/rest/getutxos.hex", "POST", body.hex())
        check(code == 200 and parse_getutxos_bin(bytes.fromhex(data.decode()))[2] == b"\x05",
              "POST /rest/getutxos.hex with a hex body")

        # ---- filters and spent outputs ----
        filt = rpc.call("getblockfilter", tip_hex)
        check(rest.json(f"blockfilter/basic/{tip_hex}.json") == {"filter": filt["filter"]},
              "/rest/blockfilter .json equals getblockfilter's filter")
        fb = rest.bin(f"blockfilter/basic/{tip_hex}.bin")
        f = io.BytesIO(fb)
        check(f.read(1) == b"\x00" and f.read(32) == tip and BytesSerializer.stream_deserialize(f).hex()
              == filt["filter"], "/rest/blockfilter .bin: type, block hash, filter")
        fh = rest.json(f"blockfilterheaders/basic/{b2lx(hashes[100])}.json?count=2")
        check(fh == [rpc.call("getblockfilter", b2lx(hashes[100]))["header"], filt["header"]],
              "/rest/blockfilterheaders ?count=2 .json: getblockfilter's headers")
        check(rest.bin(f"blockfilterheaders/basic/2/{b2lx(hashes[100])}.bin") == lx(fh[0]) + lx(fh[1]),
              "/rest/blockfilterheaders/<type>/<count>/<hash> .bin")
        spent = rest.json(f"spenttxouts/{tip_hex}.json")
        check(len(spent) == 2 and spent[0] == [] and spent[1][0]["scriptPubKey"]["hex"] == P2SH_TRUE.hex()
              and spent[1][0]["value"] == decimal.Decimal(coinbase1.vout[0].nValue) / COIN,
              "/rest/spenttxouts .json: nothing for the coinbase, the spent coinbase output for the spend")
        sb = io.BytesIO(rest.bin(f"spenttxouts/{tip_hex}.bin"))
        n_tx = VarIntSerializer.stream_deserialize(sb)
        n_cb = VarIntSerializer.stream_deserialize(sb)
        n_in = VarIntSerializer.stream_deserialize(sb)
        out = CTxOut.stream_deserialize(sb)
        check((n_tx, n_cb, n_in, out.nValue, out.scriptPubKey) == (2, 0, 1, coinbase1.vout[0].nValue, P2SH_TRUE),
              "/rest/spenttxouts .bin decodes (bitcoinlib CTxOut)")
        check(rest.hex(f"spenttxouts/{b2lx(hashes[0])}.hex") == "0100", "/rest/spenttxouts of a coinbase-only block")

        # ---- HEAD, methods, credentials ----
        code, ctype, data = rest.request("/rest/chaininfo.json", "HEAD")
        check(code == 200 and data == b"" and ctype == "application/json", "HEAD: the headers only")
        code, _, _ = rest.request("/rest/chaininfo.json", "DELETE")
        check(code == 405, "DELETE: 405")
        code, _, _ = rest.request("/", "POST", json.dumps({"method": "getblockcount", "params": []}))
        check(code == 401, "JSON-RPC still needs credentials")

        # ---- bad input: Core's status codes and texts ----
        h = tip_hex
        bad = [
            (f"tx/{'zz' * 32}.json", 400, "Invalid hash: " + "zz" * 32),
            ("tx/abc.json", 400, "Invalid hash: abc"),
            (f"tx/{'00' * 32}.json", 404, "0" * 64 + " not found"),
            (f"tx/{conf_hex}.xml", 400, f"Invalid hash: {conf_hex}.xml"),  # an unknown suffix stays
            (f"tx/{conf_hex}", 404, "output format not found (available: .bin, .hex, .json)"),
            (f"block/{'11' * 32}.bin", 404, "1" * 64 + " not found"),
            (f"block/{h[:-1]}.json", 400, "Invalid hash: " + h[:-1]),
            (f"block/{h}.txt", 400, f"Invalid hash: {h}.txt"),
            (f"blockpart/{h}.bin?size=10", 400, "Block part offset missing or invalid"),
            (f"blockpart/{h}.bin?offset=0", 400, "Block part size missing or invalid"),
            (f"blockpart/{h}.bin?offset=-1&size=1", 400, "Block part offset missing or invalid"),
            (f"blockpart/{h}.bin?offset=0&size=0", 400, f"Bad block part offset/size 0/0 for {h}"),
            (f"blockpart/{h}.bin?offset={len(raw)}&size=1", 400, f"Bad block part offset/size {len(raw)}/1 for {h}"),
            (f"blockpart/{h}.json?offset=0&size=1", 400, "JSON output is not supported for this request type"),
            (f"headers/{h}.json?count=0", 400, "Header count is invalid or out of acceptable range (1-2000): 0"),
            (f"headers/{h}.json?count=2001", 400, "Header count is invalid or out of acceptable range (1-2000): 2001"),
            (f"headers/{h}.json?count=abc", 400, "Header count is invalid or out of acceptable range (1-2000): abc"),
            (f"headers/0/{h}.bin", 400, "Header count is invalid or out of acceptable range (1-2000): 0"),
            (f"headers/{h}.bin?count=%zz", 400, "URI parsing failed, it likely contained RFC 3986 invalid characters"),
            ("headers/1/2/3.bin", 400, "Invalid URI format. Expected /rest/headers/<hash>.<ext>?count=<count>"),
            ("headers/xyz.bin?count=1", 400, "Invalid hash: xyz"),
            (f"headers/{h}", 404, "output format not found (available: .bin, .hex, .json)"),
            ("blockhashbyheight/103.json", 404, "Block height out of range"),
            ("blockhashbyheight/-1.json", 400, "Invalid height: -1"),
            ("blockhashbyheight/abc<x>.json", 400, "Invalid height: abcx"),
            ("blockhashbyheight/99999999999.json", 400, "Invalid height: 99999999999"),
            ("chaininfo.bin", 404, "output format not found (available: json)"),
            ("deploymentinfo.hex", 404, "output format not found (available: json)"),
            ("mempool/other.json", 400, "Invalid URI format. Expected /rest/mempool/<info|contents>.json"),
            ("mempool/info.bin", 404, "output format not found (available: json)"),
            ("mempool/contents.json?verbose=yes", 400,
             "The \"verbose\" query parameter must be either \"true\" or \"false\"."),
            ("mempool/contents.json?mempool_sequence=1&verbose=false", 400,
             "The \"mempool_sequence\" query parameter must be either \"true\" or \"false\"."),
            ("mempool/contents.json?mempool_sequence=true", 400,
             "Verbose results cannot contain mempool sequence values. (hint: set \"verbose=false\")"),
            ("getutxos/checkmempool.json", 400, "Error: empty request"),
            ("getutxos.json", 400, "Error: empty request"),
            (f"getutxos/{conf_hex}.json", 400, "Parse error"),
            (f"getutxos/{conf_hex}-x.json", 400, "Parse error"),
            (f"getutxos/{conf_hex}-4294967296.json", 400, "Parse error"),
            (f"getutxos/{conf_hex[:-2]}-0.json", 400, "Parse error"),
            ("getutxos/" + "/".join(f"{conf_hex}-{i}" for i in range(16)) + ".json", 400,
             "Error: max outpoints exceeded (max: 15, tried: 16)"),
            (f"getutxos/{conf_hex}-0.xml", 400, "Parse error"),
            (f"getutxos/{conf_hex}-0", 404, "output format not found (available: .bin, .hex, .json)"),
            (f"blockfilter/basic/{h}", 404, "output format not found (available: .bin, .hex, .json)"),
            (f"blockfilter/extended/{h}.json", 400, "Unknown filtertype extended"),
            (f"blockfilter/basic/{h[2:]}.json", 400, "Invalid hash: " + h[2:]),
            (f"blockfilter/{h}.json", 400, "Invalid URI format. Expected /rest/blockfilter/<filtertype>/<blockhash>"),
            (f"blockfilter/basic/{'22' * 32}.json", 404, "2" * 64 + " not found"),
            (f"blockfilterheaders/basic/{h}.json?count=2001", 400,
             "Header count is invalid or out of acceptable range (1-2000): 2001"),
            (f"blockfilterheaders/{h}.json", 400, "Invalid URI format. Expected "
             "/rest/blockfilterheaders/<filtertype>/<blockhash>.<ext>?count=<count>"),
            (f"blockfilterheaders/nope/{h}.json", 400, "Unknown filtertype nope"),
            (f"spenttxouts/{'33' * 32}.json", 404, "3" * 64 + " not found"),
            (f"spenttxouts/1/{h}.json", 400, "Invalid URI format. Expected /rest/spenttxouts/<hash>.<ext>"),
            (f"spenttxouts/{h}.xml", 400, f"Invalid hash: {h}.xml"),
            ("deploymentinfo/abc.json", 400, "Invalid hash: abc"),
            (f"deploymentinfo/{'44' * 32}.json", 400, "Block not found"),
        ]
        for path, status, text in bad:
            code, ctype, data = rest.request("/rest/" + path)
            check(code == status and ctype == "text/plain" and data == (text + "\r\n").encode(),
                  f"/rest/{path}: {status} {text!r} (got {code} {ctype} {data[:120]!r})")
        for path in ("nothing", "blockx/" + h + ".json", "Tx/" + h + ".json"):
            code, ctype, data = rest.request("/rest/" + path)
            check(code == 404 and data == b"", f"/rest/{path}: no such endpoint, 404 without a body")
        code, _, data = rest.request("/rest/getutxos.bin", "POST", b"\x05\x01")
        check(code == 400 and data == b"Parse error\r\n", "a truncated binary getutxos body: Parse error")
        code, _, data = rest.request(f"/rest/getutxos/{conf_hex}-0.bin", "POST", body)
        check(code == 400 and data == b"Combination of URI scheme inputs and raw post data is not allowed\r\n",
              "outpoints both in the path and in the body: refused")
        check(node.running() and rpc.getblockcount() == 102, "after all that the node still answers")

        # ---- without -rest ----
        node.stop()
        node.args = []
        node.start()
        code, _, data = Rest(node.rpc_port).request("/rest/chaininfo.json")
        check(code == 404 and data == b"", "without -rest: /rest/ answers 404")
        node.stop()
    return checks.exit_code("rest_bitcoinlib")


if __name__ == "__main__":
    sys.exit(main())
