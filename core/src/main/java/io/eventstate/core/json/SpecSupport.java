package io.eventstate.core.json;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonPointer;

import io.eventstate.core.config.ConfigException;
import io.eventstate.core.config.ConfigReader;

/**
 * JSON-pointer helpers shared by the specs of this package. Keys, numbers and booleans are read by the one
 * {@link ConfigReader}; every error is a {@link ConfigException} naming the key, the value and the fix (the
 * component is added by the caller that knows it).
 */
final class SpecSupport {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");

  private SpecSupport() {
  }

  static ConfigException error(String key, String value, String problem) {
    return ConfigException.badValue(null, key, value, problem);
  }

  static void rejectUnknown(Map<String, String> props, Collection<String> valid) {
    new ConfigReader(null, props).keys(valid).rejectUnknown();
  }

  /** Comma-separated, trimmed, empty items dropped; absent key → empty list. */
  static List<String> list(Map<String, String> props, String key) {
    return new ConfigReader(null, props).list(key);
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

  /**
   * Validates a field source: a JSON pointer ({@code /user_id}), a request header ({@code header:X-GitHub-Event}) or a
   * template of both with literal text ({@code {/repository/full_name}#{/issue/number}}). See {@link FieldSource}.
   */
  static String source(String key, String value, String source) {
    try {
      FieldSource.parse(source);
    } catch (IllegalArgumentException e) {
      throw error(key, value, e.getMessage());
    }
    if (source.startsWith("/")) {
      return pointer(key, value, source);
    }
    for (String p : FieldSource.parse(source).pointers()) {
      pointer(key, value, p);
    }
    return source;
  }

  static List<String> sources(Map<String, String> props, String key) {
    return list(props, key).stream().map(p -> source(key, props.get(key), p)).toList();
  }

  /** A {@code name:source} item ({@link #source}). */
  static String[] namedSource(String key, String value, String item, String what) {
    int colon = item.indexOf(':');
    if (colon <= 0) {
      throw error(key, value, "'" + item + "' must be " + what + ":/pointer, e.g. user:/user_id");
    }
    String name = item.substring(0, colon).trim();
    String src = item.substring(colon + 1).trim();
    if (!NAME.matcher(name).matches()) {
      throw error(key, value, "'" + name + "' in '" + item + "' is not a valid " + what
          + "; use letters, digits, '_', '.' and '-' only");
    }
    return new String[] {name, source(key, value, src)};
  }

  static List<String> pointers(Map<String, String> props, String key) {
    return list(props, key).stream().map(p -> pointer(key, props.get(key), p)).toList();
  }

  /** A {@code name:/pointer} item; the name is letters, digits, '_', '.', '-'. */
  static String[] named(String key, String value, String item, String what) {
    String[] n = namedSource(key, value, item, what);
    return new String[] {n[0], pointer(key, value, item.substring(item.indexOf(':') + 1).trim())};
  }

  static void checkName(String key, String value, String what) {
    if (!NAME.matcher(value).matches()) {
      throw error(key, value, "not a valid " + what + "; use letters, digits, '_', '.' and '-' only");
    }
  }

  static int intValue(Map<String, String> props, String key, int def, int min, int max) {
    return new ConfigReader(null, props).intValue(key, def, min, max);
  }

  static boolean boolValue(Map<String, String> props, String key, boolean def) {
    return new ConfigReader(null, props).bool(key, def);
  }
}
