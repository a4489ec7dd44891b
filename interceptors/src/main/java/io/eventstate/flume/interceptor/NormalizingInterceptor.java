package io.eventstate.flume.interceptor;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;
import org.apache.flume.conf.ConfigurationException;

import io.eventstate.core.config.ConfigException;
import org.apache.flume.interceptor.Interceptor;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.json.JsonMapping;
import io.eventstate.core.json.JsonNormalizer;
import io.eventstate.core.json.NormalizeResult;
import io.eventstate.core.json.NormalizerSpec;

/**
 * Normalizes raw JSON event bodies into canonical headers, keeping the raw body.
 *
 * <p>A valid event gets the canonical headers ({@code es.eventId}, {@code es.entityType}, {@code es.entityId},
 * {@code es.eventType}, {@code es.eventTime} in nanoseconds, {@code es.timeSource}, {@code es.attr.<name>}),
 * Flume's {@code timestamp} header in milliseconds, {@code es.arrivalTime} (when this interceptor saw the event, in
 * milliseconds), {@code es.status=valid} and {@code es.route=<route.valid>}.
 * An event that cannot be normalized keeps its body unchanged and gets {@code es.status=invalid},
 * {@code es.reason} (e.g. {@code time: time '' is an empty string at /time_utc}), {@code es.stage=normalize} and
 * {@code es.route=<route.invalid>}, for a multiplexing channel selector to send to the dead-letter channel.
 * The interceptor never throws and never drops an event; it returns more events than it got only with
 * {@code entity.fanout} (one per entity of a raw event, counted in {@code events.fanout}).
 *
 * <table>
 * <caption>Keys (besides Flume's {@code type})</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code name}</td><td>{@code normalize}</td><td>Counter group name: {@code INTERCEPTOR.<name>} in JMX
 *   and in {@code -Dflume.monitoring.type=http} output.</td></tr>
 * <tr><td>{@code route.valid}</td><td>{@code valid}</td><td>{@code es.route} of valid events.</td></tr>
 * <tr><td>{@code route.invalid}</td><td>{@code deadletter}</td><td>{@code es.route} of invalid events.</td></tr>
 * <tr><td>{@code trustUpstreamHeaders}</td><td>{@code false}</td><td>By default every {@code es.*} header an
 *   event arrives with is removed before normalizing (counted in {@code headers.stripped}), so that an upstream agent
 *   or an HTTP client cannot inject attributes, tags or routes that rules and guards read. {@code true} keeps them (a
 *   trusted upstream tier of your own).</td></tr>
 * <tr><td>every other key</td><td></td><td>{@link NormalizerSpec} (entity, eventType.paths, time.paths, ...).</td></tr>
 * </table>
 *
 * <p>Counters: {@code events.in}, {@code events.valid}, {@code events.invalid}, one per reason class
 * ({@code invalid.json}, {@code invalid.time}, {@code invalid.limit}, {@code invalid.missing_field},
 * {@code invalid.internal}), and {@code time.fallback.header}, {@code time.fallback.arrival}.
 *
 * <pre>
 * a1.sources.r1.interceptors = norm
 * a1.sources.r1.interceptors.norm.type = io.eventstate.flume.interceptor.NormalizingInterceptor$Builder
 * a1.sources.r1.interceptors.norm.name = talk
 * a1.sources.r1.interceptors.norm.entity = user:/user_id, device:/device_id
 * a1.sources.r1.interceptors.norm.eventType.paths = /event_type
 * a1.sources.r1.interceptors.norm.time.paths = /time_utc
 * a1.sources.r1.interceptors.norm.time.format = decimal_seconds
 * a1.sources.r1.selector.type = multiplexing
 * a1.sources.r1.selector.header = es.route
 * a1.sources.r1.selector.mapping.valid = c_valid
 * a1.sources.r1.selector.mapping.deadletter = c_dead
 * </pre>
 *
 * <p>Bad configuration fails in {@code configure()} with a {@link ConfigurationException} whose message names
 * the key, the bad value and the fix.
 */
public class NormalizingInterceptor extends CountingInterceptor {

  /** Counter group name. */
  public static final String CONFIG_NAME = "name";
  /** {@code es.route} value for valid events. */
  public static final String CONFIG_ROUTE_VALID = "route.valid";
  /** {@code es.route} value for invalid events. */
  public static final String CONFIG_ROUTE_INVALID = "route.invalid";
  /** Default of {@link #CONFIG_NAME}. */
  public static final String DEFAULT_NAME = "normalize";
  /** Default of {@link #CONFIG_ROUTE_VALID}. */
  public static final String DEFAULT_ROUTE_VALID = "valid";
  /** Default of {@link #CONFIG_ROUTE_INVALID}. */
  public static final String DEFAULT_ROUTE_INVALID = "deadletter";
  /** The {@code es.stage} value of events this interceptor makes invalid. */
  public static final String STAGE = "normalize";
  /** The {@code es.stage} value of events the source's deserializer refused (kept, counted here). */
  public static final String STAGE_READ = "read";
  /** Keep {@code es.*} headers of incoming events (a trusted upstream tier); by default they are removed. */
  public static final String CONFIG_TRUST_UPSTREAM_HEADERS = "trustUpstreamHeaders";

  public static final String COUNTER_IN = "events.in";
  public static final String COUNTER_VALID = "events.valid";
  public static final String COUNTER_INVALID = "events.invalid";
  /** Prefix of the per-reason-class counters: {@code invalid.json}, {@code invalid.time}, ... */
  public static final String COUNTER_INVALID_PREFIX = "invalid.";
  public static final String COUNTER_FALLBACK_HEADER = "time.fallback.header";
  public static final String COUNTER_FALLBACK_ARRIVAL = "time.fallback.arrival";
  /** Events added by fan-out ({@code entity.fanout}): one raw event gave this many more than one. */
  public static final String COUNTER_FANOUT = "events.fanout";

  private static final Pattern ROUTE = Pattern.compile("[A-Za-z0-9_.\\-]+");

  private final JsonNormalizer normalizer;
  private final String routeValid;
  private final String routeInvalid;
  private final EventstateCounters counters;
  private final Clock clock;
  private final AtomicLong in;
  private final AtomicLong valid;
  private final boolean trustUpstreamHeaders;
  /** Counter of {@code es.*} headers removed from incoming events. */
  public static final String COUNTER_STRIPPED = "headers.stripped";

  NormalizingInterceptor(NormalizerSpec spec, String name, String routeValid, String routeInvalid, Clock clock) {
    this(spec, name, routeValid, routeInvalid, clock, false);
  }

  NormalizingInterceptor(NormalizerSpec spec, String name, String routeValid, String routeInvalid, Clock clock,
      boolean trustUpstreamHeaders) {
    this.trustUpstreamHeaders = trustUpstreamHeaders;
    this.normalizer = new JsonNormalizer(spec);
    this.routeValid = routeValid;
    this.routeInvalid = routeInvalid;
    this.clock = Objects.requireNonNull(clock, "clock");
    String[] names = new String[7 + 2 + NormalizeResult.REASON_CLASSES.size()];
    int i = 0;
    names[i++] = COUNTER_IN;
    names[i++] = COUNTER_VALID;
    names[i++] = COUNTER_INVALID;
    names[i++] = COUNTER_FALLBACK_HEADER;
    names[i++] = COUNTER_FALLBACK_ARRIVAL;
    names[i++] = COUNTER_STRIPPED;
    names[i++] = COUNTER_FANOUT;
    for (String c : NormalizeResult.REASON_CLASSES) {
      names[i++] = COUNTER_INVALID_PREFIX + c;
    }
    this.counters = EventstateCounters.forInterceptor(name, java.util.Arrays.copyOf(names, i));
    this.in = counters.handle(COUNTER_IN);
    this.valid = counters.handle(COUNTER_VALID);
  }

  /** The counter group (for tests and the command line). */
  @Override
  public EventstateCounters counters() {
    return counters;
  }

  /**
   * With {@code entity.fanout}, one raw event may become several (one per entity, each with the raw body); otherwise
   * one out per event in, as {@link CountingInterceptor#intercept(List)}.
   */
  @Override
  public List<Event> intercept(List<Event> events) {
    if (events == null || !normalizer.spec().fanout()) {
      return super.intercept(events);
    }
    List<Event> out = new ArrayList<>(events.size() * 2);
    for (Event e : events) {
      if (e == null) {
        continue;
      }
      Map<String, String> original = e.getHeaders() == null ? new HashMap<>() : new HashMap<>(e.getHeaders());
      pending = null;
      out.add(intercept(e));
      if (pending != null) {
        for (NormalizeResult r : pending) {
          Map<String, String> h = new HashMap<>(original);
          if (!trustUpstreamHeaders) {
            h.keySet().removeIf(k -> k.startsWith(EventHeaders.PREFIX));
          }
          apply(r, h, clock.millis());
          out.add(EventBuilder.withBody(e.getBody(), h));
          counters.increment(COUNTER_FANOUT);
        }
        pending = null;
      }
    }
    return out;
  }

  /** The fan-out results after the first of the event being intercepted (single-threaded, like Flume's interceptors). */
  private List<NormalizeResult> pending;

  @Override
  public Event intercept(Event event) {
    if (event == null) {
      return null;
    }
    Map<String, String> headers = event.getHeaders();
    if (headers == null) {
      headers = new HashMap<>();
      event.setHeaders(headers);
    }
    in.incrementAndGet();
    try {
      return mark(event, headers, true);
    } catch (UnsupportedOperationException e) {
      // read-only headers from some source: work on a copy
      Map<String, String> copy = new HashMap<>(headers);
      event.setHeaders(copy);
      return mark(event, copy, false);
    }
  }

  private Event mark(Event event, Map<String, String> headers, boolean readOnlyMayThrow) {
    try {
      String readReason = readVerdict(headers);
      if (!trustUpstreamHeaders) {
        stripUpstream(headers);
      }
      if (readReason != null) {
        // the source's deserializer refused the bytes (an over-long line): keep its reason, never parse a part
        int colon = readReason.indexOf(':');
        String cls = colon > 0 ? readReason.substring(0, colon) : NormalizeResult.LIMIT;
        markInvalid(headers, NormalizeResult.REASON_CLASSES.contains(cls) ? cls : NormalizeResult.LIMIT, readReason,
            STAGE_READ);
        return event;
      }
      long arrival = clock.millis();
      NormalizeResult r;
      if (normalizer.spec().fanout()) {
        List<NormalizeResult> all = normalizer.normalizeAll(event.getBody(), headers, arrival);
        r = all.get(0);
        pending = all.size() > 1 ? all.subList(1, all.size()) : null;
      } else {
        r = normalizer.normalize(event.getBody(), headers, arrival);
      }
      apply(r, headers, arrival);
    } catch (UnsupportedOperationException t) {
      if (readOnlyMayThrow) {
        throw t;
      }
      markInvalid(headers, NormalizeResult.INTERNAL, NormalizeResult.INTERNAL + ": " + t);
    } catch (Throwable t) {
      // never let one event break the batch: it is kept, marked and counted
      markInvalid(headers, NormalizeResult.INTERNAL, NormalizeResult.INTERNAL + ": " + t);
    }
    return event;
  }

  private void apply(NormalizeResult r, Map<String, String> headers, long arrival) {
    if (r.isValid()) {
      CanonicalEvent e = r.event();
      if (!headers.isEmpty()) {
        // an event normalized again (replayed from a dead-letter store, say) loses its old verdict
        headers.remove(EventHeaders.REASON);
        headers.remove(EventHeaders.STAGE);
      }
      EventHeaders.write(e, headers);
      headers.put(EventHeaders.ARRIVAL_TIME, Long.toString(arrival));
      headers.put(EventHeaders.STATUS, EventHeaders.STATUS_VALID);
      headers.put(EventHeaders.ROUTE, routeValid);
      valid.incrementAndGet();
      if (e.timeSource() == TimeSource.HEADER) {
        counters.increment(COUNTER_FALLBACK_HEADER);
      } else if (e.timeSource() == TimeSource.ARRIVAL) {
        counters.increment(COUNTER_FALLBACK_ARRIVAL);
      }
    } else {
      markInvalid(headers, r.reasonClass(), r.reason());
    }
  }

  /** The reason of a read-stage refusal set by {@link JsonLineDeserializer}, or null. */
  private static String readVerdict(Map<String, String> headers) {
    if (headers.isEmpty() || !STAGE_READ.equals(headers.get(EventHeaders.STAGE))
        || !EventHeaders.STATUS_INVALID.equals(headers.get(EventHeaders.STATUS))) {
      return null;
    }
    String r = headers.get(EventHeaders.REASON);
    return r == null ? NormalizeResult.LIMIT + ": refused by the source's deserializer" : r;
  }

  /**
   * Removes every {@code es.*} header an event arrived with: only this interceptor sets them, so an upstream agent (an
   * Avro source) or an HTTP client cannot inject attributes, tags or routes that rules and guards would read.
   */
  private void stripUpstream(Map<String, String> headers) {
    if (headers.isEmpty()) {
      return;
    }
    int removed = 0;
    java.util.Iterator<String> it = headers.keySet().iterator();
    while (it.hasNext()) {
      if (it.next().startsWith(EventHeaders.PREFIX)) {
        it.remove();
        removed++;
      }
    }
    if (removed > 0) {
      counters.add(COUNTER_STRIPPED, removed);
    }
  }

  private void markInvalid(Map<String, String> headers, String reasonClass, String reason) {
    markInvalid(headers, reasonClass, reason, STAGE);
  }

  private void markInvalid(Map<String, String> headers, String reasonClass, String reason, String stage) {
    headers.put(EventHeaders.STATUS, EventHeaders.STATUS_INVALID);
    headers.put(EventHeaders.REASON, reason);
    headers.put(EventHeaders.STAGE, stage);
    headers.put(EventHeaders.ROUTE, routeInvalid);
    try {
      counters.increment(COUNTER_INVALID);
      counters.increment(COUNTER_INVALID_PREFIX + reasonClass);
    } catch (RuntimeException e) {
      // an undeclared counter is a bug caught by the tests; the event is marked regardless
    }
  }

  /** Builds the interceptor; {@code configure} validates every key, {@code build} only constructs. */
  public static class Builder implements Interceptor.Builder {

    private NormalizerSpec spec;
    private String name = DEFAULT_NAME;
    private String routeValid = DEFAULT_ROUTE_VALID;
    private String routeInvalid = DEFAULT_ROUTE_INVALID;
    private Clock clock = Clock.systemUTC();
    private boolean trust;

    public Builder() {
    }

    @Override
    public void configure(Context context) {
      Map<String, String> props = new HashMap<>(context.getParameters());
      props.remove("type"); // Flume's own key
      String n = props.remove(CONFIG_NAME);
      String rv = props.remove(CONFIG_ROUTE_VALID);
      String ri = props.remove(CONFIG_ROUTE_INVALID);
      String tu = props.remove(CONFIG_TRUST_UPSTREAM_HEADERS);
      if (tu == null || tu.trim().equalsIgnoreCase("false")) {
        trust = false;
      } else if (tu.trim().equalsIgnoreCase("true")) {
        trust = true;
      } else {
        throw new ConfigurationException("NormalizingInterceptor: key '" + CONFIG_TRUST_UPSTREAM_HEADERS
            + "' value was set to '" + tu + "': must be true or false");
      }
      name = n == null ? DEFAULT_NAME : checked(CONFIG_NAME, n);
      routeValid = rv == null ? DEFAULT_ROUTE_VALID : checked(CONFIG_ROUTE_VALID, rv);
      routeInvalid = ri == null ? DEFAULT_ROUTE_INVALID : checked(CONFIG_ROUTE_INVALID, ri);
      spec = FlumeConfiguration.parse("NormalizingInterceptor '" + name + "'", () -> NormalizerSpec.parse(
          JsonMapping.withFile(props, NormalizerSpec::isKey), JsonMapping.baseDir(props)));
    }

    private static String checked(String key, String value) {
      String v = value.trim();
      if (!ROUTE.matcher(v).matches()) {
        throw new ConfigurationException(ConfigException.badValue("NormalizingInterceptor", key, value,
            "use letters, digits, '_', '.' and '-' only (it is matched by selectors and shown in JMX)").getMessage());
      }
      return v;
    }

    /** For tests: the arrival clock. */
    Builder clock(Clock c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    @Override
    public Interceptor build() {
      if (spec == null) {
        throw new IllegalStateException("NormalizingInterceptor.Builder.build() before configure()");
      }
      return new NormalizingInterceptor(spec, name, routeValid, routeInvalid, clock, trust);
    }
  }
}
