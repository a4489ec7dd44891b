package io.eventstate.core.act;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.eventstate.core.cache.LruCache;
import io.eventstate.core.state.StateColumns;

class StateDecorationSpecTest {

  @Test
  void headersFromAStateRow() {
    StateDecorationSpec s = StateDecorationSpec.parse(Map.of("machines", "package", "sessions", "web",
        "counters", "events, m.package.c.delivered", "zookeeperQuorum", "zk:2181", "hbase.rpc.timeout", "100"));
    Map<String, byte[]> cells = new HashMap<>();
    cells.put("m.package.state", StateColumns.utf8("tracking/in_transit/moving"));
    cells.put("sess.web.id", StateColumns.utf8("s-1"));
    cells.put("events", StateColumns.longBytes(42));
    cells.put("m.package.c.delivered", new byte[] {1});
    Map<String, String> h = s.headersFrom(cells);
    assertEquals("tracking/in_transit/moving", h.get("es.state.m.package.state"));
    assertEquals("s-1", h.get("es.state.sess.web.id"));
    assertEquals("42", h.get("es.state.events"));
    assertNull(h.get("es.state.m.package.c.delivered"), "a cell that is not 8 bytes is skipped");
    assertEquals("zk:2181", s.clientProperties().get("hbase.zookeeper.quorum"));
    assertEquals("100", s.clientProperties().get("hbase.rpc.timeout"));
    assertEquals(StateDecorationSpec.OnError.PASS, s.onError());
  }

  @Test
  void machineCountersComeFromTheMachinesCounterCellAndOlderRowsStillRead() {
    StateDecorationSpec s = StateDecorationSpec.parse(Map.of("counters",
        "m.package.c.state.delivered, m.package.c.event.in_transit, m.package.c.unexpected, m.video.c.event.play"));
    assertEquals(List.of("m.package.c", "m.package.c.state.delivered", "m.package.c.event.in_transit",
        "m.package.c.unexpected", "m.video.c", "m.video.c.event.play"), s.readQualifiers());
    Map<String, byte[]> cells = new HashMap<>();
    cells.put("m.package.c", StateColumns.utf8("event.in_transit=3,state.delivered=1"));
    cells.put("m.video.c.event.play", StateColumns.longBytes(7)); // a row written one cell per counter
    Map<String, String> h = s.headersFrom(cells);
    assertEquals("1", h.get("es.state.m.package.c.state.delivered"));
    assertEquals("3", h.get("es.state.m.package.c.event.in_transit"));
    assertNull(h.get("es.state.m.package.c.unexpected"), "a zero counter is not in the cell");
    assertEquals("7", h.get("es.state.m.video.c.event.play"));
  }

  @Test
  void shouldRejectBadKeys() {
    assertMessage(Map.of(), "are all empty");
    assertMessage(Map.of("machines", "Package"), "key 'machines' value was set to 'Package'");
    assertMessage(Map.of("machines", "p", "onError", "retry"), "key 'onError' value was set to 'retry'");
    assertMessage(Map.of("machines", "p", "counters", "m.p.state"), "is not a counter cell");
    assertMessage(Map.of("machines", "p", "cacheSize", "0"), "key 'cacheSize'");
    assertMessage(Map.of("machines", "p", "timeout", "5"), "unknown key 'timeout'");
  }

  private static void assertMessage(Map<String, String> conf, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDecorationSpec.parse(conf));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  @Test
  void lruCacheKeepsItsBoundEvictsTheLeastRecentlyUsedAndExpires() {
    AtomicLong now = new AtomicLong();
    LruCache<String, String> c = new LruCache<>(2, 1_000, now::get);
    c.put("a", "1");
    c.put("b", "2");
    assertEquals("1", c.get("a"));
    c.put("c", "3");
    assertEquals(2, c.size());
    assertNull(c.get("b"), "b was the least recently used");
    assertEquals(1, c.evictions());
    now.addAndGet(1_000);
    assertNull(c.get("a"), "expired");
    LruCache<String, String> off = new LruCache<>(5, 0, now::get);
    off.put("a", "1");
    assertNull(off.get("a"));
  }
}
