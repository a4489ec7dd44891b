package io.eventstate.core.fsm;

/** What the engine does with an event for which no transition fires (key {@code no_transition}). */
public enum NoTransitionPolicy {
  /** Keep the state; the event still advances the watermark and the event-type counter. */
  IGNORE("ignore"),
  /** Keep the state and add one to the {@code unexpected} counter (the default). */
  COUNT_UNEXPECTED("count_unexpected"),
  /** Count it as unexpected and move to the definition's {@code error_state}. */
  ERROR_STATE("error_state");

  private final String key;

  NoTransitionPolicy(String key) {
    this.key = key;
  }

  /** The value as written in a definition. */
  public String key() {
    return key;
  }

  /** The policy for a definition value, or null. */
  public static NoTransitionPolicy fromKey(String k) {
    for (NoTransitionPolicy p : values()) {
      if (p.key.equals(k)) {
        return p;
      }
    }
    return null;
  }
}
