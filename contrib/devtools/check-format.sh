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

bad=()
for f in "${files[@]}"; do
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  printf '  %s\n' "${bad[@]}"
  echo "check-format: ${#bad[@]} of ${#files[@]} files are not formatted (bash contrib/devtools/check-format.sh --fix)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted as .clang-format says"
