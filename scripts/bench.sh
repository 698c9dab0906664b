#!/usr/bin/env bash
# Benchmarks on a fresh machine (Rust toolchain, Python 3, gcc): builds the release binaries,
# generates a seeded tweet file, and runs
#
#   engine  the consumer's processing engine alone, in memory (target/release/engine FILE), and
#           the tutorials' Python counting on the same tweets in memory
#           (bench/python/tutorial_memory.py)
#   e2e     end to end through a throw-away local broker (Apache Kafka; Tansu with BROKER=tansu),
#           side by side on one topic:
#             1. producer vs. a no-op produce loop of the same bytes (bench/src/bin/produce_noop.rs)
#                and Kafka's kafka-producer-perf-test
#             2. on the topic step 1 pre-loaded: a no-op drain (the ceiling), our consumer, Kafka
#                Streams (bench/kstreams, at least once and exactly_once_v2) and Spark Structured
#                Streaming (bench/spark; pyspark in .bench/spark-venv), both with their counts
#                checked against ours by bench/src/bin/same_counts.rs, the tutorials' Python loop
#                (bench/python/tutorial_kafka.py) and Quix Streams (bench/python/quix_windows.py)
#   all     both
#   transactions  what Kafka transactions would cost the consumer's output, on a throw-away Apache
#           Kafka node (bench/python/transactions.py; not part of all)
#   scaleout  on a throw-away Apache Kafka node, a 12-partition topic pre-loaded with the e2e
#           tweets: a no-op drain, then one and two consumer processes of one group, and two with
#           early updates every 100 ms, each to final results (bench/python/scaleout.py:
#           per-process CPU and peak RSS, the merge stage's input and CPU), their counts compared
#           (same_counts --peer-format ours), and the arithmetic for larger deployments (not part
#           of all)
#   latency  produce-to-early-update delay through a throw-away Apache Kafka node
#           (target/release/latency --hops; not part of all): tweets of about 2,500 bytes at a
#           steady rate, every 10th with a unique marker hashtag, our consumer with 10 s windows
#           and early updates every 100 ms; p50/p90/p99/p99.9 of when each marker first appears
#           in the result topic, and the delay hop by hop (raw topic, counting stage, partials,
#           merge stage, result topic; each marker's way in latency-hops.csv)
#
# Usage: scripts/bench.sh [engine|e2e|transactions|scaleout|latency|all]          (default: all)
#
# Environment: BENCH_ENGINE_TWEETS tweets for the engine step [1000000], BENCH_TWEETS tweets for the
# e2e and scaleout steps [200000]; for latency: BENCH_LATENCY_RATE tweets/s [5000],
# BENCH_LATENCY_SECONDS measured [60], after BENCH_LATENCY_WARMUP seconds unmeasured [10].
# Everything goes under .bench/: the tweet files, the Python venv, the broker's state and log,
# per-candidate logs and results.
# Each figure comes from bench/python/runner.py: tweets/s from wall time (process start to the exit
# of the last process it started), CPU (user+system) and peak RSS of the candidate's processes, and
# the broker's CPU meanwhile.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1

MODE="${1:-all}"
case "$MODE" in
  engine | e2e | transactions | scaleout | latency | all) ;;
  *)
    echo "usage: $0 [engine|e2e|transactions|scaleout|latency|all]" >&2
    exit 2
    ;;
esac

ENGINE_TWEETS="${BENCH_ENGINE_TWEETS:-1000000}"
TWEETS="${BENCH_TWEETS:-200000}"
LATENCY_RATE="${BENCH_LATENCY_RATE:-5000}"
LATENCY_SECONDS="${BENCH_LATENCY_SECONDS:-60}"
LATENCY_WARMUP="${BENCH_LATENCY_WARMUP:-10}"
for count in BENCH_ENGINE_TWEETS="$ENGINE_TWEETS" BENCH_TWEETS="$TWEETS" \
  BENCH_LATENCY_RATE="$LATENCY_RATE" BENCH_LATENCY_SECONDS="$LATENCY_SECONDS"; do
  [[ ${count#*=} =~ ^[1-9][0-9]*$ ]] || {
    echo "bench.sh: ${count%%=*} must be a positive integer, got '${count#*=}'" >&2
    exit 2
  }
done
[[ $LATENCY_WARMUP =~ ^[0-9]+$ ]] || {
  echo "bench.sh: BENCH_LATENCY_WARMUP must be a whole number of seconds, got '$LATENCY_WARMUP'" >&2
  exit 2
}
BENCH_DIR="$REPO_ROOT/.bench"
RUN_ID="$(date +%Y%m%d-%H%M%S)-$$"
LOG_DIR="$BENCH_DIR/logs/$RUN_ID"
RESULTS="$LOG_DIR/results.jsonl"
BROKER_DIR="$BENCH_DIR/broker"
BROKER_PORT=""
BROKER_KIND="${BROKER:-kafka}"

step() { printf '\n==> %s\n' "$*"; }
die() {
  printf 'bench.sh: error: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

PYTHON="$(command -v python3.11 || command -v python3 || true)"
[[ -n $PYTHON ]] || die "python3 not found"
command -v cargo >/dev/null || die "cargo not found; install the Rust toolchain first"
mkdir -p "$LOG_DIR"
RUNNER=("$PYTHON" "$REPO_ROOT/bench/python/runner.py")

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local status=$?
  if [[ -n $BROKER_PORT ]]; then
    step "stopping the benchmark broker"
    BROKER_DIR="$BROKER_DIR" BROKER_PORT="$BROKER_PORT" bash scripts/broker.sh stop || true
    # The topics hold the whole input several times over; keep only the log.
    rm -rf "$BROKER_DIR"/tansu.db* "$BROKER_DIR/data"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "building release binaries"
ensure_build_tools >/dev/null
cargo build --release -q -p producer -p consumer -p bench

# Writes N seeded synthetic tweets (API v1.1 shape, or SHAPE: v2) to .bench/tweets-N.jsonl
# (tweets-N-v2.jsonl) and sets TWEETS_FILE to it. Without
# stream notices (--stream-notices false, which --sink stdout would otherwise interleave), so that
# every line is a tweet and the candidates are measured on tweets only. A file is reused while its
# .done marker names the same generator (its last commit) and command line.
generate_tweets() {
  local count=$1 shape=${2:-v1}
  TWEETS_FILE="$BENCH_DIR/tweets-$count.jsonl"
  [[ $shape == v1 ]] || TWEETS_FILE="$BENCH_DIR/tweets-$count-$shape.jsonl"
  # Without the bursts of issue 20, the input stays byte for byte the one BENCHMARKS.md's earlier
  # figures were measured on.
  local generate=(target/release/producer --source synthetic --sink stdout --limit "$count" --seed 42
    --start 2026-01-01T00:00:00Z --events-per-second 5000 --stream-notices false --shape "$shape"
    --burst-every 0s)
  local recipe
  recipe="$(git log -1 --format=%H -- producer/src/source/synthetic 2>/dev/null || true) ${generate[*]}"
  step "generating $count tweets"
  if [[ -f $TWEETS_FILE && -f $TWEETS_FILE.done && "$(cat "$TWEETS_FILE.done")" == "$recipe" ]]; then
    echo "reusing $TWEETS_FILE"
  else
    rm -f "$TWEETS_FILE.done"
    "${generate[@]}" >"$TWEETS_FILE" 2>"$LOG_DIR/generate.err" ||
      die "tweet generation failed (see $LOG_DIR/generate.err)"
    printf '%s\n' "$recipe" >"$TWEETS_FILE.done"
  fi
  echo "$TWEETS_FILE: $(wc -l <"$TWEETS_FILE") tweets, $(du -m "$TWEETS_FILE" | cut -f1) MB"
}

failed=0

run_engine() {
  generate_tweets "$ENGINE_TWEETS"
  local engine=("${RUNNER[@]}" run --step engine --tweets "$ENGINE_TWEETS" --results "$RESULTS" --log-dir "$LOG_DIR")
  local own=(--count-regex '(?m)^tweets +(\d+)' --own-regex '(?m)^wall +([0-9.]+) s')
  step "engine: the consumer's processing engine in memory (target/release/engine), default settings"
  "${engine[@]}" --name engine --echo "${own[@]}" -- target/release/engine "$TWEETS_FILE" || failed=1
  step "engine: the same without sentiment (the Python below scores none)"
  "${engine[@]}" --name engine-sentiment-off --echo "${own[@]}" -- \
    target/release/engine "$TWEETS_FILE" --sentiment false || failed=1
  step "engine: the tutorials' Python counting on the same tweets in memory"
  "${engine[@]}" --name python-memory --show '^RESULT' -- \
    "$PYTHON" bench/python/tutorial_memory.py "$TWEETS_FILE" || failed=1
  generate_tweets "$ENGINE_TWEETS" v2
  step "engine: synthetic tweets in API v2 shape (--shape v2), default settings and without sentiment"
  "${engine[@]}" --name engine-v2 --echo "${own[@]}" -- target/release/engine "$TWEETS_FILE" || failed=1
  "${engine[@]}" --name engine-v2-sentiment-off --echo "${own[@]}" -- \
    target/release/engine "$TWEETS_FILE" --sentiment false || failed=1
}

# Sets PY_OK/QUIX_OK and the skip reasons.
setup_python() {
  local venv="$BENCH_DIR/venv" log="$LOG_DIR/pip.log"
  PY_OK=1 QUIX_OK=1 PY_REASON="" QUIX_REASON=""
  step "Python venv ($venv): confluent-kafka, quixstreams"
  if [[ ! -x $venv/bin/python ]] && ! "$PYTHON" -m venv "$venv" >>"$log" 2>&1; then
    PY_OK=0 QUIX_OK=0
    PY_REASON="cannot create a venv with $PYTHON: $(tail -n 1 "$log")"
    QUIX_REASON="$PY_REASON"
    return
  fi
  VENV_PYTHON="$venv/bin/python"
  if ! "$VENV_PYTHON" -m pip install -q --disable-pip-version-check confluent-kafka >>"$log" 2>&1; then
    PY_OK=0 QUIX_OK=0
    PY_REASON="pip install confluent-kafka failed: $(tail -n 1 "$log")"
    QUIX_REASON="$PY_REASON"
    return
  fi
  if ! "$VENV_PYTHON" -m pip install -q --disable-pip-version-check quixstreams >>"$log" 2>&1; then
    QUIX_OK=0
    QUIX_REASON="pip install quixstreams failed: $(tail -n 1 "$log")"
  elif ! "$VENV_PYTHON" -c 'import quixstreams' >>"$log" 2>&1; then
    QUIX_OK=0
    QUIX_REASON="import quixstreams failed: $(tail -n 1 "$log")"
  fi
  "$VENV_PYTHON" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(confluent-kafka|quixstreams) ' || true
}

# Builds the Kafka Streams peer (bench/kstreams) with Maven; sets KSTREAMS_OK and KSTREAMS_REASON.
setup_kstreams() {
  KSTREAMS_OK=1 KSTREAMS_REASON=""
  if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    KSTREAMS_OK=0 KSTREAMS_REASON="Maven and Java are needed to build bench/kstreams"
    return
  fi
  step "building the Kafka Streams peer (bench/kstreams, Maven)"
  if ! mvn -q -B -f bench/kstreams/pom.xml package -DskipTests >"$LOG_DIR/kstreams-build.log" 2>&1; then
    KSTREAMS_OK=0 KSTREAMS_REASON="mvn package failed: $(tail -n 1 "$LOG_DIR/kstreams-build.log")"
  fi
}

# Creates topic $1 with $2 partitions on the benchmark's Apache Kafka node.
create_topic() {
  BROKER_PORT="$BROKER_PORT" bash scripts/kafka.sh topics --create --topic "$1" --partitions "$2" \
    --replication-factor 1 >/dev/null || die "cannot create topic $1"
}

# The Kafka Streams candidate's name: kstreams, or kstreams-eos with exactly_once_v2 ($1 true).
kstreams_name() {
  if [[ $1 == true ]]; then echo kstreams-eos; else echo kstreams; fi
}

# Runs the Kafka Streams peer over topic $1 (processing guarantee: exactly once when $2 is true)
# and checks its counts against our result topic $3; the rest of the arguments: the runner.
run_kstreams() {
  local raw=$1 exactly_once=$2 ours=$3 name out
  shift 3
  name="$(kstreams_name "$exactly_once")"
  out="bench-$name-out-$id"
  create_topic "$out" 3
  # Grace covers the whole backlog: replaying it, the input tasks write to the repartition topic
  # in turns (bench/kstreams/src/main/java/trends/bench/HashtagTrends.java).
  "$@" --step consume --name "$name" --count-regex 'caught up, (\d+)' --show '^kstreams:' -- \
    java -jar bench/kstreams/target/kstreams-trends.jar "$BOOTSTRAP" "$raw" "$out" "bench-$name-$id" \
    60000 86400000 "$exactly_once" 2 || {
    failed=1
    return 0
  }
  target/release/same_counts --bootstrap-servers "$BOOTSTRAP" --ours "$ours" --label tumbling-1m \
    --peer "$out" || failed=1
}

# Kafka's own kafka-producer-perf-test on the tweets' bytes with our producer's settings
# (common/src/kafka/config.rs: idempotent, acks=all, uncompressed, 10 ms linger, 1 MB batches),
# into its own topic $1. It holds its payload file in memory as one Java string and sends its
# lines picked at random, unkeyed, so it gets the first 20,000 tweets (about 55 MB).
# The rest of the arguments: the runner.
run_perf_test() {
  local topic="bench-perf-test-$1" payloads="$LOG_DIR/perf-test-payloads.jsonl"
  shift
  head -n 20000 "$TWEETS_FILE" >"$payloads"
  create_topic "$topic" 3
  "$@" --step produce --name kafka-producer-perf-test --count-regex '(\d+) records sent,' \
    --show 'records sent,.*50th' -- \
    env KAFKA_HEAP_OPTS=-Xmx1G bash scripts/kafka.sh producer-perf-test --topic "$topic" \
    --num-records "$TWEETS" --throughput -1 --payload-file "$payloads" --producer-props "bootstrap.servers=$BOOTSTRAP" acks=all \
    enable.idempotence=true compression.type=none linger.ms=10 batch.size=1000000 || failed=1
}

# The Spark Structured Streaming peer (bench/spark/hashtag_trends.py). pyspark's version and its
# Kafka connector's must agree; Spark 4 runs on Java 17.
SPARK_VERSION=4.2.0

# Installs pyspark into its own venv (.bench/spark-venv: a few hundred MB of jars, kept apart from
# the light one above) and has Spark's own Ivy resolve the spark-sql-kafka connector with its
# dependencies from Maven Central once (spark.jars.packages), into .bench/spark-ivy/VERSION; the
# runs get the resolved jars (spark.jars), so no resolution is timed. Sets SPARK_OK, SPARK_REASON,
# SPARK_PYTHON and SPARK_JARS.
setup_spark() {
  local venv="$BENCH_DIR/spark-venv" ivy="$BENCH_DIR/spark-ivy/$SPARK_VERSION" log="$LOG_DIR/spark-setup.log"
  SPARK_OK=0 SPARK_REASON=""
  step "Spark peer: pyspark $SPARK_VERSION ($venv) and its Kafka connector ($ivy)"
  if ! command -v java >/dev/null; then
    SPARK_REASON="Java is needed to run Spark"
  elif [[ ! -x $venv/bin/python ]] && ! "$PYTHON" -m venv "$venv" >>"$log" 2>&1; then
    SPARK_REASON="cannot create a venv with $PYTHON: $(tail -n 1 "$log")"
  elif ! "$venv/bin/python" -m pip install -q --disable-pip-version-check "pyspark==$SPARK_VERSION" >>"$log" 2>&1; then
    SPARK_REASON="pip install pyspark==$SPARK_VERSION failed: $(tail -n 1 "$log")"
  elif [[ ! -f $ivy/resolved ]] && ! PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/spark-submit" \
    --packages "org.apache.spark:spark-sql-kafka-0-10_2.13:$SPARK_VERSION" --conf "spark.jars.ivy=$ivy" \
    bench/spark/hashtag_trends.py --help >>"$log" 2>&1; then
    SPARK_REASON="resolving the spark-sql-kafka connector failed: $(tail -n 1 "$log")"
  else
    touch "$ivy/resolved"
    SPARK_OK=1 SPARK_PYTHON="$venv/bin/python"
    local jars=("$ivy"/jars/*.jar)
    SPARK_JARS="$(IFS=,; echo "${jars[*]}")"
    echo "pyspark $SPARK_VERSION, ${#jars[@]} connector jars"
  fi
}

# Runs the Spark Structured Streaming peer over topic $1 and checks its counts against our result
# topic $2; the rest of the arguments: the runner.
run_spark() {
  local raw=$1 ours=$2 out="bench-spark-out-$id"
  shift 2
  create_topic "$out" 3
  # Own time: the streaming query's, without starting Spark (about 15 CPU s here, before a tweet).
  "$@" --step consume --name spark --count-regex 'caught up, (\d+)' --own-regex 'query ([0-9.]+) s' \
    --show '^spark:' -- env SPARK_LOCAL_IP=127.0.0.1 "$SPARK_PYTHON" bench/spark/hashtag_trends.py \
    --bootstrap-servers "$BOOTSTRAP" --topic "$raw" --output-topic "$out" --jars "$SPARK_JARS" || {
    failed=1
    return 0
  }
  target/release/same_counts --bootstrap-servers "$BOOTSTRAP" --ours "$ours" --label tumbling-1m \
    --peer "$out" --peer-format text || failed=1
}

# Starts a throw-away broker of kind BROKER [kafka] on a free port; sets BOOTSTRAP and BROKER_PID.
start_broker() {
  local pid_file broker_log
  case "$BROKER_KIND" in
    kafka) pid_file="$BROKER_DIR/kafka.pid" broker_log="$BROKER_DIR/logs/server.log" ;;
    *) pid_file="$BROKER_DIR/tansu.pid" broker_log="$BROKER_DIR/tansu.log" ;;
  esac
  step "starting a throw-away broker ($BROKER_KIND)"
  BROKER_DIR="$BROKER_DIR" bash scripts/broker.sh stop >/dev/null 2>&1 || true
  rm -rf "$BROKER_DIR"/tansu.db* "$BROKER_DIR"/tansu.log "$BROKER_DIR/data" "$BROKER_DIR/logs"
  BROKER_PORT="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  BROKER_DIR="$BROKER_DIR" BROKER_PORT="$BROKER_PORT" TOPICS="" bash scripts/broker.sh start >/dev/null
  BOOTSTRAP="127.0.0.1:$BROKER_PORT"
  BROKER_PID="$(tr -dc '0-9' <"$pid_file")"
  echo "broker $BOOTSTRAP (pid $BROKER_PID, log $broker_log)"
}

# The first producer and the first consumer group on a fresh broker wait for it to create and
# load its coordinators' state (the producer ids, the 50-partition offsets topic): about 3 s that
# would be charged to whichever candidate comes first. One tweet produced and drained first pays it.
warm_up_broker() {
  local topic="bench-warm-up-$1"
  step "warming up the broker (its first producer id and consumer group)"
  create_topic "$topic" 1
  head -n 1 "$TWEETS_FILE" >"$LOG_DIR/warm-up.jsonl"
  target/release/producer --bootstrap-servers "$BOOTSTRAP" --file "$LOG_DIR/warm-up.jsonl" --topic "$topic" \
    >"$LOG_DIR/warm-up.out" 2>&1 || die "warm-up producer failed (see $LOG_DIR/warm-up.out)"
  target/release/drain --bootstrap-servers "$BOOTSTRAP" --topic "$topic" --group-id "$topic" \
    >>"$LOG_DIR/warm-up.out" 2>&1 || die "warm-up drain failed (see $LOG_DIR/warm-up.out)"
}

run_e2e() {
  generate_tweets "$TWEETS"
  setup_python
  setup_kstreams
  setup_spark
  start_broker
  local bootstrap="$BOOTSTRAP" broker_pid="$BROKER_PID"

  local id raw noop
  id="$(date +%H%M%S)-$$"
  raw="bench-raw-$id" noop="bench-noop-$id"
  local topic
  for topic in "$raw" "$noop"; do
    if [[ $BROKER_KIND == kafka ]]; then
      create_topic "$topic" 3
    else
      # Kafka's default retention.ms, set explicitly: docs/src/operations.md#tansu-topic-configs
      tansu topic create "$topic" --broker "tcp://$bootstrap" --partitions 3 --config retention.ms=604800000 >/dev/null ||
        die "cannot create topic $topic"
    fi
    echo "topic $topic created (3 partitions)"
  done
  [[ $BROKER_KIND == kafka ]] && warm_up_broker "$id"
  local run=("${RUNNER[@]}" run --tweets "$TWEETS" --results "$RESULTS" --log-dir "$LOG_DIR" --broker-pid "$broker_pid")

  step "1. producing $TWEETS tweets: our producer vs. a no-op produce loop"
  # Both load their client settings through common::settings, so this applies to both alike.
  # A queue that drains within the producer's end-of-input flush:
  # docs/src/operations.md#tansu-throughput
  local queue="TRENDS__KAFKA__PROPERTIES__QUEUE_BUFFERING_MAX_MESSAGES=${BENCH_PRODUCE_QUEUE:-10000}"
  echo "both with $queue (queue.buffering.max.messages; env BENCH_PRODUCE_QUEUE)"
  "${run[@]}" --step produce --name producer --count-regex 'delivered (\d+)' --show 'producer summary' -- \
    env "$queue" target/release/producer --bootstrap-servers "$bootstrap" --file "$TWEETS_FILE" --topic "$raw" || {
    echo "bench.sh: the producer failed, so step 2 has no pre-loaded topic: skipped (see $LOG_DIR)" >&2
    failed=1
    return 0
  }
  "${run[@]}" --step produce --name produce-noop --show '^produce_noop:' -- \
    env "$queue" target/release/produce_noop --bootstrap-servers "$bootstrap" --topic "$noop" "$TWEETS_FILE" || failed=1
  [[ $BROKER_KIND == kafka ]] && run_perf_test "$id" "${run[@]}"

  step "2. consuming the pre-loaded topic $raw ($TWEETS tweets, 3 partitions)"
  "${run[@]}" --step consume --name drain --show '^drain:' -- \
    target/release/drain --bootstrap-servers "$bootstrap" --topic "$raw" --group-id "bench-drain-$id" || failed=1
  "${run[@]}" --step consume --name ours --count-regex 'consumed=(\d+)' --show 'consumer stopped' -- \
    target/release/consumer --bootstrap-servers "$bootstrap" --topic "$raw" --group-id "bench-ours-$id" \
    --results-topic "bench-results-$id" --window 1m --top 10 --until-end || failed=1
  local exactly_once
  for exactly_once in false true; do
    if ((KSTREAMS_OK)) && [[ $BROKER_KIND == kafka ]]; then
      run_kstreams "$raw" "$exactly_once" "bench-results-$id" "${run[@]}"
    else
      "${RUNNER[@]}" skip --step consume --name "$(kstreams_name "$exactly_once")" \
        --reason "${KSTREAMS_REASON:-Kafka Streams needs Apache Kafka}" --results "$RESULTS"
    fi
  done
  if ((SPARK_OK)) && [[ $BROKER_KIND == kafka ]]; then
    run_spark "$raw" "bench-results-$id" "${run[@]}"
  else
    "${RUNNER[@]}" skip --step consume --name spark --reason "${SPARK_REASON:-the Spark peer is run on Apache Kafka only}" \
      --results "$RESULTS"
  fi
  if ((PY_OK)); then
    "${run[@]}" --step consume --name python-tutorial --show '^RESULT' -- \
      "$VENV_PYTHON" bench/python/tutorial_kafka.py --bootstrap-servers "$bootstrap" --topic "$raw" \
      --group-id "bench-python-$id" || failed=1
  else
    "${RUNNER[@]}" skip --step consume --name python-tutorial --reason "$PY_REASON" --results "$RESULTS"
  fi
  if ((QUIX_OK)); then
    "${run[@]}" --step consume --name quix --optional --show '^RESULT|hashtag records' -- \
      "$VENV_PYTHON" bench/python/quix_windows.py --bootstrap-servers "$bootstrap" --topic "$raw" \
      --group-id "bench-quix-$id" --state-dir "$LOG_DIR/quix-state" --expect "$TWEETS" || failed=1
  else
    "${RUNNER[@]}" skip --step consume --name quix --reason "$QUIX_REASON" --results "$RESULTS"
  fi
  # The same ceiling measured again after the others: how noisy the machine was during the run.
  "${run[@]}" --step consume --name drain-again --show '^drain:' -- \
    target/release/drain --bootstrap-servers "$bootstrap" --topic "$raw" --group-id "bench-drain2-$id" || failed=1

  step "first window's top 3 per candidate (ours counts case-folded hashtags by Twitter's rules, once per tweet; the Python ones count space-separated words containing '#')"
  echo "ours:   $(grep -m1 -A6 '^|hashtag' "$LOG_DIR/consume-ours.out" | sed -n '3,5p' | tr -s ' ' | tr '\n' ' ')"
  if [[ -f $LOG_DIR/consume-python-tutorial.out ]]; then
    echo "python: $(grep -m1 -A3 '^Window' "$LOG_DIR/consume-python-tutorial.out" | sed -n '2,4p' | tr -s ' ' | tr '\n' ' ')"
  fi
  if [[ -f $LOG_DIR/consume-quix.out ]]; then
    echo "quix:   $(grep -m1 -A3 '^Window' "$LOG_DIR/consume-quix.out" | sed -n '2,4p' | tr -s ' ' | tr '\n' ' ')"
  fi
}

# What Kafka transactions would cost the consumer's output (docs/src/consumer.md, "Exactly once and Kafka
# transactions"): bench/python/transactions.py prints its own RESULT lines.
run_transactions() {
  [[ $BROKER_KIND == kafka ]] || die "transactions need Apache Kafka (Tansu has none): run without BROKER=tansu"
  setup_python
  ((PY_OK)) || die "$PY_REASON"
  start_broker
  step "transactions: visibility to a second reader and throughput, idempotent vs transactional"
  "$VENV_PYTHON" bench/python/transactions.py --bootstrap-servers "$BOOTSTRAP" | tee "$LOG_DIR/transactions.out" ||
    failed=1
}

# Scale-out: one versus two consumer processes of one group on 12 partitions, each to final
# results (bench/python/scaleout.py waits for the merging member, then stops the other), and two
# with early updates every 100 ms, the merge stage's heaviest input; the final counts of all
# three compared, and the arithmetic for larger deployments (printed at the end).
SCALEOUT=("$PYTHON" "$REPO_ROOT/bench/python/scaleout.py")
SCALEOUT_PARTITIONS=12

# Runs $4 consumer processes of group bench-$3-$2 over topic $1 to final results, into the
# result topic bench-results-$3-$2; the rest of the arguments: more consumer flags.
scaleout_consumers() {
  local raw=$1 id=$2 name=$3 processes=$4
  shift 4
  step "scale-out: $processes consumer process(es) in group bench-$name-$id, to final results${*:+ ($*)}"
  "${SCALEOUT[@]}" run --name "$name" --processes "$processes" --tweets "$TWEETS" --results "$RESULTS" \
    --log-dir "$LOG_DIR" --broker-pid "$BROKER_PID" -- \
    target/release/consumer --bootstrap-servers "$BOOTSTRAP" --topic "$raw" --group-id "bench-$name-$id" \
    --results-topic "bench-results-$name-$id" --window 1m --top 10 --until-end "$@" || failed=1
}

run_scaleout() {
  [[ $BROKER_KIND == kafka ]] || die "scaleout needs Apache Kafka's group coordinator: run without BROKER=tansu"
  generate_tweets "$TWEETS"
  # Members started together join a new group together: without the wait the first to join
  # reads everything until the second's join revokes it, and the second reads that part again.
  GROUP_INITIAL_REBALANCE_DELAY_MS=1000 start_broker
  local id raw peer
  id="$(date +%H%M%S)-$$"
  raw="bench-raw$SCALEOUT_PARTITIONS-$id"
  create_topic "$raw" "$SCALEOUT_PARTITIONS"
  warm_up_broker "$id"
  step "scale-out: producing $TWEETS tweets to $raw ($SCALEOUT_PARTITIONS partitions)"
  target/release/producer --bootstrap-servers "$BOOTSTRAP" --file "$TWEETS_FILE" --topic "$raw" \
    >"$LOG_DIR/scaleout-produce.log" 2>&1 || die "the producer failed (see $LOG_DIR/scaleout-produce.log)"
  # Its time, like every wall time here, includes the new group's 1 s wait for more members.
  step "scale-out: a no-op drain of the $SCALEOUT_PARTITIONS partitions (the ceiling)"
  "${RUNNER[@]}" run --step scaleout --name "drain-$SCALEOUT_PARTITIONS" --tweets "$TWEETS" --results "$RESULTS" \
    --log-dir "$LOG_DIR" --broker-pid "$BROKER_PID" --show '^drain:' -- \
    target/release/drain --bootstrap-servers "$BOOTSTRAP" --topic "$raw" --group-id "bench-drain-$id" || failed=1
  scaleout_consumers "$raw" "$id" ours-1proc 1
  scaleout_consumers "$raw" "$id" ours-2proc 2
  scaleout_consumers "$raw" "$id" ours-2proc-early 2 --early-updates 100ms
  for peer in ours-2proc ours-2proc-early; do
    step "scale-out: the final counts of $peer equal those of ours-1proc"
    target/release/same_counts --bootstrap-servers "$BOOTSTRAP" --ours "bench-results-ours-1proc-$id" \
      --label tumbling-1m --peer "bench-results-$peer-$id" --peer-format ours || failed=1
  done
}

# The latency binary (bench/src/bin/latency) starts our consumer itself, once the broker is up, and
# prints its own report; each marker's way goes to latency-hops.csv.
run_latency() {
  [[ $BROKER_KIND == kafka ]] || die "the latency mode measures Apache Kafka: run without BROKER=tansu"
  start_broker
  step "latency: $LATENCY_RATE tweets/s for $LATENCY_SECONDS s after $LATENCY_WARMUP s of warm-up, early updates every 100 ms"
  target/release/latency --bootstrap-servers "$BOOTSTRAP" --rate "$LATENCY_RATE" \
    --seconds "$LATENCY_SECONDS" --warmup-seconds "$LATENCY_WARMUP" --payload-bytes 2500 \
    --marker-every 10 --window 10s --early-updates 100ms --hops --hops-csv "$LOG_DIR/latency-hops.csv" \
    --consumer-bin target/release/consumer 2>"$LOG_DIR/latency.err" | tee "$LOG_DIR/latency.out" || {
    failed=1
    tail -n 20 "$LOG_DIR/latency.err" >&2
  }
}

[[ $MODE == engine || $MODE == all ]] && run_engine
[[ $MODE == e2e || $MODE == all ]] && run_e2e
[[ $MODE == transactions ]] && run_transactions
[[ $MODE == scaleout ]] && run_scaleout
[[ $MODE == latency ]] && run_latency

step "summary (logs and results in $LOG_DIR)"
if [[ $MODE != transactions && $MODE != latency ]]; then
  "${RUNNER[@]}" report --results "$RESULTS" \
    --pair engine python-memory --pair engine-sentiment-off python-memory \
    --pair producer produce-noop --pair producer kafka-producer-perf-test \
    --pair ours drain --pair ours spark --pair ours python-tutorial --pair ours quix \
    --pair drain-again drain \
    --pair ours-1proc "drain-$SCALEOUT_PARTITIONS" --pair ours-2proc ours-1proc
fi
if [[ $MODE == scaleout ]]; then
  "${SCALEOUT[@]}" report --results "$RESULTS" --one ours-1proc --two ours-2proc \
    --early ours-2proc-early --partitions "$SCALEOUT_PARTITIONS" || failed=1
fi
exit "$failed"
