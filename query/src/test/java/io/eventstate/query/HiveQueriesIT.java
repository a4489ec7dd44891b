package io.eventstate.query;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.flume.sink.SchemaTool;
import io.eventstate.flume.testing.DataFeeds;
import io.eventstate.testing.InProcessAgent;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.flume.Event;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;

/**
 * The query side end to end. The shipped example agent (conf/flume/eventstate.properties, in process, only ports,
 * directories and cluster addresses overridden) is fed the demo data (the talk's events and every real data set,
 * the talk's events twice, as a redelivery would) and writes both paths: the HBase mini cluster's table
 * {@code eventstate} (with the state coprocessor) and Avro files on a MiniDFSCluster ({@code hdfs://}). Then:
 * <ul>
 *   <li>the files, read with Avro's reader, hold exactly the valid events the agent's interceptors make of the
 *       feeds (ids, exact nanosecond times, attributes, tags, bodies), each partition only its entity type and
 *       event day; the dead letters are in a partition of their own; the landed ids equal HBase's event rows';</li>
 *   <li>Hive 3.1.3 itself (CliDriver, embedded Derby metastore, local MapReduce, in a JVM of its own: see
 *       {@link HiveCli}) runs conf/hive/*.sql unchanged and every example query of conf/impala over the table and
 *       the files, and each result is asserted against what the data must give, computed here from HBase's rows or
 *       from the interceptors' output, never from Hive.</li>
 * </ul>
 * Impala and Hive differ in one place for these files: {@code INVALIDATE METADATA} (conf/impala/00-refresh.sql)
 * is Impala's own statement; Hive needs no refresh and it is not run. Every other statement runs as written.
 */
@ExtendWith(SharedMiniCluster.class)
class HiveQueriesIT {

  private static final String TABLE = TableSchema.DEFAULT_TABLE; // the table conf/hive names
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  @TempDir
  static Path work;

  private static MiniDFSCluster dfs;
  private static FileSystem fs;
  private static List<CanonicalEvent> valid;
  private static int validTalk;
  private static int deadLetters;
  private static Map<String, CanonicalEvent> byId;
  private static Map<String, List<GenericRecord>> landed;
  private static Map<String, Map<String, String>> hbaseRows;
  private static HiveCli.Result hive;

  @BeforeAll
  static void landAndQuery() throws Exception {
    Configuration c = new Configuration();
    c.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
    dfs = new MiniDFSCluster.Builder(c).numDataNodes(1).build();
    dfs.waitActive();
    fs = dfs.getFileSystem();
    String nn = fs.getUri().toString();
    createTable();

    Path data = DataFeeds.sampleData();
    Path conf = Repo.conf().resolve("flume/eventstate.properties");
    try (InProcessAgent agent = InProcessAgent.fromFile(conf, "a1").workDir(work.resolve("agent"))
        .override("sinks.hbase.table", TABLE)
        .override("sinks.hbase.zookeeperQuorum", "127.0.0.1")
        .override("sinks.hbase.hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()))
        .override("sinks.hdfs.hdfs.path", nn + "/eventstate/events/entity_type=%{es.entityType}/dt=%Y-%m-%d")
        .override("sinks.deadletter_files.hdfs.path", nn + "/eventstate/deadletter/dt=%Y-%m-%d")
        .start()) {
      List<Event> offline = DataFeeds.offline(agent.propertiesFile(), data);
      valid = new ArrayList<>();
      for (Event e : offline) {
        if ("valid".equals(e.getHeaders().get(EventHeaders.ROUTE))) {
          valid.add(EventHeaders.read(e.getHeaders(), e.getBody()));
        } else if ("deadletter".equals(e.getHeaders().get(EventHeaders.ROUTE))) {
          deadLetters++;
        }
      }
      assertEquals(1, DataFeeds.feed(agent, data), "only LoRaWAN's decoded_fields.json is refused whole");
      // One more package, whose tracking code holds every character the row key escapes (% : | space): the state
      // view reads the entity back from the key, and must give the id the events and the landed files carry.
      DataFeeds.Request odd = oddPackage(data);
      List<Event> oddEvents = DataFeeds.offline(agent.propertiesFile(), odd);
      assertFalse(oddEvents.isEmpty(), "the odd package's tracker normalizes");
      for (Event e : oddEvents) {
        assertEquals("valid", e.getHeaders().get(EventHeaders.ROUTE), e.getHeaders().toString());
        valid.add(EventHeaders.read(e.getHeaders(), e.getBody()));
      }
      assertEquals(200, DataFeeds.post(agent, odd.source(), odd.body()));
      // The talk's events again: a redelivery. HBase stores each event once; the HDFS copy has them twice.
      for (DataFeeds.Request r : DataFeeds.requests(data)) {
        if (r.source().equals("talk")) {
          assertEquals(200, DataFeeds.post(agent, "talk", r.body()));
        }
      }
      validTalk = (int) valid.stream().filter(e -> e.body().length > 0 && isTalk(e)).count();
      long expectedHdfs = valid.size() + validTalk;
      await("both paths drained").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).until(() ->
          drained("events", "hbase") && drained("events_hdfs", "hdfs") && drained("deadletter", "deadletter_files")
              && InProcessAgent.counter("sink", "hdfs", "EventDrainSuccessCount") >= expectedHdfs);
    } // stopping the agent closes every open file (the in-use suffix .tmp goes)

    byId = new TreeMap<>();
    valid.forEach(e -> byId.putIfAbsent(e.eventId(), e));
    landed = readLanded("/eventstate/events");
    hbaseRows = eventRows();
    hive = HiveCli.run(work.resolve("hive"), Map.of("fs.defaultFS", nn, "hive.exec.scratchdir", nn + "/tmp/hive",
        "hbase.zookeeper.quorum", "127.0.0.1", "hbase.zookeeper.property.clientPort",
        Integer.toString(SharedMiniCluster.zkPort())), script());
  }

  @AfterAll
  static void stopDfs() {
    if (dfs != null) {
      dfs.shutdown();
    }
  }

  /** The id of the package {@link #oddPackage} sends. */
  static final String ODD_PACKAGE = "EZ 1:2|3%41";

  /** The first EasyPost tracker of the data, its tracking code replaced by {@link #ODD_PACKAGE}. */
  private static DataFeeds.Request oddPackage(Path data) throws Exception {
    DataFeeds.Request first = DataFeeds.requests(data).stream().filter(r -> r.source().equals("easypost_trackers"))
        .findFirst().orElseThrow();
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode tracker =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(first.body());
    ((com.fasterxml.jackson.databind.node.ObjectNode) tracker.get("object")).put("tracking_code", ODD_PACKAGE);
    return new DataFeeds.Request(first.source(), mapper.writeValueAsBytes(tracker), "odd package");
  }

  private static boolean isTalk(CanonicalEvent e) {
    return e.entityType().equals("user") && e.eventTimeNanos() == 1_457_741_907_959_400_112L
        || e.entityType().equals("device") && e.eventTimeNanos() == 1_457_741_907_959_400_112L;
  }

  private static boolean drained(String channel, String sink) {
    long put = InProcessAgent.counter("channel", channel, "EventPutSuccessCount");
    long taken = InProcessAgent.counter("channel", channel, "EventTakeSuccessCount");
    long size = InProcessAgent.counter("channel", channel, "ChannelSize");
    return put > 0 && put == taken && size == 0 && InProcessAgent.counter("sink", sink, "EventDrainSuccessCount") >= put;
  }

  private static void createTable() throws Exception {
    try (Admin admin = SharedMiniCluster.util().getConnection().getAdmin()) {
      SchemaTool.createWithState(admin, new TableSchema(TABLE, 4),
          SchemaTool.stateProperties(Repo.conf().resolve("machines")));
    }
    SharedMiniCluster.util().waitTableAvailable(TableName.valueOf(TABLE));
  }

  /** Every closed Avro file under {@code dir}, by its partition path relative to dir. */
  private static Map<String, List<GenericRecord>> readLanded(String dir) throws Exception {
    Map<String, List<GenericRecord>> out = new TreeMap<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(new org.apache.hadoop.fs.Path(dir), true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String name = f.getPath().getName();
      assertFalse(name.endsWith(".tmp"), "a file still in use after the agent stopped: " + f.getPath());
      String partition = f.getPath().getParent().toUri().getPath().substring(dir.length() + 1);
      try (DataFileStream<GenericRecord> in = new DataFileStream<>(fs.open(f.getPath()), new GenericDatumReader<>())) {
        assertEquals("snappy", in.getMetaString("avro.codec"), f.getPath().toString());
        List<GenericRecord> records = out.computeIfAbsent(partition, k -> new ArrayList<>());
        in.forEach(records::add);
      }
    }
    return out;
  }

  /** HBase event rows: row key to "family:qualifier" to text value. */
  private static Map<String, Map<String, String>> eventRows() throws Exception {
    Map<String, Map<String, String>> rows = new TreeMap<>();
    try (Table t = SharedMiniCluster.util().getConnection().getTable(TableName.valueOf(TABLE));
        ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        String key = RowKeyCodec.fromBytes(r.getRow());
        Map<String, String> cells = new TreeMap<>();
        r.getNoVersionMap().forEach((family, qs) -> qs.forEach((q, v) -> cells.put(
            new String(family, StandardCharsets.UTF_8) + ":" + new String(q, StandardCharsets.UTF_8),
            v.length == 8 && !new String(q, StandardCharsets.UTF_8).equals("time_ns") && isCounter(q)
                ? Long.toString(ByteBuffer.wrap(v).getLong()) : new String(v, StandardCharsets.UTF_8))));
        rows.put(key, cells);
      }
    }
    return rows;
  }

  private static boolean isCounter(byte[] qualifier) {
    String q = new String(qualifier, StandardCharsets.UTF_8);
    return q.equals("events") || q.equals("too_late") || q.contains(".c.") || q.endsWith(".count");
  }

  private static String script() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (String f : List.of("events.sql", "state.sql", "sessions.sql", "landed.sql")) {
      sb.append(Files.readString(Repo.conf().resolve("hive").resolve(f), StandardCharsets.UTF_8)).append('\n');
    }
    List<Path> queries;
    try (var s = Files.list(Repo.conf().resolve("impala"))) {
      queries = s.filter(p -> p.toString().endsWith(".sql")).sorted().toList();
    }
    for (Path q : queries) {
      String name = q.getFileName().toString().replace(".sql", "");
      for (String stmt : HiveParseTest.statements(q)) {
        if (stmt.toUpperCase(Locale.ROOT).startsWith("INVALIDATE METADATA")) {
          continue; // Impala's own; Hive reads its metastore directly
        }
        sb.append(HiveCli.marker(name)).append(stmt).append(";\n");
      }
    }
    sb.append(Files.readString(Repo.conf().resolve("hive/compact-day.sql"), StandardCharsets.UTF_8)).append('\n');
    sb.append(HiveCli.marker("compacted"))
        .append("SELECT entity_type, dt, count(*), count(DISTINCT event_id) FROM eventstate_compacted")
        .append(" GROUP BY entity_type, dt ORDER BY entity_type, dt;\n");
    sb.append(HiveCli.marker("compacted-purchases"))
        .append("SELECT event_id, event_time_ns, attributes['item_sku'], attributes['item_unit_price'],")
        .append(" concat_ws(',', tags), time_source FROM eventstate_compacted")
        .append(" WHERE dt = '2016-03-12' AND event_type = 'button_pressed' ORDER BY event_id;\n");
    sb.append(HiveCli.marker("landed-raw"))
        .append("SELECT count(*), count(DISTINCT event_id) FROM eventstate_landed;\n");
    return sb.toString();
  }

  private static List<List<String>> section(String name) {
    assertEquals(0, hive.exit(), () -> "Hive failed:\n" + tail(hive.log()));
    List<List<String>> rows = hive.sections().get(name);
    assertNotNull(rows, () -> "no result for " + name + "; Hive's output:\n" + tail(hive.out()) + "\n" + tail(hive.log()));
    return rows;
  }

  private static String tail(String s) {
    return s.length() > 12_000 ? s.substring(s.length() - 12_000) : s;
  }

  private static String text(Object avroBytes) {
    ByteBuffer body = ((ByteBuffer) avroBytes).duplicate();
    byte[] b = new byte[body.remaining()];
    body.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String utc(long nanos) {
    return UTC.format(Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)));
  }

  private static String day(long nanos) {
    return utc(nanos).substring(0, 10);
  }

  // ---- the files on HDFS

  @Test
  void theLandedFilesHoldExactlyTheValidEventsEachInItsPartition() {
    Map<String, Integer> copies = new TreeMap<>();
    for (Map.Entry<String, List<GenericRecord>> p : landed.entrySet()) {
      for (GenericRecord r : p.getValue()) {
        String id = r.get("event_id").toString();
        // A source may deliver the same event id with different bodies (EasyPost redelivers a webhook event with
        // its state at that time): the landed record is one of the events sent under its id.
        List<CanonicalEvent> candidates = valid.stream().filter(v -> v.eventId().equals(id)).toList();
        assertFalse(candidates.isEmpty(), "landed but never sent: " + id);
        CanonicalEvent e = candidates.stream().filter(v -> v.eventTimeNanos() == (Long) r.get("event_time_ns")
            && new String(v.body(), StandardCharsets.UTF_8).equals(text(r.get("body")))).findFirst()
            .orElse(candidates.get(0));
        assertEquals("entity_type=" + e.entityType() + "/dt=" + day(e.eventTimeNanos()), p.getKey(),
            id + " is in the partition of its entity type and event day");
        assertEquals(e.entityType(), r.get("entity_type").toString());
        assertEquals(e.entityId(), r.get("entity_id").toString());
        assertEquals(e.eventType(), r.get("event_type").toString());
        assertEquals(e.eventTimeNanos(), r.get("event_time_ns"), id + ": exact nanoseconds");
        assertEquals(e.timeSource().label(), r.get("time_source").toString());
        Map<String, String> attrs = new TreeMap<>();
        ((Map<?, ?>) r.get("attributes")).forEach((k, v) -> attrs.put(k.toString(), v.toString()));
        assertEquals(e.attributes(), attrs, id);
        assertEquals(List.copyOf(e.tags()), ((List<?>) r.get("tags")).stream().map(Object::toString).toList(), id);
        assertEquals(new String(e.body(), StandardCharsets.UTF_8), text(r.get("body")), id);
        assertNotNull(r.get("arrival_time_ms"), id + ": the interceptor's arrival time");
        copies.merge(id, 1, Integer::sum);
      }
    }
    assertEquals(byId.keySet(), copies.keySet(), "every valid event landed");
    long total = copies.values().stream().mapToLong(Integer::longValue).sum();
    assertTrue(total >= byId.size() + validTalk, "the redelivered talk events landed again: " + total);
    assertTrue(landed.size() > 10, "partitions: " + landed.keySet());
  }

  @Test
  void deadLettersLandInAPartitionOfTheirOwn() throws Exception {
    Map<String, List<GenericRecord>> dead = readLanded("/eventstate/deadletter");
    int n = 0;
    for (Map.Entry<String, List<GenericRecord>> p : dead.entrySet()) {
      assertTrue(p.getKey().matches("dt=\\d{4}-\\d{2}-\\d{2}"), p.getKey());
      for (GenericRecord r : p.getValue()) {
        Map<?, ?> headers = (Map<?, ?>) r.get("headers");
        assertTrue(headers.keySet().stream().anyMatch(k -> k.toString().equals(EventHeaders.REASON)), headers.toString());
        n++;
      }
    }
    assertTrue(deadLetters > 0, "the demo data has dead letters");
    assertEquals(deadLetters, n, "every dead letter of the feeds, once (they were not redelivered)");
  }

  @Test
  void theHdfsCopyEqualsTheHBaseEventRowsIdForId() {
    Set<String> hbaseIds = new TreeSet<>();
    for (String key : hbaseRows.keySet()) {
      if (!RowKeyCodec.isDeadLetter(key) && RowKeyCodec.decode(key).kind() == RowKeyCodec.Kind.EVENT) {
        hbaseIds.add(RowKeyCodec.decode(key).eventId());
      }
    }
    Set<String> hdfsIds = landed.values().stream().flatMap(List::stream).map(r -> r.get("event_id").toString())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(hbaseIds, hdfsIds);
  }

  // ---- Hive over HBase (conf/impala 01-05)

  private static List<Map<String, String>> packageEvents() {
    List<Map<String, String>> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> r : hbaseRows.entrySet()) {
      if (!RowKeyCodec.isDeadLetter(r.getKey()) && RowKeyCodec.decode(r.getKey()).kind() == RowKeyCodec.Kind.EVENT
          && "package".equals(r.getValue().get("e:entity_type"))) {
        out.add(r.getValue());
      }
    }
    return out;
  }

  private static Map<String, String> stateRow(String type, String id) {
    return hbaseRows.get(RowKeyCodec.stateRowKey(type, id));
  }

  private static String orNull(String s) {
    return s == null ? "NULL" : s;
  }

  @Test
  void eventsWithCurrentState() {
    List<String> expected = new ArrayList<>();
    for (Map<String, String> e : packageEvents()) {
      Map<String, String> s = stateRow("package", e.get("e:entity_id"));
      expected.add(String.join("\t", e.get("e:entity_id"), utc(Long.parseLong(e.get("e:time_ns"))), e.get("e:event_type"),
          orNull(e.get("d:m.package.state")), orNull(s.get("s:m.package.state")), orNull(s.get("s:events"))));
    }
    assertRows(expected, section("01-events-with-current-state"));
    assertTrue(expected.size() > 50, "package events: " + expected.size());
    assertTrue(expected.stream().anyMatch(r -> r.startsWith(ODD_PACKAGE + "\t")), "the odd package is joined");
  }

  @Test
  void stateAtEachEvent() {
    List<List<String>> rows = section("02-state-at-each-event");
    List<String> expected = new ArrayList<>();
    for (Map<String, String> e : packageEvents()) {
      expected.add(String.join("\t", e.get("e:entity_id"), utc(Long.parseLong(e.get("e:time_ns"))), e.get("e:event_type"),
          orNull(e.get("d:m.package.state")), orNull(e.get("d:late"))));
    }
    List<List<String>> withoutBefore = rows.stream().map(r -> List.of(r.get(0), r.get(1), r.get(2), r.get(4), r.get(5)))
        .toList();
    assertRows(expected, withoutBefore);
    // state_before is the state after the entity's previous event (LAG). Checked wherever "previous" is defined
    // whatever the order of equal times: the event and its predecessor have times no other event of the entity has.
    Map<String, List<List<String>>> perEntity = new TreeMap<>();
    rows.forEach(r -> perEntity.computeIfAbsent(r.get(0), k -> new ArrayList<>()).add(r));
    int checked = 0;
    for (List<List<String>> events : perEntity.values()) {
      events.sort(Comparator.comparing(r -> r.get(1)));
      for (int i = 0; i < events.size(); i++) {
        String t = events.get(i).get(1);
        boolean unique = (i == 0 || !events.get(i - 1).get(1).equals(t))
            && (i == events.size() - 1 || !events.get(i + 1).get(1).equals(t));
        boolean previousUnique = i == 0 || (i == 1 || !events.get(i - 2).get(1).equals(events.get(i - 1).get(1)));
        if (unique && previousUnique) {
          assertEquals(i == 0 ? "NULL" : events.get(i - 1).get(4), events.get(i).get(3), events.get(i).toString());
          checked++;
        }
      }
    }
    assertTrue(checked > rows.size() / 2, checked + " of " + rows.size() + " rows checked");
  }

  @Test
  void sessionsPerDay() {
    // entity -> session id -> [start, end, events], from the session id the coprocessor wrote on every event
    Map<String, long[]> sessions = new TreeMap<>();
    for (Map.Entry<String, Map<String, String>> r : hbaseRows.entrySet()) {
      String sid = r.getValue().get("d:sess.web.id");
      if (sid != null && r.getValue().get("e:time_ns") != null) {
        long t = Long.parseLong(r.getValue().get("e:time_ns"));
        long[] s = sessions.computeIfAbsent(r.getValue().get("e:entity_type") + ":" + r.getValue().get("e:entity_id")
            + "\t" + sid, k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0});
        s[0] = Math.min(s[0], t);
        s[1] = Math.max(s[1], t);
        s[2]++;
      }
    }
    Map<String, long[]> perDay = new TreeMap<>(); // sessions, events
    Map<String, Set<String>> entities = new TreeMap<>();
    Map<String, Double> maxDuration = new TreeMap<>();
    for (Map.Entry<String, long[]> s : sessions.entrySet()) {
      String d = day(s.getValue()[0]);
      long[] c = perDay.computeIfAbsent(d, k -> new long[2]);
      c[0]++;
      c[1] += s.getValue()[2];
      entities.computeIfAbsent(d, k -> new TreeSet<>()).add(s.getKey().split("\t")[0]);
      maxDuration.merge(d, (s.getValue()[1] - s.getValue()[0]) / 1e9, Math::max);
    }
    List<List<String>> rows = section("03-sessions-per-day");
    assertEquals(perDay.size(), rows.size(), rows.toString());
    assertTrue(perDay.size() > 0, "the demo data has web sessions");
    for (List<String> r : rows) {
      long[] c = perDay.get(r.get(0));
      assertNotNull(c, r.toString());
      assertEquals("web", r.get(1));
      assertEquals(c[0], Long.parseLong(r.get(2)), r.toString());
      assertEquals(entities.get(r.get(0)).size(), Long.parseLong(r.get(3)), r.toString());
      assertEquals(c[1], Long.parseLong(r.get(4)), r.toString());
      assertEquals(maxDuration.get(r.get(0)), Double.parseDouble(r.get(6)), 1e-6, r.toString());
    }
  }

  @Test
  void checkoutFunnel() {
    Map<String, long[]> steps = new TreeMap<>(); // user -> first add_to_cart, begin_checkout, place_order
    for (CanonicalEvent e : byId.values()) {
      if (!e.entityType().equals("user")) {
        continue;
      }
      int i = List.of("add_to_cart", "begin_checkout", "place_order").indexOf(e.eventType());
      long[] s = steps.computeIfAbsent(e.entityId(), k -> new long[] {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE});
      if (i >= 0) {
        s[i] = Math.min(s[i], e.eventTimeNanos());
      }
    }
    long cart = 0;
    long checkout = 0;
    long order = 0;
    for (long[] s : steps.values()) {
      cart += s[0] != Long.MAX_VALUE ? 1 : 0;
      boolean c = s[1] != Long.MAX_VALUE && s[0] != Long.MAX_VALUE && s[1] > s[0];
      checkout += c ? 1 : 0;
      order += c && s[2] != Long.MAX_VALUE && s[2] > s[1] ? 1 : 0;
    }
    List<List<String>> rows = section("04-checkout-funnel");
    assertEquals(1, rows.size(), rows.toString());
    assertEquals(List.of(Long.toString(cart), Long.toString(checkout), Long.toString(order)), rows.get(0).subList(0, 3));
    assertEquals(cart == 0 ? "NULL" : String.valueOf(Math.round(1000.0 * checkout / cart) / 10.0), rows.get(0).get(3));
  }

  @Test
  void stuckEntities() {
    long now = System.currentTimeMillis() / 1000;
    List<String> expected = new ArrayList<>();
    for (Map.Entry<String, Map<String, String>> r : hbaseRows.entrySet()) {
      if (RowKeyCodec.isDeadLetter(r.getKey()) || RowKeyCodec.decode(r.getKey()).kind() != RowKeyCodec.Kind.STATE) {
        continue;
      }
      RowKeyCodec.DecodedKey k = RowKeyCodec.decode(r.getKey());
      String state = r.getValue().get("s:m.package.state");
      String last = r.getValue().get("s:last_ns");
      if (k.entityType().equals("package") && state != null && state.startsWith("tracking/in_transit") && last != null
          && Long.parseLong(last) < (now - 3 * 86400) * 1_000_000_000L) {
        expected.add(k.entityId() + "\t" + state);
      }
    }
    List<List<String>> rows = section("05-stuck-entities");
    assertRows(expected, rows.stream().map(r -> List.of(r.get(0), r.get(1))).toList());
  }

  // ---- Hive over the landed files (conf/impala 06-07, conf/hive/compact-day.sql)

  @Test
  void landedPerDayWithDuplicatesRemoved() {
    Map<String, Set<String>> entities = new TreeMap<>();
    Map<String, Long> events = new TreeMap<>();
    for (CanonicalEvent e : byId.values()) {
      String k = e.entityType() + "\t" + day(e.eventTimeNanos());
      events.merge(k, 1L, Long::sum);
      entities.computeIfAbsent(k, x -> new TreeSet<>()).add(e.entityId());
    }
    List<String> expected = events.entrySet().stream()
        .map(e -> e.getKey() + "\t" + e.getValue() + "\t" + entities.get(e.getKey()).size()).toList();
    assertRows(expected, section("06-landed-per-day"));
    List<List<String>> raw = section("landed-raw");
    assertEquals(Long.toString(byId.size()), raw.get(0).get(1));
    assertTrue(Long.parseLong(raw.get(0).get(0)) > byId.size(), "the raw files hold the redelivered copies: " + raw);
  }

  @Test
  void landedEventsWithCurrentState() {
    List<String> expected = new ArrayList<>();
    for (CanonicalEvent e : byId.values()) {
      Map<String, String> s = e.entityType().equals("package") ? stateRow("package", e.entityId()) : null;
      if (s != null) {
        expected.add(String.join("\t", e.entityId(), utc(e.eventTimeNanos()), e.eventType(),
            orNull(s.get("s:m.package.state"))));
      }
    }
    assertRows(expected, section("07-landed-with-current-state"));
    assertTrue(expected.stream().anyMatch(r -> r.startsWith(ODD_PACKAGE + "\t")), "the odd package is joined: " + expected);
  }

  @Test
  void aDayCompactsIntoParquetEachEventOnce() {
    Map<String, Long> perType = new TreeMap<>();
    List<String> purchases = new ArrayList<>();
    for (CanonicalEvent e : byId.values()) {
      if (day(e.eventTimeNanos()).equals("2016-03-12")) {
        perType.merge(e.entityType(), 1L, Long::sum);
        if (e.eventType().equals("button_pressed")) {
          purchases.add(String.join("\t", e.eventId(), Long.toString(e.eventTimeNanos()),
              orNull(e.attributes().get("item_sku")), orNull(e.attributes().get("item_unit_price")),
              String.join(",", e.tags()), e.timeSource().label()));
        }
      }
    }
    List<String> expected = perType.entrySet().stream()
        .map(e -> e.getKey() + "\t2016-03-12\t" + e.getValue() + "\t" + e.getValue()).toList();
    assertRows(expected, section("compacted"));
    assertEquals(2, purchases.size(), "the talk's two purchases: " + purchases);
    assertRows(purchases, section("compacted-purchases"));
  }

  private static void assertRows(List<String> expected, List<List<String>> actual) {
    List<String> e = new ArrayList<>(expected);
    e.sort(Comparator.naturalOrder());
    List<String> a = new ArrayList<>(actual.stream().map(r -> String.join("\t", r)).toList());
    a.sort(Comparator.naturalOrder());
    assertEquals(e, a);
  }

  static Map<String, String> copy(Map<String, String> m) {
    return new HashMap<>(m);
  }
}
