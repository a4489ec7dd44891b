package io.eventstate.flume.sink;

import io.eventstate.core.event.CanonicalEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.hbase.client.Durability;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Table;

/** The sink's write path (EntityWriter: one MultiRowMutationEndpoint call per region) for the coprocessor tests. */
public final class SinkWritePath {

  private final EntityWriter writer;

  public SinkWritePath(Table table, RegionLocator locator) {
    this.writer = new EntityWriter(table, locator, Durability.SYNC_WAL);
  }

  /** As EventSink with {@code writeThreads}: the region groups of a batch written in parallel on {@code pool}. */
  public SinkWritePath(Table table, RegionLocator locator, java.util.concurrent.ExecutorService pool) {
    this.writer = new EntityWriter(table, locator, Durability.SYNC_WAL, pool);
  }

  /** Writes the events; returns the rejected ones as "eventId: reason". */
  public List<String> write(List<CanonicalEvent> events) throws IOException {
    List<String> out = new ArrayList<>();
    for (EntityWriter.Rejected r : writer.write(events).rejected()) {
      out.add(r.event().eventId() + ": " + r.reason());
    }
    return out;
  }
}
