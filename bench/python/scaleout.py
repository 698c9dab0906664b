"""Scale-out: several consumer processes of one group to final results, with each process's
resources and the merge stage's load, and the arithmetic for larger deployments.

Why it exists: runner.py measures one process; a consumer group is several, and only one of them
merges. With --until-end the merging member exits once every window is published, while the
others would wait up to 2 minutes for a merge stage that never comes to them
(docs/src/consumer.md, "Shutdown"); so this starts N copies of the consumer, waits for the
merging member to finish, then stops the others with SIGTERM (a graceful stop). Standard library
only.

  scaleout.py run --name N --processes P --tweets T --results FILE --log-dir DIR
                  [--broker-pid PID] -- CONSUMER COMMAND...
  scaleout.py report --results FILE --one NAME --two NAME --early NAME --partitions P

`run` appends to FILE one record per process (name N.1, N.2, ...: its own wall, CPU, peak RSS,
the tweets it consumed) and one for the group (name N: wall from start to final results, CPU
summed, the largest peak RSS), in runner.py's format, so `runner.py report` lists them too; the
group's record also holds the merge stage's figures (from the `merge_*` fields of each process's
shutdown summary), each process's CPU per thread (sampled from /proc), the counting phase
(the first partition assigned to the last partition read to its end, from the logs) and the
final windows' tweets and hashtag mentions (from the merging member's counts file). The group
fails unless its final windows hold exactly T tweets.

`report` prints the per-core figures and the arithmetic: processes and cores for the firehose's
peak rate, what 10 machines would need, and where the merge stage would saturate.
"""

import argparse
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from runner import ANSI, CLOCK_TICKS, append, describe, process_cpu_seconds

MERGED = "every window merged and published"
SUMMARY = re.compile(r"consumer stopped(.*)$", re.M)
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z", re.M)
SAMPLE_SECONDS = 0.2
# Anchors of the arithmetic: the firehose's all-time peak (issue 21) and a 10-machine cluster.
FIREHOSE_PEAK = 143_199
MACHINES = 10


def machine_busy():
    """CPU seconds the whole machine has spent busy (all but idle and iowait), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / CLOCK_TICKS


def thread_cpu(pid):
    """CPU seconds per thread of a running process, by thread id, with the thread's name."""
    threads = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return threads
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        name = head.split("(", 1)[1]
        threads[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    return threads


def by_kind(pid, threads):
    """A process's sampled thread CPU: its poll thread (the main one), librdkafka's, the rest."""
    kinds = {"poll_thread": 0.0, "librdkafka": 0.0, "other": 0.0}
    for tid, (name, cpu) in threads.items():
        kind = "poll_thread" if tid == pid else "librdkafka" if name.startswith("rdk:") else "other"
        kinds[kind] += cpu
    return kinds


def stamps(text, needle):
    """The log times (seconds since the epoch) of the lines containing `needle`."""
    times = []
    for line in text.splitlines():
        match = STAMP.match(line)
        if match and needle(line):
            times.append(datetime.fromisoformat(match.group(1) + "+00:00").timestamp())
    return times


def summary_fields(text):
    """The key=value fields of the shutdown summary, as numbers."""
    match = SUMMARY.findall(text)
    if not match:
        return {}
    return {k: float(v) for k, v in re.findall(r"(\w+)=([0-9.]+)", match[-1])}


def final_windows(path):
    """Tweets, mentions and windows of the first window definition in a counts file (its latest
    line per window: a merge stage that moved may write a window again, identically)."""
    latest = {}
    label = None
    if path.exists():
        for line in path.read_text().splitlines():
            w = json.loads(line)
            label = label or w["window"]
            if w["window"] == label:
                latest[w["window_start"]] = w
    return {
        "label": label,
        "windows": len(latest),
        "tweets": sum(w["tweets"] for w in latest.values()),
        "mentions": sum(sum(w["counts"].values()) for w in latest.values()),
    }


class Member:
    """One consumer process and what is known of it."""

    def __init__(self, index, command, log_dir, name):
        slug = f"scaleout-{name}.{index}"
        self.out, self.err = log_dir / f"{slug}.out", log_dir / f"{slug}.err"
        self.counts = log_dir / f"{slug}.counts.jsonl"
        self.counts.unlink(missing_ok=True)
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen(command + ["--counts-file", str(self.counts)],
                                         stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.started = time.monotonic()
        self.ended = None
        self.usage = None
        self.exit_code = None
        self.threads = {}

    def reap(self):
        """Samples the threads; true once the process has exited (and is reaped)."""
        if self.ended is not None:
            return True
        sampled = thread_cpu(self.proc.pid)
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if pid == 0:
            self.threads.update(sampled)
            return False
        self.ended, self.usage = time.monotonic(), usage
        self.exit_code = os.waitstatus_to_exitcode(status)
        return True

    def log(self):
        return ANSI.sub("", self.err.read_text(errors="replace"))


def wait_for_merger(members, deadline):
    """Waits until a member exits having merged everything (or all exit, or the deadline);
    returns that member, or None."""
    while time.monotonic() < deadline:
        for m in members:
            if m.ended is None and m.reap() and m.exit_code == 0 and MERGED in m.log():
                return m
        if all(m.ended is not None for m in members):
            return None
        time.sleep(SAMPLE_SECONDS)
    return None


def stop_all(members, deadline):
    """SIGTERM to every running member (a graceful stop), SIGKILL after the deadline."""
    for m in members:
        if m.ended is None:
            m.proc.send_signal(signal.SIGTERM)
    while not all(m.reap() for m in members):
        if time.monotonic() > deadline:
            for m in members:
                if m.ended is None:
                    m.proc.kill()
        time.sleep(0.05)


def member_record(args, index, m, started):
    fields = summary_fields(m.log())
    consumed = int(fields.get("consumed", 0))
    record = {
        "step": "scaleout", "name": f"{args.name}.{index}", "tweets": consumed or 1,
        "command": m.proc.args, "wall": m.ended - started, "cpu": m.usage.ru_utime + m.usage.ru_stime,
        "user": m.usage.ru_utime, "sys": m.usage.ru_stime, "max_rss_mb": m.usage.ru_maxrss / 1024,
        "broker_cpu": None, "count": consumed, "own_seconds": None, "exit_code": m.exit_code,
        "stdout": str(m.out), "stderr": str(m.err), "threads": by_kind(m.proc.pid, m.threads),
        "merge": {k[len("merge_"):]: v for k, v in fields.items() if k.startswith("merge_")},
        "merged_here": MERGED in m.log(),
    }
    # A member stopped with SIGTERM exits 0 too.
    record.update(status="ok" if m.exit_code == 0 and consumed else "failed")
    if record["status"] != "ok":
        record["reason"] = f"exit code {m.exit_code}, consumed {consumed}"
    return record


def counting_span(members):
    """From the first raw partition assigned to the last member's "read to its end", seconds."""
    logs = [m.log() for m in members]
    first = [t for log in logs for t in stamps(log, lambda l: "partitions assigned" in l and "-partials" not in l)]
    last = [t for log in logs for t in stamps(log, lambda l: "read to its end" in l)]
    return max(last) - min(first) if first and last else None


def cmd_run(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    broker_before = process_cpu_seconds(args.broker_pid) if args.broker_pid else None
    busy_before = machine_busy()
    started = time.monotonic()
    members = [Member(i, command, log_dir, args.name) for i in range(1, args.processes + 1)]
    merger = wait_for_merger(members, started + args.timeout)
    results_at = time.monotonic()
    stop_all(members, time.monotonic() + 10)
    broker_after = process_cpu_seconds(args.broker_pid) if args.broker_pid else None
    busy = machine_busy() - busy_before

    records = [member_record(args, i, m, started) for i, m in enumerate(members, 1)]
    merge = {}
    for r in records:
        for k, v in r["merge"].items():
            merge[k] = merge.get(k, 0) + v
    windows = final_windows(merger.counts) if merger else final_windows(Path("/nonexistent"))
    group = {
        "step": "scaleout", "name": args.name, "tweets": args.tweets, "command": command,
        "processes": args.processes, "wall": results_at - started,
        "wall_all": max(m.ended for m in members) - started,
        "cpu": sum(r["cpu"] for r in records), "user": sum(r["user"] for r in records),
        "sys": sum(r["sys"] for r in records), "max_rss_mb": max(r["max_rss_mb"] for r in records),
        "broker_cpu": broker_after - broker_before if broker_before is not None and broker_after is not None else None,
        "count": sum(r["count"] for r in records), "own_seconds": None,
        "counting_seconds": counting_span(members), "merge": merge, "final": windows,
        "members": [r["name"] for r in records],
        "threads": {k: sum(r["threads"][k] for r in records) for k in records[0]["threads"]},
        "machine_busy": busy,
    }
    if merger is None:
        group.update(status="failed", reason="no member merged everything and exited (see the logs)")
    elif windows["tweets"] != args.tweets:
        group.update(status="failed", reason=f"final windows hold {windows['tweets']} tweets, expected {args.tweets}")
    elif any(r["status"] != "ok" for r in records):
        failure = next(r["reason"] for r in records if r["status"] != "ok")
        group.update(status="failed", reason=f"a member failed: {failure}")
    else:
        group.update(status="ok")
    for r in records + [group]:
        append(args.results, r)
        print("  " + describe(r))
    for r in records:
        t = r["threads"]
        print(f"    {r['name']}: threads (sampled): poll {t['poll_thread']:.2f} s, librdkafka "
              f"{t['librdkafka']:.2f} s, other {t['other']:.2f} s; merged here: {r['merged_here']}")
    if group.get("counting_seconds"):
        seconds = group["counting_seconds"]
        print(f"    counting phase {seconds:.2f} s = {args.tweets / seconds:,.0f} tweets/s; "
              f"all stopped after {group['wall_all']:.2f} s")
    others = busy - group["cpu"] - (group["broker_cpu"] or 0)
    print(f"    merge stage: {json.dumps(merge)}; final windows: {json.dumps(windows)}")
    print(f"    the rest of the machine meanwhile: {others:.2f} CPU s = "
          f"{others / group['wall_all']:.2f} cores on average")
    return 0 if group["status"] == "ok" else 1


def cmd_report(args):
    records = {}
    for line in Path(args.results).read_text().splitlines():
        r = json.loads(line)
        if r.get("step") == "scaleout":
            records[r["name"]] = r
    names = (args.one, args.two, args.early)
    missing = [n for n in names if records.get(n, {}).get("status") != "ok"]
    if missing:
        print(f"scale-out arithmetic: n/a ({', '.join(missing)} did not succeed)")
        return 1
    runs = [records[n] for n in names]
    for r in runs:
        report_run(r, [records[m] for m in r["members"]])
    counting_arithmetic(*runs[:2])
    merge_arithmetic(*runs, args.partitions)
    return 0


def merge_cpu(m):
    """The merge stage's CPU seconds, reading and publishing."""
    return (m["read_cpu_us"] + m["publish_cpu_us"]) / 1e6


def report_run(r, members):
    n, m, wall = r["tweets"], r["merge"], r["wall"]
    print(f"\n{r['name']}: {r['processes']} process(es), {n:,} tweets")
    print(f"  to final results: {n / wall:,.0f} tweets/s (wall {wall:.2f} s); counting phase "
          f"{n / r['counting_seconds']:,.0f} tweets/s ({r['counting_seconds']:.2f} s); "
          f"read {r['count']:,} ({r['count'] - n:,} again after a rebalance)")
    others = r["machine_busy"] - r["cpu"] - (r["broker_cpu"] or 0)
    print(f"  CPU {r['cpu'] / n * 1e6:.2f} s per 1M tweets in all; the broker's {(r['broker_cpu'] or 0) / n * 1e6:.2f} "
          f"s per 1M; other processes meanwhile {others / r['wall_all']:.2f} cores on average")
    for p in members:
        t = p["threads"]
        print(f"  {p['name']}: read {p['count']:,}, CPU {p['cpu']:.2f} s = {p['cpu'] / max(p['count'], 1) * 1e6:.2f} s "
              f"per 1M of its tweets (sampled: poll thread {t['poll_thread']:.2f} s, "
              f"librdkafka {t['librdkafka']:.2f} s), "
              f"peak RSS {p['max_rss_mb']:.0f} MB{'; merged' if p['merged_here'] else ''}")
    print(f"  merge stage input: {m['messages']:,.0f} messages = {m['messages'] / wall:,.1f}/s, "
          f"{m['bytes'] / 1e3:,.0f} KB "
          f"= {m['bytes'] / wall / 1e3:,.1f} KB/s, {m['tags']:,.0f} hashtag entries; output {m['records']:,.0f} "
          f"result records")
    print(f"  merge stage CPU: {merge_cpu(m) * 1e3:.2f} ms (read {m['read_cpu_us'] / 1e3:.2f}, publish "
          f"{m['publish_cpu_us'] / 1e3:.2f}) = {merge_cpu(m) / r['cpu'] * 100:.2f}% of the consumers' CPU, "
          f"{merge_cpu(m) / wall * 100:.2f}% of one core over the run, {merge_cpu(m) / m['messages'] * 1e6:.0f} µs "
          f"per message, {merge_cpu(m) / n * 1e9:.0f} ns per tweet")


def counting_arithmetic(one, two):
    """Per-core counting figures, and what the firehose's peak and 10 machines need."""
    n = one["tweets"]
    # The larger CPU per tweet of the two runs: two processes pay for a second member.
    per_tweet = max(one["cpu"], two["cpu"]) / n
    poll = one["threads"]["poll_thread"] / n
    broker = max(one["broker_cpu"] or 0, two["broker_cpu"] or 0) / n
    process_rate = n / one["counting_seconds"]
    print("\nscale-out arithmetic (consumer CPU includes librdkafka's threads and the merge stage)")
    print(f"  counting: {per_tweet * 1e6:.2f} µs CPU per tweet = {1 / per_tweet:,.0f} tweets/s per core; one "
          f"process's poll thread {poll * 1e6:.2f} µs per tweet (at most {1 / poll:,.0f} tweets/s a process); one "
          f"process reached {process_rate:,.0f} tweets/s here (counting phase); the broker "
          f"{broker * 1e6:.2f} µs per tweet")
    processes = max(math.ceil(FIREHOSE_PEAK / process_rate), math.ceil(FIREHOSE_PEAK * poll))
    print(f"  firehose peak, {FIREHOSE_PEAK:,} tweets/s: {FIREHOSE_PEAK * per_tweet:.2f} cores of consumers, at least "
          f"{processes} process(es) at the rate one reached here, as many partitions; broker "
          f"{FIREHOSE_PEAK * broker:.2f} cores at this run's cost")
    share = FIREHOSE_PEAK / MACHINES
    print(f"  {MACHINES} machines for it: {share:,.0f} tweets/s = {share * per_tweet:.2f} cores each; partitions a "
          f"multiple of {MACHINES}, since with 12 two machines own 2 and count {FIREHOSE_PEAK * 2 / 12:,.0f} tweets/s "
          f"= {FIREHOSE_PEAK * 2 / 12 * per_tweet:.2f} cores")
    for cores in (2, 8):
        capacity = MACHINES * cores / per_tweet
        needed = max(math.ceil(capacity / process_rate), MACHINES * cores)
        print(f"  {MACHINES} machines x {cores} cores counting flat out: {capacity:,.0f} tweets/s "
              f"({capacity / FIREHOSE_PEAK:.1f}x the peak): {needed} or more processes and partitions at the rates "
              f"measured here")


def merge_arithmetic(one, two, early, partitions):
    """Where the merge stage would take a whole core. Per-unit costs from the run with the most
    hashtag entries, as upper bounds: all its read CPU charged to entries, all its publish CPU
    to records."""
    n = one["tweets"]
    m = max((one["merge"], two["merge"], early["merge"]), key=lambda merge: merge["tags"])
    per_entry = m["read_cpu_us"] / 1e6 / m["tags"]
    per_record = m["publish_cpu_us"] / 1e6 / m["records"]
    entry_bytes = m["bytes"] / m["tags"]
    final = max(merge_cpu(one["merge"]), merge_cpu(two["merge"])) / n
    live = merge_cpu(early["merge"]) / n
    mentions = two["final"]["mentions"] / n
    print(f"  merge: at most {per_entry * 1e6:.2f} µs per hashtag entry read ({entry_bytes:.0f} bytes each) and "
          f"{per_record * 1e6:.2f} µs per result record; {two['merge']['messages'] / partitions / two['wall']:.1f} "
          f"messages a second per partition without early updates")
    print(f"  merge, final results only: {final * 1e9:.0f} ns per tweet here (one core at {1 / final:,.0f} tweets/s of "
          f"this input). It grows with distinct hashtags, not tweets: a 1-minute window with D of them over P "
          f"partitions costs at most P*D*{per_entry * 1e6:.2f} + D*{per_record * 1e6:.2f} µs, so one core merges "
          f"up to "
          f"D = 60 s / (P*{per_entry * 1e6:.2f} + {per_record * 1e6:.2f} µs) a minute:")
    print("    " + "; ".join(f"P={p}: D = {60 / (p * per_entry + per_record):,.0f} "
                             f"({p * 60 / (p * per_entry + per_record) * entry_bytes / 60 / 1e6:.0f} MB/s in)"
                             for p in (partitions, 20, 50, 100)))
    worst = mentions * (per_entry + per_record)
    print(f"  merge with {early['name']}'s early updates: {live * 1e9:.0f} ns per tweet here (one core at "
          f"{1 / live:,.0f} tweets/s of this input, replayed faster than event time). Each interval sends every "
          f"partition's changed hashtags, so at worst (no repeats within an interval) every one of the {mentions:.2f} "
          f"mentions per tweet is an entry and a record: {worst * 1e6:.2f} µs per tweet, one core at "
          f"{1 / worst:,.0f} tweets/s; the firehose peak then needs {FIREHOSE_PEAK * worst:.2f} cores of merging")


def main():
    parser = argparse.ArgumentParser(description="scale-out runner")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run")
    run.add_argument("--name", required=True)
    run.add_argument("--processes", type=int, required=True)
    run.add_argument("--tweets", type=int, required=True)
    run.add_argument("--results", required=True)
    run.add_argument("--log-dir", required=True)
    run.add_argument("--broker-pid", type=int)
    run.add_argument("--timeout", type=float, default=600, help="seconds until the run is given up")
    run.add_argument("command", nargs=argparse.REMAINDER)
    report = sub.add_parser("report")
    report.add_argument("--results", required=True)
    report.add_argument("--one", required=True, help="the one-process run")
    report.add_argument("--two", required=True, help="the run with more processes")
    report.add_argument("--early", required=True, help="a run with early updates")
    report.add_argument("--partitions", type=int, required=True, help="of the raw topic")
    args = parser.parse_args()
    return {"run": cmd_run, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
