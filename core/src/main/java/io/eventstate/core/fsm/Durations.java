package io.eventstate.core.fsm;

/**
 * Durations as written in definitions ({@code 30m}, {@code 7d}, {@code 1h30m}); the one parser is
 * {@link io.eventstate.core.config.Durations}, shared with every other configuration.
 */
public final class Durations {

  private Durations() {
  }

  /** The fix appended to every error message about a duration. */
  public static final String FORMAT_HELP = io.eventstate.core.config.Durations.FORMAT_HELP;

  /**
   * Parses a duration into nanoseconds.
   *
   * @throws IllegalArgumentException if the text is not a positive duration; the message says why
   */
  public static long parseNanos(String text) {
    return io.eventstate.core.config.Durations.parseNanos(text);
  }

  /** Formats nanoseconds back into the shortest exact form, e.g. {@code 7d}, {@code 1h30m}, {@code 250ms}. */
  public static String format(long nanos) {
    return io.eventstate.core.config.Durations.format(nanos);
  }
}
