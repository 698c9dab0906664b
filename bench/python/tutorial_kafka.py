"""The tutorials' approach, for comparison: a plain confluent-kafka consumer loop in Python.

Why it exists: the classic "trending hashtags with Kafka" tutorials count hashtags in Python by
polling a consumer, decoding every tweet with json.loads, splitting its text on spaces and
counting the words that contain '#' in a dict. This script does exactly that over a whole topic
(per 1-minute window of created_at), so scripts/bench.sh can run it side by side with our consumer
on the same pre-loaded topic. It uses the same fetch settings as our consumer so that the
comparison measures processing, not fetch tuning.

Reads from the earliest offset with a fresh group until every partition reports its end, prints
the top hashtags of every window, then `RESULT count=<messages> seconds=<s>` (seconds from
subscribing to the last partition's end).
"""

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone

from confluent_kafka import Consumer, KafkaError, KafkaException

CREATED_AT = "%a %b %d %H:%M:%S %z %Y"
WINDOW_SECS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group-id", required=True)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--stall-secs", type=float, default=60)
    args = parser.parse_args()

    consumer = Consumer(
        {
            "bootstrap.servers": args.bootstrap_servers,
            "group.id": args.group_id,
            "auto.offset.reset": "earliest",
            "enable.partition.eof": True,
            "max.partition.fetch.bytes": 16777216,
            "fetch.wait.max.ms": 50,
        }
    )
    metadata = consumer.list_topics(args.topic, timeout=15)
    topic = metadata.topics.get(args.topic)
    if topic is None or topic.error is not None or not topic.partitions:
        print(f"topic {args.topic} does not exist", file=sys.stderr)
        return 1
    partitions = len(topic.partitions)

    counts = defaultdict(int)  # (window start, hashtag) -> count
    at_end = set()
    messages = 0
    consumer.subscribe([args.topic])
    start = last_progress = time.monotonic()
    while len(at_end) < partitions:
        msg = consumer.poll(0.5)
        if msg is None:
            if time.monotonic() - last_progress > args.stall_secs:
                print(f"nothing for {args.stall_secs} s after {messages} messages", file=sys.stderr)
                return 1
            continue
        last_progress = time.monotonic()
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            raise KafkaException(msg.error())
        at_end.discard(msg.partition())
        messages += 1
        tweet = json.loads(msg.value())
        created = datetime.strptime(tweet["created_at"], CREATED_AT)
        seconds = int(created.timestamp())
        window = seconds - seconds % WINDOW_SECS
        for word in tweet.get("text", "").split(" "):
            if "#" in word:
                counts[(window, word)] += 1
    elapsed = time.monotonic() - start
    consumer.close()

    by_window = defaultdict(list)
    for (window, word), count in counts.items():
        by_window[window].append((count, word))
    for window in sorted(by_window):
        rows = sorted(by_window[window], key=lambda r: (-r[0], r[1]))[: args.top]
        label = datetime.fromtimestamp(window, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        print(f"Window: {label} UTC [tumbling-1m]  distinct hashtags: {len(by_window[window])}")
        for count, word in rows:
            print(f"  {word:<24} {count:>8}")
    print(f"RESULT count={messages} seconds={elapsed:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
