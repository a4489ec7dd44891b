package io.eventstate.flume.interceptor;

import java.util.HashMap;
import java.util.Map;

import org.apache.flume.Event;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.eventstate.core.act.LookupDecorator;
import io.eventstate.core.act.LookupSpec;
import io.eventstate.core.act.LookupTable;
import io.eventstate.core.config.ConfigException;

/**
 * Decorates events from a CSV or JSON lookup file keyed by an event field (e.g. {@code entityId} → plan,
 * region). The keys, formats and bounds are documented in {@link LookupSpec}; the reload rules in
 * {@link LookupDecorator}.
 *
 * <h2>Configuration</h2>
 * <pre>
 * a1.sources.r1.interceptors = norm plans tag
 * a1.sources.r1.interceptors.plans.type = io.eventstate.flume.interceptor.LookupInterceptor$Builder
 * a1.sources.r1.interceptors.plans.name = plans
 * a1.sources.r1.interceptors.plans.file = /etc/flume/lookup/plans.csv
 * a1.sources.r1.interceptors.plans.key = entityId
 * a1.sources.r1.interceptors.plans.columns = plan,region
 * a1.sources.r1.interceptors.plans.reloadIntervalSec = 30
 * a1.sources.r1.interceptors.plans.maxEntries = 100000
 * </pre>
 * With the default {@code headerPrefix = es.attr.}, {@code plan} becomes the attribute header
 * {@code es.attr.plan}: the sink stores it with the event and a later tagging rule can test {@code attr.plan}.
 *
 * <h2>Start-up and reloads</h2>
 * {@code configure()} parses the keys and loads the file; a missing (unless {@code ifMissing = wait}), malformed
 * or oversized file fails the component with the key, the value and the fix. Afterwards the file is checked on the event path at most every
 * {@code reloadIntervalSec} (no background thread); a changed file that fails to load or exceeds
 * {@code maxEntries}/{@code maxBytes} is refused, logged at ERROR, counted in {@code reload.refused}, and the
 * previous table stays in use.
 *
 * <h2>Counters</h2> {@code INTERCEPTOR.<name>}: {@code events.in}, {@code events.decorated}, {@code events.missed}
 * (key present, no entry), {@code events.nokey} (no key header), {@code events.failed}, {@code reloads},
 * {@code reload.refused}, {@code table.entries} (size of the table in use).
 *
 * <p>{@code intercept} never throws, never drops and never adds events; a failure leaves the event undecorated
 * and counts {@code events.failed}.
 */
public final class LookupInterceptor extends CountingInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(LookupInterceptor.class);

  public static final String EVENTS_IN = "events.in";
  public static final String EVENTS_DECORATED = "events.decorated";
  public static final String EVENTS_MISSED = "events.missed";
  public static final String EVENTS_NOKEY = "events.nokey";
  public static final String EVENTS_FAILED = "events.failed";
  public static final String RELOADS = "reloads";
  public static final String RELOAD_REFUSED = "reload.refused";
  public static final String TABLE_ENTRIES = "table.entries";

  private final LookupDecorator decorator;

  private LookupInterceptor(LookupDecorator decorator, EventstateCounters counters) {
    super(counters);
    this.decorator = decorator;
  }

  static LookupInterceptor create(LookupSpec spec) {
    EventstateCounters counters = EventstateCounters.forInterceptor(spec.name(), EVENTS_IN, EVENTS_DECORATED,
        EVENTS_MISSED, EVENTS_NOKEY, EVENTS_FAILED, RELOADS, RELOAD_REFUSED, TABLE_ENTRIES);
    LookupDecorator.Listener listener = new LookupDecorator.Listener() {
      @Override
      public void reloaded(LookupTable table) {
        counters.increment(RELOADS);
        counters.add(TABLE_ENTRIES, table.size() - counters.get(TABLE_ENTRIES));
        LOG.info("Lookup {}: reloaded {} ({} entries, {} bytes)", spec.name(), spec.file(), table.size(),
            table.sourceBytes());
      }

      @Override
      public void refused(String reason) {
        counters.increment(RELOAD_REFUSED);
        LOG.error("Lookup {}: {}", spec.name(), reason);
      }
    };
    try {
      LookupDecorator d = new LookupDecorator(spec, System::nanoTime, listener);
      if (spec.waitForFile() && !java.nio.file.Files.exists(spec.file())) {
        LOG.warn("Lookup {}: {} does not exist (ifMissing = wait): events pass undecorated until it appears",
            spec.name(), spec.file().toAbsolutePath());
      }
      return new LookupInterceptor(d, counters);
    } catch (LookupTable.LookupException e) {
      throw ConfigException.badValue(null, LookupSpec.CONFIG_FILE, spec.file().toString(), e.getMessage(), e);
    }
  }

  @Override
  public void initialize() {
    super.initialize();
    counters.add(TABLE_ENTRIES, decorator.table().size());
  }

  @Override
  public Event intercept(Event event) {
    if (event != null) {
      counters.increment(EVENTS_IN);
      decorate(event);
    }
    return event;
  }

  /** Decorates the event's headers in place (a copy when they cannot change); never throws. */
  private void decorate(Event event) {
    try {
      Map<String, String> headers = event.getHeaders();
      LookupDecorator.Outcome outcome;
      try {
        outcome = decorator.decorate(headers);
      } catch (UnsupportedOperationException unmodifiable) {
        Map<String, String> copy = new HashMap<>(headers);
        outcome = decorator.decorate(copy);
        event.setHeaders(copy);
      }
      switch (outcome) {
        case DECORATED -> counters.increment(EVENTS_DECORATED);
        case MISSED -> counters.increment(EVENTS_MISSED);
        default -> counters.increment(EVENTS_NOKEY);
      }
    } catch (Throwable t) {
      try {
        counters.increment(EVENTS_FAILED);
      } catch (Throwable ignored) {
        // the event must pass on regardless
      }
    }
  }

  /** Flume builder: {@code type = io.eventstate.flume.interceptor.LookupInterceptor$Builder}. */
  public static final class Builder extends SpecBuilder<LookupInterceptor> {

    public Builder() {
      super("LookupInterceptor", c -> create(LookupSpec.parse(c.getParameters())), i -> i);
    }
  }
}
