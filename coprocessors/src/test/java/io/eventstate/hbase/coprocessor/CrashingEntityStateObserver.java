package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.state.EntityRows;
import io.eventstate.core.state.EntityStateProcessor;
import java.io.IOException;
import java.util.List;

/**
 * A probe for R7: the state advance fails with an unexpected runtime error on events carrying attribute {@code crash},
 * and overflows the stack (a real, unbounded recursion) on events carrying attribute {@code overflow}.
 */
public class CrashingEntityStateObserver extends EntityStateObserver {

  @Override
  EntityStateProcessor.Result advance(String prefix, String entityType, String entityId, List<CanonicalEvent> events,
      EntityRows rows) throws IOException {
    for (CanonicalEvent e : events) {
      if (e.attributes().containsKey("overflow")) {
        recurse(0);
      }
      if (e.attributes().containsKey("crash")) {
        throw new IllegalStateException("crafted failure on " + e.eventId());
      }
    }
    return super.advance(prefix, entityType, entityId, events, rows);
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }
}
