package io.eventstate.flume.sink;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.EventHeaders;
import io.eventstate.core.event.TimeSource;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.flume.Event;
import org.apache.flume.event.EventBuilder;

/** Flume events carrying canonical headers, as the normalizing interceptor would emit them. */
final class TestEvents {

  private TestEvents() {
  }

  static CanonicalEvent canonical(String eventId, String entityId, long nanos, String body) {
    TreeMap<String, String> attrs = new TreeMap<>();
    attrs.put("n", eventId);
    return new CanonicalEvent(eventId, "user", entityId, "click", nanos, TimeSource.EVENT, attrs, new TreeSet<>(),
        body.getBytes(StandardCharsets.UTF_8));
  }

  static Event event(String eventId, String entityId, long nanos, String body) {
    return flume(canonical(eventId, entityId, nanos, body));
  }

  static Event flume(CanonicalEvent ce) {
    Map<String, String> headers = new HashMap<>();
    EventHeaders.write(ce, headers);
    headers.put(EventHeaders.STATUS, EventHeaders.STATUS_VALID);
    return EventBuilder.withBody(ce.body(), headers);
  }
}
