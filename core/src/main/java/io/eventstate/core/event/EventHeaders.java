package io.eventstate.core.event;

import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Flume header names that carry a canonical event. They are part of Eventstate's public interface:
 * the README documents them, Flume selectors and stock sinks read them, and they do not change.
 *
 * <p>The body of a Flume event always stays the raw bytes; everything derived lives in headers.
 */
public final class EventHeaders {

  /** Prefix of every Eventstate header. */
  public static final String PREFIX = "es.";
  /** The event id: the configured id field, or a hash of the raw body. */
  public static final String EVENT_ID = "es.eventId";
  /** The entity type, e.g. {@code user}. */
  public static final String ENTITY_TYPE = "es.entityType";
  /** The entity id within its type. */
  public static final String ENTITY_ID = "es.entityId";
  /** The event type, e.g. {@code login}. */
  public static final String EVENT_TYPE = "es.eventType";
  /** Event time as a decimal count of nanoseconds since the epoch (exact). */
  public static final String EVENT_TIME = "es.eventTime";
  /** {@code event}, {@code header} or {@code arrival}: see {@link TimeSource}. */
  public static final String TIME_SOURCE = "es.timeSource";
  /** Prefix of attribute headers: {@code es.attr.<flattened.name>}. */
  public static final String ATTRIBUTE_PREFIX = "es.attr.";
  /** Comma-separated, sorted tags. */
  public static final String TAGS = "es.tags";
  /** {@code valid}, {@code invalid} or {@code gated}. */
  public static final String STATUS = "es.status";
  /** The route value a multiplexing channel selector maps to a channel. */
  public static final String ROUTE = "es.route";
  /** Why an event is invalid or gated. */
  public static final String REASON = "es.reason";
  /** Which stage made an event invalid or gated: {@code http}, {@code normalize} or {@code tag}. */
  public static final String STAGE = "es.stage";
  /**
   * When the normalizing interceptor saw the event, milliseconds since the epoch (the HDFS copy's
   * {@code arrival_time_ms}); never part of the event's identity or of its HBase row.
   */
  public static final String ARRIVAL_TIME = "es.arrivalTime";
  /** Flume's own event-time header, in milliseconds, read by stock sinks such as the HDFS sink. */
  public static final String FLUME_TIMESTAMP = "timestamp";

  public static final String STATUS_VALID = "valid";
  public static final String STATUS_INVALID = "invalid";
  public static final String STATUS_GATED = "gated";

  private EventHeaders() {
  }

  /** Writes the canonical fields of {@code event} into {@code headers}; existing other headers are kept. */
  public static void write(CanonicalEvent event, Map<String, String> headers) {
    headers.put(EVENT_ID, event.eventId());
    headers.put(ENTITY_TYPE, event.entityType());
    headers.put(ENTITY_ID, event.entityId());
    headers.put(EVENT_TYPE, event.eventType());
    headers.put(EVENT_TIME, Long.toString(event.eventTimeNanos()));
    headers.put(TIME_SOURCE, event.timeSource().label());
    headers.put(FLUME_TIMESTAMP, Long.toString(event.eventTimeMillis()));
    for (Map.Entry<String, String> a : event.attributes().entrySet()) {
      headers.put(ATTRIBUTE_PREFIX + a.getKey(), a.getValue());
    }
    if (!event.tags().isEmpty()) {
      headers.put(TAGS, String.join(",", event.tags()));
    }
  }

  /**
   * Reads a canonical event back from headers and body.
   *
   * @throws MalformedEventException naming the header when a canonical header is missing or malformed
   */
  public static CanonicalEvent read(Map<String, String> headers, byte[] body) throws MalformedEventException {
    String eventId = required(headers, EVENT_ID);
    String entityType = required(headers, ENTITY_TYPE);
    String entityId = required(headers, ENTITY_ID);
    String eventType = required(headers, EVENT_TYPE);
    String time = required(headers, EVENT_TIME);
    long nanos;
    try {
      nanos = Long.parseLong(time);
    } catch (NumberFormatException e) {
      throw new MalformedEventException("header " + EVENT_TIME + " is '" + time + "', must be a decimal count of nanoseconds");
    }
    TimeSource source = TimeSource.EVENT;
    String sourceLabel = headers.get(TIME_SOURCE);
    if (sourceLabel != null) {
      try {
        source = TimeSource.fromLabel(sourceLabel);
      } catch (IllegalArgumentException e) {
        throw new MalformedEventException("header " + TIME_SOURCE + ": " + e.getMessage());
      }
    }
    SortedMap<String, String> attributes = new TreeMap<>();
    for (Map.Entry<String, String> h : headers.entrySet()) {
      if (h.getKey().startsWith(ATTRIBUTE_PREFIX)) {
        attributes.put(h.getKey().substring(ATTRIBUTE_PREFIX.length()), h.getValue());
      }
    }
    SortedSet<String> tags = new TreeSet<>();
    String tagList = headers.get(TAGS);
    if (tagList != null && !tagList.isEmpty()) {
      for (String t : tagList.split(",")) {
        if (!t.isEmpty()) {
          tags.add(t);
        }
      }
    }
    return new CanonicalEvent(eventId, entityType, entityId, eventType, nanos, source, attributes, tags, body);
  }

  private static String required(Map<String, String> headers, String name) throws MalformedEventException {
    String v = headers.get(name);
    if (v == null || v.isEmpty()) {
      throw new MalformedEventException("header " + name + " is missing: was the event normalized by NormalizingInterceptor?");
    }
    return v;
  }
}
