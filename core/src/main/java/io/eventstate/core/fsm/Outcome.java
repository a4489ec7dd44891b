package io.eventstate.core.fsm;

/** What {@link StateMachineEngine#step} did with an event. */
public enum Outcome {
  /** A transition with a target fired (the state was left or re-entered). */
  TRANSITION,
  /** An internal transition accepted the event; the state is kept. */
  INTERNAL,
  /** No transition; policy {@code ignore}. */
  IGNORED,
  /** No transition; counted as unexpected (policy {@code count_unexpected}). */
  UNEXPECTED,
  /** No transition; counted and moved to the error state (policy {@code error_state}). */
  ERROR_STATE,
  /** The event id was already applied; nothing changed. */
  DUPLICATE,
  /**
   * The event is at or before the state's watermark (newest applied event time, then id); nothing changed. The
   * caller folds it in with {@link StateMachineEngine#recompute} from an earlier snapshot.
   */
  OUT_OF_ORDER,
  /** The machine does not apply to the event's entity type; nothing changed. */
  NOT_APPLICABLE,
  /** Result of {@link StateMachineEngine#at}: only timeouts were evaluated. */
  READ
}
