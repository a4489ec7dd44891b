package io.eventstate.core.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.eventstate.core.event.CanonicalEvent;
import io.eventstate.core.event.TimeSource;

class JsonNormalizerTest {

  static final String TALK_NESTED = "{\"time_utc\":\"1457741907.959400112\",\"user_id\":\"688b60d1-c361-445b-b2f6-27f2eecfc217\","
      + "\"event_type\":\"button_pressed\",\"event_details\":{\"button_type\":\"one-click purchase\",\"puchased_items\":"
      + "[{\"sku\":\"1 23456 78999 9\",\"description\":\"Tony's Run-flat Tire\",\"unit_price\":129.99,\"quantity\":4}]},"
      + "\"_filled\":[\"unit_price\",\"quantity\"]}";

  static Map<String, String> talkProps() {
    Map<String, String> m = io.eventstate.core.fsm.TestSupport.props("""
        entity = user:/user_id, device:/device_id
        eventType.paths = /event_type
        time.paths = /time_utc
        time.format = decimal_seconds
        attributes = sku:/item_sku, sku:/event_details/puchased_items/0/sku, price:/event_details/puchased_items/0/unit_price
        attributes.flatten = /event_details
        """);
    return m;
  }

  private static NormalizeResult run(Map<String, String> props, String body) {
    return new JsonNormalizer(NormalizerSpec.parse(props)).normalize(body.getBytes(StandardCharsets.UTF_8), Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
  }

  private static NormalizeResult run(Map<String, String> props, String body, Map<String, String> headers, long arrival) {
    return new JsonNormalizer(NormalizerSpec.parse(props)).normalize(body.getBytes(StandardCharsets.UTF_8), headers, arrival);
  }

  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("entity", "user:/user_id, device:/device_id");
    m.put("eventType.paths", "/type");
    m.put("time.paths", "/t");
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove(kv[i]);
      } else {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  @Test
  void talkNestedEventIsExact() {
    byte[] body = TALK_NESTED.getBytes(StandardCharsets.UTF_8);
    NormalizeResult r = new JsonNormalizer(NormalizerSpec.parse(talkProps())).normalize(body, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertTrue(r.isValid(), r.reason());
    CanonicalEvent e = r.event();
    assertEquals(1457741907959400112L, e.eventTimeNanos());
    assertEquals(1457741907959L, e.eventTimeMillis());
    assertEquals("user", e.entityType());
    assertEquals("688b60d1-c361-445b-b2f6-27f2eecfc217", e.entityId());
    assertEquals("button_pressed", e.eventType());
    assertEquals(TimeSource.EVENT, e.timeSource());
    assertEquals("1 23456 78999 9", e.attributes().get("sku"));
    assertEquals("129.99", e.attributes().get("price"));
    assertEquals("1 23456 78999 9", e.attributes().get("event_details.puchased_items.0.sku"));
    assertEquals("4", e.attributes().get("event_details.puchased_items.0.quantity"));
    assertEquals("one-click purchase", e.attributes().get("event_details.button_type"));
    assertFalse(e.attributes().containsKey("_filled.0"));
    assertSame(body, e.body());
    assertEquals(MurmurHash3.hash128Hex(body, 0, body.length), e.eventId());
  }

  @Test
  void entityTypeComesFromTheCandidateThatMatched() {
    NormalizeResult r = run(props(), "{\"device_id\":\"c361\",\"type\":\"environmental_info\",\"t\":1457741907}");
    assertEquals("device", r.event().entityType());
    assertEquals("c361", r.event().entityId());
    // user wins when both are present, whatever the document order
    r = run(props(), "{\"device_id\":\"c361\",\"user_id\":\"u1\",\"type\":\"x\",\"t\":1457741907}");
    assertEquals("user:u1", r.event().entity());
    // a null or empty user id falls through to the device
    r = run(props(), "{\"user_id\":null,\"device_id\":\"d\",\"type\":\"x\",\"t\":1}");
    assertEquals("device:d", r.event().entity());
    r = run(props(), "{\"user_id\":\"\",\"device_id\":\"d\",\"type\":\"x\",\"t\":1}");
    assertEquals("device:d", r.event().entity());
  }

  @Test
  void constantEntityTypeWithPaths() {
    NormalizeResult r = run(props("entity", null, "entity.type", "package", "entity.paths", "/code, /object/code"),
        "{\"object\":{\"code\":\"EZ1\"},\"type\":\"x\",\"t\":1}");
    assertEquals("package:EZ1", r.event().entity());
  }

  @Test
  void numbersBecomeTheirExactText() {
    NormalizeResult r = run(props("attributes", "w:/w, big:/big, f:/f, neg:/neg, exp:/exp"),
        "{\"user_id\":47636,\"type\":7,\"t\":1,\"w\":17.60,\"big\":123456789012345678901234567890,"
            + "\"f\":0.1,\"neg\":-5,\"exp\":1.5E+3}");
    CanonicalEvent e = r.event();
    assertEquals("47636", e.entityId());
    assertEquals("7", e.eventType());
    assertEquals("17.60", e.attributes().get("w"));
    assertEquals("123456789012345678901234567890", e.attributes().get("big"));
    assertEquals("0.1", e.attributes().get("f"));
    assertEquals("-5", e.attributes().get("neg"));
    assertEquals("1.5E+3", e.attributes().get("exp"));
  }

  @Test
  void stringsGivenAsNumbersAndNumbersAsStringsAgree() {
    CanonicalEvent a = run(props("attributes", "deg:/deg"), "{\"user_id\":\"47636\",\"type\":\"x\",\"t\":\"1457741907.959400112\",\"deg\":\"72\"}").event();
    CanonicalEvent b = run(props("attributes", "deg:/deg"), "{\"user_id\":47636,\"type\":\"x\",\"t\":1457741907.959400112,\"deg\":72}").event();
    assertEquals(a.entityId(), b.entityId());
    assertEquals(a.eventTimeNanos(), b.eventTimeNanos());
    assertEquals(1457741907959400112L, b.eventTimeNanos());
    assertEquals(a.attributes(), b.attributes());
  }

  @Test
  void booleansBecomeTrueAndFalse() {
    CanonicalEvent e = run(props("attributes", "bot:/bot, minor:/minor"), "{\"user_id\":true,\"type\":\"x\",\"t\":1,\"bot\":false,\"minor\":true}").event();
    assertEquals("true", e.entityId());
    assertEquals("false", e.attributes().get("bot"));
    assertEquals("true", e.attributes().get("minor"));
  }

  @Test
  void nullAndEmptyAreAlikeByDefault() {
    CanonicalEvent e = run(props("attributes", "a:/a, b:/b, c:/c"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"a\":null,\"b\":\"\",\"c\":\"x\"}").event();
    assertFalse(e.attributes().containsKey("a"));
    assertFalse(e.attributes().containsKey("b"));
    assertEquals("x", e.attributes().get("c"));
  }

  @Test
  void emptyIsAValueWhenConfigured() {
    Map<String, String> p = props("attributes", "a:/a, b:/b", "coerce.emptyAsMissing", "false");
    CanonicalEvent e = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"a\":null,\"b\":\"\"}").event();
    assertFalse(e.attributes().containsKey("a"));
    assertEquals("", e.attributes().get("b"));
    NormalizeResult r = run(p, "{\"user_id\":\"\",\"device_id\":\"d\",\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.MISSING_FIELD, r.reasonClass());
    assertTrue(r.reason().contains("/user_id is an empty string"), r.reason());
    r = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":\"\"}");
    assertEquals(NormalizeResult.TIME, r.reasonClass());
  }

  @Test
  void pointersReachIntoArraysAndEscapedNames() {
    CanonicalEvent e = run(props("attributes", "second:/items/1/sku, slash:/a~1b, tilde:/c~0d, idx:/m/0"),
        "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"items\":[{\"sku\":\"s0\"},{\"sku\":\"s1\"}],\"a/b\":1,\"c~d\":2,\"m\":{\"0\":\"obj\"}}").event();
    assertEquals("s1", e.attributes().get("second"));
    assertEquals("1", e.attributes().get("slash"));
    assertEquals("2", e.attributes().get("tilde"));
    assertEquals("obj", e.attributes().get("idx"));
  }

  @Test
  void structuredValueAtANamedAttributeIsFlattenedUnderItsName() {
    CanonicalEvent e = run(props("attributes", "loc:/loc"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"loc\":{\"lat\":5.86,\"p\":[1,{\"q\":true}]}}").event();
    assertEquals("5.86", e.attributes().get("loc.lat"));
    assertEquals("1", e.attributes().get("loc.p.0"));
    assertEquals("true", e.attributes().get("loc.p.1.q"));
  }

  @Test
  void objectAtACanonicalPathCountsAsMissing() {
    NormalizeResult r = run(props(), "{\"user_id\":{\"id\":1},\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.MISSING_FIELD, r.reasonClass());
    assertTrue(r.reason().contains("no entity id"), r.reason());
  }

  @Test
  void duplicateKeysFirstWins() {
    CanonicalEvent e = run(props("attributes", "a:/a"), "{\"user_id\":\"first\",\"user_id\":\"second\",\"type\":\"x\",\"t\":1,\"a\":1,\"a\":2}").event();
    assertEquals("first", e.entityId());
    assertEquals("1", e.attributes().get("a"));
  }

  @Test
  void eventIdFromPathElseHashOfBodyElseHashOfFields() {
    NormalizeResult r = run(props("eventId.paths", "/meta/id, /id"), "{\"meta\":{\"id\":\"m1\"},\"id\":5,\"user_id\":\"u\",\"type\":\"x\",\"t\":1}");
    assertEquals("m1", r.event().eventId());
    r = run(props("eventId.paths", "/meta/id, /id"), "{\"id\":5,\"user_id\":\"u\",\"type\":\"x\",\"t\":1}");
    assertEquals("5", r.event().eventId());
    String body = "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}";
    r = run(props("eventId.paths", "/id"), body);
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    assertEquals(MurmurHash3.hash128Hex(b, 0, b.length), r.event().eventId());
    // the same raw body always gets the same id; a different body a different one
    assertEquals(r.event().eventId(), run(props(), body).event().eventId());
    assertNotEquals(r.event().eventId(), run(props(), body + " ").event().eventId());

    Map<String, String> hashed = props("eventId.hash", "/user_id, /t, /aid");
    String id1 = run(hashed, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"aid\":5}").event().eventId();
    String id2 = run(hashed, "{\"aid\":5, \"t\":1, \"type\":\"y\", \"user_id\":\"u\"}").event().eventId();
    String id3 = run(hashed, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"aid\":6}").event().eventId();
    assertEquals(id1, id2);
    assertNotEquals(id1, id3);
    assertEquals(32, id1.length());
  }

  @Test
  void timeFallbacks() {
    String noTime = "{\"user_id\":\"u\",\"type\":\"x\"}";
    NormalizeResult r = run(props(), noTime);
    assertEquals(NormalizeResult.MISSING_FIELD, r.reasonClass());
    assertTrue(r.reason().contains("no time"), r.reason());

    r = run(props("time.fallback", "arrival"), noTime, Map.of("timestamp", "5"), 1234L);
    assertEquals(1234L * 1_000_000L, r.event().eventTimeNanos());
    assertEquals(TimeSource.ARRIVAL, r.event().timeSource());

    r = run(props("time.fallback", "header"), noTime, Map.of("timestamp", "1457741907959"), 1457741907959L);
    assertEquals(1457741907959L * 1_000_000L, r.event().eventTimeNanos());
    assertEquals(TimeSource.HEADER, r.event().timeSource());

    r = run(props("time.fallback", "header"), noTime, Map.of("timestamp", "garbage"), 1234L);
    assertEquals(TimeSource.ARRIVAL, r.event().timeSource());
    r = run(props("time.fallback", "header"), noTime, null, 1234L);
    assertEquals(TimeSource.ARRIVAL, r.event().timeSource());

    // a null time is missing and falls back; a malformed one is invalid, never replaced
    r = run(props("time.fallback", "arrival"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":null}", Map.of(), 7L);
    assertEquals(TimeSource.ARRIVAL, r.event().timeSource());
    r = run(props("time.fallback", "arrival"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":\"soon\"}", Map.of(), 7L);
    assertEquals(NormalizeResult.TIME, r.reasonClass());
    r = run(props("time.fallback", "arrival"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":true}", Map.of(), 7L);
    assertEquals(NormalizeResult.TIME, r.reasonClass());
  }

  @Test
  void timeMinRejectsSentinels() {
    Map<String, String> p = props("time.min", "2000-01-01T00:00:00Z", "time.format", "epoch_seconds");
    NormalizeResult r = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":0}");
    assertEquals(NormalizeResult.TIME, r.reasonClass());
    assertTrue(r.reason().contains("time.min"), r.reason());
    assertTrue(run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":946684800}").isValid());
    assertTrue(run(props("time.format", "epoch_seconds"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":0}").isValid());
  }

  @Test
  void firstTimeCandidateWithAValueIsUsed() {
    Map<String, String> p = props("time.paths", "/meta/dt, /timestamp");
    NormalizeResult r = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"timestamp\":1690617099,\"meta\":{\"dt\":\"2023-07-29T07:51:40Z\"}}");
    assertEquals(1690617100_000000000L, r.event().eventTimeNanos());
    r = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"timestamp\":1690617099,\"meta\":{}}");
    assertEquals(1690617099_000000000L, r.event().eventTimeNanos());
  }

  @Test
  void eventTypeDefault() {
    Map<String, String> p = props("eventType.default", "uplink");
    assertEquals("uplink", run(p, "{\"user_id\":\"u\",\"t\":1}").event().eventType());
    assertEquals("x", run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}").event().eventType());
    NormalizeResult r = run(props(), "{\"user_id\":\"u\",\"t\":1}");
    assertEquals(NormalizeResult.MISSING_FIELD, r.reasonClass());
    assertTrue(r.reason().contains("event type"), r.reason());
  }

  @Test
  void malformedInputsAreReasons() {
    String[][] cases = {
        {"", "json"},
        {"   \n", "json"},
        {"[]", "json"},
        {"[{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}]", "json"},
        {"\"str\"", "json"},
        {"42", "json"},
        {"null", "json"},
        {"{", "json"},
        {"{\"user_id\":\"u\",", "json"},
        {"{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}{\"a\":1}", "json"},
        {"{\"user_id\":\"u\",\"type\":\"x\",\"t\":1} x", "json"},
        {"{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"skip\":{\"a\":[1,2,}}", "json"},
        {"{'user_id':'u'}", "json"},
        {"{\"user_id\":\"u\",\"type\":\"x\",\"t\":NaN}", "json"},
        {"{\"user_id\":\"u\",\"type\":\"x\",\"t\":01}", "json"},
    };
    for (String[] c : cases) {
      NormalizeResult r = run(props(), c[0]);
      assertFalse(r.isValid(), c[0]);
      assertEquals(c[1], r.reasonClass(), c[0] + " -> " + r.reason());
      assertTrue(r.reason().startsWith(c[1] + ": "), r.reason());
      assertNull(r.event());
    }
  }

  @Test
  void invalidUtf8AndUtf16AreReasons() {
    JsonNormalizer n = new JsonNormalizer(NormalizerSpec.parse(props()));
    byte[] bad = "{\"user_id\":\"u\u00e9\",\"type\":\"x\",\"t\":1}".getBytes(StandardCharsets.ISO_8859_1);
    NormalizeResult r = n.normalize(bad, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(NormalizeResult.JSON, r.reasonClass(), r.reason());
    byte[] utf16 = "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}".getBytes(StandardCharsets.UTF_16LE);
    r = n.normalize(utf16, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(NormalizeResult.JSON, r.reasonClass(), r.reason());
    r = n.normalize(null, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
    assertEquals(NormalizeResult.JSON, r.reasonClass());
    // a UTF-8 BOM is fine
    byte[] body = "{\"user_id\":\"ü\",\"type\":\"x\",\"t\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] bom = new byte[body.length + 3];
    bom[0] = (byte) 0xEF;
    bom[1] = (byte) 0xBB;
    bom[2] = (byte) 0xBF;
    System.arraycopy(body, 0, bom, 3, body.length);
    assertEquals("ü", n.normalize(bom, Map.of(), TestPaths.ARRIVAL_AFTER_ALL).event().entityId());
  }

  @Test
  void limitsAreReasons() {
    NormalizeResult r = run(props("limits.maxBodyBytes", "20"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
    assertTrue(r.reason().contains("limits.maxBodyBytes=20"), r.reason());

    String deep = "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"d\":" + "[".repeat(10) + "]".repeat(10) + "}";
    assertTrue(run(props("limits.maxDepth", "11"), deep).isValid());
    r = run(props("limits.maxDepth", "10"), deep);
    assertEquals(NormalizeResult.LIMIT, r.reasonClass(), r.reason());

    String veryDeep = "{\"d\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    r = run(props(), veryDeep);
    assertEquals(NormalizeResult.LIMIT, r.reasonClass(), r.reason());

    r = run(props("attributes.flatten", "/a", "limits.maxAttributes", "3"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"a\":[1,2,3,4]}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass(), r.reason());
    assertTrue(r.reason().contains("limits.maxAttributes=3"), r.reason());
    assertTrue(run(props("attributes.flatten", "/a", "limits.maxAttributes", "4"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"a\":[1,2,3,4]}").isValid());

    r = run(props(), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"n\":" + "9".repeat(5000) + "}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass(), r.reason());
  }

  @Test
  void hugeStringsAreFineAndReasonsStayShort() {
    String big = "x".repeat(3_000_000);
    NormalizeResult r = run(props("limits.maxBodyBytes", "4000000"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"s\":\"" + big + "\"}");
    assertTrue(r.isValid(), r.reason());
    r = run(props("limits.maxBodyBytes", "4000000"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":\"" + big + "\"}");
    assertEquals(NormalizeResult.TIME, r.reasonClass());
    assertTrue(r.reason().length() <= NormalizeResult.MAX_REASON_CHARS);
  }

  @Test
  void unmatchedSubtreesAreSkippedButStillValidated() {
    NormalizeResult r = run(props(), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"junk\":{\"a\":[{\"b\":\"\\uZZZZ\"}]}}");
    assertEquals(NormalizeResult.JSON, r.reasonClass(), r.reason());
  }

  @Test
  void scannerDecodesEscapesAndUnicodeLikeJson() {
    NormalizeResult r = run(props("attributes", "a:/a, q:/q, e:/e"),
        "{\"user\\u005fid\":\"u\\u00e9\\n\\\"x\\/\",\"type\":\"t\\ud83d\\ude00\",\"t\":1,\"a\":\"caf\u00e9 \ud83d\ude00\","
            + "\"q\":-0.5E+3,\"e\":\"\"}");
    assertTrue(r.isValid(), r.reason());
    assertEquals("u\u00e9\n\"x/", r.event().entityId()); // an escaped field name matches its pointer too
    assertEquals("t\ud83d\ude00", r.event().eventType());
    assertEquals("caf\u00e9 \ud83d\ude00", r.event().attributes().get("a"));
    assertEquals("-0.5E+3", r.event().attributes().get("q"));
    assertFalse(r.event().attributes().containsKey("e")); // empty counts as missing by default
    // whitespace of every kind around every token
    r = run(props(), " \t\r\n{ \"user_id\" :\t\"u\" ,\n\"type\":\"x\" , \"t\" : 1 , \"s\" : [ { } , [ ] ] }\r\n");
    assertTrue(r.isValid(), r.reason());
  }

  @Test
  void scannerRefusesWhatJsonRefusesWithAPosition() {
    String ok = "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"v\":";
    String[][] cases = {
        {ok + "-}", "digit after '-'"},
        {ok + "1.}", "decimal point"},
        {ok + "1e}", "exponent"},
        {ok + "00}", "leading zeros"},
        {ok + "tru}", "unrecognized token 'tru'"},
        {ok + "\"a\u0001\"}", "control character"},
        {ok + "\"\\x\"}", "unrecognized escape"},
        {ok + "\"\\u12G4\"}", "4 hex digits"},
        {ok + "[1 2]}", "expected ',' or ']'"},
        {ok + "1 \"w\":2}", "expected ',' or '}'"},
        {"{\"user_id\" \"u\"}", "expected ':'"},
        {"{\"user_id\":\"u\",}", "field name"},
        {ok + "\"unterminated}", "end of input inside a string"},
    };
    for (String[] c : cases) {
      NormalizeResult r = run(props(), c[0]);
      assertEquals(NormalizeResult.JSON, r.reasonClass(), c[0] + " -> " + r.reason());
      assertTrue(r.reason().contains(c[1]) && r.reason().contains("line 1, column "), c[0] + " -> " + r.reason());
    }
    NormalizeResult r = run(props(), "{\"user_id\":\"u\",\n\"type\":\"x\",\n\"t\":1,\"v\":x}");
    assertTrue(r.reason().endsWith("line 3, column 11 (byte 38)"), r.reason());
  }

  @Test
  void scannerRefusesInvalidUtf8AnywhereEvenInSkippedStrings() {
    JsonNormalizer n = new JsonNormalizer(NormalizerSpec.parse(props()));
    byte[][] bad = {
        {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
        {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // UTF-8-encoded surrogate
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        {(byte) 0xFF},
        {(byte) 0xE2, (byte) 0x82}, // truncated
        {(byte) 0x80}, // lone continuation byte
    };
    for (byte[] seq : bad) {
      byte[] head = "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"skipped\":\"".getBytes(StandardCharsets.UTF_8);
      byte[] body = new byte[head.length + seq.length + 2];
      System.arraycopy(head, 0, body, 0, head.length);
      System.arraycopy(seq, 0, body, head.length, seq.length);
      body[body.length - 2] = '"';
      body[body.length - 1] = '}';
      NormalizeResult r = n.normalize(body, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
      assertEquals(NormalizeResult.JSON, r.reasonClass(), java.util.Arrays.toString(seq) + " -> " + r.reason());
      assertTrue(r.reason().contains("UTF-8"), r.reason());
    }
    // the largest code point and a 3-byte one are fine
    assertTrue(run(props(), "{\"user_id\":\"\udbff\udfff\u20ac\",\"type\":\"x\",\"t\":1}").isValid());
  }

  @Test
  void specialBytesAreFoundAtEveryOffsetOfAWordScan() {
    JsonNormalizer n = new JsonNormalizer(NormalizerSpec.parse(props("attributes", "s:/s")));
    for (int at = 0; at < 24; at++) {
      String pad = "abcdefghijklmnopqrstuvwxyz".substring(0, at);
      // a control character, a stray high byte and an escape, each at offset `at` of a string value
      byte[] control = ("{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"s\":\"" + pad + "\u0001tail-of-the-string\"}")
          .getBytes(StandardCharsets.UTF_8);
      NormalizeResult r = n.normalize(control, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
      assertTrue(r.reason() != null && r.reason().contains("control character"), at + ": " + r.reason());
      byte[] high = control.clone();
      high[new String(control, StandardCharsets.UTF_8).indexOf('\u0001')] = (byte) 0xBF;
      r = n.normalize(high, Map.of(), TestPaths.ARRIVAL_AFTER_ALL);
      assertTrue(r.reason() != null && r.reason().contains("UTF-8"), at + ": " + r.reason());
      r = run(props("attributes", "s:/s"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"s\":\"" + pad
          + "\\\"\u00e9tail-of-the-string\"}");
      assertEquals(pad + "\"\u00e9tail-of-the-string", r.event().attributes().get("s"), "at " + at);
    }
  }

  @Test
  void keyPartsOverTheirLengthLimitsAreInvalidWithTheKeyInTheReason() {
    String longId = "x".repeat(33_000);
    NormalizeResult r = run(props(), "{\"user_id\":\"" + longId + "\",\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
    assertTrue(r.reason().contains("entity id") && r.reason().contains("33000 characters")
        && r.reason().contains("limits.maxEntityIdLength=1024"), r.reason());
    assertTrue(r.reason().length() <= NormalizeResult.MAX_REASON_CHARS, r.reason());

    r = run(props(), "{\"user_id\":\"" + "y".repeat(1024) + "\",\"type\":\"x\",\"t\":1}");
    assertTrue(r.isValid(), "exactly at the limit is valid");

    r = run(props(), "{\"user_id\":\"u\",\"type\":\"" + "t".repeat(257) + "\",\"t\":1}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
    assertTrue(r.reason().contains("limits.maxEventTypeLength=256"), r.reason());

    r = run(props("eventId.paths", "/id"), "{\"id\":\"" + "i".repeat(257) + "\",\"user_id\":\"u\",\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
    assertTrue(r.reason().contains("limits.maxEventIdLength=256"), r.reason());

    r = run(props("limits.maxEntityIdLength", "3"), "{\"user_id\":\"abcd\",\"type\":\"x\",\"t\":1}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
  }

  @Test
  void attributeValuesOverTheByteLimitAreInvalid() {
    Map<String, String> p = props("attributes", "big:/big", "limits.maxAttributeValueBytes", "10");
    assertTrue(run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"big\":\"0123456789\"}").isValid());
    NormalizeResult r = run(p, "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"big\":\"012345678\u00e9\"}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass(), "9 ASCII bytes + a 2-byte character = 11 bytes");
    assertTrue(r.reason().contains("'big'") && r.reason().contains("11 bytes"), r.reason());
    // flattened values are bounded too, by default at 64 KiB
    r = run(props("attributes.flatten", "/d"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":1,\"d\":{\"v\":\""
        + "v".repeat(65_537) + "\"}}");
    assertEquals(NormalizeResult.LIMIT, r.reasonClass());
    assertTrue(r.reason().contains("'d.v'"), r.reason());
  }

  @Test
  void timesTooFarAheadOfArrivalAreTimeFuture() {
    long arrival = 1_457_741_907_000L; // 2016-03-12T00:18:27Z
    NormalizeResult r = run(props(), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":\"2262-04-11T23:47:16.854775807Z\"}",
        Map.of(), arrival);
    assertEquals(NormalizeResult.TIME_FUTURE, r.reasonClass());
    assertTrue(r.reason().startsWith("time_future: ") && r.reason().contains("time.maxFutureSkew=1h"), r.reason());
    // one hour ahead is allowed, one hour and a millisecond is not
    assertTrue(run(props(), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":" + (arrival + 3_600_000L) + "}", Map.of(), arrival)
        .isValid());
    assertEquals(NormalizeResult.TIME_FUTURE, run(props(), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":"
        + (arrival + 3_600_001L) + "}", Map.of(), arrival).reasonClass());
    // configurable; 0 allows nothing after arrival
    assertTrue(run(props("time.maxFutureSkew", "2d"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":"
        + (arrival + 86_400_000L) + "}", Map.of(), arrival).isValid());
    assertEquals(NormalizeResult.TIME_FUTURE, run(props("time.maxFutureSkew", "0"), "{\"user_id\":\"u\",\"type\":\"x\",\"t\":"
        + (arrival + 1) + "}", Map.of(), arrival).reasonClass());
    // Flume's timestamp header is checked too; the arrival fallback never is
    String noTime = "{\"user_id\":\"u\",\"type\":\"x\"}";
    r = run(props("time.fallback", "header"), noTime, Map.of("timestamp", Long.toString(arrival + 7_200_000L)), arrival);
    assertEquals(NormalizeResult.TIME_FUTURE, r.reasonClass());
    assertTrue(r.reason().contains("timestamp header"), r.reason());
  }
}
