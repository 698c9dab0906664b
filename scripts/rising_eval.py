#!/usr/bin/env python3
"""Why "rising" ranks the way it does: five rankings of the same hashtag windows, side by side.

Issue 20 ranks a final window's hashtags by how far their count lies above their recent
baseline ("trending means rising"). This script justifies that choice with a small, reproducible
evaluation: it counts a JSON-lines file of tweets in tumbling windows of event time, exactly as
the consumer does, and ranks every window with

* ``top``      - the raw count (the top-N of every "trending hashtags" tutorial);
* ``rising``   - ours, exactly as the consumer computes it (consumer/src/engine/rising.rs): the
                 history is the K windows before this one, the baseline is the hashtag's share of
                 the history's posts times this window's posts, the score is the Poisson z-like
                 ``(count - baseline) / sqrt(baseline + prior)``, all in integer thousandths, so
                 its lists equal the consumer's records;
* ``unscaled`` - the same score against the hashtag's mean count over the history windows, not
                 scaled by this window's post volume;
* ``ratio``    - ``count / (baseline + 1)`` with our volume-scaled baseline (no variance term);
* ``ewma``     - the z-like score against an exponentially weighted moving average of the
                 hashtag's counts (alpha 0.3, one value per window, no volume scaling).

All five use the same minimum count and list length; the four scored ones also the same minimum
score. What it reports (see docs/src/rising-evaluation.md for results and reading):

* per burst hashtag (absent from the first two minutes, counted at least 20 times in a window):
  how many windows after its first appearance it first ranks #1, and for how many windows;
* how many lists the steady head of the Zipf distribution (the most counted hashtag) enters, how
  many entries are not burst hashtags (and their highest score), and the mean list length;
* with ``--jump FROM TO`` (seconds after the first window's start), the non-burst entries in
  that stretch's windows, to see which methods flag everything when the volume jumps: feed a
  second, independent stream for the stretch (density doubled), or add ``--duplicate`` to count
  the stretch's posts twice, as if copied under new ids;
* with ``--surge HASHTAG FROM TO``, an existing hashtag made to rise in that stretch (added to a
  triangular share of the other posts, peak ``--surge-peak``, as the synthetic bursts do with
  new hashtags), reported like a burst hashtag: how much a rise of an already common hashtag
  scores next to a new one;
* with ``--lists N``, each window's first N entries per method (for the small real sample).

Both reports print Markdown tables, to paste into docs/src/rising-evaluation.md.

Input: Twitter v1.1 statuses (``created_at`` "Sat Jun 26 19:22:22 +0000 2021",
``entities.hashtags[].text``; a retweet counts its ``retweeted_status``, a long tweet its
``extended_tweet.entities``) or v2 messages ``{"data", "includes"}`` (``data.created_at`` RFC 3339,
``entities.hashtags[].tag``; a retweet counts the original in ``includes.tweets`` when present, a
long tweet its ``note_tweet.entities``). Hashtags are lower-cased; a tweet counts each distinct
hashtag once and a tweet id once (the consumer drops duplicate deliveries). Lines that are not
tweets (``{"delete": ...}``, notices) are skipped and counted. Python 3.11, standard library only.

    python3 scripts/rising_eval.py /tmp/eval-synth.jsonl --window 10
    python3 scripts/rising_eval.py real.jsonl --window 120 --lists 3 --min-count 2 --min-score 2
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

EWMA_ALPHA = 0.3
BURST_QUIET_MS = 120_000  # a burst hashtag is absent from the first two minutes ...
BURST_MIN_COUNT = 20  # ... and counted at least this often in some window


@dataclass(frozen=True)
class Params:
    """The consumer's `consumer.rising_*` settings and `top`; decimals in thousandths."""

    history: int
    min_count: int
    min_score_m: int
    prior_m: int
    top: int


@dataclass
class Window:
    start_ms: int
    posts: int = 0
    counts: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Entry:
    """One ranked hashtag: its count and its method's score in thousandths."""

    key: str
    count: int
    score_m: int


# ---------------------------------------------------------------------------------------------
# Reading tweets


def hashtags_of(tweet: dict, tag_field: str) -> list[str]:
    entities = tweet.get("entities") or {}
    return [h[tag_field] for h in entities.get("hashtags") or [] if h.get(tag_field)]


def v1_tags(status: dict) -> list[str]:
    """A v1.1 status's hashtags: its `extended_tweet`'s when it has one (compat mode)."""
    extended = status.get("extended_tweet")
    if extended and extended.get("entities") is not None:
        return hashtags_of(extended, "text")
    return hashtags_of(status, "text")


def v2_tags(tweet: dict) -> list[str]:
    """A v2 tweet's hashtags: its `note_tweet`'s when it is long."""
    note = tweet.get("note_tweet")
    if note and note.get("entities") is not None:
        return hashtags_of(note, "tag")
    return hashtags_of(tweet, "tag")


def parse(obj: dict) -> tuple[str, int, set[str]] | None:
    """(id, created_at in epoch ms, lower-cased hashtags) of a tweet; None for anything else."""
    if isinstance(obj.get("data"), dict):  # v2 filtered stream
        data = obj["data"]
        if "id" not in data or "created_at" not in data:
            return None
        created = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
        references = data.get("referenced_tweets") or []
        retweeted = [r.get("id") for r in references if r.get("type") == "retweeted"]
        included = {t.get("id"): t for t in (obj.get("includes") or {}).get("tweets") or []}
        source = included.get(retweeted[0], data) if retweeted else data
        tags, tweet_id = v2_tags(source), str(data["id"])
    elif "created_at" in obj and ("id_str" in obj or "id" in obj):  # v1.1
        created = datetime.strptime(obj["created_at"], "%a %b %d %H:%M:%S %z %Y")
        tags = v1_tags(obj.get("retweeted_status") or obj)
        tweet_id = str(obj.get("id_str") or obj["id"])
    else:
        return None
    return tweet_id, int(created.timestamp() * 1000), {t.lower() for t in tags}


def read_tweets(lines: Iterable[str]) -> tuple[list[tuple[int, set[str]]], int, int]:
    """The tweets (created ms, hashtags), how many lines were not tweets, how many were repeats."""
    tweets, skipped, repeats, seen = [], 0, 0, set()
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            skipped += 1
            continue
        parsed = parse(obj) if isinstance(obj, dict) else None
        if parsed is None:
            skipped += 1
        elif parsed[0] not in seen:
            seen.add(parsed[0])
            tweets.append(parsed[1:])
        else:
            repeats += 1
    return tweets, skipped, repeats


@dataclass(frozen=True)
class Surge:
    """An existing hashtag made to rise: in `stretch` (seconds after the first window's start) a
    post without it gets it with probability `peak` times a triangle over the stretch (0 at its
    ends, 1 in its middle), as the synthetic source's bursts do with a new hashtag."""

    key: str
    stretch: tuple[int, int]
    peak: float


def windows_of(
    tweets: list[tuple[int, set[str]]],
    size_ms: int,
    double: tuple[int, int] | None = None,
    surge: Surge | None = None,
) -> list[Window]:
    """Tumbling epoch-aligned windows from the first to the last, gaps as empty windows (a
    window without posts counts every hashtag 0). Posts created in the `double` stretch count
    twice; `surge` adds a hashtag (seeded, so runs repeat)."""
    first = min(ms for ms, _ in tweets) // size_ms * size_ms
    last = max(ms for ms, _ in tweets) // size_ms * size_ms
    windows = {s: Window(s) for s in range(first, last + size_ms, size_ms)}
    draws = random.Random(20)
    for ms, tags in tweets:
        copies = 2 if double and in_stretch(ms, first, double) else 1
        if surge and in_stretch(ms, first, surge.stretch) and surge.key not in tags:
            begin, end = (x * 1000 for x in surge.stretch)
            rise = min(ms - first - begin, end - (ms - first)) * 2 / (end - begin)
            tags = tags | {surge.key} if draws.random() < surge.peak * rise else tags
        window = windows[ms // size_ms * size_ms]
        window.posts += copies
        for tag in tags:
            window.counts[tag] += copies
    return [windows[s] for s in sorted(windows)]


# ---------------------------------------------------------------------------------------------
# The methods. Each takes the window and the K windows before it and returns each hashtag's
# score in thousandths, or None while it has nothing to compare with (warm-up).


def z_score_m(count: int, baseline_m: int, prior_m: int) -> int:
    """(count - baseline) / sqrt(baseline + prior) in thousandths, rounded down, exactly as the
    consumer's integer arithmetic (isqrt of thousandths times 1000)."""
    root_m = max(math.isqrt((baseline_m + prior_m) * 1000), 1)
    return (count * 1000 - baseline_m) * 1000 // root_m


def scaled_baseline_m(key: str, window: Window, history: list[Window]) -> int:
    """Our baseline: the hashtag's share of the history's posts times this window's posts."""
    seen = sum(w.counts[key] for w in history)
    return seen * window.posts * 1000 // sum(w.posts for w in history)


def score_top(window, history, params, state) -> dict[str, int]:
    return {key: count * 1000 for key, count in window.counts.items()}


def score_rising(window, history, params, state) -> dict[str, int] | None:
    if sum(w.posts for w in history) == 0:
        return None
    return {
        key: z_score_m(count, scaled_baseline_m(key, window, history), params.prior_m)
        for key, count in window.counts.items()
    }


def score_unscaled(window, history, params, state) -> dict[str, int] | None:
    if sum(w.posts for w in history) == 0:
        return None
    return {
        key: z_score_m(count, mean_m, params.prior_m)
        for key, count in window.counts.items()
        for mean_m in [sum(w.counts[key] for w in history) * 1000 // len(history)]
    }


def score_ratio(window, history, params, state) -> dict[str, int] | None:
    if sum(w.posts for w in history) == 0:
        return None
    return {
        key: count * 1_000_000 // (scaled_baseline_m(key, window, history) + 1000)
        for key, count in window.counts.items()
    }


def score_ewma(window, history, params, state: dict) -> dict[str, int] | None:
    """Against each hashtag's EWMA over all earlier windows (0 before it first appears); the
    first window only seeds the averages, which `state` carries from window to window."""
    means: dict[str, float] | None = state.get("means")
    if means is None:
        state["means"] = {key: float(count) for key, count in window.counts.items()}
        return None
    scores = {
        key: math.floor((count - mean) / math.sqrt(mean + params.prior_m / 1000) * 1000)
        for key, count in window.counts.items()
        for mean in [means.get(key, 0.0)]
    }
    for key in set(means) | set(window.counts):
        mean = EWMA_ALPHA * window.counts.get(key, 0) + (1 - EWMA_ALPHA) * means.get(key, 0.0)
        if mean < 1e-3:  # forgotten, as good as never seen
            means.pop(key, None)
        else:
            means[key] = mean
    return scores


METHODS: dict[str, Callable] = {
    "top": score_top,
    "rising": score_rising,
    "unscaled": score_unscaled,
    "ratio": score_ratio,
    "ewma": score_ewma,
}


def rank_all(windows: list[Window], params: Params) -> dict[str, list[list[Entry]]]:
    """Every method's list for every window, in window order."""
    lists: dict[str, list[list[Entry]]] = {name: [] for name in METHODS}
    states: dict[str, dict] = {name: {} for name in METHODS}
    for i, window in enumerate(windows):
        history = windows[max(0, i - params.history) : i]
        for name, method in METHODS.items():
            scores = method(window, history, params, states[name])
            lists[name].append(qualify(window, scores or {}, params, name == "top"))
    return lists


def qualify(window: Window, scores: dict[str, int], params: Params, raw: bool) -> list[Entry]:
    """The consumer's rule: count >= min count and score >= min score (the raw count has no score
    threshold); highest score first, then higher count, then key; keep `top`."""
    entries = [
        Entry(key, window.counts[key], score)
        for key, score in scores.items()
        if window.counts[key] >= params.min_count and (raw or score >= params.min_score_m)
    ]
    entries.sort(key=lambda e: (-e.score_m, -e.count, e.key))
    return entries[: params.top]


# ---------------------------------------------------------------------------------------------
# Reports


def burst_tags(windows: list[Window]) -> list[str]:
    """Hashtags absent from the first two minutes that reach BURST_MIN_COUNT in some window,
    by first appearance."""
    quiet_end = windows[0].start_ms + BURST_QUIET_MS
    early = {k for w in windows if w.start_ms < quiet_end for k in w.counts}
    peak = Counter()
    for w in windows:
        for key, count in w.counts.items():
            peak[key] = max(peak[key], count)
    tags = [k for k, c in peak.items() if c >= BURST_MIN_COUNT and k not in early]
    return sorted(tags, key=lambda k: first_index(windows, lambda w: w.counts[k]))


def first_index(windows: list[Window], holds: Callable[[Window], object]) -> int:
    return next(i for i, w in enumerate(windows) if holds(w))


def burst_report(windows: list[Window], lists, jump: tuple[int, int] | None, surge) -> None:
    """One Markdown table row per method (see the module's doc for the columns)."""
    origin = windows[0].start_ms
    # Each hashtag meant to rise, with the window its rise starts in.
    targets = {tag: first_index(windows, lambda w: w.counts[tag]) for tag in burst_tags(windows)}
    if surge:
        surging = lambda w: in_stretch(w.start_ms, origin, surge.stretch)  # noqa: E731
        targets[surge.key] = first_index(windows, surging)
    head = sum((w.counts for w in windows), Counter()).most_common(1)[0][0]
    in_jump = [i for i, w in enumerate(windows) if jump and in_stretch(w.start_ms, origin, jump)]
    bursts = [tag for tag in targets if not surge or tag != surge.key]
    print(f"burst hashtags: {', '.join(bursts) or 'none'}", end="")
    print(f"; surging: {surge.key}" if surge else "", end="")
    print(f"; steady head: {head}\n")
    columns = ["method", *targets, "head", "other", "max other", "mean length"]
    columns += [f"other in jump ({len(in_jump)} w.)"] if jump else []
    print("| " + " | ".join(columns) + " |\n|" + "---|" * len(columns))
    for name, per_window in lists.items():
        cells = [name] + [target_cell(per_window, tag, first) for tag, first in targets.items()]
        others = [[e for e in entries if e.key not in targets] for entries in per_window]
        top_other = max((e.score_m for entries in others for e in entries), default=None)
        cells += [
            str(sum(any(e.key == head for e in entries) for entries in per_window)),
            str(sum(map(len, others))),
            "-" if top_other is None else f"{top_other / 1000:.1f}",
            f"{sum(map(len, per_window)) / len(per_window):.2f}",
        ]
        cells += [str(sum(len(others[i]) for i in in_jump))] if jump else []
        print("| " + " | ".join(cells) + " |")


def target_cell(per_window: list[list[Entry]], tag: str, first: int) -> str:
    """`delay / windows at #1 / best score`: windows from `first` to the first from then on in
    which `tag` ranks #1 ("-" if none), how many windows it ranks #1, its highest listed score."""
    at_one = [i for i, entries in enumerate(per_window) if entries and entries[0].key == tag]
    delay = next((str(i - first) for i in at_one if i >= first), "-")
    best = max((e.score_m for entries in per_window for e in entries if e.key == tag), default=None)
    return f"{delay} / {len(at_one)} / " + ("-" if best is None else f"{best / 1000:.1f}")


def in_stretch(ms: int, origin_ms: int, stretch: tuple[int, int]) -> bool:
    """Whether `ms` lies in `stretch`, seconds after `origin_ms`."""
    return stretch[0] * 1000 <= ms - origin_ms < stretch[1] * 1000


def lists_report(windows: list[Window], lists, n: int) -> None:
    """A Markdown table: per window, each method's first `n` entries as `key count (score)`."""
    print("| window | posts | " + " | ".join(lists) + " |\n|" + "---|" * (len(lists) + 2))
    for i, window in enumerate(windows):
        when = datetime.fromtimestamp(window.start_ms / 1000, timezone.utc).strftime("%H:%M")
        cells = [when, str(window.posts)]
        for name, per_window in lists.items():
            shown = [
                f"{e.key} {e.count}" + ("" if name == "top" else f" ({e.score_m / 1000:.1f})")
                for e in per_window[i][:n]
            ]
            cells.append(", ".join(shown) or "-")
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="JSON lines of tweets; - for stdin")
    ap.add_argument("--window", type=int, default=10, help="tumbling window size, seconds")
    ap.add_argument("--history", type=int, default=6, help="K, history windows")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--min-score", type=float, default=3.0,
                    help="default 3, to show the noise floor (the consumer's default is 5)")
    ap.add_argument("--prior", type=float, default=1.0)
    ap.add_argument("--top", type=int, default=10, help="list length")
    ap.add_argument("--jump", type=int, nargs=2, metavar=("FROM", "TO"),
                    help="a volume jump FROM..TO s after the first window's start")
    ap.add_argument("--duplicate", action="store_true",
                    help="make the jump: count its posts twice (as if copied under new ids)")
    ap.add_argument("--surge", nargs=3, metavar=("HASHTAG", "FROM", "TO"),
                    help="make an existing hashtag rise FROM..TO s after the first window's start")
    ap.add_argument("--surge-peak", type=float, default=0.1,
                    help="the surge's peak: the share of posts without the hashtag that get it")
    ap.add_argument("--lists", type=int, default=0, metavar="N",
                    help="print each window's first N entries per method, not the burst table")
    args = ap.parse_args()
    params = Params(args.history, args.min_count, round(args.min_score * 1000),
                    round(args.prior * 1000), args.top)
    with sys.stdin if args.input == "-" else open(args.input, encoding="utf-8") as source:
        tweets, skipped, repeats = read_tweets(source)
    surge = None
    if args.surge:
        tag, begin, end = args.surge
        surge = Surge(tag.lower(), (int(begin), int(end)), args.surge_peak)
    windows = windows_of(tweets, args.window * 1000, args.jump if args.duplicate else None, surge)
    print(
        f"{len(tweets)} tweets ({skipped} other lines skipped, {repeats} repeated ids dropped), "
        f"{len(windows)} windows of {args.window} s; K={params.history}, min count "
        f"{params.min_count}, min score {args.min_score:g}, prior {args.prior:g}, top {params.top}"
        + (f"; jump {args.jump[0]}-{args.jump[1]} s" if args.jump else "")
        + (", its posts counted twice" if args.duplicate else "")
        + (f"; {surge.key} surges {begin}-{end} s, peak {surge.peak:g}" if surge else "")
    )
    lists = rank_all(windows, params)
    if args.lists:
        lists_report(windows, lists, args.lists)
    else:
        burst_report(windows, lists, args.jump, surge)


if __name__ == "__main__":
    main()
