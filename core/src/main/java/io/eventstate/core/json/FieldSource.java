package io.eventstate.core.json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a canonical field or attribute value comes from: a JSON pointer into the body ({@code /user_id}), a header of
 * the Flume event ({@code header:X-GitHub-Event}, e.g. a request header the HTTP source's handler copied with
 * {@code headers.copy}), or a template that joins several of them with literal text
 * ({@code {/repository/full_name}#{/issue/number}}). A template has a value only when every part has one.
 *
 * @param text  the source as configured
 * @param parts literal strings and references, in order (a plain pointer or header is one reference)
 */
record FieldSource(String text, List<Part> parts) {

  /** Prefix of a header reference. */
  static final String HEADER = "header:";

  /**
   * One part of a source.
   *
   * @param literal literal text, or null for a reference
   * @param pointer a JSON pointer, or null
   * @param header  a header name, or null
   */
  record Part(String literal, String pointer, String header) {
  }

  FieldSource {
    parts = List.copyOf(parts);
  }

  /** True when the source is one plain JSON pointer (matched while walking the body). */
  boolean isPointer() {
    return parts.size() == 1 && parts.get(0).pointer() != null;
  }

  /** The JSON pointers this source reads. */
  List<String> pointers() {
    List<String> out = new ArrayList<>();
    for (Part p : parts) {
      if (p.pointer() != null) {
        out.add(p.pointer());
      }
    }
    return out;
  }

  /**
   * Parses a source.
   *
   * @throws IllegalArgumentException with the problem and the fix
   */
  static FieldSource parse(String s) {
    if (s.startsWith("/")) {
      return new FieldSource(s, List.of(new Part(null, s, null)));
    }
    if (s.startsWith(HEADER)) {
      return new FieldSource(s, List.of(header(s, s.substring(HEADER.length()))));
    }
    if (s.indexOf('{') < 0) {
      throw new IllegalArgumentException("'" + s + "' is not a JSON pointer (/user_id), nor a header (header:X-Name), nor a "
          + "template ({/repository/full_name}#{/issue/number}); write it with a leading slash, e.g. /" + s);
    }
    List<Part> parts = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int open = s.indexOf('{', i);
      int close = s.indexOf('}', i);
      if (close >= 0 && (open < 0 || close < open)) {
        throw new IllegalArgumentException("'" + s + "' has a '}' without '{'; a template is text with {/pointer} or "
            + "{header:Name} parts");
      }
      if (open < 0) {
        parts.add(new Part(s.substring(i), null, null));
        break;
      }
      if (open > i) {
        parts.add(new Part(s.substring(i, open), null, null));
      }
      int end = s.indexOf('}', open);
      if (end < 0) {
        throw new IllegalArgumentException("'" + s + "' has a '{' without '}'");
      }
      String ref = s.substring(open + 1, end).trim();
      if (ref.indexOf('{') >= 0) {
        throw new IllegalArgumentException("'" + s + "' has a '{' inside a {...} part; close each part with '}'");
      }
      if (ref.startsWith("/")) {
        parts.add(new Part(null, ref, null));
      } else if (ref.startsWith(HEADER)) {
        parts.add(header(s, ref.substring(HEADER.length())));
      } else {
        throw new IllegalArgumentException("'{" + ref + "}' in '" + s + "' must be {/pointer} or {header:Name}");
      }
      i = end + 1;
    }
    if (parts.stream().allMatch(p -> p.literal() != null)) {
      throw new IllegalArgumentException("'" + s + "' has no {/pointer} or {header:Name} part");
    }
    return new FieldSource(s, parts);
  }

  private static Part header(String s, String name) {
    String n = name.trim();
    if (n.isEmpty() || !n.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':')) {
      throw new IllegalArgumentException("'" + s + "' names no valid header; write header:X-GitHub-Event");
    }
    return new Part(null, null, n);
  }

  /**
   * The value of a source that is not a plain pointer.
   *
   * @param pointerValues the values of {@link #pointers()} in order (null when missing)
   * @param headers       the event's headers, or null
   * @return the value, or null when a part is missing
   */
  String evaluate(String[] pointerValues, Map<String, String> headers, boolean emptyAsMissing) {
    StringBuilder sb = new StringBuilder();
    int k = 0;
    for (Part p : parts) {
      String v;
      if (p.literal() != null) {
        sb.append(p.literal());
        continue;
      } else if (p.pointer() != null) {
        v = pointerValues[k++];
      } else {
        v = headers == null ? null : headers.get(p.header());
        if (v == null && headers != null) {
          for (Map.Entry<String, String> e : headers.entrySet()) { // HTTP header names are case-insensitive
            if (e.getKey().equalsIgnoreCase(p.header())) {
              v = e.getValue();
              break;
            }
          }
        }
        if (v != null && v.isEmpty() && emptyAsMissing) {
          v = null;
        }
      }
      if (v == null) {
        return null;
      }
      sb.append(v);
    }
    return sb.toString();
  }
}
