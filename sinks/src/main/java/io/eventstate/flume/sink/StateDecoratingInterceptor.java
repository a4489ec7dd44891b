package io.eventstate.flume.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.apache.flume.Context;
import org.apache.flume.Event;
import org.apache.flume.interceptor.Interceptor;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.Cell;
import org.apache.hadoop.hbase.CellUtil;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.eventstate.core.cache.LruCache;
import io.eventstate.core.act.StateDecorationSpec;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rowkey.RowKeyCodec;
import io.eventstate.core.state.StateColumns;
import io.eventstate.flume.interceptor.CountingInterceptor;
import io.eventstate.flume.interceptor.EventstateCounters;
import io.eventstate.flume.interceptor.FlumeConfiguration;

/**
 * Adds each event's entity state, read from the entity's HBase state row, to the event's headers — "HBase queried
 * from the stream". Keys, defaults and header names: {@link StateDecorationSpec}. It lives in the sinks module
 * because it needs the HBase client; install it like the sink.
 *
 * <h2>Configuration</h2>
 * <pre>
 * a1.sources.r1.interceptors = norm state tag
 * a1.sources.r1.interceptors.state.type = io.eventstate.flume.sink.StateDecoratingInterceptor$Builder
 * a1.sources.r1.interceptors.state.table = eventstate
 * a1.sources.r1.interceptors.state.machines = package
 * a1.sources.r1.interceptors.state.counters = events
 * a1.sources.r1.interceptors.state.cacheSize = 10000
 * a1.sources.r1.interceptors.state.cacheTtlMs = 5000
 * a1.sources.r1.interceptors.state.timeoutMs = 500
 * a1.sources.r1.interceptors.state.onError = pass
 * </pre>
 * An event of a package in transit then carries {@code es.state.m.package.state = tracking/in_transit/moving} and
 * {@code es.decorate = decorated}; a tagging rule after it can route on {@code header.es.state.m.package.state}.
 * The state is the one before this event is written (the coprocessor applies the event later, at the sink), and a
 * cached state may be up to {@code cacheTtlMs} old.
 *
 * <h2>Reads and failures</h2>
 * Only events with {@code es.status=valid} are looked at. Per batch, the states not in the cache are read with one
 * multi-get on a small daemon pool, and the source thread waits at most {@code timeoutMs} for it. If the read
 * fails or times out (HBase slow or down), every event that needed it gets the {@code onError} treatment, and
 * HBase is not asked again for {@code retryIntervalMs}, so an outage costs each batch nothing but the headers.
 * {@code intercept} never throws, never drops (gating is a route), never adds events.
 *
 * <h2>Counters</h2> {@code INTERCEPTOR.<name>}: {@code events.in}, {@code events.skipped} (not valid / no entity),
 * {@code events.decorated}, {@code events.nostate} (no state row yet), {@code events.unavailable} (passed
 * undecorated), {@code events.gated}, {@code events.failed}, {@code cache.hits}, {@code cache.misses},
 * {@code cache.size}, {@code cache.evictions}, {@code reads}, {@code read.failures}, {@code read.timeouts}.
 */
public final class StateDecoratingInterceptor extends CountingInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(StateDecoratingInterceptor.class);

  public static final String EVENTS_IN = "events.in";
  public static final String EVENTS_SKIPPED = "events.skipped";
  public static final String EVENTS_DECORATED = "events.decorated";
  public static final String EVENTS_NOSTATE = "events.nostate";
  public static final String EVENTS_UNAVAILABLE = "events.unavailable";
  public static final String EVENTS_GATED = "events.gated";
  public static final String EVENTS_FAILED = "events.failed";
  public static final String CACHE_HITS = "cache.hits";
  public static final String CACHE_MISSES = "cache.misses";
  public static final String CACHE_SIZE = "cache.size";
  public static final String CACHE_EVICTIONS = "cache.evictions";
  public static final String READS = "reads";
  public static final String READ_FAILURES = "read.failures";
  public static final String READ_TIMEOUTS = "read.timeouts";

  /** Marks a cached "no state row". */
  private static final Map<String, byte[]> NO_ROW = Map.of();

  private final StateDecorationSpec spec;
  private final LongSupplier nanoClock;
  private final LruCache<String, Map<String, byte[]>> cache;
  private final EventstateCounters counters;
  private final byte[] family = StateColumns.utf8(StateColumns.STATE_FAMILY);
  private final List<byte[]> qualifiers = new ArrayList<>();
  private ThreadPoolExecutor pool;
  private volatile Connection connection;
  private volatile long retryAtNanos;
  private volatile boolean haveFailed;

  StateDecoratingInterceptor(StateDecorationSpec spec, LongSupplier nanoClock) {
    this.spec = spec;
    this.nanoClock = nanoClock;
    this.cache = new LruCache<>(spec.cacheSize(), TimeUnit.MILLISECONDS.toNanos(spec.cacheTtlMs()), nanoClock);
    this.counters = EventstateCounters.forInterceptor(spec.name(), EVENTS_IN, EVENTS_SKIPPED, EVENTS_DECORATED,
        EVENTS_NOSTATE, EVENTS_UNAVAILABLE, EVENTS_GATED, EVENTS_FAILED, CACHE_HITS, CACHE_MISSES, CACHE_SIZE,
        CACHE_EVICTIONS, READS, READ_FAILURES, READ_TIMEOUTS);
    for (String q : spec.readQualifiers()) {
      qualifiers.add(StateColumns.utf8(q));
    }
  }

  /** The counters, for tests and embedding. */
  @Override
  public EventstateCounters counters() {
    return counters;
  }

  /** Entries in the cache now. */
  public int cacheSize() {
    return cache.size();
  }

  @Override
  public void initialize() {
    super.initialize();
    AtomicInteger n = new AtomicInteger();
    // Two threads, no queue: a read stuck past its timeout leaves one thread for the next batch; beyond that the
    // batch is "unavailable" at once instead of queueing behind hung calls.
    pool = new ThreadPoolExecutor(1, 2, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
      Thread t = new Thread(r, "eventstate-state-" + spec.name() + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  private Connection connection() throws IOException {
    Connection c = connection;
    if (c == null || c.isClosed()) {
      synchronized (this) {
        c = connection;
        if (c == null || c.isClosed()) {
          Configuration conf = HBaseConfiguration.create();
          for (Map.Entry<String, String> e : spec.clientProperties().entrySet()) {
            conf.set(e.getKey(), e.getValue());
          }
          int t = (int) spec.timeoutMs();
          conf.setInt("hbase.client.operation.timeout", t);
          conf.setInt("hbase.rpc.timeout", t);
          conf.setInt("hbase.client.meta.operation.timeout", t);
          c = ConnectionFactory.createConnection(conf);
          connection = c;
        }
      }
    }
    return c;
  }

  /** Reads the state rows (row key → cells, {@link #NO_ROW} when absent). Runs on the pool. */
  private Map<String, Map<String, byte[]>> read(List<String> rows) throws IOException {
    List<Get> gets = new ArrayList<>(rows.size());
    for (String r : rows) {
      Get g = new Get(RowKeyCodec.toBytes(r));
      for (byte[] q : qualifiers) {
        g.addColumn(family, q);
      }
      gets.add(g);
    }
    Map<String, Map<String, byte[]>> out = new HashMap<>();
    try (Table table = connection().getTableBuilder(TableName.valueOf(spec.table()), null)
        .setOperationTimeout((int) spec.timeoutMs()).setRpcTimeout((int) spec.timeoutMs())
        .setReadRpcTimeout((int) spec.timeoutMs()).build()) {
      Result[] results = table.get(gets);
      for (int i = 0; i < results.length; i++) {
        Result r = results[i];
        if (r == null || r.isEmpty()) {
          out.put(rows.get(i), NO_ROW);
          continue;
        }
        Map<String, byte[]> cells = new HashMap<>();
        for (Cell c : r.rawCells()) {
          cells.put(StateColumns.text(CellUtil.cloneQualifier(c)), CellUtil.cloneValue(c));
        }
        out.put(rows.get(i), cells);
      }
    }
    return out;
  }

  @Override
  public Event intercept(Event event) {
    if (event == null) {
      return null;
    }
    intercept(List.of(event));
    return event;
  }

  @Override
  public List<Event> intercept(List<Event> events) {
    if (events == null) {
      return null;
    }
    try {
      decorate(events);
    } catch (Throwable t) {
      try {
        counters.add(EVENTS_FAILED, events.size());
        LOG.warn("State decorator {}: batch passed on undecorated: {}", spec.name(), t.toString());
      } catch (Throwable ignored) {
        // nothing left to do; the events pass on
      }
    }
    return events;
  }

  private void decorate(List<Event> events) {
    counters.add(EVENTS_IN, events.size());
    String[] rowOf = new String[events.size()];
    Map<String, Map<String, byte[]>> states = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Map<String, String> h = events.get(i).getHeaders();
      String type = h == null ? null : h.get(EventHeaders.ENTITY_TYPE);
      String id = h == null ? null : h.get(EventHeaders.ENTITY_ID);
      if (type == null || id == null || !EventHeaders.STATUS_VALID.equals(h.get(EventHeaders.STATUS))) {
        counters.increment(EVENTS_SKIPPED);
        continue;
      }
      String row = RowKeyCodec.stateRowKey(type, id);
      rowOf[i] = row;
      if (states.containsKey(row) || missing.contains(row)) {
        continue;
      }
      Map<String, byte[]> cached = cache.get(row);
      if (cached != null) {
        counters.increment(CACHE_HITS);
        states.put(row, cached);
      } else {
        counters.increment(CACHE_MISSES);
        missing.add(row);
      }
    }
    String failure = null;
    if (!missing.isEmpty()) {
      failure = readInto(missing, states);
    }
    counters.add(CACHE_SIZE, cache.size() - counters.get(CACHE_SIZE));
    counters.add(CACHE_EVICTIONS, cache.evictions() - counters.get(CACHE_EVICTIONS));
    for (int i = 0; i < events.size(); i++) {
      if (rowOf[i] == null) {
        continue;
      }
      Event e = events.get(i);
      Map<String, String> h = e.getHeaders();
      Map<String, String> add = new LinkedHashMap<>();
      Map<String, byte[]> cells = states.get(rowOf[i]);
      boolean gate = false;
      if (cells == null) {
        if (spec.onError() == StateDecorationSpec.OnError.GATE) {
          gate = true;
          add.put(EventHeaders.STATUS, EventHeaders.STATUS_GATED);
          add.put(EventHeaders.ROUTE, spec.gateRoute());
          add.put(EventHeaders.REASON, "state unavailable: " + failure);
          add.put(EventHeaders.STAGE, StateDecorationSpec.STAGE);
          counters.increment(EVENTS_GATED);
        } else {
          counters.increment(EVENTS_UNAVAILABLE);
        }
        add.put(StateDecorationSpec.HEADER_DECORATE, StateDecorationSpec.UNAVAILABLE);
      } else if (cells.isEmpty()) {
        add.put(StateDecorationSpec.HEADER_DECORATE, StateDecorationSpec.NO_STATE);
        counters.increment(EVENTS_NOSTATE);
      } else {
        add.putAll(spec.headersFrom(cells));
        add.put(StateDecorationSpec.HEADER_DECORATE, StateDecorationSpec.DECORATED);
        counters.increment(EVENTS_DECORATED);
      }
      try {
        h.putAll(add);
      } catch (UnsupportedOperationException unmodifiable) {
        Map<String, String> copy = new HashMap<>(h);
        copy.putAll(add);
        e.setHeaders(copy);
      }
      if (gate && LOG.isDebugEnabled()) {
        LOG.debug("State decorator {}: gated {}", spec.name(), h.get(EventHeaders.EVENT_ID));
      }
    }
  }

  /** Reads the missing rows within the timeout; returns null on success, else why not. */
  private String readInto(List<String> missing, Map<String, Map<String, byte[]>> states) {
    long now = nanoClock.getAsLong();
    if (haveFailed && now - retryAtNanos < 0) {
      return "HBase failed recently; next try in " + TimeUnit.NANOSECONDS.toMillis(retryAtNanos - now) + " ms";
    }
    counters.increment(READS);
    Future<Map<String, Map<String, byte[]>>> f;
    try {
      f = pool.submit(() -> read(missing));
    } catch (RejectedExecutionException busy) {
      return markFailed(READ_TIMEOUTS, "earlier reads still hang");
    }
    try {
      Map<String, Map<String, byte[]>> got = f.get(spec.timeoutMs(), TimeUnit.MILLISECONDS);
      for (Map.Entry<String, Map<String, byte[]>> e : got.entrySet()) {
        cache.put(e.getKey(), e.getValue());
        states.put(e.getKey(), e.getValue());
      }
      if (haveFailed) {
        LOG.info("State decorator {}: HBase table {} readable again", spec.name(), spec.table());
      }
      haveFailed = false;
      return null;
    } catch (TimeoutException e) {
      f.cancel(true);
      return markFailed(READ_TIMEOUTS, "no answer within timeoutMs = " + spec.timeoutMs());
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      return markFailed(READ_FAILURES, "interrupted");
    } catch (Exception e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      return markFailed(READ_FAILURES, c.getClass().getSimpleName() + ": " + c.getMessage());
    }
  }

  private String markFailed(String counter, String why) {
    counters.increment(counter);
    if (!haveFailed) {
      LOG.warn("State decorator {}: cannot read HBase table {} ({}); events get onError = {} for at least {} ms",
          spec.name(), spec.table(), why, spec.onError().name().toLowerCase(java.util.Locale.ROOT),
          spec.retryIntervalMs());
    }
    haveFailed = true;
    retryAtNanos = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(spec.retryIntervalMs());
    String msg = why.length() > 200 ? why.substring(0, 200) : why;
    return msg;
  }

  @Override
  public void close() {
    super.close();
    if (pool != null) {
      pool.shutdownNow();
    }
    Connection c = connection;
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.warn("State decorator {}: error closing the HBase connection: {}", spec.name(), e.toString());
      }
    }
  }

  /** Flume builder: {@code type = io.eventstate.flume.sink.StateDecoratingInterceptor$Builder}. */
  public static final class Builder implements Interceptor.Builder {

    private StateDecorationSpec spec;

    public Builder() {
    }

    @Override
    public void configure(Context context) {
      spec = FlumeConfiguration.parse("StateDecoratingInterceptor",
          () -> StateDecorationSpec.parse(context.getParameters()));
    }

    @Override
    public Interceptor build() {
      if (spec == null) {
        throw new IllegalStateException("StateDecoratingInterceptor.Builder.configure(Context) was not called");
      }
      return new StateDecoratingInterceptor(spec, System::nanoTime);
    }
  }
}
