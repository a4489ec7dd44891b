package io.eventstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's standalone HBase: starts in this JVM, creates the table idempotently, keeps its data across a stop
 * and a start, and serves the lookup commands (running instance found through {@code .eventstate/hbase.zk}).
 */
class EmbeddedHBaseIT {

  @TempDir
  Path home;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @AfterEach
  void clearHome() {
    System.clearProperty("eventstate.home");
  }

  private int run(String... args) {
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void dataSurvivesARestartAndTheLookupsReadIt() throws Exception {
    System.setProperty("eventstate.home", home.toString());
    Path state = home.resolve(".eventstate");
    TableSchema schema = new TableSchema(TableSchema.DEFAULT_TABLE, 2);
    List<CanonicalEvent> events = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      events.add(new CanonicalEvent("e" + i, "package", "EZ4000000004", i == 2 ? "delivered" : "in_transit",
          1_700_000_000_000_000_000L + i * 1_000_000_000L, TimeSource.EVENT, new TreeMap<>(), new TreeSet<>(), 
          ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)));
    }
    try (EmbeddedHBase hbase = EmbeddedHBase.start(state, true)) {
      assertTrue(hbase.createTable(schema), "created on first start");
      assertTrue(Files.exists(state.resolve("hbase.zk")));
      try (Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration());
           Table t = c.getTable(TableName.valueOf(schema.tableName()))) {
        for (EventRowCodec.EntityWrite w : EventRowCodec.entityWrites(events)) {
          for (EventRowCodec.RowWrite r : w.rows()) {
            Put p = new Put(r.row());
            r.cells().forEach(cell -> p.addColumn(cell.family(), cell.qualifier(), cell.timestamp(), cell.value()));
            t.put(p);
          }
        }
      }
      // The running instance is found by another command through .eventstate/hbase.zk.
      assertEquals(0, run("events", "package:EZ4000000004"), err.toString());
      assertTrue(out.toString().contains("(3 events)") && out.toString().contains("delivered"), out.toString());
    }
    assertFalse(Files.exists(state.resolve("hbase.zk")), "no stale address after a clean stop");

    out.reset();
    // Stopped: the lookup starts the embedded HBase on the stored data itself, and stops it again.
    assertEquals(0, run("events", "package:EZ4000000004", "--json"), err.toString());
    assertEquals(3, out.toString().trim().split("\n").length, out.toString());
    assertTrue(out.toString().contains("\"eventId\":\"e2\""), out.toString());
    err.reset();
    assertEquals(2, run("state", "package:unknown"));
    assertTrue(err.toString().contains("eventstate state: unknown entity package:unknown"), err.toString());

    try (EmbeddedHBase hbase = EmbeddedHBase.start(state, true)) {
      assertFalse(hbase.createTable(schema), "idempotent: the table survived the restart");
      // The demo's table: the state coprocessor with every definition of conf/machines.
      TableSchema stated = new TableSchema("stated", 2);
      assertTrue(hbase.createStateTable(stated, machines()));
      assertFalse(hbase.createStateTable(stated, machines()), "idempotent");
      try (Connection c = ConnectionFactory.createConnection(hbase.clientConfiguration());
           Table t = c.getTable(TableName.valueOf(stated.tableName()))) {
        // Event rows only: a plain put takes shared row locks, the observer writes the state row itself.
        for (CanonicalEvent e : events) {
          EventRowCodec.RowWrite r = EventRowCodec.eventRow(e);
          Put p = new Put(r.row());
          r.cells().forEach(cell -> p.addColumn(cell.family(), cell.qualifier(), cell.timestamp(), cell.value()));
          t.put(p);
        }
      }
      out.reset();
      assertEquals(0, run("state", "package:EZ4000000004", "--table", "stated"), err.toString());
      assertTrue(out.toString().contains("s:m.package.state") && out.toString().contains("delivered"), out.toString());
      assertTrue(out.toString().matches("(?s).*s:events\\s+3\\b.*"), "the counter printed as a number: " + out);
    }
  }

  private static Path machines() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("conf/machines"))) {
      p = p.getParent();
    }
    assertTrue(p != null, "conf/machines not found");
    return p.resolve("conf/machines");
  }
}
