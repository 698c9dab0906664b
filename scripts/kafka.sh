#!/usr/bin/env bash
# Apache Kafka for machines without Docker: fetches the broker and its tools from Maven Central,
# runs a single KRaft node or a three-node cluster on 127.0.0.1, and wraps Kafka's own CLI tools.
#
# Usage:
#   scripts/kafka.sh install                  fetch Kafka $KAFKA_VERSION into the cache (once)
#   scripts/kafka.sh start|stop|kill|status   one combined broker+controller node
#   scripts/kafka.sh create-topics            create $TOPICS on the running node
#   scripts/kafka.sh cluster start|stop|status          three nodes, replication 3, min ISR 2
#   scripts/kafka.sh cluster start|stop|kill|pid N      one node of the cluster (1, 2 or 3)
#   scripts/kafka.sh TOOL [ARGS]              Kafka's CLI: topics, console-consumer,
#                                             console-producer, consumer-groups, configs,
#                                             get-offsets, producer-perf-test, consumer-perf-test
#   eval "$(scripts/kafka.sh env)"            puts kafka-topics, kafka-console-consumer, ... on PATH
#
# A TOOL gets --bootstrap-server 127.0.0.1:$BROKER_PORT unless its arguments name a server, so
# `scripts/kafka.sh console-consumer --topic hashtag-counts --from-beginning --property
# print.key=true` reads the local broker, and the same command with `--bootstrap-server
# localhost:9092` reads docker-compose.yml's Kafka.
#
# Environment (defaults in brackets):
#   BROKER_PORT      client port of the single node [9092]; CONTROLLER_PORT [BROKER_PORT+1]
#   BROKER_DIR       its configuration, data, pid file and logs [<repo>/.broker]
#   TOPICS           topics `start` creates, separated by spaces or commas [raw-twitter]
#   PARTITIONS       partitions per created topic [3]
#   CLUSTER_DIR      the cluster's nodes, one folder each [<repo>/.cluster]
#   CLUSTER_PORTS    the three client ports [19092,29092,39092]
#   CONTROLLER_PORTS the three controller ports [19093,29093,39093]
#   KAFKA_HOME       where Kafka's jars are cached [${XDG_CACHE_HOME:-~/.cache}/trends/kafka-$KAFKA_VERSION]
#   KAFKA_HEAP_OPTS  broker heap [-Xmx512M -Xms512M]
#   GROUP_INITIAL_REBALANCE_DELAY_MS  how long a new consumer group waits for more members before
#                    its first assignment [0: at once, for fast tests; Kafka's default is 3000]
#   JAVA_HOME        the JDK to run (17 or newer) [the `java` on PATH]
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

KAFKA_VERSION="4.1.1"
LOG4J_VERSION="2.24.3"
KAFKA_HOME="${KAFKA_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/trends/kafka-$KAFKA_VERSION}"
LIBS="$KAFKA_HOME/libs"
HOST="127.0.0.1"

BROKER_PORT="${BROKER_PORT:-9092}"
CONTROLLER_PORT="${CONTROLLER_PORT:-$((BROKER_PORT + 1))}"
BROKER_DIR="${BROKER_DIR:-$REPO_ROOT/.broker}"
[[ $BROKER_DIR == /* ]] || BROKER_DIR="$PWD/$BROKER_DIR"
TOPICS="${TOPICS-raw-twitter}"
PARTITIONS="${PARTITIONS:-3}"
CLUSTER_DIR="${CLUSTER_DIR:-$REPO_ROOT/.cluster}"
[[ $CLUSTER_DIR == /* ]] || CLUSTER_DIR="$PWD/$CLUSTER_DIR"
IFS=', ' read -r -a CLUSTER_PORT_LIST <<<"${CLUSTER_PORTS:-19092,29092,39092}"
IFS=', ' read -r -a CONTROLLER_PORT_LIST <<<"${CONTROLLER_PORTS:-19093,29093,39093}"
START_TIMEOUT_SECS="${BROKER_START_TIMEOUT:-120}"
# How long a node may take after SIGTERM before SIGKILL: docs/src/operations.md#kafka-controlled-shutdown
STOP_TIMEOUT_SECS="${BROKER_STOP_TIMEOUT:-30}"

log() { printf 'kafka.sh: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

java_bin() {
  if [[ -n ${JAVA_HOME:-} ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    command -v java || true
  fi
}

# Java 17 or newer, or one line saying what to install.
require_java() {
  local java version major
  java="$(java_bin)"
  [[ -n $java && -x $java ]] ||
    die "Apache Kafka needs Java 17 or newer: install a JDK (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
  version="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1)"
  major="${version:-0}"
  ((major >= 17)) ||
    die "Apache Kafka needs Java 17 or newer, $java is version ${version:-unknown}: install a newer JDK or set JAVA_HOME"
  printf '%s\n' "$java"
}

# The log configuration of the tools: warnings and errors on stderr, nothing on stdout.
write_tools_log_config() {
  cat >"$KAFKA_HOME/tools-log4j2.properties" <<'EOF'
status = error
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = stderr
EOF
}

# kafka-topics, kafka-console-consumer, ...: the release's command names, for PATH.
write_tool_commands() {
  local name class
  mkdir -p "$KAFKA_HOME/bin"
  while read -r name class; do
    cat >"$KAFKA_HOME/bin/kafka-$name" <<EOF
#!/bin/sh
exec "\${JAVA_HOME:+\$JAVA_HOME/bin/}java" -Xmx512M -Djava.awt.headless=true \\
  -Dlog4j2.configurationFile="$KAFKA_HOME/tools-log4j2.properties" -cp "$LIBS/*" $class "\$@"
EOF
    chmod +x "$KAFKA_HOME/bin/kafka-$name"
  done <<'EOF'
topics org.apache.kafka.tools.TopicCommand
console-consumer org.apache.kafka.tools.consumer.ConsoleConsumer
console-producer org.apache.kafka.tools.ConsoleProducer
consumer-groups org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
configs kafka.admin.ConfigCommand
get-offsets org.apache.kafka.tools.GetOffsetShell
producer-perf-test org.apache.kafka.tools.ProducerPerformance
consumer-perf-test org.apache.kafka.tools.ConsumerPerformance
transactions org.apache.kafka.tools.TransactionsCommand
storage kafka.tools.StorageTool
EOF
}

cmd_install() {
  require_java >/dev/null
  if [[ -f $KAFKA_HOME/.installed ]]; then
    return 0
  fi
  command -v mvn >/dev/null ||
    die "fetching Apache Kafka from Maven Central needs Maven: install it (Debian: apt-get install maven)"
  log "fetching Apache Kafka $KAFKA_VERSION (broker, tools, log4j) from Maven Central into $KAFKA_HOME"
  mkdir -p "$KAFKA_HOME"
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.trends</groupId>
  <artifactId>kafka-distribution</artifactId>
  <version>$KAFKA_VERSION</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$LIBS"
  if ! mvn -q -B -f "$KAFKA_HOME/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIBS" -DincludeScope=runtime >"$KAFKA_HOME/mvn.log" 2>&1; then
    tail -n 20 "$KAFKA_HOME/mvn.log" >&2 || true
    die "Maven could not fetch Apache Kafka $KAFKA_VERSION (log: $KAFKA_HOME/mvn.log)"
  fi
  [[ -f $LIBS/kafka_2.13-$KAFKA_VERSION.jar ]] || die "Maven finished but $LIBS has no kafka_2.13 jar"
  write_tools_log_config
  write_tool_commands
  touch "$KAFKA_HOME/.installed"
  log "Apache Kafka $KAFKA_VERSION installed ($(du -sh "$LIBS" | cut -f1))"
}

# True when something accepts TCP connections on $HOST:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# True when process $1 exists and is not a zombie.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ ${stat:0:1} != Z ]]
}

# The pid of the broker running with node directory $1's configuration, if any.
node_pid() {
  local dir=$1 pid
  [[ -f $dir/kafka.pid ]] || return 1
  pid="$(tr -dc '0-9' <"$dir/kafka.pid")"
  [[ -n $pid ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $dir/server.properties" || return 1
  printf '%s\n' "$pid"
}

# Writes node directory $1's server.properties: node id $2, client port $3, controller port $4,
# voters $5, replication factor and min ISR of the internal topics $6 and $7.
write_node_config() {
  local dir=$1 id=$2 port=$3 controller=$4 voters=$5 replication=$6 min_isr=$7
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$controller
advertised.listeners=PLAINTEXT://$HOST:$port
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
default.replication.factor=$replication
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replication
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replication
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=${GROUP_INITIAL_REBALANCE_DELAY_MS:-0}
# As in docker-compose.yml: the binaries create the topics they need, with their settings.
auto.create.topics.enable=false
EOF
  cat >"$dir/log4j2.properties" <<'EOF'
status = error
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 50MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 2
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
}

# Formats node directory $1's storage for cluster id $2 unless it already is.
format_node() {
  local dir=$1 cluster_id=$2 java
  [[ -f $dir/data/meta.properties ]] && return 0
  java="$(require_java)"
  "$java" -Xmx256M -Dlog4j2.configurationFile="$KAFKA_HOME/tools-log4j2.properties" -cp "$LIBS/*" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" --ignore-formatted \
    >"$dir/logs/format.log" 2>&1 || {
    cat "$dir/logs/format.log" >&2
    die "cannot format the storage of $dir"
  }
}

# A cluster id kept in file $1 (made once, so a restarted node keeps its data).
cluster_id() {
  local file=$1 java
  if [[ ! -s $file ]]; then
    java="$(require_java)"
    "$java" -cp "$LIBS/*" -Dlog4j2.configurationFile="$KAFKA_HOME/tools-log4j2.properties" \
      kafka.tools.StorageTool random-uuid >"$file"
  fi
  tr -d '[:space:]' <"$file"
}

# Launches node directory $1's broker in the background (its own session, so Ctrl-C in the
# calling terminal does not reach it) and records its pid.
launch_node() {
  local dir=$1 java pid
  java="$(require_java)"
  # Readiness is read from this start's lines only.
  [[ -f $dir/logs/server.log ]] && mv -f "$dir/logs/server.log" "$dir/logs/server.log.previous"
  # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS holds several flags
  pid="$(
    setsid nohup "$java" ${KAFKA_HEAP_OPTS:--Xmx512M -Xms512M} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true -Dkafka.logs.dir="$dir/logs" \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" -cp "$LIBS/*" \
      kafka.Kafka "$dir/server.properties" >>"$dir/logs/stdout.log" 2>&1 </dev/null &
    echo $!
  )"
  echo "$pid" >"$dir/kafka.pid"
}

# Waits until node directory $1's broker (client port $2) has started and accepts connections.
await_node() {
  local dir=$1 port=$2 pid waited=0
  pid="$(tr -dc '0-9' <"$dir/kafka.pid")"
  until grep -qs "Kafka Server started" "$dir/logs/server.log" && port_open "$port"; do
    if ! alive "$pid"; then
      tail -n 30 "$dir/logs/server.log" "$dir/logs/stdout.log" >&2 2>/dev/null || true
      die "the broker in $dir exited during startup (log: $dir/logs/server.log)"
    fi
    if ((waited >= START_TIMEOUT_SECS * 4)); then
      tail -n 30 "$dir/logs/server.log" >&2 2>/dev/null || true
      die "the broker in $dir did not start within ${START_TIMEOUT_SECS}s (log: $dir/logs/server.log)"
    fi
    sleep 0.25
    waited=$((waited + 1))
  done
}

# Sends SIGTERM to the brokers of the node directories given, then SIGKILL to those still
# running after the bound.
stop_nodes() {
  local dir pid pids=() i
  for dir in "$@"; do
    if pid="$(node_pid "$dir")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$dir/kafka.pid"
  done
  ((${#pids[@]} > 0)) || return 0
  for ((i = 0; i < STOP_TIMEOUT_SECS * 10; i++)); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    ((left == 0)) && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if alive "$pid"; then
      log "broker pid $pid ignored SIGTERM for ${STOP_TIMEOUT_SECS}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do
    while alive "$pid"; do sleep 0.1; done
  done
}

# Starts node directory $1 (client port $2, controller port $3) unless it runs; prints nothing.
start_single() {
  local pid
  if pid="$(node_pid "$BROKER_DIR")" && port_open "$BROKER_PORT"; then
    log "broker already running on $HOST:$BROKER_PORT (pid $pid)"
    return 0
  fi
  [[ -n ${pid:-} ]] && stop_nodes "$BROKER_DIR"
  local port
  for port in "$BROKER_PORT" "$CONTROLLER_PORT"; do
    port_open "$port" && die "port $port on $HOST is already in use by another process (not the broker in $BROKER_DIR); stop it or choose another BROKER_PORT"
  done
  cmd_install
  write_node_config "$BROKER_DIR" 1 "$BROKER_PORT" "$CONTROLLER_PORT" "1@$HOST:$CONTROLLER_PORT" 1 1
  format_node "$BROKER_DIR" "$(cluster_id "$BROKER_DIR/cluster.id")"
  log "starting Apache Kafka $KAFKA_VERSION on $HOST:$BROKER_PORT (data and logs in $BROKER_DIR)"
  launch_node "$BROKER_DIR"
  await_node "$BROKER_DIR" "$BROKER_PORT"
  log "broker up (pid $(cat "$BROKER_DIR/kafka.pid"))"
}

cmd_start() {
  start_single
  cmd_create_topics
  echo "$HOST:$BROKER_PORT"
}

cmd_stop() {
  if ! node_pid "$BROKER_DIR" >/dev/null; then
    rm -f "$BROKER_DIR/kafka.pid"
    log "broker not running"
    return 0
  fi
  stop_nodes "$BROKER_DIR"
  log "broker stopped"
}

# SIGKILL, as a crash would; the data stays for the next start.
kill_node() {
  local pid
  if pid="$(node_pid "$1")"; then
    kill -KILL "$pid"
    while alive "$pid"; do sleep 0.05; done
  fi
  rm -f "$1/kafka.pid"
}

cmd_status() {
  local pid
  if pid="$(node_pid "$BROKER_DIR")" && port_open "$BROKER_PORT"; then
    echo "Apache Kafka running on $HOST:$BROKER_PORT (pid $pid, $BROKER_DIR)"
    return 0
  fi
  echo "Apache Kafka not running on $HOST:$BROKER_PORT ($BROKER_DIR)"
  return 1
}

cmd_create_topics() {
  local topic
  [[ -n ${TOPICS//[ ,]/} ]] || return 0
  [[ $PARTITIONS =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive integer, got '$PARTITIONS'"
  for topic in ${TOPICS//,/ }; do
    run_tool topics --bootstrap-server "$HOST:$BROKER_PORT" --create --if-not-exists \
      --topic "$topic" --partitions "$PARTITIONS" >/dev/null ||
      die "could not create topic '$topic' on $HOST:$BROKER_PORT"
    log "topic '$topic' ready"
  done
}

# --- the cluster ---

node_dir() { printf '%s/node-%s\n' "$CLUSTER_DIR" "$1"; }

check_node() {
  [[ $1 =~ ^[123]$ ]] || die "a cluster node is 1, 2 or 3, got '$1'"
}

cluster_voters() {
  local i voters=()
  for i in 1 2 3; do voters+=("$i@$HOST:${CONTROLLER_PORT_LIST[i - 1]}"); done
  local IFS=,
  printf '%s\n' "${voters[*]}"
}

# Writes and formats node $1's directory and launches it unless it runs.
launch_cluster_node() {
  local i=$1 dir
  dir="$(node_dir "$i")"
  node_pid "$dir" >/dev/null && return 0
  write_node_config "$dir" "$i" "${CLUSTER_PORT_LIST[i - 1]}" "${CONTROLLER_PORT_LIST[i - 1]}" \
    "$(cluster_voters)" 3 2
  format_node "$dir" "$(cluster_id "$CLUSTER_DIR/cluster.id")"
  launch_node "$dir"
}

# Starts the given nodes together: a node waits for a controller quorum before it serves.
cluster_start() {
  local i
  ((${#CLUSTER_PORT_LIST[@]} == 3 && ${#CONTROLLER_PORT_LIST[@]} == 3)) ||
    die "CLUSTER_PORTS and CONTROLLER_PORTS need three ports each"
  cmd_install
  mkdir -p "$CLUSTER_DIR"
  for i in "$@"; do launch_cluster_node "$i"; done
  for i in "$@"; do await_node "$(node_dir "$i")" "${CLUSTER_PORT_LIST[i - 1]}"; done
}

cluster_bootstrap() {
  local IFS=,
  printf '%s\n' "${CLUSTER_PORT_LIST[*]/#/$HOST:}"
}

cmd_cluster() {
  local action=${1:-} node=${2:-}
  if [[ -n $node ]]; then
    check_node "$node"
    case "$action" in
      start) cluster_start "$node" ;;
      stop) stop_nodes "$(node_dir "$node")" ;;
      kill) kill_node "$(node_dir "$node")" ;;
      pid) node_pid "$(node_dir "$node")" ;;
      *) die "usage: kafka.sh cluster {start|stop|kill|pid} N" ;;
    esac
    return
  fi
  case "$action" in
    start)
      cluster_start 1 2 3
      log "cluster up: $(cluster_bootstrap) (data and logs in $CLUSTER_DIR)"
      cluster_bootstrap
      ;;
    stop)
      stop_nodes "$(node_dir 1)" "$(node_dir 2)" "$(node_dir 3)"
      log "cluster stopped"
      ;;
    status)
      local i pid up=0
      for i in 1 2 3; do
        if pid="$(node_pid "$(node_dir "$i")")"; then
          echo "node $i running on $HOST:${CLUSTER_PORT_LIST[i - 1]} (pid $pid)"
          up=$((up + 1))
        else
          echo "node $i not running"
        fi
      done
      ((up == 3))
      ;;
    *) die "usage: kafka.sh cluster {start|stop|status} [N]" ;;
  esac
}

# --- Kafka's tools ---

# Runs tool $1 with the remaining arguments, adding the local broker's address when none is given.
run_tool() {
  local tool=$1
  shift
  cmd_install
  local command="$KAFKA_HOME/bin/kafka-$tool"
  [[ -x $command ]] || die "unknown tool '$tool' (see the usage at the top of scripts/kafka.sh)"
  local arg named=0
  for arg in "$@"; do
    case "$arg" in
      --bootstrap-server | --bootstrap-server=* | --bootstrap-controller | *bootstrap.servers=* | --help | --version) named=1 ;;
    esac
  done
  if ((named)); then
    exec_or_run "$command" "$@"
  elif [[ $tool == producer-perf-test ]]; then
    exec_or_run "$command" "$@" --producer-props "bootstrap.servers=$HOST:$BROKER_PORT"
  else
    exec_or_run "$command" --bootstrap-server "$HOST:$BROKER_PORT" "$@"
  fi
}

# Tools called from this script's own commands return; called as a command, they replace it.
exec_or_run() {
  if [[ ${RUN_TOOL_INLINE:-0} == 1 ]]; then "$@"; else exec "$@"; fi
}

case "${1:-}" in
  install) cmd_install ;;
  start) RUN_TOOL_INLINE=1 cmd_start ;;
  stop) cmd_stop ;;
  kill) kill_node "$BROKER_DIR" ;;
  status) cmd_status ;;
  create-topics) RUN_TOOL_INLINE=1 cmd_create_topics ;;
  cluster)
    shift
    cmd_cluster "$@"
    ;;
  env)
    cmd_install
    printf 'export PATH="%s:$PATH"\n' "$KAFKA_HOME/bin"
    ;;
  topics | console-consumer | console-producer | consumer-groups | configs | get-offsets | \
    producer-perf-test | consumer-perf-test | transactions)
    tool=$1
    shift
    run_tool "$tool" "$@"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
