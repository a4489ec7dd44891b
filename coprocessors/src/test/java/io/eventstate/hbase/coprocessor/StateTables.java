package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.config.Locations;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.fsm.Counters;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.StateMachineEngine;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.session.SessionEngine;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.core.session.SessionState;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.EventRowReader;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SchemaTool;
import io.eventstate.flume.sink.SinkWritePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.Coprocessor;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.CoprocessorDescriptorBuilder;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import io.eventstate.testing.SharedMiniCluster;

/** Tables with the state observer, write paths, and cell snapshots for the ITs. */
final class StateTables {

  static final long MIN = 60_000_000_000L;
  static final long HOUR = 60 * MIN;
  static final long DAY = 24 * HOUR;
  static final long T0 = 1_700_000_000_000_000_000L;
  private static final AtomicInteger SEQ = new AtomicInteger();

  private StateTables() {
  }

  static Path repoRoot() {
    return Locations.repositoryRoot();
  }

  static Path sampleData() {
    return Locations.sampleData();
  }

  static String conf(String file) {
    try {
      return Files.readString(repoRoot().resolve("conf/machines").resolve(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** package.json and sessions.json (sessions of users), plus extra keys as key, value pairs. */
  static Map<String, String> standardProperties(String... extra) {
    Map<String, String> p = new TreeMap<>(EntityStateSpec.properties(List.of(conf("package.json"), conf("sessions.json"))));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      p.put(extra[i], extra[i + 1]);
    }
    return p;
  }

  static EntityStateSpec spec(Map<String, String> props) {
    return EntityStateSpec.parse(props);
  }

  /**
   * The schema tool's table (4 regions, split restriction, MultiRowMutationEndpoint) plus the state observer, with
   * the spec keys as table values (coprocessor properties cannot hold JSON: HBase refuses values with commas) and
   * {@code cpProps} as the coprocessor's own properties.
   */
  static TableDescriptor descriptor(String name, String observerClass, String jarPath, Map<String, String> props,
      Map<String, String> cpProps) throws IOException {
    CoprocessorDescriptorBuilder cp = CoprocessorDescriptorBuilder.newBuilder(observerClass)
        .setPriority(Coprocessor.PRIORITY_USER).setProperties(cpProps);
    if (jarPath != null) {
      cp.setJarPath(jarPath);
    }
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(SchemaTool.descriptor(new TableSchema(name, 4)))
        .setCoprocessor(cp.build());
    for (Map.Entry<String, String> v : props.entrySet()) {
      b.setValue(v.getKey(), v.getValue());
    }
    return b.build();
  }

  static TableName create(String base, String observerClass, String jarPath, Map<String, String> props,
      Map<String, String> cpProps) throws Exception {
    String name = base + "_" + SEQ.incrementAndGet();
    TableDescriptor d = descriptor(name, observerClass, jarPath, props, cpProps);
    SharedMiniCluster.util().getAdmin().createTable(d, SchemaTool.splitKeys(new TableSchema(name, 4)));
    TableName tn = TableName.valueOf(name);
    SharedMiniCluster.util().waitTableAvailable(tn);
    return tn;
  }

  static TableName create(String base, String observerClass, String jarPath, Map<String, String> props)
      throws Exception {
    return create(base, observerClass, jarPath, props, Map.of());
  }

  static TableName create(String base, Map<String, String> props) throws Exception {
    return create(base, EntityStateObserver.class.getName(), null, props);
  }

  static Table table(TableName t) throws IOException {
    return SharedMiniCluster.util().getConnection().getTable(t);
  }

  static SinkWritePath sink(TableName t) throws IOException {
    Table table = table(t);
    RegionLocator locator = SharedMiniCluster.util().getConnection().getRegionLocator(t);
    return new SinkWritePath(table, locator);
  }

  /** Event rows only, as any other writer would put them (shared row locks, no state row). */
  static List<Put> plainPuts(List<CanonicalEvent> events) {
    List<Put> puts = new ArrayList<>();
    for (CanonicalEvent e : events) {
      EventRowCodec.RowWrite w = EventRowCodec.eventRow(e);
      Put p = new Put(w.row());
      for (EventRowCodec.CellValue c : w.cells()) {
        p.addColumn(c.family(), c.qualifier(), c.timestamp(), c.value());
      }
      puts.add(p);
    }
    return puts;
  }

  static CanonicalEvent event(String type, String id, String eventType, long t, String eventId, String... attrs) {
    TreeMap<String, String> a = new TreeMap<>();
    for (int i = 0; i + 1 < attrs.length; i += 2) {
      if (attrs[i + 1] != null) {
        a.put(attrs[i], attrs[i + 1]);
      }
    }
    return new CanonicalEvent(eventId, type, id, eventType, t, TimeSource.EVENT, a, new TreeSet<>(),
        ("{\"id\":\"" + eventId + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  static final String[] PACKAGE_TYPES = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};

  /** Random package and user histories within one day. */
  static List<CanonicalEvent> histories(Random r, int packages, int users) {
    List<CanonicalEvent> out = new ArrayList<>();
    for (int n = 0; n < packages; n++) {
      String id = "pkg-" + n;
      long t = T0 + r.nextInt(600) * MIN;
      int k = 2 + r.nextInt(8);
      for (int i = 0; i < k; i++) {
        t += (1 + r.nextInt(90)) * MIN + r.nextInt(1000);
        String type = i == 0 ? "pre_transit" : PACKAGE_TYPES[1 + r.nextInt(PACKAGE_TYPES.length - 1)];
        out.add(event("package", id, type, t, id + "-e" + i, "status_detail",
            r.nextBoolean() ? "arrived_at_facility" : "departed"));
      }
    }
    for (int n = 0; n < users; n++) {
      String id = "user-" + n;
      long t = T0 + r.nextInt(600) * MIN;
      int k = 2 + r.nextInt(10);
      for (int i = 0; i < k; i++) {
        t += (r.nextInt(4) == 0 ? 31 + r.nextInt(30) : 1 + r.nextInt(10)) * MIN;
        out.add(event("user", id, "view", t, id + "-v" + i, "campaign", r.nextInt(8) == 0 ? "c" + r.nextInt(2) : null));
      }
    }
    return out;
  }

  /** Every cell of the table: "row family:qualifier" → "timestamp=hex". */
  static TreeMap<String, String> cells(TableName t) throws IOException {
    TreeMap<String, String> out = new TreeMap<>();
    try (Table table = table(t); ResultScanner s = table.getScanner(new Scan())) {
      for (Result r : s) {
        for (Cell c : r.rawCells()) {
          out.put(Bytes.toString(CellUtil.cloneRow(c)) + " " + Bytes.toString(CellUtil.cloneFamily(c)) + ":"
              + Bytes.toString(CellUtil.cloneQualifier(c)), c.getTimestamp() + "="
              + HexFormat.of().formatHex(CellUtil.cloneValue(c)));
        }
      }
    }
    return out;
  }

  /**
   * The coprocessor's cells and the event rows, without what depends on arrival order by design: {@code d:late},
   * {@code d:notify} (a notification belongs to the delivery that applied the event), the sink's {@code s:touch}, counters that are zero, and the timestamps of state cells.
   */
  static TreeMap<String, String> comparable(TableName t) throws IOException {
    TreeMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> c : cells(t).entrySet()) {
      String k = c.getKey();
      if (k.endsWith(" d:" + StateColumns.LATE) || k.endsWith(" d:" + StateColumns.NOTIFY)
          || k.endsWith(" s:" + EventRowCodec.Q_TOUCH)
          || k.contains(".c.") && c.getValue().endsWith("=0000000000000000") || k.endsWith(".c") && c.getValue()
          .endsWith("=")) {
        continue;
      }
      // a state cell keeps the timestamp of the write that last changed it: arrival-dependent by design
      out.put(k, k.contains(" s:") ? c.getValue().substring(c.getValue().indexOf('=')) : c.getValue());
    }
    return out;
  }

  /** Row → family:qualifier → value. */
  static Map<String, Map<String, byte[]>> rows(TableName t) throws IOException {
    Map<String, Map<String, byte[]>> out = new LinkedHashMap<>();
    try (Table table = table(t); ResultScanner s = table.getScanner(new Scan())) {
      for (Result r : s) {
        Map<String, byte[]> m = new HashMap<>();
        for (Cell c : r.rawCells()) {
          m.put(Bytes.toString(CellUtil.cloneFamily(c)) + ":" + Bytes.toString(CellUtil.cloneQualifier(c)),
              CellUtil.cloneValue(c));
        }
        out.put(Bytes.toString(r.getRow()), m);
      }
    }
    return out;
  }

  /**
   * Invariants 1 and 2: the event rows are exactly the distinct ids given, and every state row equals the state
   * recomputed offline from that entity's stored (not too-late) events.
   *
   * @return the number of entities checked
   */
  static int assertInvariants(TableName t, EntityStateSpec spec, List<CanonicalEvent> input) throws IOException {
    Map<String, Map<String, byte[]>> rows = rows(t);
    TreeSet<String> expectedRows = new TreeSet<>();
    for (CanonicalEvent e : input) {
      expectedRows.add(RowKeyCodec.eventRowKey(e.entityType(), e.entityId(), e.eventTimeNanos(), e.eventId()));
    }
    TreeSet<String> eventRows = new TreeSet<>();
    Map<String, List<CanonicalEvent>> byEntity = new TreeMap<>();
    for (Map.Entry<String, Map<String, byte[]>> r : rows.entrySet()) {
      RowKeyCodec.DecodedKey k = RowKeyCodec.decode(r.getKey());
      if (k.kind() != RowKeyCodec.Kind.EVENT) {
        continue;
      }
      eventRows.add(r.getKey());
      Map<String, byte[]> e = new HashMap<>();
      for (Map.Entry<String, byte[]> c : r.getValue().entrySet()) {
        if (c.getKey().startsWith("e:")) {
          e.put(c.getKey().substring(2), c.getValue());
        }
      }
      List<CanonicalEvent> es = byEntity.computeIfAbsent(RowKeyCodec.stateRowKey(k.entityType(), k.entityId()),
          x -> new ArrayList<>());
      if (!r.getValue().containsKey("d:" + StateColumns.TOO_LATE)) {
        es.add(EventRowReader.read(r.getKey(), k, e));
      }
    }
    assertEquals(expectedRows, eventRows, "event rows = distinct input ids");
    int checked = 0;
    for (Map.Entry<String, List<CanonicalEvent>> en : byEntity.entrySet()) {
      Map<String, byte[]> state = rows.get(en.getKey());
      List<CanonicalEvent> es = en.getValue();
      if (es.isEmpty() || !spec.appliesTo(es.get(0).entityType())) {
        continue;
      }
      String type = es.get(0).entityType();
      assertEquals(es.size(), StateColumns.toLong(state.get("s:" + StateColumns.EVENTS)), en.getKey() + " events");
      for (MachineDefinition m : spec.machinesFor(type)) {
        EntityState full = StateMachineEngine.recompute(m, StateMachineEngine.initial(m), es);
        // the state row's machine cell leaves the counters out (they are one cell of their own) and the watermark
        // (last_ns)
        assertArrayEquals(full.withWatermark(EntityState.NO_TIME, List.of()).withCounters(Counters.NONE).toBytes(),
            state.get("s:" + StateColumns.machine(m.name())), en.getKey() + " machine " + m.name());
        assertEquals(full.lastEventTimeNanos(), Long.parseLong(Bytes.toString(state.get("s:" + StateColumns.LAST_NS))),
            en.getKey() + " watermark");
        TreeMap<String, Long> counters = new TreeMap<>(full.counters().asMap());
        counters.remove(MachineDefinition.COUNTER_EVENTS); // s:events counts them for every machine of the entity
        assertEquals(counters, counters(state, m.name()), en.getKey() + " counters");
      }
      for (SessionSpec s : spec.sessionsFor(type)) {
        byte[] expected = SessionEngine.recompute(s, SessionState.initial(), es).toBytes();
        assertArrayEquals(expected, state.get("s:" + StateColumns.session(s.name())), en.getKey() + " sessions " + s.name());
      }
      checked++;
    }
    return checked;
  }

  static long counter(Map<String, byte[]> row, String q) {
    byte[] b = row.get("s:" + q);
    return b == null ? 0 : StateColumns.toLong(b);
  }

  /** The non-zero counters of a machine: its counter cell {@code s:m.NAME.c}. */
  static TreeMap<String, Long> counters(Map<String, byte[]> row, String machine) {
    byte[] b = row.get("s:" + StateColumns.machineCounters(machine));
    return b == null ? new TreeMap<>() : new TreeMap<>(StateColumns.decodeCounters(b));
  }

  /** The shipped example agent in this process, its EventSink writing to {@code table} on the shared cluster. */
  static io.eventstate.testing.InProcessAgent.Builder exampleAgent(Path workDir, String table) {
    return io.eventstate.testing.InProcessAgent.fromFile(
        Locations.repositoryRoot().resolve("conf/flume/eventstate.properties"), "a1").workDir(workDir)
        .override("sinks.hbase.table", table)
        .override("sinks.hbase.zookeeperQuorum", "127.0.0.1")
        .override("sinks.hbase.hbase.zookeeper.property.clientPort",
            Integer.toString(io.eventstate.testing.SharedMiniCluster.zkPort()));
  }

}
