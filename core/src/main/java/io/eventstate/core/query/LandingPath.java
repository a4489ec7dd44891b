package io.eventstate.core.query;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The directory an event lands in, from a path template in the HDFS sink's notation, compiled once: literal text,
 * {@code %{header}} (the event's header, empty when absent, as Flume's HDFS sink does), {@code %Y}, {@code %m},
 * {@code %d}, {@code %H} (year, month, day, hour of the event's time in the template's time zone) and {@code %%}.
 * Rendering an event is one pass over the parts: no regular expression, no date formatter.
 */
public final class LandingPath {

  /** The escapes a template may use, for messages. */
  public static final String SUPPORTED = "%{header}, %Y, %m, %d, %H and %%";

  private sealed interface Part permits Text, Header, Field {
  }

  private record Text(String text) implements Part {
  }

  private record Header(String name) implements Part {
  }

  private record Field(char field) implements Part {
  }

  private final String template;
  private final List<Part> parts;
  private final ZoneId zone;
  private final boolean usesTime;

  private LandingPath(String template, List<Part> parts, ZoneId zone) {
    this.template = template;
    this.parts = parts;
    this.zone = zone;
    this.usesTime = parts.stream().anyMatch(p -> p instanceof Field);
  }

  /**
   * Compiles a template.
   *
   * @throws IllegalArgumentException naming the first escape that is not supported
   */
  public static LandingPath compile(String template, ZoneId zone) {
    List<Part> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '%') {
        text.append(c);
        i++;
        continue;
      }
      if (i + 1 >= template.length()) {
        throw new IllegalArgumentException("ends with a lone '%'; write %% for a percent sign");
      }
      char n = template.charAt(i + 1);
      if (n == '%') {
        text.append('%');
        i += 2;
        continue;
      }
      Part part;
      if (n == '{') {
        int close = template.indexOf('}', i + 2);
        String name = close < 0 ? "" : template.substring(i + 2, close);
        if (close < 0 || !name.matches("[\\w.-]+")) {
          throw new IllegalArgumentException("has a malformed header escape at '" + template.substring(i)
              + "': write %{name} with letters, digits, '.', '_' or '-'");
        }
        part = new Header(name);
        i = close + 1;
      } else if (n == 'Y' || n == 'm' || n == 'd' || n == 'H') {
        part = new Field(n);
        i += 2;
      } else {
        throw new IllegalArgumentException("uses the escape %" + n + ", which the landing does not support: use "
            + SUPPORTED);
      }
      if (text.length() > 0) {
        parts.add(new Text(text.toString()));
        text.setLength(0);
      }
      parts.add(part);
    }
    if (text.length() > 0) {
      parts.add(new Text(text.toString()));
    }
    return new LandingPath(template, List.copyOf(parts), zone);
  }

  /** The directory of an event with these headers and this time (milliseconds since the epoch). */
  public String render(Map<String, String> headers, long timeMillis) {
    LocalDateTime t = null;
    if (usesTime) {
      t = zone == ZoneOffset.UTC ? LocalDateTime.ofEpochSecond(Math.floorDiv(timeMillis, 1000L), 0, ZoneOffset.UTC)
          : LocalDateTime.ofInstant(Instant.ofEpochMilli(timeMillis), zone);
    }
    StringBuilder out = new StringBuilder(template.length() + 32);
    for (Part p : parts) {
      if (p instanceof Text x) {
        out.append(x.text());
      } else if (p instanceof Header h) {
        String v = headers.get(h.name());
        if (v != null) {
          out.append(v);
        }
      } else {
        switch (((Field) p).field()) {
          case 'Y' -> pad(out, t.getYear(), 4);
          case 'm' -> pad(out, t.getMonthValue(), 2);
          case 'd' -> pad(out, t.getDayOfMonth(), 2);
          default -> pad(out, t.getHour(), 2);
        }
      }
    }
    return out.toString();
  }

  private static void pad(StringBuilder out, int v, int width) {
    String s = Integer.toString(v);
    for (int k = s.length(); k < width; k++) {
      out.append('0');
    }
    out.append(s);
  }

  /**
   * The fixed directory the template starts with: its literal text before the first escape, up to the last
   * {@code /} (without it); the whole template, without a trailing {@code /}, if it has no escape; empty if it starts
   * with an escape.
   */
  public String fixedRoot() {
    String lead = parts.isEmpty() || !(parts.get(0) instanceof Text t) ? "" : t.text();
    if (parts.size() > 1) {
      return lead.substring(0, Math.max(lead.lastIndexOf('/'), 0));
    }
    return lead.endsWith("/") ? lead.substring(0, lead.length() - 1) : lead;
  }

  /** The template as configured. */
  @Override
  public String toString() {
    return template;
  }
}
