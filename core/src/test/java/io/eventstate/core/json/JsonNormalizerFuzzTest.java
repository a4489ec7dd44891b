package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Generated and mutated inputs (fixed seed): every input gives a valid event or a reason, nothing throws,
 * and no input hits the {@code internal} reason (which would be a bug).
 */
class JsonNormalizerFuzzTest {

  private static final long SEED = 20260226L;
  private static final int MUTATIONS = 12_000;

  private final Random rnd = new Random(SEED);
  private final Map<String, Integer> classes = new HashMap<>();
  private final Map<JsonNormalizer, JacksonReferenceNormalizer> references = new IdentityHashMap<>();
  private final Map<String, Integer> differences = new HashMap<>();

  private static List<byte[]> seeds() throws IOException {
    List<byte[]> out = new ArrayList<>();
    for (String f : List.of("seed/events.jsonl", "real/wikimedia-recentchange/wikimedia.ndjson",
        "real/easypost/extracted/trackers.jsonl", "real/easypost/extracted/events.jsonl", "real/otto-sessions/train.jsonl")) {
      for (String line : Files.readAllLines(TestPaths.sampleData().resolve(f), StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          out.add(line.getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    out.add(JsonNormalizerTest.TALK_NESTED.getBytes(StandardCharsets.UTF_8));
    return out;
  }

  private static List<JsonNormalizer> normalizers() throws IOException {
    List<JsonNormalizer> ns = new ArrayList<>();
    for (NormalizerSpec spec : specs()) {
      ns.add(new JsonNormalizer(spec));
    }
    return ns;
  }

  private static List<NormalizerSpec> specs() throws IOException {
    List<NormalizerSpec> ns = new ArrayList<>();
    for (String m : List.of("talk", "wikimedia", "easypost-trackers", "easypost-events", "otto", "lorawan", "eyevinn")) {
      ns.add(JsonMapping.load(TestPaths.mappings().resolve(m + ".properties")).normalizer());
    }
    Map<String, String> big = new HashMap<>(JsonNormalizerTest.talkProps());
    big.put("limits.maxBodyBytes", "8000000");
    big.put("limits.maxDepth", "1000");
    big.put("attributes.flatten", "/event_details, /meta, /object");
    big.put("coerce.emptyAsMissing", "false");
    big.put("time.format", "auto");
    big.put("time.fallback", "header");
    ns.add(NormalizerSpec.parse(big));
    return ns;
  }

  private void check(JsonNormalizer n, byte[] input, String what) {
    NormalizeResult r = checkOutcome(n, input, what);
    if (r != null) {
      compareWithJackson(n, input, r, what);
    }
  }

  /**
   * Differential check: the byte scanner of {@link JsonNormalizer} and the Jackson streaming walk it replaced
   * ({@link JacksonReferenceNormalizer}) agree on every input: the same events, the same reason classes. The
   * one allowed difference: invalid UTF-8 that Jackson lets through (in strings it skips, or overlong forms and
   * encoded surrogates anywhere) is refused by the scanner, and the input is then checked to be invalid UTF-8.
   */
  private void compareWithJackson(JsonNormalizer n, byte[] input, NormalizeResult ours, String what) {
    JacksonReferenceNormalizer ref = references.computeIfAbsent(n, k -> new JacksonReferenceNormalizer(k.spec()));
    NormalizeResult theirs = ref.normalize(input, Map.of("timestamp", "1457741907959"), TestPaths.ARRIVAL_AFTER_ALL);
    if (!ours.isValid() && NormalizeResult.JSON.equals(ours.reasonClass()) && ours.reason().contains("UTF-8")
        && !NormalizeResult.JSON.equals(theirs.reasonClass())) {
      // Jackson does not check UTF-8 in strings it skips, nor overlong forms anywhere
      assertFalse(strictUtf8(input), what + ": scanner says " + ours.reason() + " but the input is valid UTF-8");
      differences.merge("utf8", 1, Integer::sum);
      return;
    }
    if (theirs.isValid()) {
      assertTrue(ours.isValid(), what + ": Jackson accepts, scanner says " + ours.reason());
      CanonicalEventAssert.same(theirs.event(), ours.event(), what);
    } else {
      assertFalse(ours.isValid(), what + ": Jackson says " + theirs.reason() + ", scanner accepts");
      assertEquals(theirs.reasonClass(), ours.reasonClass(), what + ": Jackson says " + theirs.reason() + ", scanner says "
          + ours.reason());
    }
  }

  private static boolean strictUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private NormalizeResult checkOutcome(JsonNormalizer n, byte[] input, String what) {
    NormalizeResult r;
    try {
      r = n.normalize(input, Map.of("timestamp", "1457741907959"), TestPaths.ARRIVAL_AFTER_ALL);
    } catch (Throwable t) {
      fail(what + ": normalize threw " + t, t);
      return null;
    }
    assertNotNull(r, what);
    if (r.isValid()) {
      assertTrue(r.reason() == null && r.event().eventId().length() > 0, what);
      classes.merge("valid", 1, Integer::sum);
    } else {
      assertTrue(NormalizeResult.REASON_CLASSES.contains(r.reasonClass()), what + ": " + r.reason());
      assertNotEquals(NormalizeResult.INTERNAL, r.reasonClass(), what + ": " + r.reason());
      assertTrue(r.reason().startsWith(r.reasonClass() + ": ") && r.reason().length() <= NormalizeResult.MAX_REASON_CHARS,
          what + ": " + r.reason());
      classes.merge(r.reasonClass(), 1, Integer::sum);
    }
    return r;
  }

  private byte[] mutate(byte[] in) {
    byte[] b = in.clone();
    switch (rnd.nextInt(9)) {
      case 0: // truncate
        return Arrays.copyOf(b, rnd.nextInt(b.length + 1));
      case 1: // flip bits
        for (int i = 0, k = 1 + rnd.nextInt(4); i < k && b.length > 0; i++) {
          b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      case 2: { // invalid UTF-8 bytes
        int at = rnd.nextInt(b.length + 1);
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xE2, (byte) 0x82, (byte) 0xF0, (byte) 0x80};
        byte[] ins = Arrays.copyOfRange(bad, rnd.nextInt(3), 3 + rnd.nextInt(4));
        return splice(b, at, 0, ins);
      }
      case 3: { // replace a structural byte
        String structural = "{}[],:\"\\ 0-.eE";
        int at = rnd.nextInt(Math.max(1, b.length));
        if (b.length > 0) {
          b[at] = (byte) structural.charAt(rnd.nextInt(structural.length()));
        }
        return b;
      }
      case 4: { // delete a range
        if (b.length == 0) {
          return b;
        }
        int at = rnd.nextInt(b.length);
        return splice(b, at, Math.min(b.length - at, 1 + rnd.nextInt(20)), new byte[0]);
      }
      case 5: { // duplicate keys: repeat a prefix field
        String s = new String(b, StandardCharsets.UTF_8);
        int comma = s.indexOf(',');
        if (s.startsWith("{") && comma > 0) {
          return ("{" + s.substring(1, comma) + "," + s.substring(1)).getBytes(StandardCharsets.UTF_8);
        }
        return b;
      }
      case 6: { // huge number inserted as a value
        String num = (rnd.nextBoolean() ? "-" : "") + "9".repeat(1 + rnd.nextInt(3000)) + (rnd.nextBoolean() ? ".5e99999" : "");
        return wrap(b, "\"huge\":" + num);
      }
      case 7: // swap in a different time
        return new String(b, StandardCharsets.UTF_8).replace("1457741907.959400112",
            List.of("", "-1", "1e400", "9".repeat(40), "1457741907.9594001129", "2019-13-01T00:00:00Z", "null").get(rnd.nextInt(7)))
            .getBytes(StandardCharsets.UTF_8);
      default: { // random printable garbage
        byte[] g = new byte[rnd.nextInt(64)];
        for (int i = 0; i < g.length; i++) {
          g[i] = (byte) (32 + rnd.nextInt(95));
        }
        return splice(b, rnd.nextInt(b.length + 1), 0, g);
      }
    }
  }

  private static byte[] wrap(byte[] obj, String field) {
    String s = new String(obj, StandardCharsets.UTF_8);
    if (s.startsWith("{")) {
      return ("{" + field + "," + s.substring(1)).getBytes(StandardCharsets.UTF_8);
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }

  @Test
  void everyInputIsAnEventOrAReason() throws IOException {
    List<byte[]> seeds = seeds();
    List<JsonNormalizer> ns = normalizers();
    JsonPayloadSplitter splitter = new JsonPayloadSplitter(SplitterSpec.parse(Map.of("explode.path", "/events", "explode.copy", "session:/session")));
    int inputs = 0;

    for (int i = 0; i < MUTATIONS; i++) {
      byte[] in = seeds.get(rnd.nextInt(seeds.size()));
      int rounds = 1 + rnd.nextInt(3);
      for (int k = 0; k < rounds; k++) {
        in = mutate(in);
      }
      check(ns.get(rnd.nextInt(ns.size())), in, "mutation " + i);
      JsonPayloadSplitter.Result sr = splitter.split(in);
      assertTrue(sr.isOk() != (sr.reason() != null), "split " + i);
      inputs++;
    }

    // extremes, through every normalizer
    List<byte[]> extremes = new ArrayList<>();
    extremes.add(("{\"d\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}").getBytes(StandardCharsets.UTF_8));
    extremes.add(("{\"d\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}").getBytes(StandardCharsets.UTF_8));
    extremes.add("[".repeat(10_000).getBytes(StandardCharsets.UTF_8));
    extremes.add(("{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":\"1\",\"s\":\"" + "x".repeat(3_000_000) + "\"}").getBytes(StandardCharsets.UTF_8));
    extremes.add(("{\"user_id\":\"" + "é".repeat(2_000_000) + "\",\"event_type\":\"x\",\"time_utc\":\"1\"}").getBytes(StandardCharsets.UTF_8));
    extremes.add(("{\"user_id\":\"u\",\"event_type\":\"x\",\"time_utc\":" + "1".repeat(100_000) + "}").getBytes(StandardCharsets.UTF_8));
    extremes.add(("{\"event_details\":{" + "\"k\":1,".repeat(50_000) + "\"k\":2}}").getBytes(StandardCharsets.UTF_8));
    extremes.add(new byte[0]);
    extremes.add(new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'});
    extremes.add(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    extremes.add("{\"user_id\":\"\\ud800\",\"event_type\":\"x\",\"time_utc\":\"1\"}".getBytes(StandardCharsets.UTF_8));
    for (byte[] e : extremes) {
      for (JsonNormalizer n : ns) {
        check(n, e, "extreme " + inputs);
        inputs++;
      }
      assertTrue(splitter.split(e).isOk() || splitter.split(e).reason() != null);
    }

    // generated random JSON-ish documents
    for (int i = 0; i < 1_000; i++) {
      StringBuilder sb = new StringBuilder();
      randomValue(sb, 0, true);
      check(ns.get(rnd.nextInt(ns.size())), sb.toString().getBytes(StandardCharsets.UTF_8), "generated " + i);
      inputs++;
    }

    assertTrue(inputs >= 10_000, "inputs: " + inputs);
    // the corpus really exercises both outcomes and several reason classes
    assertTrue(classes.getOrDefault("valid", 0) > 100, classes.toString());
    assertTrue(classes.getOrDefault(NormalizeResult.JSON, 0) > 100, classes.toString());
    assertTrue(classes.getOrDefault(NormalizeResult.LIMIT, 0) > 10, classes.toString());
    assertTrue(classes.getOrDefault(NormalizeResult.TIME, 0) > 10, classes.toString());
    assertTrue(classes.getOrDefault(NormalizeResult.MISSING_FIELD, 0) > 10, classes.toString());
    assertEquals(inputs, classes.values().stream().mapToInt(Integer::intValue).sum());
    // the only tolerated difference from Jackson stays rare (the mutations insert overlong bytes now and then)
    assertTrue(differences.getOrDefault("utf8", 0) < inputs / 20, differences.toString());
  }

  private void randomValue(StringBuilder sb, int depth, boolean top) {
    int k = top ? 0 : rnd.nextInt(depth > 6 ? 4 : 6);
    switch (k) {
      case 0: {
        sb.append('{');
        int n = rnd.nextInt(6);
        String[] keys = {"user_id", "device_id", "event_type", "time_utc", "meta", "event_details", "x", "session", "ts"};
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          sb.append('"').append(keys[rnd.nextInt(keys.length)]).append("\":");
          randomValue(sb, depth + 1, false);
        }
        sb.append('}');
        return;
      }
      case 1:
        sb.append(rnd.nextBoolean() ? "\"1457741907.959400112\"" : "\"" + Long.toString(rnd.nextLong(), 36) + "\"");
        return;
      case 2:
        sb.append(rnd.nextInt(4) == 0 ? Long.toString(rnd.nextLong()) : Double.toString(rnd.nextDouble() * 1e10));
        return;
      case 3:
        sb.append(List.of("true", "false", "null", "\"\"").get(rnd.nextInt(4)));
        return;
      default: {
        sb.append('[');
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            sb.append(',');
          }
          randomValue(sb, depth + 1, false);
        }
        sb.append(']');
      }
    }
  }
}
