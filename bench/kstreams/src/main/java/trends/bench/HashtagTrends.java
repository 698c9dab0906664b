package trends.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Trending hashtags in Kafka Streams, written as a user of it would: the peer of our consumer in
 * {@code scripts/bench.sh e2e} (issue 21). It reads the raw topic, parses each tweet once with
 * Jackson, forwards each distinct case-folded hashtag with the tweet's {@code created_at} as its
 * timestamp (the same counting rules as the consumer: a retweet counts its original's hashtags, a
 * long tweet its whole text's), counts them in tumbling windows with a grace period, and writes
 * every count update keyed {@code startMs|hashtag} (the latest value per key is the count).
 *
 * <p>Not suppressed until windows close: replaying a backlog, the three input tasks write to the
 * repartition topic in turns, so its stream time jumps back by up to the whole backlog and the
 * grace period must cover that; windows would then close only after the backlog's span.
 *
 * <p>Usage: {@code java -jar kstreams-trends.jar BOOTSTRAP INPUT OUTPUT APP_ID WINDOW_MS GRACE_MS
 * EXACTLY_ONCE(true|false) THREADS}. A benchmark needs it to stop once it has read everything: it
 * exits when its group's committed offsets reach the end of the input and of its repartition
 * topic (checked every 200 ms; commits every {@value #COMMIT_MS} ms, so the exit is at most that
 * much late), and prints {@code kstreams: caught up, N input records} on stderr.
 */
public final class HashtagTrends {
  /** How often offsets are committed, which bounds how late the exit is. */
  static final long COMMIT_MS = 200;

  private HashtagTrends() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 8) {
      System.err.println(
          "usage: HashtagTrends BOOTSTRAP INPUT OUTPUT APP_ID WINDOW_MS GRACE_MS EXACTLY_ONCE THREADS");
      System.exit(2);
    }
    String input = args[1];
    String output = args[2];
    Duration window = Duration.ofMillis(Long.parseLong(args[4]));
    Duration grace = Duration.ofMillis(Long.parseLong(args[5]));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(HashtagsOf::new)
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(window, grace))
        .count()
        .toStream()
        .map((w, n) -> KeyValue.pair(w.window().start() + "|" + w.key(), n))
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    props.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        Boolean.parseBoolean(args[6]) ? StreamsConfig.EXACTLY_ONCE_V2 : StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[7]));
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_MS);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.start();
    long records = CaughtUp.await(args[0], args[3], input);
    streams.close();
    System.err.println("kstreams: caught up, " + records + " input records");
  }

  /** Forwards each distinct case-folded hashtag of a tweet, timestamped with its created_at. */
  static final class HashtagsOf implements Processor<byte[], byte[], String, String> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter V1_TIME =
        DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss Z yyyy", Locale.ENGLISH);
    private ProcessorContext<String, String> context;

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      JsonNode tweet;
      try {
        tweet = JSON.readTree(record.value());
      } catch (Exception e) {
        return;
      }
      Long createdMs = tweet.has("data") ? v2Time(tweet.get("data")) : v1Time(tweet);
      if (createdMs == null) {
        return;
      }
      for (String tag : tweet.has("data") ? v2Tags(tweet) : v1Tags(tweet)) {
        context.forward(new Record<>(tag, tag, createdMs));
      }
    }

    private static Long v1Time(JsonNode tweet) {
      JsonNode created = tweet.get("created_at");
      if (created == null || !created.isTextual()) {
        return null;
      }
      return ZonedDateTime.parse(created.asText(), V1_TIME).toInstant().toEpochMilli();
    }

    private static Long v2Time(JsonNode data) {
      JsonNode created = data.get("created_at");
      return created == null ? null : Instant.parse(created.asText()).toEpochMilli();
    }

    /** v1.1: a retweet counts its original; a long tweet its {@code extended_tweet}. */
    private static Set<String> v1Tags(JsonNode tweet) {
      JsonNode counted = tweet.path("retweeted_status").isObject() ? tweet.get("retweeted_status") : tweet;
      JsonNode whole = counted.has("extended_tweet") ? counted.get("extended_tweet") : counted;
      return distinct(whole.path("entities").path("hashtags"), "text");
    }

    /** v2: a retweet counts the original in {@code includes.tweets}; a long tweet its note. */
    private static Set<String> v2Tags(JsonNode message) {
      JsonNode data = message.get("data");
      JsonNode counted = data;
      for (JsonNode ref : data.path("referenced_tweets")) {
        if ("retweeted".equals(ref.path("type").asText())) {
          for (JsonNode included : message.path("includes").path("tweets")) {
            if (included.path("id").asText().equals(ref.path("id").asText())) {
              counted = included;
            }
          }
        }
      }
      JsonNode whole = counted.has("note_tweet") ? counted.get("note_tweet") : counted;
      return distinct(whole.path("entities").path("hashtags"), "tag");
    }

    private static Set<String> distinct(JsonNode hashtags, String field) {
      Set<String> tags = new LinkedHashSet<>();
      for (JsonNode h : hashtags) {
        tags.add(h.path(field).asText().toLowerCase(Locale.ROOT));
      }
      return tags;
    }
  }
}
