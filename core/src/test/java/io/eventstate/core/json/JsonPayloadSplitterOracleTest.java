package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

/**
 * Random nested payloads (fixed seed) shaped after random explode specs of one to three levels, split and compared
 * with a reference built on Jackson's tree model: each element with its own fields first, then the copies of the
 * nearest level first (each level in the configured order, an element's own field winning); an object whose path is
 * absent or no array passed through (whole at the top level, with its parents' copies below); an empty array counted.
 * Numbers are written so that the tree keeps their text (no exponent, no negative zero); the unit tests cover the rest.
 */
class JsonPayloadSplitterOracleTest {

  private static final long SEED = 20261203L;
  private static final int PAYLOADS = 2_500;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
      .build();

  /** Explode paths and the copies that may go with each (a random subset is taken). */
  private static final String[][] SPECS = {
      {"/e", "s:/s", "m:/meta", "first:/list/0", "gone:/nope", "deep:/meta/inner/k"},
      {"/data/trackings[]/checkpoints", "code:/meta/code", "tn:/data/trackings[]/tracking_number",
          "slug:/data/trackings[]/slug", "id:/data/trackings[]/id", "data:/data", "tag:/data/trackings[]/x/tag"},
      {"/a[]/b[]/c", "s:/s", "s:/a[]/s", "s:/a[]/b[]/s", "y:/a[]/y", "z:/a[]/b[]/z", "bz:/a[]/b[]/z/0", "top:/meta"},
      {"/list/1[]/e", "q:/list/0", "r:/list/1[]/r", "s:/s"},
  };

  private static final String[] NAMES = {"s", "t", "x", "y", "z", "r", "id", "slug", "tracking_number", "meta", "code",
      "inner", "k", "tag", "n", "list", "e", "a", "b", "c", "data", "checkpoints"};
  private static final String[] PIECES = {"a", "Zz", " ", "é", "😀", "\\u00e9", "\\ud83d\\ude00", "\\n", "\\t", "\\\"",
      "\\\\", "\\/", "\\u0001", "2018-07-31T10:33:00-04:00", "fedex"};

  private final Random rnd = new Random(SEED);

  @Test
  void splitsLikeATreeReference() throws IOException {
    int events = 0;
    int passedThrough = 0;
    int empties = 0;
    for (int i = 0; i < PAYLOADS; i++) {
      String[] choice = SPECS[rnd.nextInt(SPECS.length)];
      StringBuilder copy = new StringBuilder();
      for (int c = 1; c < choice.length; c++) {
        if (rnd.nextInt(3) > 0) {
          copy.append(copy.length() > 0 ? ", " : "").append(choice[c]);
        }
      }
      Map<String, String> props = new HashMap<>();
      props.put("explode.path", choice[0]);
      if (copy.length() > 0) {
        props.put("explode.copy", copy.toString());
      }
      SplitterSpec spec = SplitterSpec.parse(props);
      List<String> objects = new ArrayList<>();
      for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
        StringBuilder sb = new StringBuilder();
        shaped(sb, spec.levels(), 0);
        objects.add(sb.toString());
      }
      String payload = payload(objects);

      List<String> expected = new ArrayList<>();
      int[] empty = new int[1];
      for (String o : objects) {
        reference(spec, MAPPER.readTree(o), o, 0, List.of(), expected, empty);
      }
      JsonPayloadSplitter.Result r = new JsonPayloadSplitter(spec).split(payload.getBytes(StandardCharsets.UTF_8));
      assertTrue(r.isOk(), () -> r.reason() + " for " + props + ": " + payload);
      List<String> got = r.events().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
      assertEquals(expected, got, () -> props + ": " + payload);
      assertEquals(empty[0], r.emptyArrays(), () -> props + ": " + payload);
      events += got.size();
      passedThrough += (int) got.stream().filter(objects::contains).count();
      empties += empty[0];
    }
    // the generator reaches every case often enough to mean something
    String counts = "events " + events + ", passed through " + passedThrough + ", empty arrays " + empties;
    assertTrue(events > 2 * PAYLOADS && passedThrough > PAYLOADS / 20 && empties > PAYLOADS / 10, counts);
  }

  /** The expected events of one object at one level, from its tree. */
  private static void reference(SplitterSpec spec, JsonNode obj, String raw, int level, List<Map.Entry<String, JsonNode>> inherited,
      List<String> out, int[] empty) throws IOException {
    List<Map.Entry<String, JsonNode>> copies = new ArrayList<>();
    for (NormalizerSpec.NamedPointer c : spec.copy()) {
      if (SplitterSpec.levelOf(c.pointer()) == level) {
        JsonNode v = obj.at(SplitterSpec.inLevel(c.pointer()));
        if (!v.isMissingNode()) {
          copies.add(new SimpleEntry<>(c.name(), v));
        }
      }
    }
    copies.addAll(inherited);
    JsonNode array = obj.at(spec.levels().get(level));
    if (!array.isArray()) {
      out.add(level == 0 ? raw : write(obj, inherited));
    } else if (array.isEmpty()) {
      empty[0]++;
    } else {
      for (JsonNode element : array) {
        if (level + 1 < spec.levels().size()) {
          reference(spec, element, null, level + 1, copies, out, empty);
        } else {
          out.add(write(element, copies));
        }
      }
    }
  }

  private static String write(JsonNode element, List<Map.Entry<String, JsonNode>> copies) throws IOException {
    ObjectNode o = element.deepCopy();
    for (Map.Entry<String, JsonNode> c : copies) {
      if (!o.has(c.getKey())) {
        o.set(c.getKey(), c.getValue());
      }
    }
    // bytes, as the splitter writes them (its UTF-8 writer escapes characters outside the BMP)
    return new String(MAPPER.writeValueAsBytes(o), StandardCharsets.UTF_8);
  }

  private String payload(List<String> objects) {
    StringBuilder sb = new StringBuilder(ws());
    switch (rnd.nextInt(3)) {
      case 0:
        sb.append('[');
        for (int i = 0; i < objects.size(); i++) {
          sb.append(i > 0 ? "," : "").append(ws()).append(objects.get(i)).append(ws());
        }
        sb.append(']');
        break;
      case 1:
        for (String o : objects) {
          sb.append(o).append('\n');
        }
        break;
      default:
        for (String o : objects) {
          sb.append(o).append(ws());
        }
    }
    return sb.append(ws()).toString();
  }

  /** An object at {@code level} that mostly has the level's array on its path, among other fields. */
  private void shaped(StringBuilder sb, List<String> levels, int level) {
    if (level == levels.size()) {
      object(sb, 2);
    } else {
      path(sb, levels, level, levels.get(level).substring(1).split("/"), 0);
    }
  }

  private void path(StringBuilder sb, List<String> levels, int level, String[] segments, int at) {
    if (at == segments.length) {
      int v = rnd.nextInt(16);
      if (v == 0) {
        if (rnd.nextBoolean()) {
          object(sb, 2); // no array here: the object is passed through
        } else {
          value(sb, 0); // a scalar
        }
        return;
      }
      sb.append('[').append(ws());
      int n = v == 1 ? 0 : rnd.nextInt(4);
      for (int i = 0; i < n; i++) {
        sb.append(i > 0 ? "," + ws() : "");
        shaped(sb, levels, level + 1);
      }
      sb.append(ws()).append(']');
      return;
    }
    String segment = segments[at];
    if (segment.chars().allMatch(Character::isDigit)) {
      int index = Integer.parseInt(segment);
      sb.append('[');
      for (int i = 0; i <= index; i++) {
        sb.append(i > 0 ? "," : "");
        if (i == index) {
          path(sb, levels, level, segments, at + 1);
        } else {
          value(sb, 2);
        }
      }
      sb.append(']');
      return;
    }
    Set<String> used = new HashSet<>();
    used.add(segment);
    sb.append('{');
    int before = rnd.nextInt(3);
    int fields = before + 1 + rnd.nextInt(3);
    for (int i = 0; i < fields; i++) {
      sb.append(i > 0 ? "," : "").append(ws());
      if (i == before) {
        if (rnd.nextInt(20) == 0) {
          sb.append("\"absent\":0"); // the path is missing here
        } else {
          name(sb, segment);
          path(sb, levels, level, segments, at + 1);
        }
      } else {
        String n = NAMES[rnd.nextInt(NAMES.length)];
        if (used.add(n)) {
          name(sb, n);
          value(sb, 2);
        } else {
          sb.append("\"f").append(i).append("\":null");
        }
      }
    }
    sb.append(ws()).append('}');
  }

  private void object(StringBuilder sb, int depth) {
    Set<String> used = new HashSet<>();
    sb.append('{');
    int n = rnd.nextInt(depth > 0 ? 5 : 2);
    for (int i = 0; i < n; i++) {
      String name = NAMES[rnd.nextInt(NAMES.length)];
      if (!used.add(name)) {
        continue;
      }
      sb.append(used.size() > 1 ? "," : "").append(ws());
      name(sb, name);
      value(sb, depth - 1);
    }
    sb.append(ws()).append('}');
  }

  /** A field name, sometimes with its first letter escaped; then the colon. */
  private void name(StringBuilder sb, String name) {
    sb.append('"');
    if (rnd.nextInt(15) == 0) {
      sb.append(String.format("\\u%04x", (int) name.charAt(0))).append(name, 1, name.length());
    } else {
      sb.append(name);
    }
    sb.append('"').append(ws()).append(':').append(ws());
  }

  private void value(StringBuilder sb, int depth) {
    switch (rnd.nextInt(depth > 0 ? 8 : 5)) {
      case 0:
        sb.append(rnd.nextInt(2001) - 1000);
        break;
      case 1:
        sb.append(rnd.nextBoolean() ? "12345678901234567890" : "-9007199254740993");
        break;
      case 2: {
        int whole = rnd.nextInt(100);
        int cents = 1 + rnd.nextInt(99);
        sb.append(rnd.nextBoolean() ? "-" : "").append(whole).append('.').append(cents < 10 ? "0" : "").append(cents)
            .append(rnd.nextBoolean() ? "0" : "");
        break;
      }
      case 3:
        sb.append(rnd.nextBoolean() ? "true" : rnd.nextBoolean() ? "false" : "null");
        break;
      case 4: {
        sb.append('"');
        for (int n = rnd.nextInt(4); n > 0; n--) {
          sb.append(PIECES[rnd.nextInt(PIECES.length)]);
        }
        sb.append('"');
        break;
      }
      case 5:
      case 6: {
        sb.append('[');
        for (int i = rnd.nextInt(3); i > 0; i--) {
          value(sb, depth - 1);
          sb.append(i > 1 ? "," + ws() : "");
        }
        sb.append(']');
        break;
      }
      default:
        object(sb, depth - 1);
    }
  }

  private String ws() {
    switch (rnd.nextInt(8)) {
      case 0:
        return " ";
      case 1:
        return "\n  ";
      case 2:
        return "\r\n\t";
      default:
        return "";
    }
  }
}
