package io.eventstate.flume.sink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.DoNotRetryIOException;
import org.apache.hadoop.hbase.client.Mutation;
import org.apache.hadoop.hbase.coprocessor.ObserverContext;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessor;
import org.apache.hadoop.hbase.coprocessor.RegionCoprocessorEnvironment;
import org.apache.hadoop.hbase.coprocessor.RegionObserver;
import org.apache.hadoop.hbase.regionserver.MiniBatchOperationInProgress;

/**
 * A test RegionObserver standing in for the future state coprocessor: it records the rows of every mini-batch,
 * rejects events (not dead letters) whose body contains {@code POISON} with a DoNotRetryIOException (bad input), fails
 * every write of an event whose body contains {@code FLAKY} with a plain (retryable) IOException, and can hold a
 * write whose body contains {@code SLOW} after it was applied, so the client times out although the server
 * applied it.
 */
public class ProbeObserver implements RegionCoprocessor, RegionObserver {

  /** Row keys of each mini-batch seen by preBatchMutate, with the table name first. */
  static final Queue<List<String>> BATCHES = new ConcurrentLinkedQueue<>();
  /** When set, applied writes of SLOW events wait for it (at most 60 s). */
  static volatile CountDownLatch hold;

  @Override
  public Optional<RegionObserver> getRegionObserver() {
    return Optional.of(this);
  }

  private static boolean bodyContains(Mutation m, String marker) {
    for (List<Cell> cells : m.getFamilyCellMap().values()) {
      for (Cell c : cells) {
        if ("body".equals(new String(CellUtil.cloneQualifier(c), StandardCharsets.UTF_8))
            && new String(CellUtil.cloneValue(c), StandardCharsets.UTF_8).contains(marker)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void preBatchMutate(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> mini) throws IOException {
    List<String> rows = new ArrayList<>();
    rows.add(c.getEnvironment().getRegionInfo().getTable().getNameAsString());
    for (int i = 0; i < mini.size(); i++) {
      Mutation m = mini.getOperation(i);
      String row = new String(m.getRow(), StandardCharsets.UTF_8);
      rows.add(row);
      if (!row.startsWith("~dl:") && bodyContains(m, "POISON")) {
        throw new DoNotRetryIOException("poison event rejected as bad input: "
            + new String(m.getRow(), StandardCharsets.UTF_8));
      }
      if (!row.startsWith("~dl:") && bodyContains(m, "FLAKY")) {
        throw new IOException("flaky event fails every time with a retryable error: " + row);
      }
    }
    BATCHES.add(rows);
  }

  @Override
  public void postBatchMutateIndispensably(ObserverContext<RegionCoprocessorEnvironment> c,
      MiniBatchOperationInProgress<Mutation> mini, boolean success) throws IOException {
    CountDownLatch latch = hold;
    if (!success || latch == null) {
      return;
    }
    for (int i = 0; i < mini.size(); i++) {
      if (bodyContains(mini.getOperation(i), "SLOW")) {
        try {
          latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
    }
  }
}
