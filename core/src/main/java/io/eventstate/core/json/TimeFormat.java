package io.eventstate.core.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.Locale;

/**
 * How an event's time is written in the raw JSON, and its exact conversion to nanoseconds since the epoch.
 *
 * <p>Nothing here goes through a {@code double}: numbers are read from their text (a JSON number's own
 * text, as the parser saw it), so {@code "1457741907.959400112"} becomes {@code 1457741907959400112}
 * to the last digit.
 *
 * <ul>
 *   <li>{@code epoch_seconds} (alias {@code decimal_seconds}), {@code epoch_millis}, {@code epoch_micros},
 *       {@code epoch_nanos}: a decimal number in that unit, as a JSON number or a string, with an optional
 *       fraction down to the nanosecond (so at most 9, 6, 3, 0 fractional digits; further digits must be
 *       zeros). Exponent notation ({@code 1.4577419079594E9}) is accepted and evaluated exactly.</li>
 *   <li>{@code iso8601}: {@code YYYY-MM-DDTHH:MM[:SS[.f…]]} followed by {@code Z} or an offset
 *       ({@code +02:00}, {@code +0200}, {@code +02}), with 1 to 9 fractional digits; {@code t} or a space
 *       may replace {@code T}. A time without a zone is rejected: it is ambiguous.</li>
 *   <li>{@code auto}: a value that looks like a number is an epoch number whose unit is inferred from the
 *       magnitude of its integer part {@code n}: {@code n < 10^11} seconds (up to year 5138),
 *       {@code n < 10^14} milliseconds, {@code n < 10^17} microseconds, else nanoseconds. Anything else is
 *       parsed as ISO-8601. The thresholds are safe for any time after 1973-03-03: the smallest
 *       milliseconds value that is not mistaken for seconds is 10^11 ms = 1973-03-03T09:46:40Z.</li>
 * </ul>
 *
 * <p>Times before 1970-01-01 (negative values), after 2262-04-11 (the limit of a signed 64-bit count of
 * nanoseconds), empty strings and garbage are an {@link InvalidTimeException} with the reason.
 */
public enum TimeFormat {
  AUTO("auto", -1),
  ISO8601("iso8601", -1),
  EPOCH_SECONDS("epoch_seconds", 9),
  DECIMAL_SECONDS("decimal_seconds", 9),
  EPOCH_MILLIS("epoch_millis", 6),
  EPOCH_MICROS("epoch_micros", 3),
  EPOCH_NANOS("epoch_nanos", 0);

  /** Integer parts below this are seconds in {@code auto}. */
  public static final long AUTO_SECONDS_BELOW = 100_000_000_000L;
  /** Integer parts below this (and not seconds) are milliseconds in {@code auto}. */
  public static final long AUTO_MILLIS_BELOW = 100_000_000_000_000L;
  /** Integer parts below this (and not milliseconds) are microseconds in {@code auto}; larger are nanoseconds. */
  public static final long AUTO_MICROS_BELOW = 100_000_000_000_000_000L;

  private static final long[] POW10 = {
      1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L};

  private final String label;
  /** log10 of nanoseconds per unit, or -1 for the non-numeric formats. */
  private final int nanosDigits;

  TimeFormat(String label, int nanosDigits) {
    this.label = label;
    this.nanosDigits = nanosDigits;
  }

  public String label() {
    return label;
  }

  /** The format with this configuration label. */
  public static TimeFormat fromLabel(String label) {
    for (TimeFormat f : values()) {
      if (f.label.equals(label)) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown time format '" + label + "'");
  }

  /** All labels, for error messages and documentation. */
  public static String labels() {
    StringBuilder sb = new StringBuilder();
    for (TimeFormat f : values()) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(f.label);
    }
    return sb.toString();
  }

  /**
   * Converts a raw time value to nanoseconds since the epoch.
   *
   * @param text       the JSON string's value, or the JSON number's text
   * @param jsonNumber whether the value was a JSON number (then ISO-8601 is impossible)
   * @throws InvalidTimeException with the reason when the value is not a valid time in this format
   */
  public long toNanos(String text, boolean jsonNumber) throws InvalidTimeException {
    return toNanos(text, jsonNumber, null);
  }

  /**
   * Like {@link #toNanos(String, boolean)}, but an ISO-8601 time without a zone ({@code 2018-07-31T06:00:00}) is a
   * local time in {@code zone} when that is not null. In a daylight-saving gap the time moves forward by the gap; in an
   * overlap the earlier offset is used ({@link java.time.ZonedDateTime#of}).
   */
  public long toNanos(String text, boolean jsonNumber, java.time.ZoneId zone) throws InvalidTimeException {
    if (text.isEmpty()) {
      throw new InvalidTimeException("time is an empty string");
    }
    switch (this) {
      case ISO8601:
        if (jsonNumber) {
          throw new InvalidTimeException("time " + quote(text) + " is a number, time.format iso8601 expects a string");
        }
        return parseIso(text, zone);
      case AUTO:
        if (jsonNumber || looksNumeric(text)) {
          return parseNumber(text, -1);
        }
        return parseIso(text, zone);
      default:
        return parseNumber(text, nanosDigits);
    }
  }

  private static boolean looksNumeric(String s) {
    char c = s.charAt(0);
    if (c == '-' || c == '+') {
      return s.length() > 1 && isDigit(s.charAt(1));
    }
    if (!isDigit(c)) {
      return c == '.';
    }
    // "2019-04-21T..." starts with digits too: ISO has '-' after the year; a number never has a '-' there
    for (int i = 1; i < s.length(); i++) {
      char d = s.charAt(i);
      if (!isDigit(d)) {
        return d == '.' || d == 'e' || d == 'E';
      }
    }
    return true;
  }

  /** Parses a decimal number of units; {@code nanosDigits < 0} infers the unit from the magnitude. */
  static long parseNumber(String s, int nanosDigits) throws InvalidTimeException {
    int n = s.length();
    int i = 0;
    char first = s.charAt(0);
    if (first == '-') {
      throw new InvalidTimeException("time " + quote(s) + " is negative (before 1970-01-01), expected a positive epoch number");
    }
    if (first == '+') {
      i++;
    }
    long intPart = 0;
    int intStart = i;
    while (i < n && isDigit(s.charAt(i))) {
      int d = s.charAt(i) - '0';
      if (intPart > (Long.MAX_VALUE - d) / 10) {
        throw new InvalidTimeException("time " + quote(s) + " is too large: it does not fit 64-bit nanoseconds (year 2262)");
      }
      intPart = intPart * 10 + d;
      i++;
    }
    int intDigits = i - intStart;
    long frac = 0;
    int fracDigits = 0;
    int fracSignificant = 0;
    boolean fracNonZeroBeyond = false;
    if (i < n && s.charAt(i) == '.') {
      i++;
      int fracStart = i;
      while (i < n && isDigit(s.charAt(i))) {
        int d = s.charAt(i) - '0';
        if (fracDigits < 9) {
          frac = frac * 10 + d;
          fracSignificant++;
        } else if (d != 0) {
          fracNonZeroBeyond = true;
        }
        fracDigits++;
        i++;
      }
      if (i == fracStart) {
        throw invalidNumber(s);
      }
    }
    if (intDigits == 0 && fracDigits == 0) {
      throw invalidNumber(s);
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      return parseExponent(s, nanosDigits);
    }
    if (i != n) {
      throw invalidNumber(s);
    }
    int digits = nanosDigits >= 0 ? nanosDigits : inferDigits(intPart);
    // fractional digits below one nanosecond must be zeros
    if (fracNonZeroBeyond || (fracSignificant > digits && frac % POW10[fracSignificant - digits] != 0)) {
      throw new InvalidTimeException("time " + quote(s) + " has more precision than a nanosecond");
    }
    long fracNanos = fracSignificant > digits ? frac / POW10[fracSignificant - digits] : frac * POW10[digits - fracSignificant];
    try {
      return Math.addExact(Math.multiplyExact(intPart, POW10[digits]), fracNanos);
    } catch (ArithmeticException e) {
      throw new InvalidTimeException("time " + quote(s) + " is too large: it does not fit 64-bit nanoseconds (year 2262)");
    }
  }

  private static int inferDigits(long intPart) {
    if (intPart < AUTO_SECONDS_BELOW) {
      return 9;
    }
    if (intPart < AUTO_MILLIS_BELOW) {
      return 6;
    }
    if (intPart < AUTO_MICROS_BELOW) {
      return 3;
    }
    return 0;
  }

  private static long parseExponent(String s, int nanosDigits) throws InvalidTimeException {
    BigDecimal d;
    try {
      if (s.length() > 64) {
        throw invalidNumber(s);
      }
      d = new BigDecimal(s);
    } catch (NumberFormatException e) {
      throw invalidNumber(s);
    }
    if (d.signum() < 0) {
      throw new InvalidTimeException("time " + quote(s) + " is negative (before 1970-01-01), expected a positive epoch number");
    }
    // guard against 1e999999999 before any scaling work
    if (d.precision() - d.scale() > 20) {
      throw new InvalidTimeException("time " + quote(s) + " is too large: it does not fit 64-bit nanoseconds (year 2262)");
    }
    int digits = nanosDigits;
    if (digits < 0) {
      BigInteger intPart = d.toBigInteger();
      digits = intPart.bitLength() < 63 ? inferDigits(intPart.longValue()) : 0;
    }
    BigDecimal nanos = d.movePointRight(digits);
    try {
      return nanos.longValueExact();
    } catch (ArithmeticException e) {
      if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw new InvalidTimeException("time " + quote(s) + " is too large: it does not fit 64-bit nanoseconds (year 2262)");
      }
      throw new InvalidTimeException("time " + quote(s) + " has more precision than a nanosecond");
    }
  }

  /** Parses ISO-8601 with a zone: see the class comment. */
  static long parseIso(String s) throws InvalidTimeException {
    return parseIso(s, null);
  }

  /** Parses ISO-8601; a time without a zone is local to {@code zone}, or invalid when that is null. */
  static long parseIso(String s, java.time.ZoneId zone) throws InvalidTimeException {
    int n = s.length();
    if (n < 17 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':') {
      throw invalidIso(s);
    }
    char sep = s.charAt(10);
    if (sep != 'T' && sep != 't' && sep != ' ') {
      throw invalidIso(s);
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) {
      throw invalidIso(s);
    }
    int i = 16;
    int second = 0;
    long nanoOfSecond = 0;
    if (i < n && s.charAt(i) == ':') {
      second = digits(s, i + 1, 2);
      if (second < 0) {
        throw invalidIso(s);
      }
      i += 3;
      if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
        i++;
        int start = i;
        while (i < n && isDigit(s.charAt(i))) {
          if (i - start >= 9) {
            throw new InvalidTimeException("time " + quote(s) + " has more than 9 fractional digits");
          }
          nanoOfSecond = nanoOfSecond * 10 + (s.charAt(i) - '0');
          i++;
        }
        int fd = i - start;
        if (fd == 0) {
          throw invalidIso(s);
        }
        nanoOfSecond *= POW10[9 - fd];
      }
    }
    if (i >= n && zone != null) {
      if (hour > 23 || minute > 59 || second > 59) {
        throw invalidIso(s);
      }
      try {
        java.time.Instant t = java.time.ZonedDateTime.of(year, month, day, hour, minute, second, (int) nanoOfSecond, zone)
            .toInstant();
        if (t.getEpochSecond() < 0) {
          throw new InvalidTimeException("time " + quote(s) + " is before 1970-01-01");
        }
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
      } catch (DateTimeException e) {
        throw new InvalidTimeException("time " + quote(s) + " is not a valid date: " + e.getMessage());
      } catch (ArithmeticException e) {
        throw new InvalidTimeException("time " + quote(s) + " is after 2262-04-11, beyond 64-bit nanoseconds");
      }
    }
    if (i >= n) {
      throw new InvalidTimeException("time " + quote(s) + " has no zone: add Z or an offset such as +02:00, or set "
          + "time.zone (or time.zone.paths) in the mapping");
    }
    int offsetSeconds;
    char z = s.charAt(i);
    if (z == 'Z' || z == 'z') {
      offsetSeconds = 0;
      i++;
    } else if (z == '+' || z == '-') {
      int oh = digits(s, i + 1, 2);
      if (oh < 0) {
        throw invalidIso(s);
      }
      int j = i + 3;
      int om = 0;
      if (j < n) {
        if (s.charAt(j) == ':') {
          j++;
        }
        om = digits(s, j, 2);
        if (om < 0) {
          throw invalidIso(s);
        }
        j += 2;
      }
      if (oh > 18 || om > 59) {
        throw invalidIso(s);
      }
      offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
      i = j;
    } else {
      throw invalidIso(s);
    }
    if (i != n || hour > 23 || minute > 59 || second > 59) {
      throw invalidIso(s);
    }
    long epochDay;
    try {
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException e) {
      throw new InvalidTimeException("time " + quote(s) + " is not a valid date: " + e.getMessage());
    }
    long epochSecond = epochDay * 86_400L + hour * 3_600L + minute * 60L + second - offsetSeconds;
    if (epochSecond < 0) {
      throw new InvalidTimeException("time " + quote(s) + " is before 1970-01-01");
    }
    try {
      return Math.addExact(Math.multiplyExact(epochSecond, 1_000_000_000L), nanoOfSecond);
    } catch (ArithmeticException e) {
      throw new InvalidTimeException("time " + quote(s) + " is after 2262-04-11, beyond 64-bit nanoseconds");
    }
  }

  private static int digits(String s, int from, int count) {
    if (from + count > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = from; i < from + count; i++) {
      char c = s.charAt(i);
      if (!isDigit(c)) {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static InvalidTimeException invalidNumber(String s) {
    return new InvalidTimeException("time " + quote(s) + " is not a decimal epoch number");
  }

  private static InvalidTimeException invalidIso(String s) {
    return new InvalidTimeException("time " + quote(s) + " is not ISO-8601 (expected e.g. 2019-04-21T19:11:54.660942013Z)");
  }

  static String quote(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "…(" + s.length() + " chars)" : s;
    return "'" + t + "'";
  }

  @Override
  public String toString() {
    return label.toLowerCase(Locale.ROOT);
  }
}
