package io.eventstate.core.fsm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.eventstate.core.config.ConfigException;

/**
 * Typed access to a definition's JSON that collects problems instead of stopping at the first: every problem names
 * the source file, the JSON path ({@code $.states.in_transit.on[0].target}) and the fix. Shared by the machine and
 * the session definitions; not meant for other uses.
 */
public final class JsonFields {

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_TRAILING_COMMA)
      .build();

  private final String source;
  private final List<String> problems = new ArrayList<>();

  public JsonFields(String source) {
    this.source = source;
  }

  /** Parses JSON text; a syntax error is recorded (with line and column) and null returned. */
  public JsonNode parse(String json) {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n == null || !n.isObject()) {
        add("$", "the file must hold one JSON object", "wrap the definition in { ... }");
        return null;
      }
      return n;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      add("$", "invalid JSON" + where + ": " + e.getOriginalMessage(), "fix the JSON syntax");
      return null;
    }
  }

  public String source() {
    return source;
  }

  public void add(String path, String problem, String fix) {
    problems.add(source + ": " + path + ": " + problem + "; " + fix);
  }

  public boolean hasProblems() {
    return !problems.isEmpty();
  }

  public List<String> problems() {
    return problems;
  }

  /** Throws a {@link DefinitionException} listing every problem, if any was recorded. */
  public void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new DefinitionException(source, problems);
    }
  }

  /**
   * Records every key of {@code obj} that is not in {@code allowed}, in the one shape of every configuration
   * ({@link ConfigException#unknownKeyText}), placed by the file and the JSON path.
   */
  public void rejectUnknownKeys(JsonNode obj, String path, Set<String> allowed) {
    Iterator<Map.Entry<String, JsonNode>> fields = obj.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      if (!allowed.contains(f.getKey())) {
        JsonNode v = f.getValue();
        problems.add(source + ": " + path + "." + f.getKey() + ": "
            + ConfigException.unknownKeyText(f.getKey(), v.isTextual() ? v.asText() : abbreviate(v), allowed));
      }
    }
  }

  /** A string value; null if absent (recorded as a problem when required) or of the wrong type (recorded). */
  public String text(JsonNode obj, String key, String path, boolean required) {
    JsonNode n = value(obj, key, path, required, "\"...\"");
    if (n == null) {
      return null;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      add(path + "." + key, "must be a non-empty string, got " + n, "write \"" + key + "\": \"...\"");
      return null;
    }
    return n.asText().trim();
  }

  /** A boolean value, {@code dflt} when absent. */
  public boolean bool(JsonNode obj, String key, String path, boolean dflt) {
    JsonNode n = obj.get(key);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      add(path + "." + key, "must be true or false, got " + n, "write \"" + key + "\": true or false");
      return dflt;
    }
    return n.booleanValue();
  }

  /** A duration (see {@link Durations}) in nanoseconds, {@code dflt} when absent, {@code -1} when invalid. */
  public long duration(JsonNode obj, String key, String path, long dflt) {
    String t = text(obj, key, path, false);
    if (t == null) {
      return obj.has(key) && !obj.get(key).isNull() ? -1 : dflt;
    }
    try {
      return Durations.parseNanos(t);
    } catch (IllegalArgumentException | ArithmeticException e) {
      add(path + "." + key, e.getMessage() == null ? "'" + t + "' is not a duration" : e.getMessage(), Durations.FORMAT_HELP);
      return -1;
    }
  }

  /** A list of strings: a JSON array of strings, or a single string taken as a one-element list. */
  public List<String> textList(JsonNode obj, String key, String path, boolean required) {
    JsonNode n = value(obj, key, path, required, "[\"...\"]");
    List<String> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (n.isTextual()) {
      out.add(n.asText().trim());
      return out;
    }
    if (!n.isArray()) {
      add(path + "." + key, "must be a string or an array of strings, got " + n, "write \"" + key + "\": [\"...\"]");
      return out;
    }
    for (int i = 0; i < n.size(); i++) {
      JsonNode e = n.get(i);
      if (!e.isTextual() || e.asText().isBlank()) {
        add(path + "." + key + "[" + i + "]", "must be a non-empty string, got " + e, "quote the value");
      } else {
        out.add(e.asText().trim());
      }
    }
    return out;
  }

  /** An object value; null when absent (problem if required) or not an object (problem). */
  public JsonNode object(JsonNode obj, String key, String path, boolean required) {
    JsonNode n = value(obj, key, path, required, "{ ... }");
    if (n == null) {
      return null;
    }
    if (!n.isObject()) {
      add(path + "." + key, "must be a JSON object, got " + abbreviate(n), "write \"" + key + "\": { ... }");
      return null;
    }
    return n;
  }

  /** An array value; null when absent or not an array (problem). */
  public JsonNode array(JsonNode obj, String key, String path) {
    JsonNode n = obj.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isArray()) {
      add(path + "." + key, "must be a JSON array, got " + abbreviate(n), "write \"" + key + "\": [ ... ]");
      return null;
    }
    return n;
  }

  /** The value of a key; null when absent or null, recorded as a problem (with an example) when required. */
  private JsonNode value(JsonNode obj, String key, String path, boolean required, String example) {
    JsonNode n = obj.get(key);
    if ((n == null || n.isNull()) && required) {
      add(path + "." + key, "missing required key '" + key + "'", "add \"" + key + "\": " + example);
    }
    return n == null || n.isNull() ? null : n;
  }

  /** Parses a document and throws the {@link DefinitionException} of its syntax errors, if any. */
  public JsonNode parseOrThrow(String json) {
    JsonNode root = parse(json);
    throwIfAny();
    return root;
  }

  private static String abbreviate(JsonNode n) {
    String s = n.toString();
    return s.length() > 40 ? s.substring(0, 37) + "..." : s;
  }
}
