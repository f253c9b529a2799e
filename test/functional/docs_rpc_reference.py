#!/usr/bin/env bash
# doc/rpc.md must be what contrib/gen-rpc-doc.sh writes from the built minicashd's help.
#
#   bash test/docs/rpc_doc_test.sh BIN_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin_dir="${1:?usage: rpc_doc_test.sh BIN_DIR}"
fresh="$(mktemp "${TMPDIR:-/tmp}/minicash-rpc-md.XXXXXX")"
trap 'rm -f "$fresh"' EXIT
bash "$root/contrib/gen-rpc-doc.sh" --bin-dir "$bin_dir" --out "$fresh" >/dev/null
if ! diff -u "$root/doc/rpc.md" "$fresh"; then
  echo "rpc_doc_test: doc/rpc.md is out of date with minicashd's help; regenerate it with: bash contrib/gen-rpc-doc.sh" >&2
  exit 1
fi
echo "rpc_doc_test: doc/rpc.md matches the help of $(grep -c '^### ' "$fresh") commands"
