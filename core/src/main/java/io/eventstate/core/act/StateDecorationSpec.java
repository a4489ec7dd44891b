package io.eventstate.core.act;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rowkey.TableSchema;
import io.eventstate.core.state.StateColumns;

/**
 * Configuration of the state decorator ({@code io.eventstate.flume.sink.StateDecoratingInterceptor}), which adds an
 * entity's current state, read from its HBase state row, to each event's headers.
 *
 * <table>
 *   <caption>State decoration keys</caption>
 *   <tr><th>Property</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code table}</td><td>{@code eventstate}</td><td>the Eventstate table</td></tr>
 *   <tr><td>{@code machines}</td><td></td><td>machines whose current state path ({@code s:m.NAME.state}) is added as
 *       {@code <headerPrefix>m.NAME.state}</td></tr>
 *   <tr><td>{@code sessions}</td><td></td><td>sessions whose current id ({@code s:sess.NAME.id}) is added as
 *       {@code <headerPrefix>sess.NAME.id}</td></tr>
 *   <tr><td>{@code counters}</td><td></td><td>counters of the state row, e.g. {@code events,
 *       m.package.c.state.delivered, sess.web.count} ({@code m.MACHINE.c.COUNTER} names one counter of the machine's
 *       counter cell), added in decimal as {@code <headerPrefix><name>}</td></tr>
 *   <tr><td>{@code headerPrefix}</td><td>{@code es.state.}</td><td>prefix of the headers written</td></tr>
 *   <tr><td>{@code cacheSize}</td><td>10000</td><td>entities whose state is cached (LRU)</td></tr>
 *   <tr><td>{@code cacheTtlMs}</td><td>5000</td><td>how long a cached state is used; 0 = no cache</td></tr>
 *   <tr><td>{@code timeoutMs}</td><td>500</td><td>bound of one batch's HBase read; the source thread never waits
 *       longer</td></tr>
 *   <tr><td>{@code retryIntervalMs}</td><td>2000</td><td>after a failed read, HBase is not asked again for this
 *       long: events get the {@code onError} treatment at once</td></tr>
 *   <tr><td>{@code onError}</td><td>{@code pass}</td><td>{@code pass}: the event goes on undecorated with
 *       {@code es.decorate=unavailable}; {@code gate}: it is gated ({@code es.status=gated},
 *       {@code es.route=<gateRoute>}, {@code es.reason}, {@code es.stage=decorate})</td></tr>
 *   <tr><td>{@code gateRoute}</td><td>{@code gated}</td><td>route of gated events</td></tr>
 *   <tr><td>{@code zookeeperQuorum}, {@code znodeParent}, {@code hbase.*}</td><td>hbase-site.xml</td><td>as for
 *       the EventSink</td></tr>
 *   <tr><td>{@code name}</td><td>{@code state}</td><td>counter group ({@code INTERCEPTOR.<name>})</td></tr>
 * </table>
 * At least one of {@code machines}, {@code sessions}, {@code counters} is required.
 */
public record StateDecorationSpec(String name, String table, List<String> machines, List<String> sessions,
    List<String> counters, String headerPrefix, int cacheSize, long cacheTtlMs, long timeoutMs, long retryIntervalMs,
    OnError onError, String gateRoute, SortedMap<String, String> clientProperties) {

  public static final String CONFIG_TABLE = "table";
  public static final String CONFIG_MACHINES = "machines";
  public static final String CONFIG_SESSIONS = "sessions";
  public static final String CONFIG_COUNTERS = "counters";
  public static final String CONFIG_HEADER_PREFIX = "headerPrefix";
  public static final String CONFIG_CACHE_SIZE = "cacheSize";
  public static final String CONFIG_CACHE_TTL_MS = "cacheTtlMs";
  public static final String CONFIG_TIMEOUT_MS = "timeoutMs";
  public static final String CONFIG_RETRY_INTERVAL_MS = "retryIntervalMs";
  public static final String CONFIG_ON_ERROR = "onError";
  public static final String CONFIG_GATE_ROUTE = "gateRoute";
  public static final String CONFIG_ZOOKEEPER_QUORUM = "zookeeperQuorum";
  public static final String CONFIG_ZNODE_PARENT = "znodeParent";
  public static final String CONFIG_NAME = "name";
  public static final String HBASE_PREFIX = "hbase.";

  public static final String DEFAULT_HEADER_PREFIX = "es.state.";
  public static final int DEFAULT_CACHE_SIZE = 10_000;
  public static final long DEFAULT_CACHE_TTL_MS = 5_000;
  public static final long DEFAULT_TIMEOUT_MS = 500;
  public static final long DEFAULT_RETRY_INTERVAL_MS = 2_000;
  public static final String DEFAULT_GATE_ROUTE = "gated";
  public static final String DEFAULT_NAME = "state";

  /** The header saying how decoration went: {@code decorated}, {@code nostate} or {@code unavailable}. */
  public static final String HEADER_DECORATE = EventHeaders.PREFIX + "decorate";
  public static final String DECORATED = "decorated";
  public static final String NO_STATE = "nostate";
  public static final String UNAVAILABLE = "unavailable";
  /** {@code es.stage} of events gated by the decorator. */
  public static final String STAGE = "decorate";

  /** Every exact key {@link #parse(Map)} accepts (besides {@code hbase.*} and Flume's {@code type}). */
  public static final Set<String> KEYS = Set.of(CONFIG_TABLE, CONFIG_MACHINES, CONFIG_SESSIONS, CONFIG_COUNTERS,
      CONFIG_HEADER_PREFIX, CONFIG_CACHE_SIZE, CONFIG_CACHE_TTL_MS, CONFIG_TIMEOUT_MS, CONFIG_RETRY_INTERVAL_MS,
      CONFIG_ON_ERROR, CONFIG_GATE_ROUTE, CONFIG_ZOOKEEPER_QUORUM, CONFIG_ZNODE_PARENT, CONFIG_NAME);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern MACHINE = Pattern.compile("[a-z0-9][a-z0-9_-]*");

  /** What happens to an event whose state cannot be read in time. */
  public enum OnError {
    PASS, GATE
  }

  public StateDecorationSpec {
    machines = List.copyOf(machines);
    sessions = List.copyOf(sessions);
    counters = List.copyOf(counters);
    clientProperties = Collections.unmodifiableSortedMap(new TreeMap<>(clientProperties));
  }

  /** The state-row qualifiers read, text cells first. */
  public List<String> textQualifiers() {
    List<String> q = new ArrayList<>();
    machines.forEach(m -> q.add(StateColumns.machineState(m)));
    sessions.forEach(s -> q.add(StateColumns.sessionId(s)));
    return q;
  }

  /** Every state-row qualifier to read: the text cells, the counter cells, and the machines' counter cells. */
  public List<String> readQualifiers() {
    List<String> q = textQualifiers();
    for (String c : counters) {
      String machine = machineOfCounter(c);
      if (machine != null) {
        String packed = StateColumns.machineCounters(machine);
        if (!q.contains(packed)) {
          q.add(packed);
        }
      }
      q.add(c); // an 8-byte cell (events, too_late, sess.NAME.count; m.MACHINE.c.COUNTER in rows of older writers)
    }
    return q;
  }

  /** The machine of a counter named {@code m.MACHINE.c.COUNTER}, or null. */
  private static String machineOfCounter(String c) {
    if (!c.startsWith(StateColumns.MACHINE_PREFIX)) {
      return null;
    }
    int dot = c.indexOf(".c.", StateColumns.MACHINE_PREFIX.length());
    return dot < 0 ? null : c.substring(StateColumns.MACHINE_PREFIX.length(), dot);
  }

  /**
   * The headers a state row's cells give (only counters and cells present). Counter cells that are not 8 bytes are
   * skipped.
   */
  public Map<String, String> headersFrom(Map<String, byte[]> cells) {
    Map<String, String> out = new TreeMap<>();
    for (String q : textQualifiers()) {
      byte[] v = cells.get(q);
      if (v != null) {
        out.put(headerPrefix + q, StateColumns.text(v));
      }
    }
    Map<String, Map<String, Long>> packed = new TreeMap<>();
    for (String q : counters) {
      String machine = machineOfCounter(q);
      byte[] cell = machine == null ? null : cells.get(StateColumns.machineCounters(machine));
      if (cell != null) {
        Map<String, Long> values = packed.computeIfAbsent(machine, m -> StateColumns.decodeCounters(cell));
        Long v = values.get(q.substring(StateColumns.machineCounterPrefix(machine).length()));
        if (v != null) {
          out.put(headerPrefix + q, Long.toString(v));
        }
        continue;
      }
      byte[] v = cells.get(q);
      if (v != null && v.length == Long.BYTES) {
        out.put(headerPrefix + q, Long.toString(StateColumns.toLong(v)));
      }
    }
    return out;
  }

  /**
   * Parses keys relative to the interceptor.
   *
   * @throws ConfigException naming the key, the bad value and the fix
   */
  public static StateDecorationSpec parse(Map<String, String> config) {
    ConfigReader r = new ConfigReader(null, config).keys(KEYS)
        .prefix(HBASE_PREFIX, HBASE_PREFIX + "* (passed to the HBase client)").ignore("type").rejectUnknown();
    SortedMap<String, String> client = new TreeMap<>(r.under(HBASE_PREFIX));
    if (r.has(CONFIG_ZOOKEEPER_QUORUM)) {
      client.put("hbase.zookeeper.quorum", r.raw(CONFIG_ZOOKEEPER_QUORUM).trim());
    }
    if (r.has(CONFIG_ZNODE_PARENT)) {
      client.put("zookeeper.znode.parent", r.raw(CONFIG_ZNODE_PARENT).trim());
    }
    String name = r.text(CONFIG_NAME, DEFAULT_NAME);
    if (!NAME.matcher(name).matches()) {
      throw r.bad(CONFIG_NAME, "must be letters, digits, '_' or '-' (it names the JMX counter group)");
    }
    String table = r.text(CONFIG_TABLE, TableSchema.DEFAULT_TABLE);
    List<String> machines = names(r, CONFIG_MACHINES);
    List<String> sessions = names(r, CONFIG_SESSIONS);
    List<String> counters = new ArrayList<>();
    for (String c : r.tokens(CONFIG_COUNTERS)) {
      boolean ok = c.equals(StateColumns.EVENTS) || c.equals(StateColumns.TOO_LATE)
          || (c.startsWith(StateColumns.MACHINE_PREFIX) && c.contains(".c."))
          || (c.startsWith(StateColumns.SESSION_PREFIX) && c.endsWith(".count"));
      if (!ok) {
        throw r.bad(CONFIG_COUNTERS, "'" + c + "' is not a counter cell of the state row;"
            + " use events, too_late, m.<machine>.c.<counter> or sess.<session>.count");
      }
      counters.add(c);
    }
    if (machines.isEmpty() && sessions.isEmpty() && counters.isEmpty()) {
      throw r.problem(CONFIG_MACHINES, "keys '" + CONFIG_MACHINES + "', '" + CONFIG_SESSIONS + "' and '"
          + CONFIG_COUNTERS + "' are all empty: name at least one machine, session or counter to add, e.g."
          + " machines = package");
    }
    String prefix = r.has(CONFIG_HEADER_PREFIX) ? r.raw(CONFIG_HEADER_PREFIX) : DEFAULT_HEADER_PREFIX;
    if (prefix.isEmpty() || prefix.contains(" ")) {
      throw r.bad(CONFIG_HEADER_PREFIX, "must be a non-empty header prefix without spaces");
    }
    int cacheSize = r.intValue(CONFIG_CACHE_SIZE, DEFAULT_CACHE_SIZE, 1, 10_000_000);
    long ttl = r.millis(CONFIG_CACHE_TTL_MS, DEFAULT_CACHE_TTL_MS, 0, 86_400_000);
    long timeout = r.millis(CONFIG_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 1, 60_000);
    long retry = r.millis(CONFIG_RETRY_INTERVAL_MS, DEFAULT_RETRY_INTERVAL_MS, 0, 3_600_000);
    OnError onError = OnError.valueOf(r.oneOf(CONFIG_ON_ERROR, "pass", List.of("pass", "gate")).toUpperCase(Locale.ROOT));
    String gateRoute = r.text(CONFIG_GATE_ROUTE, DEFAULT_GATE_ROUTE);
    if (gateRoute.contains(" ") || gateRoute.contains(",")) {
      throw r.bad(CONFIG_GATE_ROUTE, "must be one route value without spaces or commas");
    }
    return new StateDecorationSpec(name, table, machines, sessions, counters, prefix, cacheSize, ttl, timeout, retry,
        onError, gateRoute, client);
  }

  private static List<String> names(ConfigReader r, String key) {
    List<String> out = new ArrayList<>();
    for (String n : r.tokens(key)) {
      if (!MACHINE.matcher(n).matches()) {
        throw r.bad(key, "'" + n + "' is not a machine or session name ([a-z0-9][a-z0-9_-]*)");
      }
      out.add(n);
    }
    return out;
  }
}
