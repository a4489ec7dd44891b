package io.eventstate.core.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The one reader of flat {@code key = value} configuration (Flume contexts, table descriptor values, mapping files,
 * command-line {@code key=value} arguments). A spec declares its keys, then reads typed values with defaults and
 * ranges; every problem is a {@link ConfigException} of one shape that names the component, the key, the value and
 * the fix.
 *
 * <pre>
 * ConfigReader r = new ConfigReader("EventSink", params)
 *     .keys(KEYS)                 // exact keys
 *     .prefix("hbase.")           // every key under a prefix (passed through, or read by another spec)
 *     .ignore("type", "channel")  // Flume's own keys
 *     .rejectUnknown();
 * int batch = r.intValue("batchSize", 100, 1, 100_000);
 * </pre>
 *
 * <p>Values are trimmed before they are read. Numbers are whole numbers; {@link #durationNanos} and {@link #millis}
 * take durations such as {@code 500ms}, {@code 30s}, {@code 1h30m} ({@link Durations}); {@link #sizeBytes} takes a
 * number of bytes or one with a binary unit, {@code 64KiB}, {@code 16MiB}, {@code 1GiB}.
 */
public final class ConfigReader {

  private final String component;
  private final Map<String, String> props;
  private final Set<String> keys = new LinkedHashSet<>();
  /** How messages show a prefix → the prefix (one prefix may be shown several ways). */
  private final Map<String, String> prefixes = new LinkedHashMap<>();
  private final Set<String> ignored = new LinkedHashSet<>();

  /**
   * @param component the file or component named in every message, or null when the caller adds it
   *                  ({@link ConfigException#in(String)})
   * @param props     the configuration (not copied; null values count as absent)
   */
  public ConfigReader(String component, Map<String, String> props) {
    this.component = component;
    this.props = Objects.requireNonNull(props, "props");
  }

  /** Declares exact keys. */
  public ConfigReader keys(Collection<String> declared) {
    keys.addAll(declared);
    return this;
  }

  /** Declares exact keys. */
  public ConfigReader keys(String... declared) {
    return keys(List.of(declared));
  }

  /** Declares every key that starts with {@code prefix}; shown in messages as {@code prefix*}. */
  public ConfigReader prefix(String prefix) {
    return prefix(prefix, prefix + "*");
  }

  /** Declares every key that starts with {@code prefix}; {@code shownAs} is how messages list it. */
  public ConfigReader prefix(String prefix, String shownAs) {
    prefixes.put(shownAs, prefix);
    return this;
  }

  /** Keys that belong to the host framework (Flume's {@code type}, {@code channel}): accepted, never read here. */
  public ConfigReader ignore(String... flumeKeys) {
    ignored.addAll(List.of(flumeKeys));
    return this;
  }

  /** The component named in messages (may be null). */
  public String component() {
    return component;
  }

  /** True if the key is declared (exactly, by a prefix, or as ignored). */
  public boolean declared(String key) {
    if (keys.contains(key) || ignored.contains(key)) {
      return true;
    }
    for (String p : prefixes.values()) {
      if (key.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /** The keys as messages list them: exact keys and prefixes, without the ignored host-framework keys. */
  public List<String> validKeys() {
    List<String> out = new ArrayList<>(keys);
    out.addAll(prefixes.keySet());
    return out;
  }

  /**
   * Rejects the first undeclared key (in sorted order, so the message does not depend on map order).
   *
   * @throws ConfigException naming the key, its value and the valid keys
   */
  public ConfigReader rejectUnknown() {
    for (Map.Entry<String, String> e : new TreeMap<>(props).entrySet()) {
      if (!declared(e.getKey())) {
        throw ConfigException.unknownKey(component, e.getKey(), e.getValue(), validKeys());
      }
    }
    return this;
  }

  /** True if the key has a value. */
  public boolean has(String key) {
    return props.get(key) != null;
  }

  /** The value as given (not trimmed), or null. */
  public String raw(String key) {
    return props.get(key);
  }

  /** Every key under {@code prefix} with its value, sorted (for pass-through settings such as {@code hbase.*}). */
  public SortedMap<String, String> under(String prefix) {
    SortedMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : props.entrySet()) {
      if (e.getKey().startsWith(prefix) && e.getValue() != null) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return Collections.unmodifiableSortedMap(out);
  }

  /** A bad value of {@code key}: the message quotes its current value. */
  public ConfigException bad(String key, String problemAndFix) {
    return ConfigException.badValue(component, key, props.get(key), problemAndFix);
  }

  /** A bad value of {@code key}, quoting {@code value} (e.g. the one item of a list that is wrong). */
  public ConfigException bad(String key, String value, String problemAndFix) {
    return ConfigException.badValue(component, key, value, problemAndFix);
  }

  /** A required key that is absent. */
  public ConfigException missing(String key, String fix) {
    return ConfigException.missing(component, key, fix);
  }

  /** A problem between keys, in the caller's words (which name the keys, the values and the fix). */
  public ConfigException problem(String key, String text) {
    return ConfigException.problem(component, key, text);
  }

  /** The trimmed value, or {@code dflt} when absent; an empty value is an error. */
  public String text(String key, String dflt) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    if (t.isEmpty()) {
      throw bad(key, dflt == null ? "must not be empty; give a value or remove the key"
          : "must not be empty; remove the key to use the default " + dflt);
    }
    return t;
  }

  /** The trimmed value, or null when absent; an empty value is an error. */
  public String optional(String key) {
    return text(key, null);
  }

  /** The trimmed value of a required key. */
  public String required(String key, String fix) {
    String v = optional(key);
    if (v == null) {
      throw missing(key, fix);
    }
    return v;
  }

  /** Comma-separated items, trimmed, empty items dropped; absent → empty list. */
  public List<String> list(String key) {
    return split(key, ",");
  }

  /** Items separated by commas and/or white space; absent → empty list. */
  public List<String> tokens(String key) {
    return split(key, "[\\s,]+");
  }

  private List<String> split(String key, String separator) {
    String v = props.get(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (String item : v.split(separator)) {
      String t = item.trim();
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  /** {@code true} or {@code false} (any case), {@code dflt} when absent. */
  public boolean bool(String key, boolean dflt) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    if (t.equalsIgnoreCase("true")) {
      return true;
    }
    if (t.equalsIgnoreCase("false")) {
      return false;
    }
    throw bad(key, "must be true or false (default " + dflt + ")");
  }

  /** A whole number from {@code min} to {@code max}, {@code dflt} when absent. */
  public int intValue(String key, int dflt, int min, int max) {
    return (int) longValue(key, dflt, min, max);
  }

  /** A whole number from {@code min} to {@code max}, {@code dflt} when absent. */
  public long longValue(String key, long dflt, long min, long max) {
    String v = props.get(key);
    return v == null ? dflt : whole(key, v, min, max, " (default " + dflt + ")");
  }

  /** A whole number from {@code min} to {@code max} of a key without a default. */
  public int requiredInt(String key, int min, int max, String fixIfMissing) {
    String v = props.get(key);
    if (v == null) {
      throw missing(key, fixIfMissing);
    }
    return (int) whole(key, v, min, max, "");
  }

  private long whole(String key, String v, long min, long max, String dfltText) {
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw bad(key, "must be a whole number from " + min + " to " + max + dfltText);
    }
    if (n < min || n > max) {
      throw bad(key, "must be from " + min + " to " + max + dfltText);
    }
    return n;
  }

  /**
   * One of {@code allowed} (compared without case), returned as written in {@code allowed}; {@code dflt} when
   * absent.
   */
  public String oneOf(String key, String dflt, Collection<String> allowed) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    for (String a : allowed) {
      if (a.equalsIgnoreCase(t)) {
        return a;
      }
    }
    List<String> all = List.copyOf(allowed);
    String choices = all.size() == 2 ? all.get(0) + " or " + all.get(1) : "one of " + String.join(", ", all);
    throw bad(key, "must be " + choices + (dflt == null ? "" : " (default " + dflt + ")"));
  }

  /**
   * A duration ({@link Durations}: {@code 500ms}, {@code 30s}, {@code 1h30m}, {@code 2d}) in nanoseconds, or
   * {@code 0} when {@code min} allows it; {@code dflt} when absent.
   */
  public long durationNanos(String key, long dflt, long min, long max) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    long n = t.equals("0") ? 0 : nanos(key, t, Durations.FORMAT_HELP);
    return inRange(key, n, dflt, min, max, Durations.format(min), Durations.format(max), Durations.format(dflt));
  }

  /**
   * Milliseconds: a whole number (milliseconds, as the key's name says) or a duration such as {@code 5s}; from
   * {@code min} to {@code max}, {@code dflt} when absent.
   */
  public long millis(String key, long dflt, long min, long max) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    long n;
    if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
      n = t.length() > 18 ? Long.MAX_VALUE : Long.parseLong(t);
    } else {
      long nanos = nanos(key, t, "must be milliseconds from " + min + " to " + max + " or a duration such as 5s ("
          + Durations.FORMAT_HELP + "); default " + dflt);
      if (nanos % 1_000_000L != 0) {
        throw bad(key, "is not a whole number of milliseconds");
      }
      n = nanos / 1_000_000L;
    }
    return inRange(key, n, dflt, min, max, min + " ms", max + " ms", dflt + " ms");
  }

  private long nanos(String key, String text, String fix) {
    try {
      return Durations.parseNanos(text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw bad(key, (e.getMessage() == null ? "not a duration" : e.getMessage()) + "; " + fix);
    }
  }

  /**
   * A size in bytes: a whole number, or one followed by {@code KiB}, {@code MiB} or {@code GiB} (any case); from
   * {@code min} to {@code max}, {@code dflt} when absent.
   */
  public long sizeBytes(String key, long dflt, long min, long max) {
    String v = props.get(key);
    if (v == null) {
      return dflt;
    }
    String t = v.trim();
    String lower = t.toLowerCase(Locale.ROOT);
    long factor = 1;
    String digits = t;
    if (lower.endsWith("kib")) {
      factor = 1L << 10;
    } else if (lower.endsWith("mib")) {
      factor = 1L << 20;
    } else if (lower.endsWith("gib")) {
      factor = 1L << 30;
    }
    if (factor != 1) {
      digits = t.substring(0, t.length() - 3).trim();
    }
    long n;
    try {
      n = Math.multiplyExact(Long.parseLong(digits), factor);
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad(key, "must be a size from " + min + " to " + max + " bytes: a whole number of bytes, or one followed by"
          + " KiB, MiB or GiB, e.g. 16MiB (default " + dflt + ")");
    }
    return inRange(key, n, dflt, min, max, min + " bytes", max + " bytes", dflt + " bytes");
  }

  private long inRange(String key, long n, long dflt, long min, long max, String minText, String maxText,
      String dfltText) {
    if (n < min || n > max) {
      throw bad(key, "must be from " + minText + " to " + maxText + " (default " + dfltText + ")");
    }
    return n;
  }
}
