"""The tutorials' hashtag counting, shared by the Kafka and the in-memory comparisons.

Why it exists: the classic "trending hashtags with Kafka" tutorials decode every tweet with
json.loads, split its text on spaces and count the words that contain '#' in a dict, per window
of created_at. Both bench scripts count exactly this way, so they differ only in where the
tweets come from.
"""

import json
from collections import defaultdict
from datetime import datetime, timezone

CREATED_AT = "%a %b %d %H:%M:%S %z %Y"
WINDOW_SECS = 60


def count_tweet(value, counts):
    """Adds one tweet's '#' words to counts[(window start, word)]."""
    tweet = json.loads(value)
    created = datetime.strptime(tweet["created_at"], CREATED_AT)
    seconds = int(created.timestamp())
    window = seconds - seconds % WINDOW_SECS
    for word in tweet.get("text", "").split(" "):
        if "#" in word:
            counts[(window, word)] += 1


def print_windows(counts, top):
    """Prints every window's top words, like the tutorials' console output."""
    by_window = defaultdict(list)
    for (window, word), count in counts.items():
        by_window[window].append((count, word))
    for window in sorted(by_window):
        rows = sorted(by_window[window], key=lambda r: (-r[0], r[1]))[:top]
        label = datetime.fromtimestamp(window, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        print(f"Window: {label} UTC [tumbling-1m]  distinct hashtags: {len(by_window[window])}")
        for count, word in rows:
            print(f"  {word:<24} {count:>8}")
