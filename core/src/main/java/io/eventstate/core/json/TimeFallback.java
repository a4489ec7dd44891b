package io.eventstate.core.json;

/** What to do when an event has no time at any configured path (absent, null, or empty when empty counts as missing). */
public enum TimeFallback {
  /** The event is invalid (reason class {@code missing_field}). */
  NONE,
  /** Flume's {@code timestamp} header (milliseconds); if that header is absent or not a number, the arrival time. */
  HEADER,
  /** The time the normalizer saw the event. */
  ARRIVAL;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
