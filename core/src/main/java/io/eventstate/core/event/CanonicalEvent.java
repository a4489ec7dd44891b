package io.eventstate.core.event;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The one shape every valid raw event is normalized into.
 *
 * <p>{@code eventTimeNanos} is nanoseconds since the Unix epoch, exact: it is never computed through a
 * {@code double}. Attributes and tags are sorted so that equal events have equal encodings. The body is
 * the raw bytes exactly as received; this record does not copy it, so callers must not mutate it.
 *
 * @param eventId     the configured id field, or a deterministic hash of the raw body
 * @param entityType  e.g. {@code user}, {@code device}, {@code package}
 * @param entityId    the entity's id within its type
 * @param eventType   e.g. {@code login}, {@code in_transit}
 * @param eventTimeNanos nanoseconds since the epoch
 * @param timeSource  where the time came from
 * @param attributes  named values taken from the raw JSON, nested paths flattened with dots
 * @param tags        tags added by rules
 * @param body        the raw body bytes, verbatim
 */
public record CanonicalEvent(
    String eventId,
    String entityType,
    String entityId,
    String eventType,
    long eventTimeNanos,
    TimeSource timeSource,
    SortedMap<String, String> attributes,
    SortedSet<String> tags,
    byte[] body) {

  public CanonicalEvent {
    requireText(eventId, "eventId");
    requireText(entityType, "entityType");
    requireText(entityId, "entityId");
    requireText(eventType, "eventType");
    Objects.requireNonNull(timeSource, "timeSource");
    attributes = Objects.requireNonNull(attributes, "attributes").isEmpty() ? Collections.emptySortedMap()
        : Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
    tags = Objects.requireNonNull(tags, "tags").isEmpty() ? Collections.emptySortedSet()
        : Collections.unmodifiableSortedSet(new TreeSet<>(tags));
    Objects.requireNonNull(body, "body");
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException(name + " must be a non-empty string");
    }
  }

  /** Event time in milliseconds, rounded towards negative infinity, as Flume's {@code timestamp} header wants it. */
  public long eventTimeMillis() {
    return Math.floorDiv(eventTimeNanos, 1_000_000L);
  }

  /** The entity as {@code type:id}, the form the command line and logs use. */
  public String entity() {
    return entityType + ':' + entityId;
  }

  public CanonicalEvent withTags(SortedSet<String> newTags) {
    return new CanonicalEvent(eventId, entityType, entityId, eventType, eventTimeNanos, timeSource, attributes, newTags, body);
  }

  public CanonicalEvent withAttributes(Map<String, String> newAttributes) {
    return new CanonicalEvent(eventId, entityType, entityId, eventType, eventTimeNanos, timeSource,
        new TreeMap<>(newAttributes), tags, body);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CanonicalEvent e)) {
      return false;
    }
    return eventTimeNanos == e.eventTimeNanos && eventId.equals(e.eventId) && entityType.equals(e.entityType)
        && entityId.equals(e.entityId) && eventType.equals(e.eventType) && timeSource == e.timeSource
        && attributes.equals(e.attributes) && tags.equals(e.tags) && Arrays.equals(body, e.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, entityType, entityId, eventType, eventTimeNanos, timeSource, attributes, tags)
        * 31 + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "CanonicalEvent{" + entity() + " " + eventType + " @" + eventTimeNanos + " id=" + eventId
        + " attrs=" + attributes + " tags=" + tags + " body=" + body.length + "B}";
  }
}
