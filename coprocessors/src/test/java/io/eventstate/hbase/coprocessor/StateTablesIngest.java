package io.eventstate.hbase.coprocessor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.flume.sink.SinkWritePath;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Table;

/** Ingest helpers: the sink's path and plain puts alternating, optionally with an action between batches. */
final class StateTablesIngest {

  /** Attempts per batch: the client retries inside each, the writer retries the whole batch. */
  static final int MAX_ATTEMPTS = 5;

  interface Action {
    void run() throws Exception;
  }

  private StateTablesIngest() {
  }

  static void write(TableName tn, List<CanonicalEvent> events, int batch) throws Exception {
    writeWhile(tn, events, batch, () -> { });
  }

  /**
   * Writes the events from a second thread (batches alternate between the sink path and plain puts) while this
   * thread runs {@code action} after each acknowledged batch; returns when everything is written.
   */
  static void writeWhile(TableName tn, List<CanonicalEvent> events, int batch, Action action) throws Exception {
    java.util.concurrent.Semaphore acked = new java.util.concurrent.Semaphore(0);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> writer = pool.submit(() -> {
        SinkWritePath sink = StateTables.sink(tn);
        try (Table t = StateTables.table(tn)) {
          int n = 0;
          for (int i = 0; i < events.size(); i += batch, n++) {
            List<CanonicalEvent> b = events.subList(i, Math.min(events.size(), i + batch));
            for (int attempt = 1; ; attempt++) {
              try {
                if (n % 2 == 0) {
                  assertEquals(List.of(), sink.write(b));
                } else {
                  t.put(StateTables.plainPuts(b));
                }
                break;
              } catch (java.io.IOException e) {
                // like the sink: roll back and write the whole batch again (a RegionServer may have died)
                if (attempt == MAX_ATTEMPTS) {
                  throw e;
                }
              }
            }
            acked.release();
          }
        }
        return null;
      });
      int batches = (events.size() + batch - 1) / batch;
      for (int i = 0; i < batches; i++) {
        acked.acquire();
        action.run();
      }
      writer.get();
    } finally {
      pool.shutdownNow();
    }
  }
}
