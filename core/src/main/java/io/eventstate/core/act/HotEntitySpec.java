package io.eventstate.core.act;

import io.eventstate.core.config.ConfigReader;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The hot-entity guard's configuration ({@link HotEntityGuard}): which events it looks at, when an entity counts as
 * hot, and the route its events then take. Keys, relative to the interceptor:
 * <table>
 *   <caption>Hot-entity guard keys</caption>
 *   <tr><th>Key</th><th>Default</th><th>Meaning</th></tr>
 *   <tr><td>{@code perSecond}</td><td>0 (off)</td><td>an entity with more events than this within one second of
 *       arrival is hot</td></tr>
 *   <tr><td>{@code perBatch}</td><td>0 (off)</td><td>an entity with more events than this in one batch a source hands
 *       over is hot</td></tr>
 *   <tr><td>{@code hold}</td><td>{@code 10s}</td><td>how long an entity stays hot after its last event over a limit;
 *       while hot, all its events take {@code route}, so they stay in one channel and in order; {@code 0}: only the
 *       events over a limit do</td></tr>
 *   <tr><td>{@code route}</td><td>{@code hot}</td><td>the {@code es.route} value set on the events of a hot entity
 *       (map it to a channel of its own in the selector)</td></tr>
 *   <tr><td>{@code from}</td><td>{@code valid}</td><td>the {@code es.route} values the guard looks at; other events
 *       (dead letters, gated, routed by a rule) pass untouched</td></tr>
 *   <tr><td>{@code entityTypes}</td><td>all</td><td>the entity types the guard looks at</td></tr>
 *   <tr><td>{@code maxEntities}</td><td>100000</td><td>entities whose rate is tracked; beyond, the least recently seen
 *       is forgotten (it starts from zero when it comes back)</td></tr>
 *   <tr><td>{@code name}</td><td>{@code hot-entities}</td><td>names the counter group</td></tr>
 * </table>
 * At least one of {@code perSecond} and {@code perBatch} is required.
 */
public record HotEntitySpec(String name, int perSecond, int perBatch, long holdNanos, String route, Set<String> from,
    Set<String> entityTypes, int maxEntities) {

  public static final String CONFIG_NAME = "name";
  public static final String CONFIG_PER_SECOND = "perSecond";
  public static final String CONFIG_PER_BATCH = "perBatch";
  public static final String CONFIG_HOLD = "hold";
  public static final String CONFIG_ROUTE = "route";
  public static final String CONFIG_FROM = "from";
  public static final String CONFIG_ENTITY_TYPES = "entityTypes";
  public static final String CONFIG_MAX_ENTITIES = "maxEntities";
  public static final String DEFAULT_NAME = "hot-entities";
  public static final String DEFAULT_ROUTE = "hot";
  public static final long DEFAULT_HOLD_NANOS = 10_000_000_000L;
  public static final int DEFAULT_MAX_ENTITIES = 100_000;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern TOKEN = Pattern.compile("[^\\s,]+");

  public HotEntitySpec {
    from = Set.copyOf(from);
    entityTypes = Set.copyOf(entityTypes);
  }

  /**
   * Parses the keys above.
   *
   * @throws io.eventstate.core.config.ConfigException naming the key, the value and the fix
   */
  public static HotEntitySpec parse(Map<String, String> config) {
    ConfigReader r = new ConfigReader(null, config).keys(CONFIG_NAME, CONFIG_PER_SECOND, CONFIG_PER_BATCH, CONFIG_HOLD,
        CONFIG_ROUTE, CONFIG_FROM, CONFIG_ENTITY_TYPES, CONFIG_MAX_ENTITIES).ignore("type").rejectUnknown();
    String name = r.text(CONFIG_NAME, DEFAULT_NAME);
    if (!NAME.matcher(name).matches()) {
      throw r.bad(CONFIG_NAME, "must be letters, digits, '_' or '-' (it names the JMX counter group), e.g. "
          + DEFAULT_NAME);
    }
    int perSecond = r.intValue(CONFIG_PER_SECOND, 0, 0, 10_000_000);
    int perBatch = r.intValue(CONFIG_PER_BATCH, 0, 0, 10_000_000);
    if (perSecond == 0 && perBatch == 0) {
      throw r.missing(CONFIG_PER_SECOND, "set " + CONFIG_PER_SECOND + " (events of one entity per second) or "
          + CONFIG_PER_BATCH + " (events of one entity per source batch), e.g. perSecond = 1000; remove the"
          + " interceptor if no guard is wanted");
    }
    long hold = r.durationNanos(CONFIG_HOLD, DEFAULT_HOLD_NANOS, 0, 86_400_000_000_000L);
    String route = r.text(CONFIG_ROUTE, DEFAULT_ROUTE);
    if (!TOKEN.matcher(route).matches()) {
      throw r.bad(CONFIG_ROUTE, "must be one route value without spaces or commas, the one the selector maps to the"
          + " hot channel, e.g. hot");
    }
    List<String> from = r.has(CONFIG_FROM) ? r.tokens(CONFIG_FROM) : List.of("valid");
    if (from.isEmpty()) {
      throw r.bad(CONFIG_FROM, "lists no route; name the es.route values the guard looks at, e.g. valid");
    }
    if (from.contains(route)) {
      throw r.bad(CONFIG_FROM, "contains the guard's own route '" + route + "'; list the routes of the events it"
          + " looks at, e.g. valid");
    }
    List<String> types = r.has(CONFIG_ENTITY_TYPES) ? r.tokens(CONFIG_ENTITY_TYPES) : List.of();
    int max = r.intValue(CONFIG_MAX_ENTITIES, DEFAULT_MAX_ENTITIES, 1, 100_000_000);
    return new HotEntitySpec(name, perSecond, perBatch, hold, route, Set.copyOf(from), Set.copyOf(types), max);
  }
}
