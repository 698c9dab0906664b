"""The tutorials' approach on tweets held in memory, for the engine benchmark's ratio.

Why it exists: `target/release/engine` runs our consumer's code path over tweets held in memory;
this runs the tutorials' Python counting (bench/python/tutorial.py) over the same file the same
way: the file is loaded first and not timed, then every tweet is counted, best of --runs.
Prints the top hashtags of every window, then `RESULT count=<tweets> seconds=<best run>`.
"""

import argparse
import sys
import time
from collections import defaultdict

from tutorial import count_tweet, print_windows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="JSON-lines file of tweets")
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with open(args.input, "rb") as f:
        payloads = [line for line in f.read().split(b"\n") if line]
    best = None
    for _ in range(args.runs):
        counts = defaultdict(int)
        start = time.perf_counter()
        for value in payloads:
            count_tweet(value, counts)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    print_windows(counts, args.top)
    print(f"RESULT count={len(payloads)} seconds={best:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
