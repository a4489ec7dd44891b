package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.TestSupport;
import io.eventstate.core.rowkey.EventRowCodec.CellValue;
import io.eventstate.core.rowkey.EventRowCodec.RowWrite;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateProcessor.StoredEvent;
import io.eventstate.core.state.EntityStateProcessor.StoredState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rebuild of entities from their stored events ({@link EntityRebuild}) over the in-memory store. */
class EntityRebuildTest {

  static final long MIN = EntityStateProcessorTest.MIN;
  static final long DAY = EntityStateProcessorTest.DAY;
  static final long T0 = EntityStateProcessorTest.T0;

  /** Totals of one pass of {@link #rebuildAll}. */
  record Pass(int entities, int events, int changed, List<EntityRebuild.Change> changes) {
  }

  /** Rebuilds every entity of the store (events and state rows) and writes the result, as the endpoint does. */
  static Pass rebuildAll(InMemoryStateStore store, EntityStateSpec spec, EntityRebuild.Options options,
      boolean write) {
    EntityRebuild rebuild = new EntityRebuild(new EntityStateProcessor(spec));
    TreeMap<String, String[]> entities = new TreeMap<>(); // prefix -> type, id
    for (CanonicalEvent e : store.events.values()) {
      entities.put(RowKeyCodec.entityPrefix(e.entityType(), e.entityId()), new String[] {e.entityType(), e.entityId()});
    }
    int events = 0;
    int changed = 0;
    List<EntityRebuild.Change> changes = new ArrayList<>();
    for (Map.Entry<String, String[]> en : entities.entrySet()) {
      String prefix = en.getKey();
      String stateRow = RowKeyCodec.stateRowKeyUnder(prefix);
      EntityHistory history = new EntityHistory() {
        @Override
        public StoredState stateRow() {
          StoredState s = store.storedState(stateRow);
          long max = 0;
          for (CellValue c : store.rows.getOrDefault(stateRow, new TreeMap<>()).values()) {
            max = Math.max(max, c.timestamp());
          }
          return new StoredState(s.cells(), max);
        }

        @Override
        public List<StoredEvent> events() {
          List<StoredEvent> out = new ArrayList<>();
          RowKeyCodec.KeyRange r = RowKeyCodec.eventRange(prefix);
          for (Map.Entry<String, CanonicalEvent> e : store.events.subMap(r.start(), r.stop()).entrySet()) {
            out.add(new StoredEvent(e.getValue(), store.derived(e.getKey())));
          }
          Collections.shuffle(out, new Random(prefix.hashCode())); // any order
          return out;
        }
      };
      EntityRebuild.Result res;
      try {
        res = rebuild.rebuild(en.getValue()[0], en.getValue()[1], history, options);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      events += res.events();
      changes.addAll(res.changes());
      if (res.writes()) {
        changed++;
      }
      if (write) {
        apply(store, res);
      }
    }
    store.forgetCache();
    return new Pass(entities.size(), events, changed, changes);
  }

  static void apply(InMemoryStateStore store, EntityRebuild.Result res) {
    TreeMap<String, CellValue> state = store.rows.computeIfAbsent(res.stateRow(), k -> new TreeMap<>());
    for (String q : res.stateDeletes()) {
      state.remove(StateColumns.STATE_FAMILY + ":" + q);
    }
    for (CellValue c : res.stateCells()) {
      CellValue old = state.get(StateColumns.STATE_FAMILY + ":" + c.qualifierString());
      assertTrue(old == null || old.timestamp() <= c.timestamp(), "a rebuilt state cell must not hide below " + old);
      state.put(StateColumns.STATE_FAMILY + ":" + c.qualifierString(), c);
    }
    if (state.isEmpty()) {
      store.rows.remove(res.stateRow());
    }
    for (EntityRebuild.RowDelete d : res.derivedDeletes()) {
      TreeMap<String, CellValue> row = store.rows.get(d.rowString());
      for (String q : d.qualifiers()) {
        row.remove(StateColumns.DERIVED_FAMILY + ":" + q);
      }
      if (row.isEmpty()) {
        store.rows.remove(d.rowString());
      }
    }
    for (RowWrite w : res.derivedWrites()) {
      TreeMap<String, CellValue> row = store.rows.computeIfAbsent(w.rowString(), k -> new TreeMap<>());
      for (CellValue c : w.cells()) {
        row.put(c.familyString() + ":" + c.qualifierString(), c);
      }
    }
  }

  /** Event rows only, as a writer without the coprocessor stores them. */
  static InMemoryStateStore withoutState(EntityStateSpec spec, List<CanonicalEvent> events) {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec));
    for (CanonicalEvent e : events) {
      store.events.put(InMemoryStateStore.rowOf(e), e);
    }
    return store;
  }

  static EntityStateSpec spec(String... definitions) {
    return EntityStateSpec.parse(EntityStateSpec.properties(List.of(definitions)));
  }

  static String pkg() {
    try {
      return Files.readString(TestSupport.repoRoot().resolve("conf/machines/package.json"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The package machine changed: a guard on another detail, state lost replaced by a new state stalled. */
  static String pkgV2() {
    String v2 = pkg().replace("\"guard\": \"attr.status_detail equals arrived_at_facility\"",
        "\"guard\": \"attr.status_detail equals departed\"").replace("\"target\": \"lost\"", "\"target\": \"stalled\"")
        .replace("\"lost\": {}", "\"stalled\": {}");
    assertNotEquals(pkg(), v2);
    return v2;
  }

  static final String SESSIONS_V1 = EntityStateProcessorTest.SESSIONS;
  static final String SESSIONS_V2 = SESSIONS_V1.replace("\"30m\"", "\"15m\"");
  static final String OTHER_SESSIONS = "{\"kind\":\"sessions\",\"name\":\"trips\",\"entity_types\":[\"package\"],"
      + "\"gap\":\"2h\",\"allowed_lateness\":\"3d\"}";

  @Test
  void rebuildOfEventsStoredWithoutStateEqualsIncrementalProcessingInAnyOrder() {
    EntityStateSpec spec = spec(pkg(), SESSIONS_V1);
    List<CanonicalEvent> events = EntityStateProcessorTest.history(new Random(7), 80);
    InMemoryStateStore backfilled = withoutState(spec, events);
    Pass pass = rebuildAll(backfilled, spec, EntityRebuild.Options.ALL, true);
    assertEquals(80, pass.entities());
    assertEquals(events.size(), pass.events());
    assertEquals(80, pass.changed());
    for (int round = 0; round < 5; round++) {
      List<CanonicalEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, new Random(round));
      InMemoryStateStore live = EntityStateProcessorTest.deliver(spec, shuffled, new Random(round), 1 + 9 * round);
      assertEquals(live.snapshot(), backfilled.snapshot(), "round " + round);
      // the live store is right already: its rebuild writes nothing
      Pass again = rebuildAll(live, spec, EntityRebuild.Options.ALL, false);
      assertEquals(0, again.changed(), "round " + round);
      assertEquals(List.of(), again.changes());
    }
  }

  @Test
  void rebuildIsIdempotentAndLiveWritesAfterItApplyOnTheRebuiltState() {
    EntityStateSpec v1 = spec(pkg(), SESSIONS_V1);
    EntityStateSpec v2 = spec(pkgV2(), SESSIONS_V2);
    List<CanonicalEvent> events = EntityStateProcessorTest.history(new Random(11), 60);
    List<CanonicalEvent> first = new ArrayList<>();
    List<CanonicalEvent> later = new ArrayList<>();
    for (CanonicalEvent e : events) {
      (e.eventId().endsWith("e0") || e.eventId().endsWith("e1") || e.eventId().endsWith("e2") ? first : later).add(e);
    }
    InMemoryStateStore store = EntityStateProcessorTest.deliver(v1, first, new Random(3), 20);
    Pass pass = rebuildAll(store, v2, EntityRebuild.Options.ALL, true);
    assertTrue(pass.changed() > 0, "v2 must change some entities");
    TreeMap<String, String> once = store.rawSnapshot();
    assertEquals(0, rebuildAll(store, v2, EntityRebuild.Options.ALL, true).changed());
    assertEquals(once, store.rawSnapshot(), "a second rebuild changes no cell, no timestamp");
    // live writes with v2 after the rebuild (new events and duplicates) = v2 over everything from the start
    InMemoryStateStore live = new InMemoryStateStore(new EntityStateProcessor(v2));
    copyInto(store, live);
    List<CanonicalEvent> rest = new ArrayList<>(later);
    rest.addAll(first.subList(0, 20)); // duplicates
    Collections.shuffle(rest, new Random(5));
    for (int i = 0; i < rest.size(); i += 7) {
      live.write(rest.subList(i, Math.min(rest.size(), i + 7)));
    }
    InMemoryStateStore expected = EntityStateProcessorTest.deliver(v2, EntityStateProcessorTest.inOrder(events),
        new Random(1), 30);
    assertEquals(expected.snapshot(), live.snapshot());
  }

  private static void copyInto(InMemoryStateStore from, InMemoryStateStore to) {
    from.rows.forEach((k, v) -> to.rows.put(k, new TreeMap<>(v)));
    to.events.putAll(from.events);
  }

  @Test
  void aChangedMachineAndGapAreRebuiltAndTheDiffNamesEachChange() {
    EntityStateSpec v1 = spec(pkg(), SESSIONS_V1);
    EntityStateSpec v2 = spec(pkgV2(), SESSIONS_V2);
    List<CanonicalEvent> events = new ArrayList<>(EntityStateProcessorTest.history(new Random(13), 60));
    // a package last seen in transit a long time ago: lost in v1, stalled in v2 (the timeout's target)
    events.add(TestSupport.event("package", "quiet", "pre_transit", T0, "q1"));
    events.add(TestSupport.event("package", "quiet", "in_transit", T0 + MIN, "q2", "status_detail", "departed"));
    events.add(TestSupport.event("package", "quiet", "unknown", T0 + 9 * DAY, "q3"));
    InMemoryStateStore store = EntityStateProcessorTest.deliver(v1, events, new Random(2), 25);
    String quiet = RowKeyCodec.stateRowKey("package", "quiet");
    assertEquals("tracking/lost", StateColumns.text(store.storedState(quiet).cells().get("m.package.state")));

    Pass verify = rebuildAll(store, v2, EntityRebuild.Options.ALL, false);
    TreeMap<String, String> before = store.rawSnapshot();
    assertTrue(verify.changes().contains(new EntityRebuild.Change("package", "tracking/lost", "tracking/stalled")),
        verify.changes().toString());
    assertTrue(verify.changes().stream().anyMatch(c -> c.name().equals("visits")), "the gap changes sessions");
    assertEquals(before, store.rawSnapshot(), "verify writes nothing");

    rebuildAll(store, v2, EntityRebuild.Options.ALL, true);
    assertEquals("tracking/stalled", StateColumns.text(store.storedState(quiet).cells().get("m.package.state")));
    InMemoryStateStore expected = EntityStateProcessorTest.deliver(v2, EntityStateProcessorTest.inOrder(events),
        new Random(1), 30);
    assertEquals(expected.snapshot(), store.snapshot());
    // the definition versions recorded are v2's
    assertEquals(v2.machines().get(0).version(),
        StateColumns.text(store.storedState(quiet).cells().get("m.package.v")));
  }

  @Test
  void cellsOfARemovedSessionSpecAreDeletedAndOnlyTheChosenMachineIsWritten() {
    EntityStateSpec v1 = spec(pkg(), SESSIONS_V1, OTHER_SESSIONS);
    EntityStateSpec v2 = spec(pkgV2(), SESSIONS_V2); // trips removed
    List<CanonicalEvent> events = EntityStateProcessorTest.history(new Random(17), 40);
    InMemoryStateStore store = EntityStateProcessorTest.deliver(v1, events, new Random(4), 10);
    assertTrue(store.snapshot().keySet().stream().anyMatch(k -> k.contains("sess.trips")));

    // only the package machine: sessions (visits and the removed trips) untouched
    Pass onlyPackage = rebuildAll(store, v2, new EntityRebuild.Options("package", -1), true);
    assertTrue(onlyPackage.changes().stream().allMatch(c -> c.name().equals("package")));
    assertTrue(store.snapshot().keySet().stream().anyMatch(k -> k.contains("sess.trips")));
    InMemoryStateStore expected = EntityStateProcessorTest.deliver(v2, EntityStateProcessorTest.inOrder(events),
        new Random(1), 30);
    assertNotEquals(expected.snapshot(), store.snapshot());

    Pass all = rebuildAll(store, v2, EntityRebuild.Options.ALL, true);
    assertTrue(all.changes().stream().anyMatch(c -> c.name().equals("trips") && c.to().equals("(removed)")));
    assertFalse(store.rawSnapshot().keySet().stream().anyMatch(k -> k.contains("sess.trips")),
        "no cell of the removed spec is left");
    assertEquals(expected.snapshot(), store.snapshot());
  }

  @Test
  void tooLateEventsStayFlaggedUnlessAWiderLatenessReappliesThem() {
    EntityStateSpec spec = spec(pkg(), SESSIONS_V1);
    CanonicalEvent a = TestSupport.event("package", "p", "pre_transit", T0, "a");
    CanonicalEvent b = TestSupport.event("package", "p", "in_transit", T0 + 5 * DAY, "b");
    CanonicalEvent old = TestSupport.event("package", "p", "in_transit", T0 + DAY, "old", "status_detail",
        "arrived_at_facility");
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec));
    store.write(List.of(a, b));
    store.write(List.of(old));
    String stateRow = RowKeyCodec.stateRowKey("package", "p");
    assertEquals(1L, StateColumns.toLong(store.storedState(stateRow).cells().get("too_late")));

    assertEquals(0, rebuildAll(store, spec, EntityRebuild.Options.ALL, true).changed(), "the flag is kept");
    assertEquals(0, rebuildAll(store, spec, new EntityRebuild.Options(null, DAY), true).changed(),
        "4 days behind: still too late for 1 day");

    rebuildAll(store, spec, new EntityRebuild.Options(null, 7 * DAY), true);
    assertFalse(store.storedState(stateRow).cells().containsKey("too_late"));
    assertFalse(store.derived(InMemoryStateStore.rowOf(old)).containsKey("too_late"));
    InMemoryStateStore expected = EntityStateProcessorTest.deliver(spec, List.of(a, old, b), new Random(1), 3);
    assertEquals(expected.snapshot(), store.snapshot());
    assertEquals(3L, StateColumns.toLong(store.storedState(stateRow).cells().get("events")));
  }

  @Test
  void entitiesNoDefinitionAppliesToAnyMoreLoseTheirState() {
    EntityStateSpec v1 = spec(pkg(), SESSIONS_V1);
    String device = "{\"kind\":\"sessions\",\"name\":\"uptime\",\"entity_types\":[\"device\"],\"gap\":\"1h\"}";
    EntityStateSpec v2 = spec(device);
    List<CanonicalEvent> events = EntityStateProcessorTest.history(new Random(19), 5);
    InMemoryStateStore store = EntityStateProcessorTest.deliver(v1, events, new Random(4), 10);
    rebuildAll(store, v2, EntityRebuild.Options.ALL, true);
    assertEquals(Map.of(), store.snapshot(), "no state row and no derived cell left");
    // but the notifications the events caused when they were applied (arrival facts, never rewritten)
    assertTrue(store.rawSnapshot().keySet().stream().allMatch(k -> k.endsWith(" d:notify")));
  }
}
