"""Runs one benchmark candidate with resource accounting, and prints the comparison table.

Why it exists: scripts/bench.sh compares very different programs (Rust binaries, Python scripts)
and needs the same figures for all of them without depending on /usr/bin/time: wall time, CPU
time (user + system) and peak RSS of the candidate, plus the CPU the local broker spent meanwhile
(from /proc/<broker pid>/stat), since the broker does much of the work of every end-to-end
candidate. Standard library only; Linux (prctl, /proc).

A candidate is the whole tree of processes it starts: a pyspark driver starts a JVM that does the
work and that the driver never waits for. The runner makes itself their subreaper
(PR_SET_CHILD_SUBREAPER), so such orphans become its children instead of init's; the clock stops
when every process of the tree has exited, and CPU comes from the kernel's account of all of them
(RUSAGE_CHILDREN once all are reaped). Peak RSS is the larger of the kernel's peak of the largest
single process and the largest sum of the tree's resident sizes, sampled every
RSS_SAMPLE_SECONDS (the pyspark driver's and its JVM's peaks overlap).

  runner.py run --step S --name N --tweets T --results FILE --log-dir DIR [--broker-pid P]
                [--optional] [--echo] [--show REGEX] [--count-regex REGEX] [--own-regex REGEX]
                -- COMMAND...
  runner.py skip --step S --name N --reason TEXT --results FILE
  runner.py report --results FILE

`run` appends one JSON line to FILE. A candidate's processed-message count is read from its
output with --count-regex (default: the `RESULT count=<n> seconds=<s>` line our benchmark
programs print) and checked against --tweets. With --optional a failing candidate is recorded
as skipped, with the last line of its error output as the reason, and `run` exits 0.
"""

import argparse
import ctypes
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RESULT = r"RESULT count=(\d+) seconds=([0-9.]+)"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
PR_SET_CHILD_SUBREAPER = 36
RSS_SAMPLE_SECONDS = 0.2
# How long the candidate's orphans may outlive it before they are killed (a JVM exits once its
# driver's pipe closes, within a few seconds).
ORPHANS_GRACE_SECONDS = 60


def process_cpu_seconds(pid):
    """CPU (user + system) of a running process, or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime 14 and stime 15 (1-based).
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


def become_subreaper():
    """Makes the candidate's orphaned descendants children of this process (see the module doc)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def descendants(pid):
    """The running descendants of a process, from /proc/<pid>/task/*/children."""
    found, pending = [], [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found += children
            pending += children
    return found


def rss_bytes(pid):
    """A process's resident size, or 0 once it has gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


class TreeRssSampler(threading.Thread):
    """Samples the largest summed RSS of this process's descendants until stopped.

    A process counts from its second sample on: one caught between fork and exec (a JVM spawns
    commands) shows its parent's memory as its own. Memory that processes share otherwise (a forked
    child's copy-on-write pages) counts once per process."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self):
        seen = set()
        while not self.stopped.wait(RSS_SAMPLE_SECONDS):
            current = set(descendants(os.getpid()))
            self.peak = max(self.peak, sum(rss_bytes(pid) for pid in current & seen))
            seen = current


@dataclass
class TreeUsage:
    """What a candidate's process tree used, once all of it has exited."""

    exit_code: int
    wall: float
    user: float
    sys: float
    max_rss_mb: float
    sampled_rss_mb: float


def run_tree(command, out, err):
    """Runs command to the exit of its last process; raises OSError if it cannot start."""
    become_subreaper()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler = TreeRssSampler()
    start = time.monotonic()
    child = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    sampler.start()
    _, wait_status, _ = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(wait_status)
    reap_orphans()
    wall = time.monotonic() - start
    sampler.stopped.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampled_mb = sampler.peak / 2**20
    return TreeUsage(
        exit_code=child.returncode,
        wall=wall,
        user=after.ru_utime - before.ru_utime,
        sys=after.ru_stime - before.ru_stime,
        max_rss_mb=max(after.ru_maxrss / 1024, sampled_mb),
        sampled_rss_mb=sampled_mb,
    )


def reap_orphans():
    """Waits for the candidate's adopted orphans, killing any still there after the grace time."""
    deadline = time.monotonic() + ORPHANS_GRACE_SECONDS
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if time.monotonic() > deadline:
            for orphan in descendants(os.getpid()):
                print(f"  killing process {orphan}, still running {ORPHANS_GRACE_SECONDS} s after the candidate")
                os.kill(orphan, signal.SIGKILL)
            deadline = float("inf")
        time.sleep(0.05)


def append(results, record):
    with open(results, "a") as f:
        f.write(json.dumps(record) + "\n")


def last_line(path):
    lines = [ANSI.sub("", l).strip() for l in Path(path).read_text(errors="replace").splitlines()]
    lines = [l for l in lines if l]
    return lines[-1][:300] if lines else "no output"


def cmd_run(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{args.step}-{args.name}")
    out_path, err_path = log_dir / f"{slug}.out", log_dir / f"{slug}.err"
    record = {"step": args.step, "name": args.name, "tweets": args.tweets, "command": command}

    broker_before = process_cpu_seconds(args.broker_pid) if args.broker_pid else None
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        try:
            usage = run_tree(command, out, err)
        except OSError as e:
            record.update(status="skipped" if args.optional else "failed", reason=str(e))
            append(args.results, record)
            print(f"  {args.name}: cannot start: {e}")
            return 0 if args.optional else 1
    broker_after = process_cpu_seconds(args.broker_pid) if args.broker_pid else None

    output = ANSI.sub("", out_path.read_text(errors="replace"))
    errors = ANSI.sub("", err_path.read_text(errors="replace"))
    both = output + "\n" + errors
    count_match = re.findall(args.count_regex, both)
    count = None
    if count_match:
        last = count_match[-1]
        count = int(last[0] if isinstance(last, tuple) else last)
    own = re.findall(args.own_regex, output)
    record.update(
        wall=usage.wall,
        cpu=usage.user + usage.sys,
        user=usage.user,
        sys=usage.sys,
        max_rss_mb=usage.max_rss_mb,
        sampled_rss_mb=usage.sampled_rss_mb,
        broker_cpu=(broker_after - broker_before) if broker_before is not None and broker_after is not None else None,
        count=count,
        own_seconds=float(own[-1][-1] if isinstance(own[-1], tuple) else own[-1]) if own else None,
        exit_code=usage.exit_code,
        stdout=str(out_path),
        stderr=str(err_path),
    )
    if usage.exit_code != 0:
        reason = f"exit code {usage.exit_code}: {last_line(err_path)}"
        record.update(status="skipped" if args.optional else "failed", reason=reason)
    elif count != args.tweets:
        record.update(status="failed", reason=f"processed {count}, expected {args.tweets}")
    else:
        record.update(status="ok")
    append(args.results, record)

    if args.echo:
        sys.stdout.write(output)
    for line in both.splitlines():
        if args.show and re.search(args.show, line):
            print(f"    | {line.strip()[:400]}")
    print("  " + describe(record))
    if record["status"] == "failed":
        return 1
    return 0


def describe(r):
    if r["status"] != "ok" and "wall" not in r:
        return f"{r['name']}: {r['status']}: {r.get('reason', '')}"
    n = r["tweets"]
    text = (
        f"{r['name']}: {n / r['wall']:,.0f} tweets/s (wall {r['wall']:.2f} s), "
        f"CPU {r['cpu']:.2f} s (user {r['user']:.2f}, sys {r['sys']:.2f}) = {r['cpu'] / n * 1e6:.2f} s per 1M tweets, "
        f"peak RSS {r['max_rss_mb']:.0f} MB"
    )
    if r.get("broker_cpu") is not None:
        text += f", broker CPU {r['broker_cpu']:.2f} s"
    if r["status"] != "ok":
        text += f"  [{r['status'].upper()}: {r.get('reason', '')}]"
    return text


def cmd_skip(args):
    record = {"step": args.step, "name": args.name, "status": "skipped", "reason": args.reason}
    append(args.results, record)
    print(f"  {args.name}: skipped: {args.reason}")
    return 0


def cmd_report(args):
    records = [json.loads(l) for l in Path(args.results).read_text().splitlines() if l.strip()]
    header = (
        f"{'step':<9} {'candidate':<22} {'tweets':>8} {'wall s':>8} {'tweets/s':>9} "
        f"{'own s':>7} {'CPU s':>7} {'CPU s/1M':>9} {'RSS MB':>7} {'broker CPU s':>12}  status"
    )
    print(header)
    print("-" * len(header))
    for r in records:
        if "wall" not in r:
            print(f"{r['step']:<9} {r['name']:<22} {'':>8} {'':>8} {'':>9} {'':>7} {'':>7} {'':>9} "
                  f"{'':>7} {'':>12}  {r['status']}: {r.get('reason', '')}")
            continue
        n = r["tweets"]
        own = f"{r['own_seconds']:.2f}" if r.get("own_seconds") is not None else "-"
        broker = f"{r['broker_cpu']:.2f}" if r.get("broker_cpu") is not None else "-"
        status = r["status"] if r["status"] == "ok" else f"{r['status']}: {r.get('reason', '')}"
        print(
            f"{r['step']:<9} {r['name']:<22} {n:>8} {r['wall']:>8.2f} {n / r['wall']:>9.0f} "
            f"{own:>7} {r['cpu']:>7.2f} {r['cpu'] / n * 1e6:>9.2f} {r['max_rss_mb']:>7.0f} {broker:>12}  {status}"
        )

    ok = {r["name"]: r for r in records if r["status"] == "ok"}
    everything = {r["name"]: r for r in records}

    def ratio(a, b, label):
        if a not in everything or b not in everything:
            return
        if a in ok and b in ok:
            rate = lambda r: r["tweets"] / r["wall"]
            cpu = lambda r: r["cpu"] / r["tweets"]
            own = lambda r: r["tweets"] / r["own_seconds"]
            both_timed = all(ok[n].get("own_seconds") for n in (a, b))
            print(
                f"  {label:<34} throughput {rate(ok[a]) / rate(ok[b]):5.2f}x   "
                f"CPU per tweet {cpu(ok[a]) / cpu(ok[b]):6.2f}x"
                + (f"   own-time throughput {own(ok[a]) / own(ok[b]):6.2f}x" if both_timed else "")
            )
        else:
            missing = next(n for n in (a, b) if n not in ok)
            why = everything.get(missing, {}).get("reason", "not run")
            print(f"  {label:<34} n/a ({missing}: {why})")

    print()
    print("own s: the candidate's own timing of its work (engine: best of its runs, excluding loading)")
    print("ratios (throughput: tweets/s from wall time, higher is better for the first; "
          "CPU per tweet of the candidate process only, lower is better for the first):")
    for a, b in args.pairs:
        ratio(a, b, f"{a} / {b}")
    return 0


def main():
    parser = argparse.ArgumentParser(description="benchmark candidate runner")
    sub = parser.add_subparsers(dest="cmd", required=True)

    run = sub.add_parser("run")
    run.add_argument("--step", required=True)
    run.add_argument("--name", required=True)
    run.add_argument("--tweets", type=int, required=True)
    run.add_argument("--results", required=True)
    run.add_argument("--log-dir", required=True)
    run.add_argument("--broker-pid", type=int)
    run.add_argument("--optional", action="store_true")
    run.add_argument("--echo", action="store_true", help="print the candidate's stdout")
    run.add_argument("--show", help="print output lines matching this regex")
    run.add_argument("--count-regex", default=RESULT)
    run.add_argument("--own-regex", default=RESULT,
                     help="the candidate's own measure of its processing time (last group)")
    run.add_argument("command", nargs=argparse.REMAINDER)

    skip = sub.add_parser("skip")
    skip.add_argument("--step", required=True)
    skip.add_argument("--name", required=True)
    skip.add_argument("--reason", required=True)
    skip.add_argument("--results", required=True)

    report = sub.add_parser("report")
    report.add_argument("--results", required=True)
    report.add_argument("--pair", dest="pairs", nargs=2, action="append", default=[],
                        metavar=("A", "B"), help="print the ratio of candidate A to B")

    args = parser.parse_args()
    return {"run": cmd_run, "skip": cmd_skip, "report": cmd_report}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
