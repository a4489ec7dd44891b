package io.eventstate.hbase.coprocessor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.state.EntityStateProcessor;
import java.util.List;
import java.util.Set;

/** A probe for R7: the decision fails with an unexpected runtime error on events carrying attribute {@code crash}. */
public class CrashingEntityStateObserver extends EntityStateObserver {

  @Override
  EntityStateProcessor.Result decide(EntityStateProcessor.Plan plan, Set<String> stored,
      EntityStateProcessor.StoredEvent snapshot, List<EntityStateProcessor.StoredEvent> history) {
    for (CanonicalEvent e : plan.events()) {
      if (e.attributes().containsKey("crash")) {
        throw new IllegalStateException("crafted failure on " + e.eventId());
      }
    }
    return super.decide(plan, stored, snapshot, history);
  }
}
