package io.eventstate.core.json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A feed's vocabulary translated into the machine's: the value of the event type or of one attribute is looked up and
 * replaced ({@code InTransit} → {@code in_transit}). Entries come inline ({@code eventType.map = InTransit=in_transit,
 * OutForDelivery=out_for_delivery}) and/or from a CSV file ({@code eventType.map.file = tags.csv}: a header line, then
 * one {@code from,to} row per value; quotes as in RFC 4180). Inline entries win over the file's. A value the map does
 * not hold is, by {@code .unmapped}: {@code keep} (unchanged, the default), {@code default} (replaced by
 * {@code .default}) or {@code deadletter} (the event is invalid with reason class {@code unmapped}).
 *
 * <p>Keys: {@code eventType.map}, {@code eventType.map.file}, {@code eventType.map.unmapped},
 * {@code eventType.map.default}; for an attribute {@code attributes.map.<name>} and the same suffixes.
 *
 * @param key      the key prefix, for messages ({@code eventType.map} or {@code attributes.map.<name>})
 * @param entries  from → to
 * @param unmapped what happens to a value without an entry
 * @param dflt     the replacement under {@link Unmapped#DEFAULT}, else null
 */
public record ValueMap(String key, Map<String, String> entries, Unmapped unmapped, String dflt) {

  /** What happens to a value the map does not hold. */
  public enum Unmapped {
    /** Kept as it is. */
    KEEP,
    /** Replaced by the configured default. */
    DEFAULT,
    /** The event is invalid (reason class {@code unmapped}) and goes to the dead-letter channel. */
    DEADLETTER
  }

  /** The map key of the event type in {@link NormalizerSpec#valueMaps()}. */
  public static final String EVENT_TYPE = "eventType";
  /** Map keys of attributes in {@link NormalizerSpec#valueMaps()} start with this. */
  public static final String ATTRIBUTE = "attr.";

  private static final String FILE = ".file";
  private static final String UNMAPPED = ".unmapped";
  private static final String DEFAULT = ".default";

  public ValueMap {
    entries = Map.copyOf(entries);
    Objects.requireNonNull(unmapped, "unmapped");
  }

  /**
   * The mapped value: the entry, or by {@link #unmapped()} the value itself, the default, or null (dead letter).
   */
  public String apply(String value) {
    String to = entries.get(value);
    if (to != null) {
      return to;
    }
    switch (unmapped) {
      case DEFAULT:
        return dflt;
      case DEADLETTER:
        return null;
      default:
        return value;
    }
  }

  /** Every value map in the properties, keyed {@link #EVENT_TYPE} or {@link #ATTRIBUTE}{@code <name>}. */
  static Map<String, ValueMap> parseAll(Map<String, String> props, Path baseDir,
      List<NormalizerSpec.NamedPointer> attributes) {
    Map<String, ValueMap> out = new LinkedHashMap<>();
    String et = NormalizerSpec.CONFIG_EVENT_TYPE_MAP;
    if (props.containsKey(et) || props.containsKey(et + FILE)) {
      out.put(EVENT_TYPE, parse(props, et, baseDir));
    } else {
      for (String k : List.of(et + UNMAPPED, et + DEFAULT)) {
        if (props.containsKey(k)) {
          throw SpecSupport.error(k, props.get(k), "there is no value map to apply it to: set " + et + " (from=to, ...) or "
              + et + FILE);
        }
      }
    }
    TreeSet<String> names = new TreeSet<>();
    for (String k : props.keySet()) {
      if (k.startsWith(et) && !k.equals(et) && !k.equals(et + FILE) && !k.equals(et + UNMAPPED)
          && !k.equals(et + DEFAULT)) {
        throw SpecSupport.error(k, props.get(k), "unknown value-map key; valid are " + et + ", " + et + FILE + ", " + et
            + UNMAPPED + ", " + et + DEFAULT);
      }
      if (k.startsWith(NormalizerSpec.CONFIG_ATTRIBUTE_MAP_PREFIX)) {
        String name = k.substring(NormalizerSpec.CONFIG_ATTRIBUTE_MAP_PREFIX.length());
        for (String suffix : List.of(FILE, UNMAPPED, DEFAULT)) {
          if (name.endsWith(suffix)) {
            name = name.substring(0, name.length() - suffix.length());
            break;
          }
        }
        if (name.isEmpty()) {
          throw SpecSupport.error(k, props.get(k), "name the attribute: attributes.map.<name> = from=to, ...");
        }
        names.add(name);
      }
    }
    for (String name : names) {
      String prefix = NormalizerSpec.CONFIG_ATTRIBUTE_MAP_PREFIX + name;
      if (!props.containsKey(prefix) && !props.containsKey(prefix + FILE)) {
        throw SpecSupport.error(prefix + UNMAPPED, String.valueOf(props.get(prefix + UNMAPPED)), "no value map for attribute '"
            + name + "': set " + prefix + " (from=to, ...) or " + prefix + FILE);
      }
      out.put(ATTRIBUTE + name, parse(props, prefix, baseDir));
    }
    return out;
  }

  private static ValueMap parse(Map<String, String> props, String prefix, Path baseDir) {
    Map<String, String> entries = new HashMap<>();
    String file = props.get(prefix + FILE);
    if (file != null) {
      entries.putAll(readCsv(prefix + FILE, file.trim(), baseDir));
    }
    String inline = props.get(prefix);
    if (inline != null) {
      for (String item : SpecSupport.list(props, prefix)) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
          throw SpecSupport.error(prefix, inline, "'" + item + "' must be from=to, e.g. InTransit=in_transit");
        }
        String to = item.substring(eq + 1).trim();
        if (to.isEmpty()) {
          throw SpecSupport.error(prefix, inline, "'" + item + "' maps to nothing; write from=to");
        }
        entries.put(item.substring(0, eq).trim(), to);
      }
    }
    Unmapped u = Unmapped.KEEP;
    String uv = props.get(prefix + UNMAPPED);
    if (uv != null) {
      try {
        u = Unmapped.valueOf(uv.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw SpecSupport.error(prefix + UNMAPPED, uv, "must be keep, default or deadletter");
      }
    }
    String d = props.get(prefix + DEFAULT);
    if (u == Unmapped.DEFAULT && (d == null || d.isBlank())) {
      throw ConfigExceptionHolder.missing(prefix + DEFAULT, "set the value that unmapped values become, e.g. unknown");
    }
    if (d != null && u != Unmapped.DEFAULT) {
      throw SpecSupport.error(prefix + DEFAULT, d, "is only used with " + prefix + UNMAPPED + " = default; set that or "
          + "remove this key");
    }
    return new ValueMap(prefix, entries, u, d == null ? null : d.trim());
  }

  /** Reads a {@code from,to} CSV with a header line. */
  static Map<String, String> readCsv(String key, String file, Path baseDir) {
    Path p = Path.of(file);
    if (!p.isAbsolute() && baseDir != null) {
      p = baseDir.resolve(p);
    }
    String text;
    try {
      text = Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw SpecSupport.error(key, file, "cannot read " + p.toAbsolutePath() + " (" + e.getClass().getSimpleName()
          + "); give a CSV path relative to the mapping file or absolute");
    }
    List<List<String>> rows = csv(text);
    Map<String, String> out = new HashMap<>();
    for (int i = 1; i < rows.size(); i++) {
      List<String> r = rows.get(i);
      if (r.size() == 1 && r.get(0).isBlank()) {
        continue;
      }
      if (r.size() < 2 || r.get(1).isEmpty()) {
        throw SpecSupport.error(key, file, "row " + (i + 1) + " of " + p + " has no second column; each row is from,to");
      }
      if (out.putIfAbsent(r.get(0), r.get(1)) != null) {
        throw SpecSupport.error(key, file, "row " + (i + 1) + " of " + p + " maps '" + r.get(0) + "' a second time");
      }
    }
    return out;
  }

  /** RFC 4180 records: fields separated by commas, quoted fields may hold commas, quotes ("") and newlines. */
  static List<List<String>> csv(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    int i = text.startsWith("\uFEFF") ? 1 : 0;
    for (; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            f.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          f.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(f.toString());
        f.setLength(0);
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        row.add(f.toString());
        f.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
      } else {
        f.append(c);
      }
    }
    if (f.length() > 0 || !row.isEmpty()) {
      row.add(f.toString());
      rows.add(row);
    }
    return rows;
  }

  /** {@link io.eventstate.core.config.ConfigException#missing} without a component (the caller adds it). */
  private static final class ConfigExceptionHolder {
    static io.eventstate.core.config.ConfigException missing(String key, String fix) {
      return io.eventstate.core.config.ConfigException.missing(null, key, fix);
    }
  }
}
