#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what is missing, starts a throw-away local broker
# (Apache Kafka, fetched from Maven Central) on free ports, then runs rustfmt, clippy, a check
# of the documentation's cross-references and `cargo test --workspace`.
#
# Usage: scripts/test.sh [extra cargo test args, e.g. -- --nocapture]
#
# BROKER=tansu runs the suite on Tansu instead (a machine without Java; docs/src/testing.md,
# "Tests", says which tests skip there). Set TRENDS_TEST_BOOTSTRAP=host:port to run the tests against your own Apache
# Kafka (e.g. docker-compose.yml's: TRENDS_TEST_BOOTSTRAP=localhost:9092); no local broker is
# started then. The fault tests always start brokers of their own (scripts/kafka.sh).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
  printf 'test.sh: error: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

ensure_rust_components() {
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  ((${#missing[@]} == 0)) && return 0
  command -v rustup >/dev/null || die "cargo ${missing[*]} not available and no rustup to add them"
  echo "adding rustup components ${missing[*]}" >&2
  rustup component add "${missing[@]}"
}

command -v cargo >/dev/null || die "cargo not found; install the Rust toolchain first"

step "checking build tools (make, cc, c++ for rdkafka's bundled librdkafka)"
ensure_build_tools
ensure_rust_components

step "checking the headless browser for the dashboard tests (chromium, chromedriver)"
ensure_chromium

BROKER="${BROKER:-kafka}"
export BROKER
# What the e2e tests may rely on (e2e::brokers::SharedBroker): the kind of broker at
# TRENDS_TEST_BOOTSTRAP.
export TRENDS_TEST_BROKER="$BROKER"
case "$BROKER" in
  kafka) BROKER_LOG=logs/server.log ;;
  tansu) BROKER_LOG=tansu.log ;;
  *) die "BROKER must be kafka or tansu, got '$BROKER'" ;;
esac
BROKER_TMP=""
BROKER_PORT=""
CONTROLLER_PORT=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local status=$?
  if [[ -n $BROKER_TMP ]]; then
    step "stopping test broker"
    BROKER_DIR="$BROKER_TMP" BROKER_PORT="$BROKER_PORT" CONTROLLER_PORT="$CONTROLLER_PORT" \
      bash scripts/broker.sh stop || true
    rm -rf "$BROKER_TMP"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -n ${TRENDS_TEST_BOOTSTRAP:-} ]]; then
  step "using the broker at TRENDS_TEST_BOOTSTRAP=$TRENDS_TEST_BOOTSTRAP (no local broker started)"
  TRENDS_TEST_BROKER=kafka
fi
if [[ $BROKER == kafka ]]; then
  step "installing Apache Kafka (the local broker, and the fault tests' own brokers and clusters)"
  bash scripts/kafka.sh install
elif [[ -z ${TRENDS_TEST_BOOTSTRAP:-} ]]; then
  step "installing the local broker (tansu)"
  bash scripts/tansu.sh install
fi

if docker compose version >/dev/null 2>&1; then
  step "docker compose config (docker-compose.yml is valid)"
  docker compose config --quiet
fi

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "documentation cross-references (scripts/check_docs.py)"
python3 scripts/check_docs.py

if [[ -z ${TRENDS_TEST_BOOTSTRAP:-} ]]; then
  step "starting a throw-away local broker"
  read -r BROKER_PORT CONTROLLER_PORT < <(free_ports 2)
  BROKER_TMP="$(mktemp -d "${TMPDIR:-/tmp}/trends-test-broker.XXXXXX")"
  # TOPICS empty: the tests create their own topics.
  BROKER_DIR="$BROKER_TMP" BROKER_PORT="$BROKER_PORT" CONTROLLER_PORT="$CONTROLLER_PORT" TOPICS="" \
    bash scripts/broker.sh start >/dev/null
  export TRENDS_TEST_BOOTSTRAP="127.0.0.1:$BROKER_PORT"
  echo "TRENDS_TEST_BOOTSTRAP=$TRENDS_TEST_BOOTSTRAP (broker log: $BROKER_TMP/$BROKER_LOG)" >&2
fi

step "cargo test --workspace $*"
set +e
cargo test --workspace "$@"
status=$?
set -e

if ((status != 0)); then
  if [[ -n $BROKER_TMP && -f $BROKER_TMP/$BROKER_LOG ]]; then
    step "tests failed; last 50 lines of the broker log"
    tail -n 50 "$BROKER_TMP/$BROKER_LOG" >&2 || true
  fi
  step "cargo test failed (exit $status)"
else
  step "all checks passed"
fi
exit "$status"
