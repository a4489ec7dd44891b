package io.eventstate.core.config;

import java.util.Locale;

/**
 * Durations as written in configuration and definitions: a whole number followed by a unit, {@code ms}, {@code s}, {@code m},
 * {@code h} or {@code d} (e.g. {@code 30m}, {@code 7d}, {@code 1500ms}). Several parts may be combined, largest
 * first: {@code 1h30m}. A day is always 24 hours (no calendar arithmetic: durations are exact nanoseconds).
 */
public final class Durations {

  private Durations() {
  }

  /** The fix appended to every error message about a duration. */
  public static final String FORMAT_HELP = "write a whole number followed by ms, s, m, h or d, e.g. 30m or 7d or 1h30m";

  /**
   * Parses a duration into nanoseconds.
   *
   * @throws IllegalArgumentException if the text is not a positive duration; the message says why
   */
  public static long parseNanos(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty duration");
    }
    String t = text.trim().toLowerCase(Locale.ROOT);
    long total = 0;
    int i = 0;
    int lastRank = Integer.MAX_VALUE;
    while (i < t.length()) {
      int start = i;
      while (i < t.length() && Character.isDigit(t.charAt(i))) {
        i++;
      }
      if (i == start || i - start > 12) {
        throw new IllegalArgumentException("'" + text + "' is not a duration");
      }
      long n = Long.parseLong(t.substring(start, i));
      int u = i;
      while (i < t.length() && !Character.isDigit(t.charAt(i))) {
        i++;
      }
      String unit = t.substring(u, i);
      long factor;
      int rank;
      switch (unit) {
        case "ms": factor = 1_000_000L; rank = 0; break;
        case "s": factor = 1_000_000_000L; rank = 1; break;
        case "m": factor = 60_000_000_000L; rank = 2; break;
        case "h": factor = 3_600_000_000_000L; rank = 3; break;
        case "d": factor = 86_400_000_000_000L; rank = 4; break;
        default:
          throw new IllegalArgumentException("'" + text + "' has " + (unit.isEmpty() ? "no unit" : "unknown unit '" + unit + "'"));
      }
      if (rank >= lastRank) {
        throw new IllegalArgumentException("'" + text + "' repeats a unit or puts a smaller unit first");
      }
      lastRank = rank;
      total = Math.addExact(total, Math.multiplyExact(n, factor));
    }
    if (total <= 0) {
      throw new IllegalArgumentException("'" + text + "' must be longer than zero");
    }
    return total;
  }

  /** Formats nanoseconds back into the shortest exact form, e.g. {@code 7d}, {@code 1h30m}, {@code 250ms}. */
  public static String format(long nanos) {
    if (nanos <= 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    long[] factors = {86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L};
    String[] units = {"d", "h", "m", "s", "ms"};
    long rest = nanos;
    for (int k = 0; k < factors.length; k++) {
      long q = rest / factors[k];
      if (q > 0) {
        b.append(q).append(units[k]);
        rest -= q * factors[k];
      }
    }
    if (rest > 0) {
      b.append(rest).append("ns");
    }
    return b.toString();
  }
}
