package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.state.EntityStateProcessor;
import java.util.List;
import java.util.Set;

/**
 * A probe for R7: the decision fails with an unexpected runtime error on events carrying attribute {@code crash}, and
 * overflows the stack (a real, unbounded recursion) on events carrying attribute {@code overflow}.
 */
public class CrashingEntityStateObserver extends EntityStateObserver {

  @Override
  EntityStateProcessor.Result decide(EntityStateProcessor.Plan plan, Set<String> stored,
      EntityStateProcessor.StoredEvent snapshot, List<EntityStateProcessor.StoredEvent> history) {
    for (CanonicalEvent e : plan.events()) {
      if (e.attributes().containsKey("overflow")) {
        recurse(0);
      }
      if (e.attributes().containsKey("crash")) {
        throw new IllegalStateException("crafted failure on " + e.eventId());
      }
    }
    return super.decide(plan, stored, snapshot, history);
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }
}
