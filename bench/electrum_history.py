#!/usr/bin/python3
"""Electrum get_history throughput of minicashd on a busy address: N concurrent clients
(default 4), each with its own connection in its own process, sending one request at a
time for --seconds each.

    python3 bench/electrum_history.py [--build build] [--clients 4] [--seconds 5] [--blocks 600] [--txs 500]

Starts a throw-away regtest node with -addressindex -electrum (the test harness's TestNode:
temporary data directory, free ports, always stopped), mines --blocks blocks to one
P2SH(OP_TRUE) address and puts --txs transactions between that address and itself in
blocks, so the address has about blocks + txs history entries. Then measures, in the same
run: server.ping (the bare cost of one request: parse, dispatch, reply) and
blockchain.scripthash.get_history of the busy address, and prints requests/s of each,
their ratio and how many history entries each answer carried. Numbers depend on the
machine; nothing asserts on them.
"""
import argparse, hashlib, json, multiprocessing as mp, os, socket, time

from bench_env import BenchEnv

import minicash_test


def worker(port, method, params, seconds, start_at, queue):
    sock = socket.create_connection(("127.0.0.1", port), timeout=300)
    f = sock.makefile("rb")
    line = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}) + "\n").encode()
    while time.time() < start_at:
        time.sleep(0.001)
    n, entries, end = 0, 0, time.time() + seconds
    while time.time() < end:
        sock.sendall(line)
        reply = json.loads(f.readline())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        entries = len(reply["result"]) if isinstance(reply["result"], list) else 0
        n += 1
    sock.close()
    queue.put((n, entries))


def measure(port, clients, seconds, method, params):
    queue = mp.Queue()
    start_at = time.time() + 0.5
    procs = [mp.Process(target=worker, args=(port, method, params, seconds, start_at, queue)) for _ in range(clients)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(n for n, _ in results) / seconds, results[0][1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.environ.get("BUILD_DIR", "build"))
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--blocks", type=int, default=600)
    ap.add_argument("--txs", type=int, default=500)
    args = ap.parse_args()
    os.environ["BUILD_DIR"] = args.build
    BenchEnv("electrum_history.py", ["minicashd"], [])

    with minicash_test.TestNode("bench-electrum") as node:
        port = minicash_test.free_port()
        node.start(["-addressindex", f"-electrum=127.0.0.1:{port}", "-electrumratelimit=100000000",
                    "-electrummaxhistory=1000000"])
        address = node.rpc("decodescript", "51")["p2sh"]
        script = node.rpc("validateaddress", address)["scriptPubKey"]
        hashes = []
        while len(hashes) < args.blocks:
            hashes += node.mine(min(500, args.blocks - len(hashes)), address)
        # Spend mature coinbases back to the same address, 200 transactions per block.
        sent = 0
        for h in hashes[:max(0, len(hashes) - 100)]:
            if sent >= args.txs:
                break
            cb = node.rpc("getblock", h)["tx"][0]
            value = round(node.rpc("getrawtransaction", cb, True)["vout"][0]["value"] * 10**8)
            node.rpc("sendrawtransaction", minicash_test.op_true_spend(cb, 0, value, 1000, script))
            sent += 1
            if sent % 200 == 0:
                node.mine(1, address)
        node.mine(1, address)
        minicash_test.wait_until(lambda: node.rpc("getindexinfo")["addressindex"]["synced"]
                                 and node.rpc("getindexinfo")["addressindex"]["best_block_height"]
                                 == node.rpc("getblockcount"), 120)
        sh = hashlib.sha256(bytes.fromhex(script)).digest()[::-1].hex()

        ping, _ = measure(port, args.clients, args.seconds, "server.ping", [])
        history, entries = measure(port, args.clients, args.seconds, "blockchain.scripthash.get_history", [sh])
        load = os.getloadavg()
        print(f"electrum_history: {args.clients} clients, {args.seconds:g} s each, load {load[0]:.2f} {load[1]:.2f}")
        print(f"  server.ping                         {ping:10.0f} requests/s")
        print(f"  get_history ({entries} entries)  {history:10.0f} requests/s"
              f"  ({history * entries:.0f} entries/s)")
        print(f"  ratio get_history / ping            {history / ping:10.3f}")
        node.stop()


if __name__ == "__main__":
    main()
