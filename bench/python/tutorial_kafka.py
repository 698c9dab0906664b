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
import sys
import time
from collections import defaultdict

from confluent_kafka import Consumer, KafkaError, KafkaException

from tutorial import count_tweet, print_windows


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
            "fetch.wait.max.ms": 10,
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
        count_tweet(msg.value(), counts)
    elapsed = time.monotonic() - start
    consumer.close()

    print_windows(counts, args.top)
    print(f"RESULT count={messages} seconds={elapsed:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
