package io.eventstate.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.fsm.EntityState;
import io.eventstate.core.fsm.TestSupport;
import io.eventstate.core.rowkey.RowKeyCodec;
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

class EntityStateProcessorTest {

  static final long MIN = 60_000_000_000L;
  static final long HOUR = 60 * MIN;
  static final long DAY = 24 * HOUR;
  static final long T0 = 1_700_000_000_000_000_000L;

  static final String SESSIONS = "{\"kind\":\"sessions\",\"name\":\"visits\",\"entity_types\":[\"package\"],"
      + "\"gap\":\"30m\",\"allowed_lateness\":\"3d\"}";

  static EntityStateSpec spec() {
    return spec(EntityStateSpec.DEFAULT_SNAPSHOT_EVERY);
  }

  static EntityStateSpec spec(int snapshotEvery) {
    return spec(snapshotEvery, SESSIONS);
  }

  /** The package machine and the given sessions JSON. */
  static EntityStateSpec spec(int snapshotEvery, String sessions) {
    try {
      String pkg = Files.readString(TestSupport.repoRoot().resolve("conf/machines/package.json"), StandardCharsets.UTF_8);
      Map<String, String> props = new TreeMap<>(EntityStateSpec.properties(List.of(pkg, sessions)));
      props.put(EntityStateSpec.CONFIG_SNAPSHOT_EVERY, Integer.toString(snapshotEvery));
      return EntityStateSpec.parse(props);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final String[] TYPES = {"pre_transit", "in_transit", "in_transit", "out_for_delivery", "delivered"};

  /** Random package histories: 3 to 12 events within one day, some gaps above the session gap. */
  static List<CanonicalEvent> history(Random r, int entities) {
    List<CanonicalEvent> out = new ArrayList<>();
    for (int n = 0; n < entities; n++) {
      String id = "pkg-" + n;
      long t = T0 + r.nextInt(1000) * MIN;
      int k = 3 + r.nextInt(10);
      for (int i = 0; i < k; i++) {
        t += (r.nextInt(4) == 0 ? 40 + r.nextInt(80) : 1 + r.nextInt(20)) * MIN + r.nextInt(1000);
        String type = i == 0 ? "pre_transit" : TYPES[Math.min(TYPES.length - 1, 1 + r.nextInt(TYPES.length))];
        String detail = r.nextBoolean() ? "arrived_at_facility" : "departed";
        out.add(TestSupport.event("package", id, type, t, id + "-e" + i, "status_detail", detail));
      }
    }
    return out;
  }

  static InMemoryStateStore deliver(List<CanonicalEvent> events, Random r, int maxBatch) {
    return deliver(spec(), events, r, maxBatch);
  }

  static InMemoryStateStore deliver(EntityStateSpec spec, List<CanonicalEvent> events, Random r, int maxBatch) {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec));
    for (int i = 0; i < events.size(); ) {
      int n = 1 + r.nextInt(maxBatch);
      store.write(events.subList(i, Math.min(events.size(), i + n)));
      i += n;
    }
    return store;
  }

  static List<CanonicalEvent> inOrder(List<CanonicalEvent> events) {
    List<CanonicalEvent> s = new ArrayList<>(events);
    s.sort(io.eventstate.core.fsm.StateMachineEngine.EVENT_ORDER);
    return s;
  }

  @Test
  void anyArrivalOrderWithinLatenessGivesTheSameCells() {
    // snapshots on every event, on about one in three (short replays), and the default one in 16 (most of these
    // short histories have none: replays start from the entity's first event)
    for (int every : new int[] {1, 3, EntityStateSpec.DEFAULT_SNAPSHOT_EVERY}) {
      anyArrivalOrderWithinLatenessGivesTheSameCells(spec(every));
    }
  }

  private void anyArrivalOrderWithinLatenessGivesTheSameCells(EntityStateSpec spec) {
    Random r = new Random(42);
    List<CanonicalEvent> events = history(r, 120);
    TreeMap<String, String> expected = deliver(spec, inOrder(events), new Random(1), 50).snapshot();
    int late = 0;
    int rewritten = 0;
    for (int round = 0; round < 15; round++) {
      List<CanonicalEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, new Random(round));
      InMemoryStateStore store = deliver(spec, shuffled, new Random(round + 100), 1 + round * 7);
      assertEquals(expected, store.snapshot(), "snapshotEvery " + spec.snapshotEvery() + ", round " + round);
      for (EntityStateProcessor.Result res : store.results) {
        late += res.late();
        rewritten += res.rewritten();
        assertEquals(0, res.tooLate());
      }
    }
    assertTrue(late > 1000, "the shuffles must produce late events, got " + late);
    assertTrue(rewritten > 1000, "late events must rewrite stored derived cells, got " + rewritten);
  }

  @Test
  void planningWithTheDecodedPrefixEqualsPlanningWithTheEntity() {
    EntityStateProcessor p = new EntityStateProcessor(spec());
    CanonicalEvent e = TestSupport.event("package", "p:1|x", "pre_transit", T0, "a");
    String prefix = RowKeyCodec.entityPrefix("package", "p:1|x");
    EntityStateProcessor.Plan byEntity = p.plan("package", "p:1|x", EntityStateProcessor.StoredState.EMPTY, List.of(e));
    EntityStateProcessor.Plan byPrefix = p.plan(prefix, "package", "p:1|x", EntityStateProcessor.StoredState.EMPTY,
        List.of(e));
    assertEquals(byEntity, byPrefix);
    assertEquals(RowKeyCodec.stateRowKey("package", "p:1|x"), byPrefix.stateRow());
    EntityStateProcessor.Result a = p.process(byEntity, java.util.Set.of(), null, List.of());
    EntityStateProcessor.Result b = p.process(byPrefix, java.util.Set.of(), null, List.of());
    assertEquals(a.stateCells(), b.stateCells());
    assertEquals(a.derivedWrites(), b.derivedWrites());
    assertTrue(p.appliesTo("package"));
    assertFalse(p.appliesTo("user")); // this spec's machine and sessions are for packages only
    assertFalse(p.appliesTo("toaster"));
    assertTrue(p.plan("toaster", "t1", EntityStateProcessor.StoredState.EMPTY,
        List.of(TestSupport.event("toaster", "t1", "on", T0, "x"))).inert());
  }

  @Test
  void eventsAtTheWatermarksTimeAreOrderedByTheLookedUpId() {
    long t = T0 + HOUR;
    CanonicalEvent first = TestSupport.event("package", "p1", "pre_transit", T0, "a");
    CanonicalEvent m = TestSupport.event("package", "p1", "in_transit", t, "m", "status_detail", "departed");
    CanonicalEvent z = TestSupport.event("package", "p1", "out_for_delivery", t, "z");
    CanonicalEvent b = TestSupport.event("package", "p1", "in_transit", t, "b", "status_detail", "arrived_at_facility");
    TreeMap<String, String> expected = deliver(List.of(first, b, m, z), new Random(1), 1).snapshot();
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    store.write(List.of(first));
    store.write(List.of(m));
    store.write(List.of(z)); // same time as the watermark, greater id: in order
    store.write(List.of(m)); // the watermark's own time and id: a duplicate
    store.write(List.of(b)); // same time, smaller id: late, replayed with m and z
    List<EntityStateProcessor.Result> res = store.results;
    assertEquals(List.of(1, 1, 1, 0, 1), res.stream().map(EntityStateProcessor.Result::applied).toList());
    assertEquals(List.of(0, 0, 0, 0, 1), res.stream().map(EntityStateProcessor.Result::late).toList());
    assertEquals(1, res.get(3).duplicates());
    assertEquals(expected, store.snapshot());
  }

  @Test
  void anyArrivalOrderGivesTheSameCellsWhenManyEventsShareATime() {
    Random r = new Random(11);
    List<CanonicalEvent> events = new ArrayList<>();
    for (CanonicalEvent e : history(r, 60)) { // times cut to the hour: many events of an entity share one
      events.add(TestSupport.event(e.entityType(), e.entityId(), e.eventType(), e.eventTimeNanos() / HOUR * HOUR,
          e.eventId(), "status_detail", e.attributes().get("status_detail")));
    }
    TreeMap<String, String> expected = deliver(inOrder(events), new Random(1), 20).snapshot();
    for (int round = 0; round < 10; round++) {
      List<CanonicalEvent> shuffled = new ArrayList<>(events);
      Collections.shuffle(shuffled, new Random(round));
      InMemoryStateStore store = deliver(shuffled, new Random(round + 100), 1 + round * 5);
      assertEquals(expected, store.snapshot(), "round " + round);
      store.write(shuffled.subList(0, 30)); // redelivered: nothing changes
      assertEquals(expected, store.snapshot(), "round " + round + " after a replay");
    }
  }

  @Test
  void replayedBatchesAndDuplicatesChangeNothing() {
    Random r = new Random(7);
    List<CanonicalEvent> events = history(r, 60);
    InMemoryStateStore once = deliver(inOrder(events), new Random(2), 30);
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    List<CanonicalEvent> shuffled = new ArrayList<>(events);
    Collections.shuffle(shuffled, new Random(3));
    int applied = 0;
    int duplicates = 0;
    for (int i = 0; i < shuffled.size(); i += 25) {
      List<CanonicalEvent> batch = new ArrayList<>(shuffled.subList(i, Math.min(shuffled.size(), i + 25)));
      batch.add(batch.get(0)); // a duplicate inside the batch
      store.write(batch);
      store.write(batch); // the whole batch redelivered (Flume replays transactions)
    }
    for (EntityStateProcessor.Result res : store.results) {
      applied += res.applied();
      duplicates += res.duplicates();
    }
    assertEquals(events.size(), applied);
    assertEquals(events.size() + 2 * ((shuffled.size() + 24) / 25), duplicates);
    assertEquals(once.snapshot(), store.snapshot());
  }

  @Test
  void inOrderPathWritesReadableStateAndPerEventDerivedCells() {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    List<CanonicalEvent> es = List.of(
        TestSupport.event("package", "p1", "pre_transit", T0, "a"),
        TestSupport.event("package", "p1", "in_transit", T0 + HOUR, "b", "status_detail", "arrived_at_facility"),
        TestSupport.event("package", "p1", "delivered", T0 + 2 * HOUR, "c"));
    store.write(es);
    EntityStateProcessor.Result res = store.results.get(0);
    assertEquals(3, res.applied());
    assertEquals(0, res.recomputed());
    assertEquals(List.of("out_for_delivery", "delivered").size() - 1, res.notifications().size());
    Map<String, byte[]> s = store.storedState(RowKeyCodec.stateRowKey("package", "p1")).cells();
    assertEquals("delivered", StateColumns.text(s.get("m.package.state")));
    assertEquals(3L, StateColumns.toLong(s.get("events")));
    Map<String, Long> counters = StateColumns.decodeCounters(s.get("m.package.c"));
    assertEquals(1L, counters.get("event.delivered"));
    assertFalse(counters.containsKey("events"), "the machine's count of all events is s:events");
    assertTrue(s.keySet().stream().noneMatch(q -> q.startsWith("m.package.c.")), "one cell holds every counter");
    assertTrue(s.keySet().stream().noneMatch(q -> q.startsWith(StateColumns.DAY_PREFIX)), "per-day is opt-in");
    assertEquals(Long.toString(T0 + 2 * HOUR), StateColumns.text(s.get("last_ns")));
    assertFalse(s.containsKey("last_id"), "the watermark's id is not stored: it is looked up when needed");
    assertEquals(3L, StateColumns.toLong(s.get("sess.visits.count")));
    Map<String, byte[]> d = store.derived(InMemoryStateStore.rowOf(es.get(1)));
    assertEquals("tracking/in_transit/at_facility", StateColumns.text(d.get("m.package.state")));
    // the full state after the event is kept only on about one event in snapshotEvery, chosen by the id
    assertEquals(spec().snapshotAt("b"), d.containsKey("m.package"));
    InMemoryStateStore everyEvent = new InMemoryStateStore(new EntityStateProcessor(spec(1)));
    everyEvent.write(es);
    Map<String, byte[]> every = everyEvent.derived(InMemoryStateStore.rowOf(es.get(1)));
    assertEquals("tracking/in_transit/at_facility", EntityState.fromBytes(every.get("m.package")).path());
    assertTrue(StateColumns.text(d.get("sess.visits.id")).endsWith(
        io.eventstate.core.session.SessionEngine.sessionId("package", "p1", T0 + HOUR, "b").substring(26)));
    for (var c : store.rows.get(RowKeyCodec.stateRowKey("package", "p1")).values()) {
      assertEquals((T0 + 2 * HOUR) / 1_000_000, c.timestamp(), "state cells carry the watermark's ms " + c);
    }
    // a later write changes only the cells whose bytes change, at the new watermark's ms
    store.write(List.of(TestSupport.event("package", "p1", "delivered", T0 + 3 * HOUR, "d")));
    List<String> written = new ArrayList<>();
    for (var c : store.results.get(1).stateCells()) {
      written.add(c.qualifierString());
      assertEquals((T0 + 3 * HOUR) / 1_000_000, c.timestamp());
    }
    assertTrue(written.contains("events") && written.contains("last_ns"), written.toString());
    assertTrue(!written.contains("m.package.state") && !written.contains("m.package.c.event.pre_transit"), written.toString());
    // the machine's cell holds neither counters nor the watermark: a delivered package stays delivered, so it is not
    // written again; reading the row back restores the watermark from last_ns
    assertFalse(written.contains("m.package"), written.toString());
    EntityState back = EntityState.fromBytes(store.storedState(RowKeyCodec.stateRowKey("package", "p1")).cells()
        .get("m.package"));
    assertEquals(EntityState.NO_TIME, back.lastEventTimeNanos());
    assertEquals(List.of(), back.recentIds());
  }

  @Test
  void tooLateEventsAreFlaggedCountedAndLeaveStateAlone() {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    store.write(List.of(TestSupport.event("package", "p2", "pre_transit", T0, "a"),
        TestSupport.event("package", "p2", "in_transit", T0 + 4 * DAY, "b")));
    String stateRow = RowKeyCodec.stateRowKey("package", "p2");
    byte[] before = store.storedState(stateRow).cells().get("m.package");
    CanonicalEvent old = TestSupport.event("package", "p2", "delivered", T0 + DAY / 2, "old");
    store.write(List.of(old));
    store.write(List.of(old));
    EntityStateProcessor.Result first = store.results.get(1);
    assertEquals(1, first.tooLate());
    assertEquals(0, first.applied());
    assertEquals(1, store.results.get(2).duplicates());
    Map<String, byte[]> s = store.storedState(stateRow).cells();
    assertTrue(java.util.Arrays.equals(before, s.get("m.package")));
    assertEquals(1L, StateColumns.toLong(s.get("too_late")));
    assertEquals(2L, StateColumns.toLong(s.get("events")));
    assertEquals("1", StateColumns.text(store.derived(InMemoryStateStore.rowOf(old)).get("too_late")));
  }

  @Test
  void aLateEventBridgingTwoSessionsMergesThem() {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    CanonicalEvent a = TestSupport.event("package", "p3", "pre_transit", T0, "a");
    CanonicalEvent c = TestSupport.event("package", "p3", "in_transit", T0 + 50 * MIN, "c");
    store.write(List.of(a, c));
    String cRow = InMemoryStateStore.rowOf(c);
    String aSession = StateColumns.text(store.derived(InMemoryStateStore.rowOf(a)).get("sess.visits.id"));
    assertNotEquals(aSession, StateColumns.text(store.derived(cRow).get("sess.visits.id")));
    store.write(List.of(TestSupport.event("package", "p3", "in_transit", T0 + 25 * MIN, "b")));
    EntityStateProcessor.Result res = store.results.get(1);
    assertEquals(1, res.late());
    // replayed: b and c, and a too unless a keeps a snapshot to start from
    assertEquals(spec().snapshotAt("a") ? 2 : 3, res.recomputed());
    assertEquals(1, res.rewritten());
    assertEquals(aSession, StateColumns.text(store.derived(cRow).get("sess.visits.id")));
    assertEquals("1", StateColumns.text(store.derived(InMemoryStateStore.rowOf(
        TestSupport.event("package", "p3", "in_transit", T0 + 25 * MIN, "b"))).get("late")));
    assertEquals(1L, StateColumns.toLong(store.storedState(RowKeyCodec.stateRowKey("package", "p3")).cells()
        .get("sess.visits.count")));
  }

  @Test
  void entitiesNoDefinitionAppliesToAreInert() {
    InMemoryStateStore store = new InMemoryStateStore(new EntityStateProcessor(spec()));
    store.write(List.of(TestSupport.event("user", "u", "login", T0, "x")));
    assertTrue(store.results.get(0).stateCells().isEmpty());
    assertTrue(store.results.get(0).derivedWrites().isEmpty());
  }

  @Test
  void shouldRejectBadConfigurationNamingTheKey() {
    String pkg = spec().machines().get(0).source();
    assertEquals("eventstate.state.machine.package", pkg);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EntityStateSpec.parse(Map.of("eventstate.state.machines.x", "{}")));
    assertTrue(e.getMessage().contains("unknown key 'eventstate.state.machines.x' (value '{}'); valid keys are ["), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EntityStateSpec.parse(Map.of("eventstate.state.machine.x", "{not json")));
    assertTrue(e.getMessage().contains("eventstate.state.machine.x is not valid JSON"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> EntityStateSpec.parse(Map.of("eventstate.state.machine.other", SESSIONS)));
    assertTrue(e.getMessage().contains("named 'visits'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EntityStateSpec.parse(Map.of(
        "eventstate.state.machine.m", "{\"name\":\"m\",\"entity_types\":[\"x\"],\"initial\":\"nowhere\",\"states\":{\"a\":{}}}")));
    assertTrue(e.getMessage().contains("eventstate.state.machine.m") && e.getMessage().contains("nowhere"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EntityStateSpec.parse(Map.of(
        "eventstate.state.machine.visits", SESSIONS, "eventstate.state.lateness", "soon")));
    assertTrue(e.getMessage().contains("key 'eventstate.state.lateness' value was set to 'soon'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EntityStateSpec.parse(Map.of("other.key", "1")));
    assertTrue(e.getMessage().contains("no definition"), e.getMessage());
    EntityStateSpec ok = EntityStateSpec.parse(Map.of("eventstate.state.machine.visits", SESSIONS,
        "eventstate.state.lateness", "90m", "eventstate.schema.version", "1"));
    assertEquals(90 * MIN, ok.latenessNanos("package"));
    assertEquals(3 * DAY, spec().latenessNanos("package"));
  }

  @Test
  void snapshotEveryIsValidatedAndPicksAboutOneEventInN() {
    for (String bad : new String[] {"0", "1025", "many", ""}) {
      Map<String, String> props = new TreeMap<>(EntityStateSpec.properties(List.of(SESSIONS)));
      props.put(EntityStateSpec.CONFIG_SNAPSHOT_EVERY, bad);
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> EntityStateSpec.parse(props));
      assertTrue(e.getMessage().contains("key 'eventstate.state.snapshotEvery' value was set to '" + bad + "'")
          && e.getMessage().contains("1024"), e.getMessage());
    }
    EntityStateSpec one = spec(1);
    EntityStateSpec sixteen = spec();
    int chosen = 0;
    for (int i = 0; i < 16_000; i++) {
      String id = "evt-" + i;
      assertTrue(one.snapshotAt(id));
      if (sixteen.snapshotAt(id)) {
        chosen++;
      }
    }
    assertTrue(chosen > 800 && chosen < 1200, "about 1 in 16 of 16,000 sequential ids, got " + chosen);
  }
}
