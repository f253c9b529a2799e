#!/usr/bin/env bash
# Installs the test-only clients from npm that the functional tests drive: exactly the
# versions pinned in test/functional/js/package.json and package-lock.json (the
# `bitcoin-core` RPC/REST client, the `@mempool/electrum-client` Electrum client and the
# `@mempool/mempool.js` Esplora client),
# `npm ci` style, into a directory of the build tree.
#
#   bash contrib/install-test-clients.sh [DIR]     (DIR defaults to build/test-clients)
#
# Needs node and npm (contrib/install-deps.sh installs Debian's nodejs and npm). Does
# nothing when DIR already holds what the lock file pins. No install scripts are run
# (--ignore-scripts): the clients are plain JavaScript. test/functional/rest_npm_client.py,
# electrum_npm_client.py and esplora_npm_client.py find the modules in DIR/node_modules
# ($MINICASH_NPM_MODULES overrides).
#
# To move to another version: edit package.json, then in test/functional/js run
#   npm install --package-lock-only --ignore-scripts --omit-lockfile-registry-resolved
# and commit both files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$root/test/functional/js"
dest="${1:-$root/build/test-clients}"

die() { echo "install-test-clients: error: $*" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || die "npm not found; run contrib/install-deps.sh first (Debian's nodejs and npm)"

mkdir -p "$dest"
if cmp -s "$src/package-lock.json" "$dest/package-lock.json" && cmp -s "$src/package.json" "$dest/package.json" &&
  [[ -f "$dest/node_modules/.package-lock.json" ]]; then
  echo "install-test-clients: $dest is up to date"
  exit 0
fi
cp "$src/package.json" "$src/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
  die "npm ci failed in $dest (is the npm registry reachable?)"
echo "install-test-clients: installed $(cd "$dest" && node -e 'console.log(Object.entries(require("./package.json").dependencies).map(([n, v]) => n + "@" + v).join(" "))') into $dest"
