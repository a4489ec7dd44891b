package io.eventstate.core.json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;

/**
 * The Jackson-based normalizer that {@link JsonNormalizer} replaced (its own byte scanner is ~2x faster), kept
 * as a test oracle: the differential test checks that both give the same events and the same verdicts.
 */
final class JacksonReferenceNormalizer {

  private static final byte KIND_STRING = 1;
  private static final byte KIND_NUMBER = 2;
  private static final byte KIND_BOOLEAN = 3;

  private final NormalizerSpec spec;
  private final JsonFactory factory;
  private final PointerTrie.Node root;
  private final int slotCount;
  private final int idStart;
  private final int hashStart;
  private final int entityStart;
  private final int typeStart;
  private final int timeStart;
  private final int attrStart;
  private final String[] attrNames;

  JacksonReferenceNormalizer(NormalizerSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(spec.maxDepth()).build())
        .build();
    PointerTrie trie = new PointerTrie();
    int s = 0;
    idStart = s;
    for (String p : spec.eventIdPaths()) {
      PointerTrie.addSlot(trie.add(p), s++);
    }
    hashStart = s;
    for (String p : spec.eventIdHash()) {
      PointerTrie.addSlot(trie.add(p), s++);
    }
    entityStart = s;
    for (NormalizerSpec.EntityCandidate c : spec.entity()) {
      PointerTrie.addSlot(trie.add(c.pointer()), s++);
    }
    typeStart = s;
    for (String p : spec.eventTypePaths()) {
      PointerTrie.addSlot(trie.add(p), s++);
    }
    timeStart = s;
    for (String p : spec.timePaths()) {
      PointerTrie.addSlot(trie.add(p), s++);
    }
    attrStart = s;
    attrNames = new String[spec.attributes().size()];
    for (int i = 0; i < attrNames.length; i++) {
      NormalizerSpec.NamedPointer a = spec.attributes().get(i);
      attrNames[i] = a.name();
      PointerTrie.Node n = trie.add(a.pointer());
      PointerTrie.addSlot(n, s++);
      if (n.structPrefix == null) {
        n.structPrefix = a.name();
      }
    }
    for (String p : spec.flatten()) {
      PointerTrie.Node n = trie.add(p);
      if (n.structPrefix == null) {
        n.structPrefix = PointerTrie.dottedName(p);
      }
    }
    slotCount = s;
    root = trie.root;
  }

  public NormalizerSpec spec() {
    return spec;
  }

  /**
   * Normalizes one raw event. Never throws.
   *
   * @param body          the raw bytes (kept verbatim in the event, not copied)
   * @param headers       the incoming Flume headers (only {@code timestamp} is read, for the header fallback); may be null
   * @param arrivalMillis the arrival time, for the arrival fallback
   */
  public NormalizeResult normalize(byte[] body, Map<String, String> headers, long arrivalMillis) {
    try {
      return doNormalize(body, headers, arrivalMillis);
    } catch (RuntimeException | StackOverflowError e) {
      return NormalizeResult.invalid(NormalizeResult.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** Per-call capture state. */
  private static final class Walk {
    final String[] values;
    final byte[] kinds;
    final int maxAttributes;
    List<String> flat;

    Walk(int slots, int maxAttributes) {
      values = new String[slots];
      kinds = new byte[slots];
      this.maxAttributes = maxAttributes;
    }

    void addFlat(String name, String value) throws LimitException {
      if (flat == null) {
        flat = new ArrayList<>();
      }
      flat.add(name);
      flat.add(value);
      if (flat.size() / 2 > maxAttributes) {
        throw new LimitException("more than limits.maxAttributes=" + maxAttributes + " attributes");
      }
    }
  }

  /** Thrown inside the walk when a configured limit is exceeded; no stack trace, it is an expected outcome. */
  private static final class LimitException extends Exception {
    private static final long serialVersionUID = 1L;

    LimitException(String reason) {
      super(reason, null, false, false);
    }
  }

  private NormalizeResult doNormalize(byte[] body, Map<String, String> headers, long arrivalMillis) {
    if (body == null) {
      return NormalizeResult.invalid(NormalizeResult.JSON, "no body");
    }
    if (body.length > spec.maxBodyBytes()) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, "body of " + body.length + " bytes is over limits.maxBodyBytes="
          + spec.maxBodyBytes());
    }
    // JSON text in UTF-8 never has a NUL byte; Jackson would take one near the start for UTF-16/32.
    for (int i = 0; i < Math.min(4, body.length); i++) {
      if (body[i] == 0) {
        return NormalizeResult.invalid(NormalizeResult.JSON, "body is not UTF-8 (NUL byte at offset " + i + ")");
      }
    }
    Walk w = new Walk(slotCount, spec.maxAttributes());
    try (JsonParser p = factory.createParser(body)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return NormalizeResult.invalid(NormalizeResult.JSON, "empty body");
      }
      if (t != JsonToken.START_OBJECT) {
        return NormalizeResult.invalid(NormalizeResult.JSON, "top-level value is " + describe(t)
            + ", must be an object (split arrays and NDJSON payloads before normalizing)");
      }
      walk(p, t, root, null, w);
      if (p.nextToken() != null) {
        return NormalizeResult.invalid(NormalizeResult.JSON, "content after the top-level object at "
            + where(p.currentTokenLocation()) + " (one event per body)");
      }
    } catch (StreamConstraintsException e) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, e.getOriginalMessage() + " at " + where(e.getLocation()));
    } catch (JsonProcessingException e) {
      return NormalizeResult.invalid(NormalizeResult.JSON, e.getOriginalMessage() + " at " + where(e.getLocation()));
    } catch (IOException e) {
      // CharConversionException for invalid UTF-8, among others
      return NormalizeResult.invalid(NormalizeResult.JSON, String.valueOf(e.getMessage()));
    } catch (LimitException e) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, e.getMessage());
    }
    return assemble(body, headers, arrivalMillis, w);
  }

  private void walk(JsonParser p, JsonToken t, PointerTrie.Node node, String prefix, Walk w)
      throws IOException, LimitException {
    switch (t.id()) {
      case JsonTokenId.ID_START_OBJECT: {
        String own = prefix != null ? prefix : node.structPrefix;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          PointerTrie.Node child = node == null ? null : node.field(name);
          t = p.nextToken();
          if (child == null && own == null) {
            if (t.isStructStart()) {
              p.skipChildren();
            }
            continue;
          }
          walk(p, t, child, own == null ? null : own + '.' + name, w);
        }
        return;
      }
      case JsonTokenId.ID_START_ARRAY: {
        String own = prefix != null ? prefix : node.structPrefix;
        int i = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          PointerTrie.Node child = node == null ? null : node.index(i);
          if (child == null && own == null) {
            if (t.isStructStart()) {
              p.skipChildren();
            }
          } else {
            walk(p, t, child, own == null ? null : own + '.' + i, w);
          }
          i++;
        }
        return;
      }
      case JsonTokenId.ID_NULL:
        return;
      case JsonTokenId.ID_STRING:
        capture(p.getText(), KIND_STRING, node, prefix, w);
        return;
      case JsonTokenId.ID_NUMBER_INT:
      case JsonTokenId.ID_NUMBER_FLOAT:
        capture(p.getText(), KIND_NUMBER, node, prefix, w);
        return;
      case JsonTokenId.ID_TRUE:
        capture("true", KIND_BOOLEAN, node, prefix, w);
        return;
      case JsonTokenId.ID_FALSE:
        capture("false", KIND_BOOLEAN, node, prefix, w);
        return;
      default:
        // embedded objects cannot come out of a text parser
        return;
    }
  }

  private void capture(String text, byte kind, PointerTrie.Node node, String prefix, Walk w) throws LimitException {
    if (text.isEmpty() && spec.emptyAsMissing()) {
      return;
    }
    if (node != null) {
      for (int slot : node.slots) {
        if (w.values[slot] == null) {
          w.values[slot] = text;
          w.kinds[slot] = kind;
        }
      }
    }
    if (prefix != null) {
      w.addFlat(prefix, text);
    }
  }

  private int first(Walk w, int from, int to) {
    for (int i = from; i < to; i++) {
      if (w.values[i] != null) {
        return i;
      }
    }
    return -1;
  }

  private NormalizeResult assemble(byte[] body, Map<String, String> headers, long arrivalMillis, Walk w) {
    int e = first(w, entityStart, typeStart);
    if (e < 0) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no entity id at " + candidates(entityStart, typeStart));
    }
    String entityId = w.values[e];
    if (entityId.isEmpty()) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "entity id at "
          + spec.entity().get(e - entityStart).pointer() + " is an empty string");
    }
    String entityType = spec.entity().get(e - entityStart).type();

    int ty = first(w, typeStart, timeStart);
    String eventType = ty >= 0 ? w.values[ty] : spec.eventTypeDefault();
    if (eventType == null || eventType.isEmpty()) {
      return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no event type at " + spec.eventTypePaths()
          + (eventType == null ? "" : " (empty string)") + " and no eventType.default");
    }

    long nanos;
    TimeSource source;
    int tm = first(w, timeStart, attrStart);
    if (tm >= 0) {
      if (w.kinds[tm] == KIND_BOOLEAN) {
        return NormalizeResult.invalid(NormalizeResult.TIME, "time at " + spec.timePaths().get(tm - timeStart)
            + " is a boolean");
      }
      try {
        nanos = spec.timeFormat().toNanos(w.values[tm], w.kinds[tm] == KIND_NUMBER);
      } catch (InvalidTimeException ex) {
        return NormalizeResult.invalid(NormalizeResult.TIME, ex.getMessage() + " at " + spec.timePaths().get(tm - timeStart)
            + " (time.format " + spec.timeFormat().label() + ")");
      }
      if (nanos < spec.timeMinNanos()) {
        return NormalizeResult.invalid(NormalizeResult.TIME, "time " + TimeFormat.quote(w.values[tm]) + " at "
            + spec.timePaths().get(tm - timeStart) + " is before time.min (" + spec.timeMinNanos() + " ns)");
      }
      source = TimeSource.EVENT;
    } else {
      switch (spec.timeFallback()) {
        case HEADER: {
          Long headerMillis = headerMillis(headers);
          if (headerMillis != null) {
            nanos = headerMillis * 1_000_000L;
            source = TimeSource.HEADER;
            break;
          }
          nanos = arrivalNanos(arrivalMillis);
          source = TimeSource.ARRIVAL;
          break;
        }
        case ARRIVAL:
          nanos = arrivalNanos(arrivalMillis);
          source = TimeSource.ARRIVAL;
          break;
        default:
          return NormalizeResult.invalid(NormalizeResult.MISSING_FIELD, "no time at " + spec.timePaths()
              + " and time.fallback=none");
      }
    }

    String eventId;
    int id = first(w, idStart, hashStart);
    if (id >= 0 && !w.values[id].isEmpty()) {
      eventId = w.values[id];
    } else if (hashStart < entityStart) {
      StringBuilder sb = new StringBuilder();
      for (int i = hashStart; i < entityStart; i++) {
        // unit separator between fields, NUL for a missing one: ("a","bc") and ("ab","c") hash differently
        sb.append(w.values[i] == null ? "\u0000" : w.values[i]).append('\u001f');
      }
      byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
      eventId = MurmurHash3.hash128Hex(b, 0, b.length);
    } else {
      eventId = MurmurHash3.hash128Hex(body, 0, body.length);
    }

    TreeMap<String, String> attrs = new TreeMap<>();
    for (int i = 0; i < attrNames.length; i++) {
      String v = w.values[attrStart + i];
      if (v != null) {
        attrs.putIfAbsent(attrNames[i], v);
      }
    }
    if (w.flat != null) {
      for (int i = 0; i < w.flat.size(); i += 2) {
        attrs.putIfAbsent(w.flat.get(i), w.flat.get(i + 1));
      }
    }
    if (attrs.size() > spec.maxAttributes()) {
      return NormalizeResult.invalid(NormalizeResult.LIMIT, attrs.size() + " attributes, over limits.maxAttributes="
          + spec.maxAttributes());
    }
    return NormalizeResult.valid(new CanonicalEvent(eventId, entityType, entityId, eventType, nanos, source, attrs,
        new TreeSet<>(), body));
  }

  private static long arrivalNanos(long arrivalMillis) {
    return Math.multiplyExact(arrivalMillis, 1_000_000L);
  }

  private static Long headerMillis(Map<String, String> headers) {
    if (headers == null) {
      return null;
    }
    String v = headers.get("timestamp");
    if (v == null) {
      return null;
    }
    try {
      long ms = Long.parseLong(v.trim());
      // the header is milliseconds; anything outside 1970..2262 in nanoseconds is not a usable time
      return ms >= 0 && ms <= Long.MAX_VALUE / 1_000_000L ? ms : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private String candidates(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(spec.entity().get(i - from).pointer());
    }
    return out.toString();
  }

  private static String describe(JsonToken t) {
    switch (t) {
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString();
    }
  }

  private static String where(JsonLocation loc) {
    if (loc == null) {
      return "unknown position";
    }
    return "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + " (byte " + loc.getByteOffset() + ")";
  }
}
