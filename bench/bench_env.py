"""What the process benchmarks (sync_chain.py, wallet_rescan.py) share: the build they
use, the bench chain, and the test harness (test/functional/minicash_test.py), which
starts and always stops their nodes. Importing this module makes the harness importable.

Environment: BUILD_DIR (default build; configured and built when a program is missing),
BLOCKS (2000), INPUTS_PER_BLOCK (100), CHAIN_FILE (a chain made earlier by gen_chain,
with CHAIN_FILE.info), KEEP=1 keeps the work directories (MINICASH_KEEP_TMP).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "functional"))

import minicash_test  # noqa: E402  (after the path above)


def die(name, message):
    print(f"{name}: error: {message}", file=sys.stderr)
    sys.exit(1)


class BenchEnv:
    def __init__(self, name, programs, bench_programs):
        self.name = name
        build = os.environ.get("BUILD_DIR", "build")
        self.build = build if os.path.isabs(build) else os.path.join(ROOT, build)
        os.environ["MINICASH_BIN_DIR"] = os.path.join(self.build, "src")
        if os.environ.get("KEEP") == "1":
            os.environ["MINICASH_KEEP_TMP"] = "1"
        wanted = [os.path.join(self.build, "src", p) for p in programs] + \
                 [os.path.join(self.build, "bench", p) for p in bench_programs]
        if not all(os.access(p, os.X_OK) for p in wanted):
            print(f"{name}: building in {self.build}", flush=True)
            subprocess.run(["cmake", "-S", ROOT, "-B", self.build, "-DMINICASH_BUILD_BENCH=ON"], check=True,
                           stdout=subprocess.DEVNULL)
            subprocess.run(["cmake", "--build", self.build, "--target", *programs, *bench_programs], check=True)

    def chain(self, work):
        """(path, gen_chain's summary line) of the bench chain: CHAIN_FILE (summary from
        CHAIN_FILE.info, "" without it), or a new one in `work`."""
        if os.environ.get("CHAIN_FILE"):
            path = os.environ["CHAIN_FILE"]
            try:
                with open(path + ".info") as f:
                    return path, f.read().strip()
            except OSError:
                return path, ""
        blocks = os.environ.get("BLOCKS", "2000")
        per_block = os.environ.get("INPUTS_PER_BLOCK", "100")
        path = os.path.join(work, "chain.blk")
        print(f"{self.name}: generating {blocks} blocks (~{per_block} inputs each)...", flush=True)
        p = minicash_test.run([os.path.join(self.build, "bench", "gen_chain"), "--out", path, "--blocks", blocks,
                               "--inputs-per-block", per_block], timeout=3600)
        if p.returncode != 0:
            die(self.name, f"gen_chain failed:\n{p.stderr}")
        return path, p.stdout.strip()
