package io.eventstate.hbase.coprocessor;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.ipc.RpcServer;
import org.apache.hadoop.hbase.regionserver.MiniBatchOperationInProgress;
import org.apache.hadoop.hbase.util.EnvironmentEdgeManager;

/**
 * A benchmark probe (loaded next to the state observer): for every mini-batch of an RPC, the time from the moment a
 * handler started the call to {@code preBatchMutate}, which HBase calls once the batch holds its row locks. For the
 * sink's atomic write ({@code mutateRowsWithLocks}, exclusive locks on the event rows and the state row) that is the
 * row-lock wait plus the decoding of the request; the observer's own {@code lockWaitMicros} sees only the locks it
 * takes itself (plain writers' batches), never the sink's. Millisecond resolution (HBase's call clock); static
 * totals, for the one JVM of the mini cluster.
 */
public final class LockWaitProbe implements RegionCoprocessor, RegionObserver {

  /** Calls seen; the sum of their waits in ms; a histogram of whole milliseconds (the last bucket: 1 s or more). */
  static final LongAdder CALLS = new LongAdder();
  static final LongAdder WAIT_MS = new LongAdder();
  static final AtomicLongArray HISTOGRAM = new AtomicLongArray(1001);

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  @Override
  public void preBatchMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> batch) {
    RpcServer.getCurrentCall().ifPresent(call -> {
      long waited = Math.max(0, EnvironmentEdgeManager.currentTime() - call.getStartTime());
      CALLS.increment();
      WAIT_MS.add(waited);
      HISTOGRAM.incrementAndGet((int) Math.min(1000, waited));
    });
  }

  static void reset() {
    CALLS.reset();
    WAIT_MS.reset();
    for (int i = 0; i < HISTOGRAM.length(); i++) {
      HISTOGRAM.set(i, 0);
    }
  }

  /** The {@code q} quantile of the waits, in ms. */
  static long quantileMs(double q) {
    long total = 0;
    for (int i = 0; i < HISTOGRAM.length(); i++) {
      total += HISTOGRAM.get(i);
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < HISTOGRAM.length(); i++) {
      seen += HISTOGRAM.get(i);
      if (seen >= rank && seen > 0) {
        return i;
      }
    }
    return 0;
  }
}
