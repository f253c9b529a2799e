#!/usr/bin/python3
"""The Electrum server of one minicashd (-addressindex -electrum -electrumtls), every method.

One minicashd -regtest with the Electrum protocol on plain TCP and on TLS (a certificate
made here with the openssl command). Blocks are mined to P2SH(OP_TRUE); coins are moved
to P2SH(OP_2) and to a P2WPKH script nobody has the key of (only history matters). Over a
raw socket speaking newline-delimited JSON-RPC, the test calls every method and checks the
answers against the node's RPC and against independent computations made here: the
script hash status (sha256 of "txid:height:" ...), header checkpoints (a merkle tree over
block hashes) and transaction merkle branches (up to the block's merkle root).
Subscription notifications must arrive for a mempool payment, its confirmation and a new
tip. Batches, JSON-RPC errors and the limits (history size, subscriptions, request rate)
are checked; malformed input, oversized lines and a client that never reads are in
electrum_bad_input.py.

Usage: electrum_test.py   (minicashd from $MINICASH_BIN_DIR, default build/src)
"""
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import time

import minicash_test

checks = minicash_test.Checks()
check = checks.check
P2WPKH = "0014" + "11" * 20


def sha256(b):
    return hashlib.sha256(b).digest()


def sha256d(b):
    return sha256(sha256(b))


def script_hash(script_hex):
    return sha256(bytes.fromhex(script_hex))[::-1].hex()


def status_of(history):
    """The protocol's status: sha256 of the concatenated "tx_hash:height:" strings."""
    if not history:
        return None
    return sha256("".join(f"{h['tx_hash']}:{h['height']}:" for h in history).encode()).hex()


def merkle_root_from(leaf_hex, branch, index):
    """Folds a branch (display-order hex) from a leaf at `index` up to the root."""
    h = bytes.fromhex(leaf_hex)[::-1]
    for sibling in branch:
        s = bytes.fromhex(sibling)[::-1]
        h = sha256d(s + h) if index & 1 else sha256d(h + s)
        index >>= 1
    return h[::-1].hex()


def merkle_root(leaves_hex):
    level = [bytes.fromhex(x)[::-1] for x in leaves_hex]
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])
        level = [sha256d(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0][::-1].hex()


def spend(prev_txid, prev_index, value, fee, script_pubkey_hex, redeem_hex):
    """A version-2 transaction spending a P2SH output whose redeem script is one opcode
    that leaves true (OP_TRUE, OP_2) to one output of `script_pubkey_hex`."""
    script = bytes.fromhex(script_pubkey_hex)
    redeem = bytes.fromhex(redeem_hex)
    tx = struct.pack("<i", 2) + b"\x01" + bytes.fromhex(prev_txid)[::-1] + struct.pack("<I", prev_index)
    tx += bytes([len(redeem) + 1, len(redeem)]) + redeem + struct.pack("<I", 0xfffffffd)
    tx += b"\x01" + struct.pack("<q", value - fee) + bytes([len(script)]) + script + struct.pack("<I", 0)
    return tx.hex()


class Electrum:
    """A newline-delimited JSON-RPC connection; notifications are kept in order."""

    def __init__(self, port, tls_context=None):
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock = tls_context.wrap_socket(sock, server_hostname="localhost") if tls_context else sock
        self.file = self.sock.makefile("rb")
        self.next_id = 0
        self.notifications = []

    def close(self):
        self.file.close()
        self.sock.close()

    def send_line(self, text):
        self.sock.sendall(text.encode() + b"\n")

    def read_message(self):
        line = self.file.readline()
        if not line:
            raise ConnectionError("the server closed the connection")
        return json.loads(line)

    def reply(self):
        """The next message that is not a notification (notifications are kept)."""
        while True:
            m = self.read_message()
            if isinstance(m, dict) and "method" in m and "id" not in m:
                self.notifications.append(m)
                continue
            return m

    def request(self, method, *params):
        self.next_id += 1
        self.send_line(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": list(params)}))
        m = self.reply()
        assert m.get("id") == self.next_id, m
        return m

    def call(self, method, *params):
        m = self.request(method, *params)
        if "error" in m:
            raise RuntimeError(f"{method}: {m['error']}")
        return m["result"]

    def error(self, method, *params):
        return self.request(method, *params).get("error")

    def notification(self, method, timeout=30):
        """Waits for the next notification of `method`."""
        deadline = time.monotonic() + timeout
        while True:
            for i, n in enumerate(self.notifications):
                if n["method"] == method:
                    return self.notifications.pop(i)["params"]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} notification in {timeout} s")
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                m = self.read_message()
            finally:
                self.sock.settimeout(60)
            self.notifications.append(m)


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    minicash_test.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                       "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", key, "-out", cert], check=True)
    return cert, key


def main():
    with minicash_test.TempDir("electrum-cert") as tmp, minicash_test.TestNode("electrum") as node:
        cert, key = make_certificate(tmp.path)
        tcp_port, tls_port = minicash_test.free_port(), minicash_test.free_port()
        while tls_port == tcp_port:
            tls_port = minicash_test.free_port()
        node.start(["-addressindex", f"-electrum=127.0.0.1:{tcp_port}", f"-electrumtls=127.0.0.1:{tls_port}",
                    f"-electrumcert={cert}", f"-electrumkey={key}", "-electrummaxhistory=130",
                    "-electrummaxsubscriptions=50", "-electrumratelimit=200", "-electrumbanner=hello devnet"])
        run(node, tcp_port, tls_port, cert)
        node.stop()

    # Refusals at start-up: -electrum without -addressindex; TLS without a certificate.
    with minicash_test.TestNode("electrum-refused") as node:
        for args, words in ((["-electrum"], "-addressindex"),
                            (["-addressindex", "-electrumtls"], "-electrumcert"),
                            (["-addressindex", "-electrum=127.0.0.1:1", "-electrum=127.0.0.1:2"], "one address")):
            p = minicash_test.run([minicash_test.program("minicashd"), "-regtest", f"-datadir={node.dir}"] + args,
                                  timeout=60)
            check(p.returncode != 0 and words in p.stdout + p.stderr,
                  f"{' '.join(args)}: refused at start-up with a message naming {words}")
    return checks.exit_code("electrum")


def run(node, tcp_port, tls_port, cert):
    op_true = node.rpc("decodescript", "51")["p2sh"]
    op_true_script = node.rpc("validateaddress", op_true)["scriptPubKey"]
    op_2_script = node.rpc("validateaddress", node.rpc("decodescript", "52")["p2sh"])["scriptPubKey"]
    hashes = node.mine(101, op_true)
    minicash_test.wait_until(lambda: node.rpc("getindexinfo")["addressindex"]["synced"], 60)

    e = Electrum(tcp_port)
    # ---- server.* ----
    version = e.call("server.version", "electrum_test", "1.4")
    check(version[1] == "1.4" and version[0].startswith("minicash"), f"server.version: {version}")
    check(e.error("server.version", "electrum_test", "1.4") is not None, "server.version twice: an error")
    e2 = Electrum(tcp_port)
    check(e2.call("server.version", "x", ["1.2", "1.4.2"])[1] == "1.4", "server.version with [min, max]: 1.4")
    e2.close()
    e3 = Electrum(tcp_port)
    err = e3.error("server.version", "x", "1.2")
    closed = False
    try:
        e3.reply()
    except (ConnectionError, OSError):
        closed = True
    check(err is not None and "unsupported protocol version" in err["message"] and closed,
          "server.version 1.2: an error, then the server disconnects")
    e3.close()
    features = e.call("server.features")
    check(features.get("genesis_hash") == node.rpc("getblockhash", 0) and features.get("hash_function") == "sha256"
          and features.get("protocol_min") == "1.4" and features.get("protocol_max") == "1.4"
          and "pruning" in features and features["pruning"] is None
          and features.get("hosts", {}).get("127.0.0.1") == {"tcp_port": tcp_port, "ssl_port": tls_port},
          f"server.features: {features}")
    check(e.call("server.banner") == "hello devnet", "server.banner: -electrumbanner")
    check(e.call("server.ping") is None, "server.ping: null")
    check(e.call("server.donation_address") == "", "server.donation_address: empty")
    check(e.call("server.peers.subscribe") == [], "server.peers.subscribe: []")

    # ---- headers ----
    tip = e.call("blockchain.headers.subscribe")
    check(tip == {"hex": node.rpc("getblockheader", hashes[-1], False), "height": 101},
          "blockchain.headers.subscribe: the tip's header and height")
    check(e.call("blockchain.block.header", 5) == node.rpc("getblockheader", hashes[4], False),
          "blockchain.block.header(5)")
    all_hashes = [node.rpc("getblockhash", 0)] + hashes
    proof = e.call("blockchain.block.header", 5, 100)
    root = merkle_root(all_hashes[:101])
    header5 = bytes.fromhex(proof["header"])
    check(proof["root"] == root and merkle_root_from(sha256d(header5)[::-1].hex(), proof["branch"], 5) == root,
          "blockchain.block.header(5, cp_height=100): the branch leads from the header's hash to the root over "
          "the hashes of blocks 0..100")
    headers = e.call("blockchain.block.headers", 98, 10)
    check(headers["count"] == 4 and headers["max"] == 2016
          and headers["hex"] == "".join(node.rpc("getblockheader", h, False) for h in all_hashes[98:102]),
          "blockchain.block.headers(98, 10): the 4 headers up to the tip")
    headers = e.call("blockchain.block.headers", 10, 5, 101)
    root = merkle_root(all_hashes[:102])
    check(headers["count"] == 5 and headers["root"] == root
          and merkle_root_from(all_hashes[14], headers["branch"], 14) == root,
          "blockchain.block.headers(10, 5, cp_height=101): branch of the last header to the checkpoint root")
    err = e.error("blockchain.block.header", 50, 20)
    check(err is not None and err["code"] == 1, f"cp_height below height: an error ({err})")
    err = e.error("blockchain.block.header", 500)
    check(err is not None and "out of range" in err["message"], f"a header above the tip: {err}")

    # ---- a payment to P2WPKH: mempool, then confirmed ----
    sh = script_hash(P2WPKH)
    check(e.call("blockchain.scripthash.subscribe", sh) is None, "subscribe to a script without history: null")
    check(e.call("blockchain.scripthash.get_history", sh) == [], "get_history without history: []")
    block1 = node.rpc("getblock", hashes[0])
    coinbase1 = block1["tx"][0]
    value = 50 * 10**8
    pay = spend(coinbase1, 0, value, 10000, P2WPKH, "51")
    txid = e.call("blockchain.transaction.broadcast", pay)
    check(txid == node.rpc("decoderawtransaction", pay)["txid"] and node.rpc("getrawmempool") == [txid],
          "blockchain.transaction.broadcast: the txid, in the mempool")
    mempool_history = [{"tx_hash": txid, "height": 0, "fee": 10000}]
    params = e.notification("blockchain.scripthash.subscribe")
    check(params == [sh, status_of(mempool_history)],
          "a notification for the mempool payment with the status computed here")
    check(e.call("blockchain.scripthash.get_mempool", sh) == mempool_history, "get_mempool: height 0 and the fee")
    check(e.call("blockchain.scripthash.get_history", sh) == mempool_history, "get_history: the mempool entry")
    check(e.call("blockchain.scripthash.get_balance", sh) == {"confirmed": 0, "unconfirmed": value - 10000},
          "get_balance: unconfirmed")
    check(e.call("blockchain.scripthash.listunspent", sh) ==
          [{"tx_hash": txid, "tx_pos": 0, "height": 0, "value": value - 10000}], "listunspent: the mempool output")
    check(e.call("blockchain.transaction.get", txid) == pay, "blockchain.transaction.get: a mempool transaction")
    err = e.error("blockchain.transaction.broadcast", pay[:-2])
    check(err is not None and err["code"] == 1 and "rejected" in err["message"],
          f"broadcast of a truncated transaction: an error ({err and err['message'][:60]!r})")

    block = node.mine(1, op_true)[0]
    header = e.notification("blockchain.headers.subscribe")
    check(header == [{"hex": node.rpc("getblockheader", block, False), "height": 102}],
          "a blockchain.headers.subscribe notification for the new tip")
    confirmed_history = [{"tx_hash": txid, "height": 102}]
    params = e.notification("blockchain.scripthash.subscribe")
    check(params == [sh, status_of(confirmed_history)], "a notification for the confirmation")
    check(e.call("blockchain.scripthash.get_history", sh) == confirmed_history, "get_history: confirmed at 102")
    check(e.call("blockchain.scripthash.get_mempool", sh) == [], "get_mempool: empty once confirmed")
    check(e.call("blockchain.scripthash.get_balance", sh) == {"confirmed": value - 10000, "unconfirmed": 0},
          "get_balance: confirmed")
    check(e.call("blockchain.scripthash.listunspent", sh) ==
          [{"tx_hash": txid, "tx_pos": 0, "height": 102, "value": value - 10000}], "listunspent: confirmed")
    check(e.call("blockchain.scripthash.subscribe", sh) == status_of(confirmed_history),
          "subscribe again: the current status")

    # ---- transactions ----
    check(e.call("blockchain.transaction.get", txid) == node.rpc("getrawtransaction", txid),
          "blockchain.transaction.get: confirmed (hex)")
    verbose = e.call("blockchain.transaction.get", txid, True)
    rpc_verbose = node.rpc("getrawtransaction", txid, True)
    check(verbose.get("txid") == txid and verbose.get("blockhash") == block
          and {k: v for k, v in verbose.items() if k not in ("confirmations", "time", "blocktime")}
          == {k: v for k, v in rpc_verbose.items() if k not in ("confirmations", "time", "blocktime")},
          "blockchain.transaction.get verbose: getrawtransaction's verbose JSON")
    err = e.error("blockchain.transaction.get", "00" * 32)
    check(err is not None and err["code"] == 2, f"an unknown transaction: a daemon error ({err})")
    block_info = node.rpc("getblock", block)
    merkle = e.call("blockchain.transaction.get_merkle", txid, 102)
    check(merkle["block_height"] == 102 and merkle["pos"] == block_info["tx"].index(txid)
          and merkle_root_from(txid, merkle["merkle"], merkle["pos"]) == block_info["merkleroot"],
          "blockchain.transaction.get_merkle: the branch leads to the block's merkle root")
    err = e.error("blockchain.transaction.get_merkle", txid, 101)
    check(err is not None and "not in block" in err["message"], "get_merkle at the wrong height: an error")
    check(e.call("blockchain.transaction.id_from_pos", 102, 1) == txid, "blockchain.transaction.id_from_pos(102, 1)")
    pos = e.call("blockchain.transaction.id_from_pos", 102, 1, True)
    check(pos["tx_hash"] == txid and merkle_root_from(txid, pos["merkle"], 1) == block_info["merkleroot"],
          "id_from_pos with merkle: verified here")
    err = e.error("blockchain.transaction.id_from_pos", 102, 7)
    check(err is not None and "no tx at position" in err["message"], "id_from_pos past the block's end: an error")

    # ---- fees ----
    fee = e.call("blockchain.estimatefee", 6)
    smart = node.rpc("estimatesmartfee", 6)
    check(fee == smart.get("feerate", -1),
          f"blockchain.estimatefee(6): estimatesmartfee's feerate in BTC/kB, -1 without one ({fee}, {smart})")
    check(e.call("blockchain.relayfee") == node.rpc("getnetworkinfo")["relayfee"],
          "blockchain.relayfee: getnetworkinfo's relayfee (BTC/kB)")

    # ---- mempool order: a parent (height 0) and a child spending it (height -1) ----
    sh2 = script_hash(op_2_script)
    check(e.call("blockchain.scripthash.subscribe", sh2) is None, "subscribe to P2SH(OP_2)")
    coinbase2 = node.rpc("getblock", hashes[1])["tx"][0]
    parent_hex = spend(coinbase2, 0, value, 20000, op_2_script, "51")
    parent = e.call("blockchain.transaction.broadcast", parent_hex)
    child = e.call("blockchain.transaction.broadcast", spend(parent, 0, value - 20000, 30000, op_2_script, "52"))
    expected = [{"tx_hash": parent, "height": 0, "fee": 20000}, {"tx_hash": child, "height": -1, "fee": 30000}]
    check(e.call("blockchain.scripthash.get_mempool", sh2) == expected,
          "get_mempool: the parent at height 0 before the child at -1 (unconfirmed parent)")
    deadline = time.monotonic() + 30
    last = None
    while time.monotonic() < deadline and (last is None or last[1] != status_of(expected)):
        last = e.notification("blockchain.scripthash.subscribe", timeout=max(0.1, deadline - time.monotonic()))
    check(last == [sh2, status_of(expected)], "the notified status covers parent:0 and child:-1 in that order")
    check(e.call("blockchain.scripthash.get_balance", sh2) == {"confirmed": 0, "unconfirmed": value - 50000},
          "get_balance: the chain's end value, unconfirmed")
    check(e.call("blockchain.scripthash.listunspent", sh2) ==
          [{"tx_hash": child, "tx_pos": 0, "height": 0, "value": value - 50000}],
          "listunspent: only the child's output (the parent's is spent in the mempool)")
    histogram = e.call("mempool.get_fee_histogram")
    check(isinstance(histogram, list) and sum(v for _, v in histogram) ==
          sum(node.rpc("getmempoolentry", t)["vsize"] for t in (parent, child)),
          f"mempool.get_fee_histogram covers the mempool's vsize: {histogram}")
    check(e.call("blockchain.scripthash.unsubscribe", sh2) is True
          and e.call("blockchain.scripthash.unsubscribe", sh2) is False, "unsubscribe: true, then false")

    # ---- batches and errors ----
    e.send_line(json.dumps([{"jsonrpc": "2.0", "id": "a", "method": "server.ping", "params": []},
                            {"jsonrpc": "2.0", "id": "b", "method": "blockchain.block.header", "params": [1]},
                            {"jsonrpc": "2.0", "id": "c", "method": "no.such.method", "params": []}]))
    batch = e.reply()
    check(isinstance(batch, list) and [r["id"] for r in batch] == ["a", "b", "c"] and batch[0]["result"] is None
          and batch[1]["result"] == node.rpc("getblockheader", hashes[0], False)
          and batch[2]["error"]["code"] == -32601, "a batch: three answers in order, the unknown method -32601")
    err = e.error("blockchain.scripthash.get_history", "xyz")
    check(err is not None and err["code"] == 1 and "script hash" in err["message"], f"a bad script hash: {err}")
    err = e.error("blockchain.block.header")
    check(err is not None and err["code"] == -32602, f"a missing parameter: -32602 ({err})")
    err = e.error("blockchain.block.header", "five")
    check(err is not None and err["code"] == -32602, f"a string for a height: -32602 ({err})")
    m = e.request("blockchain.scripthash.get_balance")
    check("error" in m, "get_balance without a script hash: an error")

    # ---- limits ----
    sh_op_true = script_hash(op_true_script)
    history = e.call("blockchain.scripthash.get_history", sh_op_true)
    coinbases = [{"tx_hash": node.rpc("getblock", h)["tx"][0], "height": i + 1} for i, h in enumerate(hashes)]
    check(history == coinbases + [{"tx_hash": block_info["tx"][0], "height": 102}, {"tx_hash": txid, "height": 102},
                                  {"tx_hash": parent, "height": 0, "fee": 20000}],
          "get_history of the mining script: coinbases by height, block 102's coinbase then the payment "
          "(position order), then the mempool spend")
    node.mine(30, op_true)
    err = e.error("blockchain.scripthash.get_history", sh_op_true)
    check(err is not None and "too many history entries" in err["message"],
          f"more than -electrummaxhistory entries: an error ({err})")
    for i in range(49):
        e.call("blockchain.scripthash.subscribe", script_hash("6a" + f"{i:04x}"))
    err = e.error("blockchain.scripthash.subscribe", script_hash("6a" + "ffff"))
    check(err is not None and "too many subscriptions" in err["message"],
          f"a subscription past -electrummaxsubscriptions: an error ({err})")
    e.send_line(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "server.ping"} for i in range(1000)]))
    batch = e.reply()
    refused = [r for r in batch if "error" in r]
    check(len(batch) == 1000 and refused and refused[0]["error"]["code"] == -101
          and "requests per second" in refused[0]["error"]["message"] and len(refused) >= 500,
          f"1000 pings at once over -electrumratelimit=200: {len(refused)} refused with -101")
    e.close()

    # ---- TLS ----
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t = Electrum(tls_port, ctx)
    check(t.call("server.version", "tls", "1.4")[1] == "1.4"
          and t.call("blockchain.scripthash.get_balance", sh)["confirmed"] == value - 10000,
          "over TLS: server.version and get_balance")
    with open(cert) as f:
        check(t.sock.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(f.read()),
              "over TLS: the server presents -electrumcert")
    t.close()


if __name__ == "__main__":
    sys.exit(main())
