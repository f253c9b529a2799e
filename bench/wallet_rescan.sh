#!/usr/bin/env bash
# Wallet rescan benchmark: a wallet restored with birthday 0 syncs a gen_chain regtest
# chain (BLOCKS blocks, ~INPUTS_PER_BLOCK inputs each, loaded into minicashd
# -blockfilterindex with -loadblock) plus 10 blocks mined to the wallet, once through
# BIP158 filters (getblockfilter, downloading only matching blocks) and once with
# -scan=full (getblock for every block). Prints both times and their ratio.
#
#   bash bench/wallet_rescan.sh
#
# Environment and output: see bench/wallet_rescan.py, which does the work with the test
# harness's nodes (test/functional/minicash_test.py: free ports, always stopped).
# Environment: BUILD_DIR (default build; built if a binary is missing), BLOCKS (2000),
# INPUTS_PER_BLOCK (100), CHAIN_FILE (reuse a chain made by gen_chain), KEEP=1 keeps the
# work directory. Not part of ctest.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/wallet_rescan.py" "$@"
