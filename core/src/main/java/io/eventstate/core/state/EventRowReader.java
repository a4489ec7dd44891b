package io.eventstate.core.state;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;
import io.eventstate.core.rowkey.EventRowCodec;
import io.eventstate.core.rowkey.RowKeyCodec;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
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
    TreeSet<String> tags = new TreeSet<>();
    byte[] t = cells.get(EventRowCodec.Q_TAGS);
    if (t != null && t.length > 0) {
      for (String tag : text(t).split(",")) {
        if (!tag.isEmpty()) {
          tags.add(tag);
        }
      }
    }
    byte[] body = cells.getOrDefault(EventRowCodec.Q_BODY, new byte[0]);
    return new CanonicalEvent(eventId, type, id, eventType, nanos, source, attributes, tags, body);
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
