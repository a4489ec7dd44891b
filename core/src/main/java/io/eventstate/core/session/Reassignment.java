package io.eventstate.core.session;

/**
 * An event whose session changed because of a late event: the coprocessor rewrites its derived session cell.
 *
 * @param eventId         the event
 * @param eventTimeNanos  its time (with the id, it locates the event row)
 * @param oldSessionId    the session it had
 * @param newSessionId    the session it has now
 */
public record Reassignment(String eventId, long eventTimeNanos, String oldSessionId, String newSessionId) {
}
