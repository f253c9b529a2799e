#!/usr/bin/env bash
# Wallet rescan benchmark: a wallet restored with birthday 0 syncs a gen_chain regtest
# chain (BLOCKS blocks, ~INPUTS_PER_BLOCK inputs each, loaded into minicashd
# -blockfilterindex with -loadblock) plus 10 blocks mined to the wallet, once through
# BIP158 filters (getblockfilter, downloading only matching blocks) and once with
# -scan=full (getblock for every block). Prints both times and their ratio.
#
#   bash bench/wallet_rescan.sh
#
# Environment: BUILD_DIR (default build; built if a binary is missing), BLOCKS (2000),
# INPUTS_PER_BLOCK (100), CHAIN_FILE (reuse a chain made by gen_chain), KEEP=1 keeps
# the work directory. Not part of ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build}"
blocks="${BLOCKS:-2000}"
per_block="${INPUTS_PER_BLOCK:-100}"

die() { echo "wallet_rescan: error: $*" >&2; exit 1; }

bins=("$build/src/minicashd" "$build/src/minicash-cli" "$build/src/minicash-wallet" "$build/bench/gen_chain")
for b in "${bins[@]}"; do
  if [[ ! -x "$b" ]]; then
    echo "wallet_rescan: building in $build"
    cmake -S . -B "$build" -DMINICASH_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target minicashd minicash-cli minicash-wallet gen_chain -j2
    break
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/minicash-rescan.XXXXXX")"
node_pid=""
cleanup() {
  if [[ -n "$node_pid" ]]; then kill -9 "$node_pid" 2>/dev/null || true; wait "$node_pid" 2>/dev/null || true; fi
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

if [[ -n "${CHAIN_FILE:-}" ]]; then
  chain="$CHAIN_FILE"
else
  chain="$work/chain.blk"
  echo "wallet_rescan: generating $blocks blocks (~$per_block inputs each)..."
  "$build/bench/gen_chain" --out "$chain" --blocks "$blocks" --inputs-per-block "$per_block" >"$work/chain.info"
  cat "$work/chain.info"
fi

# A port nobody listens on (the kernel's choice).
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/node"
"$build/src/minicashd" -regtest -datadir="$work/node" -rpcport="$port" -listen=0 -connect=0 \
  -blockfilterindex=1 -loadblock="$chain" >"$work/node.out" 2>&1 &
node_pid=$!
cli=("$build/src/minicash-cli" -regtest -datadir="$work/node" -rpcport="$port")
"${cli[@]}" -rpcwait -rpcwaittimeout=120 getblockcount >/dev/null || die "minicashd did not start"

echo "wallet_rescan: importing..."
target="$blocks"
for _ in $(seq 1 3600); do
  h="$("${cli[@]}" getblockcount)"
  synced="$("${cli[@]}" getindexinfo | tr -d ' \n' | grep -o '"basicblockfilterindex":{[^}]*}' | grep -o '"best_block_height":[0-9]*' | cut -d: -f2 || true)"
  [[ "$h" -ge "$target" && "${synced:-0}" -ge "$target" ]] && break
  sleep 1
done
[[ "$h" -ge "$target" ]] || die "import stopped at height $h"

printf 'benchmark passphrase\n' >"$work/pass"
printf 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n' >"$work/words"
wallet() { "$build/src/minicash-wallet" -regtest -datadir="$work/node" -rpcport="$port" -passphrasefile="$work/pass" "$@"; }
wallet -wallet="$work/filters.wallet" restore -mnemonicfile="$work/words" -birthday=0 >/dev/null
wallet -wallet="$work/full.wallet" restore -mnemonicfile="$work/words" -birthday=0 >/dev/null
addr="$(wallet -wallet="$work/filters.wallet" -nosync getnewaddress)"
"${cli[@]}" generatetoaddress 10 "$addr" >/dev/null
tip="$("${cli[@]}" getblockcount)"

now() { date +%s.%N; }
t0="$(now)"; wallet -wallet="$work/filters.wallet" -json sync >"$work/filters.json"; t1="$(now)"
wallet -wallet="$work/full.wallet" -json sync -scan=full >"$work/full.json"; t2="$(now)"
b1="$(wallet -wallet="$work/filters.wallet" -nosync -json balance | tr -d ' \n')"
b2="$(wallet -wallet="$work/full.wallet" -nosync -json balance | tr -d ' \n')"
[[ "$b1" == "$b2" ]] || die "balances differ: filters $b1, full $b2"
fetched="$(tr -d ' \n' <"$work/filters.json" | grep -o '"blocks_fetched":[0-9]*' | cut -d: -f2)"
scan="$(tr -d ' \n' <"$work/filters.json" | grep -o '"scan":"[a-z]*"' | cut -d'"' -f4)"
[[ "$scan" == "filters" ]] || die "the filter sync did not use filters"
awk -v n="$((tip + 1))" -v f="$fetched" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  tf = b - a; tb = c - b;
  printf "rescan of %d blocks (birthday 0):\n", n;
  printf "  filters  %7.2f s  %8.0f blocks/s  (%d blocks downloaded)\n", tf, n / tf, f;
  printf "  full     %7.2f s  %8.0f blocks/s  (%d blocks downloaded)\n", tb, n / tb, n;
  printf "  full / filters time ratio: %.1f\n", tb / tf }'
echo "balance (both): $b1"
