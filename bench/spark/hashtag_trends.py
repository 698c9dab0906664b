"""Trending hashtags in Spark Structured Streaming, written as a user of it would: the peer of our
consumer in scripts/bench.sh e2e (issue 21; the system the tutorials this project started from
use). It reads the raw topic from the beginning, parses each tweet with Spark's own from_json and
a schema (no Python UDF: the work is Spark's, not Python's), takes each distinct lower-cased
hashtag with the tweet's created_at as its event time (the same counting rules as the consumer and
the Kafka Streams peer, bench/kstreams: a retweet counts its original's hashtags, a long tweet its
whole text's), counts them with withWatermark + window + groupBy().count(), and writes every
count update to a topic keyed `startMs|hashtag`, the count as a decimal string (Spark's ANSI mode
casts no integer to bytes); the latest value per key is the count, which
bench/src/bin/same_counts.rs --peer-format text compares with ours.

Output mode update: append would hold a window back until the watermark passes it, and the
backlog's last windows never close. The watermark delay (--watermark) must cover how far event
time jumps back between micro-batches while the backlog is replayed, or late tweets are dropped.

trigger(availableNow=True) processes what the topic holds when the query starts and stops, which
is what makes a throughput measurement possible; the script then prints
`spark: caught up, N input records in B micro-batches, query S s` (N: the query's input rows,
summed over its micro-batches; S: from the query's start to its end, without starting Spark).

Usage: python hashtag_trends.py --bootstrap-servers B --topic IN --output-topic OUT
           [--jars J1,J2,...] [--shuffle-partitions 2] [--watermark '1 day'] [--window '1 minute']
Needs pyspark and, on --jars, the spark-sql-kafka connector with its dependencies
(scripts/bench.sh setup_spark fetches them).
"""

import argparse
import tempfile
import time

from pyspark.sql import Column, SparkSession
from pyspark.sql import functions as F

# The fields read, in both shapes the producer writes (docs/src/producer.md): v1.1 at the top
# level, v2 under data/includes. Spark's JSON reader skips every other field.
V1_ENTITIES = "entities STRUCT<hashtags ARRAY<STRUCT<text STRING>>>"
V2_ENTITIES = "entities STRUCT<hashtags ARRAY<STRUCT<tag STRING>>>"
V1_TWEET = f"{V1_ENTITIES}, extended_tweet STRUCT<{V1_ENTITIES}>"
V2_TWEET = f"id STRING, {V2_ENTITIES}, note_tweet STRUCT<{V2_ENTITIES}>"
SCHEMA = (
    f"created_at STRING, {V1_TWEET}, retweeted_status STRUCT<{V1_TWEET}>, "
    f"data STRUCT<created_at STRING, {V2_TWEET}, referenced_tweets ARRAY<STRUCT<type STRING, id STRING>>>, "
    f"includes STRUCT<tweets ARRAY<STRUCT<{V2_TWEET}>>>"
)
# Twitter's v1.1 created_at, "Thu Jan 01 00:00:00 +0000 2026", without the day of the week: Spark
# parses no day-of-week names (only its legacy parser did), and the date determines it anyway.
V1_TIME = "MMM dd HH:mm:ss Z yyyy"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True, help="the raw tweets")
    parser.add_argument("--output-topic", required=True)
    parser.add_argument("--jars", default="", help="comma-separated: the Kafka connector and its dependencies")
    parser.add_argument("--master", default="local[*]")
    parser.add_argument("--shuffle-partitions", type=int, default=2,
                        help="partitions of the counting stage (Spark's default of 200 is for clusters)")
    parser.add_argument("--watermark", default="1 day", help="how late a tweet may be and still count")
    parser.add_argument("--window", default="1 minute")
    return parser.parse_args()


def whole_text_tags(tweet: Column, long_field: str) -> Column:
    """The hashtags of a tweet's whole text: its long form's (extended_tweet, note_tweet) if any."""
    return F.when(tweet[long_field].isNotNull(), tweet[long_field]["entities"]["hashtags"]).otherwise(
        tweet["entities"]["hashtags"]
    )


def v1_tags(t: Column) -> Column:
    """v1.1: a retweet counts its original (retweeted_status)."""
    retweeted = t["retweeted_status"]
    tags = F.when(retweeted.isNotNull(), whole_text_tags(retweeted, "extended_tweet")).otherwise(
        whole_text_tags(t, "extended_tweet")
    )
    return F.transform(tags, lambda h: F.lower(h["text"]))


def v2_tags(t: Column) -> Column:
    """v2: a retweet counts the original that includes.tweets carries."""
    data = t["data"]
    retweeted = F.filter(data["referenced_tweets"], lambda r: r["type"] == "retweeted")
    originals = F.filter(t["includes"]["tweets"], lambda i: F.exists(retweeted, lambda r: r["id"] == i["id"]))
    original = F.try_element_at(originals, F.lit(-1))
    tags = F.when(original.isNotNull(), whole_text_tags(original, "note_tweet")).otherwise(
        whole_text_tags(data, "note_tweet")
    )
    return F.transform(tags, lambda h: F.lower(h["tag"]))


def hashtags(raw):
    """One row per distinct hashtag of each tweet: (created, tag)."""
    # Parsed by a generator, so that the filters on what the parse yields (the one below, and the
    # one window() adds on the event time) stay above it: above a projection, Spark pushes them
    # below it, into the parse, and parses each tweet twice.
    tweets = raw.select(F.explode(F.array(F.from_json(F.col("value").cast("string"), SCHEMA))).alias("t"))
    t = F.col("t")
    is_v2 = t["data"].isNotNull()
    created = F.when(is_v2, F.try_to_timestamp(t["data"]["created_at"])).otherwise(
        F.try_to_timestamp(F.substring(t["created_at"], 5, 64), F.lit(V1_TIME))
    )
    tags = F.array_distinct(F.when(is_v2, v2_tags(t)).otherwise(v1_tags(t)))
    return tweets.select(created.alias("created"), F.explode(tags).alias("tag")).where(F.col("created").isNotNull())


def main():
    args = parse_args()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("hashtag-trends")
        .config("spark.jars", args.jars)
        .config("spark.sql.shuffle.partitions", args.shuffle_partitions)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # The input count is summed over every micro-batch's progress.
        .config("spark.sql.streaming.numRecentProgressUpdates", 100000)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")
    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", args.bootstrap_servers)
        .option("subscribe", args.topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    counts = (
        hashtags(raw)
        .withWatermark("created", args.watermark)
        .groupBy(F.window("created", args.window), "tag")
        .count()
    )
    records = counts.select(
        F.concat_ws("|", F.unix_millis(F.col("window.start")).cast("string"), F.col("tag")).alias("key"),
        F.col("count").cast("string").alias("value"),
    )
    with tempfile.TemporaryDirectory(prefix="spark-trends-") as checkpoint:
        start = time.monotonic()
        query = (
            records.writeStream.format("kafka")
            .option("kafka.bootstrap.servers", args.bootstrap_servers)
            .option("topic", args.output_topic)
            .option("checkpointLocation", checkpoint)
            .outputMode("update")
            .trigger(availableNow=True)
            .start()
        )
        query.awaitTermination()
        seconds = time.monotonic() - start
        progress = query.recentProgress
    spark.stop()
    rows = sum(p["numInputRows"] for p in progress)
    print(f"spark: caught up, {rows} input records in {len(progress)} micro-batches, query {seconds:.2f} s")


if __name__ == "__main__":
    main()
