"""Quix Streams, for comparison: hashtag counts in tumbling 1-minute windows, the library's way.

Why it exists: Quix Streams is the Python stream-processing library closest to what our consumer
does (event-time windows over a Kafka topic, state per key). scripts/bench.sh runs this side by
side with our consumer on the same pre-loaded topic.

The pipeline is written the way the library is meant to be used: event time from each tweet's
created_at (timestamp extractor), hashtags taken as in the tutorials (text split on spaces, words
containing '#'), one record per hashtag (`apply(expand=True)`), re-keyed by hashtag with
`group_by` (Quix windows are per message key, so this goes through a repartition topic on the
broker), then `tumbling_window(1 min).count()`. Changelog topics are off (in-memory RocksDB state
only), which spares the broker work and favours Quix. Grace is 5 s, like our allowed lateness.

Quix runs until stopped, so the script counts what it has seen and calls `app.stop()` once all
`--expect` tweets were read and every hashtag record they produced came back through the
repartition topic. It then prints the top hashtags of every window, and finally
`RESULT count=<tweets> seconds=<s>` (seconds from `app.run()` to the stop).
"""

import argparse
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone

from quixstreams import Application

CREATED_AT = "%a %b %d %H:%M:%S %z %Y"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group-id", required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--expect", type=int, required=True, help="tweets in the topic")
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()

    app = Application(
        broker_address=args.bootstrap_servers,
        consumer_group=args.group_id,
        auto_offset_reset="earliest",
        state_dir=args.state_dir,
        use_changelog_topics=False,
        loglevel="WARNING",
        # Same fetch settings as our consumer and the other candidates.
        consumer_extra_config={"max.partition.fetch.bytes": 16777216, "fetch.wait.max.ms": 10},
    )

    def created_at_ms(value, headers, timestamp, timestamp_type) -> int:
        return int(datetime.strptime(value["created_at"], CREATED_AT).timestamp() * 1000)

    topic = app.topic(args.topic, value_deserializer="json", timestamp_extractor=created_at_ms)

    seen = {"tweets": 0, "emitted": 0, "returned": 0, "late": 0}
    latest = {}  # (window start ms, hashtag) -> latest count

    def maybe_stop():
        if seen["tweets"] >= args.expect and seen["returned"] >= seen["emitted"]:
            app.stop()

    def hashtags(tweet):
        tags = [word for word in tweet.get("text", "").split(" ") if "#" in word]
        seen["tweets"] += 1
        seen["emitted"] += len(tags)
        if not tags:
            maybe_stop()
        return tags

    def record(value, key, timestamp, headers):
        latest[(value["start"], key)] = value["value"]
        seen["returned"] += 1
        maybe_stop()

    def late(value, key, timestamp_ms, late_by_ms, start, end, name, topic, partition, offset):
        # A record dropped by a closed window still came back through the repartition topic.
        seen["late"] += 1
        seen["returned"] += 1
        maybe_stop()
        return False

    sdf = app.dataframe(topic)
    sdf = sdf.apply(hashtags, expand=True)
    sdf = sdf.group_by(lambda tag: tag, name="hashtag")
    sdf = sdf.tumbling_window(duration_ms=60_000, grace_ms=5_000, on_late=late).count().current()
    sdf = sdf.update(record, metadata=True)

    start = time.monotonic()
    # The timeout (no new message for 60 s) only guards against a run that never completes.
    app.run(timeout=60)
    elapsed = time.monotonic() - start

    by_window = defaultdict(list)
    for (window, tag), count in latest.items():
        by_window[window].append((count, tag))
    for window in sorted(by_window):
        rows = sorted(by_window[window], key=lambda r: (-r[0], r[1]))[: args.top]
        label = datetime.fromtimestamp(window / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        print(f"Window: {label} UTC [tumbling-1m]  distinct hashtags: {len(by_window[window])}")
        for count, tag in rows:
            print(f"  {tag:<24} {count:>8}")
    print(
        f"tweets {seen['tweets']}, hashtag records sent {seen['emitted']}, "
        f"counted {seen['returned'] - seen['late']}, late {seen['late']}",
        file=sys.stderr,
    )
    print(f"RESULT count={seen['tweets']} seconds={elapsed:.3f}")
    return 0 if seen["tweets"] >= args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
