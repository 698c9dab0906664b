#!/usr/bin/env bash
# The local broker of the demo, the tests and the benchmarks: Apache Kafka (scripts/kafka.sh) by
# default, or Tansu (scripts/tansu.sh) with BROKER=tansu on a machine without Java.
#
# Usage: scripts/broker.sh {install|start|stop|status}   (the same commands for both brokers)
#
# Environment: BROKER [kafka]; BROKER_PORT, BROKER_DIR, TOPICS and PARTITIONS as the chosen
# broker's script documents them.
set -euo pipefail

SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

case "${BROKER:-kafka}" in
  kafka) exec bash "$SCRIPTS/kafka.sh" "$@" ;;
  tansu) exec bash "$SCRIPTS/tansu.sh" "$@" ;;
  *)
    printf 'broker.sh: error: BROKER must be kafka or tansu, got %s\n' "$BROKER" >&2
    exit 2
    ;;
esac
