package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.flume.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every data set in ../shared/data/real through a real agent into HBase.
 *
 * <p>FOR THE LEAD: the normalizing interceptor is written in parallel, so this test sets the canonical headers
 * itself (event id = SHA-256 of the raw record, as DESIGN.md section 2 says for data without an id field;
 * entity = data set + a bucket of that hash). Once the interceptor lands, put it in front of the sink in
 * {@link InProcessAgent}'s properties and drop {@link #canonicalHeaders}; the assertions stay.
 */
@ExtendWith(HBaseMiniCluster.class)
class RealDataThroughAgentIT {

  @TempDir
  Path dir;

  static Path realData() {
    Path d = Paths.get("").toAbsolutePath();
    while (d != null && !Files.isDirectory(d.resolveSibling("shared").resolve("data/real"))
        && !Files.isDirectory(d.resolve("shared/data/real"))) {
      d = d.getParent();
    }
    if (d == null) {
      throw new IllegalStateException("no shared/data/real beside the repository");
    }
    return Files.isDirectory(d.resolve("shared/data/real")) ? d.resolve("shared/data/real")
        : d.resolveSibling("shared").resolve("data/real");
  }

  /** Raw records: every line of *.jsonl / *.ndjson, every whole *.json file. */
  static Map<String, List<String>> records() throws Exception {
    Map<String, List<String>> byDataSet = new TreeMap<>();
    Path root = realData();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
        String name = f.getFileName().toString();
        String dataSet = root.relativize(f).getName(0).toString();
        List<String> out = byDataSet.computeIfAbsent(dataSet, k -> new ArrayList<>());
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
          Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(out::add);
        } else if (name.endsWith(".json")) {
          out.add(Files.readString(f, StandardCharsets.UTF_8));
        }
      }
    }
    byDataSet.values().removeIf(List::isEmpty);
    return byDataSet;
  }

  static CanonicalEvent canonicalHeaders(String dataSet, String raw) throws Exception {
    byte[] body = raw.getBytes(StandardCharsets.UTF_8);
    byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
    String id = HexFormat.of().formatHex(hash, 0, 16);
    long nanos = 1_600_000_000_000_000_000L + Math.floorMod(java.nio.ByteBuffer.wrap(hash).getLong(), 1_000_000_000_000_000L);
    return new CanonicalEvent(id, dataSet, "bucket" + Math.floorMod(hash[20], 5), "raw", nanos, TimeSource.ARRIVAL,
        new TreeMap<>(), new TreeSet<>(), body);
  }

  @Test
  void everyRealDataSetGoesThroughTheAgentOneRowPerDistinctEventId() throws Exception {
    TableSchema schema = TestTables.create("real");
    Map<String, List<String>> records = records();
    assertTrue(records.size() >= 5, "data sets found: " + records.keySet());
    Map<String, String> bodyById = new LinkedHashMap<>();
    List<Event> events = new ArrayList<>();
    for (Map.Entry<String, List<String>> ds : records.entrySet()) {
      for (String raw : ds.getValue()) {
        CanonicalEvent ce = canonicalHeaders(ds.getKey(), raw);
        bodyById.put(ce.eventId(), raw);
        events.add(TestEvents.flume(ce));
      }
    }
    try (InProcessAgent agent = InProcessAgent.start(dir, schema.tableName(), Map.of())) {
      for (int i = 0; i < events.size(); i += 100) {
        assertEquals(200, agent.send(events.subList(i, Math.min(events.size(), i + 100))));
      }
      await().atMost(Duration.ofSeconds(60))
          .until(() -> agent.sinkCounter("EventDrainSuccessCount") == events.size());
    }
    List<String> eventRows = TestTables.rows(schema.tableName()).stream()
        .filter(r -> !r.endsWith(RowKeyCodec.STATE_SUFFIX)).collect(Collectors.toList());
    assertEquals(bodyById.size(), eventRows.size(), "one row per distinct event id");
    for (String row : eventRows) {
      assertFalse(RowKeyCodec.isDeadLetter(row), row);
      RowKeyCodec.DecodedKey key = RowKeyCodec.decode(row);
      Map<String, String> cells = TestTables.row(schema.tableName(), row);
      assertEquals(bodyById.get(key.eventId()), cells.get("e:body"), "raw body kept verbatim and readable as text");
      assertEquals(key.eventId(), cells.get("e:event_id"));
      assertTrue(records.containsKey(cells.get("e:entity_type")));
    }
  }
}
