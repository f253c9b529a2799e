#!/usr/bin/env bash
# THE run command: installs what is missing, builds, and shows electronic cash moving
# between two wallets on a private network.
#
#   bash contrib/run.sh [--keep]
#
# 1. contrib/install-deps.sh (Debian packages; apt only when something is missing)
# 2. builds minicashd, minicash-cli, minicash-wallet and minicash-devnet into build/
# 3. minicash-devnet up: three connected regtest nodes and a faucet wallet funded by
#    101 mined blocks, in .minicash-devnet/ (wiped first if a devnet is there)
# 4. wallets alice and bob (passphrase files in the devnet directory), the faucet pays
#    alice, alice pays bob, a block is mined, both balances are shown
# 5. the devnet is stopped, unless --keep: then it stays up for you to explore and the
#    script prints how to stop it (minicash-devnet down)
#
# Environment: MINICASH_BUILD_DIR (default build/) uses another, already configured build
# directory; MINICASH_DEVNET_DIR (default .minicash-devnet) the devnet's directory;
# MINICASH_RUN_NO_BUILD=1 skips steps 1 and 2 and uses the programs already built (the
# docs test sets it: rebuilding under other running tests would swap their binaries).
set -euo pipefail

keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument '$arg' (use --keep or --help)" >&2; exit 1 ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${MINICASH_BUILD_DIR:-build}"
export MINICASH_DEVNET_DIR="${MINICASH_DEVNET_DIR:-$root/.minicash-devnet}"

if [[ -t 1 ]]; then
  bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' reset=$'\e[0m'
else
  bold='' dim='' green='' reset=''
fi
say() { printf '\n%s==> %s%s\n' "$bold" "$*" "$reset"; }
note() { printf '%s    %s%s\n' "$dim" "$*" "$reset"; }
show() { printf '%s$ %s%s\n' "$green" "$*" "$reset"; }

programs=(minicashd minicash-cli minicash-wallet minicash-devnet)
if [[ "${MINICASH_RUN_NO_BUILD:-0}" == 1 ]]; then
  say "Using the programs already built in $build/src (MINICASH_RUN_NO_BUILD=1)"
  for p in "${programs[@]}"; do
    [[ -x "$build/src/$p" ]] || { echo "run.sh: $build/src/$p is not built" >&2; exit 1; }
  done
else
  say "Installing missing dependencies"
  bash contrib/install-deps.sh

  say "Building ${programs[*]} ($build/)"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    mkdir -p "$build"
    cmake -S . -B "$build" -G Ninja >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
  fi
  cmake --build "$build" --target minicashd minicash-cli minicash-wallet devnet_program
fi

# The programs are called by name, as a user with build/src on PATH would.
bin="$(cd "$build/src" && pwd)"
export PATH="$bin:$PATH"

started=0
on_exit() {
  local rc=$?
  if ((started)) && { ((rc != 0)) || ((!keep)); }; then
    ((rc == 0)) || echo "run.sh: failed; stopping the devnet" >&2
    minicash-devnet down >/dev/null || true
  fi
}
trap on_exit EXIT

say "1. A private network: three regtest nodes and a funded faucet"
if [[ -f "$MINICASH_DEVNET_DIR/devnet.json" ]]; then
  note "A devnet from an earlier run is in $MINICASH_DEVNET_DIR: wiping it for a fresh start."
  minicash-devnet reset >/dev/null
fi
show "minicash-devnet up"
started=1
minicash-devnet up

say "2. Two wallets, alice and bob"
note "minicash-devnet wallet NAME ... runs minicash-wallet on $MINICASH_DEVNET_DIR/wallets/NAME.wallet,"
note "connected to node 0, with the passphrase file NAME.passphrase next to it."
for w in alice bob; do
  show "minicash-devnet wallet $w create"
  minicash-devnet wallet "$w" create
done
note "The words above restore a wallet (minicash-wallet restore). On regtest they guard nothing."

say "3. The faucet pays alice 10 BTC"
show "minicash-devnet wallet alice getnewaddress"
alice_addr="$(minicash-devnet wallet alice getnewaddress)"
echo "$alice_addr"
show "minicash-devnet fund $alice_addr 10"
minicash-devnet fund "$alice_addr" 10
note "fund sent the payment from the faucet wallet and mined a block that confirms it."

say "4. Alice pays bob 2.5 BTC"
show "minicash-devnet wallet bob getnewaddress"
bob_addr="$(minicash-devnet wallet bob getnewaddress)"
echo "$bob_addr"
show "minicash-devnet wallet alice send $bob_addr 2.5 -feerate=2"
minicash-devnet wallet alice send "$bob_addr" 2.5 -feerate=2
note "Signed in alice's wallet process, checked with the consensus interpreter, then sent to node 0,"
note "which relays it to the other two nodes."
show "minicash-devnet mine 1 --node 2"
minicash-devnet mine 1 --node 2
note "Mined on node 2: the transaction travelled there over P2P."

say "5. Both balances"
show "minicash-devnet wallet alice balance"
minicash-devnet wallet alice balance
show "minicash-devnet wallet bob balance"
minicash-devnet wallet bob balance
note "alice: 10 - 2.5 - the fee; bob: 2.5. Every node agrees:"
show "minicash-devnet status"
minicash-devnet status

say "Done"
if ((keep)); then
  note "The devnet is still up (--keep). Try, with $bin on your PATH"
  note "(export PATH=\"$bin:\$PATH\") and from $root:"
  note "  minicash-devnet status;  minicash-devnet mine 5;  minicash-devnet partition;  minicash-devnet heal"
  note "  minicash-devnet wallet bob listunspent;  minicash-devnet cli getpeerinfo"
  if [[ "$MINICASH_DEVNET_DIR" == "$root/.minicash-devnet" ]]; then
    note "Stop it with:  minicash-devnet down   (reset instead of down also wipes it)"
  else
    note "Stop it with:  minicash-devnet down --dir $MINICASH_DEVNET_DIR   (reset also wipes it)"
  fi
else
  note "Stopping the devnet (its chains and wallets stay in $MINICASH_DEVNET_DIR;"
  note "bash contrib/run.sh --keep leaves it running to explore)."
  show "minicash-devnet down"
  minicash-devnet down
  started=0
fi
note "Guides: doc/devnet.md, doc/wallet.md, doc/node.md.  Tests: bash contrib/run-tests.sh"
