#!/usr/bin/env bash
# The whole demo on a fresh machine, no Twitter credentials needed: starts the local broker (Apache
# Kafka from Maven Central, or Tansu with BROKER=tansu) on 127.0.0.1:9092 with topic raw-twitter, builds the binaries, runs the synthetic producer in the
# background and the consumer in the foreground, which prints the trending and rising hashtags of every closed
# 10-second window, and serves the live dashboard on http://127.0.0.1:$DEMO_HTTP_PORT/. Ctrl-C stops the
# producer and the consumer; the broker keeps running.
#
# Environment: DEMO_RATE tweets per second from the synthetic source [500]; DEMO_SHAPE the API
# shape of its tweets, v2 (today's API) or v1 (v1.1) [v2]; BROKER [kafka];
# BROKER_PORT [9092]; DEMO_HTTP_PORT for the dashboard, API and metrics [8080].
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

BROKER_PORT="${BROKER_PORT:-9092}"
DEMO_RATE="${DEMO_RATE:-500}"
DEMO_SHAPE="${DEMO_SHAPE:-v2}"
DEMO_HTTP_PORT="${DEMO_HTTP_PORT:-8080}"
DEMO_DIR="$REPO_ROOT/.broker"
PRODUCER_LOG="$DEMO_DIR/producer.log"

step() { printf '\n==> %s\n' "$*" >&2; }
die() {
  printf 'demo.sh: error: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

command -v cargo >/dev/null || die "cargo not found; install the Rust toolchain first"

step "checking build tools (make, cc, c++ for rdkafka's bundled librdkafka)"
ensure_build_tools

step "starting the local broker (${BROKER:-kafka}) on 127.0.0.1:$BROKER_PORT (topic raw-twitter)"
BROKER_PORT="$BROKER_PORT" BROKER_DIR="$DEMO_DIR" TOPICS="raw-twitter" bash scripts/broker.sh start
# Overrides kafka.bootstrap_servers from config/ (same variable as in docker-compose.yml).
export TRENDS__KAFKA__BOOTSTRAP_SERVERS="127.0.0.1:$BROKER_PORT"

step "building producer and consumer (release)"
cargo build --release -p producer -p consumer

PRODUCER_PID=""
cleanup() {
  local status=$?
  trap - INT TERM
  if [[ -n $PRODUCER_PID ]] && kill -0 "$PRODUCER_PID" 2>/dev/null; then
    step "stopping the producer (pid $PRODUCER_PID)"
    kill -TERM "$PRODUCER_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 100; i++)); do
      kill -0 "$PRODUCER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$PRODUCER_PID" 2>/dev/null || true
    wait "$PRODUCER_PID" 2>/dev/null || true
  fi
  echo "producer log: $PRODUCER_LOG" >&2
  echo "the broker is still running on 127.0.0.1:$BROKER_PORT; stop it with: scripts/broker.sh stop" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting the synthetic producer at $DEMO_RATE tweets/s, API $DEMO_SHAPE shape (log: $PRODUCER_LOG)"
mkdir -p "$DEMO_DIR"
target/release/producer --source synthetic --rate "$DEMO_RATE" --shape "$DEMO_SHAPE" >"$PRODUCER_LOG" 2>&1 &
PRODUCER_PID=$!
sleep 1
if ! kill -0 "$PRODUCER_PID" 2>/dev/null; then
  tail -n 30 "$PRODUCER_LOG" >&2 || true
  die "the producer exited at startup (log: $PRODUCER_LOG)"
fi

step "consumer: top 10 and rising hashtags per closed 10 s window (Ctrl-C to stop)"
echo "live dashboard: http://127.0.0.1:$DEMO_HTTP_PORT/  (API: /api/top, /api/rising, metrics: /metrics)" >&2
target/release/consumer --window 10s --top 10 --early-updates 1s --http "127.0.0.1:$DEMO_HTTP_PORT"
