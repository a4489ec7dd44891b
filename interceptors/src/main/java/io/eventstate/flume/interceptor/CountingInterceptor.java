package io.eventstate.flume.interceptor;

import java.util.ArrayList;
import java.util.List;

import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;

/**
 * What every Eventstate interceptor shares: its {@link EventstateCounters} group, started in {@link #initialize()} and
 * stopped in {@link #close()}, and the batch contract of Flume's {@link Interceptor}: each event of the batch goes
 * through {@link #intercept(Event)}, the batch never grows, and an event for which it returns {@code null} (only a
 * configured drop) leaves the batch. A subclass that needs more at start or stop calls {@code super} first.
 */
public abstract class CountingInterceptor implements Interceptor {

  /** The counter group given to the constructor (null when a subclass overrides {@link #counters()}). */
  protected final EventstateCounters counters;

  /** @param counters the interceptor's counter group */
  protected CountingInterceptor(EventstateCounters counters) {
    this.counters = counters;
  }

  /** For a subclass that overrides {@link #counters()}. */
  protected CountingInterceptor() {
    this(null);
  }

  /** The counter group, for tests and embedding; JMX and Flume's HTTP monitoring are the interface for operators. */
  public EventstateCounters counters() {
    return counters;
  }

  @Override
  public void initialize() {
    counters().start();
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    if (events == null) {
      return null;
    }
    // Copy only when an event is dropped: the list a source hands over need not be modifiable.
    List<Event> kept = null;
    int n = events.size();
    for (int i = 0; i < n; i++) {
      Event out = intercept(events.get(i));
      if (out == null) {
        if (kept == null) {
          kept = new ArrayList<>(n - 1);
          kept.addAll(events.subList(0, i));
        }
      } else if (kept != null) {
        kept.add(out);
      }
    }
    return kept != null ? kept : events;
  }

  @Override
  public void close() {
    counters().stop();
  }
}
