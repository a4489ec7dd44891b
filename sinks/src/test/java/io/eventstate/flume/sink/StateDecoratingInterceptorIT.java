package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.eventstate.core.act.StateDecorationSpec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.StateColumns;
import io.eventstate.testing.SharedMiniCluster;

/** The state decorator against the mini cluster: correct headers, the cache bound and TTL, and an HBase outage. */
@ExtendWith(SharedMiniCluster.class)
class StateDecoratingInterceptorIT {

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  private static void writeState(String table, String entityId, String state, long events) throws Exception {
    try (Table t = SharedMiniCluster.util().getConnection().getTable(TableName.valueOf(table))) {
      Put p = new Put(RowKeyCodec.toBytes(RowKeyCodec.stateRowKey("package", entityId)));
      byte[] f = StateColumns.utf8(StateColumns.STATE_FAMILY);
      p.addColumn(f, StateColumns.utf8(StateColumns.machineState("package")), StateColumns.utf8(state));
      p.addColumn(f, StateColumns.utf8(StateColumns.EVENTS), StateColumns.longBytes(events));
      p.addColumn(f, StateColumns.utf8(StateColumns.machineCounter("package", "delivered")), StateColumns.longBytes(1));
      t.put(p);
    }
  }

  private StateDecoratingInterceptor interceptor(String table, String... kv) {
    Map<String, String> conf = new HashMap<>();
    conf.put("table", table);
    conf.put("machines", "package");
    conf.put("counters", "events");
    conf.put("zookeeperQuorum", "localhost:" + SharedMiniCluster.zkPort());
    conf.put("timeoutMs", "1500");
    for (int i = 0; i < kv.length; i += 2) {
      conf.put(kv[i], kv[i + 1]);
    }
    StateDecoratingInterceptor i = new StateDecoratingInterceptor(StateDecorationSpec.parse(conf), clock::get);
    i.initialize();
    return i;
  }

  private static Event event(String entityId) {
    Map<String, String> h = new HashMap<>();
    h.put("es.status", "valid");
    h.put("es.entityType", "package");
    h.put("es.entityId", entityId);
    h.put("es.eventId", "ev-" + entityId);
    return EventBuilder.withBody(new byte[0], h);
  }

  private static List<Event> events(String... ids) {
    List<Event> out = new ArrayList<>();
    for (String id : ids) {
      out.add(event(id));
    }
    return out;
  }

  @Test
  void decoratesFromTheStateRowCachesWithinItsBoundAndTtl() throws Exception {
    TableSchema schema = TestTables.create("decorate");
    String table = schema.tableName();
    for (int i = 0; i < 10; i++) {
      writeState(table, "p" + i, "tracking/in_transit/moving", 10 + i);
    }
    StateDecoratingInterceptor dec = interceptor(table, "cacheSize", "4", "cacheTtlMs", "60000");
    try {
      List<Event> batch = dec.intercept(events("p1", "nobody", "p1"));
      Map<String, String> h = batch.get(0).getHeaders();
      assertEquals("tracking/in_transit/moving", h.get("es.state.m.package.state"));
      assertEquals("11", h.get("es.state.events"));
      assertNull(h.get("es.state.m.package.c.delivered"), "only configured counters");
      assertEquals("decorated", h.get("es.decorate"));
      assertEquals("nostate", batch.get(1).getHeaders().get("es.decorate"));
      assertEquals("decorated", batch.get(2).getHeaders().get("es.decorate"));
      assertEquals(1, dec.counters().get(StateDecoratingInterceptor.READS), "one multi-get per batch");

      Event invalid = event("p2");
      invalid.getHeaders().put("es.status", "invalid");
      dec.intercept(invalid);
      assertNull(invalid.getHeaders().get("es.decorate"));
      assertEquals(1, dec.counters().get(StateDecoratingInterceptor.EVENTS_SKIPPED));

      // 10 entities through a cache of 4: the bound holds and evictions are counted
      for (int i = 0; i < 10; i++) {
        dec.intercept(events("p" + i));
        assertTrue(dec.cacheSize() <= 4, "cache size " + dec.cacheSize());
      }
      assertEquals(4, dec.cacheSize());
      assertTrue(dec.counters().get(StateDecoratingInterceptor.CACHE_EVICTIONS) >= 6);

      // a cached state is used until its TTL, then re-read
      writeState(table, "p9", "delivered", 99);
      assertEquals("tracking/in_transit/moving",
          dec.intercept(event("p9")).getHeaders().get("es.state.m.package.state"));
      long hits = dec.counters().get(StateDecoratingInterceptor.CACHE_HITS);
      assertTrue(hits >= 2);
      clock.addAndGet(TimeUnit.SECONDS.toNanos(61));
      Map<String, String> fresh = dec.intercept(event("p9")).getHeaders();
      assertEquals("delivered", fresh.get("es.state.m.package.state"));
      assertEquals("99", fresh.get("es.state.events"));
      assertEquals(dec.counters().get(StateDecoratingInterceptor.EVENTS_IN),
          dec.counters().get(StateDecoratingInterceptor.EVENTS_DECORATED)
              + dec.counters().get(StateDecoratingInterceptor.EVENTS_NOSTATE)
              + dec.counters().get(StateDecoratingInterceptor.EVENTS_SKIPPED));
    } finally {
      dec.close();
    }
  }

  @Test
  void degradesAsConfiguredWhileHBaseIsStoppedAndRecoversAfterwards() throws Exception {
    TableSchema schema = TestTables.create("decorate_outage");
    String table = schema.tableName();
    writeState(table, "q1", "tracking/unknown", 1);
    StateDecoratingInterceptor pass = interceptor(table, "cacheTtlMs", "0", "retryIntervalMs", "1000");
    StateDecoratingInterceptor gate = interceptor(table, "cacheTtlMs", "0", "onError", "gate", "gateRoute", "nostate",
        "name", "state-gate");
    try {
      assertEquals("decorated", pass.intercept(event("q1")).getHeaders().get("es.decorate"));
      assertEquals("decorated", gate.intercept(event("q1")).getHeaders().get("es.decorate"));
      SharedMiniCluster.stopHBase();
      try {
        long start = System.nanoTime();
        List<Event> out = pass.intercept(events("q1", "q2"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 1500 + 1000, "the source thread waited " + tookMs + " ms, timeoutMs is 1500");
        assertEquals(2, out.size(), "never dropped");
        for (Event e : out) {
          assertEquals("unavailable", e.getHeaders().get("es.decorate"));
          assertEquals("valid", e.getHeaders().get("es.status"));
          assertNull(e.getHeaders().get("es.state.m.package.state"));
        }
        assertEquals(2, pass.counters().get(StateDecoratingInterceptor.EVENTS_UNAVAILABLE));
        // within retryIntervalMs HBase is not asked at all
        long reads = pass.counters().get(StateDecoratingInterceptor.READS);
        assertEquals("unavailable", pass.intercept(event("q1")).getHeaders().get("es.decorate"));
        assertEquals(reads, pass.counters().get(StateDecoratingInterceptor.READS));
        assertEquals(3, pass.counters().get(StateDecoratingInterceptor.EVENTS_UNAVAILABLE));

        Map<String, String> g = gate.intercept(event("q1")).getHeaders();
        assertEquals("gated", g.get("es.status"));
        assertEquals("nostate", g.get("es.route"));
        assertEquals("decorate", g.get("es.stage"));
        assertTrue(g.get("es.reason").startsWith("state unavailable: "), g.get("es.reason"));
        assertEquals(1, gate.counters().get(StateDecoratingInterceptor.EVENTS_GATED));
      } finally {
        SharedMiniCluster.startHBase();
      }
      SharedMiniCluster.util().waitTableAvailable(TableName.valueOf(table));
      await().atMost(Duration.ofSeconds(120)).until(() -> {
        clock.addAndGet(TimeUnit.SECONDS.toNanos(2));
        return "decorated".equals(pass.intercept(event("q1")).getHeaders().get("es.decorate"));
      });
    } finally {
      pass.close();
      gate.close();
    }
  }
}
