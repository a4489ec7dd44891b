package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.eventstate.core.event.CanonicalEvent;

/** Field-by-field equality of two canonical events, with a message naming the input. */
final class CanonicalEventAssert {

  private CanonicalEventAssert() {
  }

  static void same(CanonicalEvent expected, CanonicalEvent actual, String what) {
    assertEquals(expected.eventId(), actual.eventId(), what + ": eventId");
    assertEquals(expected.entityType(), actual.entityType(), what + ": entityType");
    assertEquals(expected.entityId(), actual.entityId(), what + ": entityId");
    assertEquals(expected.eventType(), actual.eventType(), what + ": eventType");
    assertEquals(expected.eventTimeNanos(), actual.eventTimeNanos(), what + ": eventTime");
    assertEquals(expected.timeSource(), actual.timeSource(), what + ": timeSource");
    assertEquals(expected.attributes(), actual.attributes(), what + ": attributes");
    assertEquals(expected.tags(), actual.tags(), what + ": tags");
    assertArrayEquals(expected.body(), actual.body(), what + ": body");
  }
}
