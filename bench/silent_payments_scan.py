#!/usr/bin/python3
"""Silent-payment scan rate: how fast minicash-wallet finds BIP352 payments in a chain
full of eligible transactions, (a) from full blocks with their prevouts (getblock
verbosity 3, what any Core-compatible node serves) and (b) from minicashd's
-silentpaymentindex (getsilentpaymentblockdata). Prints blocks/s and transactions/s for
both and the speed-up (b)/(a).

    bash bench/silent_payments_scan.sh      (or /usr/bin/python3 bench/silent_payments_scan.py)

The chain is gen_chain's (BLOCKS blocks, from block 101 on ~INPUTS_PER_BLOCK inputs per
block in 2-in/2-out P2WPKH and P2TR key-path spends, every one eligible), loaded into a
node with -blockfilterindex and -silentpaymentindex; a wallet then pays one
silent-payment address, and two wallets restored from the same words with
-silentpayments and birthday 0 sync the whole chain, one per source. Both must find the
payment. The transactions/s figure counts the eligible transactions each scan handled.

Environment: BUILD_DIR (default build; built if a binary is missing), BLOCKS (default
400), INPUTS_PER_BLOCK (100), CHAIN_FILE (reuse a chain made by gen_chain), KEEP=1 keeps
the work directories. Not part of ctest. The node is the test harness's
(test/functional/minicash_test.py): a free port, a temporary data directory, always stopped.
"""
import json
import os
import sys
import time

os.environ.setdefault("BLOCKS", "400")

from bench_env import BenchEnv, die  # noqa: E402  (BLOCKS default first)

import minicash_test  # noqa: E402

NAME = "silent_payments_scan"
WORDS = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
PAYER_WORDS = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def main():
    env = BenchEnv(NAME, ["minicashd", "minicash-cli", "minicash-wallet"], ["gen_chain"])
    target = int(os.environ["BLOCKS"])
    with minicash_test.TempDir("spscan") as work:
        chain, summary = env.chain(work.path)
        if summary:
            print(summary)
        args = ["-blockfilterindex=1", "-silentpaymentindex=1", f"-loadblock={chain}"]
        with minicash_test.TestNode("spscan", args=args) as node:
            node.start(timeout=120)
            print(f"{NAME}: importing...", flush=True)

            def imported():
                if node.rpc("getblockcount") < target:
                    return False
                info = node.rpc("getindexinfo")
                return all(i.get("synced") and i.get("best_block_height", 0) >= target for i in info.values())
            if not minicash_test.wait_until(imported, 3600, 1):
                die(NAME, f"import stopped at height {node.rpc('getblockcount')}")

            pass_file = os.path.join(work.path, "pass")
            with open(pass_file, "w") as f:
                f.write("benchmark passphrase\n")

            def wallet(name, *args):
                p = minicash_test.run([minicash_test.program("minicash-wallet"), *node.client_args(),
                                       f"-passphrasefile={pass_file}", f"-wallet={os.path.join(work.path, name)}",
                                       *args], timeout=3600)
                if p.returncode != 0:
                    die(NAME, f"minicash-wallet {' '.join(args)} failed:\n{p.stderr}")
                return p.stdout

            def restore(name, words, *extra):
                words_file = os.path.join(work.path, name + ".words")
                with open(words_file, "w") as f:
                    f.write(words + "\n")
                wallet(name, "restore", f"-mnemonicfile={words_file}", *extra)

            # One payment to find: a payer funded by mining, paying the receiver's sp address.
            restore("payer.wallet", PAYER_WORDS, f"-birthday={target}")
            restore("probe.wallet", WORDS, f"-birthday={target}", "-silentpayments")
            sp_address = wallet("probe.wallet", "-nosync", "getnewaddress", "-type=silentpayment").strip()
            node.mine(101, wallet("payer.wallet", "-nosync", "getnewaddress").strip())
            wallet("payer.wallet", "sync")
            wallet("payer.wallet", "send", sp_address, "0.5", "-feerate=2")
            node.mine(1, wallet("payer.wallet", "-nosync", "getnewaddress").strip())
            tip = node.rpc("getblockcount")
            minicash_test.wait_until(
                lambda: all(i.get("best_block_height", 0) >= tip for i in node.rpc("getindexinfo").values()), 120, 0.2)

            results = {}
            for source in ("blocks", "index"):
                name = f"{source}.wallet"
                restore(name, WORDS, "-birthday=0", "-silentpayments")
                t0 = time.monotonic()
                r = json.loads(wallet(name, "-json", "sync", f"-spscan={source}"))
                results[source] = (time.monotonic() - t0, r)
                sp = r.get("silent_payments", {})
                if sp.get("source") != source:
                    die(NAME, f"the {source} sync used source {sp.get('source')!r}")
                if sp.get("found", 0) < 1:
                    die(NAME, f"the {source} sync did not find the payment: {r}")
            b1 = json.loads(wallet("blocks.wallet", "-nosync", "-json", "balance"))
            b2 = json.loads(wallet("index.wallet", "-nosync", "-json", "balance"))
            if b1 != b2:
                die(NAME, f"balances differ: blocks {b1}, index {b2}")

    n = tip + 1
    print(f"silent-payment receive scan of {n} blocks (birthday 0):")
    rates = {}
    for source, label in (("blocks", "(a) full blocks, getblock 3"), ("index", "(b) -silentpaymentindex")):
        seconds, r = results[source]
        sp = r["silent_payments"]
        rates[source] = n / seconds
        print(f"  {label:30s} {seconds:7.2f} s  {n / seconds:8.1f} blocks/s  {sp['tweaks'] / seconds:9.1f} tx/s"
              f"  ({sp['tweaks']} eligible tx, {r['blocks_fetched']} blocks downloaded, {sp['found']} found)")
    print(f"  speed-up (b)/(a): {rates['index'] / rates['blocks']:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
