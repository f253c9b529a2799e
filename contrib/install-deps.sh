#!/usr/bin/env bash
# Installs the Debian 12 packages minicash needs to build, test, fuzz and benchmark.
#
# Idempotent: checks every package with dpkg-query and touches apt only when something
# is missing (then runs `apt-get update` once and installs exactly the missing ones).
# Runs as root, or through sudo when not root. Nothing is downloaded outside apt.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev libsecp256k1-dev libleveldb-dev
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libzmq3-dev cppzmq-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format-14
  python3 python3-bitcoinlib python3-zmq
  time curl
  # The explorer's browser test (test/functional/explorer_browser_test.py): headless
  # Chromium driven through chromedriver by Debian's Selenium.
  chromium chromium-driver python3-selenium
)

# node and npm run the npm test clients (contrib/install-test-clients.sh): Debian's nodejs
# and npm, unless both commands are already there (a nodejs package from elsewhere that
# bundles npm conflicts with Debian's npm).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

die() { echo "install-deps: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 ||
  die "dpkg-query not found; minicash is built on Debian 12 (bookworm). Install these packages by hand: ${packages[*]}"

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
  # Non-interactive callers (CI, no stdin) must not hang on a password prompt.
  if ! sudo -n true 2>/dev/null && [[ ! -t 0 ]]; then
    die "not root and sudo needs a password; run as root or: sudo apt-get install ${missing[*]}"
  fi
else
  die "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: ${missing[*]}"

apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
"${apt[@]}" update -q ||
  die "apt-get update failed (network or apt sources problem)"
"${apt[@]}" install -y -q --no-install-recommends "${missing[@]}" ||
  die "apt-get install failed for: ${missing[*]} (these names are Debian 12 bookworm packages)"

# Verify, so that a partial install cannot pass silently.
still=()
for pkg in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || still+=("$pkg")
done
((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
echo "install-deps: installed ${missing[*]}"
