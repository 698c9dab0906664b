"""What Kafka transactions would cost the consumer's output, measured on a real broker.

The consumer writes its partials, checkpoints and results with an idempotent producer, and a
replay after a crash writes identical records again (docs/src/consumer.md, "Exactly once and Kafka transactions"). Writing them in
transactions instead (Kafka Streams' exactly_once_v2) would hide replayed records from
read_committed readers, but a read_committed reader sees a record only once its transaction
commits. This measures both sides on one topic:

  visibility  records produced at a steady rate (like early updates and closed windows) and read
              back by a second client: the delay from send to receipt, idempotent and
              read_uncommitted against transactional (committed every --commit-ms) and
              read_committed; and how long each commit_transaction takes
  throughput  records produced as fast as possible, idempotent against transactional

Usage: python transactions.py --bootstrap-servers HOST:PORT [--seconds 20] [--rate 1000]
       [--commit-ms 100,1000] [--records 200000] [--size 500]
Prints one RESULT line per measurement.
"""

import argparse
import statistics
import threading
import time
import uuid

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        future.result()


def producer(bootstrap, transactional):
    config = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 2,
    }
    if transactional:
        config["transactional.id"] = f"bench-{uuid.uuid4()}"
    p = Producer(config)
    if transactional:
        p.init_transactions(30)
    return p


def reader(bootstrap, topic, committed, expected, delays, ready):
    c = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed" if committed else "read_uncommitted",
            "fetch.wait.max.ms": 10,
            "enable.auto.commit": False,
        }
    )
    c.subscribe([topic])
    ready.set()
    deadline = time.time() + 120
    while len(delays) < expected and time.time() < deadline:
        m = c.poll(0.1)
        if m is None or m.error():
            continue
        sent = float(m.value()[:20].decode())
        delays.append((time.time() - sent) * 1000)
    c.close()


def visibility(bootstrap, seconds, rate, commit_ms):
    """Produces `rate` records/s for `seconds`; commit_ms None means no transactions."""
    topic = f"bench-txn-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic)
    transactional = commit_ms is not None
    p = producer(bootstrap, transactional)
    expected = seconds * rate
    delays, ready = [], threading.Event()
    t = threading.Thread(target=reader, args=(bootstrap, topic, transactional, expected, delays, ready))
    t.start()
    ready.wait()
    time.sleep(3)  # the reader's group join
    commits = []
    start = time.time()
    last_commit = start
    if transactional:
        p.begin_transaction()
    for i in range(expected):
        due = start + i / rate
        now = time.time()
        if due > now:
            time.sleep(due - now)
        p.produce(topic, value=f"{time.time():<20.6f}".encode() + b"x" * 200)
        p.poll(0)
        if transactional and (time.time() - last_commit) * 1000 >= commit_ms:
            began = time.time()
            p.commit_transaction(30)
            commits.append((time.time() - began) * 1000)
            p.begin_transaction()
            last_commit = time.time()
    if transactional:
        p.commit_transaction(30)
    p.flush(30)
    t.join()
    name = f"transactions-{commit_ms}ms" if transactional else "idempotent"
    line = (
        f"RESULT visibility {name}: {len(delays)}/{expected} records, delay ms "
        f"p50 {percentile(delays, 50):.1f} p99 {percentile(delays, 99):.1f} "
        f"p99.9 {percentile(delays, 99.9):.1f}"
    )
    if commits:
        line += (
            f"; {len(commits)} commits, commit_transaction ms p50 {percentile(commits, 50):.1f} "
            f"p99 {percentile(commits, 99):.1f} mean {statistics.mean(commits):.1f}"
        )
    print(line, flush=True)


def throughput(bootstrap, records, size, commit_ms):
    topic = f"bench-txn-{uuid.uuid4().hex[:8]}"
    create_topic(bootstrap, topic)
    transactional = commit_ms is not None
    p = producer(bootstrap, transactional)
    payload = b"x" * size
    start = last_commit = time.time()
    if transactional:
        p.begin_transaction()
    for _ in range(records):
        while True:
            try:
                p.produce(topic, value=payload)
                break
            except BufferError:
                p.poll(0.005)
        p.poll(0)
        if transactional and (time.time() - last_commit) * 1000 >= commit_ms:
            p.commit_transaction(30)
            p.begin_transaction()
            last_commit = time.time()
    if transactional:
        p.commit_transaction(30)
    p.flush(60)
    elapsed = time.time() - start
    name = f"transactions-{commit_ms}ms" if transactional else "idempotent"
    print(f"RESULT throughput {name}: {records / elapsed:,.0f} records/s ({size} bytes)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--commit-ms", default="100,1000")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--size", type=int, default=500)
    args = parser.parse_args()
    cadences = [int(c) for c in args.commit_ms.split(",") if c]
    for commit_ms in [None, *cadences]:
        visibility(args.bootstrap_servers, args.seconds, args.rate, commit_ms)
    for commit_ms in [None, *cadences]:
        throughput(args.bootstrap_servers, args.records, args.size, commit_ms)


if __name__ == "__main__":
    main()
