#!/usr/bin/python3
"""RPC throughput of minicashd: getblockcount and getblock (verbosity 2) from N concurrent
clients (default 8), each with its own keep-alive HTTP connection in its own process.

    python3 bench/rpc_throughput.py [--build build] [--clients 8] [--seconds 5] [--txs 1000]

Starts a throw-away regtest node (the test harness's TestNode: temporary data directory,
free port, always stopped), builds a block
with --txs transactions (a fan-out from an anyone-can-spend P2SH coinbase, then one
1-input/2-output spend per fan-out output), then measures each method for --seconds and
prints requests/s and latency percentiles. Numbers depend on the machine; nothing
asserts on them.
"""
import argparse, base64, hashlib, http.client, json, multiprocessing as mp, os, time

from bench_env import BenchEnv

import minicash_test

OP_TRUE_P2SH_HASH = "da1745e9b549bd0bfa1a569971c77eba30cd5a4b"  # HASH160(OP_TRUE)
P2SH_SCRIPT = "a914" + OP_TRUE_P2SH_HASH + "87"


class Rpc:
    def __init__(self, port, cookie_file):
        self.port, self.cookie_file, self.conn, self.auth = port, cookie_file, None, None

    def call(self, method, *params):
        if self.conn is None:
            with open(self.cookie_file) as f:
                self.auth = "Basic " + base64.b64encode(f.read().strip().encode()).decode()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        body = json.dumps({"method": method, "params": list(params), "id": 1})
        self.conn.request("POST", "/", body, {"Authorization": self.auth, "Content-Type": "application/json"})
        reply = json.loads(self.conn.getresponse().read())
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]


def varint(n):
    if n < 0xfd:
        return n.to_bytes(1, "little")
    if n <= 0xffff:
        return b"\xfd" + n.to_bytes(2, "little")
    return b"\xfe" + n.to_bytes(4, "little")


def spend(txid, vout, outputs):
    """A legacy-format transaction spending one OP_TRUE P2SH output to P2SH OP_TRUE outputs."""
    tx = (2).to_bytes(4, "little") + varint(1)
    tx += bytes.fromhex(txid)[::-1] + vout.to_bytes(4, "little")
    tx += varint(2) + bytes.fromhex("0151") + (0xfffffffd).to_bytes(4, "little")
    tx += varint(len(outputs))
    for value in outputs:
        tx += value.to_bytes(8, "little") + varint(23) + bytes.fromhex(P2SH_SCRIPT)
    return (tx + (0).to_bytes(4, "little")).hex()


def txid_of(hex_tx):
    return hashlib.sha256(hashlib.sha256(bytes.fromhex(hex_tx)).digest()).digest()[::-1].hex()


def worker(port, cookie_file, method, params, seconds, start_at, queue):
    rpc = Rpc(port, cookie_file)
    rpc.call("getblockcount")  # connect before the clock starts
    while time.time() < start_at:
        time.sleep(0.001)
    latencies, end = [], start_at + seconds
    while True:
        t0 = time.perf_counter()
        rpc.call(method, *params)
        latencies.append(time.perf_counter() - t0)
        if time.time() >= end:
            break
    queue.put(latencies)


def measure(port, cookie_file, clients, seconds, method, params):
    queue = mp.Queue()
    start_at = time.time() + 0.5
    procs = [mp.Process(target=worker, args=(port, cookie_file, method, params, seconds, start_at, queue))
             for _ in range(clients)]
    for p in procs:
        p.start()
    lat = []
    for _ in procs:
        lat.extend(queue.get())
    for p in procs:
        p.join()
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print(f"{method:<14} {' '.join(map(str, params))[:20]:<20} {clients} clients: {len(lat) / seconds:10.1f} req/s"
          f"   p50 {pct(0.5):7.2f} ms   p90 {pct(0.9):7.2f} ms   p99 {pct(0.99):7.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--txs", type=int, default=1000)
    args = ap.parse_args()
    os.environ["BUILD_DIR"] = args.build
    BenchEnv("rpc_throughput.py", ["minicashd"], [])

    with minicash_test.TestNode("rpcbench", args=[f"-rpcthreads={max(4, args.clients)}"]) as node:
        node.start()
        port, cookie = node.rpc_port, os.path.join(node.netdir, ".cookie")
        rpc = Rpc(port, cookie)
        address = rpc.call("decodescript", "51")["p2sh"]
        rpc.call("generatetoaddress", 101, address)
        block1 = rpc.call("getblock", rpc.call("getblockhash", 1))
        # Fan out block 1's coinbase (50 BTC), confirm it, then spend each output.
        n = args.txs
        each = (50 * 10**8 - 100000) // n
        fan = spend(block1["tx"][0], 0, [each] * n)
        rpc.call("sendrawtransaction", fan)
        rpc.call("generatetoaddress", 1, address)
        fan_id = txid_of(fan)
        for i in range(n):
            half = (each - 1000) // 2
            rpc.call("sendrawtransaction", spend(fan_id, i, [half, each - 1000 - half]))
        big = rpc.call("generatetoaddress", 1, address)[0]
        ntx = len(rpc.call("getblock", big)["tx"])
        size = rpc.call("getblock", big)["size"]
        print(f"minicashd RPC throughput ({args.clients} clients, {args.seconds:g} s each); "
              f"getblock target: {ntx} transactions, {size} bytes")
        measure(port, cookie, args.clients, args.seconds, "getblockcount", [])
        measure(port, cookie, args.clients, args.seconds, "getblock", [big, 2])
        node.stop()


if __name__ == "__main__":
    main()
