package io.eventstate.core.state;

import static io.eventstate.core.state.EntityStateProcessorTest.DAY;
import static io.eventstate.core.state.EntityStateProcessorTest.HOUR;
import static io.eventstate.core.state.EntityStateProcessorTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.TestSupport;
import io.eventstate.core.rowkey.RowKeyCodec;

/** The coprocessor's d:notify cells and per-day counters, on the pure processor. */
class NotifyAndDayCountersTest {

  private static InMemoryStateStore store() {
    return new InMemoryStateStore(new EntityStateProcessor(EntityStateProcessorTest.spec()));
  }

  @Test
  void notifyCellsNameTheTransitionsMarkedNotifyWithStableIdsAndReplaysKeepThem() {
    List<CanonicalEvent> es = List.of(
        TestSupport.event("package", "p1", "pre_transit", T0, "a"),
        TestSupport.event("package", "p1", "in_transit", T0 + HOUR, "b"),
        TestSupport.event("package", "p1", "out_for_delivery", T0 + 2 * HOUR, "c"),
        TestSupport.event("package", "p1", "delivered", T0 + 3 * HOUR, "d"));
    InMemoryStateStore s = store();
    s.write(es);
    assertNull(s.derived(InMemoryStateStore.rowOf(es.get(0))).get(StateColumns.NOTIFY), "not marked notify");
    assertNull(s.derived(InMemoryStateStore.rowOf(es.get(1))).get(StateColumns.NOTIFY));
    List<Notification> c = Notification.decodeList(s.derived(InMemoryStateStore.rowOf(es.get(2))).get(StateColumns.NOTIFY));
    assertEquals(1, c.size());
    assertEquals("package:p1|package|tracking/in_transit/moving>tracking/in_transit/out_for_delivery|out_for_delivery|c",
        c.get(0).id());
    List<Notification> d = Notification.decodeList(s.derived(InMemoryStateStore.rowOf(es.get(3))).get(StateColumns.NOTIFY));
    assertEquals("delivered", d.get(0).to());
    assertEquals("d", d.get(0).eventId());
    assertEquals(T0 + 3 * HOUR, d.get(0).eventTimeNanos());
    Map<String, String> before = new TreeMap<>(s.rawSnapshot());
    s.write(es);
    s.write(List.of(es.get(3), es.get(2)));
    assertEquals(before, s.rawSnapshot(), "a replay writes nothing new, d:notify included");
  }

  @Test
  void perDayCountersEqualAnOfflineCountAfterDuplicatesReplaysAndShuffling() {
    Random r = new Random(11);
    List<CanonicalEvent> events = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String entity = "p" + r.nextInt(7);
      long t = T0 + r.nextInt(5) * DAY + r.nextInt(20) * HOUR;
      events.add(TestSupport.event("package", entity, EntityStateProcessorTest.TYPES[r.nextInt(5)], t, "e" + i));
    }
    // per-day counters are opt-in: here the sessions ask for them
    InMemoryStateStore s = new InMemoryStateStore(new EntityStateProcessor(EntityStateProcessorTest.spec(
        EntityStateSpec.DEFAULT_SNAPSHOT_EVERY, EntityStateProcessorTest.SESSIONS.replace("}",
            ",\"counters\":{\"per_day\":true}}"))));
    List<CanonicalEvent> shuffled = new ArrayList<>(events);
    Collections.shuffle(shuffled, new Random(5));
    for (int i = 0; i < shuffled.size(); i += 30) {
      List<CanonicalEvent> batch = new ArrayList<>(shuffled.subList(i, Math.min(i + 30, shuffled.size())));
      batch.add(batch.get(batch.size() - 1));
      s.write(batch);
      s.write(batch);
    }
    // the allowed lateness (2d in the package machine) decides which events apply; count those offline
    Map<String, Long> offline = new TreeMap<>();
    Map<String, Long> stored = new TreeMap<>();
    for (CanonicalEvent e : events) {
      boolean tooLate = s.derived(InMemoryStateStore.rowOf(e)).containsKey(StateColumns.TOO_LATE);
      if (!tooLate) {
        offline.merge(e.entityId() + " " + StateColumns.day(e.eventTimeNanos()), 1L, Long::sum);
      }
    }
    for (int p = 0; p < 7; p++) {
      for (Map.Entry<String, byte[]> c : s.storedState(RowKeyCodec.stateRowKey("package", "p" + p)).cells().entrySet()) {
        if (c.getKey().startsWith(StateColumns.DAY_PREFIX)) {
          stored.put("p" + p + " " + c.getKey(), StateColumns.toLong(c.getValue()));
        }
      }
    }
    assertEquals(offline, stored);
    assertFalse(stored.isEmpty());
    assertEquals("day.2023-11-14", StateColumns.day(T0));
  }
}
