#!/usr/bin/env bash
# Install, start and stop Tansu, the Kafka-protocol broker for machines without Java
# (`BROKER=tansu scripts/broker.sh ...`; Apache Kafka, scripts/kafka.sh, is the default).
#
# Usage: scripts/tansu.sh {install|start|stop|status|topics}
#
# Environment (defaults in brackets):
#   BROKER_PORT  TCP port on 127.0.0.1 [9092]
#   BROKER_DIR   state directory: tansu.db, tansu.pid, tansu.log [<repo>/.broker]
#   TOPICS       topics to create, separated by spaces or commas; may be empty [raw-twitter]
#   PARTITIONS   partitions per created topic [3]
#
# Tansu is installed from crates.io with cargo; docs/src/operations.md, "The local broker", lists
# its known gaps.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

TANSU_VERSION="0.6.0"
TANSU_FEATURES="dynostore,libsql"
BROKER_PORT="${BROKER_PORT:-9092}"
BROKER_DIR="${BROKER_DIR:-$REPO_ROOT/.broker}"
[[ $BROKER_DIR == /* ]] || BROKER_DIR="$PWD/$BROKER_DIR"
TOPICS="${TOPICS-raw-twitter}"
PARTITIONS="${PARTITIONS:-3}"
# Tansu requires a cluster id; any stable string works for a single-node broker.
CLUSTER_ID="${CLUSTER_ID:-trending-hashtags-local}"
START_TIMEOUT_SECS="${BROKER_START_TIMEOUT:-30}"

HOST="127.0.0.1"
BROKER_URL="tcp://$HOST:$BROKER_PORT"
PID_FILE="$BROKER_DIR/tansu.pid"
LOG_FILE="$BROKER_DIR/tansu.log"
DB_FILE="$BROKER_DIR/tansu.db"

export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

log() { printf 'tansu.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# True when something accepts TCP connections on $HOST:$1.
port_open() {
  if command -v timeout >/dev/null; then
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  else
    bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
  fi
}

# True when process $1 exists and is not a zombie (an unreaped zombie still answers kill -0).
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ ${stat:0:1} != Z ]]
  fi
}

# Command line of a live process, or nothing.
proc_cmdline() {
  if [[ -r /proc/$1/cmdline ]]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -o args= -p "$1" 2>/dev/null || true
  fi
}

# Prints the pid from the pid file if that process is alive and is a tansu broker; fails otherwise.
our_pid() {
  local pid
  [[ -f $PID_FILE ]] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n $pid ]] || return 1
  alive "$pid" || return 1
  [[ "$(proc_cmdline "$pid")" == *tansu* ]] || return 1
  printf '%s\n' "$pid"
}

# Our broker is up when its process is alive, was started for this port and the port accepts connections.
running_pid() {
  local pid
  pid="$(our_pid)" || return 1
  [[ "$(proc_cmdline "$pid")" == *"$BROKER_URL"* ]] || return 1
  port_open "$BROKER_PORT" || return 1
  printf '%s\n' "$pid"
}

log_tail() {
  if [[ -f $LOG_FILE ]]; then
    log "last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2 || true
  fi
}

cmd_install() {
  command -v cargo >/dev/null || die "cargo not found; install the Rust toolchain (https://rustup.rs) first"
  local quiet=(--quiet)
  if ! command -v tansu >/dev/null; then
    log "installing tansu $TANSU_VERSION from crates.io (the first install compiles it: 10-25 minutes)"
    quiet=()
  fi
  # cargo skips the build when this version with these features is already installed.
  cargo install tansu --version "$TANSU_VERSION" --locked --features "$TANSU_FEATURES" "${quiet[@]}"
  command -v tansu >/dev/null || die "tansu not on PATH after cargo install (looked in ${CARGO_HOME:-$HOME/.cargo}/bin)"
}

cmd_topics() {
  local topic out
  [[ $PARTITIONS =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive integer, got '$PARTITIONS'"
  for topic in ${TOPICS//,/ }; do
    # An existing topic is fine: creating it again is reported as TOPIC_ALREADY_EXISTS.
    if out="$(tansu topic create "$topic" --broker "$BROKER_URL" --partitions "$PARTITIONS" 2>&1)"; then
      log "topic '$topic' created ($PARTITIONS partitions)"
    elif grep -qiE 'already.?exists' <<<"$out"; then
      log "topic '$topic' already exists (left as it is)"
    else
      printf '%s\n' "$out" >&2
      die "could not create topic '$topic' on $BROKER_URL"
    fi
  done
}

cmd_start() {
  local pid waited=0
  if pid="$(running_pid)"; then
    echo "broker already running on $HOST:$BROKER_PORT (pid $pid)"
    exit 0
  fi
  mkdir -p "$BROKER_DIR"
  if pid="$(our_pid)"; then
    # Alive but started for another port, or hung: replace it.
    log "broker pid $pid from $PID_FILE is not serving $HOST:$BROKER_PORT; stopping it"
    cmd_stop
  fi
  rm -f "$PID_FILE"
  if port_open "$BROKER_PORT"; then
    die "port $BROKER_PORT on $HOST is already in use by another process (not the broker in $BROKER_DIR); stop it or choose another BROKER_PORT"
  fi

  cmd_install

  log "starting tansu on $BROKER_URL (storage $DB_FILE, log $LOG_FILE)"
  # setsid: own session, so Ctrl-C in the calling terminal does not reach the broker;
  # nohup: survives the shell that started it. Both exec, so $! is tansu's pid.
  local launcher=(nohup)
  if command -v setsid >/dev/null; then launcher=(setsid nohup); fi
  # Inside BROKER_DIR, with a relative URL: docs/src/operations.md#tansu-sqlite-path
  pid="$(
    cd "$BROKER_DIR"
    NO_COLOR=1 "${launcher[@]}" tansu broker \
      --cluster-id "$CLUSTER_ID" \
      --listener-url "$BROKER_URL" \
      --advertised-listener-url "$BROKER_URL" \
      --storage-engine "sqlite://tansu.db" \
      >>"$LOG_FILE" 2>&1 </dev/null &
    echo $!
  )"
  echo "$pid" >"$PID_FILE"

  until port_open "$BROKER_PORT"; do
    if ! alive "$pid"; then
      rm -f "$PID_FILE"
      log_tail
      die "tansu exited during startup (see $LOG_FILE)"
    fi
    if ((waited >= START_TIMEOUT_SECS * 4)); then
      log_tail
      cmd_stop
      die "tansu did not accept connections on $HOST:$BROKER_PORT within ${START_TIMEOUT_SECS}s (see $LOG_FILE)"
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
  log "broker up (pid $pid)"

  cmd_topics
  echo "$HOST:$BROKER_PORT"
}

cmd_stop() {
  local pid i
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    log "broker not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "broker pid $pid ignored SIGTERM for 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$PID_FILE"
  log "broker stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "broker running on $HOST:$BROKER_PORT (pid $pid)"
    return 0
  fi
  if pid="$(our_pid)"; then
    echo "broker not running on $HOST:$BROKER_PORT (pid $pid from $PID_FILE is alive but not serving that port)"
  else
    echo "broker not running on $HOST:$BROKER_PORT"
  fi
  return 1
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  topics)
    running_pid >/dev/null || port_open "$BROKER_PORT" || die "no broker accepting connections on $HOST:$BROKER_PORT; run: BROKER=tansu scripts/broker.sh start"
    command -v tansu >/dev/null || cmd_install
    cmd_topics
    ;;
  *)
    echo "usage: $0 {install|start|stop|status|topics}" >&2
    exit 2
    ;;
esac
