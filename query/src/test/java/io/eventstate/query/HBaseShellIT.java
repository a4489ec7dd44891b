package io.eventstate.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.EventSink;
import io.eventstate.flume.sink.SchemaTool;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.flume.Context;
import org.apache.flume.Sink;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.testing.Channels;

/**
 * conf/hbase/*.hbase run by a real HBase shell ({@link HBaseShell}) against the mini cluster: create-events.hbase
 * (with the table renamed) makes a table the schema tool finds nothing wrong with, the state coprocessor is
 * loaded through the shell with the commands {@link SchemaTool#stateScript} prints, our EventSink writes to it and the
 * coprocessor advances state; entity.hbase and tables.hbase then show that state and those events.
 */
@ExtendWith(SharedMiniCluster.class)
class HBaseShellIT {

  private static final String TABLE = "shell_events";
  private static final long T0 = 1_700_000_000_123_456_789L;
  private static final long HOUR = 3_600_000_000_000L;

  @TempDir
  Path work;

  private HBaseShell.Result shell(String name, String script, Map<String, String> env) throws Exception {
    Path f = work.resolve(name);
    Files.writeString(f, script, StandardCharsets.UTF_8);
    HBaseShell.Result r = HBaseShell.run(f, SharedMiniCluster.zkPort(), env);
    assertEquals(0, r.exit(), () -> name + " failed in the HBase shell:\n" + r.output());
    // the shell's alter drops keys it does not know and says so, with exit code 0
    assertFalse(r.output().contains("Unknown argument ignored"), () -> name + ":\n" + r.output());
    return r;
  }

  @Test
  void theShippedScriptsRunInARealHBaseShell() throws Exception {
    String create = Files.readString(Repo.conf().resolve("hbase/create-events.hbase"), StandardCharsets.UTF_8);
    assertTrue(create.contains("'eventstate'"), create);
    shell("create-events.hbase", create.replace("'eventstate'", "'" + TABLE + "'"), Map.of());

    TableName name = TableName.valueOf(TABLE);
    TableSchema schema = new TableSchema(TABLE, 16);
    try (Admin admin = SharedMiniCluster.util().getConnection().getAdmin()) {
      assertEquals(List.of(), SchemaTool.problems(admin, schema), "what would stop EventSink");
      TableDescriptor d = admin.getDescriptor(name);
      assertEquals(List.of(), SchemaTool.differences(d, schema), "the shell's table is the schema tool's table");
      assertEquals(16, admin.getRegions(name).size(), "pre-split by salt");
    }

    // The state coprocessor, loaded through the shell as the README says (its class is on the servers' class path
    // here, so the jar part of the coprocessor spec is empty).
    Map<String, String> state = EntityStateSpec.properties(List.of(
        Files.readString(Repo.conf().resolve("machines/package.json"), StandardCharsets.UTF_8),
        Files.readString(Repo.conf().resolve("machines/sessions.json"), StandardCharsets.UTF_8)));
    shell("load-state.hbase", SchemaTool.stateScript(TABLE, state, "") + "exit\n", Map.of());
    try (Admin admin = SharedMiniCluster.util().getConnection().getAdmin()) {
      assertTrue(admin.getDescriptor(name).hasCoprocessor(TableSchema.STATE_OBSERVER), "observer loaded");
      assertEquals(List.of(), SchemaTool.problems(admin, schema));
    }

    List<CanonicalEvent> events = new ArrayList<>();
    String[] scans = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};
    for (int i = 0; i < scans.length; i++) {
      events.add(new CanonicalEvent("shell-" + i, "package", "EZ7000000007", scans[i], T0 + i * HOUR, TimeSource.EVENT,
          new TreeMap<>(), new TreeSet<>(), ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    write(events);
    byte[] stateRow;
    try (Table t = SharedMiniCluster.util().getConnection().getTable(name)) {
      Result r = t.get(new Get(RowKeyCodec.toBytes(RowKeyCodec.stateRowKey("package", "EZ7000000007"))));
      stateRow = r.getValue(TableSchema.FAMILY_STATE.getBytes(StandardCharsets.UTF_8),
          StateColumns.EVENTS.getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(5L, ByteBuffer.wrap(stateRow).getLong(), "the coprocessor applied every event");

    HBaseShell.Result entity = shell("entity.hbase",
        Files.readString(Repo.conf().resolve("hbase/entity.hbase"), StandardCharsets.UTF_8),
        Map.of("ENTITY", "package:EZ7000000007", "TABLE", TABLE));
    String out = entity.output();
    assertTrue(out.contains("s:events") && out.contains("value=5"), "events applied, read as a long:\n" + out);
    assertTrue(out.contains("s:m.package.state"), out);
    assertTrue(out.contains("s:m.package.c") && out.contains("event.delivered=1"), "the counter cell, as text:\n" + out);
    for (CanonicalEvent e : events) {
      assertTrue(out.contains(RowKeyCodec.eventRowKey("package", "EZ7000000007", e.eventTimeNanos(), e.eventId())),
          "event row " + e.eventId() + " listed:\n" + out);
    }
    assertTrue(out.contains("5 row(s)"), "the entity's five events in the scan:\n" + out);

    HBaseShell.Result tables = shell("tables.hbase",
        Files.readString(Repo.conf().resolve("hbase/tables.hbase"), StandardCharsets.UTF_8), Map.of("TABLE", TABLE));
    String t = tables.output();
    assertTrue(t.contains("Table " + TABLE + " is ENABLED"), t);
    assertTrue(t.contains(RowKeyCodec.stateRowKey("package", "EZ7000000007")), "the state row listed:\n" + t);
    assertTrue(t.contains("6 row(s)"), "count: five event rows and one state row:\n" + t);
  }

  private static void write(List<CanonicalEvent> events) throws Exception {
    MemoryChannel channel = Channels.memory("valid", 1000, 100);
    EventSink sink = new EventSink();
    sink.setName("hbase");
    sink.setChannel(channel);
    Configurables.configure(sink, new Context(Map.of("table", TABLE, "batchSize", "10",
        "zookeeperQuorum", "127.0.0.1", "hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()))));
    sink.start();
    try {
      Transaction tx = channel.getTransaction();
      tx.begin();
      for (CanonicalEvent e : events) {
        Map<String, String> h = new HashMap<>();
        EventHeaders.write(e, h);
        channel.put(EventBuilder.withBody(e.body(), h));
      }
      tx.commit();
      tx.close();
      while (sink.process() == Sink.Status.READY) {
        // BACKOFF once the channel is empty
      }
      assertEquals(0L, sink.sinkCounter().getEventWriteFail(), "write failures");
    } finally {
      sink.stop();
      channel.stop();
    }
  }
}
