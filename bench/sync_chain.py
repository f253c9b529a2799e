#!/usr/bin/python3
"""Initial sync benchmark: one minicashd that has the bench chain (bench/gen_chain) serves
it over P2P on 127.0.0.1 to a second, empty minicashd (-connect to the first). Reports
the second node's blocks/s and total time, and the time to import the same blocks from
the file with -loadblock on the same settings; sync / import is the overhead of getting
the blocks over the network (headers first, parallel download window, validation).

    bash bench/sync_chain.sh      (or /usr/bin/python3 bench/sync_chain.py)

Environment: BUILD_DIR (default build), BLOCKS (2000), INPUTS_PER_BLOCK (100),
THREADS (-par; default all cores), DBCACHE (450), CHAIN_FILE (a chain made earlier by
gen_chain, with CHAIN_FILE.info), KEEP=1 keeps the work directories. Not part of ctest.
The nodes are the test harness's (test/functional/minicash_test.py): free ports,
temporary data directories, always stopped.
"""
import os
import re
import sys
import time

from bench_env import BenchEnv, die

import minicash_test


def main():
    env = BenchEnv("sync_chain", ["minicashd", "minicash-cli"], ["gen_chain"])
    threads = os.environ.get("THREADS") or str(os.cpu_count())
    dbcache = os.environ.get("DBCACHE", "450")
    with minicash_test.TempDir("sync") as work:
        chain, summary = env.chain(work.path)
        n_blocks = int(re.search(r"\bblocks=(\d+)", summary).group(1))
        n_inputs = int(re.search(r"\binputs=(\d+)", summary).group(1))
        print(f"chain: {summary}")
        print(f"settings: -par={threads} -dbcache={dbcache}")

        # 1. Import from the file: the reference, and the serving node's data.
        # -connect implies -listen=0: the server says -listen=1, the empty node only connects.
        source = minicash_test.TestNode("sync-source", p2p=True,
                                        args=[f"-dbcache={dbcache}", "-connect=0", "-listen=1"])
        dest = minicash_test.TestNode("sync-dest", p2p=True,
                                      args=[f"-dbcache={dbcache}", f"-par={threads}", "-listen=0"])
        with source, dest:
            p = minicash_test.run([minicash_test.program("minicashd"), "-regtest", f"-datadir={source.dir}", "-server=0",
                                   "-listen=0", f"-loadblock={chain}", "-exitafterimport", f"-dbcache={dbcache}",
                                   f"-par={threads}"], timeout=3600)
            if p.returncode != 0:
                die("sync_chain", f"import failed:\n{source.log_tail()}")
            found = re.findall(r"imported .* in ([0-9.]+) s ", source.log())
            if not found:
                die("sync_chain", f"no import time in {source.netdir}/debug.log")
            import_secs = float(found[-1])

            # 2. Serve it; sync an empty node from it (timed from the second node's start-up).
            source.start()
            t0 = time.monotonic()
            dest.start([f"-connect={source.p2p_addr()}"])
            if not minicash_test.wait_until(lambda: dest.rpc("getblockcount") == n_blocks, 3600):
                die("sync_chain", f"sync stalled at height {dest.rpc('getblockcount')}\n{dest.log_tail()}")
            t1 = time.monotonic()
            if dest.rpc("getbestblockhash") != source.rpc("getbestblockhash"):
                die("sync_chain", "the synced node ended on a different tip")
            dest.stop()
            source.stop()

    s = t1 - t0
    i = import_secs
    print(f"import from file (-loadblock): {i:7.2f} s  {n_blocks / i:8.1f} blocks/s {n_inputs / i:9.0f} inputs/s")
    print(f"sync over P2P (127.0.0.1):     {s:7.2f} s  {n_blocks / s:8.1f} blocks/s {n_inputs / s:9.0f} inputs/s"
          "   (from start-up to tip)")
    print(f"sync / import: {s / i:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
