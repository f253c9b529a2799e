#!/usr/bin/python3
"""Functional test of minicash-devnet: up, fund, mine, partition, heal, faucet (CLI and
HTTP), reorg, time, snapshot/restore, down, up --with-bitcoind (skipped), automine, reset.

    devnet_test.py

$MINICASH_BIN_DIR (default build/src) holds minicashd, minicash-cli, minicash-wallet
and the minicash-devnet copied there by the build. Everything runs in a temporary
directory; whatever happens, every process the devnet recorded (and any other process
started from that directory) is killed at the end (minicash_test's guard), and the test
fails if `down` left one running.
"""

import http.client
import json
import os
import shutil
import socket
import sys
import time

import minicash_test
from minicash_test import pid_alive, processes_under

CHECKS = minicash_test.Checks(ok_prefix="  ok: ", fail_prefix="  FAIL: ")
check = CHECKS.check


class Devnet:
    def __init__(self, bin_dir, d):
        self.exe = os.path.join(bin_dir, "minicash-devnet")
        self.dir = d

    def run(self, *args, ok=True, env=None):
        p = minicash_test.run([sys.executable, self.exe, *args, "--dir", self.dir] if args[0] not in ("cli", "wallet")
                              else [sys.executable, self.exe, "--dir", self.dir, *args], env=env)
        shown = " ".join(args)
        if ok and p.returncode != 0:
            raise AssertionError(f"minicash-devnet {shown} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
        return p

    def out(self, *args, env=None):
        return self.run(*args, env=env).stdout.strip()

    def json(self, *args):
        return json.loads(self.out(*args))

    def state(self):
        with open(os.path.join(self.dir, "devnet.json")) as f:
            return json.load(f)

    def status(self):
        return self.json("status", "--json", "--no-faucet")


def kill_everything(d):
    """The guard: every recorded pid and anything else started from d."""
    pids = set()
    try:
        with open(os.path.join(d, "devnet.json")) as f:
            st = json.load(f)
        pids |= {n["pid"] for n in st["nodes"] if n.get("pid")}
        for part in ("miner", "faucet_http"):
            if (st.get(part) or {}).get("pid"):
                pids.add(st[part]["pid"])
    except (OSError, ValueError):
        pass
    minicash_test.kill_processes_under(d, pids)


def tips(status):
    return [n["bestblockhash"] for n in status["nodes"]]


def post_faucet(port, body, path="/faucet", method="POST"):
    """(HTTP status, decoded JSON answer) of the devnet's HTTP faucet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request(method, path, data if method == "POST" else None, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def mempool(net, node=0):
    return set(json.loads(net.out("cli", "--node", str(node), "getrawmempool")))


def main():
    bin_dir = minicash_test.bin_dir()
    tmp_dir = minicash_test.TempDir("devnet-test")
    tmp = tmp_dir.path
    d = os.path.join(tmp, "net")
    net = Devnet(bin_dir, d)
    try:
        print("up --nodes 3")
        t0 = time.monotonic()
        up = net.out("up", "--nodes", "3")
        print(f"  (up took {time.monotonic() - t0:.2f} s)")
        st = net.state()
        check(len(st["nodes"]) == 3, "three nodes recorded")
        check(all(pid_alive(n["pid"]) for n in st["nodes"]), "every recorded node process runs")
        ports = [p for n in st["nodes"] for p in (n["p2p_port"], n["rpc_port"])]
        check(len(set(ports)) == 6, "six distinct ports")
        for n in st["nodes"]:
            check(f"127.0.0.1:{n['p2p_port']}" in up and f"RPC 127.0.0.1:{n['rpc_port']}" in up
                  and n["cookie"] in up and f"-rpcport={n['rpc_port']}" in up,
                  f"up prints node {n['index']}'s ports, cookie and a minicash-cli line")
        n0 = st["nodes"][0]
        check(f"Electrum 127.0.0.1:{n0['electrum_port']}" in up and f"127.0.0.1:{n0['rpc_port']}/api/" in up
              and f"127.0.0.1:{n0['rpc_port']}/explorer/" in up, "up prints node 0's Electrum, Esplora and explorer")
        conn = http.client.HTTPConnection("127.0.0.1", n0["rpc_port"], timeout=30)
        conn.request("GET", "/api/blocks/tip/height")
        check(conn.getresponse().read().decode() == "101", "node 0's Esplora API answers the tip height")
        conn.close()
        with socket.create_connection(("127.0.0.1", n0["electrum_port"]), timeout=30) as es:
            es.sendall(b'{"id": 1, "method": "blockchain.headers.subscribe", "params": []}\n')
            line = es.makefile("rb").readline()
        check(json.loads(line)["result"]["height"] == 101, "node 0's Electrum server answers headers.subscribe")
        s = net.json("status", "--json")
        check([n["height"] for n in s["nodes"]] == [101] * 3, "101 blocks on every node")
        check(len(set(tips(s))) == 1, "one tip everywhere")
        check([n["peers"] for n in s["nodes"]] == [2, 2, 2], "every node has the other two as peers")
        check(s["faucet"]["confirmed"] >= 50, "the faucet has at least 50 BTC spendable")
        cli = [os.path.join(bin_dir, "minicash-cli"), "-regtest", f"-datadir={st['nodes'][1]['datadir']}",
               f"-rpcport={st['nodes'][1]['rpc_port']}", "getblockcount"]
        check(minicash_test.run(cli).stdout.strip() == "101",
              "the printed minicash-cli line works")

        print("up again")
        again = net.run("up", ok=False)
        check(again.returncode == 1 and "already up" in again.stderr, "a second up refuses and says so")

        print("fund")
        net.out("wallet", "dave", "-json", "create")
        addr = net.json("wallet", "dave", "-json", "getnewaddress")["address"]
        txid = net.out("fund", addr, "1.25")
        check(len(txid) == 64 and all(c in "0123456789abcdef" for c in txid), "fund prints a txid")
        s = net.status()
        check([n["height"] for n in s["nodes"]] == [102] * 3 and len(set(tips(s))) == 1,
              "fund mined one block, on every node")
        block = net.out("cli", "--node", "2", "getblock", s["nodes"][2]["bestblockhash"])
        check(txid in json.loads(block)["tx"], "node 2 has the payment in its tip")
        check(net.json("wallet", "dave", "-json", "balance")["confirmed"] == 1.25, "dave has 1.25 BTC confirmed")
        bad = net.run("fund", "notanaddress", "1", ok=False)
        check(bad.returncode == 1 and "error" in bad.stderr, "fund to a bad address fails with an error")

        print("a payment sent to node 0, mined on node 2")
        net.out("wallet", "erin", "-json", "create")
        erin = net.json("wallet", "erin", "-json", "getnewaddress")["address"]
        net.out("wallet", "dave", "send", erin, "0.25", "-feerate=2")
        net.out("mine", "1", "--node", "2")
        check(net.json("wallet", "erin", "-json", "balance")["confirmed"] == 0.25,
              "mine waited for the transaction to reach node 2 and confirmed it")
        check([n["mempool"] for n in net.status()["nodes"]] == [0, 0, 0], "every mempool is empty again")

        print("mine")
        net.out("mine", "3", "--node", "1")
        s = net.status()
        check([n["height"] for n in s["nodes"]] == [106] * 3 and len(set(tips(s))) == 1,
              "3 blocks mined on node 1 reach every node")

        print("partition")
        net.out("partition")
        s = net.status()
        check(s["partitioned"], "status says partitioned")
        check([n["peers"] for n in s["nodes"]] == [1, 1, 0], "nodes 0,1 see each other only; node 2 is alone")
        net.out("mine", "2", "--node", "0")
        net.out("mine", "4", "--node", "2")
        s = net.status()
        check([n["height"] for n in s["nodes"]] == [108, 108, 110], "each half mined its own branch")
        t = tips(s)
        check(t[0] == t[1] and t[0] != t[2], "two different tips")
        short_tip = t[0]
        long_tip = t[2]

        print("heal")
        net.out("heal")
        s = net.status()
        check(tips(s) == [long_tip] * 3, "every node is on the most-work tip (node 2's branch)")
        check([n["peers"] for n in s["nodes"]] == [2, 2, 2], "the full mesh is back")
        chaintips = json.loads(net.out("cli", "--node", "0", "getchaintips"))
        check(any(c["hash"] == short_tip and c["status"] == "valid-fork" for c in chaintips),
              "node 0 keeps its abandoned branch as a valid fork")

        print("heal with equal work")
        net.out("partition")
        net.out("mine", "1", "--node", "0")
        net.out("mine", "1", "--node", "2")
        s = net.status()
        check(len(set(tips(s))) == 2, "equal-height branches differ (per-node coinbase addresses)")
        healed = net.out("heal")
        s = net.status()
        check(len(set(tips(s))) == 1 and s["nodes"][0]["height"] == 112, "heal broke the tie with one block")
        check("tie" in healed, "heal says it broke a tie")

        print("faucet: pays, mines nothing")
        height = net.status()["nodes"][0]["height"]
        dave = net.json("wallet", "dave", "-json", "getnewaddress")["address"]
        paid = net.out("faucet", dave, "0.5")
        check(paid in mempool(net), "the payment is in node 0's mempool")
        check(net.status()["nodes"][0]["height"] == height, "no block was mined")
        bad = net.run("faucet", dave, "51", ok=False)
        check(bad.returncode == 1 and "limit of 50 BTC" in bad.stderr, "faucet refuses more than 50 BTC")

        print("HTTP faucet")
        port = net.state()["faucet_http"]["port"]
        check(f"http://127.0.0.1:{port}/faucet" in up, "up printed the HTTP faucet's URL")
        code, answer = post_faucet(port, {"address": dave, "amount": 0.25})
        check(code == 200 and answer.get("txid") in mempool(net), "POST /faucet pays and answers the txid")
        http_paid = answer.get("txid")
        for body, what in ((b"{nope", "a body that is not JSON"), ({"address": dave}, "no amount"),
                           ({"address": "bcrt1qnotanaddress", "amount": 1}, "a bad address"),
                           ({"address": dave, "amount": 1000}, "an amount over the limit"),
                           ({"address": dave, "amount": -1}, "a negative amount"),
                           ({"address": dave, "amount": "0.000000001"}, "9 decimals"),
                           ({"address": dave, "amount": True}, "a boolean amount"),
                           ([dave, 1], "a JSON array")):
            code, answer = post_faucet(port, body)
            check(code == 400 and answer.get("error"), f"{what} gets 400 with a message ({answer.get('error')})")
        code, _ = post_faucet(port, b"x" * 10000)
        check(code == 413, "a body over 4 kB gets 413")
        code, _ = post_faucet(port, None, method="GET")
        check(code == 405, "GET /faucet gets 405")
        code, _ = post_faucet(port, {"address": dave, "amount": 1}, path="/other")
        check(code == 404, "another path gets 404")

        print("reorg")
        net.out("mine", "1")
        old_tip = net.status()["nodes"][0]["bestblockhash"]
        r = json.loads(net.out("reorg", "1", "--json"))
        check(r["replaced"] == [old_tip] and len(r["mined"]) == 2 and r["height"] == height + 2,
              "reorg 1 replaced the tip by a branch of two blocks")
        fallen = {e["txid"]: e for e in r["fallen"]}
        check(paid in fallen and http_paid in fallen, "reorg reports the faucet payments as fallen out")
        check(all(e["in_mempool"] for e in fallen.values()) and {paid, http_paid} <= mempool(net, 2),
              "they are back in the mempools")
        s = net.status()
        check(tips(s) == [r["new_tip"]] * 3, "every node is on the new branch")
        chaintips = json.loads(net.out("cli", "--node", "1", "getchaintips"))
        check(any(c["hash"] == old_tip and c["status"] == "valid-fork" for c in chaintips),
              "the old tip is a valid fork (reconsidered) on node 1")

        print("time")
        net.out("time", "+1h")
        check(net.state()["time_offset"] == 3600, "time +1h")
        net.out("time", "reset")
        check(net.state()["time_offset"] == 0, "time reset (nothing was mined meanwhile)")
        net.out("time", "+2d")
        check(net.state()["time_offset"] == 2 * 86400, "the offset is kept in devnet.json")
        net.out("mine", "6")
        info = json.loads(net.out("cli", "--node", "2", "getblockchaininfo"))
        check(info["mediantime"] >= time.time() + 2 * 86400 - 600, "mediantime moved two days ahead")
        bad = net.run("time", "+5x", ok=False)
        check(bad.returncode == 1 and "bad duration" in bad.stderr, "time refuses a bad duration")

        print("snapshot and restore")
        snap_height = net.status()["nodes"][0]["height"]
        net.out("snapshot", "s1")
        s = net.status()
        check([n["height"] for n in s["nodes"]] == [snap_height] * 3 and all(n["running"] for n in s["nodes"]),
              "snapshot restarted the nodes at the same height")
        net.out("mine", "3")
        restored = net.out("restore", "s1")
        s = net.status()
        check([n["height"] for n in s["nodes"]] == [snap_height] * 3 and len(set(tips(s))) == 1,
              "restore brought every node back to the snapshot's height")
        check([n["peers"] for n in s["nodes"]] == [2, 2, 2], "and reconnected them")
        check(f"height {snap_height}" in restored and net.state()["time_offset"] == 2 * 86400,
              "restore says the height; the clock offset came back too")
        check(net.run("restore", "nope", ok=False).returncode == 1, "restore of an unknown snapshot fails")

        print("down")
        pids = [n["pid"] for n in net.state()["nodes"]]
        net.out("down")
        check(not any(pid_alive(p) for p in pids), "every node process has exited")
        check(processes_under(d) == [], "no process left running from the devnet directory")
        check(net.status()["nodes"][0]["running"] is False, "status says stopped")

        print("up again after down (same chains), with a background miner")
        no_core = dict(os.environ, PATH="/usr/bin:/bin" if not shutil.which("bitcoind", path="/usr/bin:/bin") else "")
        again = net.out("up", "--block-time", "0.2", "--with-bitcoind", "1", env=no_core)
        check("bitcoind is not on PATH; skipped" in again, "--with-bitcoind without bitcoind says it is skipped")
        st = net.state()
        miner = st["miner"]["pid"]
        check(pid_alive(miner), "the miner runs")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and net.status()["nodes"][0]["height"] < 115:
            time.sleep(0.1)
        check(net.status()["nodes"][0]["height"] >= 115, "the miner mines blocks by itself")
        check(net.json("wallet", "erin", "-json", "balance")["confirmed"] == 0.25, "erin's coins survived the restart")
        tip = json.loads(net.out("cli", "getblock", net.status()["nodes"][0]["bestblockhash"]))
        check(tip["time"] >= time.time() + 2 * 86400 - 600, "the clocks are still two days ahead after the restart")
        bad = net.run("time", "reset", ok=False)
        check(bad.returncode == 1 and "time-too-new" in bad.stderr,
              "time reset refuses to go back behind blocks mined ahead, and says why")

        print("automine")
        net.out("automine", "off")
        check(not pid_alive(miner) and net.state()["miner"] is None, "automine off stopped the miner")
        net.out("automine", "0.2")
        miner = net.state()["miner"]["pid"]
        start = net.status()["nodes"][0]["height"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and net.status()["nodes"][0]["height"] < start + 2:
            time.sleep(0.1)
        check(pid_alive(miner) and net.status()["nodes"][0]["height"] >= start + 2, "automine 0.2 mines blocks")
        web = net.state()["faucet_http"]["pid"]
        pids = [n["pid"] for n in st["nodes"]] + [miner, web]

        print("reset")
        net.out("reset")
        check(not any(pid_alive(p) for p in pids), "reset stopped the nodes, the miner and the HTTP faucet")
        check(not os.path.exists(d), "reset wiped the directory")
        check(processes_under(d) == [], "nothing left running")

        print("up --with-bitcoind, with a stand-in for bitcoind on PATH")
        shim_dir = os.path.join(tmp, "core-bin")
        os.makedirs(shim_dir)
        shim = os.path.join(shim_dir, "bitcoind")
        with open(shim, "w") as f:  # minicashd, without the two options of Core it does not take
            f.write('#!/bin/sh\nfor a in "$@"; do shift; case "$a" in -server=*|-fallbackfee=*) ;; '
                    f'*) set -- "$@" "$a" ;; esac; done\nexec {os.path.join(bin_dir, "minicashd")} "$@"\n')
        os.chmod(shim, 0o755)
        with_core = dict(os.environ, PATH=shim_dir + os.pathsep + os.environ.get("PATH", ""))
        up = net.out("up", "--nodes", "2", "--with-bitcoind", "1", env=with_core)
        check("bitcoind0 (Bitcoin Core): P2P 127.0.0.1:" in up, "up starts the Bitcoin Core node and prints it")
        s = net.status()
        check(s["bitcoind"][0]["running"] and [n["peers"] for n in s["nodes"]] == [2, 1],
              "it runs, connected to node 0")
        core = net.state()["bitcoind"][0]
        net.out("down")
        check(not pid_alive(core["pid"]), "down stops it")
        net.out("reset")

        print("errors")
        empty = os.path.join(tmp, "empty-bin")
        os.makedirs(empty)
        lone = os.path.join(empty, "minicash-devnet")
        shutil.copy(net.exe, lone)
        p = minicash_test.run([sys.executable, lone, "up", "--dir", d], env=dict(os.environ, PATH="/usr/bin:/bin"))
        check(p.returncode == 1 and "minicashd not found" in p.stderr and "build" in p.stderr,
              "a missing binary is reported with how to build it")
        p = net.run("status", ok=False)
        check(p.returncode == 1 and "no devnet" in p.stderr, "status without a devnet says so")
    except AssertionError as e:
        CHECKS.fail(str(e))
    finally:
        kill_everything(d)
        left = processes_under(d)
        tmp_dir.cleanup()
    if left:
        CHECKS.fail(f"processes still running after the guard: {left}")
    return CHECKS.exit_code("devnet_test")


if __name__ == "__main__":
    sys.exit(main())
