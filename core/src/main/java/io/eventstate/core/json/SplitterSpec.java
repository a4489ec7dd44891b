package io.eventstate.core.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.eventstate.core.config.ConfigReader;

/**
 * The immutable configuration of a {@link JsonPayloadSplitter}, parsed from relative keys by {@link #parse(Map)}.
 *
 * <table>
 * <caption>Keys</caption>
 * <tr><th>Key</th><th>Default</th><th>Description</th></tr>
 * <tr><td>{@code explode.path}</td><td>(none)</td><td>JSON pointer to an array of objects inside each payload
 *   object; each element becomes one event. E.g. {@code /events} (OTTO sessions), {@code /tracking_details}
 *   (an EasyPost tracker). Without it every payload object is one event, byte for byte.</td></tr>
 * <tr><td>{@code explode.copy}</td><td>(none)</td><td>{@code name:/pointer, ...}: parent values copied into each
 *   element under {@code name}, e.g. {@code tracking_code:/tracking_code, carrier:/carrier}. An element's own
 *   field of the same name wins; a parent value that is absent is not copied. Needs {@code explode.path}.</td></tr>
 * <tr><td>{@code limits.maxPayloadBytes}</td><td>16777216</td><td>Larger payloads are rejected whole (bytes, or with
 *   a unit: {@code 16MiB}).</td></tr>
 * <tr><td>{@code limits.maxEvents}</td><td>100000</td><td>A payload that would give more events is rejected whole.</td></tr>
 * <tr><td>{@code limits.maxPayloadDepth}</td><td>128</td><td>Deepest nesting accepted in a payload (top level = 1).</td></tr>
 * </table>
 *
 * <p>Example (OTTO sessions): {@code explode.path = /events}, {@code explode.copy = session:/session}.
 *
 * @param explodePath     pointer to the array to explode, or null
 * @param copy            parent fields copied into each element
 * @param maxPayloadBytes payload size limit
 * @param maxEvents       event count limit per payload
 * @param maxDepth        nesting limit
 */
public record SplitterSpec(String explodePath, List<NormalizerSpec.NamedPointer> copy, int maxPayloadBytes, int maxEvents,
    int maxDepth) {

  /** Marks an array level in {@code explode.path} and in {@code explode.copy} pointers. */
  public static final String LEVEL = "[]";

  /**
   * The levels of {@link #explodePath()}: {@code /data/trackings[]/checkpoints} gives {@code /data/trackings} and
   * {@code /checkpoints} (the second relative to each element of the first). Empty without explosion.
   */
  public List<String> levels() {
    return explodePath == null ? List.of() : split(explodePath);
  }

  /** The level of a copy pointer (the number of {@code []} in it) and the pointer within that level. */
  public static int levelOf(String pointer) {
    return split(pointer).size() - 1;
  }

  /** The pointer within its level: the part after the last {@code []}. */
  public static String inLevel(String pointer) {
    List<String> l = split(pointer);
    return l.get(l.size() - 1);
  }

  private static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    String p = path.endsWith(LEVEL) ? path.substring(0, path.length() - 2) : path;
    int from = 0;
    int i;
    while ((i = p.indexOf(LEVEL, from)) >= 0) {
      out.add(p.substring(from, i));
      from = i + 2;
    }
    out.add(p.substring(from));
    return out;
  }

  /** Pointer to the array whose elements become events. */
  public static final String CONFIG_EXPLODE_PATH = "explode.path";
  /** Parent fields copied into each exploded element, {@code name:/pointer, ...}. */
  public static final String CONFIG_EXPLODE_COPY = "explode.copy";
  /** Largest accepted payload in bytes. */
  public static final String CONFIG_MAX_PAYLOAD_BYTES = "limits.maxPayloadBytes";
  /** Most events one payload may give. */
  public static final String CONFIG_MAX_EVENTS = "limits.maxEvents";
  /** Deepest accepted nesting in a payload. */
  public static final String CONFIG_MAX_PAYLOAD_DEPTH = "limits.maxPayloadDepth";

  /** Default of {@link #CONFIG_MAX_PAYLOAD_BYTES}: 16 MiB. */
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 16 << 20;
  /** Default of {@link #CONFIG_MAX_EVENTS}. */
  public static final int DEFAULT_MAX_EVENTS = 100_000;
  /** Default of {@link #CONFIG_MAX_PAYLOAD_DEPTH}. */
  public static final int DEFAULT_MAX_PAYLOAD_DEPTH = 128;

  /** Every key {@link #parse(Map)} accepts. */
  public static final Set<String> KEYS = Set.of(CONFIG_EXPLODE_PATH, CONFIG_EXPLODE_COPY, CONFIG_MAX_PAYLOAD_BYTES,
      CONFIG_MAX_EVENTS, CONFIG_MAX_PAYLOAD_DEPTH);

  public SplitterSpec {
    copy = List.copyOf(copy);
    if (!copy.isEmpty() && explodePath == null) {
      throw new IllegalArgumentException("copy needs an explode path");
    }
  }

  private static String[] namedLevels(ConfigReader r, String value, String item) {
    int colon = item.indexOf(':');
    if (colon <= 0) {
      throw r.bad(CONFIG_EXPLODE_COPY, "'" + item + "' must be field name:/pointer, e.g. session:/session");
    }
    String name = item.substring(0, colon).trim();
    String ptr = item.substring(colon + 1).trim();
    SpecSupport.checkName(CONFIG_EXPLODE_COPY, name, "field name");
    for (String level : split(ptr)) {
      if (!level.isEmpty()) {
        SpecSupport.pointer(CONFIG_EXPLODE_COPY, value, level);
      }
    }
    if (!ptr.startsWith("/") || ptr.endsWith(LEVEL)) {
      throw r.bad(CONFIG_EXPLODE_COPY, "'" + ptr + "' must be a pointer to a field, e.g. /session or /data/trackings[]/slug");
    }
    return new String[] {name, ptr};
  }

  /** A spec that passes every payload object through whole. */
  public static SplitterSpec defaults() {
    return parse(Map.of());
  }

  /**
   * Parses and validates a spec.
   *
   * @throws io.eventstate.core.config.ConfigException naming the key, the bad value and the fix
   */
  public static SplitterSpec parse(Map<String, String> props) {
    ConfigReader r = new ConfigReader(null, Objects.requireNonNull(props, "props")).keys(KEYS).rejectUnknown();
    String explode = r.optional(CONFIG_EXPLODE_PATH);
    if (explode != null) {
      String ex = explode;
      for (String level : split(explode)) {
        if (level.isEmpty() && split(ex).size() > 1) {
          throw r.bad(CONFIG_EXPLODE_PATH, "'" + ex + "' has an empty level; write /data/items[]/checkpoints (each level "
              + "a pointer to an array, relative to an element of the level before)");
        }
        SpecSupport.pointer(CONFIG_EXPLODE_PATH, r.raw(CONFIG_EXPLODE_PATH), level);
      }
    }
    List<NormalizerSpec.NamedPointer> copy = new ArrayList<>();
    String cv = r.raw(CONFIG_EXPLODE_COPY);
    for (String item : r.list(CONFIG_EXPLODE_COPY)) {
      String[] np = namedLevels(r, cv, item);
      if (explode != null && np[1].indexOf(LEVEL) < 0 && (np[1].equals(explode) || np[1].startsWith(explode + "/"))) {
        throw r.bad(CONFIG_EXPLODE_COPY, "'" + np[1] + "' is inside the exploded array " + explode
            + "; copy parent fields only (an element's own fields are already in the event)");
      }
      copy.add(new NormalizerSpec.NamedPointer(np[0], np[1]));
    }
    if (explode != null) {
      List<String> levels = split(explode);
      for (NormalizerSpec.NamedPointer c : copy) {
        List<String> cl = split(c.pointer());
        for (int i = 0; i < cl.size() - 1; i++) {
          if (i >= levels.size() - 1 || !cl.get(i).equals(levels.get(i))) {
            throw r.bad(CONFIG_EXPLODE_COPY, "'" + c.pointer() + "' is not inside a parent level of explode.path '"
                + explode + "'; address a parent element's field as <level>[]/<field>, e.g. /data/trackings[]/slug");
          }
        }
        if (cl.size() - 1 < levels.size() && !cl.get(cl.size() - 1).isEmpty()) {
          String next = levels.get(cl.size() - 1);
          String own = cl.get(cl.size() - 1);
          if (own.equals(next) || own.startsWith(next + "/")) {
            throw r.bad(CONFIG_EXPLODE_COPY, "'" + c.pointer() + "' is inside the exploded array " + explode
                + "; copy parent fields only (an element's own fields are already in the event)");
          }
        }
      }
    }
    if (!copy.isEmpty() && explode == null) {
      throw r.bad(CONFIG_EXPLODE_COPY, "copies parent fields into exploded elements, so it needs '"
          + CONFIG_EXPLODE_PATH + "' (e.g. /events); set it or remove this key");
    }
    int maxBytes = (int) r.sizeBytes(CONFIG_MAX_PAYLOAD_BYTES, DEFAULT_MAX_PAYLOAD_BYTES, 2, Integer.MAX_VALUE - 16);
    int maxEvents = r.intValue(CONFIG_MAX_EVENTS, DEFAULT_MAX_EVENTS, 1, Integer.MAX_VALUE);
    int maxDepth = r.intValue(CONFIG_MAX_PAYLOAD_DEPTH, DEFAULT_MAX_PAYLOAD_DEPTH, 2, NormalizerSpec.MAX_MAX_DEPTH);
    return new SplitterSpec(explode, copy, maxBytes, maxEvents, maxDepth);
  }
}
