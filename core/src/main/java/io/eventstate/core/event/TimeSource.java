package io.eventstate.core.event;

/**
 * Where an event's time came from. Only {@link #EVENT} is the event's own clock; the two fallbacks are
 * marked in the {@link EventHeaders#TIME_SOURCE} header so that a query can tell them apart.
 */
public enum TimeSource {
  /** Parsed from the raw event body. */
  EVENT,
  /** Flume's {@code timestamp} header (milliseconds), set by a source or an upstream interceptor. */
  HEADER,
  /** The time the interceptor saw the event. */
  ARRIVAL;

  // computed once: label() is called for every normalized event
  private final String label = name().toLowerCase(java.util.Locale.ROOT);

  public String label() {
    return label;
  }

  public static TimeSource fromLabel(String label) {
    for (TimeSource s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown time source '" + label + "', expected event, header or arrival");
  }
}
