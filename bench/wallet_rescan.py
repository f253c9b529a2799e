#!/usr/bin/python3
"""Wallet rescan benchmark: a wallet restored with birthday 0 syncs a gen_chain regtest
chain (BLOCKS blocks, ~INPUTS_PER_BLOCK inputs each, loaded into minicashd
-blockfilterindex with -loadblock) plus 10 blocks mined to the wallet, once through
BIP158 filters (getblockfilter, downloading only matching blocks) and once with
-scan=full (getblock for every block). Prints both times and their ratio.

    bash bench/wallet_rescan.sh      (or /usr/bin/python3 bench/wallet_rescan.py)

Environment: BUILD_DIR (default build; built if a binary is missing), BLOCKS (2000),
INPUTS_PER_BLOCK (100), CHAIN_FILE (reuse a chain made by gen_chain), KEEP=1 keeps
the work directories. Not part of ctest. The node is the test harness's
(test/functional/minicash_test.py): a free port, a temporary data directory, always stopped.
"""
import json
import os
import sys
import time

from bench_env import BenchEnv, die

import minicash_test

WORDS = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"


def main():
    env = BenchEnv("wallet_rescan", ["minicashd", "minicash-cli", "minicash-wallet"], ["gen_chain"])
    target = int(os.environ.get("BLOCKS", "2000"))
    with minicash_test.TempDir("rescan") as work:
        chain, summary = env.chain(work.path)
        if summary:
            print(summary)
        with minicash_test.TestNode("rescan", args=["-blockfilterindex=1", f"-loadblock={chain}"]) as node:
            node.start(timeout=120)
            print("wallet_rescan: importing...", flush=True)

            def imported():
                index = node.rpc("getindexinfo").get("basic block filter index", {})
                return node.rpc("getblockcount") >= target and index.get("best_block_height", 0) >= target
            if not minicash_test.wait_until(imported, 3600, 1):
                die("wallet_rescan", f"import stopped at height {node.rpc('getblockcount')}")

            pass_file, words_file = os.path.join(work.path, "pass"), os.path.join(work.path, "words")
            with open(pass_file, "w") as f:
                f.write("benchmark passphrase\n")
            with open(words_file, "w") as f:
                f.write(WORDS + "\n")

            def wallet(name, *args):
                p = minicash_test.run([minicash_test.program("minicash-wallet"), *node.client_args(),
                                       f"-passphrasefile={pass_file}", f"-wallet={os.path.join(work.path, name)}",
                                       *args], timeout=3600)
                if p.returncode != 0:
                    die("wallet_rescan", f"minicash-wallet {' '.join(args)} failed:\n{p.stderr}")
                return p.stdout

            for name in ("filters.wallet", "full.wallet"):
                wallet(name, "restore", f"-mnemonicfile={words_file}", "-birthday=0")
            address = wallet("filters.wallet", "-nosync", "getnewaddress").strip()
            node.mine(10, address)
            tip = node.rpc("getblockcount")

            t0 = time.monotonic()
            filters = json.loads(wallet("filters.wallet", "-json", "sync"))
            t1 = time.monotonic()
            wallet("full.wallet", "-json", "sync", "-scan=full")
            t2 = time.monotonic()
            b1 = json.loads(wallet("filters.wallet", "-nosync", "-json", "balance"))
            b2 = json.loads(wallet("full.wallet", "-nosync", "-json", "balance"))
            if b1 != b2:
                die("wallet_rescan", f"balances differ: filters {b1}, full {b2}")
            if filters.get("scan") != "filters":
                die("wallet_rescan", "the filter sync did not use filters")

    n, tf, tb = tip + 1, t1 - t0, t2 - t1
    print(f"rescan of {n} blocks (birthday 0):")
    print(f"  filters  {tf:7.2f} s  {n / tf:8.0f} blocks/s  ({filters['blocks_fetched']} blocks downloaded)")
    print(f"  full     {tb:7.2f} s  {n / tb:8.0f} blocks/s  ({n} blocks downloaded)")
    print(f"  full / filters time ratio: {tb / tf:.1f}")
    print(f"balance (both): {json.dumps(b1, separators=(',', ':'))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
