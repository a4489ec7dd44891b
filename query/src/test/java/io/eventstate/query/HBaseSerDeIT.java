package io.eventstate.query;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.cli.QuerySchema;
import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.state.DefinitionCatalog;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.session.SessionSpec;
import io.eventstate.flume.sink.EventSink;
import io.eventstate.flume.sink.SchemaTool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.flume.Channel;
import org.apache.flume.Context;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hive.hbase.HBaseSerDe;
import org.apache.hadoop.hive.hbase.ResultWritable;
import org.apache.hadoop.hive.serde2.objectinspector.PrimitiveObjectInspector;
import org.apache.hadoop.hive.serde2.objectinspector.StructField;
import org.apache.hadoop.hive.serde2.objectinspector.StructObjectInspector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.testing.Channels;

/**
 * R15: rows written by the real pipeline — our EventSink (driven through a Flume MemoryChannel) into a table made
 * by the schema tool with the state coprocessor loaded on every definition of conf/machines — read back through
 * Hive's HBaseSerDe with the column mapping of the shipped DDL (conf/hive, which QueryCommandsTest keeps equal
 * to QuerySchema): every cell present decodes to its exact value, no applicable column is NULL, and every
 * {@code #b} cell is exactly 8 bytes (a wider or narrower cell would silently decode to NULL).
 */
@ExtendWith(SharedMiniCluster.class)
class HBaseSerDeIT {

  private static final long T0 = 1_700_000_000_123_456_789L;
  private static final long MINUTE = 60_000_000_000L;
  private static QuerySchema query;
  private static DefinitionCatalog catalog;
  private static TableName table;

  @BeforeAll
  static void writeThroughThePipeline() throws Exception {
    catalog = DefinitionCatalog.load(Repo.conf().resolve("machines"));
    table = TableName.valueOf("serde_r15");
    query = new QuerySchema(new TableSchema(table.getNameAsString(), 4), catalog);
    try (Admin admin = SharedMiniCluster.util().getConnection().getAdmin()) {
      SchemaTool.createWithState(admin, new TableSchema(table.getNameAsString(), 4),
          SchemaTool.stateProperties(Repo.conf().resolve("machines")));
    }
    SharedMiniCluster.util().waitTableAvailable(table);

    MemoryChannel channel = Channels.memory("valid", 10000, 1000);
    EventSink sink = new EventSink();
    sink.setName("hbase");
    sink.setChannel(channel);
    Configurables.configure(sink, new Context(Map.of("table", table.getNameAsString(), "batchSize", "50",
        "zookeeperQuorum", "127.0.0.1", "hbase.zookeeper.property.clientPort",
        Integer.toString(SharedMiniCluster.zkPort()))));
    sink.start();
    try {
      put(channel, events());
      while (sink.process() == Sink.Status.READY) {
        // drain: BACKOFF means the channel is empty
      }
      assertEquals(0L, sink.sinkCounter().getEventWriteFail(), "write failures");
    } finally {
      sink.stop();
      channel.stop();
    }
  }

  private static List<CanonicalEvent> events() {
    List<CanonicalEvent> out = new ArrayList<>();
    String[][] pk1 = {{"pre_transit", ""}, {"in_transit", "arrived_at_facility"}, {"in_transit", ""},
        {"out_for_delivery", ""}, {"delivered", ""}};
    for (int i = 0; i < pk1.length; i++) {
      out.add(event("p1-" + i, "package", "EZ1000000001", pk1[i][0], T0 + i * 60 * MINUTE,
          pk1[i][1].isEmpty() ? Map.of() : Map.of("status_detail", pk1[i][1])));
    }
    out.add(event("p2-0", "package", "EZ2000000002", "pre_transit", T0, Map.of()));
    out.add(event("p2-1", "package", "EZ2000000002", "in_transit", T0 + MINUTE, Map.of()));
    // A user with two web sessions (a gap of more than 30 minutes) and a checkout.
    String[] user = {"page_view", "add_to_cart", "begin_checkout", "place_order"};
    for (int i = 0; i < user.length; i++) {
      out.add(event("u1-" + i, "user", "alice", user[i], T0 + i * 5 * MINUTE, Map.of("page", "/p" + i)));
    }
    out.add(event("u1-late", "user", "alice", "page_view", T0 + 120 * MINUTE, Map.of("page", "/again")));
    return out;
  }

  private static CanonicalEvent event(String id, String type, String entity, String eventType, long t,
      Map<String, String> attrs) {
    byte[] body = ("{\"id\":\"" + id + "\",\"type\":\"" + eventType + "\"}").getBytes(StandardCharsets.UTF_8);
    return new CanonicalEvent(id, type, entity, eventType, t, TimeSource.EVENT, new TreeMap<>(attrs),
        new TreeSet<>(List.of("r15")), body);
  }

  private static void put(Channel channel, List<CanonicalEvent> events) {
    Transaction tx = channel.getTransaction();
    tx.begin();
    for (CanonicalEvent e : events) {
      Map<String, String> headers = new HashMap<>();
      EventHeaders.write(e, headers);
      channel.put(EventBuilder.withBody(e.body(), headers));
    }
    tx.commit();
    tx.close();
  }

  private static HBaseSerDe serde(QuerySchema.HiveTable t) throws Exception {
    Properties p = new Properties();
    p.setProperty("columns", String.join(",", t.columns().stream().map(QuerySchema.Column::name).toList()));
    p.setProperty("columns.types", String.join(":", t.columns().stream()
        .map(c -> c.hiveType().toLowerCase(java.util.Locale.ROOT)).toList()));
    p.setProperty(HBaseSerDe.HBASE_COLUMNS_MAPPING, t.columnsMapping());
    p.setProperty("hbase.table.default.storage.type", "string");
    p.setProperty("hbase.table.name", table.getNameAsString());
    HBaseSerDe s = new HBaseSerDe();
    s.initialize(new Configuration(), p, null);
    return s;
  }

  private static List<Result> rows(RowKeyCodec.Kind kind) throws Exception {
    List<Result> out = new ArrayList<>();
    try (Table t = SharedMiniCluster.util().getConnection().getTable(table); ResultScanner s = t.getScanner(new Scan())) {
      for (Result r : s) {
        if (RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow())).kind() == kind) {
          out.add(r);
        }
      }
    }
    return out;
  }

  /** Decodes one row; returns column name to Java value. Checks every column against the raw cell. */
  private static Map<String, Object> decode(HBaseSerDe serde, QuerySchema.HiveTable t, Result r) throws Exception {
    Object row = serde.deserialize(new ResultWritable(r));
    StructObjectInspector oi = (StructObjectInspector) serde.getObjectInspector();
    List<? extends StructField> fields = oi.getAllStructFieldRefs();
    assertEquals(t.columns().size(), fields.size());
    Map<String, Object> values = new TreeMap<>();
    for (int i = 0; i < fields.size(); i++) {
      QuerySchema.Column c = t.columns().get(i);
      Object data = oi.getStructFieldData(row, fields.get(i));
      Object v = data == null ? null : ((PrimitiveObjectInspector) fields.get(i).getFieldObjectInspector())
          .getPrimitiveJavaObject(data);
      values.put(c.name(), v);
      String where = RowKeyCodec.fromBytes(r.getRow()) + " column " + c.name() + " (" + c.mapping() + ")";
      byte[] raw = c.family() == null ? r.getRow()
          : r.getValue(c.family().getBytes(StandardCharsets.UTF_8), c.qualifier().getBytes(StandardCharsets.UTF_8));
      if (raw == null) {
        assertNull(v, where + ": no cell, so NULL");
        continue;
      }
      assertNotNull(v, where + ": a cell of " + raw.length + " bytes decoded to NULL");
      if (c.binary()) {
        assertEquals(Long.BYTES, raw.length, where + ": #b needs exactly 8 bytes");
        assertEquals(ByteBuffer.wrap(raw).getLong(), ((Number) v).longValue(), where);
      } else if (c.hiveType().equals("BIGINT")) {
        assertEquals(Long.parseLong(new String(raw, StandardCharsets.UTF_8)), ((Number) v).longValue(), where);
      } else {
        assertArrayEquals(raw, v.toString().getBytes(StandardCharsets.UTF_8), where);
      }
    }
    return values;
  }

  @Test
  void eventRowsDecodeWithNoNullInAnyApplicableColumn() throws Exception {
    QuerySchema.HiveTable t = query.eventsTable();
    HBaseSerDe serde = serde(t);
    List<Result> rows = rows(RowKeyCodec.Kind.EVENT);
    assertEquals(events().size(), rows.size());
    for (Result r : rows) {
      Map<String, Object> v = decode(serde, t, r);
      String type = (String) v.get("entity_type");
      for (QuerySchema.Column c : t.columns()) {
        if (c.name().equals("late") || c.name().equals("too_late") || !applies(c.name(), type)) {
          continue;
        }
        assertNotNull(v.get(c.name()), RowKeyCodec.fromBytes(r.getRow()) + ": " + c.name() + " is NULL: " + v);
      }
    }
  }

  @Test
  void stateRowsDecodeWithExactCounterWidths() throws Exception {
    QuerySchema.HiveTable t = query.stateTable();
    HBaseSerDe serde = serde(t);
    List<Result> rows = rows(RowKeyCodec.Kind.STATE);
    assertEquals(3, rows.size(), "one state row per entity");
    int countersSeen = 0;
    for (Result r : rows) {
      Map<String, Object> v = decode(serde, t, r);
      String type = RowKeyCodec.decode(RowKeyCodec.fromBytes(r.getRow())).entityType();
      for (QuerySchema.Column c : t.columns()) {
        boolean optional = c.name().equals("too_late");
        if (!optional && applies(c.name(), type)) {
          assertNotNull(v.get(c.name()), RowKeyCodec.fromBytes(r.getRow()) + ": " + c.name() + " is NULL: " + v);
        }
        if ((c.binary() || c.name().endsWith("_counters")) && v.get(c.name()) != null) {
          countersSeen++;
        }
      }
      if (RowKeyCodec.fromBytes(r.getRow()).contains(":package:EZ1000000001|")) {
        assertEquals(5L, v.get("events"), v.toString());
        assertEquals("delivered", v.get("package_state"), v.toString());
        // the machine's counters are one text cell, NAME=VALUE,... (the entity_state view splits it per counter)
        assertEquals(1L, io.eventstate.core.state.StateColumns.decodeCounters(io.eventstate.core.state.StateColumns
            .utf8((String) v.get("package_counters"))).get("state.delivered"), v.toString());
      }
      if (type.equals("user")) {
        assertEquals(2L, v.get("web_sessions"), "a gap of 100 minutes starts a second session: " + v);
      }
    }
    assertTrue(countersSeen > 4, "counters decoded: " + countersSeen);
  }

  /** Whether a per-machine or per-session column applies to an entity type (other columns always do). */
  private static boolean applies(String column, String entityType) {
    for (MachineDefinition m : catalog.machines()) {
      if (column.startsWith(QuerySchemaNames.hive(m.name()) + "_")) {
        return m.appliesTo(entityType);
      }
    }
    for (SessionSpec s : catalog.sessions()) {
      if (column.startsWith(QuerySchemaNames.hive(s.name()) + "_")) {
        return s.appliesTo(entityType);
      }
    }
    return true;
  }

  /** Hive names as QuerySchema makes them. */
  private static final class QuerySchemaNames {
    static String hive(String name) {
      return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }
  }
}
