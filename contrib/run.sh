#!/usr/bin/env bash
# THE run command: installs what is missing, builds, and shows what minicash can do today.
#
#   bash contrib/run.sh
#
# A tour of the consensus layer through minicash-tx (a 1 MB mainnet block decoded and
# checked, the first bitcoin payment decoded and its signature verified, every script of
# a 450-block regtest chain verified), then a real regtest node: minicashd started in a
# temporary directory, 101 blocks mined through minicash-cli, chain and UTXO set shown,
# node stopped. (The wallet payment and the multi-node devnet come with minicash-wallet
# and minicash-devnet.)
# Test data comes from $MINICASH_VECTORS (default ../shared/vectors next to the repository).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
vectors="${MINICASH_VECTORS:-$(realpath -m "$root/../shared/vectors")}"

if [[ -t 1 ]]; then
  bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' reset=$'\e[0m'
else
  bold='' dim='' green='' reset=''
fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$reset"; }
show() { printf '%s$ %s%s\n' "$green" "$*" "$reset"; }

say "Installing missing dependencies"
bash contrib/install-deps.sh

say "Building minicash-tx, minicashd and minicash-cli (build/)"
mkdir -p build
cmake -S . -B build -G Ninja >build/configure.log 2>&1 || { cat build/configure.log; exit 1; }
cmake --build build --target minicash-tx minicashd minicash-cli
tx="build/src/minicash-tx"

if [[ ! -d "$vectors" ]]; then
  echo "run.sh: the test vectors are not at $vectors; set MINICASH_VECTORS to the shared/vectors folder." >&2
  exit 1
fi
chain="$vectors/chain"
# Shown paths are relative to the repository, for readability.
rel() {
  local r
  r="$(realpath --relative-to="$root" "$1")"
  if [[ "$r" == ../../* ]]; then realpath "$1"; else printf '%s\n' "$r"; fi
}

say "1. Mainnet block 413,567 (May 2016): 999,887 bytes, 1,557 transactions"
note "Decoded, re-hashed and checked: proof of work, merkle root (with the CVE-2012-2459"
note "mutation check), weight, and the SegWit commitment (absent: SegWit came a year later)."
show "minicash-tx decodeblock $(rel "$chain/block413567.raw")"
"$tx" decodeblock "$chain/block413567.raw"

say "2. The first bitcoin payment: block 170, Satoshi to Hal Finney, 10 BTC"
note "Transaction 1 of block 170, taken from a blk*.dat style file of mainnet blocks 1..255."
show "minicash-tx decodeblock $(rel "$chain/mainnet-1-255.blk") --index 169 --tx 1 --hex | minicash-tx decode -"
hex="$("$tx" decodeblock "$chain/mainnet-1-255.blk" --index 169 --tx 1 --hex)"
printf '%s\n' "$hex" | "$tx" decode -

say "3. Verifying that payment's signature against the coins it spends"
note "Its input spends the coinbase of block 9 (pay-to-pubkey), found by outpoint in the same file;"
note "the script interpreter runs <sig> <pubkey> OP_CHECKSIG with today's consensus flags."
show "minicash-tx verify <hex> --prevouts-from $(rel "$chain/mainnet-1-255.blk")"
"$tx" verify "$hex" --prevouts-from "$chain/mainnet-1-255.blk"

say "4. Every script in a 450-block regtest chain made by Bitcoin Core"
note "6,796 inputs: P2PKH, P2PK, bare and P2SH multisig, P2WPKH (native and nested),"
note "P2WSH with timelocks, taproot key path and script path (multi_a, CSV), anchors..."
show "minicash-tx verifyblocks $(rel "$chain/regtest/chain-a.blk")"
"$tx" verifyblocks "$chain/regtest/chain-a.blk"

say "5. A regtest node: minicashd and minicash-cli"
datadir="$(mktemp -d "${TMPDIR:-/tmp}/minicash-demo.XXXXXX")"
# A port pair derived from the process id, so two demos never collide.
rpcport=$(( 20000 + ($$ % 20000) ))
node=(build/src/minicashd -regtest -datadir="$datadir" -rpcport="$rpcport" -listen=0 -printtoconsole=0)
cli=(build/src/minicash-cli -regtest -datadir="$datadir" -rpcport="$rpcport")
cleanup() {
  "${cli[@]}" stop >/dev/null 2>&1 || true
  sleep 1
  [[ -n "${node_pid:-}" ]] && kill "$node_pid" 2>/dev/null || true
  rm -rf "$datadir"
}
trap cleanup EXIT
show "minicashd -regtest -datadir=$datadir -rpcport=$rpcport -listen=0 &"
"${node[@]}" &
node_pid=$!
"${cli[@]}" -rpcwait -rpcwaittimeout=60 getblockcount >/dev/null
note "Authentication: the cookie file $datadir/regtest/.cookie (mode 0600), found by minicash-cli."
addr="$("${cli[@]}" decodescript 0014751e76e8199196d454941c45d1b3a323f1433bd6 |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["address"])')"
show "minicash-cli -regtest generatetoaddress 101 $addr"
"${cli[@]}" generatetoaddress 101 "$addr" | python3 -c 'import json, sys; h = json.load(sys.stdin); print(f"    mined {len(h)} blocks, last {h[-1]}")'
show "minicash-cli -regtest getblockchaininfo"
"${cli[@]}" getblockchaininfo
show "minicash-cli -regtest gettxoutsetinfo"
"${cli[@]}" gettxoutsetinfo
show "minicash-cli -regtest stop"
"${cli[@]}" stop
wait "$node_pid" || true
node_pid=""

say "Done"
note "More: $tx --help;  tests: bash contrib/run-tests.sh;  benchmarks: bash bench/run.sh"
