package io.eventstate.flume.sink;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.flume.Event;

/** EventSink that fails the next N channel commits after HBase accepted the batch (a forced rollback). */
public class TestableEventSink extends EventSink {

  final AtomicInteger failBeforeCommit = new AtomicInteger();

  @Override
  void beforeCommit(List<Event> batch) throws Exception {
    if (!batch.isEmpty() && failBeforeCommit.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IllegalStateException("forced failure after HBase accepted " + batch.size() + " events");
    }
  }
}
