package io.eventstate.core.state;

import static io.eventstate.core.state.EntityStateProcessorTest.HOUR;
import static io.eventstate.core.state.EntityStateProcessorTest.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.Counters;
import io.eventstate.core.fsm.MachineDefinition;
import io.eventstate.core.fsm.TestSupport;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.session.SessionSpec;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The state row's layout: the machines' counter cells, rows of the older layout, and the cells written per event. */
class StateLayoutTest {

  @Test
  void counterCellsRoundTripTheirTextForm() {
    TreeMap<String, Long> m = new TreeMap<>();
    m.put("event.in_transit", 3L);
    m.put("state.tracking/in_transit", 1L);
    m.put("odd,name=%", -2L);
    m.put("events", 9L);
    byte[] cell = StateColumns.encodeCounters(Counters.of(m), MachineDefinition.COUNTER_EVENTS);
    assertEquals("event.in_transit=3,odd%2Cname%3D%25=-2,state.tracking/in_transit=1", StateColumns.text(cell));
    SortedMap<String, Long> back = StateColumns.decodeCounters(cell);
    m.remove("events");
    assertEquals(m, back);
    assertEquals(Map.of(), StateColumns.decodeCounters(new byte[0]));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> StateColumns.decodeCounters(StateColumns.utf8("#2;xyz"))).getMessage().contains("newer"));
    assertThrows(IllegalArgumentException.class, () -> StateColumns.decodeCounters(StateColumns.utf8("a=1,b")));
    assertThrows(IllegalArgumentException.class, () -> StateColumns.decodeCounters(StateColumns.utf8("a=x")));
  }

  @Test
  void rowsOfTheOlderLayoutReadTheirCountersAndMoveToOneCell() {
    List<CanonicalEvent> first = List.of(
        TestSupport.event("package", "p1", "pre_transit", T0, "a"),
        TestSupport.event("package", "p1", "in_transit", T0 + HOUR, "b"),
        TestSupport.event("package", "p1", "in_transit", T0 + 2 * HOUR, "c"));
    List<CanonicalEvent> then = List.of(
        TestSupport.event("package", "p1", "out_for_delivery", T0 + 3 * HOUR, "d"),
        TestSupport.event("package", "p1", "delivered", T0 + 4 * HOUR, "e"));
    InMemoryStateStore now = new InMemoryStateStore(new EntityStateProcessor(EntityStateProcessorTest.spec()));
    now.write(first);
    InMemoryStateStore old = new InMemoryStateStore(new EntityStateProcessor(EntityStateProcessorTest.spec()));
    old.write(first);
    // rewrite old's state row as the older layout stored it: one 8-byte cell per counter, m.NAME.c.events included
    String stateRow = RowKeyCodec.stateRowKey("package", "p1");
    TreeMap<String, CellValue> row = old.rows.get(stateRow);
    CellValue packed = row.remove("s:m.package.c");
    long ts = packed.timestamp();
    for (Map.Entry<String, Long> c : StateColumns.decodeCounters(packed.value()).entrySet()) {
      row.put("s:m.package.c." + c.getKey(), legacy("m.package.c." + c.getKey(), ts, c.getValue()));
    }
    row.put("s:m.package.c.events", legacy("m.package.c.events", ts, 3));
    old.forgetCache();
    old.write(then);
    now.write(then);
    Map<String, byte[]> a = now.storedState(stateRow).cells();
    Map<String, byte[]> b = old.storedState(stateRow).cells();
    assertEquals(StateColumns.text(a.get("m.package.c")), StateColumns.text(b.get("m.package.c")));
    assertEquals(2L, StateColumns.decodeCounters(b.get("m.package.c")).get("event.in_transit"));
    assertEquals(StateColumns.text(a.get("m.package.state")), StateColumns.text(b.get("m.package.state")));
    assertEquals(5L, StateColumns.toLong(b.get("events")));
  }

  private static CellValue legacy(String qualifier, long ts, long value) {
    return new CellValue(StateColumns.utf8("s"), StateColumns.utf8(qualifier), ts, StateColumns.longBytes(value));
  }

  /**
   * Cells written per event for the workload of the overhead benchmark: every event from a random entity (its state
   * row written once per event), package events through the package machine, user events through web sessions.
   */
  @Test
  void cellsPerEventOfTheDefaultLayout() throws IOException {
    MachineDefinition pkg = MachineDefinition.load(TestSupport.repoRoot().resolve("conf/machines/package.json"));
    SessionSpec web = SessionSpec.load(TestSupport.repoRoot().resolve("conf/machines/sessions.json"));
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(
        new EntityStateSpec(List.of(pkg), List.of(web), -1)));
    String[] types = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};
    Random r = new Random(1);
    long[] clock = new long[1000];
    java.util.Arrays.fill(clock, T0);
    long[] cells = new long[2];
    List<TreeMap<String, Long>> byCell = List.of(new TreeMap<>(), new TreeMap<>());
    long[] events = new long[2];
    for (int i = 0; i < 50_000; i++) {
      int e = r.nextInt(clock.length);
      clock[e] += (1 + r.nextInt(600)) * 1_000_000_000L;
      int kind = e % 2; // 0: package, 1: user
      CanonicalEvent ev = kind == 0
          ? TestSupport.event("package", "pkg-" + e, types[r.nextInt(types.length)], clock[e], "p" + i)
          : TestSupport.event("user", "user-" + e, "view", clock[e], "u" + i);
      store.write(List.of(ev));
      EntityStateProcessor.Result res = store.results.get(store.results.size() - 1);
      int n = res.stateCells().size();
      for (CellValue c : res.stateCells()) {
        byCell.get(kind).merge("s:" + c.qualifierString(), 1L, Long::sum);
      }
      for (RowWrite w : res.derivedWrites()) {
        n += w.cells().size();
        for (CellValue c : w.cells()) {
          byCell.get(kind).merge("d:" + c.qualifierString(), 1L, Long::sum);
        }
      }
      cells[kind] += n;
      events[kind]++;
      if (i % 1000 == 999) {
        store.results.clear();
      }
    }
    double perPackage = (double) cells[0] / events[0];
    double perUser = (double) cells[1] / events[1];
    System.out.printf("observer cells per event: package %.2f, sessions %.2f%n", perPackage, perUser);
    for (int k = 0; k < 2; k++) {
      StringBuilder sb = new StringBuilder(k == 0 ? "package:" : "sessions:");
      for (Map.Entry<String, Long> c : byCell.get(k).entrySet()) {
        sb.append(String.format(" %s %.2f", c.getKey(), (double) c.getValue() / events[k]));
      }
      System.out.println(sb);
    }
    // the floor is 4: s:last_ns, s:events, the machine's counter cell (or the session state) and the derived text
    // cell change with every event; the rest are state changes, snapshots and notifications
    assertTrue(perPackage <= 4.3, "package events: " + perPackage);
    assertTrue(perUser <= 4.2, "session events: " + perUser);
    assertFalse(store.rows.values().stream().anyMatch(row -> row.keySet().stream()
        .anyMatch(q -> q.startsWith("s:" + StateColumns.DAY_PREFIX))), "per-day counters are off by default");
  }

  @Test
  void readingEventCellsInPlaceEqualsReadingThemIntoAMap() {
    java.util.TreeMap<String, String> attrs = new java.util.TreeMap<>(Map.of("status_detail", "arrivé", "page", "/p/1"));
    List<CanonicalEvent> events = List.of(
        new CanonicalEvent("e-1", "package", "p1", "in_transit", T0, io.eventstate.core.event.TimeSource.EVENT, attrs,
            new java.util.TreeSet<>(List.of("b", "a")), new byte[] {1, 2}),
        new CanonicalEvent("é|x", "us er", "zoë", "view", -5, io.eventstate.core.event.TimeSource.ARRIVAL,
            new java.util.TreeMap<>(), new java.util.TreeSet<>(), new byte[0]));
    for (CanonicalEvent e : events) {
      RowWrite w = io.eventstate.core.rowkey.EventRowCodec.eventRow(e);
      RowKeyCodec.DecodedKey key = RowKeyCodec.decode(w.rowString());
      Map<String, byte[]> map = new TreeMap<>();
      w.cells().forEach(c -> map.put(c.qualifierString(), c.value()));
      CanonicalEvent viaMap = EventRowReader.read(w.rowString(), key, map);
      CanonicalEvent inPlace = EventRowReader.readForState(w.rowString(), key, RowCells.of(w.cells()));
      assertEquals(new CanonicalEvent(viaMap.eventId(), viaMap.entityType(), viaMap.entityId(), viaMap.eventType(),
          viaMap.eventTimeNanos(), viaMap.timeSource(), viaMap.attributes(), viaMap.tags(), new byte[0]), inPlace);
    }
    RowWrite w = io.eventstate.core.rowkey.EventRowCodec.eventRow(events.get(0));
    RowKeyCodec.DecodedKey key = RowKeyCodec.decode(w.rowString());
    List<CellValue> noType = w.cells().stream().filter(c -> !c.qualifierString().equals("event_type")).toList();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> EventRowReader.readForState(w.rowString(), key,
        RowCells.of(noType))).getMessage().contains("cell e:event_type is missing"));
    List<CellValue> otherId = w.cells().stream().map(c -> c.qualifierString().equals("entity_id")
        ? new CellValue(c.family(), c.qualifier(), c.timestamp(), StateColumns.utf8("p2")) : c).toList();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> EventRowReader.readForState(w.rowString(), key,
        RowCells.of(otherId))).getMessage().contains("disagree with the row key"));
  }

  @Test
  void eachStateRecordsTheVersionOfTheDefinitionThatProducedIt() throws IOException {
    String json = java.nio.file.Files.readString(TestSupport.repoRoot().resolve("conf/machines/package.json"));
    MachineDefinition a = MachineDefinition.parse("a", json);
    // the same content with other key order and spacing: the same version
    com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(json);
    com.fasterxml.jackson.databind.node.ObjectNode reordered = m.createObjectNode();
    List<String> keys = new java.util.ArrayList<>();
    tree.fieldNames().forEachRemaining(keys::add);
    java.util.Collections.reverse(keys);
    keys.forEach(k -> reordered.set(k, tree.get(k)));
    assertEquals(a.version(), MachineDefinition.parse("b", reordered.toPrettyString()).version());
    String changed = json.replace("\"allowed_lateness\": \"2d\"", "\"allowed_lateness\": \"3d\"");
    assertFalse(changed.equals(json));
    MachineDefinition b = MachineDefinition.parse("c", changed);
    assertFalse(a.version().equals(b.version()));
    assertEquals(io.eventstate.core.fsm.DefinitionVersion.LENGTH, a.version().length());

    SessionSpec web = SessionSpec.load(TestSupport.repoRoot().resolve("conf/machines/sessions.json"));
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(new EntityStateSpec(List.of(a), List.of(), -1)));
    store.write(List.of(TestSupport.event("package", "p1", "pre_transit", T0, "a")));
    String stateRow = RowKeyCodec.stateRowKey("package", "p1");
    assertEquals(a.version(), StateColumns.text(store.storedState(stateRow).cells().get("m.package.v")));
    int before = store.results.get(0).stateCells().size();
    store.write(List.of(TestSupport.event("package", "p1", "in_transit", T0 + HOUR, "b")));
    assertTrue(store.results.get(1).stateCells().stream().noneMatch(c -> c.qualifierString().equals("m.package.v")),
        "written only when it changes");
    assertTrue(before > 0);
    // the same rows under the changed definition: the next write records the new version
    InMemoryStateStore next = new InMemoryStateStore(new EntityStateProcessor(new EntityStateSpec(List.of(b), List.of(web),
        -1)));
    next.rows.putAll(store.rows);
    next.events.putAll(store.events);
    next.write(List.of(TestSupport.event("package", "p1", "out_for_delivery", T0 + 2 * HOUR, "c")));
    assertEquals(b.version(), StateColumns.text(next.storedState(stateRow).cells().get("m.package.v")));
  }

  @Test
  void rangesCoverAnEntityAndNothingElse() {
    String p = RowKeyCodec.entityPrefix("user", "a");
    RowKeyCodec.KeyRange all = RowKeyCodec.entityRange(p);
    assertTrue(all.contains(RowKeyCodec.stateRowKeyUnder(p)));
    assertTrue(all.contains(RowKeyCodec.eventRowKeyUnder(p, -5, "x")));
    assertTrue(all.contains(RowKeyCodec.eventRowKeyUnder(p, Long.MAX_VALUE, "~~")));
    String other = RowKeyCodec.entityPrefix("user", "a%7C"); // never a prefix of another entity's rows
    assertFalse(all.contains(RowKeyCodec.stateRowKeyUnder(other)) && !other.startsWith(p));
    RowKeyCodec.KeyRange events = RowKeyCodec.eventRange(p);
    assertFalse(events.contains(RowKeyCodec.stateRowKeyUnder(p)));
    assertTrue(events.contains(RowKeyCodec.eventRowKeyUnder(p, -5, "x")));
    RowKeyCodec.KeyRange at = RowKeyCodec.eventsAt(p, 100);
    assertTrue(at.contains(RowKeyCodec.eventRowKeyUnder(p, 100, "z")));
    assertFalse(at.contains(RowKeyCodec.eventRowKeyUnder(p, 101, "a")));
    assertFalse(at.contains(RowKeyCodec.eventRowKeyUnder(p, 99, "z")));
    RowKeyCodec.KeyRange before = RowKeyCodec.eventsBefore(p, 100);
    assertTrue(before.contains(RowKeyCodec.eventRowKeyUnder(p, 99, "z")));
    assertTrue(before.contains(RowKeyCodec.eventRowKeyUnder(p, -1, "z")));
    assertFalse(before.contains(RowKeyCodec.eventRowKeyUnder(p, 100, "a")));
    RowKeyCodec.KeyRange from = RowKeyCodec.eventsFrom(p, 100);
    assertTrue(from.contains(RowKeyCodec.eventRowKeyUnder(p, 100, "a")));
    assertFalse(from.contains(RowKeyCodec.eventRowKeyUnder(p, 99, "z")));
    assertEquals(RowKeyCodec.stateRowKeyUnder(p).length() - RowKeyCodec.STATE_SUFFIX.length(),
        RowKeyCodec.stateRowPrefixLength(RowKeyCodec.stateRowKeyUnder(p)));
    assertEquals(-1, RowKeyCodec.stateRowPrefixLength(RowKeyCodec.eventRowKeyUnder(p, 1, "!state")));
    assertEquals(p, RowKeyCodec.entityPrefixOf(RowKeyCodec.eventRowKeyUnder(p, 1, "e")));
    for (String prefix : List.of(p, RowKeyCodec.entityPrefix("user", "zoë"), RowKeyCodec.entityPrefix("u s", "a|b"))) {
      for (long t : new long[] {0, 7, -5, Long.MAX_VALUE, Long.MIN_VALUE, 1_700_000_000_123_456_789L}) {
        for (String id : List.of("e-1", "a b|c%", "é", "x".repeat(200))) {
          assertEquals(RowKeyCodec.eventRowKeyUnder(prefix, t, id),
              RowKeyCodec.fromBytes(RowKeyCodec.eventRowKeyBytesUnder(prefix, t, id)), prefix + " " + t + " " + id);
        }
      }
    }
  }
}
