package io.eventstate.core.session;

import java.util.List;

/**
 * The result of {@link SessionEngine#insert}: the state and sessions after folding in a late event, the late
 * event's session, and every other event whose session id changed.
 *
 * @param state         the entity's session state after all events
 * @param lateSessionId the session the late event belongs to (null if it was a duplicate)
 * @param sessions      the sessions from the snapshot on, with the late event folded in
 * @param changed       events (other than the late one) whose session id changed, in event order
 */
public record Resessionization(SessionState state, String lateSessionId, List<Session> sessions,
    List<Reassignment> changed) {

  public Resessionization {
    sessions = List.copyOf(sessions);
    changed = List.copyOf(changed);
  }
}
