package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.DAY;
import static io.eventstate.hbase.coprocessor.StateTables.HOUR;
import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.EntityStateSpec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.sink.SinkWritePath;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/** The state observer on the shared mini cluster (2 RegionServers): exactly once, order, concurrency, faults. */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class EntityStateObserverIT {

  static void writeInBatches(SinkWritePath sink, List<CanonicalEvent> events, int batch) throws IOException {
    for (int i = 0; i < events.size(); i += batch) {
      List<String> rejected = sink.write(events.subList(i, Math.min(events.size(), i + batch)));
      assertEquals(List.of(), rejected);
    }
  }

  static void putInBatches(Table t, List<CanonicalEvent> events, int batch) throws IOException {
    for (int i = 0; i < events.size(); i += batch) {
      t.put(StateTables.plainPuts(events.subList(i, Math.min(events.size(), i + batch))));
    }
  }

  /** R1, R12, R13: replayed batches (sink and plain puts), duplicates inside batches. */
  @Test
  void replaysAndDuplicatesAdvanceStateOncePerEventId() throws Exception {
    Map<String, String> props = StateTables.standardProperties();
    TableName tn = StateTables.create("once", props);
    List<CanonicalEvent> events = StateTables.histories(new Random(11), 40, 40);
    Collections.shuffle(events, new Random(12));
    ObserverMetrics dup = ObserverMetrics.of(tn, m -> m.duplicates);
    ObserverMetrics applied = ObserverMetrics.of(tn, m -> m.applied);
    ObserverMetrics tooLate = ObserverMetrics.of(tn, m -> m.tooLate);
    long dupBefore = dup.sum();
    long appliedBefore = applied.sum();
    long tooLateBefore = tooLate.sum();
    SinkWritePath sink = StateTables.sink(tn);
    try (Table t = StateTables.table(tn)) {
      for (int i = 0; i < events.size(); i += 50) {
        List<CanonicalEvent> batch = new ArrayList<>(events.subList(i, Math.min(events.size(), i + 50)));
        batch.add(batch.get(batch.size() / 2)); // the same event twice in one batch
        assertEquals(List.of(), sink.write(batch));
        assertEquals(List.of(), sink.write(batch)); // Flume redelivers the transaction (R1)
        t.put(StateTables.plainPuts(batch)); // another writer replays it (R12: the client retried after a timeout)
      }
    }
    int checked = StateTables.assertInvariants(tn, StateTables.spec(props), events);
    assertEquals(80, checked);
    // users' sessions allow 1h of lateness: the shuffle makes some of their events too late (stored, flagged)
    long flagged = tooLate.sum() - tooLateBefore;
    assertTrue(flagged > 0);
    assertEquals(events.size(), applied.sum() - appliedBefore + flagged);
    long flaggedRows = StateTables.rows(tn).values().stream().filter(r -> r.containsKey("d:too_late")).count();
    assertEquals(flagged, flaggedRows);
    assertTrue(dup.sum() - dupBefore >= 2L * events.size());
  }

  /**
   * The observer recognizes state rows by their key without decoding it (SS:TYPE:ID|!state); an event whose id is
   * {@code !state} has a key that ends the same way and must still be applied as an event.
   */
  @Test
  void anEventIdThatLooksLikeTheStateSuffixIsStillAnEvent() throws Exception {
    TableName tn = StateTables.create("bang_state", StateTables.standardProperties());
    CanonicalEvent first = StateTables.event("package", "p-bang", "pre_transit", T0, "!state");
    CanonicalEvent second = StateTables.event("package", "p-bang", "in_transit", T0 + HOUR, "e2");
    CanonicalEvent third = StateTables.event("package", "p-bang", "out_for_delivery", T0 + 2 * HOUR, "!state!");
    assertTrue(RowKeyCodec.eventRowKey("package", "p-bang", T0, "!state").endsWith(RowKeyCodec.STATE_SUFFIX));
    assertEquals(List.of(), StateTables.sink(tn).write(List.of(first)));
    try (Table t = StateTables.table(tn)) {
      t.put(StateTables.plainPuts(List.of(second)));
    }
    assertEquals(List.of(), StateTables.sink(tn).write(List.of(third, first))); // the first one again: a duplicate
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("package", "p-bang"));
    assertEquals(3L, StateTables.counter(state, StateColumns.EVENTS));
    assertEquals("tracking/in_transit/out_for_delivery",
        Bytes.toString(state.get("s:" + StateColumns.machineState("package"))));
    assertEquals("tracking/pre_transit", Bytes.toString(rows.get(RowKeyCodec.eventRowKey("package", "p-bang", T0,
        "!state")).get("d:" + StateColumns.machineState("package"))));
  }

  /** DESIGN 5: any arrival order within the allowed lateness gives the same state rows and derived cells. */
  @Test
  void shuffledDeliveryGivesTheSameCellsAsInOrder() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    List<CanonicalEvent> events = StateTables.histories(new Random(21), 60, 60);
    List<CanonicalEvent> sorted = new ArrayList<>(events);
    sorted.sort(io.eventstate.core.fsm.StateMachineEngine.EVENT_ORDER);
    TableName inOrder = StateTables.create("ordered", props);
    writeInBatches(StateTables.sink(inOrder), sorted, 100);
    TreeMap<String, String> expected = StateTables.comparable(inOrder);

    TableName viaSink = StateTables.create("shuffled_sink", props);
    ObserverMetrics late = ObserverMetrics.of(viaSink, m -> m.late);
    long lateBefore = late.sum();
    List<CanonicalEvent> shuffled = new ArrayList<>(events);
    Collections.shuffle(shuffled, new Random(22));
    writeInBatches(StateTables.sink(viaSink), shuffled, 37);
    assertEquals(expected, StateTables.comparable(viaSink));

    TableName viaPuts = StateTables.create("shuffled_puts", props);
    Collections.shuffle(shuffled, new Random(23));
    try (Table t = StateTables.table(viaPuts)) {
      putInBatches(t, shuffled, 13);
    }
    TreeMap<String, String> plain = StateTables.comparable(viaPuts);
    assertEquals(expected, plain);
    assertTrue(late.sum() - lateBefore > 200, "the shuffles must produce late events");
    assertEquals(120, StateTables.assertInvariants(viaPuts, StateTables.spec(props), events));
  }

  /**
   * Events sharing a time with the entity's watermark, across writes: the state row keeps no event id, the observer
   * reads the greatest one of that time from the region. Times cut to the hour, so most entities have several events
   * at one time; in order (one event per write: every write meets the watermark's time), shuffled, and replayed give
   * the same cells. The sink's {@code s:touch} is replaced by the state cells.
   */
  @Test
  void eventsAtTheWatermarksTimeAreOrderedByIdAcrossWrites() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    List<CanonicalEvent> events = new ArrayList<>();
    for (CanonicalEvent e : StateTables.histories(new Random(31), 20, 20)) {
      events.add(new CanonicalEvent(e.eventId(), e.entityType(), e.entityId(), e.eventType(),
          e.eventTimeNanos() / HOUR * HOUR, e.timeSource(), e.attributes(), e.tags(), e.body()));
    }
    List<CanonicalEvent> sorted = new ArrayList<>(events);
    sorted.sort(io.eventstate.core.fsm.StateMachineEngine.EVENT_ORDER);
    TableName inOrder = StateTables.create("same_time_ordered", props);
    ObserverMetrics late = ObserverMetrics.of(inOrder, m -> m.late);
    long lateBefore = late.sum();
    writeInBatches(StateTables.sink(inOrder), sorted, 1);
    TreeMap<String, String> expected = StateTables.comparable(inOrder);
    for (Map.Entry<String, Map<String, byte[]>> r : StateTables.rows(inOrder).entrySet()) {
      if (r.getKey().endsWith("!state")) {
        assertTrue(r.getValue().containsKey("s:" + StateColumns.LAST_NS), r.getKey());
        assertFalse(r.getValue().containsKey("s:" + EventRowCodec.Q_TOUCH), r.getKey() + " keeps the sink's touch");
      }
    }
    assertEquals(lateBefore, late.sum(), "in order, events at the watermark's time with greater ids are not late");

    TableName shuffled = StateTables.create("same_time_shuffled", props);
    List<CanonicalEvent> mixed = new ArrayList<>(events);
    Collections.shuffle(mixed, new Random(32));
    writeInBatches(StateTables.sink(shuffled), mixed, 7);
    writeInBatches(StateTables.sink(shuffled), mixed.subList(0, 40), 3); // replayed: nothing changes
    assertEquals(expected, StateTables.comparable(shuffled));
    assertEquals(40, StateTables.assertInvariants(shuffled, StateTables.spec(props), events));
  }

  /** R9: 8 writers (half through the sink, half plain puts) on one hot entity and on many entities. */
  @Test
  void concurrentWritersLoseNoUpdate() throws Exception {
    Map<String, String> props = StateTables.standardProperties(EntityStateSpec.CONFIG_LATENESS, "3d");
    TableName tn = StateTables.create("concurrent", props);
    int threads = 8;
    int perThread = 60;
    List<List<CanonicalEvent>> work = new ArrayList<>();
    List<CanonicalEvent> all = new ArrayList<>();
    Random r = new Random(31);
    for (int w = 0; w < threads; w++) {
      List<CanonicalEvent> mine = new ArrayList<>();
      for (int i = 0; i < perThread; i++) {
        long t = T0 + (long) (i * threads + w) * 1_000_000_000L;
        mine.add(StateTables.event("user", "hot", "view", t, "hot-" + w + "-" + i));
        String entity = "many-" + r.nextInt(40);
        mine.add(StateTables.event("package", entity, i == 0 ? "pre_transit" : "in_transit", t, entity + "-" + w + "-" + i,
            "status_detail", r.nextBoolean() ? "arrived_at_facility" : "x"));
      }
      work.add(mine);
      all.addAll(mine);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        final List<CanonicalEvent> mine = work.get(w);
        final boolean viaSink = w % 2 == 0;
        fs.add(pool.submit(() -> {
          SinkWritePath sink = StateTables.sink(tn);
          try (Table t = StateTables.table(tn)) {
            for (int i = 0; i < mine.size(); i += 6) {
              List<CanonicalEvent> b = mine.subList(i, Math.min(mine.size(), i + 6));
              if (viaSink) {
                assertEquals(List.of(), sink.write(b));
              } else {
                t.put(StateTables.plainPuts(b));
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    StateTables.assertInvariants(tn, StateTables.spec(props), all);
    Map<String, byte[]> hot = StateTables.rows(tn).get(RowKeyCodec.stateRowKey("user", "hot"));
    assertEquals(threads * perThread, StateTables.counter(hot, StateColumns.EVENTS));
  }

  /** R7: an unexpected error in the decision: the server stays up, the client gets an IOException, the sink dead-letters. */
  @Test
  void unexpectedErrorsBecomeIOExceptionsAndTheSinkIsolatesTheEvent() throws Exception {
    Map<String, String> props = StateTables.standardProperties();
    TableName tn = StateTables.create("crash", CrashingEntityStateObserver.class.getName(), null, props);
    CanonicalEvent good = StateTables.event("package", "p-ok", "pre_transit", T0, "ok-1");
    CanonicalEvent crash = StateTables.event("package", "p-crash", "pre_transit", T0, "crash-1", "crash", "yes");
    ObserverMetrics errors = ObserverMetrics.of(tn, m -> m.errors);
    long errorsBefore = errors.sum();
    try (Table t = StateTables.table(tn)) {
      IOException e = assertThrows(IOException.class, () -> t.put(StateTables.plainPuts(List.of(crash))));
      assertTrue(String.valueOf(e.getMessage()).contains("p-crash") || String.valueOf(e.getCause()).contains("p-crash"),
          e.toString());
    }
    List<String> rejected = StateTables.sink(tn).write(List.of(good, crash));
    assertEquals(1, rejected.size());
    assertTrue(rejected.get(0).startsWith("crash-1: ") && rejected.get(0).contains("crafted failure"), rejected.get(0));
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    assertEquals("tracking/pre_transit", Bytes.toString(rows.get(RowKeyCodec.stateRowKey("package", "p-ok"))
        .get("s:" + StateColumns.machineState("package"))));
    assertFalse(rows.containsKey(RowKeyCodec.eventRowKey("package", "p-crash", T0, "crash-1")));
    assertTrue(errors.sum() - errorsBefore >= 2);
  }

  /** R4: a malformed event row is bad input: DoNotRetryIOException naming the row; nothing of the batch is written. */
  @Test
  void badEventRowsAreRefusedWithTheRowAndReason() throws Exception {
    TableName tn = StateTables.create("badinput", StateTables.standardProperties());
    CanonicalEvent e = StateTables.event("package", "p-bad", "pre_transit", T0, "bad-1");
    Put p = StateTables.plainPuts(List.of(e)).get(0);
    Put broken = new Put(p.getRow());
    broken.addColumn(Bytes.toBytes("e"), Bytes.toBytes("event_id"), 1L, Bytes.toBytes("bad-1"));
    try (Table t = StateTables.table(tn)) {
      IOException ex = assertThrows(IOException.class, () -> t.put(broken));
      assertTrue(ex.toString().contains("DoNotRetryIOException") && ex.toString().contains("is missing"), ex.toString());
      // a plain batch must not include a state row: shared locks cannot protect the read-modify-write
      Put state = new Put(Bytes.toBytes(RowKeyCodec.stateRowKey("package", "p-bad")));
      state.addColumn(Bytes.toBytes("s"), Bytes.toBytes("touch"), 1L, Bytes.toBytes("x"));
      IOException ex2 = assertThrows(IOException.class, () -> t.batch(List.of(p, state), new Object[2]));
      assertTrue(ex2.toString().contains("plain put/batch"), ex2.toString());
      assertTrue(StateTables.rows(tn).isEmpty());
    }
  }

  /** R13: an event older than the allowed lateness is stored and flagged; state is unchanged; a replay is a no-op. */
  @Test
  void tooLateEventsAreStoredFlaggedAndCountedOnce() throws Exception {
    TableName tn = StateTables.create("toolate", StateTables.standardProperties());
    SinkWritePath sink = StateTables.sink(tn);
    sink.write(List.of(StateTables.event("package", "p-late", "pre_transit", T0, "a"),
        StateTables.event("package", "p-late", "in_transit", T0 + 5 * DAY, "b")));
    CanonicalEvent old = StateTables.event("package", "p-late", "delivered", T0 + HOUR, "old");
    String stateRow = RowKeyCodec.stateRowKey("package", "p-late");
    byte[] before = StateTables.rows(tn).get(stateRow).get("s:m.package");
    sink.write(List.of(old));
    try (Table t = StateTables.table(tn)) {
      t.put(StateTables.plainPuts(List.of(old)));
    }
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    assertTrue(java.util.Arrays.equals(before, rows.get(stateRow).get("s:m.package")));
    assertEquals(1, StateTables.counter(rows.get(stateRow), StateColumns.TOO_LATE));
    assertEquals(2, StateTables.counter(rows.get(stateRow), StateColumns.EVENTS));
    assertEquals("1", Bytes.toString(rows.get(RowKeyCodec.eventRowKey("package", "p-late", T0 + HOUR, "old"))
        .get("d:too_late")));
  }
}
