package io.eventstate.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class LruCacheTest {

  @Test
  void withoutTtlEntriesLeaveOnlyByTheBoundOrRemoval() {
    LruCache<String, Integer> c = new LruCache<>(2);
    c.put("a", 1);
    c.put("b", 2);
    assertEquals(1, c.get("a")); // a is now the most recently used
    c.put("c", 3);
    assertNull(c.get("b"), "the least recently used went first");
    assertEquals(1, c.get("a"));
    assertEquals(1, c.evictions());
    c.remove("a");
    assertNull(c.get("a"));
    assertEquals(1, c.size());
  }

  @Test
  void ttlCountsFromTheInjectedClock() {
    AtomicLong now = new AtomicLong();
    LruCache<String, Integer> c = new LruCache<>(10, 100, now::get);
    c.put("a", 1);
    now.set(99);
    assertEquals(1, c.get("a"));
    now.set(100);
    assertNull(c.get("a"));
    assertEquals(0, c.size(), "an expired entry is removed when met");
  }
}
