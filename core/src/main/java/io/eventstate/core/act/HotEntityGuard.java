package io.eventstate.core.act;

import io.eventstate.core.cache.LruCache;
import io.eventstate.core.event.EventHeaders;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides which events of hot entities take a route of their own ({@link HotEntitySpec}). An entity is hot when it
 * has more than {@code perSecond} events within one second of arrival (a window that starts at its first event and
 * restarts at the first event after it ends), or more than {@code perBatch} events in one batch a source hands
 * over; it stays hot for {@code hold} after its last event over a limit. While it is hot, every event of it gets
 * {@code es.route = route}: the events go to a channel of their own, drained by a sink of their own, so that one
 * entity's flood neither holds up the other entities' batches nor makes several sinks wait for its state-row lock.
 * Nothing is dropped: the hot channel's sink writes the events to the same table; an event that reaches the table
 * after later events of its entity is a late event, replayed by the state observer within the allowed lateness.
 *
 * <p>Thread-safe (an HTTP source calls its interceptors from several threads). The rates are those of one agent.
 */
public final class HotEntityGuard {

  /**
   * What {@link #apply} did to a batch.
   *
   * @param looked    events the guard looked at
   * @param diverted  events given the hot route
   * @param becameHot entities that turned hot in the batch (with hold 0, every entity over a limit in it)
   */
  public record Outcome(int looked, int diverted, int becameHot) {
  }

  private static final long SECOND = 1_000_000_000L;

  private static final class Rate {
    long windowStart;
    int inWindow;
    long hotUntil = Long.MIN_VALUE;
  }

  private final HotEntitySpec spec;
  private final LongSupplier nanoClock;
  private final LruCache<String, Rate> rates;

  public HotEntityGuard(HotEntitySpec spec, LongSupplier nanoClock) {
    this.spec = spec;
    this.nanoClock = nanoClock;
    this.rates = new LruCache<>(spec.maxEntities());
  }

  public HotEntitySpec spec() {
    return spec;
  }

  /**
   * Looks at one source batch (the headers of each event, in order) and sets {@code es.route} on the events of hot
   * entities. Headers of events the guard does not look at (see {@link HotEntitySpec#from()},
   * {@link HotEntitySpec#entityTypes()}) are left alone.
   */
  public Outcome apply(List<Map<String, String>> batch) {
    Map<String, Integer> inBatch = new HashMap<>();
    Set<String> turnedHot = new HashSet<>();
    int looked = 0;
    int diverted = 0;
    int becameHot = 0;
    long now = nanoClock.getAsLong();
    for (Map<String, String> headers : batch) {
      String key = keyOf(headers);
      if (key == null) {
        continue;
      }
      looked++;
      int n = inBatch.merge(key, 1, Integer::sum);
      int verdict = decide(key, n, now);
      if (verdict != 0) {
        headers.put(EventHeaders.ROUTE, spec.route());
        diverted++;
        if (verdict == 2 && turnedHot.add(key)) { // with hold 0 every event over a limit says 2: count it once
          becameHot++;
        }
      }
    }
    return new Outcome(looked, diverted, becameHot);
  }

  /** The entity of an event the guard looks at, or null. */
  private String keyOf(Map<String, String> headers) {
    String route = headers.get(EventHeaders.ROUTE);
    if (route == null || !spec.from().contains(route)) {
      return null;
    }
    String type = headers.get(EventHeaders.ENTITY_TYPE);
    String id = headers.get(EventHeaders.ENTITY_ID);
    if (type == null || id == null || !spec.entityTypes().isEmpty() && !spec.entityTypes().contains(type)) {
      return null;
    }
    return type + ':' + id;
  }

  /** 0: not hot; 1: hot; 2: hot from this event on. */
  private synchronized int decide(String key, int inBatch, long now) {
    Rate r = rates.get(key);
    if (r == null) {
      r = new Rate();
      r.windowStart = now;
      rates.put(key, r);
    }
    if (now - r.windowStart >= SECOND) {
      r.windowStart = now;
      r.inWindow = 0;
    }
    r.inWindow++;
    boolean over = spec.perSecond() > 0 && r.inWindow > spec.perSecond()
        || spec.perBatch() > 0 && inBatch > spec.perBatch();
    boolean wasHot = now < r.hotUntil;
    if (over) {
      r.hotUntil = Math.max(r.hotUntil, now + spec.holdNanos());
      return wasHot ? 1 : 2;
    }
    return wasHot ? 1 : 0;
  }

  /** Entities whose rate is tracked now. */
  public int tracked() {
    return rates.size();
  }
}
