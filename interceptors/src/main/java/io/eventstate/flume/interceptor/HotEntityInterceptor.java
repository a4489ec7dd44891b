package io.eventstate.flume.interceptor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;

import io.eventstate.core.act.HotEntityGuard;
import io.eventstate.core.act.HotEntitySpec;

/**
 * The hot-entity guard as a Flume interceptor: after the normalizing (and tagging) interceptors, it sets
 * {@code es.route = hot} on the events of entities over a per-entity rate or per-batch limit, and Flume's multiplexing
 * selector sends them to a channel of their own, drained by an {@code EventSink} of its own into the same table.
 * Counted, never dropped. Keys and behaviour: {@link HotEntitySpec}, {@link HotEntityGuard}.
 *
 * <pre>
 * a1.sources.r1.interceptors = normalize tag hot
 * a1.sources.r1.interceptors.hot.type = io.eventstate.flume.interceptor.HotEntityInterceptor$Builder
 * a1.sources.r1.interceptors.hot.perSecond = 1000
 * a1.sources.r1.interceptors.hot.perBatch = 200
 * a1.sources.r1.selector.mapping.hot = events_hot
 * </pre>
 * Counters (JMX {@code org.apache.flume.interceptor:type=<name>}, HTTP monitoring {@code INTERCEPTOR.<name>}):
 * {@code events.in}, {@code events.looked} (events the guard looked at), {@code events.diverted} (routed to the hot
 * channel), {@code entities.hot} (times an entity became hot; with {@code hold = 0}, once per batch it is over a
 * limit).
 */
public final class HotEntityInterceptor extends CountingInterceptor {

  public static final String EVENTS_IN = "events.in";
  public static final String EVENTS_LOOKED = "events.looked";
  public static final String EVENTS_DIVERTED = "events.diverted";
  public static final String ENTITIES_HOT = "entities.hot";

  private final HotEntityGuard guard;
  private final EventstateCounters counters;

  HotEntityInterceptor(HotEntityGuard guard) {
    this.guard = guard;
    this.counters = EventstateCounters.forInterceptor(guard.spec().name(), EVENTS_IN, EVENTS_LOOKED, EVENTS_DIVERTED,
        ENTITIES_HOT);
  }

  @Override
  public EventstateCounters counters() {
    return counters;
  }

  @Override
  public Event intercept(Event event) {
    if (event != null) {
      apply(List.of(event));
    }
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    if (events != null && !events.isEmpty()) {
      apply(events);
    }
    return events;
  }

  private void apply(List<Event> events) {
    List<Map<String, String>> headers = new ArrayList<>(events.size());
    for (Event e : events) {
      Map<String, String> h = e.getHeaders();
      if (!(h instanceof HashMap || h instanceof java.util.TreeMap)) {
        // absent, or of a kind that may refuse changes: the guard writes into a copy
        h = h == null ? new HashMap<>() : new HashMap<>(h);
        e.setHeaders(h);
      }
      headers.add(h);
    }
    HotEntityGuard.Outcome o = guard.apply(headers);
    counters.add(EVENTS_IN, events.size());
    counters.add(EVENTS_LOOKED, o.looked());
    counters.add(EVENTS_DIVERTED, o.diverted());
    counters.add(ENTITIES_HOT, o.becameHot());
  }

  /** Flume builder: {@code type = io.eventstate.flume.interceptor.HotEntityInterceptor$Builder}. */
  public static final class Builder implements Interceptor.Builder {

    private HotEntitySpec spec;

    public Builder() {
    }

    @Override
    public void configure(Context context) {
      spec = FlumeConfiguration.parse("HotEntityInterceptor", () -> HotEntitySpec.parse(context.getParameters()));
    }

    @Override
    public Interceptor build() {
      if (spec == null) {
        throw new IllegalStateException("HotEntityInterceptor.Builder.configure(Context) was not called");
      }
      return new HotEntityInterceptor(new HotEntityGuard(spec, System::nanoTime));
    }
  }
}
