package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.flume.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The shipped example agent, conf/flume/eventstate.properties, end to end into HBase: every feed's HTTP or
 * spooling-directory source, the normalizing and tagging interceptors, the multiplexing selector, the file
 * channels and {@link EventSink} writing to the mini cluster (only directories, ports and the cluster address
 * are overridden). Every data set in samples/ goes in; the table then holds exactly one row per distinct
 * event id of the valid events, with the raw body readable as text.
 */
@ExtendWith(SharedMiniCluster.class)
class RealDataThroughAgentIT {

  @TempDir
  Path dir;

  @Test
  void everyDataSetGoesThroughTheExampleAgentIntoHBaseOncePerEventId() throws Exception {
    TableSchema schema = TestTables.create("realdata");
    Path conf = DataFeeds.repositoryRoot().resolve("conf/flume/eventstate.properties");
    Path data = DataFeeds.sampleData();
    List<Event> offline = DataFeeds.offline(conf, data);
    Set<String> expectedIds = DataFeeds.validEventIds(offline);
    // EasyPost's TestEventsGet.yaml returns evt_36940ed6... twice (list and retrieve), wrapped differently:
    // one id, two bodies. The row holds one of them (cell timestamps are the event's, so the later write wins).
    Map<String, Set<String>> bodiesById = new HashMap<>();
    for (Event e : offline) {
      bodiesById.computeIfAbsent(e.getHeaders().get("es.eventId"), k -> new TreeSet<>())
          .add(new String(e.getBody(), StandardCharsets.UTF_8));
    }
    try (io.eventstate.testing.InProcessAgent agent = io.eventstate.testing.InProcessAgent.fromFile(conf, "a1")
        .workDir(dir)
        .override("sinks.hbase.table", schema.tableName())
        .override("sinks.hbase.zookeeperQuorum", "127.0.0.1")
        .override("sinks.hbase.hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()))
        .start()) {
      assertEquals(1, DataFeeds.feed(agent, data), "only LoRaWAN's decoded_fields.json is refused whole");
      await("every valid event stored").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
          .until(() -> eventRows(schema).size() >= expectedIds.size()
              && io.eventstate.testing.InProcessAgent.counter("channel", "events", "ChannelSize") == 0);
    }
    List<String> rows = eventRows(schema);
    assertEquals(expectedIds.size(), rows.size(), "one row per distinct event id");
    Set<String> storedIds = new TreeSet<>();
    for (String row : rows) {
      assertFalse(RowKeyCodec.isDeadLetter(row), row);
      RowKeyCodec.DecodedKey key = RowKeyCodec.decode(row);
      storedIds.add(key.eventId());
      Map<String, String> cells = TestTables.row(schema.tableName(), row);
      assertTrue(bodiesById.get(key.eventId()).contains(cells.get("e:body")),
          "raw body kept verbatim and readable as text: " + row);
      assertEquals(key.eventId(), cells.get("e:event_id"));
    }
    assertEquals(expectedIds, storedIds);
    // Spot checks across the feeds: the talk's exact time, a package, a session, a device, a Wikimedia user.
    assertTrue(rows.stream().anyMatch(r -> r.contains("|1457741907959400112|")));
    for (String entity : List.of(":package:EZ4000000004|", ":user:0|", ":device:fijnstofmeter|", ":user:87.12.215.232|")) {
      assertTrue(rows.stream().anyMatch(r -> r.contains(entity)), entity);
    }
  }

  private static List<String> eventRows(TableSchema schema) throws Exception {
    return TestTables.rows(schema.tableName()).stream()
        .filter(r -> !r.endsWith(RowKeyCodec.STATE_SUFFIX) && !RowKeyCodec.isDeadLetter(r)).collect(Collectors.toList());
  }
}
