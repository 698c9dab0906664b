package trends.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Waits until a Kafka Streams application has read everything there is: its group's committed
 * offsets at the end of the input topic and of every internal topic it reads. A benchmark's
 * clock stops there.
 */
final class CaughtUp {
  private CaughtUp() {}

  /** Blocks until group {@code appId} is caught up on {@code input}; returns the input's size. */
  static long await(String bootstrap, String appId, String input) throws InterruptedException {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      int partitions =
          admin.describeTopics(java.util.List.of(input)).allTopicNames().get().get(input).partitions().size();
      while (true) {
        Thread.sleep(200);
        Map<TopicPartition, OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
        long inputCommitted = committed.keySet().stream().filter(tp -> tp.topic().equals(input)).count();
        if (inputCommitted < partitions) {
          continue;
        }
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest).all().get();
        boolean done =
            committed.entrySet().stream()
                .allMatch(e -> e.getValue().offset() >= ends.get(e.getKey()).offset());
        if (done) {
          return committed.entrySet().stream()
              .filter(e -> e.getKey().topic().equals(input))
              .mapToLong(e -> e.getValue().offset())
              .sum();
        }
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the group's offsets: " + e.getCause(), e);
    }
  }
}
