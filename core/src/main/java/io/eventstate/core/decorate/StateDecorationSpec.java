package io.eventstate.core.decorate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

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

  private static final Set<String> KNOWN = Set.of(CONFIG_TABLE, CONFIG_MACHINES, CONFIG_SESSIONS, CONFIG_COUNTERS,
      CONFIG_HEADER_PREFIX, CONFIG_CACHE_SIZE, CONFIG_CACHE_TTL_MS, CONFIG_TIMEOUT_MS, CONFIG_RETRY_INTERVAL_MS,
      CONFIG_ON_ERROR, CONFIG_GATE_ROUTE, CONFIG_ZOOKEEPER_QUORUM, CONFIG_ZNODE_PARENT, CONFIG_NAME, "type");
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

  /** Parses keys relative to the interceptor. */
  public static StateDecorationSpec parse(Map<String, String> config) {
    Map<String, String> conf = new TreeMap<>(config);
    SortedMap<String, String> client = new TreeMap<>();
    for (Map.Entry<String, String> e : conf.entrySet()) {
      String k = e.getKey();
      if (k.startsWith(HBASE_PREFIX)) {
        client.put(k, e.getValue());
      } else if (!KNOWN.contains(k)) {
        throw new IllegalArgumentException("unknown key '" + k + "' (value '" + e.getValue() + "'); valid keys are "
            + new TreeSet<>(KNOWN) + " and hbase.* (keys are case-sensitive)");
      }
    }
    if (conf.containsKey(CONFIG_ZOOKEEPER_QUORUM)) {
      client.put("hbase.zookeeper.quorum", conf.get(CONFIG_ZOOKEEPER_QUORUM).trim());
    }
    if (conf.containsKey(CONFIG_ZNODE_PARENT)) {
      client.put("zookeeper.znode.parent", conf.get(CONFIG_ZNODE_PARENT).trim());
    }
    String name = conf.getOrDefault(CONFIG_NAME, DEFAULT_NAME).trim();
    if (!NAME.matcher(name).matches()) {
      throw LookupSpec.error(CONFIG_NAME, name, "must be letters, digits, '_' or '-' (it names the JMX counter group)");
    }
    String table = conf.getOrDefault(CONFIG_TABLE, TableSchema.DEFAULT_TABLE).trim();
    if (table.isEmpty()) {
      throw LookupSpec.error(CONFIG_TABLE, table, "name the Eventstate table, e.g. eventstate");
    }
    List<String> machines = names(conf, CONFIG_MACHINES);
    List<String> sessions = names(conf, CONFIG_SESSIONS);
    List<String> counters = new ArrayList<>();
    String counterText = conf.get(CONFIG_COUNTERS);
    if (counterText != null) {
      for (String c : counterText.split("[\\s,]+")) {
        if (c.isEmpty()) {
          continue;
        }
        boolean ok = c.equals(StateColumns.EVENTS) || c.equals(StateColumns.TOO_LATE)
            || (c.startsWith(StateColumns.MACHINE_PREFIX) && c.contains(".c."))
            || (c.startsWith(StateColumns.SESSION_PREFIX) && c.endsWith(".count"));
        if (!ok) {
          throw LookupSpec.error(CONFIG_COUNTERS, counterText, "'" + c + "' is not a counter cell of the state row;"
              + " use events, too_late, m.<machine>.c.<counter> or sess.<session>.count");
        }
        counters.add(c);
      }
    }
    if (machines.isEmpty() && sessions.isEmpty() && counters.isEmpty()) {
      throw new IllegalArgumentException("keys '" + CONFIG_MACHINES + "', '" + CONFIG_SESSIONS + "' and '"
          + CONFIG_COUNTERS + "' are all empty: name at least one machine, session or counter to add, e.g."
          + " machines = package");
    }
    String prefix = conf.getOrDefault(CONFIG_HEADER_PREFIX, DEFAULT_HEADER_PREFIX);
    if (prefix.isEmpty() || prefix.contains(" ")) {
      throw LookupSpec.error(CONFIG_HEADER_PREFIX, prefix, "must be a non-empty header prefix without spaces");
    }
    int cacheSize = (int) LookupSpec.longValue(conf, CONFIG_CACHE_SIZE, DEFAULT_CACHE_SIZE, 1, 10_000_000);
    long ttl = LookupSpec.longValue(conf, CONFIG_CACHE_TTL_MS, DEFAULT_CACHE_TTL_MS, 0, 86_400_000);
    long timeout = LookupSpec.longValue(conf, CONFIG_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, 1, 60_000);
    long retry = LookupSpec.longValue(conf, CONFIG_RETRY_INTERVAL_MS, DEFAULT_RETRY_INTERVAL_MS, 0, 3_600_000);
    String onErrorText = conf.getOrDefault(CONFIG_ON_ERROR, "pass").trim().toLowerCase(Locale.ROOT);
    OnError onError = switch (onErrorText) {
      case "pass" -> OnError.PASS;
      case "gate" -> OnError.GATE;
      default -> throw LookupSpec.error(CONFIG_ON_ERROR, conf.get(CONFIG_ON_ERROR),
          "must be pass (undecorated, es.decorate=unavailable) or gate (es.status=gated, es.route=<gateRoute>)");
    };
    String gateRoute = conf.getOrDefault(CONFIG_GATE_ROUTE, DEFAULT_GATE_ROUTE).trim();
    if (gateRoute.isEmpty() || gateRoute.contains(" ") || gateRoute.contains(",")) {
      throw LookupSpec.error(CONFIG_GATE_ROUTE, gateRoute, "must be one route value without spaces or commas");
    }
    return new StateDecorationSpec(name, table, machines, sessions, counters, prefix, cacheSize, ttl, timeout, retry,
        onError, gateRoute, client);
  }

  private static List<String> names(Map<String, String> conf, String key) {
    List<String> out = new ArrayList<>();
    String v = conf.get(key);
    if (v == null) {
      return out;
    }
    for (String n : v.split("[\\s,]+")) {
      if (n.isEmpty()) {
        continue;
      }
      if (!MACHINE.matcher(n).matches()) {
        throw LookupSpec.error(key, v, "'" + n + "' is not a machine or session name ([a-z0-9][a-z0-9_-]*)");
      }
      out.add(n);
    }
    return out;
  }
}
