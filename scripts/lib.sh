# Shared helpers for the scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
SCHEMATHESIS_REQ='schemathesis==4.32.5'
TOOLS_VENV="$ROOT/.venv-tools"
mkdir -p "$RUN_DIR"

export DATABASE_URL="${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/algo}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-ap-south-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"

# A build cache outside the clone, used when it is there (CI on a developer's machine finds it;
# a fresh machine builds from scratch into target/).
if [ -z "${CARGO_TARGET_DIR:-}" ] && [ -d "$HOME/.cache/algo-target" ]; then
  export CARGO_TARGET_DIR="$HOME/.cache/algo-target"
fi
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

say() { printf '\033[1m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  if [ -z "$APT_UPDATED" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    say "installing the Rust toolchain (rustup)"
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    command -v cc >/dev/null 2>&1 || apt_install build-essential pkg-config
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}

# Waits until "$@" succeeds, up to $1 seconds.
wait_for() {
  local seconds="$1"; shift
  local i
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Builds the debug `algo` with the test build's features (the workspace's, dev-dependencies
# included): after `scripts/test`'s tests it builds nothing, where `-p algo-cli` alone resolves
# other features and compiled some sixty crates again.
build_debug_algo() {
  cargo build --workspace --all-features --locked -q --tests --bins
}

# Starts `algo dev` (debug build) on free ports with a database and Redis prefix of its own, and
# stops it when the calling script exits. Sets ALGO_DEV_API and ALGO_DEV_SIM.
start_algo_dev() {
  build_debug_algo
  local port=$((20000 + RANDOM % 10000))
  local db="algo_test_dev_$RANDOM$RANDOM"
  local log="$RUN_DIR/algo-dev-$port.log"
  DATABASE_URL="$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]*(\?|$)#/$db\1#")" \
    ALGO_REDIS_PREFIX="test:$db:" \
    "$TARGET_DIR/debug/algo" dev --port "$port" --sim-port "$((port + 1))" >"$log" 2>&1 &
  ALGO_DEV_PID=$!
  trap 'kill -INT $ALGO_DEV_PID 2>/dev/null; wait $ALGO_DEV_PID 2>/dev/null || true' EXIT
  ALGO_DEV_API="http://127.0.0.1:$port"
  ALGO_DEV_SIM="http://127.0.0.1:$((port + 1))"
  if ! wait_for 90 curl -fs "$ALGO_DEV_API/health"; then
    cat "$log" >&2
    echo "algo dev did not come up" >&2
    exit 1
  fi
}
