package io.eventstate.core.fsm;

import io.eventstate.core.rule.Condition;
import java.util.List;

/**
 * One declared transition: on event type {@code event}, if every guard condition holds, from {@code source} (or any
 * state nested in it) to {@code target}. A null target is an internal transition: the event is accepted and
 * counted, the state and its entered-at times stay as they are.
 *
 * @param event    the event type it fires on
 * @param guard    conditions that must all hold (empty = no guard)
 * @param source   the state it is declared on
 * @param target   the state it leads to, or null for an internal transition
 * @param notifies whether taking it produces a notification
 * @param jsonPath where it is declared, for messages
 */
public record Transition(String event, List<Condition> guard, StateNode source, StateNode target, boolean notifies,
    String jsonPath) {

  public Transition {
    guard = List.copyOf(guard);
  }

  /** True if the transition has no guard (it is then the fallback when no guarded sibling fires). */
  public boolean unguarded() {
    return guard.isEmpty();
  }

  @Override
  public String toString() {
    return source.path() + " --" + event + (guard.isEmpty() ? "" : " " + guard) + "--> "
        + (target == null ? "(internal)" : target.path());
  }
}
