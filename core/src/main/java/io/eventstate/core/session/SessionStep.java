package io.eventstate.core.session;

/**
 * The result of {@link SessionEngine#step}.
 *
 * @param previous  the state passed in
 * @param state     the new state
 * @param outcome   what happened
 * @param sessionId the session the event belongs to (null unless {@link Outcome#STARTED} or {@link Outcome#CONTINUED})
 * @param ended     the session this event closed by starting a new one (id, start, end, count; no event ids), or null
 */
public record SessionStep(SessionState previous, SessionState state, Outcome outcome, String sessionId, Session ended) {

  /** What happened to the event. */
  public enum Outcome {
    /** The event starts a new session. */
    STARTED,
    /** The event belongs to the current session. */
    CONTINUED,
    /** Already applied. */
    DUPLICATE,
    /** At or before the watermark: fold it in with {@link SessionEngine#insert}. */
    OUT_OF_ORDER,
    /** Sessions are not kept for the entity type. */
    NOT_APPLICABLE
  }
}
