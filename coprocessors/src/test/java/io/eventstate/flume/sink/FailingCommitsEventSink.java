package io.eventstate.flume.sink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;

/**
 * The EventSink that fails its first {@code test.failCommits} non-empty batches right before the channel commit —
 * after HBase stored them and the notifications went out — so Flume rolls back and redelivers them.
 */
public class FailingCommitsEventSink extends EventSink {

  /** Test-only key, removed before the real sink sees the configuration. */
  public static final String FAIL_COMMITS = "test.failCommits";

  private int remaining;
  private int forced;

  @Override
  public void configure(Context context) {
    Map<String, String> p = new HashMap<>(context.getParameters());
    String n = p.remove(FAIL_COMMITS);
    remaining = n == null ? 0 : Integer.parseInt(n.trim());
    super.configure(new Context(p));
  }

  @Override
  void beforeCommit(List<Event> batch) throws Exception {
    if (!batch.isEmpty() && remaining > 0) {
      remaining--;
      forced++;
      throw new IllegalStateException("forced rollback " + forced + " after the notifications were sent");
    }
  }
}
