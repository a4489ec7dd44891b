package io.eventstate.core.json;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonPointer;

/** Parsing helpers shared by the specs of this package: every error names the key, the value and the fix. */
final class SpecSupport {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");

  private SpecSupport() {
  }

  static IllegalArgumentException error(String key, String value, String problem) {
    return new IllegalArgumentException("key '" + key + "' value was set to '" + value + "': " + problem);
  }

  static void rejectUnknown(Map<String, String> props, Collection<String> valid) {
    for (String key : props.keySet()) {
      if (!valid.contains(key)) {
        throw new IllegalArgumentException("unknown key '" + key + "' (value '" + props.get(key) + "'); valid keys are "
            + new TreeSet<>(valid) + " (check the spelling; keys are case-sensitive)");
      }
    }
  }

  /** Comma-separated, trimmed, empty items dropped; absent key → empty list. */
  static List<String> list(Map<String, String> props, String key) {
    String v = props.get(key);
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    for (String item : v.split(",")) {
      String t = item.trim();
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  /** Validates a JSON pointer (RFC 6901) that addresses something below the root. */
  static String pointer(String key, String value, String pointer) {
    if (pointer.isEmpty() || pointer.charAt(0) != '/') {
      throw error(key, value, "'" + pointer + "' is not a JSON pointer; write it like /user_id or /event_details/puchased_items/0/sku (leading slash, '/' between levels, array elements by index)");
    }
    for (int i = 0; i < pointer.length(); i++) {
      if (pointer.charAt(i) == '~' && (i + 1 >= pointer.length() || (pointer.charAt(i + 1) != '0' && pointer.charAt(i + 1) != '1'))) {
        throw error(key, value, "'" + pointer + "' has a '~' not followed by 0 or 1; escape '~' as ~0 and '/' inside a name as ~1");
      }
    }
    try {
      JsonPointer.compile(pointer);
    } catch (IllegalArgumentException e) {
      throw error(key, value, "'" + pointer + "' is not a valid JSON pointer (" + e.getMessage() + "); escape '~' as ~0 and '/' inside a name as ~1");
    }
    return pointer;
  }

  static List<String> pointers(Map<String, String> props, String key) {
    List<String> out = new ArrayList<>();
    for (String p : list(props, key)) {
      out.add(pointer(key, props.get(key), p));
    }
    return List.copyOf(out);
  }

  /** A {@code name:/pointer} item; the name is letters, digits, '_', '.', '-'. */
  static String[] named(String key, String value, String item, String what) {
    int colon = item.indexOf(':');
    if (colon <= 0) {
      throw error(key, value, "'" + item + "' must be " + what + ":/pointer, e.g. user:/user_id");
    }
    String name = item.substring(0, colon).trim();
    String ptr = item.substring(colon + 1).trim();
    if (!NAME.matcher(name).matches()) {
      throw error(key, value, "'" + name + "' in '" + item + "' is not a valid " + what
          + "; use letters, digits, '_', '.' and '-' only");
    }
    return new String[] {name, pointer(key, value, ptr)};
  }

  static void checkName(String key, String value, String what) {
    if (!NAME.matcher(value).matches()) {
      throw error(key, value, "not a valid " + what + "; use letters, digits, '_', '.' and '-' only");
    }
  }

  static int intValue(Map<String, String> props, String key, int def, int min, int max) {
    String v = props.get(key);
    if (v == null) {
      return def;
    }
    long n;
    try {
      n = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw error(key, v, "must be a whole number between " + min + " and " + max + " (default " + def + ")");
    }
    if (n < min || n > max) {
      throw error(key, v, "must be between " + min + " and " + max + " (default " + def + ")");
    }
    return (int) n;
  }

  static boolean boolValue(Map<String, String> props, String key, boolean def) {
    String v = props.get(key);
    if (v == null) {
      return def;
    }
    String t = v.trim();
    if (t.equalsIgnoreCase("true")) {
      return true;
    }
    if (t.equalsIgnoreCase("false")) {
      return false;
    }
    throw error(key, v, "must be true or false (default " + def + ")");
  }
}
