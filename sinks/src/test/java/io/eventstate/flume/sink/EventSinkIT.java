package io.eventstate.flume.sink;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.FlumeException;
import org.apache.flume.Sink.Status;
import org.apache.flume.Transaction;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.apache.flume.event.EventBuilder;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/** EventSink against the shared mini cluster, driven through a real MemoryChannel. */
@ExtendWith(SharedMiniCluster.class)
class EventSinkIT {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final long T0 = 1_457_741_907_959_400_112L;

  private final List<EventSink> started = new ArrayList<>();

  @AfterEach
  void stopSinks() {
    for (EventSink s : started) {
      s.stop();
    }
  }

  static MemoryChannel channel(MemoryChannel ch) {
    ch.setName("c" + SEQ.incrementAndGet());
    Configurables.configure(ch, new Context(Map.of("capacity", "10000", "transactionCapacity", "1000")));
    ch.start();
    return ch;
  }

  static void put(MemoryChannel ch, List<Event> events) {
    Transaction tx = ch.getTransaction();
    tx.begin();
    for (Event e : events) {
      ch.put(e);
    }
    tx.commit();
    tx.close();
  }

  static Map<String, String> sinkProperties(String table) {
    Map<String, String> p = new HashMap<>();
    p.put("type", EventSink.class.getName());
    p.put("channel", "c");
    p.put("table", table);
    p.put("batchSize", "100");
    p.put("timeoutMs", "20000");
    p.put("zookeeperQuorum", "127.0.0.1");
    p.put("hbase.zookeeper.property.clientPort", Integer.toString(SharedMiniCluster.zkPort()));
    return p;
  }

  <S extends EventSink> S sink(S sink, MemoryChannel ch, Map<String, String> properties, boolean start) {
    sink.setName("store-it-" + SEQ.incrementAndGet());
    Configurables.configure(sink, new Context(properties));
    sink.setChannel(ch);
    if (start) {
      sink.start();
      started.add(sink);
    }
    return sink;
  }

  static List<Event> events(int n, int entities, String marker) {
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      events.add(TestEvents.event("ev-" + i, "u" + (i % entities), T0 + i * 1_000_000_007L,
          "{\"i\":" + i + ",\"m\":\"" + marker + "\"}"));
    }
    return events;
  }

  /** The cells EventRowCodec says the events produce, in the snapshot format. */
  static Set<String> expectedCells(List<Event> events) throws Exception {
    List<CanonicalEvent> ces = new ArrayList<>();
    for (Event e : events) {
      ces.add(EventHeaders.read(e.getHeaders(), e.getBody()));
    }
    Set<String> cells = new HashSet<>();
    for (EventRowCodec.EntityWrite w : EventRowCodec.entityWrites(ces)) {
      for (EventRowCodec.RowWrite r : w.rows()) {
        for (EventRowCodec.CellValue c : r.cells()) {
          cells.add(r.rowString() + " / " + c.familyString() + ":" + c.qualifierString() + " / " + c.timestamp() + " / "
              + new String(c.value(), StandardCharsets.UTF_8));
        }
      }
    }
    return cells;
  }

  @Test
  void writesEventRowsWithEventTimeCellsAndTouchesStateRowsInTheSameAtomicWrite() throws Exception {
    TableSchema schema = TestTables.create("atomic", ProbeObserver.class);
    MemoryChannel ch = channel(new MemoryChannel());
    List<Event> events = events(30, 5, "ok");
    put(ch, events);
    EventSink sink = sink(new EventSink(), ch, sinkProperties(schema.tableName()), true);

    assertEquals(Status.READY, sink.process());

    List<String> snapshot = TestTables.snapshot(schema.tableName());
    assertEquals(expectedCells(events), new HashSet<>(snapshot));
    assertEquals(snapshot.size(), new HashSet<>(snapshot).size(), "one version per cell");
    List<String> rows = TestTables.rows(schema.tableName());
    assertEquals(35, rows.size());
    assertEquals(30, sink.sinkCounter().getEventDrainSuccessCount());
    assertEquals(30, sink.counters().getEventRowsWritten());
    assertEquals(5, sink.counters().getStateRowsTouched());
    // The observer saw each entity's events together with its state-row touch in one mini-batch.
    List<List<String>> batches = ProbeObserver.BATCHES.stream().filter(b -> b.get(0).equals(schema.tableName()))
        .collect(Collectors.toList());
    for (int u = 0; u < 5; u++) {
      String prefix = RowKeyCodec.entityPrefix("user", "u" + u);
      List<List<String>> withEntity = batches.stream().filter(b -> b.stream().anyMatch(r -> r.startsWith(prefix)))
          .collect(Collectors.toList());
      assertEquals(1, withEntity.size(), "entity u" + u + " written in exactly one mini-batch: " + withEntity);
      List<String> mine = withEntity.get(0).stream().filter(r -> r.startsWith(prefix)).collect(Collectors.toList());
      assertEquals(7, mine.size(), "6 events + the state row of u" + u + ": " + mine);
      assertTrue(mine.contains(RowKeyCodec.stateRowKey("user", "u" + u)));
    }
    assertEquals(Status.BACKOFF, sink.process(), "empty channel");
    assertEquals(1, sink.sinkCounter().getBatchEmptyCount());
  }

  @Test
  void anIdleSinkWithIdlePollWaitsByItselfAndStaysReady() throws Exception {
    TableSchema schema = TestTables.create("idle");
    MemoryChannel ch = channel(new MemoryChannel());
    Map<String, String> p = sinkProperties(schema.tableName());
    p.put("idlePollMs", "200");
    EventSink sink = sink(new EventSink(), ch, p, true);
    long t0 = System.nanoTime();
    assertEquals(Status.READY, sink.process(), "empty channel: no BACKOFF, so Flume's runner does not sleep 1-5 s");
    assertTrue(System.nanoTime() - t0 >= 190_000_000L, "the sink waited idlePollMs itself");
    assertEquals(1, sink.sinkCounter().getBatchEmptyCount());
    put(ch, events(10, 2, "idle"));
    assertEquals(Status.READY, sink.process());
    assertEquals(10, sink.sinkCounter().getEventDrainSuccessCount());
  }

  @Test
  void sameEventsDeliveredTwiceAfterHBaseAcceptedLeaveIdenticalRowsAndCells() throws Exception {
    TableSchema replayed = TestTables.create("replay");
    TableSchema once = TestTables.create("once");
    List<Event> events = events(60, 7, "replay");

    MemoryChannel ch = channel(new MemoryChannel());
    put(ch, events);
    TestableEventSink sink = sink(new TestableEventSink(), ch, sinkProperties(replayed.tableName()), true);
    sink.failBeforeCommit.set(1);
    assertEquals(Status.BACKOFF, sink.process(), "commit forced to fail after HBase accepted the batch");
    assertEquals(1, sink.counters().getRollbacks());
    assertEquals(0, sink.sinkCounter().getEventDrainSuccessCount());
    List<String> afterFirst = TestTables.snapshot(replayed.tableName());
    assertEquals(60 + 7, TestTables.rows(replayed.tableName()).size(), "HBase had accepted the whole batch");

    assertEquals(Status.READY, sink.process(), "Flume redelivers the rolled-back batch");
    assertEquals(60, sink.sinkCounter().getEventDrainSuccessCount());
    assertEquals(120, sink.counters().getEventRowsWritten(), "every event was written twice");
    List<String> afterReplay = TestTables.snapshot(replayed.tableName());
    assertEquals(afterFirst, afterReplay, "identical row set and identical cells, timestamps included");

    MemoryChannel ch2 = channel(new MemoryChannel());
    put(ch2, events);
    EventSink single = sink(new EventSink(), ch2, sinkProperties(once.tableName()), true);
    assertEquals(Status.READY, single.process());
    assertEquals(TestTables.snapshot(once.tableName()), afterReplay, "same as delivering once");
  }

  @Test
  void poisonEventsAreDeadLetteredWithReasonAndTheRestOfTheBatchCommits() throws Exception {
    TableSchema schema = TestTables.create("poison", ProbeObserver.class);
    List<Event> batch = new ArrayList<>(events(10, 2, "fine"));
    Map<String, String> noEntity = new HashMap<>(batch.get(0).getHeaders());
    noEntity.remove(EventHeaders.ENTITY_TYPE);
    noEntity.put(EventHeaders.EVENT_ID, "headless");
    batch.add(3, EventBuilder.withBody("{\"no\":\"entity\"}".getBytes(StandardCharsets.UTF_8), noEntity));
    // Same entity as good events: the whole entity write is refused and must be split to isolate it.
    batch.add(6, TestEvents.event("bad-1", "u0", T0 + 5, "{\"m\":\"POISON\"}"));
    MemoryChannel ch = channel(new MemoryChannel());
    put(ch, batch);
    EventSink sink = sink(new EventSink(), ch, sinkProperties(schema.tableName()), true);

    assertEquals(Status.READY, sink.process());

    List<String> rows = TestTables.rows(schema.tableName());
    List<String> deadLetters = rows.stream().filter(RowKeyCodec::isDeadLetter).collect(Collectors.toList());
    assertEquals(2, deadLetters.size(), rows.toString());
    assertEquals(10 + 2 + 2, rows.size(), "10 events, 2 state rows, 2 dead letters: " + rows);
    assertFalse(rows.contains(RowKeyCodec.eventRowKey("user", "u0", T0 + 5, "bad-1")));
    Map<String, String> reasons = new TreeMap<>();
    for (String dl : deadLetters) {
      TreeMap<String, String> cells = TestTables.row(schema.tableName(), dl);
      reasons.put(cells.get("e:stage"), cells.get("e:reason"));
      assertTrue(cells.get("e:body").contains("entity") || cells.get("e:body").contains("POISON"));
    }
    assertTrue(reasons.get(EventSink.STAGE_ENCODE).contains(EventHeaders.ENTITY_TYPE), reasons.toString());
    assertTrue(reasons.get(EventSink.STAGE_REJECTED).contains("poison event rejected"), reasons.toString());
    assertEquals(2, sink.counters().getDeadLettered());
    assertEquals(1, sink.counters().getDeadLetteredUnencodable());
    assertEquals(1, sink.counters().getDeadLetteredRejected());
    assertEquals(10, sink.counters().getEventRowsWritten());
    assertEquals(12, sink.sinkCounter().getEventDrainSuccessCount(), "counters reconcile: 10 stored + 2 dead");
    assertEquals(0, sink.counters().getRollbacks());
    assertEquals(Status.BACKOFF, sink.process(), "nothing left to retry");
  }

  @Test
  void aDeadLetterTooLargeForTheClientIsStoredTruncatedInsteadOfLooping() throws Exception {
    TableSchema schema = TestTables.create("huge");
    byte[] huge = new byte[200_000];
    java.util.Arrays.fill(huge, (byte) 'x');
    MemoryChannel ch = channel(new MemoryChannel());
    put(ch, List.of(EventBuilder.withBody(huge, Map.of("timestamp", "1700000000000"))));
    put(ch, events(3, 1, "small"));
    Map<String, String> p = sinkProperties(schema.tableName());
    p.put("hbase.client.keyvalue.maxsize", "100000");
    EventSink sink = sink(new EventSink(), ch, p, true);

    assertEquals(Status.READY, sink.process());
    List<String> dls = TestTables.rows(schema.tableName()).stream().filter(RowKeyCodec::isDeadLetter)
        .collect(Collectors.toList());
    assertEquals(1, dls.size());
    TreeMap<String, String> cells = TestTables.row(schema.tableName(), dls.get(0));
    assertEquals(EventSink.TRUNCATED_VALUE_BYTES, cells.get("e:body").length());
    assertTrue(cells.get("e:reason").contains("dead letter truncated"), cells.get("e:reason"));
    assertEquals(3 + 1 + 1, TestTables.rows(schema.tableName()).size());
    assertEquals(4, sink.sinkCounter().getEventDrainSuccessCount());
  }

  @Test
  void channelTakeFailureRollsBackAndTheNextCallDeliversOnce() throws Exception {
    TableSchema schema = TestTables.create("take");
    FailingTakeChannel ch = (FailingTakeChannel) channel(new FailingTakeChannel());
    List<Event> events = events(20, 4, "take");
    put(ch, events);
    EventSink sink = sink(new EventSink(), ch, sinkProperties(schema.tableName()), true);
    ch.failNextTake.set(true);

    assertEquals(Status.BACKOFF, sink.process());
    assertEquals(1, sink.sinkCounter().getChannelReadFail());
    assertEquals(0, TestTables.rows(schema.tableName()).size());

    assertEquals(Status.READY, sink.process());
    assertEquals(20, sink.sinkCounter().getEventDrainSuccessCount());
    assertEquals(expectedCells(events), new HashSet<>(TestTables.snapshot(schema.tableName())));
    assertEquals(Status.BACKOFF, sink.process());
  }

  @Test
  void clientTimeoutAfterTheServerAppliedTheWriteIsHarmlessOnReplay() throws Exception {
    TableSchema schema = TestTables.create("timeout", ProbeObserver.class);
    TableSchema reference = TestTables.create("timeoutref");
    List<Event> events = events(8, 2, "quick");
    events.add(TestEvents.event("slow-1", "u0", T0 + 77, "{\"m\":\"SLOW\"}"));
    MemoryChannel ch = channel(new MemoryChannel());
    put(ch, events);
    Map<String, String> p = sinkProperties(schema.tableName());
    p.put("timeoutMs", "1500");
    p.put("hbase.rpc.timeout", "1000");
    EventSink sink = sink(new EventSink(), ch, p, true);
    CountDownLatch latch = new CountDownLatch(1);
    ProbeObserver.hold = latch;
    try {
      assertEquals(Status.BACKOFF, sink.process(), "the client timed out");
      assertEquals(1, sink.counters().getRollbacks());
      // ...although the server applied the write: the rows are already readable.
      assertEquals(9 + 2, TestTables.rows(schema.tableName()).size());
    } finally {
      ProbeObserver.hold = null;
      latch.countDown();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> sink.process() == Status.READY);
    assertEquals(9, sink.sinkCounter().getEventDrainSuccessCount());

    MemoryChannel ch2 = channel(new MemoryChannel());
    put(ch2, events);
    EventSink once = sink(new EventSink(), ch2, sinkProperties(reference.tableName()), true);
    assertEquals(Status.READY, once.process());
    assertEquals(TestTables.snapshot(reference.tableName()), TestTables.snapshot(schema.tableName()),
        "replay after a client timeout leaves exactly the cells of one delivery");
  }

  @Test
  void startFailsNamingTheTableWhenItIsMissingAndRecoversOnceCreated() throws Exception {
    String name = TestTables.uniqueName("missing");
    MemoryChannel ch = channel(new MemoryChannel());
    put(ch, events(3, 1, "late"));
    EventSink sink = sink(new EventSink(), ch, sinkProperties(name), false);
    FlumeException e = assertThrows(FlumeException.class, sink::start);
    assertTrue(e.getMessage().contains("table " + name + " does not exist"), e.getMessage());
    assertTrue(e.getMessage().contains("./eventstate schema create table="), e.getMessage());
    assertEquals(1, sink.counters().getStartFailures());
    assertEquals(1, sink.sinkCounter().getConnectionFailedCount());

    SchemaTool.create(SharedMiniCluster.util().getAdmin(), new TableSchema(name, 2));
    sink.start();
    started.add(sink);
    assertEquals(Status.READY, sink.process());
    assertEquals(3 + 1, TestTables.rows(name).size());
  }

  @Test
  void startRejectsATableNotMadeByTheSchemaToolOrMissingAFamily() throws Exception {
    String foreign = TestTables.uniqueName("foreign");
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(TableName.valueOf(foreign));
    for (String f : List.of("e", "d", "s")) {
      b.setColumnFamily(ColumnFamilyDescriptorBuilder.of(f));
    }
    SharedMiniCluster.util().getAdmin().createTable(b.build());
    EventSink sink = sink(new EventSink(), channel(new MemoryChannel()), sinkProperties(foreign), false);
    FlumeException e = assertThrows(FlumeException.class, sink::start);
    assertTrue(e.getMessage().contains("table " + foreign + " was not made by the Eventstate schema tool"), e.getMessage());

    String partial = TestTables.uniqueName("partial");
    TableSchema schema = new TableSchema(partial, 1);
    SharedMiniCluster.util().getAdmin().createTable(TableDescriptorBuilder.newBuilder(SchemaTool.descriptor(schema))
        .removeColumnFamily("d".getBytes(StandardCharsets.UTF_8)).build());
    EventSink sink2 = sink(new EventSink(), channel(new MemoryChannel()), sinkProperties(partial), false);
    e = assertThrows(FlumeException.class, sink2::start);
    assertTrue(e.getMessage().contains("table " + partial + " has no column family 'd'"), e.getMessage());
  }

  @Test
  void shouldRejectUnknownKeysAtConfigure() {
    Map<String, String> p = sinkProperties("x");
    p.put("batchsize", "10");
    FlumeException e = assertThrows(FlumeException.class,
        () -> sink(new EventSink(), channel(new MemoryChannel()), p, false));
    assertTrue(e.getMessage().contains("batchsize"), e.getMessage());
  }
}
