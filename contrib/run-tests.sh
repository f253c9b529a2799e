#!/usr/bin/env bash
# THE test command: installs what is missing, builds everything, runs every test.
#
#   bash contrib/run-tests.sh
#
# 1. contrib/install-deps.sh (Debian packages; apt only when something is missing), then
#    contrib/install-test-clients.sh (the pinned npm clients the tests drive, into
#    build/test-clients; npm only when something is missing)
# 2. lint: includes follow the layer graph of doc/architecture.md; C++ is formatted as
#    .clang-format says (contrib/devtools/check-layers.py, check-format.sh)
# 3. configure + build build/ with Ninja (warnings are errors; MINICASH_WERROR=OFF to relax)
# 4. ctest --output-on-failure -j2 in build/ (unit and conformance tests; vector tests
#    read $MINICASH_VECTORS, default ../shared/vectors next to the repository)
# 5. fuzz smoke run when clang is installed: build-fuzz/ with libFuzzer + ASan/UBSan, every
#    target on seeds made from the vectors, two at a time, MINICASH_FUZZ_BUDGET seconds
#    of fuzzing in all (default 80, divided evenly; the rest of two minutes is start-up),
#    or MINICASH_FUZZ_SECONDS per target. Any crash or property violation fails the run.
#
# Exits non-zero if any step fails. Benchmarks are built but not run (bench/run.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export MINICASH_VECTORS="${MINICASH_VECTORS:-$(realpath -m "$root/../shared/vectors")}"
werror="${MINICASH_WERROR:-ON}"
fuzz_budget="${MINICASH_FUZZ_BUDGET:-80}"
jobs="${MINICASH_JOBS:-$(nproc)}"

start=$SECONDS
stage() { printf '\n==> %s  [%ds]\n' "$*" "$((SECONDS - start))"; }
failures=()

stage "dependencies"
bash contrib/install-deps.sh
bash contrib/install-test-clients.sh "$root/build/test-clients"

stage "lint: layer graph and formatting (contrib/devtools/)"
if ! python3 contrib/devtools/check-layers.py; then
  failures+=("check-layers")
fi
if ! bash contrib/devtools/check-format.sh; then
  failures+=("check-format")
fi

stage "configure build/ (Ninja, MINICASH_WERROR=$werror)"
mkdir -p build
# -g1 (line tables: backtraces with file and line) instead of -g: a quarter less compile
# and link time; configure build/ yourself for full debug information.
cmake -S . -B build -G Ninja -DMINICASH_WERROR="$werror" -DMINICASH_BUILD_FUZZ=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >build/configure.log 2>&1 ||
  { cat build/configure.log; echo "run-tests: configure failed" >&2; exit 1; }

stage "build"
cmake --build build -j "$jobs"

stage "ctest (vectors: $MINICASH_VECTORS)"
[[ -d "$MINICASH_VECTORS" ]] || echo "run-tests: note: no vectors at $MINICASH_VECTORS; vector tests will skip"
if ! (cd build && ctest --output-on-failure -j2); then
  failures+=("ctest")
fi

if command -v clang++ >/dev/null 2>&1; then
  stage "fuzz: configure and build build-fuzz/ (clang, libFuzzer, ASan+UBSan)"
  # RelWithDebInfo without -DNDEBUG: optimised, with assertions.
  mkdir -p build-fuzz
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DMINICASH_BUILD_FUZZ=ON -DMINICASH_BUILD_BENCH=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" >build-fuzz/configure.log 2>&1 ||
    { cat build-fuzz/configure.log; echo "run-tests: fuzz configure failed" >&2; exit 1; }
  cmake --build build-fuzz -j "$jobs" --target fuzz

  # Targets run two at a time (the test machine has two cores); each pair gets the
  # budget divided by the number of pairs.
  fuzz_targets=(fuzz_tx_deserialize fuzz_script_interpreter fuzz_bip324 fuzz_p2p_messages fuzz_p2p_framing
    fuzz_psbt fuzz_descriptor fuzz_address fuzz_wallet_file fuzz_block_files fuzz_rpc_request)
  declare -A seeds=([fuzz_tx_deserialize]=tx [fuzz_script_interpreter]=script [fuzz_bip324]=bip324
    [fuzz_p2p_messages]=p2p [fuzz_p2p_framing]=framing [fuzz_psbt]=psbt [fuzz_descriptor]=descriptor
    [fuzz_address]=address [fuzz_wallet_file]=wallet [fuzz_block_files]=blocks [fuzz_rpc_request]=rpc)
  pairs=$(((${#fuzz_targets[@]} + 1) / 2))
  fuzz_seconds="${MINICASH_FUZZ_SECONDS:-$((fuzz_budget / pairs))}"
  stage "fuzz: smoke run, ${#fuzz_targets[@]} targets two at a time, ${fuzz_seconds}s each"
  work="build-fuzz/smoke"
  rm -rf "$work"
  mkdir -p "$work/seeds" "$work/artifacts"
  if [[ -d "$MINICASH_VECTORS" ]]; then
    build-fuzz/test/fuzz/fuzz_seeds "$MINICASH_VECTORS" "$work/seeds"
  else
    echo "run-tests: no vectors: fuzzing from an empty corpus"
  fi
  for target in "${fuzz_targets[@]}"; do mkdir -p "$work/seeds/${seeds[$target]}" "$work/corpus/$target"; done
  for ((first = 0; first < ${#fuzz_targets[@]}; first += 2)); do
    batch=("${fuzz_targets[@]:first:2}")
    pids=()
    for target in "${batch[@]}"; do
      # New inputs go to the first directory; the seeds are read only.
      build-fuzz/test/fuzz/$target -max_total_time="$fuzz_seconds" -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target-" "$work/corpus/$target" "$work/seeds/${seeds[$target]}" \
        >"$work/$target.log" 2>&1 &
      pids+=($!)
    done
    i=0
    for target in "${batch[@]}"; do
      if wait "${pids[$i]}"; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$target.log")
        added=$(sed -n 's/^stat::new_units_added: *//p' "$work/$target.log")
        echo "  $target: ok, ${runs:-?} inputs executed, ${added:-?} new corpus entries"
      else
        echo "  $target: FAILED; last lines of $work/$target.log:"
        tail -n 40 "$work/$target.log" | sed 's/^/    /'
        ls "$work/artifacts" | sed 's/^/    artifact: /'
        failures+=("$target")
      fi
      i=$((i + 1))
    done
  done
else
  stage "fuzz: skipped (clang++ not installed)"
fi

stage "done"
if ((${#failures[@]})); then
  echo "run-tests: FAILED: ${failures[*]}" >&2
  exit 1
fi
echo "run-tests: all passed in $((SECONDS - start))s"
