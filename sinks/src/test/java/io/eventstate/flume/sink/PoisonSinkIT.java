package io.eventstate.flume.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.rowkey.TableSchema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.Sink.Status;
import org.apache.flume.channel.MemoryChannel;
import org.apache.flume.conf.Configurables;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;
import io.eventstate.testing.Props;

/** Events HBase can never take: isolated and dead-lettered after bounded tries, the rest of the batch committed. */
@ExtendWith(SharedMiniCluster.class)
class PoisonSinkIT {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final long T0 = 1_457_741_907_959_400_112L;
  private final List<EventSink> started = new ArrayList<>();

  @AfterEach
  void stopSinks() {
    started.forEach(EventSink::stop);
  }

  private EventSink sink(MemoryChannel ch, Map<String, String> properties) {
    EventSink sink = new EventSink();
    sink.setName("poison-it-" + SEQ.incrementAndGet());
    Configurables.configure(sink, new Context(properties));
    sink.setChannel(ch);
    sink.start();
    started.add(sink);
    return sink;
  }

  private static Map<String, String> deadLetterReasons(String table) throws Exception {
    Map<String, String> out = new TreeMap<>();
    for (String dl : TestTables.rows(table).stream().filter(RowKeyCodec::isDeadLetter).collect(Collectors.toList())) {
      TreeMap<String, String> cells = TestTables.row(table, dl);
      out.put(cells.get("e:h.es.eventId"), cells.get("e:stage") + " | " + cells.get("e:reason"));
    }
    return out;
  }

  /** R17: a 33,000-character entity id and a cell over keyvalue.maxsize never reach HBase; the batch commits at once. */
  @Test
  void rowsOverHBaseLimitsAreDeadLetteredBeforeTheWriteAndGoodEventsFlow() throws Exception {
    TableSchema schema = TestTables.create("limits", ProbeObserver.class);
    List<Event> batch = new ArrayList<>(EventSinkIT.events(6, 2, "fine"));
    batch.add(2, TestEvents.event("long-id", "E".repeat(33_000), T0, "{\"m\":\"long\"}"));
    batch.add(4, TestEvents.event("big-body", "u1", T0 + 9, "{\"m\":\"" + "b".repeat(5000) + "\"}"));
    MemoryChannel ch = EventSinkIT.channel(new MemoryChannel());
    EventSinkIT.put(ch, batch);
    Map<String, String> p = EventSinkIT.sinkProperties(schema.tableName());
    p.put("hbase.client.keyvalue.maxsize", "4000");
    EventSink sink = sink(ch, p);

    assertEquals(Status.READY, sink.process());

    Map<String, String> reasons = deadLetterReasons(schema.tableName());
    assertEquals(2, reasons.size(), reasons.toString());
    assertTrue(reasons.get("long-id").startsWith(EventSink.STAGE_LIMIT + " | limit: row key of ")
        && reasons.get("long-id").contains("32767"), reasons.toString());
    assertTrue(reasons.get("big-body").contains("hbase.client.keyvalue.maxsize=4000"), reasons.toString());
    assertEquals(6, sink.counters().getEventRowsWritten());
    assertEquals(2, sink.counters().getDeadLetteredOverLimits());
    assertEquals(8, sink.sinkCounter().getEventDrainSuccessCount());
    assertEquals(0, sink.counters().getRollbacks());
  }

  /**
   * R4: an event that fails with a retryable error every time, while the rest of its batch can be written, is tried
   * poison.maxAttempts times, then isolated and dead-lettered with the error; the good events commit.
   */
  @Test
  void anEventFailingEveryTimeWithARetryableErrorIsDeadLetteredAfterBoundedTries() throws Exception {
    TableSchema schema = TestTables.create("flaky", ProbeObserver.class);
    List<Event> batch = new ArrayList<>(EventSinkIT.events(8, 4, "fine"));
    batch.add(0, TestEvents.event("flaky-1", "u1", T0 + 3, "{\"m\":\"FLAKY\"}"));
    MemoryChannel ch = EventSinkIT.channel(new MemoryChannel());
    EventSinkIT.put(ch, batch);
    Map<String, String> p = EventSinkIT.sinkProperties(schema.tableName());
    p.putAll(Props.map("""
        poison.maxAttempts = 3
        timeoutMs = 3000
        hbase.client.retries.number = 2
        hbase.client.pause = 50
        writeThreads = 1
        """));
    EventSink sink = sink(ch, p);

    for (int attempt = 1; attempt <= 3; attempt++) {
      assertEquals(Status.BACKOFF, sink.process(), "attempt " + attempt + " fails and rolls back");
      assertEquals(0, sink.counters().getDeadLettered());
    }
    assertEquals(3, sink.counters().getRollbacks());
    assertEquals(Status.READY, sink.process(), "the fourth attempt isolates the event");

    Map<String, String> reasons = deadLetterReasons(schema.tableName());
    assertEquals(1, reasons.size(), reasons.toString());
    assertTrue(reasons.get("flaky-1").startsWith(EventSink.STAGE_REJECTED + " | not written after 3 attempts")
        && reasons.get("flaky-1").contains("flaky event fails every time"), reasons.toString());
    assertEquals(8, sink.counters().getEventRowsWritten());
    assertEquals(1, sink.counters().getIsolationPasses());
    assertEquals(1, sink.counters().getDeadLetteredRejected());
    assertFalse(TestTables.rows(schema.tableName()).contains(RowKeyCodec.eventRowKey("user", "u1", T0 + 3, "flaky-1")));
    assertEquals(Status.BACKOFF, sink.process(), "nothing left");
  }

  /** A batch of nothing but failing events is never dead-lettered: no write succeeded, so HBase may be at fault. */
  @Test
  void withoutAnyWriteSucceedingNothingIsDeadLetteredAndTheBatchIsRetried() throws Exception {
    TableSchema schema = TestTables.create("flakyonly", ProbeObserver.class);
    MemoryChannel ch = EventSinkIT.channel(new MemoryChannel());
    EventSinkIT.put(ch, List.of(TestEvents.event("flaky-2", "u9", T0, "{\"m\":\"FLAKY\"}")));
    Map<String, String> p = EventSinkIT.sinkProperties(schema.tableName());
    p.putAll(Props.map("""
        poison.maxAttempts = 1
        timeoutMs = 3000
        hbase.client.retries.number = 2
        hbase.client.pause = 50
        """));
    EventSink sink = sink(ch, p);
    for (int attempt = 1; attempt <= 3; attempt++) {
      assertEquals(Status.BACKOFF, sink.process());
    }
    assertEquals(0, sink.counters().getDeadLettered());
    assertEquals(2, sink.counters().getIsolationPasses(), "attempts 2 and 3 were isolation passes");
    assertNull(deadLetterReasons(schema.tableName()).get("flaky-2"));
  }
}
