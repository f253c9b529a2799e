#!/usr/bin/env bash
# Runs the benchmarks once and prints the ratios they exist to show (see bench/README.md).
#
#   bash bench/run.sh [extra Google Benchmark flags, e.g. --benchmark_min_time=2]
#
# BUILD_DIR (default: build) is configured and built first if it has no bench binary.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build}"
bin="$build/bench/minicash_bench"

if [[ ! -x "$bin" ]]; then
  echo "bench/run.sh: building $bin"
  cmake -S . -B "$build" -G Ninja -DMINICASH_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" --target minicash_bench
fi
export MINICASH_VECTORS="${MINICASH_VECTORS:-$root/../shared/vectors}"

json="$(mktemp "${TMPDIR:-/tmp}/minicash-bench.XXXXXX.json")"
trap 'rm -f "$json"' EXIT
"$bin" --benchmark_out="$json" --benchmark_out_format=json "$@"

python3 - "$json" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
    doc = json.load(f)

scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
times = {}
for b in doc["benchmarks"]:
    if b.get("run_type", "iteration") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    if "cpu_time" not in b or b.get("error_occurred"):
        continue
    name = b.get("run_name", b["name"])
    # With repetitions, the median wins over single iterations.
    if name in times and b.get("aggregate_name") != "median":
        continue
    times[name] = b["cpu_time"] * scale[b.get("time_unit", "ns")]

def ratio(label, a, b, note):
    if a in times and b in times:
        print(f"  {label:<44} {times[a] / times[b]:6.2f}   {note}")
    else:
        print(f"  {label:<44}    n/a   (missing {a if a not in times else b})")

print()
print("Ratios (CPU time):")
ratio("P2WPKH: verify_script / bare ecdsa_verify", "BM_P2WPKH_VerifyScript", "BM_P2WPKH_BareEcdsaVerify",
      "overhead of script + BIP143 hash + parsing over the curve check")
ratio("P2TR key path: verify_script / bare schnorr", "BM_P2TR_KeyPath_VerifyScript",
      "BM_P2TR_KeyPath_BareSchnorrVerify", "overhead of BIP341 hash + parsing over the curve check")
ratio("P2WPKH: verify_script / bare parse+verify", "BM_P2WPKH_VerifyScript", "BM_P2WPKH_BareParseAndVerify",
      "overhead over what any verifier from bytes must do (target < 1.10)")
ratio("P2TR key path: verify_script / bare parse+verify", "BM_P2TR_KeyPath_VerifyScript",
      "BM_P2TR_KeyPath_BareParseAndVerify", "overhead over what any verifier from bytes must do (target < 1.10)")
ratio("witness v0 sighash, 1000 / 500 inputs", "BM_WitnessV0Sighash_AllInputs/1000",
      "BM_WitnessV0Sighash_AllInputs/500", "linear: ~2")
ratio("witness v0 sighash, 2000 / 1000 inputs", "BM_WitnessV0Sighash_AllInputs/2000",
      "BM_WitnessV0Sighash_AllInputs/1000", "linear: ~2 (quadratic would be ~4)")
block = "BM_Block413567_DeserializeAndMerkleRoot"
if block in times:
    print(f"  {'block 413567 decode + merkle root':<44} {times[block] / 1e6:6.2f}   ms per block")
PY
