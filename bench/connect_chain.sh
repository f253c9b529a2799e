#!/usr/bin/env bash
# Block connection benchmark: imports a generated regtest chain full of P2WPKH and P2TR
# key-path spends with `minicashd -loadblock -exitafterimport` and reports blocks/s,
# inputs/s and peak RSS for -dbcache=50 and -dbcache=1000, then times bare
# libsecp256k1 verification of as many signatures on as many threads (the floor).
#
#   bash bench/connect_chain.sh
#
# Environment: BUILD_DIR (default build; configured with the bench targets and built
# if a binary is missing), BLOCKS (2000), INPUTS_PER_BLOCK (100), THREADS (all cores),
# CHAIN_FILE (reuse a chain made by gen_chain instead of generating one; its counts are
# then read from CHAIN_FILE.info), KEEP=1 keeps the work directory.
# Needs /usr/bin/time (Debian package `time`). Not part of ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="${BUILD_DIR:-build}"
blocks="${BLOCKS:-2000}"
per_block="${INPUTS_PER_BLOCK:-100}"
threads="${THREADS:-$(nproc)}"

die() { echo "connect_chain: error: $*" >&2; exit 1; }

[[ -x /usr/bin/time ]] || die "/usr/bin/time not found: install the Debian package 'time'"

bins=("$build/src/minicashd" "$build/src/minicash-chainstate" "$build/bench/gen_chain" "$build/bench/sig_verify_loop")
for b in "${bins[@]}"; do
  if [[ ! -x "$b" ]]; then
    echo "connect_chain: building in $build"
    cmake -S . -B "$build" -G Ninja -DMINICASH_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target minicashd minicash-chainstate gen_chain sig_verify_loop
    break
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/minicash-connect.XXXXXX")"
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then echo "work directory kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

if [[ -n "${CHAIN_FILE:-}" ]]; then
  chain="$CHAIN_FILE"
  [[ -f "$chain.info" ]] || die "$chain.info missing (gen_chain's summary line)"
  summary="$(cat "$chain.info")"
else
  chain="$work/chain.blk"
  echo "connect_chain: generating $blocks blocks (~$per_block inputs each)..."
  summary="$("$build/bench/gen_chain" --out "$chain" --blocks "$blocks" --inputs-per-block "$per_block")"
  echo "$summary" > "$chain.info"
fi
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$summary"; }
n_blocks="$(field blocks)"; n_inputs="$(field inputs)"; n_wpkh="$(field p2wpkh_inputs)"; n_tr="$(field p2tr_inputs)"
echo "chain: $summary"
echo "threads: $threads (-par=$threads)"
echo

# "h:mm:ss" or "m:ss.ss" -> seconds
to_seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }' <<<"$1"; }

declare -A import_secs
for cache in 50 1000; do
  dir="$work/data-$cache"
  mkdir -p "$dir"
  /usr/bin/time -v -o "$work/time-$cache" "$build/src/minicashd" -regtest -datadir="$dir" -loadblock="$chain" \
    -exitafterimport -dbcache="$cache" -par="$threads" >/dev/null \
    || die "minicashd failed (-dbcache=$cache); see $dir/regtest/debug.log"
  wall="$(to_seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time-$cache")")"
  rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time-$cache")"
  # Import time alone (without opening and the final flush), from the daemon's log.
  secs="$(sed -n 's/.*imported .* in \([0-9.]*\) s .*/\1/p' "$dir/regtest/debug.log" | tail -1)"
  height="$("$build/src/minicash-chainstate" -regtest -datadir="$dir" | sed -n 's/.*"height": \([0-9]*\).*/\1/p')"
  [[ "$height" == "$n_blocks" ]] || die "-dbcache=$cache ended at height $height, expected $n_blocks"
  import_secs[$cache]="$secs"
  awk -v c="$cache" -v s="$secs" -v w="$wall" -v b="$n_blocks" -v i="$n_inputs" -v r="$rss_kb" 'BEGIN {
    printf "-dbcache=%-5s import %7.2f s (process %7.2f s): %8.1f blocks/s %9.0f inputs/s   peak RSS %6.1f MiB\n",
           c, s, w, b / s, i / s, r / 1024 }'
done

loop="$("$build/bench/sig_verify_loop" --ecdsa "$n_wpkh" --schnorr "$n_tr" --threads "$threads")"
loop_secs="$(sed -n 's/.*seconds=\([^ ]*\).*/\1/p' <<<"$loop")"
echo
echo "bare libsecp256k1: $loop"
awk -v a="${import_secs[50]}" -v b="${import_secs[1000]}" -v l="$loop_secs" 'BEGIN {
  printf "import time / bare signature verification time: %.2f (-dbcache=50), %.2f (-dbcache=1000)\n", a / l, b / l }'
