#!/usr/bin/env bash
# Fails when a C++ file the repository tracks differs from what clang-format makes of it
# with the repository's .clang-format (the style the code was written in).
#
#   bash contrib/devtools/check-format.sh          check (exit 1 and list the files)
#   bash contrib/devtools/check-format.sh --fix    reformat them in place
#
# Uses Debian 12's clang-format (version 14); another version may format differently,
# so the check refuses to judge with one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

fmt=""
for c in clang-format-14 clang-format; do
  if command -v "$c" >/dev/null 2>&1 && "$c" --version | grep -q 'version 14\.'; then fmt="$c"; break; fi
done
[[ -n "$fmt" ]] || { echo "check-format: clang-format 14 (Debian package clang-format-14) is not installed" >&2; exit 2; }

mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  "$fmt" -i "${files[@]}"
  echo "check-format: formatted ${#files[@]} files"
  exit 0
fi

# Files in batches, as many clang-format processes as cores; each violation is reported
# as "FILE:LINE:COL: error: code should be clang-formatted".
status=0
report=$(printf '%s\0' "${files[@]}" | xargs -0 -n 32 -P "$(nproc)" "$fmt" --dry-run --Werror 2>&1 >/dev/null) || status=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' <<<"$report" | sort -u)
if ((status != 0 && ${#bad[@]} == 0)); then
  printf '%s\n' "$report" >&2
  echo "check-format: clang-format failed (exit $status)" >&2
  exit 2
fi
if ((${#bad[@]})); then
  printf '  %s\n' "${bad[@]}"
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted (bash contrib/devtools/check-format.sh --fix)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format says"
