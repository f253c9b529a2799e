#!/usr/bin/python3
"""Pruning through real minicashd processes (issue 15 item 1; doc/node.md "Running a pruned node").

  automatic   -fastprune (64 KiB block files) with -test=prunetarget (a regtest-only target
              below Core's 550 MiB minimum): a long regtest chain, synced from a second
              (unpruned) node, loses its oldest blk/rev pairs and stays near the target;
              getblockchaininfo reports it; getblock on a pruned block answers Core's error;
              the node keeps following the other node and serves it its recent blocks;
              it announces NODE_NETWORK_LIMITED without NODE_NETWORK; a restart works.
  options     Core's messages: -prune below 550, -prune with -txindex, an unpruned start on
              pruned data, -blocksdir that does not exist; -blocksdir puts the files there.
  manual      -prune=1 with pruneblockchain: result and Core's errors; -reindex on pruned data.
  kill loop   SIGKILL while blocks are mined and files pruned: every restart finds a
              consistent node (every block above the prune height readable).
"""

import os
import random
import subprocess
import sys
import threading
import time

import minicash_test as mt

ADDR = "2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc"  # P2SH(OP_TRUE), the harness's mining address
TARGET = 256 << 10
PRUNE_ARGS = ["-fastprune", "-prune=550", f"-test=prunetarget={TARGET}"]
checks = mt.Checks()


def usage(netdir_blocks):
    total = 0
    for name in os.listdir(netdir_blocks):
        if name.startswith(("blk", "rev")) and name.endswith(".dat"):
            total += os.path.getsize(os.path.join(netdir_blocks, name))
    return total


def rpc_error(node, method, *params):
    try:
        node.rpc(method, *params)
    except mt.RpcError as e:
        return (e.code, e.message)
    return None


def mine(node, n):
    while n > 0:
        step = min(n, 100)
        node.mine(step, ADDR)
        n -= step


def all_stored_above(node, height):
    """Every active-chain block above `height` is readable (sampled densely near the tip)."""
    tip = node.rpc("getblockcount")
    for h in range(height + 1, tip + 1):
        node.rpc("getblock", node.rpc("getblockhash", h), 0)
    return True


def refused(args, message, what):
    with mt.TempDir("prune-bad") as tmp:
        p = mt.run([mt.program("minicashd"), "-regtest", f"-datadir={tmp.path}", "-listen=0", "-connect=0"] + args,
                   timeout=60)
        out = p.stdout + p.stderr
        checks.check(p.returncode != 0 and message in out, f"{what} refused: {message!r} (got {out.strip()!r})")


def automatic():
    with mt.TestNode("full", p2p=True) as full, mt.TestNode("pruned", p2p=True,
                                                                     args=PRUNE_ARGS + ["-blockfilterindex"]) as pruned:
        full.start()
        mine(full, 1200)
        pruned.start()
        mt.connect_nodes(pruned, full)
        mt.wait_synced([full, pruned], 1200, timeout=300)
        blocks_dir = os.path.join(pruned.netdir, "blocks")
        info = pruned.rpc("getblockchaininfo")
        checks.check(info["pruned"] is True and info["automatic_pruning"] is True
                     and info["prune_target_size"] == TARGET, f"getblockchaininfo prune fields: {info}")
        checks.check(info["pruneheight"] > 0, f"pruneheight {info['pruneheight']} > 0")
        checks.check(info["pruneheight"] <= 1200 - 288, "the last 288 blocks are kept")
        checks.check(not os.path.exists(os.path.join(blocks_dir, "blk00000.dat"))
                     and not os.path.exists(os.path.join(blocks_dir, "rev00000.dat")), "blk/rev 00000 deleted")
        size = usage(blocks_dir)
        checks.check(info["size_on_disk"] == size, f"size_on_disk {info['size_on_disk']} == files {size}")
        full_size = usage(os.path.join(full.netdir, "blocks"))
        print(f"info  1200 blocks: unpruned {full_size} bytes, pruned {size} bytes (target {TARGET}, "
              f"pruneheight {info['pruneheight']})")
        # The last 288 blocks (about 430 bytes each with undo data) and the open file bound it.
        checks.check(size <= max(TARGET, 288 * 600) + 2 * (64 << 10), f"disk {size} stays near the target")
        old = pruned.rpc("getblockhash", 1)
        checks.check(rpc_error(pruned, "getblock", old) == (-1, "Block not available (pruned data)"),
                     "getblock on a pruned block: Core's error")
        checks.check(rpc_error(pruned, "getblockstats", 1) == (-1, "Block not available (pruned data)"),
                     "getblockstats on a pruned block: Core's error")
        all_stored_above(pruned, info["pruneheight"] - 1)
        checks.check(True, "every block from pruneheight on is readable")
        services = pruned.rpc("getnetworkinfo")["localservicesnames"]
        checks.check("NETWORK_LIMITED" in services and "NETWORK" not in services,
                     f"pruned node signals NETWORK_LIMITED only: {services}")
        peer = [p for p in full.rpc("getpeerinfo")]
        checks.check(any("NETWORK" not in p["servicesnames"] and "NETWORK_LIMITED" in p["servicesnames"]
                         for p in peer), "the other node sees NETWORK_LIMITED")

        # It keeps following, and serves its recent blocks.
        mine(full, 300)
        mt.wait_synced([full, pruned], 1500)
        checks.check(True, "the pruned node follows the other node's 300 new blocks")
        checks.check(pruned.rpc("getblockchaininfo")["pruneheight"] > info["pruneheight"], "pruning went on")
        checks.check(mt.wait_until(lambda: pruned.rpc("getindexinfo")["basic block filter index"]["synced"], 30)
                     and pruned.rpc("getblockfilter", pruned.rpc("getbestblockhash"))["filter"],
                     "-blockfilterindex works on the pruned node")
        full.rpc("disconnectnode", "", [p["id"] for p in full.rpc("getpeerinfo")][0])
        mt.wait_until(lambda: full.rpc("getconnectioncount") == 0 and pruned.rpc("getconnectioncount") == 0, 30)
        pruned.mine(5, ADDR)
        mt.connect_nodes(full, pruned)
        checks.check(mt.wait_until(lambda: full.rpc("getblockcount") == 1505, 60),
                     "the unpruned node downloads the pruned node's 5 new blocks from it")

        # Restart: the same state; without -prune: refused with Core's message.
        height = pruned.rpc("getblockchaininfo")["pruneheight"]
        pruned.stop()
        pruned.start()
        checks.check(pruned.rpc("getblockchaininfo")["pruneheight"] == height and pruned.rpc("getblockcount") == 1505,
                     "restart keeps the pruned state")
        pruned.mine(2, ADDR)
        checks.check(pruned.rpc("getblockcount") == 1507, "after the restart new blocks extend the chain")
        pruned.stop()
        pruned.args = ["-blockfilterindex"]
        try:
            pruned.start(timeout=30)
            checks.fail("an unpruned start on pruned data was accepted")
        except RuntimeError as e:
            checks.check("You need to rebuild the database using -reindex to go back to unpruned mode" in str(e),
                         "an unpruned start on pruned data is refused, naming -reindex")


def options():
    refused(["-prune=549"], "Prune configured below the minimum of 550 MiB.  Please use a higher number.", "-prune=549")
    refused(["-prune=-1"], "Prune cannot be configured with a negative value.", "-prune=-1")
    refused(["-prune=550", "-txindex"], "Prune mode is incompatible with -txindex.", "-prune with -txindex")
    refused(["-prune=1", "-reindex-chainstate"], "Prune mode is incompatible with -reindex-chainstate.",
            "-prune with -reindex-chainstate")
    refused(["-blocksdir=/nonexistent/minicash"], 'Specified blocks directory "/nonexistent/minicash" does not exist.',
            "-blocksdir that does not exist")
    with mt.TempDir("prune-blocksdir") as elsewhere:
        with mt.TestNode("blocksdir", args=[f"-blocksdir={elsewhere.path}"]) as node:
            node.start()
            mine(node, 10)
            node.stop()
            moved = os.path.join(elsewhere.path, "regtest", "blocks")
            checks.check(os.path.exists(os.path.join(moved, "blk00000.dat"))
                         and not os.path.exists(os.path.join(node.netdir, "blocks", "blk00000.dat"))
                         and os.path.isdir(os.path.join(node.netdir, "blocks", "index")),
                         "-blocksdir: blk/rev files under <blocksdir>/regtest/blocks, the index in the datadir")
            node.start()
            checks.check(node.rpc("getblockcount") == 10 and node.rpc("getblock", node.rpc("getblockhash", 5)),
                         "-blocksdir: restart reads the blocks there")


def manual():
    with mt.TestNode("manual", args=["-fastprune", "-prune=1"]) as node, mt.TestNode("plain") as plain:
        plain.start()
        checks.check(rpc_error(plain, "pruneblockchain", 10) ==
                     (-1, "Cannot prune blocks because node is not in prune mode."), "not in prune mode")
        node.start()
        mine(node, 50)
        checks.check(rpc_error(node, "pruneblockchain", 10) == (-1, "Blockchain is too short for pruning."),
                     "too short (below -fastprune's 100)")
        mine(node, 650)
        info = node.rpc("getblockchaininfo")
        checks.check(info["pruned"] and not info["automatic_pruning"] and "prune_target_size" not in info
                     and info["pruneheight"] == 0, f"-prune=1: manual, nothing pruned yet: {info}")
        checks.check(rpc_error(node, "pruneblockchain", -1) == (-8, "Negative block height."), "negative height")
        checks.check(rpc_error(node, "pruneblockchain", 701) ==
                     (-8, "Blockchain is shorter than the attempted prune height."), "height above the tip")
        checks.check(rpc_error(node, "pruneblockchain", 4000000000) ==
                     (-8, "Could not find block with at least the specified timestamp."), "timestamp in the future")
        result = node.rpc("pruneblockchain", 300)
        info = node.rpc("getblockchaininfo")
        checks.check(0 < result <= 300 and info["pruneheight"] == result + 1,
                     f"pruneblockchain 300 -> {result}, pruneheight {info['pruneheight']}")
        all_stored_above(node, result)
        result2 = node.rpc("pruneblockchain", 700)
        checks.check(result <= result2 <= 700 - 288, f"pruneblockchain near the tip keeps 288 blocks ({result2})")
        t = node.rpc("getblockheader", node.rpc("getblockhash", 350))["time"]
        checks.check(node.rpc("pruneblockchain", t) >= result2, "pruneblockchain with a timestamp")
        # -reindex on pruned data (Core): the files after the gap go, the chain starts over
        # (peers would give the blocks back); an unpruned start is accepted afterwards.
        node.stop()
        node.start(extra=["-reindex"])
        blocks = sorted(f for f in os.listdir(os.path.join(node.netdir, "blocks")) if f.endswith(".dat"))
        checks.check(mt.wait_until(lambda: node.rpc("getblockcount") == 0, 30) and blocks == ["blk00000.dat"],
                     f"-reindex on pruned data starts over from the genesis block ({blocks})")
        node.stop()
        node.args = []
        node.start()
        checks.check(node.rpc("getblockchaininfo")["pruned"] is False, "after -reindex an unpruned start is accepted")


def kill_loop(rounds=6):
    rng = random.Random(15)
    with mt.TestNode("killed", args=PRUNE_ARGS) as node:
        node.start()
        mine(node, 400)
        for i in range(rounds):
            errors = []

            def miner():
                try:
                    node.mine(200, ADDR)
                except Exception as e:  # the kill cuts the call short
                    errors.append(e)

            t = threading.Thread(target=miner)
            t.start()
            time.sleep(rng.uniform(0.05, 0.6))
            node.kill()
            t.join()
            node.start()
            before = node.rpc("getblockcount")
            node.mine(1, ADDR)
            checks.check(node.rpc("getblockcount") == before + 1, f"kill {i + 1}: the restarted node mines on its tip")
            info = node.rpc("getblockchaininfo")
            all_stored_above(node, info["pruneheight"] - 1)
            checks.check(info["blocks"] - info["pruneheight"] >= 288 or info["pruneheight"] == 0,
                         f"kill {i + 1}: restart at height {info['blocks']}, pruneheight {info['pruneheight']}, "
                         "every block above it readable")
        size = usage(os.path.join(node.netdir, "blocks"))
        checks.check(size <= max(TARGET, 288 * 600) + 3 * (64 << 10), f"after the kills the disk ({size}) stays near the target")


def main():
    parts = sys.argv[1:] or ["options", "manual", "automatic", "killloop"]
    for p in parts:
        {"automatic": automatic, "options": options, "manual": manual, "killloop": kill_loop}[p]()
    return checks.exit_code("prune_test")


if __name__ == "__main__":
    sys.exit(main())
