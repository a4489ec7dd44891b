package io.eventstate.core.fsm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The result of one engine step: the state before and after, what happened, and every transition taken
 * (timeouts first, in deadline order, then the event's own).
 *
 * @param previous the state passed in
 * @param state    the new state (the same object as {@code previous} when nothing changed)
 * @param outcome  what happened to the event
 * @param fired    transitions taken, in order
 */
public record Step(EntityState previous, EntityState state, Outcome outcome, List<Fired> fired) {

  /** True if the state (including counters and watermark) differs from the previous one. */
  public boolean changed() {
    return previous != state && !previous.equals(state);
  }

  /** The transitions whose definition asks for a notification. */
  public List<Fired> notifications() {
    if (fired.isEmpty()) {
      return List.of();
    }
    List<Fired> out = new ArrayList<>();
    for (Fired f : fired) {
      if (f.notifies()) {
        out.add(f);
      }
    }
    return out;
  }

  /** Counter changes, name → delta, only non-zero deltas. */
  public SortedMap<String, Long> counterDeltas() {
    SortedMap<String, Long> before = previous.counters().asMap();
    SortedMap<String, Long> after = state.counters().asMap();
    TreeSet<String> names = new TreeSet<>(before.keySet());
    names.addAll(after.keySet());
    TreeMap<String, Long> out = new TreeMap<>();
    for (String n : names) {
      long d = after.getOrDefault(n, 0L) - before.getOrDefault(n, 0L);
      if (d != 0) {
        out.put(n, d);
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }
}
