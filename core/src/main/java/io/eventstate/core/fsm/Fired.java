package io.eventstate.core.fsm;

/**
 * A transition the engine took.
 *
 * @param from     the leaf state path before
 * @param to       the leaf state path after (equal to {@code from} for an internal transition)
 * @param trigger  the event type, or the timeout's label ({@code after 7d})
 * @param atNanos  the event time, or the timeout's deadline
 * @param eventId  the event's id, or null for a timeout
 * @param timeout  true if a timeout fired
 * @param notifies true if the definition asks for a notification
 */
public record Fired(String from, String to, String trigger, long atNanos, String eventId, boolean timeout, boolean notifies) {
}
