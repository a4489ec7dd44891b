package io.eventstate.core.session;

import java.util.List;

/**
 * One session of an entity.
 *
 * @param sessionId  deterministic id, see {@link SessionEngine#sessionId}
 * @param startNanos first event time
 * @param endNanos   last event time
 * @param eventCount number of events
 * @param eventIds   the events' ids, in event order
 */
public record Session(String sessionId, long startNanos, long endNanos, long eventCount, List<String> eventIds) {

  public Session {
    eventIds = List.copyOf(eventIds);
  }

  /** Last event time minus first event time (0 for a single event). */
  public long durationNanos() {
    return endNanos - startNanos;
  }
}
