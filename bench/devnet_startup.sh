#!/usr/bin/env bash
# Time from `minicash-devnet up` to a funded faucet (3 nodes, 101 blocks mined, faucet
# synced), over several runs in fresh directories; prints each run and the median.
# A benchmark, not a test: the target (issue 17) is under 3 seconds on 2 cores, all services on.
#
#   bash bench/devnet_startup.sh [RUNS]      (default 5)
#
# BUILD_DIR (default: build) holds src/minicash-devnet and the programs it starts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
devnet="$build/src/minicash-devnet"
runs="${1:-5}"
[[ -x "$devnet" ]] || { echo "devnet_startup: $devnet not found; build it: cmake --build $build --target devnet_program minicashd minicash-cli minicash-wallet" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/minicash-devnet-bench.XXXXXX")"
trap '"$devnet" reset --dir "$work/net" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

times=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  # Run as users run it: through its #!/usr/bin/python3 line (a python3 earlier on PATH,
  # e.g. pyenv's, can take a second just to start).
  "$devnet" up --nodes 3 --dir "$work/net" >"$work/up.log"
  end=$(date +%s.%N)
  # The faucet must really be funded: 50 BTC spendable after 101 blocks.
  confirmed=$("$devnet" status --json --dir "$work/net" |
              python3 -c 'import json, sys; print(json.load(sys.stdin)["faucet"]["confirmed"])')
  "$devnet" reset --dir "$work/net" >/dev/null
  t=$(python3 -c "print(f'{$end - $start:.3f}')")
  printf 'run %d: %s s (faucet: %s BTC spendable)\n' "$i" "$t" "$confirmed"
  times+=("$t")
done
printf '%s\n' "${times[@]}" | python3 -c '
import statistics, sys
t = [float(x) for x in sys.stdin.read().split()]
print(f"devnet up to a funded faucet, 3 nodes: median {statistics.median(t):.3f} s over {len(t)} runs "
      f"(min {min(t):.3f}, max {max(t):.3f}); target < 3 s")'
