package io.eventstate.core.fsm;

/**
 * A timeout declared on a state: once {@code afterNanos} have passed since the state was entered (or, with
 * {@code sinceLastEvent}, since the later of entering it and the entity's last event), the machine moves to
 * {@code target}. Timeouts are evaluated lazily: when the next event arrives (before it is applied) or when the
 * state is read with {@link StateMachineEngine#at}. The transition is stamped with the deadline, not the time
 * it was noticed, so the result does not depend on when anyone looked.
 *
 * @param afterNanos     the duration
 * @param sinceLastEvent measure from the last event instead of from entering the state
 * @param source         the state it is declared on
 * @param target         the state it leads to
 * @param notifies       whether firing it produces a notification
 * @param label          its written form, e.g. {@code after 7d}, for diagrams and effects
 * @param jsonPath       where it is declared, for messages
 */
public record Timeout(long afterNanos, boolean sinceLastEvent, StateNode source, StateNode target, boolean notifies,
    String label, String jsonPath) {

  @Override
  public String toString() {
    return source.path() + " --" + label + "--> " + target.path();
  }
}
