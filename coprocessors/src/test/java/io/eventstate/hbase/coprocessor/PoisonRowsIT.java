package io.eventstate.hbase.coprocessor;

import static io.eventstate.hbase.coprocessor.StateTables.HOUR;
import static io.eventstate.hbase.coprocessor.StateTables.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.FutureSkewGuard;
import io.eventstate.core.state.StateColumns;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptor;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import io.eventstate.testing.SharedMiniCluster;

/**
 * Rows a retry cannot fix: an {@code Error} in the observer and event times far ahead of the RegionServer's clock are
 * refused with a DoNotRetryIOException, the sink's write path isolates them, the server stays up.
 */
@ExtendWith({SharedMiniCluster.class, SharedMiniCluster.RegionServersAlive.class})
class PoisonRowsIT {

  private static boolean chainHas(Throwable t, Class<?> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c) || c.toString().contains(type.getName())) {
        return true;
      }
    }
    return false;
  }

  /** R7: a StackOverflowError on a crafted event becomes a DoNotRetryIOException; the sink isolates that event. */
  @Test
  void aStackOverflowInTheObserverIsNotRetriedAndOnlyItsEventIsRejected() throws Exception {
    TableName tn = StateTables.create("overflow", CrashingEntityStateObserver.class.getName(), null,
        StateTables.standardProperties());
    CanonicalEvent good = StateTables.event("package", "p-ok", "pre_transit", T0, "ok-1");
    CanonicalEvent bad = StateTables.event("package", "p-deep", "pre_transit", T0, "deep-1", "overflow", "yes");
    ObserverMetrics errors = ObserverMetrics.of(tn, m -> m.errors);
    long before = errors.sum();
    try (Table t = StateTables.table(tn)) {
      IOException e = assertThrows(IOException.class, () -> t.put(StateTables.plainPuts(List.of(bad))));
      assertTrue(chainHas(e, DoNotRetryIOException.class) && e.toString().contains("StackOverflowError"), e.toString());
    }
    List<String> rejected = StateTables.sink(tn).write(List.of(good, bad));
    assertEquals(1, rejected.size(), rejected.toString());
    assertTrue(rejected.get(0).startsWith("deep-1: ") && rejected.get(0).contains("StackOverflowError"), rejected.get(0));
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    assertEquals("tracking/pre_transit", Bytes.toString(rows.get(RowKeyCodec.stateRowKey("package", "p-ok"))
        .get("s:" + StateColumns.machineState("package"))));
    assertFalse(rows.containsKey(RowKeyCodec.eventRowKey("package", "p-deep", T0, "deep-1")));
    assertTrue(errors.sum() - before >= 2, "each refusal is counted");
  }

  /** R19: an event row ahead of the RegionServer's clock by more than the table's bound is bad input. */
  @Test
  void eventRowsFarAheadOfTheServerClockAreRefusedAndTheWatermarkStays() throws Exception {
    TableName tn = StateTables.create("future", StateTables.standardProperties(FutureSkewGuard.CONFIG_MAX_FUTURE_SKEW,
        "1h"));
    long now = System.currentTimeMillis() * 1_000_000L;
    CanonicalEvent first = StateTables.event("package", "p-f", "pre_transit", T0, "f-1");
    CanonicalEvent future = StateTables.event("package", "p-f", "delivered", Long.MAX_VALUE - 1, "f-2262");
    CanonicalEvent soon = StateTables.event("package", "p-f", "in_transit", now + HOUR / 2, "f-soon");
    ObserverMetrics badInput = ObserverMetrics.of(tn, m -> m.badInput);
    long before = badInput.sum();
    try (Table t = StateTables.table(tn)) {
      IOException e = assertThrows(IOException.class, () -> t.put(StateTables.plainPuts(List.of(future))));
      assertTrue(chainHas(e, DoNotRetryIOException.class) && e.toString().contains("time_future"), e.toString());
    }
    List<String> rejected = StateTables.sink(tn).write(List.of(first, future, soon));
    assertEquals(1, rejected.size(), rejected.toString());
    assertTrue(rejected.get(0).startsWith("f-2262: ") && rejected.get(0).contains("eventstate.guard.maxFutureSkew=1h"),
        rejected.get(0));
    Map<String, Map<String, byte[]>> rows = StateTables.rows(tn);
    assertFalse(rows.containsKey(RowKeyCodec.eventRowKey("package", "p-f", Long.MAX_VALUE - 1, "f-2262")));
    Map<String, byte[]> state = rows.get(RowKeyCodec.stateRowKey("package", "p-f"));
    assertEquals("tracking/in_transit/moving", Bytes.toString(state.get("s:" + StateColumns.machineState("package"))));
    assertEquals(2, StateTables.counter(state, StateColumns.EVENTS));
    assertTrue(badInput.sum() - before >= 2);
  }

  /** R8: a bad bound is refused when the table is altered, naming the key and the value. */
  @Test
  void shouldRejectABadFutureBoundAtAlterTime() throws Exception {
    TableName tn = StateTables.create("futurebad", StateTables.standardProperties());
    TableDescriptor current = SharedMiniCluster.util().getAdmin().getDescriptor(tn);
    TableDescriptor bad = TableDescriptorBuilder.newBuilder(current)
        .setValue(FutureSkewGuard.CONFIG_MAX_FUTURE_SKEW, "tomorrow").build();
    IOException e = assertThrows(IOException.class, () -> SharedMiniCluster.util().getAdmin().modifyTable(bad));
    assertTrue(e.toString().contains(FutureSkewGuard.CONFIG_MAX_FUTURE_SKEW) && e.toString().contains("tomorrow"),
        e.toString());
  }
}
