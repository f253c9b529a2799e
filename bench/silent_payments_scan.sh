#!/usr/bin/env bash
# Silent-payment scan rate: minicash-wallet's BIP352 receive scan over a gen_chain regtest
# chain (BLOCKS blocks, default 400, ~INPUTS_PER_BLOCK eligible inputs each), (a) from
# full blocks with prevouts (getblock verbosity 3) and (b) from minicashd's
# -silentpaymentindex, in one run: blocks/s, transactions/s and the ratio (b)/(a).
#
#   bash bench/silent_payments_scan.sh
#
# Environment and output: see bench/silent_payments_scan.py, which does the work with
# the test harness's nodes (free ports, always stopped). Not part of ctest.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/silent_payments_scan.py" "$@"
