#!/usr/bin/python3
"""Address index build benchmark: how fast -addressindex catches up over a chain that is
already stored, compared with importing that chain, and how much disk it takes per block.

    /usr/bin/python3 bench/address_index_build.py

1. minicashd imports the bench chain (gen_chain: BLOCKS blocks, ~INPUTS_PER_BLOCK signed
   inputs each) with -loadblock and no index: the import time is the yardstick.
2. The same node restarts with -addressindex: the index builds in the background from the
   stored blocks and their undo data until getindexinfo says it is synced.
Prints both times, blocks/s and transactions/s of the index build, the ratio index build /
import, and the index's size on disk per block and per transaction (indexes/addressindex
after a clean stop, which compacts nothing: LevelDB's files as they are).

Environment: BUILD_DIR (default build; built if a binary is missing), BLOCKS (2000),
INPUTS_PER_BLOCK (100), CHAIN_FILE (reuse a chain made by gen_chain), KEEP=1 keeps the work
directories. Not part of ctest; nothing asserts on the figures.
"""
import os
import sys
import time

from bench_env import BenchEnv, die

import minicash_test


def dir_size(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    env = BenchEnv("address_index_build", ["minicashd"], ["gen_chain"])
    with minicash_test.TempDir("addrindex") as work:
        chain, summary = env.chain(work.path)
        if summary:
            print(summary)
        with minicash_test.TestNode("addrindex", args=["-dbcache=300"]) as node:
            t0 = time.monotonic()
            node.start(extra=[f"-loadblock={chain}"], timeout=120)
            # The chain's length: the import ends when the tip stops moving and the
            # -loadblock thread is done (getblockcount stays put for a second).
            last, still = -1, 0
            while still < 4:
                time.sleep(0.25)
                height = node.rpc("getblockcount")
                still = still + 1 if height == last else 0
                last = height
            import_seconds = time.monotonic() - t0 - 1.0
            tip = last
            txs = sum(len(node.rpc("getblock", node.rpc("getblockhash", h), 1)["tx"]) for h in range(tip + 1))
            node.stop()

            t1 = time.monotonic()
            node.start(extra=["-addressindex=1"], timeout=120)

            def synced():
                info = node.rpc("getindexinfo").get("addressindex", {})
                return info.get("synced") and info.get("best_block_height", -1) >= tip
            if not minicash_test.wait_until(synced, 3600, 0.1):
                die("address_index_build", "the address index did not catch up")
            index_seconds = time.monotonic() - t1
            node.stop()
            size = dir_size(os.path.join(node.netdir, "indexes", "addressindex"))

    blocks = tip + 1
    print(f"chain: {blocks} blocks, {txs} transactions")
    print(f"  import (no index)      {import_seconds:7.2f} s")
    print(f"  address index build    {index_seconds:7.2f} s  {blocks / index_seconds:8.0f} blocks/s"
          f"  {txs / index_seconds:8.0f} tx/s   (includes a node start)")
    print(f"  index build / import   {index_seconds / import_seconds:7.2f}")
    print(f"  index on disk          {size / 1e6:7.1f} MB  {size / blocks:8.0f} bytes/block"
          f"  {size / txs:6.0f} bytes/tx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
