package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The inverse of {@link EventRowCodec#eventRow}: an event row's {@code e} cells back to a {@link CanonicalEvent},
 * checked against the row key. Used for the events a writer puts (to advance state) and for the stored events a
 * late event makes the coprocessor replay.
 */
public final class EventRowReader {

  private EventRowReader() {
  }

  /**
   * Decodes an event row.
   *
   * @param key   the decoded row key (kind {@code EVENT})
   * @param cells qualifier → value of family {@code e}; {@code body} may be absent (then the body is empty)
   * @throws IllegalArgumentException naming the row and what is wrong: a missing canonical cell, a time that is
   *                                  not a decimal number, or cells that disagree with the row key
   */
  public static CanonicalEvent read(String row, RowKeyCodec.DecodedKey key, Map<String, byte[]> cells) {
    String eventId = required(row, cells, EventRowCodec.Q_EVENT_ID);
    String type = required(row, cells, EventRowCodec.Q_ENTITY_TYPE);
    String id = required(row, cells, EventRowCodec.Q_ENTITY_ID);
    String eventType = required(row, cells, EventRowCodec.Q_EVENT_TYPE);
    String time = required(row, cells, EventRowCodec.Q_TIME_NS);
    long nanos;
    try {
      nanos = Long.parseLong(time.trim());
    } catch (NumberFormatException e) {
      throw bad(row, "cell e:" + EventRowCodec.Q_TIME_NS + " '" + time + "' is not decimal nanoseconds");
    }
    if (!type.equals(key.entityType()) || !id.equals(key.entityId()) || !eventId.equals(key.eventId())
        || nanos != key.eventTimeNanos()) {
      throw bad(row, "the cells (" + type + ", " + id + ", " + nanos + ", " + eventId
          + ") disagree with the row key (" + key.entityType() + ", " + key.entityId() + ", "
          + key.eventTimeNanos() + ", " + key.eventId() + ")");
    }
    if (eventType.isEmpty()) {
      throw bad(row, "cell e:" + EventRowCodec.Q_EVENT_TYPE + " is empty");
    }
    TimeSource source = TimeSource.EVENT;
    byte[] ts = cells.get(EventRowCodec.Q_TIME_SOURCE);
    if (ts != null) {
      try {
        source = TimeSource.fromLabel(text(ts));
      } catch (IllegalArgumentException e) {
        throw bad(row, e.getMessage());
      }
    }
    TreeMap<String, String> attributes = new TreeMap<>();
    for (Map.Entry<String, byte[]> c : cells.entrySet()) {
      if (c.getKey().startsWith(EventRowCodec.Q_ATTRIBUTE_PREFIX)) {
        attributes.put(c.getKey().substring(EventRowCodec.Q_ATTRIBUTE_PREFIX.length()), text(c.getValue()));
      }
    }
    SortedSet<String> tags = java.util.Collections.emptySortedSet();
    byte[] t = cells.get(EventRowCodec.Q_TAGS);
    if (t != null && t.length > 0) {
      tags = new TreeSet<>();
      for (String tag : text(t).split(",")) {
        if (!tag.isEmpty()) {
          tags.add(tag);
        }
      }
    }
    byte[] body = cells.getOrDefault(EventRowCodec.Q_BODY, NO_BODY);
    return new CanonicalEvent(eventId, type, id, eventType, nanos, source, attributes, tags, body);
  }

  private static final byte[] NO_BODY = new byte[0];

  private static final byte[] Q_EVENT_ID = StateColumns.utf8(EventRowCodec.Q_EVENT_ID);
  private static final byte[] Q_ENTITY_TYPE = StateColumns.utf8(EventRowCodec.Q_ENTITY_TYPE);
  private static final byte[] Q_ENTITY_ID = StateColumns.utf8(EventRowCodec.Q_ENTITY_ID);
  private static final byte[] Q_EVENT_TYPE = StateColumns.utf8(EventRowCodec.Q_EVENT_TYPE);
  private static final byte[] Q_TIME_NS = StateColumns.utf8(EventRowCodec.Q_TIME_NS);
  private static final byte[] Q_TIME_SOURCE = StateColumns.utf8(EventRowCodec.Q_TIME_SOURCE);
  private static final byte[] Q_TAGS = StateColumns.utf8(EventRowCodec.Q_TAGS);
  private static final byte[] Q_ATTRIBUTE_PREFIX = StateColumns.utf8(EventRowCodec.Q_ATTRIBUTE_PREFIX);

  /**
   * {@link #read(String, RowKeyCodec.DecodedKey, Map)} for the state step, reading the cells in place: the canonical
   * cells the row key repeats are compared with it without being copied, and the body is not read (the state never
   * looks at it: the event's body is empty).
   *
   * @throws IllegalArgumentException as {@link #read(String, RowKeyCodec.DecodedKey, Map)}
   */
  public static CanonicalEvent readForState(String row, RowKeyCodec.DecodedKey key, RowCells cells) {
    int eventId = -1;
    int type = -1;
    int id = -1;
    int eventType = -1;
    int time = -1;
    int source = -1;
    int tagsAt = -1;
    TreeMap<String, String> attributes = null;
    for (int i = 0; i < cells.size(); i++) {
      byte[] q = cells.qualifierArray(i);
      int off = cells.qualifierOffset(i);
      int len = cells.qualifierLength(i);
      if (startsWith(q, off, len, Q_ATTRIBUTE_PREFIX)) {
        if (attributes == null) {
          attributes = new TreeMap<>();
        }
        attributes.put(new String(q, off + Q_ATTRIBUTE_PREFIX.length, len - Q_ATTRIBUTE_PREFIX.length,
            StandardCharsets.UTF_8), value(cells, i));
      } else if (is(q, off, len, Q_EVENT_ID)) {
        eventId = i;
      } else if (is(q, off, len, Q_ENTITY_TYPE)) {
        type = i;
      } else if (is(q, off, len, Q_ENTITY_ID)) {
        id = i;
      } else if (is(q, off, len, Q_EVENT_TYPE)) {
        eventType = i;
      } else if (is(q, off, len, Q_TIME_NS)) {
        time = i;
      } else if (is(q, off, len, Q_TIME_SOURCE)) {
        source = i;
      } else if (is(q, off, len, Q_TAGS)) {
        tagsAt = i;
      }
    }
    required(row, eventId, EventRowCodec.Q_EVENT_ID);
    required(row, type, EventRowCodec.Q_ENTITY_TYPE);
    required(row, id, EventRowCodec.Q_ENTITY_ID);
    required(row, eventType, EventRowCodec.Q_EVENT_TYPE);
    required(row, time, EventRowCodec.Q_TIME_NS);
    long nanos = parseNanos(cells, time);
    if (nanos == Long.MIN_VALUE && !value(cells, time).trim().equals(Long.toString(Long.MIN_VALUE))) {
      throw bad(row, "cell e:" + EventRowCodec.Q_TIME_NS + " '" + value(cells, time) + "' is not decimal nanoseconds");
    }
    if (!same(cells, type, key.entityType()) || !same(cells, id, key.entityId())
        || !same(cells, eventId, key.eventId()) || nanos != key.eventTimeNanos()) {
      throw bad(row, "the cells (" + value(cells, type) + ", " + value(cells, id) + ", " + nanos + ", "
          + value(cells, eventId) + ") disagree with the row key (" + key.entityType() + ", " + key.entityId() + ", "
          + key.eventTimeNanos() + ", " + key.eventId() + ")");
    }
    if (cells.valueLength(eventType) == 0) {
      throw bad(row, "cell e:" + EventRowCodec.Q_EVENT_TYPE + " is empty");
    }
    TimeSource timeSource = TimeSource.EVENT;
    if (source >= 0) {
      timeSource = null;
      for (TimeSource t : TimeSource.values()) {
        if (same(cells, source, t.label())) {
          timeSource = t;
        }
      }
      if (timeSource == null) {
        try {
          timeSource = TimeSource.fromLabel(value(cells, source));
        } catch (IllegalArgumentException e) {
          throw bad(row, e.getMessage());
        }
      }
    }
    SortedSet<String> tags = java.util.Collections.emptySortedSet();
    if (tagsAt >= 0 && cells.valueLength(tagsAt) > 0) {
      tags = new TreeSet<>();
      for (String tag : value(cells, tagsAt).split(",")) {
        if (!tag.isEmpty()) {
          tags.add(tag);
        }
      }
    }
    return new CanonicalEvent(key.eventId(), key.entityType(), key.entityId(), value(cells, eventType), nanos,
        timeSource, attributes == null ? java.util.Collections.emptySortedMap() : attributes, tags, NO_BODY);
  }

  private static void required(String row, int index, String q) {
    if (index < 0) {
      throw bad(row, "cell e:" + q + " is missing");
    }
  }

  private static boolean is(byte[] a, int off, int len, byte[] q) {
    return len == q.length && java.util.Arrays.equals(a, off, off + len, q, 0, q.length);
  }

  private static boolean startsWith(byte[] a, int off, int len, byte[] prefix) {
    return len >= prefix.length && java.util.Arrays.equals(a, off, off + prefix.length, prefix, 0, prefix.length);
  }

  private static String value(RowCells cells, int i) {
    return new String(cells.valueArray(i), cells.valueOffset(i), cells.valueLength(i), StandardCharsets.UTF_8);
  }

  /** True if the cell's value is the UTF-8 form of {@code s} (compared in place when it is ASCII). */
  private static boolean same(RowCells cells, int i, String s) {
    byte[] v = cells.valueArray(i);
    int off = cells.valueOffset(i);
    int len = cells.valueLength(i);
    if (len != s.length()) {
      return len > s.length() && value(cells, i).equals(s); // non-ASCII text has more bytes than chars
    }
    for (int k = 0; k < len; k++) {
      char c = s.charAt(k);
      if (c >= 0x80 || v[off + k] != (byte) c) {
        return c >= 0x80 && value(cells, i).equals(s);
      }
    }
    return true;
  }

  /** Decimal nanoseconds, spaces around allowed; {@link Long#MIN_VALUE} when the text is not one. */
  private static long parseNanos(RowCells cells, int i) {
    byte[] v = cells.valueArray(i);
    int from = cells.valueOffset(i);
    int to = from + cells.valueLength(i);
    while (from < to && v[from] == ' ') {
      from++;
    }
    while (to > from && v[to - 1] == ' ') {
      to--;
    }
    boolean negative = from < to && v[from] == '-';
    int start = negative ? from + 1 : from;
    if (start >= to || to - start > 19) {
      return Long.MIN_VALUE;
    }
    long n = 0;
    for (int k = start; k < to; k++) {
      int d = v[k] - '0';
      if (d < 0 || d > 9) {
        return Long.MIN_VALUE;
      }
      n = n * 10 + d;
      if (n < 0) {
        return Long.MIN_VALUE;
      }
    }
    return negative ? -n : n;
  }

  private static String required(String row, Map<String, byte[]> cells, String q) {
    byte[] v = cells.get(q);
    if (v == null) {
      throw bad(row, "cell e:" + q + " is missing");
    }
    return text(v);
  }

  private static IllegalArgumentException bad(String row, String why) {
    return new IllegalArgumentException("event row '" + row + "': " + why);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
