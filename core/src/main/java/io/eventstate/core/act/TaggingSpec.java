package io.eventstate.core.act;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.rule.Condition;

/**
 * Configuration of the tagging stage: ordered rules over an event's headers that add tags, set the route
 * header read by Flume's multiplexing channel selector, gate an event to a channel the user names, or —
 * only when configured explicitly — drop it. No scripting: every condition is a {@link Condition}.
 *
 * <h2>Keys (relative to the interceptor)</h2>
 * <table>
 *   <caption>Tagging keys</caption>
 *   <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 *   <tr><td>{@code rules}</td><td>(required)</td><td>Rule names in evaluation order, separated by spaces or commas.</td></tr>
 *   <tr><td>{@code rules.<r>.if}</td><td>(required)</td><td>A condition {@code <field> <operator> [value]}.</td></tr>
 *   <tr><td>{@code rules.<r>.if.<n>}</td><td>none</td><td>Further conditions; all conditions of a rule must hold (AND).</td></tr>
 *   <tr><td>{@code rules.<r>.tag}</td><td>none</td><td>Tags to add to {@code es.tags}, comma separated.</td></tr>
 *   <tr><td>{@code rules.<r>.route}</td><td>none</td><td>Value for {@code es.route}; a later matching rule overrides it.</td></tr>
 *   <tr><td>{@code rules.<r>.gate}</td><td>none</td><td>Gate the event: {@code es.status=gated}, {@code es.route=<value>},
 *       {@code es.reason=rule <r>}, {@code es.stage=tag}. Ends the evaluation.</td></tr>
 *   <tr><td>{@code rules.<r>.drop}</td><td>false</td><td>{@code true} drops the event (counted). Ends the evaluation.</td></tr>
 *   <tr><td>{@code rules.<r>.stop}</td><td>false</td><td>{@code true} ends the evaluation when this rule matches.</td></tr>
 *   <tr><td>{@code applyTo}</td><td>{@code valid}</td><td>{@code valid}: rules see only events whose {@code es.status} is
 *       {@code valid}; the others pass untouched and keep their dead-letter route. {@code all}: every event.</td></tr>
 *   <tr><td>{@code deadLetterRoute}</td><td>{@code deadletter}</td><td>{@code es.route} of an event the stage failed on.</td></tr>
 *   <tr><td>{@code name}</td><td>{@code tagging}</td><td>Name of the counter group ({@code INTERCEPTOR.<name>} in JMX).</td></tr>
 * </table>
 * Flume's own {@code type} key is accepted and ignored; every other key is an error. The keys are read by the one
 * {@link ConfigReader}; every problem is a {@link ConfigException} naming the key, the value and the fix.
 *
 * <h2>Fields</h2>
 * {@code eventId}, {@code entityType}, {@code entityId}, {@code eventType}, {@code eventTime}, {@code timeSource},
 * {@code status}, {@code route}, {@code reason}, {@code stage}, {@code tags} read the canonical headers
 * ({@code es.<field>}); {@code attr.<name>} reads the attribute header {@code es.attr.<name>};
 * {@code header.<name>} reads any Flume header by its exact name (e.g. {@code header.host}).
 *
 * <h2>Evaluation</h2>
 * Rules run in the listed order. Conditions read the headers as the event arrived at this stage, not
 * the effects of earlier rules. Every matching rule adds its tags; the route of the last matching rule
 * wins; the first matching rule that gates or drops ends the evaluation, as does a matching rule with
 * {@code stop = true} (use it for first-match semantics).
 *
 * <h2>Example</h2>
 * <pre>
 * rules = testers hot spam
 * rules.testers.if = attr.test_user equals true
 * rules.testers.route = sampling
 * rules.testers.stop = true
 * rules.hot.if = attr.degrees_fahrenheit &gt; 90
 * rules.hot.tag = hot,alert
 * rules.spam.if = header.user_agent regex .*(bot|crawler).*
 * rules.spam.gate = gated
 * </pre>
 *
 * @param name            counter group name
 * @param applyTo         which events the rules see
 * @param deadLetterRoute route of an event the stage failed on
 * @param rules           the rules, in evaluation order
 */
public record TaggingSpec(String name, ApplyTo applyTo, String deadLetterRoute, List<TagRule> rules) {

  /** Rule names in evaluation order, separated by spaces or commas. Required. */
  public static final String CONFIG_RULES = "rules";
  /** Which events the rules see: {@code valid} or {@code all}. */
  public static final String CONFIG_APPLY_TO = "applyTo";
  /** Route of an event this stage failed on. */
  public static final String CONFIG_DEAD_LETTER_ROUTE = "deadLetterRoute";
  /** Counter group name. */
  public static final String CONFIG_NAME = "name";
  /** Flume's component type key, ignored. */
  public static final String FLUME_TYPE = "type";
  /** Rule condition suffix: {@code rules.<r>.if}, and {@code rules.<r>.if.<n>} for more. */
  public static final String RULE_IF = "if";
  /** Rule action: comma-separated tags. */
  public static final String RULE_TAG = "tag";
  /** Rule action: route value. */
  public static final String RULE_ROUTE = "route";
  /** Rule action: gate to a route value. */
  public static final String RULE_GATE = "gate";
  /** Rule action: drop ({@code true}/{@code false}). */
  public static final String RULE_DROP = "drop";
  /** Rule option: stop evaluating after a match ({@code true}/{@code false}). */
  public static final String RULE_STOP = "stop";

  public static final ApplyTo DEFAULT_APPLY_TO = ApplyTo.VALID;
  public static final String DEFAULT_DEAD_LETTER_ROUTE = "deadletter";
  public static final String DEFAULT_NAME = "tagging";

  /** Field prefix for attributes. */
  public static final String FIELD_ATTR_PREFIX = "attr.";
  /** Field prefix for raw Flume headers. */
  public static final String FIELD_HEADER_PREFIX = "header.";

  private static final Map<String, String> CANONICAL_FIELDS = canonicalFields();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern TOKEN = Pattern.compile("[^\\s,]+");
  private static final List<String> ACTIONS = List.of(RULE_IF, RULE_TAG, RULE_ROUTE, RULE_GATE, RULE_DROP, RULE_STOP);

  /** Which events the rules are applied to. */
  public enum ApplyTo {
    /** Only events with {@code es.status=valid}. */
    VALID,
    /** Every event, whatever its status. */
    ALL;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public TaggingSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(applyTo, "applyTo");
    Objects.requireNonNull(deadLetterRoute, "deadLetterRoute");
    rules = List.copyOf(rules);
  }

  /** The compiled, thread-safe evaluator of these rules. */
  public Tagger tagger() {
    return new Tagger(this);
  }

  /**
   * The header a condition field reads, or null when the field is not one of the documented forms.
   */
  public static String headerFor(String field) {
    String canonical = CANONICAL_FIELDS.get(field);
    if (canonical != null) {
      return canonical;
    }
    if (field.startsWith(FIELD_ATTR_PREFIX) && field.length() > FIELD_ATTR_PREFIX.length()) {
      return EventHeaders.ATTRIBUTE_PREFIX + field.substring(FIELD_ATTR_PREFIX.length());
    }
    if (field.startsWith(FIELD_HEADER_PREFIX) && field.length() > FIELD_HEADER_PREFIX.length()) {
      return field.substring(FIELD_HEADER_PREFIX.length());
    }
    return null;
  }

  /**
   * Parses the spec from keys relative to the interceptor.
   *
   * @throws IllegalArgumentException naming the key, the bad value and the fix
   */
  public static TaggingSpec parse(Map<String, String> config) {
    Map<String, String> conf = new TreeMap<>(config);
    ConfigReader r = new ConfigReader(null, conf).keys(CONFIG_RULES, CONFIG_APPLY_TO, CONFIG_DEAD_LETTER_ROUTE, CONFIG_NAME)
        .prefix(CONFIG_RULES + ".", CONFIG_RULES + ".<rule>.{" + String.join(",", ACTIONS) + "}")
        .prefix(CONFIG_RULES + ".", CONFIG_RULES + ".<rule>.if.<n>")
        .ignore(FLUME_TYPE).rejectUnknown();
    String name = r.has(CONFIG_NAME) ? r.raw(CONFIG_NAME).trim() : DEFAULT_NAME;
    if (!NAME.matcher(name).matches()) {
      throw r.bad(CONFIG_NAME, "must be letters, digits, '_' or '-' (it names the JMX counter group), e.g. tagging");
    }
    ApplyTo applyTo = r.has(CONFIG_APPLY_TO) ? ApplyTo.valueOf(r.oneOf(CONFIG_APPLY_TO, null, List.of("valid", "all"))
        .toUpperCase(Locale.ROOT)) : DEFAULT_APPLY_TO;
    String deadLetter = r.has(CONFIG_DEAD_LETTER_ROUTE) ? r.raw(CONFIG_DEAD_LETTER_ROUTE).trim() : DEFAULT_DEAD_LETTER_ROUTE;
    if (!TOKEN.matcher(deadLetter).matches()) {
      throw r.bad(CONFIG_DEAD_LETTER_ROUTE,
          "must be one route value without spaces or commas, the one the selector maps to the dead-letter channel");
    }

    String listText = conf.get(CONFIG_RULES);
    String rulesFix = "list the rule names in evaluation order, e.g. rules = testers hot, and define each with"
        + " rules.<name>.if and an action (tag, route, gate, drop, stop); remove the interceptor if no rule is wanted";
    if (listText == null) {
      throw r.missing(CONFIG_RULES, rulesFix);
    }
    if (listText.isBlank()) {
      throw r.bad(CONFIG_RULES, "lists no rule; " + rulesFix);
    }
    Set<String> listed = new LinkedHashSet<>();
    for (String rule : listText.trim().split("[\\s,]+")) {
      if (!NAME.matcher(rule).matches()) {
        throw error(CONFIG_RULES, listText, "rule name '" + rule + "' must be letters, digits, '_' or '-'");
      }
      if (!listed.add(rule)) {
        throw error(CONFIG_RULES, listText, "rule '" + rule + "' is listed twice; list each rule once");
      }
    }

    // Group the rule keys by rule name, rejecting unknown keys as they are met.
    Map<String, SortedMap<String, String>> byRule = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : conf.entrySet()) {
      String key = e.getKey();
      switch (key) {
        case CONFIG_RULES, CONFIG_APPLY_TO, CONFIG_DEAD_LETTER_ROUTE, CONFIG_NAME, FLUME_TYPE:
          continue;
        default:
          break;
      }
      String rest = key.substring(CONFIG_RULES.length() + 1);
      int dot = rest.indexOf('.');
      String rule = dot < 0 ? rest : rest.substring(0, dot);
      String action = dot < 0 ? "" : rest.substring(dot + 1);
      if (!listed.contains(rule)) {
        throw ConfigException.problem(null, key, "key '" + key + "' defines rule '" + rule + "', which is not listed"
            + " in " + CONFIG_RULES + " = " + listText.trim() + "; add '" + rule + "' to " + CONFIG_RULES
            + " or remove the key");
      }
      String base = action.startsWith(RULE_IF + ".") ? RULE_IF : action;
      if (!ACTIONS.contains(base) || (base.equals(RULE_IF) && !action.equals(RULE_IF)
          && !NAME.matcher(action.substring(3)).matches())) {
        List<String> ruleKeys = new ArrayList<>();
        for (String a : ACTIONS) {
          ruleKeys.add(CONFIG_RULES + "." + rule + "." + a);
        }
        ruleKeys.add(CONFIG_RULES + "." + rule + ".if.<n>");
        throw ConfigException.unknownKey(null, key, e.getValue(), ruleKeys);
      }
      byRule.computeIfAbsent(rule, k -> new TreeMap<>(TaggingSpec::compareConditionKeys)).put(action, e.getValue());
    }

    List<TagRule> rules = new ArrayList<>();
    for (String rule : listed) {
      SortedMap<String, String> keys = byRule.get(rule);
      if (keys == null) {
        throw error(CONFIG_RULES, listText.trim(), "rule '" + rule + "' is listed but not defined; add "
            + CONFIG_RULES + "." + rule + ".if = <field> <operator> [value] and an action such as "
            + CONFIG_RULES + "." + rule + ".tag = <tags>, or remove it from the list");
      }
      rules.add(parseRule(rule, keys));
    }
    return new TaggingSpec(name, applyTo, deadLetter, rules);
  }

  private static TagRule parseRule(String r, SortedMap<String, String> keys) {
    String prefix = CONFIG_RULES + "." + r + ".";
    List<Condition> conditions = new ArrayList<>();
    for (Map.Entry<String, String> e : keys.entrySet()) {
      if (!e.getKey().equals(RULE_IF) && !e.getKey().startsWith(RULE_IF + ".")) {
        continue;
      }
      String key = prefix + e.getKey();
      Condition c;
      try {
        c = Condition.parse(e.getValue());
      } catch (IllegalArgumentException ex) {
        throw ConfigException.problem(null, key, "key '" + key + "': " + ex.getMessage());
      }
      if (headerFor(c.field()) == null) {
        throw error(key, e.getValue(), "unknown field '" + c.field() + "'; use one of " + String.join(", ",
            CANONICAL_FIELDS.keySet()) + ", attr.<name> (header es.attr.<name>) or header.<flume header name>");
      }
      conditions.add(c);
    }
    if (conditions.isEmpty()) {
      throw ConfigException.problem(null, prefix + RULE_IF, "rule '" + r + "' has no condition; add " + prefix + RULE_IF
          + " = <field> <operator> [value] (to match every event: " + prefix + RULE_IF + " = eventId exists)");
    }
    SortedSet<String> tags = new TreeSet<>();
    String tagText = keys.get(RULE_TAG);
    if (tagText != null) {
      for (String t : tagText.split(",")) {
        String tag = t.trim();
        if (tag.isEmpty()) {
          continue;
        }
        if (!TOKEN.matcher(tag).matches()) {
          throw error(prefix + RULE_TAG, tagText, "tag '" + tag + "' contains whitespace; write tags as a,b,c");
        }
        tags.add(tag);
      }
      if (tags.isEmpty()) {
        throw error(prefix + RULE_TAG, tagText, "lists no tag; write tags as a,b,c or remove the key");
      }
    }
    String route = routeValue(prefix + RULE_ROUTE, keys.get(RULE_ROUTE));
    String gate = routeValue(prefix + RULE_GATE, keys.get(RULE_GATE));
    boolean drop = bool(prefix + RULE_DROP, keys.get(RULE_DROP));
    boolean stop = bool(prefix + RULE_STOP, keys.get(RULE_STOP));
    if (gate != null && route != null) {
      throw ConfigException.problem(null, prefix + RULE_GATE, "rule '" + r + "' sets both " + prefix + RULE_ROUTE + " = " + route + " and "
          + prefix + RULE_GATE + " = " + gate + "; a gate sets es.route itself: keep one of them");
    }
    if (drop && (gate != null || route != null || !tags.isEmpty())) {
      String other = gate != null ? RULE_GATE : route != null ? RULE_ROUTE : RULE_TAG;
      throw ConfigException.problem(null, prefix + RULE_DROP, "rule '" + r + "' sets " + prefix + RULE_DROP + " = true and " + prefix + other
          + " = " + keys.get(other) + "; a dropped event goes nowhere: remove " + prefix + other + " or the drop");
    }
    if (tags.isEmpty() && route == null && gate == null && !drop && !stop) {
      throw ConfigException.problem(null, prefix, "rule '" + r + "' has no action; add " + prefix + RULE_TAG + ", " + prefix
          + RULE_ROUTE + ", " + prefix + RULE_GATE + ", " + prefix + RULE_DROP + " = true or " + prefix + RULE_STOP
          + " = true");
    }
    return new TagRule(r, conditions, tags, route, gate, drop, stop);
  }

  private static String routeValue(String key, String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (!TOKEN.matcher(v).matches()) {
      throw error(key, value, "must be one route value without spaces or commas, mapped to a channel by the"
          + " multiplexing selector (selector.mapping.<value> = <channel>)");
    }
    return v;
  }

  private static boolean bool(String key, String value) {
    return value != null && new ConfigReader(null, Map.of(key, value)).bool(key, false);
  }

  /** {@code if} first, then {@code if.<n>} by number when both are numbers, else by text; other keys after. */
  private static int compareConditionKeys(String a, String b) {
    String sa = a.startsWith(RULE_IF + ".") ? a.substring(3) : null;
    String sb = b.startsWith(RULE_IF + ".") ? b.substring(3) : null;
    if (sa != null && sb != null && sa.matches("\\d{1,9}") && sb.matches("\\d{1,9}")) {
      int c = Integer.compare(Integer.parseInt(sa), Integer.parseInt(sb));
      if (c != 0) {
        return c;
      }
    }
    return a.compareTo(b);
  }

  private static ConfigException error(String key, String value, String fix) {
    return ConfigException.badValue(null, key, value, fix);
  }

  private static Map<String, String> canonicalFields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("eventId", EventHeaders.EVENT_ID);
    m.put("entityType", EventHeaders.ENTITY_TYPE);
    m.put("entityId", EventHeaders.ENTITY_ID);
    m.put("eventType", EventHeaders.EVENT_TYPE);
    m.put("eventTime", EventHeaders.EVENT_TIME);
    m.put("timeSource", EventHeaders.TIME_SOURCE);
    m.put("status", EventHeaders.STATUS);
    m.put("route", EventHeaders.ROUTE);
    m.put("reason", EventHeaders.REASON);
    m.put("stage", EventHeaders.STAGE);
    m.put("tags", EventHeaders.TAGS);
    return Collections.unmodifiableMap(m);
  }
}
