package io.eventstate.core.fsm;

import io.eventstate.core.event.CanonicalEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * What the coprocessor does, in memory: events arrive in any order; an event after the watermark is stepped; an
 * older one is stored and the entity is recomputed from the stored "state after" of the newest event before it
 * (or from the initial state), replaying every stored event after that point.
 */
final class LateEventHarness {

  private LateEventHarness() {
  }

  /** Event-order key → (event, state after it). */
  static EntityState deliver(MachineDefinition def, List<CanonicalEvent> arrivals) {
    TreeMap<String, CanonicalEvent> events = new TreeMap<>();
    TreeMap<String, EntityState> after = new TreeMap<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    EntityState current = StateMachineEngine.initial(def);
    for (CanonicalEvent e : arrivals) {
      if (!ids.add(e.eventId())) {
        // The coprocessor also finds the event row already stored; the engine must not need that, so still step it:
        Step st = StateMachineEngine.step(def, current, e);
        if (st.changed()) {
          throw new AssertionError("a duplicate changed the state: " + e);
        }
        continue;
      }
      String key = key(e);
      events.put(key, e);
      Step st = StateMachineEngine.step(def, current, e);
      if (st.outcome() != Outcome.OUT_OF_ORDER) {
        current = st.state();
        after.put(key, current);
        continue;
      }
      var before = after.lowerEntry(key);
      EntityState snapshot = before == null ? StateMachineEngine.initial(def) : before.getValue();
      List<CanonicalEvent> tail = new ArrayList<>(events.tailMap(key, true).values());
      for (Step s : StateMachineEngine.replay(def, snapshot, tail)) {
        current = s.state();
      }
      // Rewrite the derived cells of every replayed event.
      EntityState s2 = snapshot;
      for (CanonicalEvent t : tail) {
        s2 = StateMachineEngine.step(def, s2, t).state();
        after.put(key(t), s2);
      }
    }
    return current;
  }

  static String key(CanonicalEvent e) {
    return String.format("%020d/%s", e.eventTimeNanos() - Long.MIN_VALUE / 2, e.eventId());
  }
}
