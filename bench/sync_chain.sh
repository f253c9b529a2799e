#!/usr/bin/env bash
# Initial sync benchmark: one minicashd that has the bench chain (bench/gen_chain) serves
# it over P2P on 127.0.0.1 to a second, empty minicashd (-connect to the first). Reports
# the second node's blocks/s and total time, and the time to import the same blocks from
# the file with -loadblock on the same settings; sync / import is the overhead of getting
# the blocks over the network (headers first, parallel download window, validation).
#
#   bash bench/sync_chain.sh
#
# Environment and output: see bench/sync_chain.py, which does the work with the test
# harness's nodes (test/functional/minicash_test.py: free ports, always stopped).
# Environment: BUILD_DIR (default build), BLOCKS (2000), INPUTS_PER_BLOCK (100), THREADS
# (-par; default all cores), DBCACHE (450), CHAIN_FILE (a chain made earlier by
# gen_chain, with CHAIN_FILE.info), KEEP=1 keeps the work directory. Not part of ctest.
set -euo pipefail
exec /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/sync_chain.py" "$@"
