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
      explode = SpecSupport.pointer(CONFIG_EXPLODE_PATH, r.raw(CONFIG_EXPLODE_PATH), explode);
    }
    List<NormalizerSpec.NamedPointer> copy = new ArrayList<>();
    String cv = r.raw(CONFIG_EXPLODE_COPY);
    for (String item : r.list(CONFIG_EXPLODE_COPY)) {
      String[] np = SpecSupport.named(CONFIG_EXPLODE_COPY, cv, item, "field name");
      if (explode != null && (np[1].equals(explode) || np[1].startsWith(explode + "/"))) {
        throw r.bad(CONFIG_EXPLODE_COPY, "'" + np[1] + "' is inside the exploded array " + explode
            + "; copy parent fields only (an element's own fields are already in the event)");
      }
      copy.add(new NormalizerSpec.NamedPointer(np[0], np[1]));
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
