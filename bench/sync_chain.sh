#!/usr/bin/env bash
# Initial sync benchmark: one minicashd that has the bench chain (bench/gen_chain) serves
# it over P2P on 127.0.0.1 to a second, empty minicashd (-connect to the first). Reports
# the second node's blocks/s and total time, and the time to import the same blocks from
# the file with -loadblock on the same settings; sync / import is the overhead of getting
# the blocks over the network (headers first, parallel download window, validation).
#
#   bash bench/sync_chain.sh
#
# Environment: BUILD_DIR (default build), BLOCKS (2000), INPUTS_PER_BLOCK (100),
# THREADS (-par; default all cores), DBCACHE (450), CHAIN_FILE (a chain made earlier by
# gen_chain, with CHAIN_FILE.info), KEEP=1 keeps the work directory. Not part of ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build}"
blocks="${BLOCKS:-2000}"
per_block="${INPUTS_PER_BLOCK:-100}"
threads="${THREADS:-$(nproc)}"
dbcache="${DBCACHE:-450}"

die() { echo "sync_chain: error: $*" >&2; exit 1; }

for b in "$build/src/minicashd" "$build/src/minicash-cli" "$build/bench/gen_chain"; do
  if [[ ! -x "$b" ]]; then
    echo "sync_chain: building in $build"
    cmake -S . -B "$build" -DMINICASH_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target minicashd minicash-cli gen_chain -j"$(nproc)"
    break
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/minicash-sync.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [[ -n "${CHAIN_FILE:-}" ]]; then
  chain="$CHAIN_FILE"
  summary="$(cat "$chain.info")"
else
  chain="$work/chain.blk"
  echo "sync_chain: generating $blocks blocks (~$per_block inputs each)..."
  summary="$("$build/bench/gen_chain" --out "$chain" --blocks "$blocks" --inputs-per-block "$per_block")"
fi
n_blocks="$(sed -n 's/.*\bblocks=\([0-9]*\).*/\1/p' <<<"$summary")"
n_inputs="$(sed -n 's/.*\binputs=\([0-9]*\).*/\1/p' <<<"$summary")"
echo "chain: $summary"
echo "settings: -par=$threads -dbcache=$dbcache"

# A free TCP port (the kernel's choice), as the functional tests do.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
cli() { local dir="$1" port="$2"; shift 2; "$build/src/minicash-cli" -regtest -datadir="$dir" -rpcport="$port" "$@"; }

# 1. Import from the file: the reference, and the serving node's data.
src="$work/source"; mkdir -p "$src"
"$build/src/minicashd" -regtest -datadir="$src" -server=0 -listen=0 -loadblock="$chain" -exitafterimport \
  -dbcache="$dbcache" -par="$threads" >/dev/null || die "import failed; see $src/regtest/debug.log"
import_secs="$(sed -n 's/.*imported .* in \([0-9.]*\) s .*/\1/p' "$src/regtest/debug.log" | tail -1)"
[[ -n "$import_secs" ]] || die "no import time in $src/regtest/debug.log"

# 2. Serve it; sync an empty node from it.
p2p="$(free_port)"; rpc_a="$(free_port)"; rpc_b="$(free_port)"
"$build/src/minicashd" -regtest -datadir="$src" -listen=1 -bind=127.0.0.1 -port="$p2p" -rpcport="$rpc_a" \
  -connect=0 -dbcache="$dbcache" >/dev/null 2>&1 &
pids+=($!)
cli "$src" "$rpc_a" -rpcwait getblockcount >/dev/null
dst="$work/dest"; mkdir -p "$dst"
t0="$(now)"
"$build/src/minicashd" -regtest -datadir="$dst" -listen=0 -connect="127.0.0.1:$p2p" -rpcport="$rpc_b" \
  -dbcache="$dbcache" -par="$threads" >/dev/null 2>&1 &
pids+=($!)
cli "$dst" "$rpc_b" -rpcwait getblockcount >/dev/null
deadline=$(( $(date +%s) + 3600 ))
while :; do
  h="$(cli "$dst" "$rpc_b" getblockcount 2>/dev/null || echo 0)"
  [[ "$h" == "$n_blocks" ]] && break
  (( $(date +%s) < deadline )) || die "sync stalled at height $h; see $dst/regtest/debug.log"
  sleep 0.1
done
t1="$(now)"
[[ "$(cli "$dst" "$rpc_b" getbestblockhash)" == "$(cli "$src" "$rpc_a" getbestblockhash)" ]] \
  || die "the synced node ended on a different tip"
cli "$dst" "$rpc_b" stop >/dev/null; cli "$src" "$rpc_a" stop >/dev/null
wait

awk -v s0="$t0" -v s1="$t1" -v i="$import_secs" -v b="$n_blocks" -v n="$n_inputs" 'BEGIN {
  s = s1 - s0
  printf "import from file (-loadblock): %7.2f s  %8.1f blocks/s %9.0f inputs/s\n", i, b / i, n / i
  printf "sync over P2P (127.0.0.1):     %7.2f s  %8.1f blocks/s %9.0f inputs/s   (from start-up to tip)\n", s, b / s, n / s
  printf "sync / import: %.2f\n", s / i }'
